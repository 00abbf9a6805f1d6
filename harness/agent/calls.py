"""One model call as the agent makes it: priced, kept in the trajectory, and told to an
observer (the spend journal) before its request goes out and again before its reply is used,
so that no call that may be billed goes unrecorded, whatever stops the run."""

from __future__ import annotations

from typing import Protocol

from harness.models import CallError, Completion, Message, Model
from harness.models.usage import estimate
from harness.pricing import Price, cost
from harness.results import ModelCall

IN_FLIGHT = "in flight when the run stopped"


class CallObserver(Protocol):
    """Told of each model call twice: before its request goes out, with an estimate from the
    request should nothing ever come back, and once it has settled (answered, or failed for
    good), before its reply is used. `number` is the call's place in the trajectory's calls."""

    def sending(self, number: int, call: ModelCall) -> None: ...

    def settled(self, number: int, call: ModelCall) -> None: ...


def ask(
    model: Model,
    messages: list[Message],
    call: ModelCall,
    price: Price,
    calls: list[ModelCall],
    observer: CallObserver | None = None,
) -> Completion:
    """Send `messages` to `model`; the call, as it settled, goes to the observer and then to
    `calls`. A call that fails for good is recorded with what it cost (if anything) and raised."""
    number = len(calls)
    if observer is not None:
        guess = estimate(messages, None, "", IN_FLIGHT)
        pending = Completion("", guess.usage, usage_source=guess.source, usage_note=guess.note)
        observer.sending(number, paid(call, pending, price))
    try:
        completion = model.complete(messages)
    except Exception as failed:  # its retries and waits happened, and it may have been billed
        billed = failed.billed if isinstance(failed, CallError) else None
        settled = paid(call, billed, price) if billed else call
        _settle(settled.model_copy(update=_failure(failed)), number, calls, observer)
        raise
    _settle(paid(call, completion, price), number, calls, observer)
    return completion


def _settle(
    call: ModelCall, number: int, calls: list[ModelCall], observer: CallObserver | None
) -> None:
    if observer is not None:
        observer.settled(number, call)
    calls.append(call)


def paid(call: ModelCall, completion: Completion, price: Price) -> ModelCall:
    """The call with what it was billed for, how that is known, and its price."""
    return call.model_copy(
        update={
            "usage": completion.usage,
            "cost_usd": cost(completion.usage, price),
            "usage_source": completion.usage_source,
            "usage_note": completion.usage_note,
            "reasoning_content": completion.reasoning_content or "",
            "response_id": completion.response_id,
            "latency_s": completion.latency_s,
            "retries": completion.retries,
            "retry_wait_s": completion.retry_wait_s,
        }
    )


def _failure(failed: Exception) -> dict[str, object]:
    """What a call that failed for good records of the failure."""
    if isinstance(failed, CallError):
        return {
            "retries": failed.retries,
            "retry_wait_s": failed.retry_wait_s,
            "error": str(failed),
        }
    return {"error": f"{type(failed).__name__}: {failed}"}

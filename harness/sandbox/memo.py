"""Sandboxes that remember their answers, for actors whose requests repeat.

The simulated family issues few distinct commands and edits per task, and what the sandbox
answers depends only on the working tree: the same files and the same command give the same
output. A sweep or a validation simulates the same tasks hundreds of times, so a memoised
sandbox answers a request it has already seen in the same state from memory, and starts a real
sandbox (of the provider it wraps) only for a new one, bringing it to that state first. Grading
a patch seen before returns the verdict it got.

The state is the tree `snapshot()` names: content-addressed, so every way to the same files is
one state. A command is answered by (task, state, command, input); reading a file by the state,
the path and the request just before it (a command writes its log, and the next request reads
it). Each state remembers the state-changing requests that first led to it from the fresh
checkout, which bring any real sandbox there; arriving anywhere else is an error, never a
silent difference. A real sandbox, once started, is kept for the next memoised sandbox of the
same task (brought to the state it needs by a restore): the last few used stay open, until the
provider cleans up.

Only for actors whose commands are deterministic functions of the working tree (the simulated
models): a command whose output changes (`date`) keeps its first output. A timed-out command is
never remembered, nor is a verdict of status `error`. Environments stay until the memo ends.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from harness import InfrastructureError
from harness.results import Verdict
from harness.sandbox import (
    DEFAULT_OUTPUT_LIMIT,
    CommandResult,
    ImageUse,
    Sandbox,
    SandboxProvider,
)
from harness.tasks import Task

T = TypeVar("T")
TaskKey = tuple[str, str, str]  # environment, instance id, task content hash
Grader = Callable[[Task, str, SandboxProvider, str, float], Verdict]


@dataclass(frozen=True)
class Run:
    command: str
    stdin: str | None
    timeout: float


@dataclass(frozen=True)
class Write:
    path: str
    data: bytes


@dataclass(frozen=True)
class Restore:
    snapshot: str


Changing = Run | Write | Restore  # requests that may change the working tree


@dataclass(frozen=True)
class Read:
    path: str
    after: Changing | None  # the last request that may have written the file


@dataclass(frozen=True)
class Diff:
    pass


Request = Changing | Read | Diff


@dataclass(frozen=True)
class Answer:
    value: object
    after: str  # the state the request left behind


@dataclass
class Real:
    """A real sandbox, the state it is in, and the states its repository can restore."""

    sandbox: Sandbox
    state: str
    reached: set[str]


@dataclass
class SandboxMemo:
    """Everything the memoised sandboxes of one provider have learnt, shared by its threads."""

    answers: dict[tuple[TaskKey, str, Request], Answer] = field(default_factory=dict)
    paths: dict[tuple[TaskKey, str], tuple[Changing, ...]] = field(default_factory=dict)
    fresh: dict[TaskKey, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    verdicts: dict[tuple[TaskKey, str], Verdict] = field(default_factory=dict)
    environments: dict[str, str] = field(default_factory=dict)
    idle: list[tuple[TaskKey, Real]] = field(default_factory=list)  # to reuse, the oldest first
    keep: int = 8  # idle real sandboxes kept open (containers hold memory)
    hits: int = 0
    misses: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def answer(self, key: tuple[TaskKey, str, Request]) -> Answer | None:
        with self.lock:
            found = self.answers.get(key)
            self.misses += found is None
            self.hits += found is not None
            return found

    def learn(self, key: tuple[TaskKey, str, Request], answer: Answer, keep: bool) -> None:
        """The way to the state a request left behind, and (when `keep`) its answer."""
        task, state, request = key
        with self.lock:
            if keep:
                self.answers[key] = answer
            if isinstance(request, Changing) and (task, answer.after) not in self.paths:
                self.paths[(task, answer.after)] = (*self.paths[(task, state)], request)

    def path(self, task: TaskKey, state: str) -> tuple[Changing, ...] | None:
        with self.lock:
            return self.paths.get((task, state))

    def borrow(self, task: TaskKey) -> Real | None:
        with self.lock:
            for index in range(len(self.idle) - 1, -1, -1):
                if self.idle[index][0] == task:
                    return self.idle.pop(index)[1]
        return None

    def give_back(self, task: TaskKey, real: Real) -> None:
        with self.lock:
            self.idle.append((task, real))
            cut = max(0, len(self.idle) - self.keep)
            evicted, self.idle = self.idle[:cut], self.idle[cut:]
        for _, old in evicted:
            old.sandbox.close()

    def close_idle(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for _, real in idle:
            real.sandbox.close()


class MemoSandbox:
    """One task's sandbox, answered from the memo where it can be; see the module text."""

    def __init__(self, memo: SandboxMemo, task: TaskKey, start: Callable[[], Sandbox]):
        self.memo, self.task, self._start = memo, task, start
        self._real: Real | None = None
        self._last: Changing | None = None  # the last request that may have written a file
        self._before_last = ""  # the state it was asked in
        self._last_ran_here = False  # the real sandbox ran it (not the memo)
        if task not in memo.fresh:
            real = self._open()
            with memo.lock:
                memo.fresh.setdefault(task, (real.state, tuple(real.sandbox.warnings)))
                memo.paths.setdefault((task, memo.fresh[task][0]), ())
        self.base, warnings = memo.fresh[task]
        self.warnings = list(warnings)
        self.state = self.base

    def run(self, command: str, timeout: float = 60, stdin: str | None = None) -> CommandResult:
        def execute(real: Sandbox) -> CommandResult:
            return real.run(command, timeout, stdin)

        result = self._ask(Run(command, stdin, timeout), execute)
        assert isinstance(result, CommandResult)
        return result

    def write_file(self, path: str, data: bytes | str) -> None:
        raw = data.encode() if isinstance(data, str) else data
        self._ask(Write(path, raw), lambda real: real.write_file(path, raw))

    def read_file(self, path: str) -> bytes:
        def execute(real: Sandbox) -> bytes:
            if not self._last_ran_here and self._last is not None:
                # the file may be what the last request wrote, answered from memory
                self._at(self._before_last)
                _replay(real, self._last)
                self._last_ran_here = True
            return real.read_file(path)

        value = self._ask(Read(path, self._last), execute)
        assert isinstance(value, bytes)
        return value

    def snapshot(self) -> str:
        return self.state

    def restore(self, snapshot: str) -> None:
        if self.memo.path(self.task, snapshot) is not None:
            self._last, self._before_last = Restore(snapshot), self.state
            self.state, self._last_ran_here = snapshot, False
            return  # a state seen before: nothing runs until a request needs it
        self._ask(Restore(snapshot), lambda real: real.restore(snapshot))

    def diff(self) -> str:
        value = self._ask(Diff(), lambda real: real.diff())
        assert isinstance(value, str)
        return value

    def close(self) -> None:
        """The real sandbox, if one was needed, waits for the task's next memoised sandbox."""
        if self._real is not None:
            self.memo.give_back(self.task, self._real)
            self._real = None

    def _ask(self, request: Request, execute: Callable[[Sandbox], T]) -> T | object:
        key = (self.task, self.state, request)
        answer = self.memo.answer(key)
        ran_here = answer is None
        if answer is None:
            real = self._at(self.state)
            value = execute(real.sandbox)
            if isinstance(request, Changing):
                real.state = real.sandbox.snapshot()
                real.reached.add(real.state)
            answer = Answer(value, real.state)
            timed_out = isinstance(value, CommandResult) and value.timed_out
            self.memo.learn(key, answer, keep=not timed_out)
        if isinstance(request, Changing):
            self._last, self._before_last, self._last_ran_here = request, self.state, ran_here
        self.state = answer.after
        return answer.value

    def _open(self) -> Real:
        """A real sandbox: one this task used before, or a fresh one, whose snapshot (which writes
        the base tree that restores need) must name the state the memo knows."""
        if self._real is None:
            self._real = self.memo.borrow(self.task)
        if self._real is None:
            sandbox = self._start()
            fresh = sandbox.snapshot()
            known = self.memo.fresh.get(self.task)
            if known is not None and known[0] != fresh:
                sandbox.close()
                raise InfrastructureError(
                    f"memoised sandbox: a fresh sandbox of {self.task[1]} is at {fresh}, "
                    f"not at {known[0]} as before"
                )
            self._real = Real(sandbox, fresh, {fresh})
        return self._real

    def _at(self, state: str) -> Real:
        """The real sandbox, in `state`: restored there when its repository has the state's
        tree, else brought there by the requests that first led to it."""
        real = self._open()
        if real.state == state:
            return real
        if state in real.reached:
            real.sandbox.restore(state)
            real.state = state
            return real
        path = self.memo.path(self.task, state)
        if path is None:
            raise InfrastructureError(f"memoised sandbox: no way known to state {state}")
        real.sandbox.restore(self.base)
        for request in path:
            _replay(real.sandbox, request)
        real.state = real.sandbox.snapshot()
        real.reached.add(real.state)
        if real.state != state:
            raise InfrastructureError(
                f"memoised sandbox: replaying the requests to state {state} gave {real.state}: "
                "the actor's commands are not deterministic"
            )
        return real


def _replay(real: Sandbox, request: Changing) -> None:
    if isinstance(request, Run):
        real.run(request.command, request.timeout, request.stdin)
    elif isinstance(request, Write):
        real.write_file(request.path, request.data)
    else:
        real.restore(request.snapshot)


@dataclass
class MemoProvider:
    """A provider whose sandboxes and grading remember their answers (see the module text);
    real sandboxes come from `inner`. Give the run `grading(grade)` as its grader."""

    inner: SandboxProvider
    memo: SandboxMemo = field(default_factory=SandboxMemo)
    run_id: str = ""  # the rows' run id: the inner provider's unless given

    def __post_init__(self) -> None:
        self.run_id = self.run_id or self.inner.run_id

    def renamed(self, run_id: str) -> MemoProvider:
        """The same sandboxes and memo, for a run of another id."""
        return MemoProvider(self.inner, self.memo, run_id)

    def prepare(self, task: Task) -> str:
        known = self.memo.environments.get(task.content_hash)
        if known is None:
            known = self.memo.environments[task.content_hash] = self.inner.prepare(task)
        return known

    def expect(self, tasks: list[Task]) -> None:
        """Nothing to make ahead: each environment is prepared once, on first use."""

    def release(self, task: Task) -> ImageUse:
        return ImageUse()  # kept: the replicates and folds come back to the task

    def start(
        self, task: Task, environment: str, output_limit: int = DEFAULT_OUTPUT_LIMIT
    ) -> MemoSandbox:
        key = (environment, task.instance_id, task.content_hash)
        return MemoSandbox(
            self.memo, key, lambda: self.inner.start(task, environment, output_limit)
        )

    def cleanup(self) -> int:
        self.memo.close_idle()
        return self.inner.cleanup()

    def grading(self, grade: Grader) -> Grader:
        """`grade`, remembered: a patch seen before gets the verdict it got; a new one is
        graded in the inner provider's fresh sandboxes (never memoised ones: grading's markers
        are new each time). Give it to the run as its grader."""

        def remembered(
            task: Task, patch: str, sandboxes: SandboxProvider, environment: str, timeout: float
        ) -> Verdict:
            task_key = (environment, task.instance_id, task.content_hash)
            key = (task_key, hashlib.sha256(patch.encode()).hexdigest())
            with self.memo.lock:
                known = self.memo.verdicts.get(key)
            if known is not None:
                return known
            verdict = grade(task, patch, self.inner, environment, timeout)
            if verdict.status != "error":
                with self.memo.lock:
                    self.memo.verdicts[key] = verdict
            return verdict

        return remembered

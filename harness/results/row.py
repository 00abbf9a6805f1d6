"""The result row: one task solved under one policy with one seed, the line a results file holds.

It is a superset of SWE-bench's predictions format (instance_id, model_name_or_path,
model_patch), so the official harness can grade the same file. This class is the one
definition of a row: the JSON Schema in data/result.schema.json is generated from it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol, get_args

from pydantic import BaseModel, ConfigDict, Field, create_model

from harness.pricing import Inexact, Usage
from harness.tiers import Tier

SCHEMA_VERSION: Literal[3] = 3
# Version 1 rows lack `settings`; version 2 rows `suspicious`, `task_hash`, `settings.sandbox`,
# `retries` and `retry_wait_s`: they default to empty or 0 (resuming reads empty as "not
# recorded").
READABLE_VERSIONS = (1, 2, 3)
SCHEMA_PATH = Path(__file__).parent.parent / "data" / "result.schema.json"

Status = Literal["resolved", "unresolved", "empty_patch", "error"]
STATUSES: tuple[Status, ...] = get_args(Status)
Count = Annotated[int, Field(ge=0)]
# A stored Infinity or NaN would pass for a price ("unbounded"): only finite amounts are read.
Dollars = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Record(BaseModel):
    """A record with a strict JSON form: unknown fields and values of the wrong JSON type are
    errors, never silently kept or converted."""

    model_config = ConfigDict(extra="forbid", strict=True)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)


class TestSplit(Record):
    """Tests of one list (FAIL_TO_PASS or PASS_TO_PASS) that passed and that failed."""

    __test__ = False  # not a pytest test class, despite the name
    success: list[str] = Field(default_factory=list)
    failure: list[str] = Field(default_factory=list)


class Verdict(Record):
    """What grading decided for one submission."""

    status: Status
    reason: str = ""
    FAIL_TO_PASS: TestSplit = Field(default_factory=TestSplit)
    PASS_TO_PASS: TestSplit = Field(default_factory=TestSplit)
    log: str = Field("", description="The tail of the test log.")
    suspicious: str = Field(
        "",
        description="Why grading distrusts the patch, or empty: it changed how tests are run "
        "or reported (put back before the tests ran), wrote inside .git (not graded), or the "
        "log and the harness's own results channel disagree.",
    )


class RunSettings(Record):
    """What the run was configured with, beyond the policy and the models' names."""

    limits: dict[str, float] = Field(
        default_factory=dict, description="The agent's limits: steps, cost, time, ..."
    )
    model_options: dict[str, str | float | None] = Field(
        default_factory=dict,
        description="Request parameters: thinking, reasoning effort, "
        "temperature (null: the provider's default).",
    )
    models: dict[str, str] = Field(default_factory=dict, description="Model name by tier.")
    prompt_hash: str = Field("", description="Hash of every prompt template the model reads.")
    sandbox: dict[str, str | float | bool | None] = Field(
        default_factory=dict,
        description="Sandbox settings: memory, network, base image, ... (null: the default).",
    )
    sim_params: str = Field(
        "",
        description="Simulated models only: hash of the parameters they ran with (the bundled "
        "hand-set ones, or a calibration file given with --sim-params).",
    )
    sim_calibrated_from: int = Field(
        0,
        ge=0,
        description="Simulated models only: how many real runs their parameters were "
        "calibrated from; 0 for the hand-set parameters.",
    )


class ResultRow(Record):
    instance_id: str = Field(min_length=1, description="SWE-bench instance id of the task.")
    model_name_or_path: str = Field(
        description="SWE-bench predictions field: the policy and its models, prefixed 'sim:' "
        "for simulated models."
    )
    model_patch: str = Field(
        description="The submitted patch (git diff against the base "
        "commit); empty when nothing was changed."
    )
    run_id: str = Field(description="Name of the run that wrote the row.")
    policy: str = Field(min_length=1, description="Routing policy name.")
    policy_hash: str = Field(
        description="Hash of the policy's rules: the same name with other rules gives another hash."
    )
    backend: str = Field(
        description="Model backend: 'sim' (simulated models) or 'openai' (an "
        "OpenAI-compatible endpoint)."
    )
    synthetic: bool = Field(
        description="True for results of simulated models: they test the harness, not a model."
    )
    seed: int = Field(description="Seed of the run (it drives the simulated models).")
    price_table: str = Field(description="Version of the price table the cost was computed with.")
    price_table_hash: str = Field(
        "",
        description="Hash of the price table's content: a table edited under the same version "
        "has another hash.",
    )
    task_hash: str = Field(
        "",
        description="Hash of the task's content (repository, commit, statement, patches, "
        "tests, environment): a resumed run skips a task only when it is the same task.",
    )
    status: Status = Field(
        description="Verdict. 'error' is an infrastructure failure: it is "
        "never counted as unresolved and the pass rate leaves it out."
    )
    status_reason: str = Field(
        "", description="Why the status, e.g. the tests that failed or the infrastructure error."
    )
    suspicious: str = Field(
        "",
        description="Why grading distrusts the patch, or empty: it changed how tests are run "
        "or reported (runner or start-up files; put back before the tests ran, the status "
        "stands), wrote inside .git, or the log and the harness's own results channel "
        "disagree (both unresolved). Reports count such rows apart.",
    )
    FAIL_TO_PASS: TestSplit = Field(default_factory=TestSplit)
    PASS_TO_PASS: TestSplit = Field(default_factory=TestSplit)
    turns: Count = Field(0, description="Agent turns.")
    escalations: Count = Field(
        0, description="Turns re-run on the escalation model (counted even when the re-run failed)."
    )
    exit_reason: str = Field(
        "",
        description="Why the agent stopped: submitted, step_limit, cost_limit, time_limit, or "
        "error (the task failed before the agent stopped).",
    )
    retries: Count = Field(
        0, description="Retries of the task's model calls, failed calls included."
    )
    retry_wait_s: Annotated[float, Field(ge=0)] = Field(
        0.0, description="Seconds spent waiting between those retries."
    )
    tokens: dict[Tier, Usage] = Field(
        default_factory=dict,
        description="Tokens by model tier, split by price tier. 'output' includes 'reasoning'.",
    )
    cost_usd: Dollars | None = Field(
        0.0,
        description="Cost of every model call of the task, in dollars; null when the row "
        "grades a patch made elsewhere (`grade`), whose cost the harness never saw.",
    )
    cost_by_tier: dict[Tier, Dollars] = Field(
        default_factory=dict, description="Cost in dollars by model tier."
    )
    calls: dict[Tier, Count] = Field(
        default_factory=dict,
        description="Model calls by tier, vote samples and re-runs included (empty in rows "
        "written before it was recorded).",
    )
    lost_attempts: Count = Field(
        0,
        description="Attempts that died with their node (a Ray run) before this one; their "
        "calls are in the trajectory.",
    )
    lost_cost_usd: Dollars = Field(
        0.0,
        description="Spend of the lost attempts, as far as their calls were reported before "
        "the loss; not part of cost_usd.",
    )
    inexact_calls: dict[Inexact, Count] = Field(
        default_factory=dict,
        description="Model calls paid for (lost attempts' included) whose usage is not as the "
        "provider reported it: 'adjusted' (did not add up, billed at the dearest reading), "
        "'estimated' (missing or unusable, estimated from the text), 'unknown' (nothing read "
        "back, estimated from the request). Empty when every call's usage was reported.",
    )
    attempt_id: str = Field("", description="Id of this attempt in the spend journal.")
    wall_time_s: Annotated[float, Field(ge=0)] = Field(
        0.0, description="Wall time of the task (agent and grading), in seconds."
    )
    image_wait_s: Annotated[float, Field(ge=0)] = Field(
        0.0,
        description="Seconds the task waited for its image to be pulled or built before its "
        "sandbox started (part of wall_time_s); 0 when the image was ready, here already or "
        "fetched ahead while earlier tasks ran.",
    )
    registry_wait_s: Annotated[float, Field(ge=0)] = Field(
        0.0,
        description="Seconds the pull of the task's image waited out a registry's rate limit "
        "(HTTP 429): infrastructure wait, whether the task or the prefetch waited.",
    )
    image_bytes_pulled: Count = Field(
        0,
        description="Bytes downloaded to pull the task's image (layers already on the engine "
        "cost none); 0 when the image was here or built, or another task's pull brought it.",
    )
    node: str = Field("", description="The Ray node that ran the task; empty in a local run.")
    started_at: str = Field("", description="When the task started: ISO 8601 with time zone.")
    harness_version: str = Field("", description="Version of the harness that wrote the row.")
    settings: RunSettings = Field(default_factory=RunSettings)
    trajectory: str = Field(
        "", description="Path of the task's trajectory file, relative to the results file's folder."
    )
    schema_version: Literal[1, 2, 3] = Field(
        SCHEMA_VERSION, description="Version of this row schema."
    )

    @property
    def key(self) -> RowKey:
        return row_key(self)

    @classmethod
    def from_json(cls, text: str | bytes) -> ResultRow:
        return cls.model_validate_json(text)


class ReportedRow(Protocol):
    """What a summary reads of a row: a ResultRow, or a row_view with these fields."""

    @property
    def instance_id(self) -> str: ...
    @property
    def status(self) -> Status: ...
    @property
    def cost_usd(self) -> float | None: ...
    @property
    def suspicious(self) -> str: ...
    @property
    def escalations(self) -> int: ...
    @property
    def turns(self) -> int: ...
    @property
    def tokens(self) -> dict[Tier, Usage]: ...
    @property
    def cost_by_tier(self) -> dict[Tier, float]: ...
    @property
    def calls(self) -> dict[Tier, int]: ...
    @property
    def lost_attempts(self) -> int: ...
    @property
    def lost_cost_usd(self) -> float: ...
    @property
    def inexact_calls(self) -> dict[Inexact, int]: ...


KEY_FIELDS = ("instance_id", "policy", "seed")


RowKey = tuple[str, str, int]


def task_key(instance_id: str, policy: str, seed: int) -> RowKey:
    """What makes two rows the same task's result: a later row of the same key in one file is
    a new attempt at it (what --rerun-errors writes)."""
    return (instance_id, policy, seed)


def row_key(row: Any) -> RowKey:
    """The key of a ResultRow or a row_view (see `task_key`)."""
    return task_key(row.instance_id, row.policy, row.seed)


def row_view(fields: Iterable[str]) -> type[BaseModel]:
    """A reading model of some of the row's fields, for reports over many rows: the same
    types, defaults and strictness as ResultRow, other fields parsed but not kept. Reading
    100,000 rows of a few kilobytes each this way takes a fraction of the time and memory of
    whole rows, and the row keeps one definition."""
    return _view(frozenset(fields) | {"schema_version"})


@functools.cache
def _view(fields: frozenset[str]) -> type[BaseModel]:
    unknown = fields - set(ResultRow.model_fields)
    if unknown:
        raise ValueError(f"not row fields: {', '.join(sorted(unknown))}")
    # The fields a report reads keep their types; the others are accepted as any JSON value,
    # which costs little, and a field the row does not have is still an error.
    definitions: dict[str, Any] = {
        name: (info.annotation, info) if name in fields else (Any, None)
        for name, info in ResultRow.model_fields.items()
    }
    return create_model(
        "RowView",
        __config__=ConfigDict(extra="forbid", strict=True, frozen=True),
        **definitions,
    )


class RunIdentity(Record):
    """What every row of one run shares: who ran, with what, priced how."""

    run_id: str
    model_name_or_path: str
    policy: str
    policy_hash: str
    backend: str
    synthetic: bool
    seed: int
    price_table: str
    harness_version: str
    price_table_hash: str = ""
    settings: RunSettings = Field(default_factory=RunSettings)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a row, as committed in data/result.schema.json."""
    return schema_document(
        ResultRow,
        f"cascade-harness result row, schema version {SCHEMA_VERSION}",
        "One line of a results JSONL file: one task solved under one "
        "routing policy with one seed. A superset of SWE-bench's "
        "predictions format (instance_id, model_name_or_path, model_patch).",
    )


def schema_document(model: type[BaseModel], title: str, description: str) -> dict[str, Any]:
    """A model's JSON Schema as a file that says what it is (draft 2020-12)."""
    schema = model.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "description": description,
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def write_schema() -> None:
    """Rewrite data/result.schema.json after a change to the row (a test checks it)."""
    SCHEMA_PATH.write_text(json.dumps(json_schema(), indent=2) + "\n", encoding="utf-8")

"""The one place that turns a run's model settings into the models of a task: simulated,
replayed, or a live OpenAI-compatible endpoint."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from harness import UsageError
from harness.models.base import Model
from harness.models.client import DEEPSEEK_BASE_URL, DEFAULT_KEY_VARIABLE, OpenAIModel
from harness.models.replay import ReplayModel, Tape
from harness.models.retry import ClientSettings
from harness.models.sim import SimModel, default_params
from harness.models.sim_params import SimParams
from harness.models.sim_usage import Ledger
from harness.models.wire import ModelOptions
from harness.options import option
from harness.tasks import Task
from harness.tiers import Tier

Backend = Literal["sim", "openai"]
DEFAULT_MODELS: dict[Tier, str] = {"flash": "deepseek-v4-flash", "pro": "deepseek-v4-pro"}


def http_url(value: str) -> str | None:
    parts = urlparse(value)
    ok = parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value
    return None if ok else "must be an http(s) URL, e.g. https://api.deepseek.com"


def variable_name(value: str) -> str | None:
    if not value:
        return "must not be empty"
    return None if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value) else "is not a variable name"


def model_name(value: str) -> str | None:
    return None if value.strip() else "must not be empty"


@dataclass(frozen=True)
class ModelSettings:
    backend: str = option(
        "auto",
        "sim: simulated models; openai: an OpenAI-compatible "
        "endpoint; auto: openai when the API key variable is set, else sim",
        choices=("auto", "sim", "openai"),
    )
    base_url: str | None = option(
        None, f"OpenAI-compatible endpoint (default: {DEEPSEEK_BASE_URL})", check=http_url
    )
    api_key_env: str = option(
        DEFAULT_KEY_VARIABLE,
        "environment variable holding the API key",
        metavar="VAR",
        check=variable_name,
    )
    flash_model: str = option(
        DEFAULT_MODELS["flash"], "model name of the cheap tier", check=model_name
    )
    pro_model: str = option(
        DEFAULT_MODELS["pro"], "model name of the expensive tier", check=model_name
    )
    record: Path | None = option(
        None,
        "store every request and response in DIR, one JSON "
        "file each, named by the request's sha256",
        metavar="DIR",
        type=Path,
    )
    replay: Path | None = option(
        None,
        "serve responses recorded with --record from DIR: no "
        "network, no key; a request that was not recorded fails its "
        "task",
        metavar="DIR",
        type=Path,
    )
    sim_params: Path | None = option(
        None,
        "run the simulated family with the parameters in FILE, e.g. a calibration "
        "written by `sim fit` (default: the bundled hand-set ones); implies --backend sim",
        metavar="FILE",
        type=Path,
    )

    @property
    def names(self) -> dict[Tier, str]:
        return {"flash": self.flash_model, "pro": self.pro_model}

    def backend_for(self, environ: Mapping[str, str] = os.environ) -> Backend:
        """sim or openai, or a UsageError; a replay stands in for the endpoint, so it needs
        no key."""
        key = environ.get(self.api_key_env)
        if self.record and self.replay:
            raise UsageError("--record and --replay exclude each other")
        if self.replay:
            if self.backend == "sim" or self.sim_params:
                flag = "--sim-params" if self.sim_params else "--backend sim"
                raise UsageError(f"--replay serves recorded endpoint responses; not with {flag}")
            if not self.replay.is_dir():
                raise UsageError(f"no recordings folder: {self.replay}")
            return "openai"
        if self.sim_params:
            if self.backend == "openai" or self.record:
                flag = "--record" if self.record else "--backend openai"
                raise UsageError(f"--sim-params runs the simulated models; not with {flag}")
            return "sim"
        backend: Backend = (
            "openai" if self.backend == "openai" or (self.backend == "auto" and key) else "sim"
        )
        if backend == "openai" and not key:
            raise UsageError(f"--backend openai needs an API key in {self.api_key_env}")
        if backend == "sim" and self.record:
            raise UsageError(
                f"--record records endpoint calls, and the simulated models make "
                f"none: set the key in {self.api_key_env}"
            )
        return backend


@dataclass(frozen=True)
class ModelFamily:
    """The tiers of one model family as a run configured them."""

    settings: ModelSettings = field(default_factory=ModelSettings)
    backend: Backend = "sim"
    options: ModelOptions = field(default_factory=ModelOptions)
    client: ClientSettings = field(default_factory=ClientSettings)
    seed: int = 0
    sim_params: SimParams = field(default_factory=default_params)

    @property
    def synthetic(self) -> bool:
        return self.backend == "sim"

    def build(self, task: Task, tiers: tuple[Tier, ...]) -> dict[Tier, Model]:
        """One model per tier; simulated ones are made per task (their prompt cache, like a
        provider's, starts empty for a new trajectory)."""
        names = self.settings.names
        if self.backend == "sim":
            ledger = Ledger()  # the task's tiers share it: who wrote which reply
            return {
                tier: SimModel(task, tier, names[tier], self.seed, self.sim_params, ledger)
                for tier in tiers
            }
        # One tape per task, shared by its tiers: it names the task when a replay misses.
        if self.settings.replay is not None:
            tape = Tape(self.settings.replay, task.instance_id)
            return {tier: ReplayModel(names[tier], tape, self.options) for tier in tiers}
        recorder = Tape(self.settings.record, task.instance_id) if self.settings.record else None
        base_url = self.settings.base_url or DEEPSEEK_BASE_URL
        return {
            tier: OpenAIModel(
                names[tier],
                base_url,
                self.settings.api_key_env,
                self.options,
                self.client,
                recorder,
            )
            for tier in tiers
        }

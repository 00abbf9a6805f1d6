"""A scripted model family behind a real OpenAI-compatible server, and a suite of tiny tasks it
works on: ground truth for calibrating the simulator.

Each task of the suite is a one-line bug in its own module of a repository (one, or several),
with a shell test suite, so that an edit's check takes milliseconds. The family plays the agent
protocol: a few commands, a reproduction test, then fix attempts. Attempt k of a task on a tier
is the gold patch with the task's known probability for that tier, drawn independently per
tier (given the task, what flash fails pro may still fix); a failed attempt is a wrong edit
(tests red), a malformed diff or a reply with no action, in a mix of its tier's. Between
attempts it reads code, after a fix it sometimes reviews, and it gives up after its tier's
attempt budget. Its usage is what a provider would bill: its own tokenizer, reasoning tokens,
and a prompt cache shared across tasks, kept in 64-token blocks, that now and then misses
altogether.

By default the family is of the calibration's own model class. Three switches take it outside:
`repeat` (after a failed attempt of its own in the run, a tier's later attempt repeats its first
failure with this probability instead of drawing afresh: a model that repeats its mistakes),
`decay` (the chance of a fix is multiplied by exp(-decay * turn / 10): success falls as the
trajectory grows) and
`shared_draws` (both tiers compare the same draw for the same attempt of a run: where flash
fails, pro fails too unless its probability is higher than the draw). Per-repository effects
come from the solve probabilities a test gives the tasks of each repository.
"""

from __future__ import annotations

import hashlib
import math
import random
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.agent.policy import BUILTIN
from harness.diffs import patch_paths
from harness.grading import grade
from harness.models import Completion, Model
from harness.models.factory import ModelFamily, ModelSettings
from harness.pricing import Usage, load_prices
from harness.results import ResultStore
from harness.runner import RunConfig, run_tasks
from harness.sandbox.memo import MemoProvider
from harness.tasks import Environment, Task
from harness.tiers import Tier

from .fake_openai import FakeOpenAI, deepseek_usage

CHECK = "python tests/run.py"
# A test runner that reports as pytest's -rA summary does, in milliseconds instead of a
# pytest start-up: the check runs after every edit.
RUNNER = """\
import importlib.util, pathlib, sys
sys.path.insert(0, ".")
files = [a for a in sys.argv[1:] if not a.startswith("-")]
failed = False
for name in files or sorted(str(p) for p in pathlib.Path("tests").glob("test_*.py")):
    try:
        spec = importlib.util.spec_from_file_location(pathlib.Path(name).stem, name)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception:
        print(f"ERROR {name}")
        failed = True
        continue
    for test in sorted(n for n in dir(module) if n.startswith("test_")):
        try:
            getattr(module, test)()
            print(f"PASSED {name}::{test}")
        except Exception:
            print(f"FAILED {name}::{test}")
            failed = True
sys.exit(1 if failed else 0)
"""
TEST_MODULE = (
    "from lib.mod_{i} import value\n\n\ndef test_value():\n    assert value() == {value}\n"
)
MODULE = '"""Module {i}: the value it stands for."""\n\n\ndef value():\n    return {value}\n'


def _git(repo: Path, *args: str, stdin: str | None = None) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return done.stdout


def _diff_of(repo: Path, path: str, text: str) -> str:
    """The diff that turns `path` into `text`, leaving the repository as it was."""
    target = repo / path
    before = target.read_text() if target.exists() else None
    target.write_text(text)
    _git(repo, "add", "-N", path)
    diff = _git(repo, "diff", "--", path)
    _git(repo, "reset", "-q", "--", path)
    if before is None:
        target.unlink()
    else:
        target.write_text(before)
    return diff


@dataclass(frozen=True)
class Suite:
    tasks: list[Task]
    wrong: dict[str, str]  # an edit that applies and fixes nothing, by task
    malformed: dict[str, str]  # an edit that does not apply, by task


def tiny_suite(root: Path, count: int, repos: int = 1) -> Suite:
    """`count` tasks, dealt in turn to `repos` repositories (acme/tiny, or acme/tiny0,
    acme/tiny1, ...): task i's value() returns i instead of i + 100."""
    tasks, wrong, malformed = [], {}, {}
    for r in range(repos):
        name = "tiny" if repos == 1 else f"tiny{r}"
        part = _repository(root / name, name, list(range(r, count, repos)))
        tasks += part.tasks
        wrong.update(part.wrong)
        malformed.update(part.malformed)
    return Suite(tasks, wrong, malformed)


def _repository(repo: Path, name: str, numbers: list[int]) -> Suite:
    (repo / "lib").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "tests" / "run.py").write_text(RUNNER)
    (repo / "tests" / "test_base.py").write_text("def test_base():\n    assert True\n")
    (repo / "lib" / "__init__.py").write_text("")
    for i in numbers:
        (repo / "lib" / f"mod_{i}.py").write_text(MODULE.format(i=i, value=i))
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    commit = _git(repo, "rev-parse", "HEAD").strip()
    tasks, wrong, malformed = [], {}, {}
    for i in numbers:
        path, test = f"lib/mod_{i}.py", f"tests/test_mod_{i}.py"
        check = TEST_MODULE.format(i=i, value=i + 100)
        tasks.append(
            Task(
                instance_id=f"acme__{name}-{i}",
                repo=f"acme/{name}",
                base_commit=commit,
                problem_statement=f"value() in {path} returns {i}; it must return {i + 100}.",
                patch=_diff_of(repo, path, MODULE.format(i=i, value=i + 100)),
                test_patch=_diff_of(repo, test, check),
                FAIL_TO_PASS=(f"{test}::test_value",),
                PASS_TO_PASS=("tests/test_base.py::test_base",),
                environment=Environment(test_cmd=CHECK, check_cmd=CHECK),
                repo_path=repo,
            )
        )
        commented = MODULE.format(i=i, value=i).replace("    return", "    # the value\n    return")
        wrong[tasks[-1].instance_id] = _diff_of(repo, path, commented)
        malformed[tasks[-1].instance_id] = tasks[-1].patch.replace("def value", "def values")
    return Suite(tasks, wrong, malformed)


@dataclass(frozen=True)
class TierScript:
    """How one tier of the scripted family behaves (all but the per-task solve probability)."""

    model: str
    failures: dict[str, float]  # wrong_edit, malformed_diff, no_action
    explore: tuple[int, int]  # commands before the reproduction test, uniform in this range
    between: tuple[int, int]  # commands between attempts
    review: float  # chance of one command between the fix and the submit
    budget: int  # attempts before giving up
    words: tuple[int, int]  # words of the thought of a reply
    reasoning: tuple[int, int]  # reasoning tokens of a call, uniform in this range


FLASH = TierScript(
    "deepseek-v4-flash",
    {"wrong_edit": 0.5, "malformed_diff": 0.3, "no_action": 0.2},
    explore=(0, 2),
    between=(0, 1),
    review=0.3,
    budget=4,
    words=(20, 60),
    reasoning=(100, 500),
)
PRO = TierScript(
    "deepseek-v4-pro",
    {"wrong_edit": 0.7, "malformed_diff": 0.2, "no_action": 0.1},
    explore=(0, 1),
    between=(0, 1),
    review=0.5,
    budget=3,
    words=(30, 90),
    reasoning=(150, 650),
)

LOOK, TEST, TRY, UNDO, READ, REVIEW, DONE, QUIT = (
    "Looking around.",
    "Writing a failing test first.",
    "Trying a fix.",
    "Undoing that change.",
    "Reading the module again.",
    "Reviewing the change.",
    "Done.",
    "Giving up.",
)


def _uniform(*key: object) -> float:
    digest = hashlib.sha256("\0".join(map(str, key)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _tokens(text: str) -> int:
    return math.ceil(len(text) / 3.5)


@dataclass
class ScriptedFamily:
    """The responder of a FakeOpenAI server. `solve[instance_id][tier]` is the probability
    that one fix attempt is the fix; `seed` tells runs apart (set it before each run)."""

    suite: Suite
    solve: dict[str, dict[str, float]]
    tiers: dict[str, TierScript] = field(default_factory=lambda: {"flash": FLASH, "pro": PRO})
    seed: object = 0
    block: int = 64
    eviction: float = 0.05
    repeat: float = 0.0
    decay: float = 0.0
    shared_draws: bool = False
    _cache: dict[str, set[str]] = field(default_factory=dict)
    _failed: dict[tuple, set[int]] = field(default_factory=dict)  # attempts a tier failed, by run
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: dict) -> dict:
        content, usage = self.reply(request["model"], request["messages"])
        wire = deepseek_usage(usage.cache_hit, usage.cache_miss, usage.output, usage.reasoning)
        return {"content": content, "usage": wire}

    def reply(self, model: str, messages: list[dict]) -> tuple[str, Usage]:
        """The family's answer to a request, with the usage a provider would bill."""
        tier = next(t for t, s in self.tiers.items() if s.model == model)
        task = next(t for t in self.suite.tasks if t.problem_statement in messages[1]["content"])
        thought, action = self._next(task, tier, messages)
        script = self.tiers[tier]
        draw = random.Random(_uniform(self.seed, task.instance_id, tier, len(messages), "text"))
        padding = " ".join("word" for _ in range(draw.randint(*script.words)))
        content = f"THOUGHT: {thought} {padding}\n\n{action}".rstrip()
        hit, prompt = self._usage(model, messages)
        visible = _tokens(content)
        reasoning = draw.randint(*script.reasoning)
        return content, Usage(
            cache_hit=hit, cache_miss=prompt - hit, output=visible + reasoning, reasoning=reasoning
        )

    def _next(self, task: Task, tier: str, messages: list[dict]) -> tuple[str, str]:
        script = self.tiers[tier]
        mine = [m["content"] for m in messages[2::2]]
        seen = [m["content"] for m in messages[3::2]]
        key = (self.seed, task.instance_id, tier)
        module = patch_paths(task.patch)[0]
        if not any(TEST in m for m in mine):
            explore = script.explore[0] + int(
                _uniform(*key, "explore") * (script.explore[1] - script.explore[0] + 1)
            )
            if sum(LOOK in m for m in mine) < explore:
                return LOOK, f"```bash\ncat {module}\n```"
            return TEST, f"```diff\n{task.test_patch}```"
        tried = [i for i, m in enumerate(mine) if TRY in m]
        if tried:
            observation = seen[tried[-1]]
            since = len(mine) - 1 - tried[-1]
            if "passed" in observation.splitlines()[0]:
                if since == 0 and _uniform(*key, len(tried), "review") < script.review:
                    return REVIEW, "```bash\ngit diff\n```"
                return DONE, "```submit\n```"
            if since == 0 and "failed" in observation.splitlines()[0]:
                return UNDO, f"```bash\ngit checkout -- {module}\n```"
            low, high = script.between
            gap = low + int(_uniform(*key, len(tried), "gap") * (high - low + 1))
            if since < gap:
                return READ, f"```bash\ncat {module}\n```"
        if len(tried) >= script.budget:
            return QUIT, "```submit\n```"
        return self._attempt(task, tier, len(tried) + 1, len(mine))

    def _attempt(self, task: Task, tier: str, attempt: int, turn: int) -> tuple[str, str]:
        key = (self.seed, task.instance_id, tier, attempt)
        draw = (self.seed, task.instance_id, attempt) if self.shared_draws else key
        chance = self.solve[task.instance_id][tier] * math.exp(-self.decay * turn / 10)
        with self._lock:
            failed = self._failed.setdefault(key[:3], set())
            earlier = [a for a in failed if a < attempt]
            repeats = bool(earlier) and _uniform(*key, "repeat") < self.repeat
            if repeats or _uniform(*draw, "solve") >= chance:
                failed.add(attempt)
        if attempt not in failed:
            return TRY, f"```diff\n{task.patch}```"
        if repeats:  # its first failure again
            key = (self.seed, task.instance_id, tier, min(earlier))
        failures = self.tiers[tier].failures
        kind = random.Random(_uniform(*key, "kind")).choices(
            list(failures), weights=list(failures.values())
        )[0]
        if kind == "no_action":
            return f"{TRY} Not sure yet what to change.", ""
        edits = self.suite.wrong if kind == "wrong_edit" else self.suite.malformed
        return TRY, f"```diff\n{edits[task.instance_id]}```"

    def _usage(self, model: str, messages: list[dict]) -> tuple[int, int]:
        """(cache-hit, prompt) tokens as a provider with a shared prefix cache bills them."""
        digest = hashlib.sha256()
        total = hit = 0
        prefixes = []
        with self._lock:
            seen = self._cache.setdefault(model, set())
            for message in messages:
                digest.update(f"{message['role']}\0{message['content']}\0".encode())
                prefixes.append(digest.hexdigest())
                tokens = 3 + _tokens(message["content"])
                if prefixes[-1] in seen and hit == total:
                    hit += tokens
                total += tokens
            seen.update(prefixes)
        if _uniform(self.seed, prefixes[-1], "evicted") < self.eviction:
            hit = 0
        return hit // self.block * self.block, total


KEY = "SCRIPTED_API_KEY"


@dataclass(frozen=True)
class InProcess:
    """One tier of the family answered in this process: the same replies and usage as
    through the server, without HTTP."""

    family: ScriptedFamily
    name: str

    def complete(self, messages: list[dict]) -> Completion:
        content, usage = self.family.reply(self.name, messages)
        return Completion(content=content, usage=usage)


@dataclass(frozen=True)
class InProcessFamily(ModelFamily):
    """Real-model rows (backend openai) from the scripted family, in this process."""

    scripted: ScriptedFamily | None = None

    def build(self, task: Task, tiers: tuple[Tier, ...]) -> dict[Tier, Model]:
        assert self.scripted is not None
        return {tier: InProcess(self.scripted, self.scripted.tiers[tier].model) for tier in tiers}


def scripted_runs(
    root: Path,
    family: ScriptedFamily,
    repeats: dict[str, int],
    sandboxes: MemoProvider,
    http: bool = True,
    workers: int = 4,
) -> dict[str, Path]:
    """Result files of the family, one per built-in policy, each run `repeats[policy]` times
    (each run its own run id) through the real agent loop: behind a real OpenAI-compatible
    server and the `openai` client, or in this process (`http=False`). The sandboxes are
    memoised (sandbox/memo.py): the family's commands are deterministic, so after the first
    runs only new requests reach a real sandbox."""
    files = {}
    with pytest.MonkeyPatch.context() as env, FakeOpenAI(family) as server:
        env.setenv(KEY, "scripted")
        settings = ModelSettings(backend="openai", base_url=server.url, api_key_env=KEY)
        for name, count in repeats.items():
            files[name] = root / f"{name}.jsonl"
            store = ResultStore(files[name])
            for repeat in range(count):
                family.seed = f"{name}-{repeat}"
                models = (
                    ModelFamily(settings, "openai", seed=repeat)
                    if http
                    else InProcessFamily(settings, "openai", seed=repeat, scripted=family)
                )
                grader = sandboxes.grading(grade)
                config = RunConfig(BUILTIN[name], load_prices(), models, grader=grader)
                run = sandboxes.renamed(f"{sandboxes.run_id}-{name}-{repeat}")
                run_tasks(family.suite.tasks, config, run, store, workers=workers)
    return files

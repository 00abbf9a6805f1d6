"""The bad-input catalogue: every command and option given something wrong.

Each case must end in one error line on stderr ("harness: error: ...", always the first line;
warnings about what was skipped may follow it), exit status 2, no traceback, nothing on stdout,
and no change to any file: every file in the working folder is hashed before and after, and no
file may appear.
Everything that can be checked is checked before any task starts; the run cases have no Docker
engine to reach (DOCKER_HOST points nowhere), so one that got past its checks would fail with
exit 1, and the few that need the engine to be checked say so.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from harness.cli import main

from .conftest import MINI_SUITE
from .helpers import result_row

BAD_UTF8 = b'version = "v"\n# caf\xe9\n'


def row(instance_id="acme__calc-1", policy="cascade", **changes) -> str:
    """A row as JSON, with `changes` made to the JSON itself (so they may be invalid)."""
    made = result_row(
        instance_id,
        policy=policy,
        policy_hash="0123456789ab",
        turns=3,
        cost_usd=0.001,
        trajectory=f"good.trajectories/{instance_id}.{policy}.seed0.json",
    )
    return json.dumps({**json.loads(made.to_json()), **changes})


def task_row(**changes) -> str:
    """A dataset row as a JSON line, valid but for `changes`."""
    return json.dumps(
        {
            "instance_id": "acme__calc-9",
            "repo": "acme/calc",
            "base_commit": "0" * 40,
            "problem_statement": "it breaks",
            "patch": "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n",
            **changes,
        }
    )


ESCAPING = "../../../../../some/dir/ESCAPED"
DEEP = "[" * 200_000  # nested past Python's recursion limit
PREDICTION = json.dumps([{"instance_id": "acme__calc-1", "model_patch": ""}])
TRAJECTORY = json.dumps({"instance_id": "acme__calc-1", "policy": "cascade"})
PRICES = """version = "mine-1"
[models.deepseek-v4-flash]
input_cache_hit = 0.01
input_cache_miss = 0.1
output = 0.2
"""
RULES = """[policies.careful]
default = "flash"
escalate_to = "pro"
escalate_on = ["tests_red"]
"""

# Files every case starts from: they must come out unchanged.
WORLD = {
    "good.jsonl": "\n".join([row(), row("acme__calc-2", status="unresolved")]) + "\n",
    "good.trajectories/acme__calc-1.cascade.seed0.json": TRAJECTORY,
    "other.jsonl": row("acme__other-1") + "\n",
    "two-policies.jsonl": row() + "\n" + row(policy="flash") + "\n",
    "notes.txt": "my notes about the run",
    "rules.toml": RULES,
    "prices.toml": PRICES,
    "env.toml": '["acme/calc"."*"]\ninstall = "true"\n',
    "tapes/.keep": "",
}


def case(id, args, message, files=None, marks=()):
    return pytest.param(args, message, files or {}, id=id, marks=marks)


def prices(**models) -> str:
    return 'version = "x"\n' + "".join(
        f"[models.{name}]\n{body}\n" for name, body in models.items()
    )


PRICE = "input_cache_hit = 0.01\ninput_cache_miss = 0.1\noutput = 0.2"
SUITE = str(MINI_SUITE)

RUN = [
    case("policy-unknown", ["--policy", "nonsense"], "unknown policy 'nonsense'"),
    case("policy-empty", ["--policy", ""], "unknown policy ''"),
    case("policy-not-in-rules", ["--rules", "rules.toml", "--policy", "x"], "unknown policy 'x'"),
    case("rules-missing", ["--rules", "no.toml"], "cannot read rules file no.toml"),
    case("rules-folder", ["--rules", "tapes"], "cannot read rules file tapes"),
    case("rules-not-utf8", ["--rules", "r.toml"], "not UTF-8", {"r.toml": BAD_UTF8}),
    case("rules-not-toml", ["--rules", "r.toml"], "rules file r.toml", {"r.toml": "[[["}),
    case("rules-no-policies", ["--rules", "r.toml"], "missing key 'policies'", {"r.toml": "x = 1"}),
    case(
        "rules-policies-not-table",
        ["--rules", "r.toml"],
        "policies: Input should be a valid dictionary",
        {"r.toml": "policies = 3"},
    ),
    case(
        "rules-policy-not-table",
        ["--rules", "r.toml"],
        "policies.x: Input should be a valid dictionary",
        {"r.toml": "[policies]\nx = 5"},
    ),
    case(
        "rules-unknown-key",
        ["--rules", "r.toml"],
        "unknown key 'colour'",
        {"r.toml": '[policies.x]\ncolour = "red"'},
    ),
    case(
        "rules-bad-tier",
        ["--rules", "r.toml"],
        "policies.x.default: Input should be 'flash' or 'pro'",
        {"r.toml": '[policies.x]\ndefault = "huge"'},
    ),
    case(
        "rules-ok-is-not-a-failure",
        ["--rules", "r.toml"],
        "'ok' is not a failing outcome",
        {"r.toml": '[policies.x]\nescalate_on = ["ok"]'},
    ),
    case(
        "rules-escalate-on-string",
        ["--rules", "r.toml"],
        "escalate_on: Input should be a valid list",
        {"r.toml": '[policies.x]\nescalate_on = "tests_red"'},
    ),
    case(
        "rules-negative-votes",
        ["--rules", "r.toml"],
        "vote_samples: Input should be greater than or equal to 0",
        {"r.toml": "[policies.x]\nvote_samples = -1"},
    ),
    case(
        "rules-votes-string",
        ["--rules", "r.toml"],
        "vote_samples: Input should be a valid integer",
        {"r.toml": '[policies.x]\nvote_samples = "3"'},
    ),
    case(
        "rules-votes-bool",
        ["--rules", "r.toml"],
        "vote_samples: Input should be a valid integer",
        {"r.toml": "[policies.x]\nvote_samples = true"},
    ),
    case(
        "rules-bad-context",
        ["--rules", "r.toml"],
        "escalation_context: Input should be 'same' or 'with_failure'",
        {"r.toml": '[policies.x]\nescalation_context = "all"'},
    ),
    case(
        "rules-escalate-on-without-escalate-to",
        ["--rules", "r.toml", "--policy", "x"],
        "escalate_on needs escalate_to",
        {"r.toml": '[policies.x]\nescalate_on = ["tests_red"]'},
    ),
    case(
        "rules-escalate-to-the-default",
        ["--rules", "r.toml", "--policy", "x"],
        "escalate_to is the default tier",
        {"r.toml": '[policies.x]\ndefault = "pro"\nescalate_to = "pro"'},
    ),
    case(
        "rules-vote-split-without-votes",
        ["--rules", "r.toml", "--policy", "x"],
        "vote_split, which needs vote_samples of 2 or more",
        {"r.toml": '[policies.x]\nescalate_to = "pro"\nescalate_on = ["vote_split"]'},
    ),
    case("dataset-missing", ["--dataset", "no.jsonl"], "dataset file not found: no.jsonl"),
    case("dataset-missing-dir", ["--dataset", "./nowhere"], "dataset file not found"),
    case(
        "dataset-folder-not-a-suite",
        ["--dataset", "tapes"],
        "cannot read dataset folder tapes",
    ),
    case("dataset-not-utf8", ["--dataset", "d.jsonl"], "cannot read d.jsonl", {"d.jsonl": b"\xff"}),
    case("dataset-bad-json", ["--dataset", "d.json"], "cannot read d.json", {"d.json": "[1,"}),
    case(
        "dataset-bad-jsonl-line",
        ["--dataset", "d.jsonl"],
        "d.jsonl: line 2: invalid JSON",
        {"d.jsonl": "{}\n{oops\n"},
    ),
    case(
        "dataset-json-number",
        ["--dataset", "d.json"],
        "expected a list of tasks",
        {"d.json": "42"},
    ),
    case("dataset-empty", ["--dataset", "d.jsonl"], "no valid tasks", {"d.jsonl": ""}),
    case(
        "dataset-bad-rows",
        ["--dataset", "d.jsonl"],
        "no valid tasks",
        {"d.jsonl": '{"instance_id": "x"}\n[1]\n'},
    ),
    case(
        "dataset-bad-row-strict",
        ["--dataset", "d.jsonl", "--strict"],
        "missing field 'repo'",
        {"d.jsonl": '{"instance_id": "x"}\n'},
    ),
    case(
        "dataset-garbage-parquet",
        ["--dataset", "d.parquet"],
        "cannot read d.parquet as parquet",
        {"d.parquet": b"PAR1 this is not parquet"},
    ),
    case(
        "dataset-empty-parquet",
        ["--dataset", "d.parquet"],
        "cannot read d.parquet as parquet",
        {"d.parquet": b""},
    ),
    case(
        "task-toml-not-utf8",
        ["--dataset", "suite", "--strict"],
        "suite/instances/acme__x-1/task.toml",
        {
            "suite/instances/acme__x-1/task.toml": b'repo = "acme/x"\n# \xff\n',
            "suite/repos/acme__x/x.py": "x = 1\n",
        },
    ),
    case(
        "task-toml-not-toml",
        ["--dataset", "suite"],
        "no valid tasks in suite",
        {"suite/instances/acme__x-1/task.toml": "repo = ", "suite/repos/acme__x/x.py": ""},
    ),
    case("environments-missing", ["--environments", "no.toml"], "cannot read environments"),
    case(
        "environments-not-utf8",
        ["--environments", "e.toml"],
        "cannot read environments file e.toml",
        {"e.toml": BAD_UTF8},
    ),
    case(
        "environments-not-toml",
        ["--environments", "e.toml"],
        "cannot read environments file",
        {"e.toml": "= ="},
    ),
    case(
        "environments-repo-not-table",
        ["--environments", "e.toml"],
        "acme/semverlib: Input should be a valid dictionary",
        {"e.toml": '"acme/semverlib" = 5'},
    ),
    case(
        "environments-install-number",
        ["--environments", "e.toml"],
        "acme/calc.*.install: Input should be a valid string",
        {"e.toml": '["acme/calc"."*"]\ninstall = 5'},
    ),
    case(
        "environments-unknown-key",
        ["--environments", "e.toml"],
        "acme/calc.*: unknown key 'build'",
        {"e.toml": '["acme/calc"."*"]\nbuild = "make"'},
    ),
    case(
        "environments-version-not-table",
        ["--environments", "e.toml"],
        "acme/calc.1.0: Input should be a dictionary",
        {"e.toml": '["acme/calc"]\n"1.0" = "pip install ."'},
    ),
    case("mirror-missing", ["--repo-mirror", "/missing"], "--repo-mirror /missing: no such"),
    case(
        "mirror-missing-file-dataset",
        ["--repo-mirror", "/missing", "--dataset", "d.jsonl"],
        "--repo-mirror /missing: no such folder",
        {"d.jsonl": "{}\n"},
    ),
    case("mirror-is-a-file", ["--repo-mirror", "notes.txt"], "no such folder"),
    case("ids-unknown", ["--instance-ids", "nosuch-1"], "unknown instance id 'nosuch-1'"),
    case("filter-bad-regex", ["--filter", "("], "--filter '('"),
    case("filter-matches-nothing", ["--filter", "^zzz"], "the selection holds no tasks"),
    case("slice-words", ["--slice", "abc"], "--slice 'abc'"),
    case("slice-one-number", ["--slice", "5"], "expected START:STOP"),
    case("slice-zero-step", ["--slice", "1:5:0"], "STEP must not be zero"),
    case("slice-empty", ["--slice", "100:200"], "the selection holds no tasks"),
    case("shard-zero", ["--shard", "0/4"], "I must be between 1 and N"),
    case("shard-past-end", ["--shard", "5/4"], "I must be between 1 and N"),
    case("shard-words", ["--shard", "x"], "expected I/N"),
    case("shard-of-zero", ["--shard", "1/0"], "I must be between 1 and N"),
    case("seed-words", ["--seed", "abc"], "invalid int value: 'abc'"),
    case("backend-unknown", ["--backend", "magic"], "invalid choice: 'magic'"),
    case("backend-openai-no-key", ["--backend", "openai"], "needs an API key in DEEPSEEK_API_KEY"),
    case("base-url-not-url", ["--base-url", "not a url"], "--base-url must be an http(s) URL"),
    case("base-url-ftp", ["--base-url", "ftp://x"], "--base-url must be an http(s) URL"),
    case("api-key-env-empty", ["--api-key-env", ""], "--api-key-env must not be empty"),
    case("flash-model-empty", ["--flash-model", ""], "--flash-model must not be empty"),
    case("pro-model-empty", ["--pro-model", " "], "--pro-model must not be empty"),
    case("prices-missing", ["--prices", "no.toml"], "cannot read price table no.toml"),
    case(
        "prices-not-utf8",
        ["--prices", "p.toml"],
        "cannot read price table p.toml",
        {"p.toml": BAD_UTF8},
    ),
    case("prices-not-toml", ["--prices", "p.toml"], "cannot read price table", {"p.toml": "x="}),
    case(
        "prices-models-string",
        ["--prices", "p.toml"],
        "models: Input should be a valid dictionary",
        {"p.toml": 'version = "x"\nmodels = "x"'},
    ),
    case(
        "prices-model-not-table",
        ["--prices", "p.toml"],
        "models.m: Input should be a valid dictionary",
        {"p.toml": 'version = "x"\n[models]\nm = 3'},
    ),
    case(
        "prices-no-version",
        ["--prices", "p.toml"],
        "missing key 'version'",
        {"p.toml": f"[models.m]\n{PRICE}"},
    ),
    case("prices-no-models", ["--prices", "p.toml"], "key 'models'", {"p.toml": 'version="x"'}),
    case(
        "prices-negative",
        ["--prices", "p.toml"],
        "models.m.output: must be a finite number, zero or more",
        {"p.toml": prices(m=PRICE.replace("0.2", "-0.2"))},
    ),
    case(
        "prices-nan",
        ["--prices", "p.toml"],
        "models.m.output: must be a finite number",
        {"p.toml": prices(m=PRICE.replace("0.2", "nan"))},
    ),
    case(
        "prices-inf",
        ["--prices", "p.toml"],
        "models.m.input_cache_hit: must be a finite number",
        {"p.toml": prices(m=PRICE.replace("0.01", "inf"))},
    ),
    case(
        "prices-string",
        ["--prices", "p.toml"],
        "models.m.output: must be a finite number",
        {"p.toml": prices(m=PRICE.replace("0.2", '"0.2"'))},
    ),
    case(
        "prices-bool",
        ["--prices", "p.toml"],
        "models.m.output: must be a finite number",
        {"p.toml": prices(m=PRICE.replace("0.2", "true"))},
    ),
    case(
        "prices-missing-output",
        ["--prices", "p.toml"],
        "models.m: missing key 'output'",
        {"p.toml": prices(m=PRICE.replace("output = 0.2", ""))},
    ),
    case(
        "prices-unknown-key",
        ["--prices", "p.toml"],
        "models.m: unknown key 'reasoning'",
        {"p.toml": prices(m=PRICE + "\nreasoning = 1")},
    ),
    case(
        "prices-no-price-for-the-model",
        ["--prices", "prices.toml", "--replay", "tapes"],
        "has no price for model 'deepseek-v4-pro'",
    ),
    case("thinking-bad", ["--thinking", "maybe"], "invalid choice: 'maybe'"),
    case("effort-bad", ["--reasoning-effort", "max"], "invalid choice: 'max'"),
    case("temperature-nan", ["--temperature", "nan"], "--temperature must be between 0 and 2"),
    case("temperature-negative", ["--temperature", "-1"], "--temperature must be between 0 and 2"),
    case("temperature-high", ["--temperature", "3"], "--temperature must be between 0 and 2"),
    case("temperature-words", ["--temperature", "warm"], "invalid float value: 'warm'"),
    case("request-timeout-zero", ["--request-timeout", "0"], "--request-timeout must be positive"),
    case("request-timeout-nan", ["--request-timeout", "nan"], "must be positive"),
    case("request-timeout-inf", ["--request-timeout", "inf"], "must be positive"),
    case("max-retries-negative", ["--max-retries", "-1"], "--max-retries must be zero or more"),
    case("max-retries-words", ["--max-retries", "many"], "invalid int value: 'many'"),
    case("max-concurrency-zero", ["--max-concurrency", "0"], "--max-concurrency must be positive"),
    case("max-steps-zero", ["--max-steps", "0"], "--max-steps must be positive"),
    case("max-steps-negative", ["--max-steps", "-3"], "--max-steps must be positive"),
    case("max-steps-fraction", ["--max-steps", "1.5"], "invalid int value: '1.5'"),
    case("max-cost-nan", ["--max-cost", "nan"], "--max-cost must be positive"),
    case("max-cost-zero", ["--max-cost", "0"], "--max-cost must be positive"),
    case("max-cost-negative", ["--max-cost", "-1"], "--max-cost must be positive"),
    case("max-cost-inf", ["--max-cost", "inf"], "--max-cost must be positive"),
    case("max-wall-zero", ["--max-wall", "0"], "--max-wall must be positive"),
    case("max-wall-nan", ["--max-wall", "nan"], "--max-wall must be positive"),
    case("command-timeout-nan", ["--command-timeout", "nan"], "--command-timeout must be positive"),
    case("command-timeout-inf", ["--command-timeout", "inf"], "--command-timeout must be"),
    case("command-timeout-zero", ["--command-timeout", "0"], "--command-timeout must be"),
    case("memory-words", ["--memory", "lots"], "--memory must be a size such as 2g"),
    case("memory-tiny", ["--memory", "4m"], "--memory must be at least 64m"),
    case("memory-negative", ["--memory=-1g"], "--memory must be"),
    case("disk-words", ["--disk", "plenty"], "--disk must be a size such as 10g"),
    case("disk-tiny", ["--disk", "1m"], "--disk must be at least 64m"),
    case("disk-negative", ["--disk=-5g"], "--disk must be a size"),
    case("image-disk-words", ["--image-disk", "lots"], "--image-disk must be a size such as"),
    case("image-disk-tiny", ["--image-disk", "10k"], "--image-disk must be at least 1m"),
    case("image-cache-unknown", ["--image-cache", "base"], "--image-cache: invalid choice"),
    case("pull-concurrency-negative", ["--pull-concurrency=-1"], "--pull-concurrency must be"),
    case("rate-limit-deadline-zero", ["--rate-limit-deadline", "0"], "--rate-limit-deadline must"),
    case("output-folder", ["--output", "tapes"], "results file tapes is a directory"),
    case("output-unwritable", ["--output", "/proc/no/such/out.jsonl"], "cannot write results"),
    case("output-text-file", ["--output", "notes.txt"], "notes.txt: line 1 is not valid JSON"),
    case(
        "output-bad-row",
        ["--output", "o.jsonl"],
        "o.jsonl: line 2 is not valid JSON",
        {"o.jsonl": row() + "\nnot json\n" + row("acme__calc-3") + "\n"},
    ),
    case(
        "output-other-configuration",
        ["--output", "good.jsonl"],
        "good.jsonl holds rows of policy cascade from another run: policy rules",
    ),
    case(
        "output-other-schema",
        ["--output", "o.jsonl"],
        "not a result row of schema version",
        {"o.jsonl": '{"schema_version": 99}\n'},
    ),
    case("workers-zero", ["--workers", "0"], "--workers must be positive"),
    case("workers-negative", ["--workers", "-2"], "--workers must be positive"),
    case("workers-words", ["--workers", "all"], "invalid int value: 'all'"),
    case("record-and-replay", ["--record", "r", "--replay", "tapes"], "exclude each other"),
    case("replay-missing", ["--replay", "no-tapes"], "no recordings folder: no-tapes"),
    case("replay-with-sim", ["--replay", "tapes", "--backend", "sim"], "not with --backend sim"),
    case("record-with-sim", ["--record", "r"], "--record records endpoint calls"),
    case(
        "dataset-id-escaping",
        ["--dataset", "d.jsonl"],
        "no valid tasks in d.jsonl",
        {"d.jsonl": task_row(instance_id=ESCAPING) + "\n"},
    ),
    case(
        "dataset-id-escaping-strict",
        ["--dataset", "d.jsonl", "--strict"],
        "instance_id '../../../../../some/dir/ESCAPED' is not a SWE-bench-style id",
        {"d.jsonl": task_row(instance_id=ESCAPING) + "\n"},
    ),
    case(
        "dataset-id-one-level-less",
        ["--dataset", "d.jsonl", "--strict"],
        "is not a SWE-bench-style id",
        {"d.jsonl": task_row(instance_id=ESCAPING[3:]) + "\n"},
    ),
    case(
        "dataset-id-dot-dot",
        ["--dataset", "d.jsonl", "--strict"],
        "instance_id '..' is not a SWE-bench-style id",
        {"d.jsonl": task_row(instance_id="..") + "\n"},
    ),
    case(
        "dataset-repo-escaping",
        ["--dataset", "d.jsonl", "--strict"],
        "repo '../calc' is not of the form owner/name",
        {"d.jsonl": task_row(repo="../calc") + "\n"},
    ),
    case(
        "dataset-jsonl-too-deep",
        ["--dataset", "d.jsonl"],
        "d.jsonl: line 1: invalid JSON (nested too deeply)",
        {"d.jsonl": DEEP + "\n"},
    ),
    case(
        "dataset-json-too-deep",
        ["--dataset", "d.json"],
        "cannot read d.json: nested too deeply",
        {"d.json": DEEP},
    ),
    case(
        "dataset-f2p-too-deep",
        ["--dataset", "d.jsonl", "--strict"],
        "FAIL_TO_PASS: not a JSON list of test ids (nested too deeply)",
        {"d.jsonl": task_row(FAIL_TO_PASS=DEEP) + "\n"},
    ),
    case(
        "rules-too-deep",
        ["--rules", "r.toml"],
        "cannot read rules file r.toml: nested too deeply",
        {"r.toml": "x = " + DEEP},
    ),
    case("memory-huge", ["--memory", "99999999999g"], "--memory must be at most 8589934591g"),
    case("disk-huge", ["--disk", "99999999999g"], "--disk must be at most 8589934591g"),
    case(
        "base-image-not-a-reference",
        ["--base-image", "BAD IMAGE!!"],
        "--base-image is not an image reference",
    ),
    case("base-image-empty-tag", ["--base-image", "python:"], "is not an image reference"),
    case("run-id-empty", ["--run-id", ""], "--run-id '': use 1 to 64 letters"),
    case("run-id-slash", ["--run-id", "a/b"], "--run-id 'a/b': use 1 to 64 letters"),
    case("run-id-newline", ["--run-id", "a\nb"], "--run-id 'a\\nb': use 1 to 64 letters"),
    case(
        "image-namespace-bad",
        ["--image-namespace", "BAD NS!!"],
        "--image-namespace 'BAD NS!!' is not a registry namespace",
    ),
    case("unknown-option", ["--frobnicate"], "unrecognized arguments: --frobnicate"),
    case("stray-argument", ["cascade"], "unrecognized arguments: cascade"),
    case(
        "base-image-missing",
        ["--base-image", "nosuch/x:1"],
        "--base-image nosuch/x:1: no such image",
        marks=pytest.mark.docker,
    ),
]

TOKENS_5 = row(tokens=5)
REPORT = [
    case("report-missing", ["report", "no.jsonl"], "results file not found: no.jsonl"),
    case("report-folder", ["report", "tapes"], "cannot read results file tapes"),
    case("report-no-file", ["report"], "the following arguments are required: FILE"),
    case("report-text", ["report", "notes.txt"], "notes.txt: line 1 is not valid JSON"),
    case(
        "report-not-utf8",
        ["report", "r.jsonl"],
        "line 1 is not valid JSON",
        {"r.jsonl": b"\xff\xfe\n"},
    ),
    case("report-empty", ["report", "r.jsonl"], "no result rows in r.jsonl", {"r.jsonl": ""}),
    case("report-tokens-5", ["report", "r.jsonl"], "tokens", {"r.jsonl": TOKENS_5 + "\n"}),
    case(
        "report-cost-by-tier-list",
        ["report", "r.jsonl"],
        "cost_by_tier",
        {"r.jsonl": row(cost_by_tier=[1, 2]) + "\n"},
    ),
    case(
        "report-negative-cost",
        ["report", "r.jsonl"],
        "cost_usd: Input should be greater than or equal to 0",
        {"r.jsonl": row(cost_usd=-1) + "\n"},
    ),
    case(
        "report-negative-tokens",
        ["report", "r.jsonl"],
        "tokens.flash.cache_miss",
        {
            "r.jsonl": row(
                tokens={"flash": {"cache_hit": 0, "cache_miss": -9, "output": 1, "reasoning": 0}}
            )
            + "\n"
        },
    ),
    case(
        "report-bad-status",
        ["report", "r.jsonl"],
        "status: Input should be",
        {"r.jsonl": row(status="passed") + "\n"},
    ),
    case(
        "report-seed-string",
        ["report", "r.jsonl"],
        "seed: Input should be a valid integer",
        {"r.jsonl": row(seed="0") + "\n"},
    ),
    case(
        "report-extra-field",
        ["report", "r.jsonl"],
        "unknown key 'colour'",
        {"r.jsonl": row(colour="red") + "\n"},
    ),
    case(
        "report-schema-99",
        ["report", "r.jsonl"],
        "schema version 99",
        {"r.jsonl": '{"schema_version": 99}\n'},
    ),
    case("report-json-list", ["report", "r.jsonl"], "not a JSON object", {"r.jsonl": "[1]\n"}),
    case(
        "report-bad-mid-line",
        ["report", "r.jsonl"],
        "line 1 is not valid JSON",
        {"r.jsonl": "{x}\n" + row() + "\n"},
    ),
    case("report-format", ["report", "good.jsonl", "--format", "xml"], "invalid choice: 'xml'"),
    case(
        "report-plot-unwritable",
        ["report", "good.jsonl", "--plot", "/proc/no/plot.png"],
        "cannot write plot /proc/no/plot.png",
    ),
    case(
        "report-html-unwritable",
        ["report", "good.jsonl", "--html", "/proc/no/page.html"],
        "cannot write page /proc/no/page.html",
    ),
    case(
        "report-html-folder",
        ["report", "good.jsonl", "--html", "tapes"],
        "page tapes is a directory",
    ),
    case(
        "report-html-over-its-input",
        ["report", "good.jsonl", "--html", "good.jsonl"],
        "page good.jsonl is a file this command reads",
    ),
    case(
        "report-html-over-results",
        ["report", "good.jsonl", "--html", "other.jsonl"],
        "page other.jsonl holds result rows",
    ),
    case(
        "report-plot-over-results",
        ["report", "good.jsonl", "--plot", "results.png"],
        "plot results.png holds result rows",
        {"results.png": row() + "\n"},
    ),
    case(
        "report-plot-over-its-input",
        ["report", "good.jsonl", "--plot", "good.jsonl"],
        "--plot good.jsonl: the extension must name the format: .png, .svg, .pdf",
    ),
    case(
        "report-plot-unknown-format",
        ["report", "good.jsonl", "--plot", "plot.jpg"],
        "--plot plot.jpg: the extension must name the format",
    ),
    case(
        "report-resamples-huge",
        ["report", "good.jsonl", "--resamples", "1000000000000"],
        "argument --resamples: at most 100000",
    ),
    case("report-oracle-twice", ["report", "good.jsonl", "--oracle", "flash,flash"], "different"),
    case(
        "report-no-schema-version",
        ["report", "r.jsonl"],
        "line 1 is not a result row of schema version 3 (no schema_version",
        {
            "r.jsonl": json.dumps(
                {k: v for k, v in json.loads(row()).items() if k != "schema_version"}
            )
            + "\n"
        },
    ),
    case(
        "report-cost-infinite",
        ["report", "r.jsonl"],
        "cost_usd: Input should be a finite number",
        {"r.jsonl": row(cost_usd=float("inf")) + "\n"},
    ),
    case(
        "report-cost-nan",
        ["report", "r.jsonl"],
        "cost_usd",
        {"r.jsonl": row(cost_usd=float("nan")) + "\n"},
    ),
    case(
        "report-line-too-deep",
        ["report", "r.jsonl"],
        "r.jsonl: line 1 is not valid JSON",
        {"r.jsonl": DEEP + "\n"},
    ),
]

COMPARE = [
    case("compare-missing-a", ["compare", "no.jsonl", "good.jsonl"], "results file not found"),
    case("compare-missing-b", ["compare", "good.jsonl", "no.jsonl"], "results file not found"),
    case("compare-one-file", ["compare", "good.jsonl"], "the following arguments are required"),
    case(
        "compare-nothing-in-common",
        ["compare", "good.jsonl", "other.jsonl"],
        "no paired tasks between good.jsonl and other.jsonl",
    ),
    case(
        "compare-resamples-zero",
        ["compare", "good.jsonl", "good.jsonl", "--resamples", "0"],
        "--resamples must be positive",
    ),
    case(
        "compare-resamples-huge",
        ["compare", "good.jsonl", "good.jsonl", "--resamples", "1000000000000"],
        "at most 100000",
    ),
    case(
        "compare-policy-absent",
        ["compare", "good.jsonl", "good.jsonl", "--policy-a", "nosuch"],
        "nosuch",
    ),
    case(
        "compare-two-policies",
        ["compare", "two-policies.jsonl", "good.jsonl"],
        "two-policies.jsonl holds rows of 2 policies (cascade, flash)",
    ),
    case(
        "compare-seed-words",
        ["compare", "good.jsonl", "good.jsonl", "--bootstrap-seed", "x"],
        "invalid int value: 'x'",
    ),
    case(
        "compare-empty",
        ["compare", "e.jsonl", "good.jsonl"],
        "e.jsonl holds no result rows",
        {"e.jsonl": ""},
    ),
]

THRESHOLDS = ["--max-pass-rate-drop", "2", "--max-cost-per-resolved-increase", "0.1"]
CHECK = [
    case("check-no-thresholds", ["check", "good.jsonl", "good.jsonl"], "are required"),
    case(
        "check-negative-drop",
        [
            "check",
            "good.jsonl",
            "good.jsonl",
            "--max-pass-rate-drop",
            "-1",
            "--max-cost-per-resolved-increase",
            "0",
        ],
        "--max-pass-rate-drop must be zero or more",
    ),
    case(
        "check-nan-drop",
        [
            "check",
            "good.jsonl",
            "good.jsonl",
            "--max-pass-rate-drop",
            "nan",
            "--max-cost-per-resolved-increase",
            "0",
        ],
        "--max-pass-rate-drop must be zero or more",
    ),
    case(
        "check-negative-increase",
        [
            "check",
            "good.jsonl",
            "good.jsonl",
            "--max-pass-rate-drop",
            "1",
            "--max-cost-per-resolved-increase",
            "-0.1",
        ],
        "--max-cost-per-resolved-increase must be zero or more",
    ),
    case(
        "check-min-tasks-zero",
        ["check", "good.jsonl", "good.jsonl", *THRESHOLDS, "--min-tasks", "0"],
        "--min-tasks must be positive",
    ),
    case(
        "check-too-few",
        ["check", "good.jsonl", "good.jsonl", *THRESHOLDS, "--min-tasks", "5"],
        "fewer than --min-tasks 5",
    ),
    case(
        "check-nothing-in-common",
        ["check", "good.jsonl", "other.jsonl", *THRESHOLDS],
        "no paired tasks",
    ),
    case(
        "check-missing-file",
        ["check", "no.jsonl", "good.jsonl", *THRESHOLDS],
        "results file not found",
    ),
    case(
        "check-resamples-huge",
        ["check", "good.jsonl", "good.jsonl", *THRESHOLDS, "--resamples", "10000000"],
        "at most 100000",
    ),
    case(
        "check-format",
        ["check", "good.jsonl", "good.jsonl", *THRESHOLDS, "--format", "xml"],
        "invalid choice: 'xml'",
    ),
    case(
        "check-policy-absent",
        ["check", "good.jsonl", "good.jsonl", *THRESHOLDS, "--baseline-policy", "nosuch"],
        "nosuch",
    ),
]

SHOW = [
    case(
        "show-unknown-instance",
        ["show", "good.jsonl", "nosuch-1"],
        "no row for instance 'nosuch-1'",
    ),
    case(
        "show-trajectory-not-json",
        ["show", "r/r.jsonl", "acme__calc-1"],
        "is not valid",
        {"r/r.jsonl": row() + "\n", "r/good.trajectories/acme__calc-1.cascade.seed0.json": "{"},
    ),
    case(
        "show-trajectory-wrong",
        ["show", "r/r.jsonl", "acme__calc-1"],
        "is not valid",
        {
            "r/r.jsonl": row() + "\n",
            "r/good.trajectories/acme__calc-1.cascade.seed0.json": '{"turns": 5}',
        },
    ),
    case("show-results-missing", ["show", "no.jsonl", "x"], "results file not found"),
    case("show-no-instance", ["show", "good.jsonl"], "the following arguments are required"),
]

OTHERS = [
    case("tasks-no-action", ["tasks"], "the following arguments are required"),
    case("tasks-unknown-action", ["tasks", "grade"], "invalid choice: 'grade'"),
    case("tasks-list-missing", ["tasks", "list", "no.jsonl"], "dataset file not found"),
    case("tasks-list-bad-filter", ["tasks", "list", SUITE, "--filter", "["], "--filter '['"),
    case(
        "tasks-list-bad-env",
        ["tasks", "list", "--environments", "e.toml"],
        "a/b.*.install: Input should be a valid string",
        {"e.toml": '["a/b"."*"]\ninstall = 5'},
    ),
    case("tasks-list-mirror", ["tasks", "list", "--repo-mirror", "/missing"], "no such folder"),
    case(
        "tasks-list-strict-escaping-id",
        ["tasks", "list", "d.jsonl", "--strict"],
        "is not a SWE-bench-style id",
        {"d.jsonl": task_row(instance_id=ESCAPING) + "\n"},
    ),
    case(
        "tasks-list-escaping-id",
        ["tasks", "list", "--dataset", "d.jsonl"],
        "no valid tasks in d.jsonl",
        {"d.jsonl": task_row(instance_id=ESCAPING) + "\n"},
    ),
    case(
        "tasks-list-two-sources",
        ["tasks", "list", SUITE, "--dataset", "d.jsonl"],
        "two task sources",
    ),
    case(
        "tasks-list-bad-namespace",
        ["tasks", "list", SUITE, "--image-namespace", "BAD NS!!"],
        "is not a registry namespace",
    ),
    case(
        "tasks-validate-runs-zero",
        ["tasks", "validate", SUITE, "--runs", "0"],
        "--runs must be positive",
    ),
    case(
        "tasks-validate-bad-shard", ["tasks", "validate", SUITE, "--shard", "3/2"], "--shard '3/2'"
    ),
    case("images-no-action", ["images"], "the following arguments are required"),
    case("images-unknown-action", ["images", "rebuild"], "invalid choice: 'rebuild'"),
    case("images-build-missing", ["images", "build", "no.jsonl"], "dataset file not found"),
    case("images-prune-bad-filter", ["images", "prune", "--filter", "("], "--filter '('"),
    case(
        "images-build-base-not-a-reference",
        ["images", "build", SUITE, "--base-image", "no such image"],
        "--base-image 'no such image' is not an image reference",
    ),
    case(
        "images-pull-bad-namespace",
        ["images", "pull", "--dataset", SUITE, "--image-namespace", "BAD NS!!"],
        "is not a registry namespace",
    ),
    case(
        "images-build-bad-base",
        ["images", "build", SUITE, "--base-image", "nosuch/x:1"],
        "--base-image nosuch/x:1: no such image",
        marks=pytest.mark.docker,
    ),
    case("sandbox-no-action", ["sandbox"], "the following arguments are required"),
    case("sandbox-gc-option", ["sandbox", "gc", "--force"], "unrecognized arguments: --force"),
    case("prices-file-missing", ["prices", "--prices", "no.toml"], "cannot read price table"),
    case(
        "prices-file-not-utf8",
        ["prices", "--prices", "p.toml"],
        "cannot read price table",
        {"p.toml": BAD_UTF8},
    ),
    case(
        "prices-file-models-string",
        ["prices", "--prices", "p.toml"],
        "models: Input should be a valid dictionary",
        {"p.toml": 'version = "x"\nmodels = "x"'},
    ),
    case(
        "prices-file-negative",
        ["prices", "--prices", "p.toml"],
        "must be a finite number, zero or more",
        {"p.toml": prices(m=PRICE.replace("0.1", "-0.1"))},
    ),
    case("grade-predictions-missing", ["grade", "no.json"], "predictions file not found"),
    case(
        "grade-predictions-not-json",
        ["grade", "p.json"],
        "p.json",
        {"p.json": '[{"instance_id": "x"'},
    ),
    case(
        "grade-workers-zero",
        ["grade", "p.json", "--workers", "0"],
        "--workers must be positive",
        {"p.json": "[]"},
    ),
    case(
        "grade-predictions-too-deep",
        ["grade", "p.jsonl"],
        "p.jsonl: line 1: invalid JSON (nested too deeply)",
        {"p.jsonl": DEEP},
    ),
    case(
        "grade-report-over-results",
        ["grade", "p.json", "--dataset", SUITE, "--report", "good.jsonl", "--output", "o.jsonl"],
        "report good.jsonl holds result rows",
        {"p.json": PREDICTION},
    ),
    case(
        "grade-report-folder",
        ["grade", "p.json", "--dataset", SUITE, "--report", "tapes", "--output", "o.jsonl"],
        "report tapes is a directory",
        {"p.json": PREDICTION},
    ),
    case(
        "grade-report-over-predictions",
        ["grade", "p.json", "--dataset", SUITE, "--report", "p.json", "--output", "o.jsonl"],
        "report p.json is a file this command reads",
        {"p.json": PREDICTION},
    ),
    case(
        "grade-report-is-the-output",
        ["grade", "p.json", "--dataset", SUITE, "--report", "o.jsonl", "--output", "o.jsonl"],
        "report o.jsonl is a file this command reads",
        {"p.json": PREDICTION},
    ),
    case(
        "grade-run-id-slash",
        ["grade", "p.json", "--dataset", SUITE, "--run-id", "x/y"],
        "--run-id 'x/y'",
        {"p.json": PREDICTION},
    ),
    case("export-results-missing", ["export", "no.jsonl"], "results file not found"),
    case(
        "export-over-results",
        ["export", "good.jsonl"],
        "predictions file good.cascade.predictions.jsonl holds result rows",
        {"good.cascade.predictions.jsonl": row() + "\n"},
    ),
    case(
        "export-output-dir-a-file",
        ["export", "good.jsonl", "--output-dir", "notes.txt"],
        "--output-dir notes.txt is not a folder",
    ),
    case("sim-no-action", ["sim"], "the following arguments are required"),
    case(
        "sim-fit-results-missing",
        ["sim", "fit", "no.jsonl", "--output", "c.toml"],
        "results file not found",
    ),
    case("sim-validate-results-missing", ["sim", "validate", "no.jsonl"], "results file not found"),
    case("sim-params-missing", ["--sim-params", "no.toml"], "cannot read simulator parameters"),
    case("setup-option", ["setup", "--yes"], "unrecognized arguments: --yes"),
    case(
        "unknown-command-option", ["report", "--frobnicate", "good.jsonl"], "unrecognized arguments"
    ),
]

CATALOGUE = RUN + REPORT + COMPARE + CHECK + SHOW + OTHERS


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("args, message, files", CATALOGUE)
def test_bad_input_is_one_line_exit_2_and_changes_nothing(
    tmp_path, monkeypatch, capsys, request, args, message, files
):
    for name, content in {**WORLD, **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DEEPSEEK_API_KEY", raising=False)
    if "docker" not in request.keywords:
        # nothing may get as far as the engine: a case that does fails with exit 1
        monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    before = snapshot(tmp_path)
    code = main(list(args))
    out, err = capsys.readouterr()
    first, *notes = err.splitlines() or [""]
    assert code == 2, err
    assert first.startswith("harness: error: "), err  # the error line comes first
    assert all(note.startswith("warning: ") for note in notes), err  # what was skipped, after
    assert message in first, first
    assert "Traceback" not in err and out == ""
    assert snapshot(tmp_path) == before


def test_the_catalogue_covers_every_command_and_a_hundred_cases():
    from harness.commands import REGISTRY

    assert len(CATALOGUE) >= 100
    named = {args[0] for args, _, _ in (p.values for p in CATALOGUE) if args}
    assert {c.name for c in REGISTRY} - {"run"} <= named

"""SWE-bench Lite rows in images built here, laid out like the official ones, for running the edit
check's self-test (`tasks edit-check`) on real repositories where no registry can be reached.

Official images cannot be pulled on a machine without a registry, so this builds stand-ins:
- the repository: the project's source release from PyPI, the newest uploaded before the row
  was created, when both the row's test_patch and its gold patch apply to it (rows are written
  against a development commit, and many re-apply onto the release just before them); rows
  that do not are skipped and counted;
- the environment: the release's dependencies (with the test tools the row's runner needs) as
  they were on that day, resolved by `uv pip compile --exclude-newer` and installed from PyPI
  wheels into a conda-style environment at /opt/miniconda3/envs/testbed, reachable only through
  `source /opt/miniconda3/bin/activate && conda activate testbed`, the project installed in it
  with `pip install -e .`; Python 3.11, from the sandbox base image (rows whose release cannot
  run on it are left to the self-test to report);
- the row: the original, with `image` naming the local image and the base commit (in the eval
  script too) that of the image's one-commit history.

It needs Docker, the sandbox base image (`python -m harness setup`), PyPI, and `uv`
(`pip install uv`). SWE-bench's Lite parquet is in the history of SWE-bench/SWE-bench
(data/SWE-bench_Lite/test.parquet, before the commit that removed the bundled parquets).
Nothing it builds or downloads belongs in the repository. Images keep their names when they are
rebuilt, and base statuses are cached by image name: give the self-test a fresh cache then.

    python bench/lite_images.py --parquet test.parquet --out /tmp/lite \
        --repos django/django --min-version 4.0          # writes /tmp/lite/rows-django_django.jsonl
    XDG_CACHE_HOME=/tmp/lite/cache python -m harness tasks edit-check \
        /tmp/lite/rows-django_django.jsonl --json /tmp/lite/self-test.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import docker
import pyarrow.parquet as pq
from docker.errors import DockerException
from packaging.version import Version

from harness.sandbox.engine import connect, default_base_image
from harness.tasks.official import image_name
from tests.official_images import ACTIVATE, ENV_DOCKERFILE, GIT_IDENTITY, INSTALL, build_image

NAMESPACE = "harness-lite"
# What each project is called on PyPI, and what its tests need beyond its own dependencies.
PROJECTS = {
    "django/django": ("django", ("jinja2", "tblib", "docutils", "tzdata", "pytz")),
    "pallets/flask": ("flask", ("pytest", "python-dotenv", "asgiref", "blinker")),
    "pytest-dev/pytest": (
        "pytest",
        ("hypothesis", "xmlschema", "pygments", "requests", "argcomplete", "nose", "mock"),
    ),
    "mwaskom/seaborn": ("seaborn", ("pytest", "scipy", "statsmodels")),
    "sympy/sympy": ("sympy", ("pytest", "hypothesis")),
}
BUILD_TOOLS = ("pip", "setuptools", "wheel", "setuptools_scm", "flit_core")
# Packages whose releases before Python 3.11 do not install or run on it (compiled ones had no
# wheels for it; pytest before 7.2 fails on it): for older rows they come as PyPI had them on
# this day instead, unless they are the project itself.
FOR_PYTHON_311 = (
    "numpy", "pandas", "matplotlib", "scipy", "statsmodels", "kiwisolver", "pillow", "contourpy",
    "fonttools", "pyyaml", "markupsafe", "argon2-cffi-bindings", "cffi", "pytest", "hypothesis",
)  # fmt: skip
PYTHON_311_WHEELS = "2023-01-01T00:00:00Z"
IGNORED = "*.egg-info/\n__pycache__/\n*.pyc\n.pytest_cache/\nbuild/\n"

PROJECT_DOCKERFILE = """\
FROM {env}
ADD {sdist} /tmp/src/
RUN set -eux; \\
    mv /tmp/src/{folder} /testbed; rmdir /tmp/src; chown -R root:root /testbed; cd /testbed; \\
    git init -q -b main; printf '{ignored}' >> .git/info/exclude; \\
    git add -A; env {identity} git commit -q -m "{folder}"; \\
    /opt/miniconda3/envs/testbed/bin/python -m pip install -q --no-index --no-deps \\
        --no-build-isolation -e .; \\
    git add -A; env {identity} git commit -q --amend --no-edit
WORKDIR /testbed
"""


@dataclass(frozen=True)
class Release:
    project: str
    version: str
    sdist: Path
    tree: Path  # unpacked, as a git repository, to try the row's patches on


def uv_compile(requirements: list[str], date: str, uv: str, project: str) -> list[str]:
    """`name==version` of each package the requirements need, as PyPI had them on `date`
    (those of FOR_PYTHON_311: no earlier than the first of 2023)."""
    later = [
        f"--exclude-newer-package={name}={max(date, PYTHON_311_WHEELS)}"
        for name in FOR_PYTHON_311
        if name != project
    ]
    done = subprocess.run(
        [uv, "pip", "compile", "-", "--exclude-newer", date, "--python-version", "3.11"]
        + ["--no-header", "--no-annotate", "--quiet", *later],
        input="\n".join(requirements),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"uv could not resolve {requirements}: {done.stderr.strip()[-300:]}")
    return [line.strip() for line in done.stdout.splitlines() if "==" in line]


def named(pin: str, project: str) -> bool:
    return pin.split("==")[0].lower().replace("_", "-") == project


def release(project: str, version: str, cache: Path) -> Release:
    """The source release, downloaded once, and unpacked as a one-commit git repository."""
    tree = cache / f"{project}-{version}"
    found = [
        p
        for p in cache.glob("*.tar.gz")
        if p.name.lower().replace("_", "-") == f"{project}-{version}.tar.gz".lower()
    ]
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"]
            + [f"{project}=={version}", "-d", str(cache)],
            check=True,
        )
        return release(project, version, cache)
    if not (tree / ".git").is_dir():
        staging = cache / "unpacking"
        shutil.rmtree(staging, ignore_errors=True)
        with tarfile.open(found[0]) as archive:
            archive.extractall(staging, filter="data")
        [inner] = staging.iterdir()
        inner.rename(tree)
        staging.rmdir()
        subprocess.run(
            "git init -q && git add -A && git -c user.name=x -c user.email=x@x commit -qm base",
            shell=True,
            cwd=tree,
            check=True,
        )
    return Release(project, version, found[0], tree)


def applies(tree: Path, patch: str) -> bool:
    done = subprocess.run(["git", "apply", "--check", "-"], input=patch, cwd=tree, text=True,
                          capture_output=True)  # fmt: skip
    return done.returncode == 0


def wheels(pins: list[str], folder: Path) -> None:
    """Wheels of every pinned package: downloaded, or built here from a source release."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(folder), *pins],
        check=True,
    )


def build(
    client: docker.DockerClient, row: dict, found: Release, pins: list[str], work: Path
) -> str:
    dists = work / "wheels" / f"{found.project}-{found.version}-{row['created_at'][:10]}"
    wheels(pins, dists)
    names = " ".join(sorted({pin.split("==")[0] for pin in pins}))
    files = {f"dists/{p.name}": p.read_bytes() for p in sorted(dists.glob("*.whl"))}
    files["Dockerfile"] = ENV_DOCKERFILE.format(
        base=default_base_image(client), install=INSTALL.format(packages=names)
    ).encode()
    files["activate"] = ACTIVATE.encode()
    env = build_image(client, f"{NAMESPACE}/env:{dists.name.lower()}", files)
    folder = found.sdist.name.removesuffix(".tar.gz")
    dockerfile = PROJECT_DOCKERFILE.format(
        env=env, sdist=found.sdist.name, folder=folder, identity=GIT_IDENTITY,
        ignored=IGNORED.replace("\n", "\\n"),
    )  # fmt: skip
    files = {
        "Dockerfile": dockerfile.encode(),
        found.sdist.name: found.sdist.read_bytes(),
        "env-id": str(client.images.get(env).id).encode(),
    }
    built = build_image(client, f"{NAMESPACE}/{folder.lower()}:{dists.name.lower()}", files)
    name = image_name(row["instance_id"], NAMESPACE)
    client.images.get(built).tag(*name.rsplit(":", 1))
    return name


def build_requirements(tree: Path) -> list[str]:
    """What the release's own build backend needs, besides the tools every image gets."""
    try:
        table = tomllib.loads((tree / "pyproject.toml").read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return []
    return list(table.get("build-system", {}).get("requires", []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parquet", type=Path, required=True, help="SWE-bench Lite test.parquet")
    parser.add_argument("--out", type=Path, required=True, help="folder for the rows and caches")
    parser.add_argument("--repos", default=",".join(PROJECTS), help="comma-separated repos")
    parser.add_argument("--min-version", default="0", help="only rows of this version or later")
    parser.add_argument("--uv", default="uv", help="the uv executable")
    args = parser.parse_args()
    repos = args.repos.split(",")
    rows = [
        r
        for r in pq.read_table(args.parquet).to_pylist()
        if r["repo"] in repos and Version(r["version"]) >= Version(args.min_version)
    ]
    cache = args.out / "sdists"
    cache.mkdir(parents=True, exist_ok=True)
    client = connect()
    path = args.out / f"rows-{args.repos.replace('/', '_').replace(',', '+')}.jsonl"
    written, skipped = 0, []
    with path.open("w") as out:
        for row in rows:
            try:
                built = lite_row(client, row, cache, args)
            except (
                RuntimeError,
                subprocess.CalledProcessError,
                ValueError,
                DockerException,
            ) as exc:
                built = str(exc)[-200:]
            if isinstance(built, str):
                skipped.append((row["instance_id"], built))
                print(f"skipped {row['instance_id']}: {built}", flush=True)
                continue
            out.write(json.dumps(built) + "\n")
            out.flush()  # a build cut short keeps the rows made so far
            written += 1
            print(f"{row['instance_id']}: {built['image']}", flush=True)
    print(f"{written} row(s) in {path}; {len(skipped)} skipped")


def lite_row(
    client: docker.DockerClient, row: dict, cache: Path, args: argparse.Namespace
) -> dict | str:
    """The row, its image built; or why it was skipped."""
    project, tools = PROJECTS[row["repo"]]
    date = row["created_at"][:19] + "Z"
    [pin] = [p for p in uv_compile([project], date, args.uv, project) if named(p, project)]
    found = release(project, pin.split("==")[1], cache)
    if not (applies(found.tree, row["test_patch"]) and applies(found.tree, row["patch"])):
        return f"its patches do not apply to {pin}"
    wanted = [pin, *tools, *BUILD_TOOLS, *build_requirements(found.tree)]
    pins = [p for p in uv_compile(wanted, date, args.uv, project) if not named(p, project)]
    image = build(client, row, found, pins, args.out)
    head = client.containers.run(image, "git rev-parse HEAD", remove=True).decode().strip()
    script = row["eval_script"].replace(row["base_commit"], head)
    return {**row, "base_commit": head, "eval_script": script, "image": image}


if __name__ == "__main__":
    main()

"""Test images laid out like SWE-bench's official ones, built here from PyPI source releases.

Like the published images, each holds a project's source at /testbed as a git repository, runs
as root, and keeps its test environment in a conda-style environment `testbed` under
/opt/miniconda3 that is reachable only through `source /opt/miniconda3/bin/activate && conda
activate testbed`: the only Python in the image is under /opt/miniconda3, not on PATH. The
releases and test tools are downloaded on the host with `pip download` (pinned with hashes in
data/swebench/requirements.txt); the builds need no network.

Images are named as SWE-bench names its own, in the namespace `harness-fixture`, carry the
`harness-fixture` label (not the harness's, so `images prune` leaves them alone) and a digest
of everything that went into them: an unchanged input is reused, a changed one rebuilt.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import docker

from harness.sandbox.engine import default_base_image, image_exists
from harness.tasks.official import image_name
from harness.tasks.repos import cache_dir

DATA = Path(__file__).parent / "data" / "swebench"
NAMESPACE = "harness-fixture"
LABEL = "harness-fixture"
DIGEST_LABEL = "harness-fixture.digest"
TOOLS = ("pytest", "pluggy", "iniconfig", "packaging", "pygments")
# Fixed identity and dates: the base commit of each project is the same on every machine.
GIT_IDENTITY = (
    "GIT_AUTHOR_NAME=fixture GIT_AUTHOR_EMAIL=fixture@localhost "
    "GIT_AUTHOR_DATE=2026-01-01T00:00:00+0000 GIT_COMMITTER_NAME=fixture "
    "GIT_COMMITTER_EMAIL=fixture@localhost GIT_COMMITTER_DATE=2026-01-01T00:00:00+0000"
)

ACTIVATE = """\
# A conda-style activation script at the path official SWE-bench images have it.
__conda_root=/opt/miniconda3
conda() {
    if [ "${1:-}" != activate ]; then
        echo "conda: only 'conda activate ENV' works in this image" >&2
        return 1
    fi
    local env="${2:-base}" prefix="$__conda_root"
    [ "$env" = base ] || prefix="$__conda_root/envs/$env"
    if [ ! -d "$prefix" ]; then
        echo "EnvironmentNameNotFound: Could not find conda environment: $env" >&2
        return 1
    fi
    export PATH="$prefix/bin:${PATH:-}" CONDA_PREFIX="$prefix" CONDA_DEFAULT_ENV="$env"
}
conda activate base
"""

ENV_DOCKERFILE = """\
FROM {base}
COPY dists/ /tmp/dists/
RUN set -eux; \\
    py=$(readlink -f "$(command -v python3)"); \\
    ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \\
    env=/opt/miniconda3/envs/testbed; \\
    python3 -m venv --without-pip "$env"; \\
    {install}\\
    mkdir -p /opt/miniconda3/bin /opt/miniconda3/lib; \\
    mv "$py" /opt/miniconda3/bin/; \\
    ln -s "/usr/lib/python$ver" "/opt/miniconda3/lib/python$ver"; \\
    ln -s "python$ver" /opt/miniconda3/bin/python3; \\
    for name in python python3 "python$ver"; do \\
        ln -sf "/opt/miniconda3/bin/python$ver" "$env/bin/$name"; done; \\
    sed -i 's|^home = .*|home = /opt/miniconda3/bin|' "$env/pyvenv.cfg"; \\
    rm -rf /usr/bin/python3* /usr/bin/python /usr/local/bin/python* /tmp/dists
COPY activate /opt/miniconda3/bin/activate
"""

INSTALL = (
    'python3 -m pip --python "$env/bin/python" install -q --no-index --no-deps '
    "--find-links /tmp/dists {packages}; \\\n    "
)

PROJECT_DOCKERFILE = """\
FROM {env}
ADD {sdist} /tmp/src/
RUN set -eux; \\
    mv /tmp/src/{folder} /testbed; rmdir /tmp/src; chown -R root:root /testbed; cd /testbed; \\
    git init -q -b main; git add -A; \\
    env {identity} git commit -q -m "{folder}"; \\
    site=$(/opt/miniconda3/envs/testbed/bin/python -c \\
        'import sysconfig; print(sysconfig.get_paths()["purelib"])'); \\
    echo /testbed > "$site/testbed.pth"
WORKDIR /testbed
"""

# a project kept here (DATA/<name>) in a Python environment; its runner script executable
SOURCE_DOCKERFILE = """\
FROM {env}
COPY {name}/ /testbed/
RUN set -eux; cd /testbed; chmod +x tests/runtests.py; \\
    git init -q -b main; git add -A; env {identity} git commit -q -m {name}; \\
    site=$(/opt/miniconda3/envs/testbed/bin/python -c \\
        'import sysconfig; print(sysconfig.get_paths()["purelib"])'); \\
    echo /testbed > "$site/testbed.pth"
WORKDIR /testbed
"""

NO_PYTHON_DOCKERFILE = """\
FROM {base}
COPY shellcalc/ /testbed/
RUN set -eux; cd /testbed; chmod +x tests/run.sh; \\
    git init -q -b main; git add -A; env {identity} git commit -q -m shellcalc; \\
    rm -rf /usr/bin/python3* /usr/bin/python /usr/local/bin/python* /usr/lib/python3*
WORKDIR /testbed
"""


@dataclass(frozen=True)
class Fixture:
    """The image of one instance: a project release in an environment."""

    sdist: str  # a file of requirements.txt's downloads, or "" for the no-Python image
    tools: tuple[str, ...] = TOOLS  # what the testbed environment gets
    source: str = ""  # or a project kept in DATA, in a Python environment


# instance id -> what its image holds
FIXTURES = {
    "pytoolz__toolz-1": Fixture("toolz-1.2.0.tar.gz"),
    # the same project in an environment that lacks one of pytest's dependencies
    "pytoolz__toolz-2": Fixture("toolz-1.2.0.tar.gz", tuple(t for t in TOOLS if t != "pluggy")),
    "more-itertools__more-itertools-1": Fixture("more_itertools-11.2.1.tar.gz"),
    "shellkit__shellcalc-1": Fixture(""),
    # for the forgery catalogue (data/swebench/runners): the same project under pytest and
    # under a runner shaped like Django's, and toolz with a test patch that adds a conftest.py
    "runkit__runkit-1": Fixture("", source="runkit"),
    "runkit__runkit-2": Fixture("", source="runkit"),
    "pytoolz__toolz-3": Fixture("toolz-1.2.0.tar.gz"),
}


def dists() -> Path:
    """The pinned downloads, fetched once per machine."""
    requirements = DATA / "requirements.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    folder = cache_dir() / "test-dists" / digest
    if not (folder / ".complete").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--require-hashes",
                "--disable-pip-version-check",
                "-r",
                str(requirements),
                "-d",
                str(folder),
            ],
            check=True,
        )
        (folder / ".complete").touch()
    return folder


def _tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _build(client: docker.DockerClient, tag: str, files: dict[str, bytes]) -> str:
    """Build `files` (a context with a Dockerfile) as `tag`, unless an image of that tag was
    built from the same inputs."""
    digest = hashlib.sha256(b"".join(k.encode() + b"\0" + v for k, v in sorted(files.items())))
    digest_text = digest.hexdigest()
    if image_exists(client, tag) and client.images.get(tag).labels.get(DIGEST_LABEL) == digest_text:
        return tag
    client.images.build(
        fileobj=io.BytesIO(_tar(files)),
        custom_context=True,
        tag=tag,
        labels={LABEL: "1", DIGEST_LABEL: digest_text},
        rm=True,
        forcerm=True,
        network_mode="none",
    )
    return tag


def _env_image(
    client: docker.DockerClient, base: str, downloads: Path, tools: tuple[str, ...]
) -> str:
    wheels = {
        f"dists/{path.name}": path.read_bytes()
        for path in sorted(downloads.glob("*.whl"))
        if path.name.split("-")[0].lower().replace("_", "-") in tools
    }
    packages = " ".join(sorted(tools))
    dockerfile = ENV_DOCKERFILE.format(base=base, install=INSTALL.format(packages=packages))
    files = {"Dockerfile": dockerfile.encode(), "activate": ACTIVATE.encode(), **wheels}
    files["base-id"] = str(client.images.get(base).id).encode()
    key = hashlib.sha256(repr(sorted(tools)).encode()).hexdigest()[:8]
    return _build(client, f"{NAMESPACE}/env:{key}", files)


def _project_image(client: docker.DockerClient, env: str, downloads: Path, sdist: str) -> str:
    folder = sdist.removesuffix(".tar.gz")
    dockerfile = PROJECT_DOCKERFILE.format(
        env=env, sdist=sdist, folder=folder, identity=GIT_IDENTITY
    )
    files = {
        "Dockerfile": dockerfile.encode(),
        sdist: (downloads / sdist).read_bytes(),
        "env-id": str(client.images.get(env).id).encode(),
    }
    return _build(client, f"{NAMESPACE}/{folder.lower()}:env-{env.rsplit(':', 1)[1]}", files)


def _source_image(client: docker.DockerClient, env: str, name: str) -> str:
    source = DATA / name
    files = {
        f"{name}/{path.relative_to(source)}": path.read_bytes()
        for path in sorted(source.rglob("*"))
        if path.is_file()
    }
    dockerfile = SOURCE_DOCKERFILE.format(env=env, name=name, identity=GIT_IDENTITY)
    files["Dockerfile"] = dockerfile.encode()
    files["env-id"] = str(client.images.get(env).id).encode()
    return _build(client, f"{NAMESPACE}/{name}:env-{env.rsplit(':', 1)[1]}", files)


def _no_python_image(client: docker.DockerClient, base: str) -> str:
    source = DATA / "shellcalc"
    files = {
        f"shellcalc/{path.relative_to(source)}": path.read_bytes()
        for path in sorted(source.rglob("*"))
        if path.is_file()
    }
    files["Dockerfile"] = NO_PYTHON_DOCKERFILE.format(base=base, identity=GIT_IDENTITY).encode()
    files["base-id"] = str(client.images.get(base).id).encode()
    return _build(client, f"{NAMESPACE}/shellcalc:latest", files)


def build_images(client: docker.DockerClient) -> dict[str, str]:
    """Every fixture image, tagged with the official-style name of its instance; instance id
    -> image name."""
    base = default_base_image(client)
    downloads = dists()
    names = {}
    for instance_id, fixture in FIXTURES.items():
        if fixture.sdist:
            env = _env_image(client, base, downloads, fixture.tools)
            built = _project_image(client, env, downloads, fixture.sdist)
        elif fixture.source:
            env = _env_image(client, base, downloads, fixture.tools)
            built = _source_image(client, env, fixture.source)
        else:
            built = _no_python_image(client, base)
        name = image_name(instance_id, NAMESPACE)
        client.images.get(built).tag(*name.rsplit(":", 1))
        names[instance_id] = name
    return names


def rows(kind: str = "instances") -> list[dict]:
    """The hand-written task rows of the fixture projects, in SWE-bench's field layout
    (`kind`: "instances", or "runners" for the forgery catalogue's)."""
    found = []
    for folder in sorted((DATA / kind).iterdir()):
        row = json.loads((folder / "row.json").read_text())
        row["patch"] = (folder / "gold.patch").read_text()
        row["test_patch"] = (folder / "test.patch").read_text()
        row["eval_script"] = (folder / "eval.sh").read_text()
        found.append({"instance_id": folder.name, **row})
    return found

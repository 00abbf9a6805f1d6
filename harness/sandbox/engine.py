"""The Docker engine and the base image: find them, and on a bare Debian machine, make them.

`python -m harness setup` calls `ensure_engine` and `ensure_base_image`. Everything else only
calls `connect`, which says what to do when no engine answers.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import docker
import docker.errors

from harness import HarnessError, first_line

REGISTRY_BASE_IMAGE = "python:3.11-slim"
BASE_PACKAGES = (
    "python3,python3-pytest,python3-pip,python-is-python3,git,patch,ca-certificates,procps"
)
# The tag names what went in, so a change to the package list builds a new base.
_PACKAGES_DIGEST = hashlib.sha256(BASE_PACKAGES.encode()).hexdigest()[:8]
LOCAL_BASE_IMAGE = f"cascade-harness/base:local-{_PACKAGES_DIGEST}"
Log = Callable[[str], None]
DOCKERD_LOG = Path("/var/log/cascade-harness-dockerd.log")


def connect() -> docker.DockerClient:
    """A client for the engine named by DOCKER_HOST & co, or a clear error saying what to do."""
    try:
        client = docker.from_env(timeout=300)
        client.ping()
        return client
    except docker.errors.DockerException as exc:
        where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        raise HarnessError(
            f"no Docker engine answers at {where} ({first_line(exc, 200)}); run "
            "`python -m harness setup` (as root on Debian it installs and starts one) "
            "or start Docker yourself"
        ) from None


def docker_reason(exc: BaseException) -> str:
    """What the engine said, in one short line: its own explanation, not the HTTP plumbing
    around it ("500 Server Error for http+docker://localhost/v1.41/...")."""
    explanation = getattr(exc, "explanation", None)
    text = explanation if isinstance(explanation, str) and explanation else str(exc)
    if isinstance(explanation, bytes):
        text = explanation.decode("utf-8", "replace")
    return first_line(Exception(text), 200)


def _is_root_on_debian() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def _apt_install(*packages: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        result = subprocess.run(args, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:]
            raise HarnessError(f"{' '.join(args[:2])} failed: {' '.join(tail)}")


def ensure_engine(log: Log = print, wait_seconds: float = 90) -> docker.DockerClient:
    """Return a live engine; as root on Debian, install Debian's docker.io and start dockerd."""
    try:
        return connect()
    except HarnessError:
        if os.environ.get("DOCKER_HOST") or not _is_root_on_debian():
            raise HarnessError(
                "no Docker engine answers. Install Docker Engine (on Debian: `apt-get install "
                "docker.io`, then start `dockerd`), or point DOCKER_HOST at a running engine"
            ) from None
    if shutil.which("dockerd") is None:
        log("Installing Debian's docker.io ...")
        _apt_install("docker.io")
    log(f"Starting dockerd in the background (log: {DOCKERD_LOG}) ...")
    with open(DOCKERD_LOG, "ab") as out:
        subprocess.Popen(
            ["dockerd"], stdout=out, stderr=out, stdin=subprocess.DEVNULL, start_new_session=True
        )
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        try:
            return connect()
        except HarnessError:
            time.sleep(0.5)
    raise HarnessError(f"dockerd did not answer within {wait_seconds:.0f} s; see {DOCKERD_LOG}")


def image_exists(client: docker.DockerClient, name: str) -> bool:
    try:
        client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


def default_base_image(client: docker.DockerClient) -> str:
    """The base the Dockerfile builds on: HARNESS_BASE_IMAGE, else a locally built one, else
    the registry's python image."""
    if os.environ.get("HARNESS_BASE_IMAGE"):
        return os.environ["HARNESS_BASE_IMAGE"]
    return LOCAL_BASE_IMAGE if image_exists(client, LOCAL_BASE_IMAGE) else REGISTRY_BASE_IMAGE


def ensure_base_image(client: docker.DockerClient, log: Log = print) -> str:
    """Make sure a base image is present: pulled from a registry when one answers, else built
    here with debootstrap from the machine's own Debian mirror."""
    name = default_base_image(client)
    if image_exists(client, name):
        return name
    try:
        repository, _, tag = name.partition(":")
        client.images.pull(repository, tag=tag or "latest")
        log(f"Pulled base image {name}")
        return name
    except docker.errors.APIError as exc:
        if name != REGISTRY_BASE_IMAGE:
            raise HarnessError(
                f"base image {name} is not here and cannot be pulled: {first_line(exc, 200)}"
            ) from None
        log(
            f"No registry answers ({first_line(exc, 200)[:80]}); building {LOCAL_BASE_IMAGE} "
            "with debootstrap (about a minute) ..."
        )
    build_local_base_image(client)
    return LOCAL_BASE_IMAGE


def debian_mirror_and_suite(etc: Path = Path("/etc")) -> tuple[str, str]:
    """Read the machine's Debian mirror and release from its apt sources, never hard-coded."""
    suite = ""
    os_release = etc / "os-release"
    if os_release.is_file():
        match = re.search(r"^VERSION_CODENAME=(\S+)$", os_release.read_text(), re.M)
        suite = match.group(1).strip('"') if match else ""
    sources = sorted((etc / "apt" / "sources.list.d").glob("*.sources"))
    for path in sources:
        for stanza in path.read_text().split("\n\n"):
            uris = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
            suites = re.search(r"^Suites:\s*(.+)$", stanza, re.M)
            if uris and suites and "security" not in uris.group(1):
                names = suites.group(1).split()
                return uris.group(1), suite or names[0]
    legacy = etc / "apt" / "sources.list"
    if legacy.is_file():
        for line in legacy.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "deb" and "security" not in parts[1]:
                return parts[1], suite or parts[2]
    raise HarnessError(
        "no Debian mirror found in /etc/apt/sources.list.d or "
        "/etc/apt/sources.list; set HARNESS_BASE_IMAGE to an image with "
        "python3, git and pytest"
    )


def build_local_base_image(client: docker.DockerClient) -> None:
    if not _is_root_on_debian():
        raise HarnessError(
            "no registry answers and building a base image needs root on Debian "
            "(debootstrap); set HARNESS_BASE_IMAGE to a local image instead"
        )
    if shutil.which("debootstrap") is None:
        _apt_install("debootstrap")
    mirror, suite = debian_mirror_and_suite()
    with tempfile.TemporaryDirectory(prefix="harness-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        result = subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={BASE_PACKAGES}",
                suite,
                str(rootfs),
                mirror,
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            tail = (result.stdout + result.stderr).strip().splitlines()[-1:]
            raise HarnessError(f"debootstrap {suite} from {mirror} failed: {' '.join(tail)}")
        archive = Path(tmp) / "rootfs.tar"
        subprocess.run(["tar", "-C", str(rootfs), "-cf", str(archive), "."], check=True)
        repository, _, tag = LOCAL_BASE_IMAGE.partition(":")
        client.api.import_image_from_file(
            str(archive),
            repository=repository,
            tag=tag,
            changes=[
                "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                'CMD ["bash"]',
            ],
        )

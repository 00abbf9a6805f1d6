"""`python -m harness setup`: a Docker engine that answers and the sandbox base image."""

from __future__ import annotations

import argparse

from harness import release_notes, warn
from harness.commands.common import PROG, Parser
from harness.sandbox.engine import ensure_base_image, ensure_engine


def parser() -> Parser:
    return Parser(
        prog=f"{PROG} setup",
        description="Make sure a Docker engine answers (as "
        "root on Debian: install docker.io and start dockerd) and that the sandbox "
        "base image exists (pulled, or built with debootstrap when no registry "
        "answers).",
    )


def run(args: argparse.Namespace) -> int:
    release_notes()  # no input to check: what setup does is shown as it happens
    client = ensure_engine(warn)
    base = ensure_base_image(client, warn)
    print(f"Docker engine ready; sandbox base image: {base}")
    return 0

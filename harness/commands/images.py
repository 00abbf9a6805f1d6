"""`python -m harness images build|list|prune`: the sandbox images of tasks."""

from __future__ import annotations

import argparse
import sys

from tqdm import tqdm

from harness import HarnessError, warn
from harness.commands.common import (
    PROG,
    SOURCE_HELP,
    Parser,
    add_selection_options,
    check_base_image,
    load_selection,
)
from harness.reporting.tables import format_table
from harness.sandbox.engine import connect
from harness.sandbox.images import Images, harness_images


def parser() -> Parser:
    parser = Parser(
        prog=f"{PROG} images", description="Build, list and prune the sandbox images of tasks."
    )
    actions = parser.add_subparsers(
        dest="action", required=True, metavar="{build,list,prune}", parser_class=Parser
    )
    build = actions.add_parser("build", help="build the images of a task selection")
    actions.add_parser("list", help="list the harness's images")
    prune = actions.add_parser(
        "prune",
        help="remove harness images that the selected tasks "
        "do not need (by default: the bundled suite)",
    )
    prune.add_argument("--all", action="store_true", help="remove every harness image")
    for sub in (build, prune):
        sub.add_argument("source", nargs="?", metavar="SOURCE", help=SOURCE_HELP)
        add_selection_options(sub)
        sub.add_argument("--base-image", metavar="IMAGE", help="base image of the Dockerfile")
    return parser


def run(args: argparse.Namespace) -> int:
    tasks = load_selection(args, args.source) if args.action != "list" else []
    client = connect()
    if args.action == "list":
        rows = [
            [
                ", ".join(image.tags) or image.short_id,
                f"{image.attrs['Size'] / 1e6:.0f} MB",
                image.attrs["Created"][:19],
            ]
            for image in harness_images(client)
        ]
        print(format_table(["image", "size", "created"], rows))
        return 0
    images = Images(client, args.base_image, args.repo_mirror)
    check_base_image(images, args.base_image)
    if args.action == "prune":
        removed, kept = images.prune(None if args.all else tasks)
        print(f"removed {removed} image(s), kept {kept}")
        return 0
    failed = 0
    for task in tqdm(tasks, unit="image", disable=None, file=sys.stderr):
        try:
            images.task_image(task)
        except HarnessError as exc:
            failed += 1
            warn(f"error: {exc}")
    print(f"{len(tasks) - failed} of {len(tasks)} task image(s) ready")
    return 1 if failed else 0

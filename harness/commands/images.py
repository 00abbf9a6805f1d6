"""`python -m harness images build|pull|list|prune`: the images tasks run in."""

from __future__ import annotations

import argparse

from harness import HarnessError, release_notes, warn
from harness.commands.common import (
    PROG,
    Parser,
    add_progress_option,
    add_selection_options,
    add_source_argument,
    byte_bars,
    check_base_image,
    check_image_reference,
    load_selection,
    source_of,
)
from harness.commands.progress import Progress
from harness.reporting.tables import format_table
from harness.sandbox.engine import connect, image_exists
from harness.sandbox.images import Images, harness_images
from harness.tasks import Task


def parser() -> Parser:
    parser = Parser(
        prog=f"{PROG} images", description="Build, pull, list and prune the images of tasks."
    )
    actions = parser.add_subparsers(
        dest="action", required=True, metavar="{build,pull,list,prune}", parser_class=Parser
    )
    build = actions.add_parser(
        "build", help="make ready the image of every selected task: build it, or pull it"
    )
    pull = actions.add_parser(
        "pull",
        help="pull the images of the selected tasks that name one (official SWE-bench "
        "images, see --image-namespace) and are not here yet, with progress and retries",
    )
    actions.add_parser("list", help="list the harness's images")
    prune = actions.add_parser(
        "prune",
        help="remove harness images that the selected tasks "
        "do not need (by default: the bundled suite)",
    )
    prune.add_argument("--all", action="store_true", help="remove every harness image")
    for sub in (build, pull, prune):
        add_source_argument(sub)
        add_selection_options(sub)
        sub.add_argument("--base-image", metavar="IMAGE", help="base image of the Dockerfile")
    for sub in (build, pull):
        add_progress_option(sub, "image")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.action != "list":
        check_image_reference("--base-image", args.base_image)
    tasks = load_selection(args, source_of(args)) if args.action != "list" else []
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
    release_notes()
    if args.action == "prune":
        removed, kept = images.prune(None if args.all else tasks)
        print(f"removed {removed} image(s), kept {kept}")
        return 0
    if args.action == "pull":
        named = sorted({t.image for t in tasks if t.image})
        todo = [image for image in named if not image_exists(client, image)]
        warn(f"{len(named) - len(todo)} of {len(named)} image(s) already here")
        tasks = [t for t in tasks if t.image in set(todo)]
        tasks = list({t.image: t for t in tasks}.values())  # one pull per image
        images.progress = byte_bars
    failed = make_ready(images, tasks, Progress(len(tasks), "image", not args.no_progress))
    print(f"{len(tasks) - failed} of {len(tasks)} task image(s) ready, {failed} failed")
    return 1 if failed else 0


def make_ready(images: Images, tasks: list[Task], progress: Progress) -> int:
    """Builds or pulls each task's image; returns how many failed (each said why)."""
    counts = {"ready": 0, "failed": 0}
    try:
        for task in tasks:
            try:
                line = f"{images.task_image(task)} ready"
                counts["ready"] += 1
            except HarnessError as exc:
                counts["failed"] += 1
                line = f"{task.instance_id} failed"
                warn(f"error: {exc}")
            progress.advance(line, {name: str(value) for name, value in counts.items()})
    finally:
        progress.close()
    return counts["failed"]

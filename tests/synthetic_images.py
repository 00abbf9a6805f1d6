"""Images of known sizes for the tests of the image disk budget, the prefetch and the registry:
a runnable image that is here already, plus one layer of random bytes of a given size, served
by the test registry (tests/fake_registry.py). Pulling one brings exactly that one layer, so
what it adds on disk is known.

The runnable image's layers are saved once per machine (by image id) and each extra layer once
(by size and seed), under the harness's cache folder; blobs are served as uncompressed tars,
so a layer's download size is its size on disk.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import tarfile
import tempfile
import threading
from pathlib import Path

import docker

from harness.tasks.repos import cache_dir

from .fake_registry import FakeRegistry, file_digest

MiB = 2**20


def _folder() -> Path:
    folder = cache_dir() / "test-registry"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def saved_layers(client: docker.DockerClient, name: str) -> tuple[dict, list[Path]]:
    """The config and layer files of a local image, saved once per image id."""
    image = client.images.get(name)
    folder = _folder() / image.id.split(":")[-1][:16]
    if not (folder / ".complete").exists():
        staging = Path(tempfile.mkdtemp(dir=_folder()))
        archive = staging / "image.tar"
        with archive.open("wb") as out:
            for chunk in image.save():
                out.write(chunk)
        with tarfile.open(archive) as saved:
            [entry] = json.load(saved.extractfile("manifest.json"))
            (staging / "config.json").write_bytes(saved.extractfile(entry["Config"]).read())
            for index, member in enumerate(entry["Layers"]):
                with (
                    saved.extractfile(member) as source,
                    (staging / f"{index:03}.tar").open("wb") as target,
                ):
                    shutil.copyfileobj(source, target)
        archive.unlink()
        (staging / ".complete").touch()
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    config = json.loads((folder / "config.json").read_text())
    return config, sorted(folder.glob("[0-9][0-9][0-9].tar"))


def ballast_layer(size: int, seed: int) -> Path:
    """A layer holding one file of `size` random bytes (the same bytes for the same seed)."""
    path = _folder() / f"ballast-{size}-{seed}.tar"
    if not path.exists():
        data = random.Random(seed).randbytes(size)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            info = tarfile.TarInfo(f"opt/ballast-{seed}")
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            archive.addfile(info, io.BytesIO(data))
        staging = path.with_suffix(".tmp")
        staging.write_bytes(buffer.getvalue())
        staging.rename(path)
    return path


def serve_synthetic(
    registry: FakeRegistry,
    client: docker.DockerClient,
    base: str,
    repository: str,
    tag: str,
    size: int,
    seed: int,
) -> str:
    """Serve `base` plus `size` random bytes as repository:tag; the name to pull it by."""
    config, layers = saved_layers(client, base)
    extra = ballast_layer(size, seed)
    config = json.loads(json.dumps(config))
    config["rootfs"]["diff_ids"].append(file_digest(extra))
    config.setdefault("history", []).append(
        {"created": "2026-01-01T00:00:00Z", "created_by": f"COPY ballast-{seed} /opt/"}
    )
    config.pop("id", None)
    registry.add_image(repository, tag, json.dumps(config).encode(), [*layers, extra])
    return f"{registry.host}/{repository}:{tag}"


class DiskWatch:
    """What the images of a repository add to the base, watched from outside the keeper:
    the sum over them of their size beyond the base image's, every 20 ms."""

    def __init__(self, client, repository, base, besides):
        self.client, self.repository, self.besides = client, repository, besides
        self.base_size = client.images.get(base).attrs["Size"]
        self.peak = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def now(self) -> int:
        images = self.client.images.list(name=self.repository)
        return sum(
            image.attrs["Size"] - self.base_size
            for image in images
            if not set(image.tags) & {self.besides}
        )

    def _watch(self):
        while not self.stop.wait(0.02):
            try:
                self.peak = max(self.peak, self.now())
            except Exception:  # an image removed while it was listed
                continue

    def close(self):
        self.stop.set()
        self.thread.join()
        return self.peak

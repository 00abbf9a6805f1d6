"""A local container registry for tests: the Docker Registry HTTP API v2, serving images saved
with `docker save`, with scripted faults. The engine pulls from 127.0.0.1 over plain HTTP, as it
allows for loopback addresses."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class FakeRegistry:
    """Serves `repository:tag` -> a saved image. `faults[path_part]` is a list of HTTP statuses
    answered, in turn, to requests whose path contains `path_part`."""

    def __init__(self) -> None:
        self.manifests: dict[tuple[str, str], bytes] = {}
        self.blobs: dict[str, bytes] = {}
        self.requests: list[str] = []
        self.faults: dict[str, list[int]] = {}
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_HEAD(self):
                self._answer(body=False)

            def do_GET(self):
                self._answer(body=True)

            def _answer(self, body: bool) -> None:
                registry.requests.append(f"{self.command} {self.path}")
                for part, statuses in registry.faults.items():
                    if part in self.path and statuses:
                        return self._send(statuses.pop(0), b"{}", "application/json", body)
                if self.path == "/v2/":
                    return self._send(200, b"{}", "application/json", body)
                parts = self.path[len("/v2/") :].rsplit("/", 2)
                name, kind, reference = parts if len(parts) == 3 else ("", "", "")
                if kind == "manifests" and (name, reference) in registry.manifests:
                    data = registry.manifests[(name, reference)]
                    return self._send(200, data, MANIFEST, body, _digest(data))
                if kind == "blobs" and reference in registry.blobs:
                    data = registry.blobs[reference]
                    return self._send(200, data, "application/octet-stream", body, reference)
                error = {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]}
                self._send(404, json.dumps(error).encode(), "application/json", body)

            def _send(self, status, data, kind, body, digest=None):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Docker-Distribution-API-Version", "registry/2.0")
                if digest:
                    self.send_header("Docker-Content-Digest", digest)
                self.end_headers()
                if body:
                    self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.httpd.server_address[1]}"

    def add(self, repository: str, tag: str, saved: bytes) -> None:
        """Serve an image from `docker save` output (one image, legacy layout)."""
        with tarfile.open(fileobj=io.BytesIO(saved)) as archive:
            [entry] = json.load(archive.extractfile("manifest.json"))
            config = archive.extractfile(entry["Config"]).read()
            layers = [
                gzip.compress(archive.extractfile(p).read(), mtime=0) for p in entry["Layers"]
            ]
        self.blobs[_digest(config)] = config
        descriptors = []
        for layer in layers:
            self.blobs[_digest(layer)] = layer
            descriptors.append(
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": len(layer),
                    "digest": _digest(layer),
                }
            )
        manifest = {
            "schemaVersion": 2,
            "mediaType": MANIFEST,
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": len(config),
                "digest": _digest(config),
            },
            "layers": descriptors,
        }
        data = json.dumps(manifest).encode()
        self.manifests[(repository, tag)] = self.manifests[(repository, _digest(data))] = data

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

"""A local container registry for tests: the Docker Registry HTTP API v2, serving images saved
with `docker save` or put together from layer files, with scripted faults, a rate limit that
answers 429 with Retry-After for a while, a bandwidth limit, and anonymous bearer tokens as
Docker Hub issues them. The engine pulls from 127.0.0.1 over plain HTTP, as it allows for
loopback addresses."""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import json
import tarfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
CHUNK = 64 * 1024


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@functools.cache
def file_digest(path: Path) -> str:
    """The digest of a layer file (files here are named by content, so never change)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


class FakeRegistry:
    """Serves `repository:tag` -> an image. `faults[path_part]` is a list of HTTP statuses
    answered, in turn, to requests whose path contains `path_part`."""

    def __init__(self, token_auth: bool = False) -> None:
        self.manifests: dict[tuple[str, str], bytes] = {}
        self.blobs: dict[str, bytes | Path] = {}
        self.requests: list[str] = []
        self.faults: dict[str, list[int]] = {}
        self.limit_s = 0.0  # manifest requests are refused (429) this long from the first
        self.limited_until: float | None = None
        self.retry_after: int | None = 1
        self.refusals = 0
        self.bytes_per_s: float | None = None  # blob bandwidth, for every request at once
        self.served = 0  # blob bytes sent
        self.token_auth = token_auth
        self._lock = threading.Lock()
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
                if self.path.startswith("/token"):
                    return self._send(200, b'{"token": "t0k3n"}', "application/json", body)
                if registry.token_auth and self.headers.get("Authorization") != "Bearer t0k3n":
                    return self._challenge(body)
                for part, statuses in registry.faults.items():
                    if part in self.path and statuses:
                        return self._send(statuses.pop(0), b"{}", "application/json", body)
                if "/manifests/" in self.path and registry.limited():
                    registry.refusals += 1
                    error = {"errors": [{"code": "TOOMANYREQUESTS", "message": "slow down"}]}
                    headers = {}
                    if registry.retry_after is not None:
                        headers["Retry-After"] = str(registry.retry_after)
                    data = json.dumps(error).encode()
                    return self._send(429, data, "application/json", body, headers=headers)
                if self.path == "/v2/":
                    return self._send(200, b"{}", "application/json", body)
                parts = self.path[len("/v2/") :].rsplit("/", 2)
                name, kind, reference = parts if len(parts) == 3 else ("", "", "")
                if kind == "manifests" and (name, reference) in registry.manifests:
                    data = registry.manifests[(name, reference)]
                    return self._send(200, data, MANIFEST, body, _digest(data))
                if kind == "blobs" and reference in registry.blobs:
                    return self._blob(registry.blobs[reference], reference, body)
                error = {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]}
                self._send(404, json.dumps(error).encode(), "application/json", body)

            def _challenge(self, body: bool) -> None:
                realm = f"http://{registry.host}/token"
                challenge = f'Bearer realm="{realm}",service="fake",scope="repository:x:pull"'
                error = b'{"errors": [{"code": "UNAUTHORIZED", "message": "token"}]}'
                headers = {"WWW-Authenticate": challenge}
                self._send(401, error, "application/json", body, headers=headers)

            def _blob(self, blob: bytes | Path, digest: str, body: bool) -> None:
                size = len(blob) if isinstance(blob, bytes) else blob.stat().st_size
                self._head(200, size, "application/octet-stream", digest)
                if not body:
                    return
                handle = io.BytesIO(blob) if isinstance(blob, bytes) else blob.open("rb")
                with handle:
                    while chunk := handle.read(CHUNK):
                        registry.throttle(len(chunk))
                        self.wfile.write(chunk)

            def _head(self, status, size, kind, digest=None, headers=None):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(size))
                self.send_header("Docker-Distribution-API-Version", "registry/2.0")
                if digest:
                    self.send_header("Docker-Content-Digest", digest)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()

            def _send(self, status, data, kind, body, digest=None, headers=None):
                self._head(status, len(data), kind, digest, headers)
                if body:
                    self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self._next_send = time.monotonic()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.httpd.server_address[1]}"

    def throttle(self, size: int) -> None:
        """Hold a blob chunk back so that all blobs together go at `bytes_per_s`."""
        with self._lock:
            self.served += size
            if not self.bytes_per_s:
                return
            now = time.monotonic()
            start = max(now, self._next_send)
            self._next_send = start + size / self.bytes_per_s
        if start > now:
            time.sleep(start - now)

    def rate_limit(self, seconds: float, retry_after: int | None = 1) -> None:
        """Refuse manifest requests with 429 (and Retry-After, unless None) for `seconds`
        from the next one on."""
        self.limit_s, self.limited_until, self.retry_after = seconds, None, retry_after

    def limited(self) -> bool:
        with self._lock:
            if self.limited_until is None and self.limit_s:
                self.limited_until = time.monotonic() + self.limit_s
            return self.limited_until is not None and time.monotonic() < self.limited_until

    def add(self, repository: str, tag: str, saved: bytes) -> None:
        """Serve an image from `docker save` output (one image, legacy layout)."""
        with tarfile.open(fileobj=io.BytesIO(saved)) as archive:
            [entry] = json.load(archive.extractfile("manifest.json"))
            config = archive.extractfile(entry["Config"]).read()
            layers = [
                gzip.compress(archive.extractfile(p).read(), mtime=0) for p in entry["Layers"]
            ]
        self.add_image(repository, tag, config, layers)

    def add_image(self, repository: str, tag: str, config: bytes, layers: list[bytes | Path]):
        """Serve an image of this config and these layer blobs (a file is served from disk,
        as it is: an uncompressed tar is a valid blob, whose digest is its diff id)."""
        self.blobs[_digest(config)] = config
        descriptors = []
        for layer in layers:
            if isinstance(layer, Path):
                digest, size = file_digest(layer), layer.stat().st_size
            else:
                digest, size = _digest(layer), len(layer)
            self.blobs[digest] = layer
            descriptors.append({"mediaType": LAYER, "size": size, "digest": digest})
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

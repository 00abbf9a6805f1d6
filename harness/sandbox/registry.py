"""Reading a registry directly, beside the engine that pulls from it: the layers of an image
and their sizes before it is pulled, and how long a registry that refuses pulls (HTTP 429)
asks to wait.

These reads only inform the disk budget and the waits for a rate limit, so a read that fails
answers "unknown" (None), never an error. They go where the engine's pulls go: Docker Hub's
images to the engine's mirror when it has one, registries the engine takes over plain HTTP
(loopback addresses, `insecure-registries`) over HTTP.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from docker.auth import resolve_repository_name
from docker.utils import parse_repository_tag

from harness.models.retry import retry_after_s

DOCKER_HUB = "docker.io"
HUB_ENDPOINT = "https://registry-1.docker.io"
MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
ACCEPT = ", ".join([MANIFEST, MANIFEST_LIST, OCI_MANIFEST, OCI_INDEX])
TIMEOUT_S = 10.0
# An X-RateLimit-Reset this large is a Unix time, not a number of seconds.
EPOCH_THRESHOLD = 10**9
ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm"}
CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Reference:
    """An image name split as the engine splits it: Docker Hub is `docker.io`, and its
    one-part names live under `library/`."""

    registry: str
    repository: str
    tag: str  # a tag, or a digest (sha256:...)

    @classmethod
    def parse(cls, name: str) -> Reference:
        repository, tag = parse_repository_tag(name)
        registry, remote = resolve_repository_name(repository)
        if registry == DOCKER_HUB and "/" not in remote:
            remote = f"library/{remote}"
        return cls(registry, remote, tag or "latest")

    @property
    def manifest_path(self) -> str:
        return f"/v2/{self.repository}/manifests/{self.tag}"


@dataclass(frozen=True)
class Layer:
    """One layer of an image in a registry: what is downloaded (its blob and size, usually
    compressed) and what the engine names it once unpacked (its diff id)."""

    digest: str
    size: int
    diff_id: str


@dataclass(frozen=True)
class Registries:
    """Where the engine pulls from, read from its `info()`: its mirrors of Docker Hub and the
    registries it reaches over plain HTTP."""

    mirrors: tuple[str, ...] = ()
    insecure_hosts: frozenset[str] = frozenset()
    insecure_networks: tuple[str, ...] = ("127.0.0.0/8",)
    platform: tuple[str, str] = ("linux", "amd64")
    timeout_s: float = TIMEOUT_S
    _tokens: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _layers: dict[str, list[Layer] | None] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of_engine(cls, info: Mapping[str, Any]) -> Registries:
        config = info.get("RegistryConfig") or {}
        insecure = {
            name
            for name, index in (config.get("IndexConfigs") or {}).items()
            if index and not index.get("Secure", True)
        }
        architecture = str(info.get("Architecture") or "x86_64")
        return cls(
            mirrors=tuple(str(m).rstrip("/") for m in config.get("Mirrors") or ()),
            insecure_hosts=frozenset(insecure),
            insecure_networks=tuple(config.get("InsecureRegistryCIDRs") or ("127.0.0.0/8",)),
            platform=(
                str(info.get("OSType") or "linux"),
                ARCHITECTURES.get(architecture, architecture),
            ),
        )

    def endpoint(self, registry: str) -> str:
        """The base URL the engine pulls a registry's images from."""
        if registry == DOCKER_HUB:
            return self.mirrors[0] if self.mirrors else HUB_ENDPOINT
        scheme = "http" if self._insecure(registry) else "https"
        return f"{scheme}://{registry}"

    def counts_reads(self, registry: str) -> bool:
        """Docker Hub counts every manifest read against its pull limit, so sizes are not
        read from it (a mirror of it counts nothing)."""
        return registry == DOCKER_HUB and not self.mirrors

    def _insecure(self, registry: str) -> bool:
        if registry in self.insecure_hosts:
            return True
        host = registry.rsplit(":", 1)[0] if registry.count(":") == 1 else registry
        try:
            address = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return host == "localhost"
        return any(address in ipaddress.ip_network(net) for net in self.insecure_networks)

    def layers(self, name: str) -> list[Layer] | None:
        """The layers of an image for the engine's platform, read once; None when the
        registry cannot be read (or is Docker Hub, whose reads count as pulls)."""
        if name not in self._layers:
            self._layers[name] = self._read_layers(name)
        return self._layers[name]

    def _read_layers(self, name: str) -> list[Layer] | None:
        reference = Reference.parse(name)
        if self.counts_reads(reference.registry):
            return None
        try:
            manifest = self._manifest(reference, reference.tag)
            if manifest.get("manifests"):  # a list: one manifest per platform
                manifest = self._manifest(reference, self._pick(manifest["manifests"]))
            config = json.loads(self._get(reference, f"blobs/{manifest['config']['digest']}"))
            diff_ids = config["rootfs"]["diff_ids"]
            blobs = manifest["layers"]
            if len(diff_ids) != len(blobs):
                return None
            return [
                Layer(str(blob["digest"]), int(blob["size"]), str(diff))
                for blob, diff in zip(blobs, diff_ids)
            ]
        except (requests.RequestException, ValueError, KeyError, TypeError):
            return None

    def rate_limit_wait_s(self, name: str) -> float | None:
        """How long the registry asks to wait before the next pull of `name`: read from the
        answer to a HEAD of its manifest (which Docker Hub does not count). None when it
        does not say, or does not refuse."""
        reference = Reference.parse(name)
        try:
            answer = self._request(reference, "HEAD", reference.manifest_path)
        except requests.RequestException:
            return None
        if answer.status_code != 429:
            return None
        return rate_limit_wait_s(answer.headers)

    def _pick(self, manifests: list[dict[str, Any]]) -> str:
        system, architecture = self.platform
        for entry in manifests:
            platform = entry.get("platform") or {}
            if platform.get("os") == system and platform.get("architecture") == architecture:
                return str(entry["digest"])
        raise ValueError(f"no manifest for {system}/{architecture}")

    def _manifest(self, reference: Reference, tag: str) -> dict[str, Any]:
        path = f"/v2/{reference.repository}/manifests/{tag}"
        answer = self._request(reference, "GET", path)
        answer.raise_for_status()
        manifest: dict[str, Any] = answer.json()
        return manifest

    def _get(self, reference: Reference, tail: str) -> bytes:
        answer = self._request(reference, "GET", f"/v2/{reference.repository}/{tail}")
        answer.raise_for_status()
        return answer.content

    def _request(self, reference: Reference, method: str, path: str) -> requests.Response:
        """One request, with an anonymous bearer token when the registry asks for one."""
        base = self.endpoint(reference.registry)
        headers = {"Accept": ACCEPT}
        key = f"{base}|{reference.repository}"
        if token := self._tokens.get(key):
            headers["Authorization"] = f"Bearer {token}"
        answer = requests.request(method, base + path, headers=headers, timeout=self.timeout_s)
        challenge = answer.headers.get("WWW-Authenticate", "")
        if answer.status_code == 401 and challenge.lower().startswith("bearer "):
            token = self._token(challenge)
            if token:
                self._tokens[key] = token
                headers["Authorization"] = f"Bearer {token}"
                answer = requests.request(
                    method, base + path, headers=headers, timeout=self.timeout_s
                )
        return answer

    def _token(self, challenge: str) -> str | None:
        params = dict(CHALLENGE_PARAM.findall(challenge))
        realm = params.pop("realm", "")
        if not realm:
            return None
        answer = requests.get(realm, params=params, timeout=self.timeout_s)
        if answer.status_code != 200:
            return None
        body = answer.json()
        token = body.get("token") or body.get("access_token")
        return str(token) if token else None


def rate_limit_wait_s(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """The wait a refusing registry asks for: Retry-After (seconds or an HTTP date), else a
    rate-limit reset (RateLimit-Reset in seconds; X-RateLimit-Reset in seconds or as a Unix
    time). None when it names none."""
    lowered = {name.lower(): value for name, value in headers.items()}
    asked = retry_after_s(lowered, now)
    if asked is not None:
        return asked
    for name in ("ratelimit-reset", "x-ratelimit-reset"):
        value = lowered.get(name)
        if value is None:
            continue
        try:
            seconds = float(value.split(";")[0])
        except ValueError:
            continue
        if seconds > EPOCH_THRESHOLD:
            seconds -= (now or datetime.now(UTC)).timestamp()
        return max(0.0, seconds)
    return None

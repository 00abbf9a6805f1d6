"""Reading a registry beside the engine (a real HTTP registry, run here): image names as the
engine splits them, where each registry is reached, layer sizes from manifests behind a
bearer token, and the waits a refusing registry asks for."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from harness.sandbox.registry import HUB_ENDPOINT, Reference, Registries, rate_limit_wait_s

from .fake_registry import FakeRegistry


@pytest.mark.parametrize(
    "name, parsed",
    [
        ("python", ("docker.io", "library/python", "latest")),
        (
            "swebench/sweb.eval.x86_64.a_1776_b-1:latest",
            ("docker.io", "swebench/sweb.eval.x86_64.a_1776_b-1", "latest"),
        ),  # noqa: E501
        ("127.0.0.1:5000/team/tiny:v1", ("127.0.0.1:5000", "team/tiny", "v1")),
        (
            "registry.example.com/ns/img@sha256:abc",
            ("registry.example.com", "ns/img", "sha256:abc"),
        ),  # noqa: E501
    ],
)
def test_names_are_split_as_the_engine_splits_them(name, parsed):
    assert Reference.parse(name) == Reference(*parsed)


def test_each_registry_is_reached_where_the_engine_pulls_from():
    info = {
        "RegistryConfig": {
            "Mirrors": ["https://mirror.example.com/"],
            "InsecureRegistryCIDRs": ["127.0.0.0/8", "10.0.0.0/8"],
            "IndexConfigs": {"plain.example.com:5000": {"Secure": False}},
        },
        "Architecture": "aarch64",
        "OSType": "linux",
    }
    engine = Registries.of_engine(info)
    assert engine.endpoint("docker.io") == "https://mirror.example.com"
    assert not engine.counts_reads("docker.io")  # a mirror counts no pulls
    assert engine.endpoint("127.0.0.1:5000") == "http://127.0.0.1:5000"
    assert engine.endpoint("10.1.2.3:5000") == "http://10.1.2.3:5000"
    assert engine.endpoint("plain.example.com:5000") == "http://plain.example.com:5000"
    assert engine.endpoint("registry.example.com") == "https://registry.example.com"
    assert engine.platform == ("linux", "arm64")
    bare = Registries.of_engine({})
    assert bare.endpoint("docker.io") == HUB_ENDPOINT and bare.counts_reads("docker.io")
    assert bare.layers("swebench/anything:latest") is None  # never read: it counts as a pull


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _image(registry: FakeRegistry, repository: str, tag: str, layers: list[bytes]) -> None:
    config = {"rootfs": {"type": "layers", "diff_ids": [_digest(b) for b in layers]}}
    registry.add_image(repository, tag, json.dumps(config).encode(), layers)


def test_layer_sizes_come_from_the_manifest_behind_an_anonymous_token():
    with FakeRegistry(token_auth=True) as registry:
        _image(registry, "team/app", "v1", [b"a" * 300, b"b" * 50])
        engine = Registries()
        layers = engine.layers(f"{registry.host}/team/app:v1")
        assert [(layer.size, layer.diff_id) for layer in layers] == [
            (300, _digest(b"a" * 300)),
            (50, _digest(b"b" * 50)),
        ]
        assert sum(r.startswith("GET /token") for r in registry.requests) == 1
        assert engine.layers(f"{registry.host}/team/nothing:v1") is None
        assert engine.layers("127.0.0.1:1/team/app:v1") is None  # nobody there: unknown


def test_a_list_of_manifests_is_read_for_the_engine_s_platform():
    with FakeRegistry() as registry:
        _image(registry, "team/app", "amd", [b"x" * 70])
        _image(registry, "team/app", "arm", [b"y" * 90])
        amd, arm = (_digest(registry.manifests[("team/app", t)]) for t in ("amd", "arm"))
        index = {
            "schemaVersion": 2,
            "manifests": [
                {"digest": arm, "platform": {"os": "linux", "architecture": "arm64"}},
                {"digest": amd, "platform": {"os": "linux", "architecture": "amd64"}},
            ],
        }
        registry.manifests[("team/app", "multi")] = json.dumps(index).encode()
        name = f"{registry.host}/team/app:multi"
        assert [layer.size for layer in Registries().layers(name)] == [70]
        arm64 = Registries(platform=("linux", "arm64"))
        assert [layer.size for layer in arm64.layers(name)] == [90]


def test_a_refusing_registry_s_wait_is_read_with_a_head_request():
    with FakeRegistry(token_auth=True) as registry:
        _image(registry, "team/app", "v1", [b"a"])
        name = f"{registry.host}/team/app:v1"
        assert Registries().rate_limit_wait_s(name) is None  # not refusing
        registry.rate_limit(60, retry_after=7)
        assert Registries().rate_limit_wait_s(name) == 7.0
        assert any(r.startswith("HEAD /v2/team/app/manifests/v1") for r in registry.requests)
        registry.rate_limit(60, retry_after=None)
        assert Registries().rate_limit_wait_s(name) is None  # refuses without saying how long


NOW = datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "headers, wait",
    [
        ({"Retry-After": "30"}, 30.0),
        ({"Retry-After": "Wed, 01 Jul 2026 12:01:00 GMT"}, 60.0),
        ({"RateLimit-Reset": "45"}, 45.0),
        ({"X-RateLimit-Reset": str(int(NOW.timestamp()) + 90)}, 90.0),
        ({"ratelimit-remaining": "0;w=21600"}, None),  # Docker Hub's: no time given
        ({}, None),
    ],
)
def test_the_wait_a_registry_asks_for(headers, wait):
    assert rate_limit_wait_s(headers, NOW) == wait

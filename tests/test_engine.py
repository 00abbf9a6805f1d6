import pytest

from harness import HarnessError
from harness.sandbox.engine import connect, debian_mirror_and_suite, ensure_engine


def etc_with(tmp_path, sources=None, legacy=None, codename="trixie"):
    (tmp_path / "apt" / "sources.list.d").mkdir(parents=True)
    (tmp_path / "os-release").write_text(f'NAME="Debian"\nVERSION_CODENAME={codename}\n')
    if sources:
        (tmp_path / "apt" / "sources.list.d" / "debian.sources").write_text(sources)
    if legacy:
        (tmp_path / "apt" / "sources.list").write_text(legacy)
    return tmp_path


def test_mirror_from_deb822_sources_skips_security(tmp_path):
    etc = etc_with(
        tmp_path,
        sources=(
            "Types: deb\nURIs: http://security.example/debian-security\nSuites: trixie-security\n\n"
            "Types: deb\nURIs: http://mirror.example/debian\nSuites: trixie trixie-updates\n"
        ),
    )
    assert debian_mirror_and_suite(etc) == ("http://mirror.example/debian", "trixie")


def test_mirror_from_legacy_sources_list(tmp_path):
    etc = etc_with(
        tmp_path,
        legacy="# comment\ndeb http://old.example/debian bookworm main\n",
        codename="bookworm",
    )
    assert debian_mirror_and_suite(etc) == ("http://old.example/debian", "bookworm")


def test_no_mirror_says_what_to_do(tmp_path):
    with pytest.raises(HarnessError, match="HARNESS_BASE_IMAGE"):
        debian_mirror_and_suite(etc_with(tmp_path))


def test_no_engine_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no.sock")
    with pytest.raises(HarnessError) as caught:
        connect()
    message = str(caught.value)
    assert "no Docker engine answers at unix://" in message
    assert "python -m harness setup" in message and "\n" not in message
    # with DOCKER_HOST pointing elsewhere, set-up must not start a local daemon
    with pytest.raises(HarnessError, match="point DOCKER_HOST at a running engine"):
        ensure_engine(log=lambda _: None, wait_seconds=1)

#!/usr/bin/env bash
# Sets up everything the harness needs on this machine, and is quick when it is all there:
# a Python virtual environment (.venv) with the harness, its test tools and Ray, a running Docker
# engine, and the sandbox base image. As root on Debian it installs what is missing.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v git >/dev/null || missing+=(git)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv python3-pip)
# The HTML report's tests drive a real headless browser: Debian's chromium and its driver.
browser=()
command -v chromium >/dev/null || browser+=(chromium)
command -v chromedriver >/dev/null || browser+=(chromium-driver)
if ((${#browser[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        missing+=("${browser[@]}")
    else
        echo "setup: the browser tests need ${browser[*]} (Debian packages); install them to run those" >&2
    fi
fi
if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        echo "setup: installing ${missing[*]} ..." >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "setup: please install ${missing[*]} (and Python >= 3.11), then run this again" >&2
        exit 1
    fi
fi

[[ -x .venv/bin/python ]] || python3 -m venv .venv
# Reinstall only when the project's requirements changed.
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [[ ! -e $stamp ]]; then
    echo "setup: installing the harness into .venv ..." >&2
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,ray]'
    rm -f .venv/.installed-* && touch "$stamp"
fi

.venv/bin/python -m harness setup

# The sandbox image every task image builds on. With a registry, the default base is an ordinary
# python image; without one, `python -m harness setup` builds a Debian base locally and passes it
# here as BASE_IMAGE.
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

# git and patch apply edits and take diffs; pytest runs the tests. Install only what is missing,
# so that a base which already has them needs no network.
RUN set -e; missing=""; \
    command -v git >/dev/null || missing="$missing git"; \
    command -v patch >/dev/null || missing="$missing patch"; \
    command -v pkill >/dev/null || missing="$missing procps"; \
    if [ -n "$missing" ]; then \
        apt-get update && apt-get install -y --no-install-recommends $missing \
        && rm -rf /var/lib/apt/lists/*; \
    fi; \
    python3 -c "import pytest" 2>/dev/null || python3 -m pip install --no-cache-dir "pytest>=7"; \
    command -v python >/dev/null || ln -s "$(command -v python3)" /usr/local/bin/python

# Model-written code runs as an unprivileged user.
RUN useradd --create-home --uid 1000 agent \
    && mkdir -p /testbed && chown agent:agent /testbed \
    && printf '__pycache__/\n*.pyc\n.pytest_cache/\n' > /etc/gitignore-harness \
    && git config --system core.excludesFile /etc/gitignore-harness \
    && git config --system init.defaultBranch main \
    && git config --system advice.detachedHead false

# Debian's Python refuses pip installs outside a venv (PEP 668); a sandbox is disposable.
ENV PYTHONDONTWRITEBYTECODE=1 PIP_BREAK_SYSTEM_PACKAGES=1
WORKDIR /testbed
USER agent

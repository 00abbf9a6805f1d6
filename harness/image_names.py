"""Docker image references: whether a name the user gives (a base image, a registry namespace)
is one the engine would take, found before any work rather than in every task's row.

The grammar is the one Docker's own `distribution/reference` package parses, through
`docker-image-py`, which follows it."""

from __future__ import annotations

# A repository and tag to complete a namespace with, so that the namespace is checked as part
# of the image names it will make.
_PROBE_NAME = "sweb.eval.x86_64.probe:latest"


def reference_problem(text: str) -> str | None:
    """Why `text` is not an image reference (name, optional tag and digest), or None."""
    from docker_image.reference import InvalidReference, Reference

    try:
        Reference.parse_normalized_named(text)
    except InvalidReference as exc:
        return f"is not an image reference ({exc})"
    return None


def namespace_problem(namespace: str) -> str | None:
    """Why `namespace` (a registry and path that image names go under, e.g.
    registry.example.com/swebench) cannot prefix an image name, or None. The empty namespace
    names images built locally."""
    if not namespace:
        return None
    if reference_problem(f"{namespace.rstrip('/')}/{_PROBE_NAME}"):
        return "is not a registry namespace (such as registry.example.com/swebench)"
    return None

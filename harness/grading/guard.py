"""Keeping the model's patch away from how tests are run and reported.

A patch that adds a `conftest.py` forcing every report to "passed" would otherwise be graded
resolved. Grading lists the repository's files before and after it applies a patch, and puts
back every change to a runner file (runner_config.py) before the tests run; the verdict says so
(`suspicious`). What changed is read from the files themselves, not from the patch's text, so a
diff that one tool reads differently from another (git apply, GNU patch), a binary diff or a
rename hides nothing.

A `conftest.py` or `__init__.py` the patch adds in a folder of its own (next to the model's own
new tests) only serves those tests: it is removed without marking the row.

A patch that writes inside `.git` is not graded at all (the row is unresolved and suspicious):
git would run the hooks it planted, or read the configuration it changed, while the eval script
runs, after this check. So is one that leaves a file name that is not UTF-8 or holds a line
break, which could not be put back reliably.
"""

from __future__ import annotations

import posixpath
import secrets
import shlex
from dataclasses import dataclass, field

from harness import InfrastructureError
from harness.grading.runner_config import RunnerFiles, config_changed, may_be_own
from harness.sandbox import Sandbox

# Every file and link of the working tree (git's objects aside) with what a write changes: type,
# mode, size, status-change time. Sorted, so that `comm` can tell the two listings apart.
LISTING = (
    r"find . -path ./.git/objects -prune -o ! -type d -printf '%y %m %s %C@ %P\0'"
    " | LC_ALL=C sort -z"
)
# git's own index may change when a patch is applied with --3way
GIT_WRITES_ALLOWED = frozenset({".git/index"})


@dataclass(frozen=True)
class Protection:
    """What the guard did about one applied patch."""

    put_back: list[str] = field(default_factory=list)  # runner files it restored
    refused: str = ""  # why the patch is not graded at all, or ""

    @property
    def suspicious(self) -> str:
        if self.refused:
            return self.refused
        if not self.put_back:
            return ""
        return (
            "the patch changed how tests are run or reported ("
            + ", ".join(self.put_back)
            + "); those changes were put back before grading"
        )


class Guard:
    """Finds and puts back the runner changes of one patch in a sandbox: `before()` ahead of
    applying it, `protect()` after."""

    def __init__(self, sandbox: Sandbox, files: RunnerFiles | None = None):
        self.sandbox = sandbox
        self.files = files or RunnerFiles()
        self.folder = f"/tmp/harness-{secrets.token_hex(8)}"
        self.tree = ""

    def _run(self, command: str, what: str, stdin: str | None = None) -> str:
        result = self.sandbox.run(command, 300, stdin=stdin)
        if result.exit_code != 0:
            raise InfrastructureError(f"{what} failed: {result.output.strip()[-200:]}")
        return result.output

    def _list(self, name: str) -> None:
        self._run(
            f"mkdir -p {self.folder} && {LISTING} > {self.folder}/{name}",
            "listing the repository's files",
        )

    def before(self) -> None:
        """Note the working tree as it is before the patch."""
        self.tree = self.sandbox.snapshot()
        self._list("before")

    def changed(self) -> list[bytes]:
        """Paths (as bytes) that the patch added, removed or changed."""
        self._list("after")
        f = self.folder
        self._run(
            f"LC_ALL=C comm -z -3 {f}/before {f}/after > {f}/changed", "comparing the listings"
        )
        entries = self.sandbox.read_file(f"{f}/changed").split(b"\0")
        return sorted({entry.lstrip(b"\t").split(b" ", 4)[4] for entry in entries if entry})

    def _in_tree(self, paths: list[str], kind: str = "blob") -> set[str]:
        """Those of `paths` the tree before the patch holds as files ("blob") or folders."""
        if not paths:
            return set()
        quoted = " ".join(shlex.quote(p) for p in paths)
        found = self._run(
            f'for p in {quoted}; do t=$(git cat-file -t "{self.tree}:$p" 2>/dev/null)'
            f' && [ "$t" = {kind} ] && printf "%s\\0" "$p"; done; true',
            "reading the tree",
        )
        return set(found.split("\0")) - {""}

    def _text_before(self, path: str, existed: bool) -> str:
        if not existed:
            return ""
        return self._run(f"git cat-file blob {self.tree}:{shlex.quote(path)}", "reading a file")

    def _text_now(self, path: str) -> str:
        return self.sandbox.run(f"cat -- {shlex.quote(path)} 2>/dev/null", 60).output

    def protect(self) -> Protection:
        """Put back every runner change the patch made, or say why it is not graded."""
        raw = self.changed()
        unreadable = [p for p in raw if not _readable(p)]
        if unreadable:
            return Protection(
                refused="the patch leaves file names that are not UTF-8 or hold a line break "
                f"({len(unreadable)} of them); it is not graded"
            )
        paths = [p.decode() for p in raw]
        git = [p for p in paths if p.startswith(".git/") and p not in GIT_WRITES_ALLOWED]
        if git:
            return Protection(
                refused="the patch writes inside the repository's .git folder ("
                + ", ".join(git[:5])
                + "), where git would run it or read it during grading; it is not graded"
            )
        kinds = {p: self.files.kind(p) for p in paths if not p.startswith(".git/")}
        candidates = [p for p, kind in kinds.items() if kind != "code"]
        existed = self._in_tree(candidates)
        folders = self._in_tree(sorted({posixpath.dirname(p) for p in candidates} - {""}), "tree")
        put_back, own = [], []
        for path in candidates:
            name = posixpath.basename(path)
            if kinds[path] == "sections" and not config_changed(
                name, self._text_before(path, path in existed), self._text_now(path)
            ):
                continue
            own_folder = posixpath.dirname(path) and posixpath.dirname(path) not in folders
            if may_be_own(path) and path not in existed and own_folder:
                own.append(path)
            else:
                put_back.append(path)
        self._restore(put_back + own, existed)
        self.sandbox.run(f"rm -rf {self.folder}", 60)
        return Protection(put_back=put_back)

    def _restore(self, paths: list[str], existed: set[str]) -> None:
        """Each path as the tree before the patch had it, or gone if it had none."""
        back = [p for p in paths if p in existed]
        gone = [p for p in paths if p not in existed]
        index = f"GIT_INDEX_FILE={self.folder}/index"
        if back:
            self._run(
                f"{index} git read-tree {self.tree} && {index} git checkout-index -f --stdin",
                "putting files back",
                stdin="".join(p + "\n" for p in back),
            )
        if gone:
            lines = "".join(p + "\n" for p in gone)
            self._run("xargs -r -d '\\n' rm -f --", "removing files", stdin=lines)


def _readable(path: bytes) -> bool:
    try:
        return b"\n" not in path and bool(path.decode())
    except UnicodeDecodeError:
        return False

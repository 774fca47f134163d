"""Files a folder asks not to index: ``.assistantignore`` in gitignore syntax (e.g. the gold set in ``corpus/eval/``)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

IGNORE_FILE = ".assistantignore"


def ignore_rule(root: Path) -> Callable[[Path], bool]:
    """Whether a file under ``root`` is excluded by ``root/.assistantignore``.

    The file uses gitignore patterns (``eval/``, ``*.jsonl``, ``!keep.jsonl``), matched
    against paths relative to ``root`` by ``pathspec``. Without the file nothing is excluded.
    Ignored files are left out silently: they are not documents, so they are not "skipped".
    """
    path = root / IGNORE_FILE
    if not path.is_file():
        return lambda _: False
    import pathspec

    spec = pathspec.GitIgnoreSpec.from_lines(path.read_text(encoding="utf-8", errors="replace").splitlines())
    return lambda file: spec.match_file(file.relative_to(root).as_posix())

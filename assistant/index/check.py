"""Consistency check: the manifest, Chroma (read back by ``get`` and found by ``query``) and BM25 must list the same passages."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from assistant.index import Index
from assistant.index.lexical import LexicalIndex


@dataclass
class CheckReport:
    """What :func:`check` found; each list holds passage ids."""

    passages: int = 0
    duplicates: list[str] = field(default_factory=list)
    """Ids stored more than once (in the manifest, Chroma or BM25)."""
    missing_vectors: list[str] = field(default_factory=list)
    """Listed in the manifest, absent from Chroma."""
    orphan_vectors: list[str] = field(default_factory=list)
    """In Chroma, listed by no manifest row."""
    unsearchable: list[str] = field(default_factory=list)
    """Stored in Chroma but never returned by a nearest-neighbour query."""
    bm25_problem: str | None = None
    """Why the saved BM25 index does not match the manifest (``None``: it does)."""
    repaired: bool = False

    @property
    def ok(self) -> bool:
        """True when everything agrees."""
        return not (self.duplicates or self.missing_vectors or self.orphan_vectors or self.unsearchable or self.bm25_problem)

    def lines(self) -> list[str]:
        """One line per kind of problem (empty when ok)."""
        out = []
        for name, ids in (
            ("duplicate ids", self.duplicates), ("passages without a vector", self.missing_vectors),
            ("vectors no manifest lists", self.orphan_vectors), ("vectors dense search cannot find", self.unsearchable),
        ):
            if ids:
                out.append(f"{len(ids)} {name} (e.g. {', '.join(ids[:3])})")
        if self.bm25_problem:
            out.append(f"BM25 index: {self.bm25_problem}")
        return out

    def to_json(self) -> dict:
        """For ``assistant check --json``."""
        return {
            "ok": self.ok, "passages": self.passages, "repaired": self.repaired, "duplicates": self.duplicates,
            "missing_vectors": self.missing_vectors, "orphan_vectors": self.orphan_vectors,
            "unsearchable": self.unsearchable, "bm25": self.bm25_problem,
        }


def check(index: Index) -> CheckReport:
    """Compare the three stores as lists (so a duplicate shows) and report every difference.

    Chroma is read twice: ``get`` (its record table) and ``query`` asking for every vector at
    once (its vector index). A long-lived embedded client can hold vectors in the first that
    the second never returns; that is what dense search sees. The client is reopened first,
    so the check sees what other processes committed.
    """
    index.store.reopen()
    with index.manifest.snapshot():
        generation = index.manifest.generation
        manifest = index.manifest.chunk_id_list()
    stored = _all_stored(index)
    queryable = index.store.queryable_ids()
    saved = LexicalIndex(index.lexical.folder, index.settings.retrieval)
    report = CheckReport(passages=len(manifest))
    report.duplicates = sorted({i for ids in (manifest, stored, queryable) for i, n in Counter(ids).items() if n > 1})
    listed, have = set(manifest), set(stored)
    report.missing_vectors = sorted(listed - have)
    report.orphan_vectors = sorted(have - listed)
    report.unsearchable = sorted(have - set(queryable))
    if not saved.load():
        report.bm25_problem = "missing or unreadable" if manifest else None
    elif saved.generation != generation:
        report.bm25_problem = f"built for generation {saved.generation}, the manifest is at {generation}"
    elif sorted(saved.ids) != sorted(manifest):
        report.bm25_problem = "its passages differ from the manifest's"
    if not report.bm25_problem and len(saved.ids) != len(set(saved.ids)):
        report.duplicates = sorted(set(report.duplicates) | {i for i, n in Counter(saved.ids).items() if n > 1})
    return report


def repair(index: Index, embed: Callable[[list[str]], np.ndarray]) -> CheckReport:
    """Fix what :func:`check` finds, under the writer lock, then check again.

    Orphan vectors are deleted; passages without a vector, and vectors dense search cannot
    find, are embedded again from the manifest's text; BM25 is rebuilt.
    """
    with index.writing("check --repair"):
        found = check(index)
        if found.unsearchable:
            index.store.delete(found.unsearchable)
        index.reconcile(embed)
        index.refresh_lexical(force=True)
        index.store.reopen()
        after = check(index)
    after.repaired = not found.ok
    return after


def _all_stored(index: Index) -> list[str]:
    """Every id Chroma's record table holds, as a list (duplicates kept)."""
    collection = index.store.collection
    ids: list[str] = []
    total = collection.count()
    for offset in range(0, total, 5000):
        ids.extend(collection.get(include=[], limit=5000, offset=offset)["ids"])
    return ids

"""The lexical side: a bm25s index over the same passages as Chroma, rebuilt whenever the manifest changes.

BM25 has no cheap in-place update, so the index is derived data: it is rebuilt from the
manifest (the source of truth) after every ingest or removal and saved with the manifest
generation it reflects. On load a mismatched generation means stale, and it is rebuilt; the
two sides can therefore never disagree for long, even after a crash.

One index is one immutable :class:`Snapshot` (ids, BM25 matrix and generation together).
A rebuild makes a new snapshot and swaps it in with one assignment, so a search that started
on the old one finishes on the old one: it can never pair new ids with the old matrix. On
disk each snapshot has a folder of its own (``snap-<generation>-<uuid>``, written under a
temporary name, then renamed), and the file ``current`` names the live one, replaced
atomically; two processes rebuilding at once never write into the same folder.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from assistant.question import initialisms
from assistant.settings import RetrievalSettings

POINTER = "current"
KEEP_OLD_SECONDS = 60.0
"""Superseded snapshot folders younger than this are kept: another process may be loading one."""


@dataclass(frozen=True)
class Snapshot:
    """One generation of the BM25 index; never changed once built."""

    generation: int | str = -1
    """The manifest generation (embedded) or shared revision (server mode) it was built from."""
    ids: tuple[str, ...] = ()
    doc_names: tuple[str, ...] = ()
    doc_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    bm25: Any = None
    doc_freq: np.ndarray | None = None


class LexicalIndex:
    """BM25 over passage texts (with their heading trail), stemmed, English stop words removed."""

    def __init__(self, folder: Path, settings: RetrievalSettings | None = None) -> None:
        self.folder = folder
        self.settings = settings or RetrievalSettings()
        self.snapshot = Snapshot()
        self.swap_lock = threading.Lock()
        """Held while one thread loads or builds, so concurrent sessions do the work once."""

    # The live snapshot's fields, for callers that read one of them at a time.
    @property
    def generation(self) -> int | str:
        """Manifest generation of the live snapshot (-1: none)."""
        return self.snapshot.generation

    @property
    def ids(self) -> list[str]:
        """Passage ids of the live snapshot, in index order."""
        return list(self.snapshot.ids)

    def tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        """Lower-cased, stop-word-free, stemmed terms: ``bm25s.tokenize``'s analysis, which built the index.

        The same pattern, stop words and stemmer as ``bm25s.tokenize(texts, stopwords="english",
        stemmer=..., return_ids=False)``, term for term, without its per-call cost (three progress
        bars and a stop-word set per text: ~35 us a call against ~4 us, and the composer analyses
        several batches of sentences per question). A test holds the two equal.
        """
        import Stemmer

        find, stop_words = _analysis()
        # A stemmer of its own per call (0.2 us): PyStemmer objects are not safe to share between threads.
        stem = Stemmer.Stemmer("english").stemWords
        return [stem([w for w in find(text.lower()) if w not in stop_words]) for text in texts]

    def build(self, ids: list[str], doc_ids: list[str], texts: list[str], generation: int | str) -> Snapshot:
        """Index passages, save them as a new snapshot folder and make it the live one."""
        import bm25s
        import Stemmer

        s = self.settings
        doc_names = sorted(set(doc_ids))
        lookup = {d: i for i, d in enumerate(doc_names)}
        bm25 = None
        if ids:
            bm25 = bm25s.BM25(method=s.bm25_method, k1=s.bm25_k1, b=s.bm25_b)
            bm25.index(bm25s.tokenize(texts, stopwords="english", stemmer=Stemmer.Stemmer("english"), show_progress=False), show_progress=False)
        snap = _snapshot(generation, ids, doc_names, np.array([lookup[d] for d in doc_ids], dtype=np.int32), bm25)
        self._save(snap)
        self.snapshot = snap
        return snap

    def _save(self, snap: Snapshot) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=self.folder))
        try:
            if snap.bm25 is not None:
                snap.bm25.save(str(tmp), show_progress=False)
            np.save(tmp / "doc_index.npy", snap.doc_index)
            (tmp / "ids.json").write_text(json.dumps({"generation": snap.generation, "params": self._params(), "ids": list(snap.ids), "docs": list(snap.doc_names)}))
            name = f"snap-{snap.generation}-{uuid.uuid4().hex[:12]}"
            tmp.rename(self.folder / name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        pointer = self.folder / f".{POINTER}-{uuid.uuid4().hex[:12]}"
        pointer.write_text(name)
        os.replace(pointer, self.folder / POINTER)
        self._sweep(keep=name)

    def _sweep(self, keep: str) -> None:
        """Delete superseded snapshots and abandoned temp folders once nobody can still be reading them."""
        now = time.time()
        for entry in self.folder.iterdir():
            if entry.name == keep or entry.name == POINTER:
                continue
            try:
                if now - entry.stat().st_mtime > KEEP_OLD_SECONDS:
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            except OSError:  # another process swept it first
                pass

    def _params(self) -> dict:
        s = self.settings
        return {"method": s.bm25_method, "k1": s.bm25_k1, "b": s.bm25_b}

    def load(self) -> bool:
        """Make the saved snapshot the live one; ``False`` when there is none, it is unreadable, or other BM25 settings built it."""
        import bm25s

        try:
            folder = self.folder / (self.folder / POINTER).read_text().strip()
            info = json.loads((folder / "ids.json").read_text())
            if info.get("params") != self._params():  # built with other BM25 settings: stale
                return False
            ids = info["ids"]
            bm25 = bm25s.BM25.load(str(folder), mmap=False, load_corpus=False) if ids else None
            self.snapshot = _snapshot(info["generation"], ids, info["docs"], np.load(folder / "doc_index.npy"), bm25)
            return True
        except (OSError, ValueError, KeyError):
            return False

    def search(self, query: str, n: int, doc_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Top passages for a query.

        Args:
            query: Free text.
            n: How many to return.
            doc_ids: Restrict to these documents (``None`` = all).

        Returns:
            ``(id, BM25 score)`` best first; passages with no matching term are left out.
        """
        snap = self.snapshot  # one snapshot for the whole search, whatever a rebuild swaps in meanwhile
        if snap.bm25 is None or n <= 0:
            return []
        terms = self.tokenize([query])
        terms[0] += self.short_forms(query, terms[0])
        if not terms[0]:
            return []
        mask = None
        if doc_ids is not None:
            wanted = {d for d in doc_ids}
            allowed = np.array([name in wanted for name in snap.doc_names], dtype=bool)
            if not allowed.any():
                return []
            mask = allowed[snap.doc_index].astype(np.float32)
        scores = snap.bm25.get_scores(terms[0], weight_mask=mask)
        # The top n among the passages that match at all: a selection over every score, most of
        # them 0, degenerates on the ties (0.47 ms at 20k passages against 0.07 ms).
        hits = np.flatnonzero(scores > 0)
        if len(hits) > n:
            hits = hits[np.argpartition(scores[hits], -n)[-n:]]
        best = hits[np.lexsort((hits, -scores[hits]))]  # best first; ties in index order
        return [(snap.ids[int(i)], float(scores[i])) for i in best]

    def short_forms(self, query: str, terms: Sequence[str] = ()) -> list[str]:
        """The initials of names in ``query`` that the index holds as words, when ``terms`` lacks them.

        "Paperwork Reduction Act" finds the 18F cards' "No PRA implications": the cards write the short
        form, one card the long one. Initials the index does not hold ("Making It Work": "miw") add nothing.
        """
        snap = self.snapshot
        if snap.bm25 is None:
            return []
        vocab = snap.bm25.vocab_dict
        found = [t for short in initialisms(query) for t in self.tokenize([short])[0]]  # analysed as the index was: "IPS" is "ip"
        return list(dict.fromkeys(t for t in found if t in vocab and t not in terms))

    def idf(self, terms: Sequence[str]) -> dict[str, float]:
        """Inverse document frequency of analysed terms (0 for unseen ones); used to weigh sentences."""
        snap = self.snapshot
        if snap.bm25 is None:
            return {t: 0.0 for t in terms}
        vocab = snap.bm25.vocab_dict
        n = len(snap.ids)
        out: dict[str, float] = {}
        for term in terms:
            idx = vocab.get(term)
            freq = snap.doc_freq
            df = int(freq[idx]) if idx is not None and freq is not None and idx < len(freq) else 0
            out[term] = float(np.log(1 + (n - df + 0.5) / (df + 0.5))) if df else 0.0
        return out


@cache
def _analysis() -> tuple[Callable[[str], list[str]], frozenset[str]]:
    """``bm25s.tokenize``'s own word pattern (its default ``token_pattern``) and English stop words."""
    import bm25s
    from bm25s.stopwords import STOPWORDS_EN

    pattern = inspect.signature(bm25s.tokenize).parameters["token_pattern"].default
    return re.compile(pattern).findall, frozenset(STOPWORDS_EN)


def _snapshot(generation: int | str, ids: Sequence[str], doc_names: Sequence[str], doc_index: np.ndarray, bm25: Any) -> Snapshot:
    doc_freq = np.diff(bm25.scores["indptr"]) if bm25 is not None else None
    return Snapshot(generation, tuple(ids), tuple(doc_names), doc_index, bm25, doc_freq)

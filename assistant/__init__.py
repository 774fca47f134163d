"""Collaborative Innovation Assistant: cited, extractive answers over a curated corpus.

Build everything with :func:`build_pipeline`; the CLI and the Streamlit UI are thin doors onto it.
"""

from assistant.answer import Answer, Citation, ExtractiveComposer, VerificationError, verify
from assistant.chat import Conversation
from assistant.index import Index
from assistant.ingest import IngestReport
from assistant.pipeline import Pipeline, build_pipeline
from assistant.retrieve import Filters, HybridRetriever, HybridSearcher, Passage, SearchResult, rrf
from assistant.settings import Settings

__all__ = [
    "Answer",
    "Citation",
    "Conversation",
    "ExtractiveComposer",
    "Filters",
    "HybridRetriever",
    "HybridSearcher",
    "Index",
    "IngestReport",
    "Passage",
    "Pipeline",
    "SearchResult",
    "Settings",
    "VerificationError",
    "build_pipeline",
    "rrf",
    "verify",
]

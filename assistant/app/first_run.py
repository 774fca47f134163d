"""First launch: index the shipped corpus when nothing is indexed yet."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from assistant.ingest import IngestReport
from assistant.pipeline import Pipeline


def build_if_empty(pipeline: Pipeline, on_progress: Callable[[int, int, str], None] | None = None) -> IngestReport | None:
    """Index ``settings.corpus_dir`` when nothing is indexed yet.

    Args:
        pipeline: The pipeline to fill.
        on_progress: Receives ``(done, total, file name)`` while indexing.

    Returns:
        The ingest report, or ``None`` when the index already had documents or the corpus
        folder is missing or empty (then there is nothing to build from).
    """
    if pipeline.counts()[0] > 0:
        return None
    corpus = Path(pipeline.settings.corpus_dir)
    if not corpus.is_dir() or not any(p.is_file() for p in corpus.rglob("*")):
        return None
    return pipeline.ingest([corpus], progress=False, on_progress=on_progress)

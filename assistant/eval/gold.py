"""Evaluation on the gold question set (corpus/eval/questions.jsonl)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.chat import resolve
from assistant.eval.metrics import dedupe, mean, mrr_at, ndcg_at, precision_recall, recall_at

CUTOFFS = (1, 3, 5, 10)


class GoldRelevant(BaseModel):
    """A document (file stem) and optionally the section that answers a question."""

    doc: str
    section: str | None = None


class GoldQuestion(BaseModel):
    """One line of the gold set."""

    id: str
    question: str
    audience: str
    kind: str
    answerable: bool
    relevant: list[GoldRelevant] = Field(default_factory=list)
    follow_up_of: str | None = None


def load_gold(path: Path) -> list[GoldQuestion]:
    """Read and validate the gold set.

    Raises:
        ValueError: A line is not valid JSON or misses a field (the message names the line).
    """
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            questions.append(GoldQuestion.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValueError) as exc:
            raise ValueError(f"{path}:{n}: {str(exc).splitlines()[0]}") from None
    return questions


@dataclass
class GoldResult:
    """Per-question outcomes and aggregate metrics."""

    metrics: dict[str, float]
    rows: list[dict[str, Any]] = field(default_factory=list)


def evaluate_gold(pipeline: Any, questions: list[GoldQuestion], depth: int = 30) -> GoldResult:
    """Run every gold question through retrieval and answering.

    Retrieval is scored at document level: the ranked passages are collapsed to their
    documents (first occurrence) and compared with the relevant file stems. Follow-ups are
    resolved against the query of the question they follow, as the chat does.

    Args:
        pipeline: A :class:`assistant.pipeline.Pipeline` whose index holds the corpus.
        questions: The gold set.
        depth: Passages retrieved per question before collapsing to documents.
    """
    stem_of = {d.doc_id: Path(d.source).stem for d in pipeline.documents()}
    queries: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    for q in questions:
        query = resolve(q.question, queries.get(q.follow_up_of)) if q.follow_up_of else q.question
        queries[q.id] = query
        result = pipeline.search(query, k=depth)
        docs = dedupe([stem_of.get(p.doc_id, p.doc_id) for p in result.passages])
        relevant = {r.doc: 1 for r in q.relevant}
        sections = {(r.doc, r.section) for r in q.relevant if r.section}
        answer = pipeline.composer.compose(q.question, result)
        row: dict[str, Any] = {"id": q.id, "kind": q.kind, "answerable": q.answerable, "abstained": answer.abstained,
                               "confidence": result.best_dense, "query": query, "top_docs": docs[:5]}
        if q.answerable and relevant:
            for k in CUTOFFS:
                row[f"recall@{k}"] = recall_at(docs, relevant, k)
            row["mrr@10"] = mrr_at(docs, relevant, 10)
            row["ndcg@10"] = ndcg_at(docs, relevant, 10)
            top5 = [(stem_of.get(p.doc_id), p.section.split(" > ")[-1] if p.section else "") for p in result.passages[:5]]
            row["section@5"] = float(any(s in sections for s in top5)) if sections else None
            cited = {stem_of.get(c.doc_id) for c in answer.citations}
            row["answer_cites_relevant"] = float(bool(cited & set(relevant))) if not answer.abstained else 0.0
        supported = [_supported(pipeline, c) for c in answer.citations]
        row["sentences"] = len(supported)
        row["supported"] = sum(supported)
        rows.append(row)

    scored = [r for r in rows if "ndcg@10" in r]
    metrics = {f"recall@{k}": mean([r[f"recall@{k}"] for r in scored]) for k in CUTOFFS}
    metrics["mrr@10"] = mean([r["mrr@10"] for r in scored])
    metrics["ndcg@10"] = mean([r["ndcg@10"] for r in scored])
    with_sections = [r["section@5"] for r in scored if r["section@5"] is not None]
    metrics["section_hit@5"] = mean(with_sections)
    metrics["answer_cites_relevant"] = mean([r["answer_cites_relevant"] for r in scored])
    precision, recall = precision_recall([r["abstained"] for r in rows], [not r["answerable"] for r in rows])
    metrics["abstain_precision"] = precision
    metrics["abstain_recall"] = recall
    total = sum(r["sentences"] for r in rows)
    metrics["citation_support"] = sum(r["supported"] for r in rows) / total if total else 1.0
    metrics["questions"] = float(len(rows))
    return GoldResult(metrics, rows)


def _supported(pipeline: Any, citation: Any) -> bool:
    """Is the cited sentence really in the stored passage it points to (read back from the manifest)?"""
    stored = pipeline.index.manifest.chunks([citation.chunk_id]).get(citation.chunk_id)
    if stored is None:
        return False
    a, b = citation.span
    return stored.text[a:b] == citation.sentence

"""Evaluation on the gold question set (every ``corpus/eval/*.jsonl``): retrieval, answers, nuggets, abstention."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Sequence

from pydantic import BaseModel, Field, field_validator, model_validator

from assistant.chat import resolve
from assistant.eval import nuggets as nugget_match
from assistant.eval.metrics import dedupe, mean, mrr_at, ndcg_at, precision_recall, recall_at
from assistant.ingest.structure import strip_html

CUTOFFS = (1, 3, 5, 10)
KINDS = ("how-to", "definition", "comparison", "factoid", "findings", "reason", "list", "yes-no", "concept", "follow-up", "out-of-scope")
SPLITS = ("tune", "report", "all")


class GoldRelevant(BaseModel):
    """A document (file stem) and optionally the section that answers a question."""

    doc: str
    section: str | None = None


class GoldQuestion(BaseModel):
    """One line of the gold set (the schema is in the shared brief and the README)."""

    id: str
    question: str
    audience: Literal["practitioner", "trainer", "researcher"]
    kind: Literal[KINDS]  # type: ignore[valid-type]
    answerable: bool
    relevant: list[GoldRelevant] = Field(default_factory=list)
    nuggets: list[list[str]] = Field(default_factory=list)
    follow_up_of: str | None = None
    requires: Literal["realdocs"] | None = None

    @field_validator("nuggets")
    @classmethod
    def _nuggets_are_short_alternative_wordings(cls, value: list[list[str]]) -> list[list[str]]:
        if len(value) > 6:
            raise ValueError(f"{len(value)} key points, at most 6")
        for i, point in enumerate(value, start=1):
            if not 1 <= len(point) <= 4:
                raise ValueError(f"key point {i} has {len(point)} wordings, want 1-4")
            for wording in point:
                if not 1 <= len(wording.split()) <= 8:
                    raise ValueError(f"wording {wording!r} has {len(wording.split())} words, want 1-8")
                if not nugget_match.wording_terms(wording):
                    raise ValueError(f"wording {wording!r} has no content words (only stop words)")
        return value

    @model_validator(mode="after")
    def _nuggets_only_on_answerable(self) -> "GoldQuestion":
        if self.nuggets and not self.answerable:
            raise ValueError("nuggets: an unanswerable question cannot have key points")
        return self


def load_gold(path: Path) -> list[GoldQuestion]:
    """Read and validate the gold set: one JSONL file, or every ``*.jsonl`` in a folder (sorted).

    Raises:
        ValueError: A line is not valid JSON, misses or mistypes a field, repeats an id, or
            follows up a question that does not exist (the message names the file and line).
    """
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if not files:
        raise ValueError(f"{path}: no *.jsonl gold files")
    questions: list[GoldQuestion] = []
    where: dict[str, str] = {}
    for file in files:
        for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                q = GoldQuestion.model_validate(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{file}:{n}: not JSON: {exc.msg}") from None
            except ValueError as exc:
                raise ValueError(f"{file}:{n}: {_first_error(exc)}") from None
            if q.id in where:
                raise ValueError(f"{file}:{n}: id {q.id!r} repeats {where[q.id]}")
            if q.follow_up_of and q.follow_up_of not in where:
                raise ValueError(f"{file}:{n}: follow_up_of {q.follow_up_of!r} names no earlier question")
            where[q.id] = f"{file}:{n}"
            questions.append(q)
    return questions


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        err = errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        return f"{loc + ': ' if loc else ''}{err['msg'].removeprefix('Value error, ')}"
    return str(exc).splitlines()[0]


def available(questions: Sequence[GoldQuestion], realdocs: Path | None) -> tuple[list[GoldQuestion], list[GoldQuestion]]:
    """``(kept, skipped)``: questions marked ``requires: realdocs`` are skipped when that folder is absent.

    A follow-up of a skipped question is skipped too, since it cannot be resolved without it.
    """
    have = realdocs is not None and realdocs.is_dir()
    kept: list[GoldQuestion] = []
    skipped: list[GoldQuestion] = []
    gone: set[str] = set()
    for q in questions:
        if (q.requires == "realdocs" and not have) or q.follow_up_of in gone:
            skipped.append(q)
            gone.add(q.id)
        else:
            kept.append(q)
    return kept, skipped


def _hash(question_id: str) -> str:
    return hashlib.sha256(question_id.encode("utf-8")).hexdigest()


def splits(questions: Sequence[GoldQuestion]) -> dict[str, str]:
    """Each question's half of the gold set, ``tune`` or ``report``: deterministic and stratified by kind.

    Threads (a question and its follow-ups, which are resolved against it and so must be
    evaluated together) are grouped by the kind of their first question; within each kind they
    are ordered by sha256 of the first question's id and dealt alternately, tune first. Every
    kind is therefore split as evenly as it can be (11 out-of-scope questions: 6 tune, 5 report),
    so both halves can measure abstention, and the order of lines in the files does not matter.
    """
    parent = {q.id: q.follow_up_of for q in questions}
    kind = {q.id: q.kind for q in questions}

    def root(qid: str) -> str:
        seen = set()
        while parent.get(qid) and qid not in seen:
            seen.add(qid)
            qid = parent[qid]  # type: ignore[assignment]
        return qid

    roots = sorted({root(q.id) for q in questions}, key=lambda r: (kind[r], _hash(r)))
    half: dict[str, str] = {}
    for k in dict.fromkeys(kind[r] for r in roots):
        for i, r in enumerate(r for r in roots if kind[r] == k):
            half[r] = "tune" if i % 2 == 0 else "report"
    return {q.id: half[root(q.id)] for q in questions}


def select_split(questions: Sequence[GoldQuestion], split: str) -> list[GoldQuestion]:
    """Questions in ``split`` (``tune``, ``report`` or ``all``), in gold-set order.

    Raises:
        ValueError: An unknown split name.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown gold split {split!r} (use one of {', '.join(SPLITS)})")
    if split == "all":
        return list(questions)
    where = splits(questions)
    return [q for q in questions if where[q.id] == split]


@dataclass
class GoldResult:
    """Per-question outcomes, aggregate metrics, and the same per question kind."""

    metrics: dict[str, float]
    rows: list[dict[str, Any]] = field(default_factory=list)
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)


def evaluate_gold(pipeline: Any, questions: list[GoldQuestion], depth: int = 30, halves: dict[str, str] | None = None) -> GoldResult:
    """Run every gold question through retrieval and answering.

    Retrieval is scored at document level: the ranked passages are collapsed to their
    documents (first occurrence) and compared with the relevant file stems. Follow-ups are
    resolved against the query of the question they follow, as the chat does. Answers are
    scored against their key points (:mod:`assistant.eval.nuggets`), and every citation is
    checked against the passage text stored in the index (:func:`citation_supported`).

    Args:
        pipeline: A :class:`assistant.pipeline.Pipeline` whose index holds the corpus.
        questions: The gold set (or one split of it).
        depth: Passages retrieved per question before collapsing to documents.
        halves: Each question's split as computed on the whole gold set (:func:`splits`); by
            default computed on ``questions``.
    """
    stem_of = {d.doc_id: Path(d.source).stem for d in pipeline.documents()}
    manifest = pipeline.index.manifest
    analyse = nugget_match.default_analyser()
    queries: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    split = halves or splits(questions)
    for q in questions:
        query = resolve(q.question, queries.get(q.follow_up_of)) if q.follow_up_of else q.question
        queries[q.id] = query
        result = pipeline.search(query, k=depth)
        docs = dedupe([stem_of.get(p.doc_id, p.doc_id) for p in result.passages])
        relevant = {r.doc: 1 for r in q.relevant}
        # A heading is indexed as its text ("How Austin is <u>implementing</u> reforms" as "How Austin is implementing reforms").
        sections = {(r.doc, strip_html(r.section).strip()) for r in q.relevant if r.section}
        # The answer is composed as `ask` composes it: from a search as deep as ask's (the 30 passages
        # above are for the retrieval measures), per-subject searches included.
        answer = pipeline.compose(q.question, pipeline.answer_search(q.question, query))
        row: dict[str, Any] = {"id": q.id, "kind": q.kind, "split": split[q.id], "answerable": q.answerable,
                               "abstained": answer.abstained, "confidence": result.best_dense, "query": query,
                               "top_docs": docs[:5], "answer": answer.text}
        if q.answerable and relevant:
            for k in CUTOFFS:
                row[f"recall@{k}"] = recall_at(docs, relevant, k)
            row["mrr@10"] = mrr_at(docs, relevant, 10)
            row["ndcg@10"] = ndcg_at(docs, relevant, 10)
            top5 = [(stem_of.get(p.doc_id), p.section.split(" > ")[-1] if p.section else "") for p in result.passages[:5]]
            row["section@5"] = float(any(s in sections for s in top5)) if sections else None
            cited = {stem_of.get(c.doc_id) for c in answer.citations}
            row["answer_cites_relevant"] = float(bool(cited & set(relevant))) if not answer.abstained else 0.0
        if q.nuggets:
            got = nugget_match.score(answer.text, q.nuggets, analyse)
            row["nuggets"] = len(q.nuggets)
            row["nuggets_stated"] = [i for i, hit in enumerate(got.stated) if hit]
            row["nuggets_missed"] = [point[0] for point, hit in zip(q.nuggets, got.stated) if not hit]
            row["nugget_recall"] = got.recall
            row["nuggets_half"] = float(got.half)
            row["first_sentence_nugget"] = float(got.first_sentence)
        supported = [ok for c in answer.citations for ok in quotes_supported(manifest, answer, c)]
        row["sentences"] = len(supported)
        row["supported"] = sum(supported)
        rows.append(row)
    by_kind = {kind: _aggregate([r for r in rows if r["kind"] == kind]) for kind in sorted({r["kind"] for r in rows})}
    return GoldResult(_aggregate(rows), rows, by_kind)


NUGGET_METRICS = ("nugget_recall", "nuggets_half", "first_sentence_nugget")


def _aggregate(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Means over the rows that carry each metric (retrieval: answerable; nuggets: those with key points).

    Citation support pools sentences, not questions: 9 supported of 10 cited sentences is 0.9
    whether they came from one answer or five.
    """
    scored = [r for r in rows if "ndcg@10" in r]
    metrics = {f"recall@{k}": mean([r[f"recall@{k}"] for r in scored]) for k in CUTOFFS}
    metrics["mrr@10"] = mean([r["mrr@10"] for r in scored])
    metrics["ndcg@10"] = mean([r["ndcg@10"] for r in scored])
    metrics["section_hit@5"] = mean([r["section@5"] for r in scored if r["section@5"] is not None])
    metrics["answer_cites_relevant"] = mean([r["answer_cites_relevant"] for r in scored])
    with_nuggets = [r for r in rows if "nugget_recall" in r]
    for name in NUGGET_METRICS:
        metrics[name] = mean([r[name] for r in with_nuggets])
    total = sum(r["sentences"] for r in rows)
    metrics["citation_support"] = sum(r["supported"] for r in rows) / total if total else 1.0
    precision, recall = precision_recall([r["abstained"] for r in rows], [not r["answerable"] for r in rows])
    metrics["abstain_precision"] = precision
    metrics["abstain_recall"] = recall
    metrics["questions"] = float(len(rows))
    metrics["questions_with_nuggets"] = float(len(with_nuggets))
    return metrics


def citation_supported(manifest: Any, answer: Any, citation: Any) -> bool:
    """Is a citation honest? Checked against the passage *stored in the index*, not the copy it carries.

    The passage is fetched again from the manifest by ``chunk_id``; the text at the citation's
    span there must be the sentence the citation quotes, and an extractive answer must say that
    sentence (whitespace aside) in its text. A citation whose passage was tampered with, whose
    span drifted, or whose quoted sentence the answer does not contain is unsupported.

    Args:
        manifest: The index manifest (``chunks(ids)`` returns stored passages).
        answer: The :class:`assistant.answer.Answer` holding the citation.
        citation: One of ``answer.citations``.
    """
    return all(quotes_supported(manifest, answer, citation))


def quotes_supported(manifest: Any, answer: Any, citation: Any) -> list[bool]:
    """One verdict per sentence or step the citation quotes (``citation.quotes``; the first is ``sentence``/``span``).

    Each quote must be the stored passage's text at its span, match the citation's own copy of
    it, and (extractive answers) stand in the answer text right before the citation's marker.
    """
    stored = manifest.chunks([citation.chunk_id]).get(citation.chunk_id)
    spans = list(getattr(citation, "quotes", None) or [citation.span])
    if stored is None:
        return [False] * len(spans)
    said = _squash(nugget_match.strip_markers(answer.text))
    marked = _squash(answer.text)
    out = []
    for n, (a, b) in enumerate(spans):
        carried = citation.sentence if n == 0 else citation.text[a:b]
        quoted = _squash(carried)
        ok = 0 <= a < b <= len(stored.text) and bool(quoted) and _squash(stored.text[a:b]) == quoted
        if n == 0:
            ok = ok and (bool(answer.generated_by) or quoted in said)
        else:
            ok = ok and (bool(answer.generated_by) or f"{quoted} [{citation.n}]" in marked)
        out.append(ok)
    return out


def _squash(text: str) -> str:
    return " ".join(text.split())


def abstain_precision_recall(rows: Sequence[dict[str, Any]], threshold: float, current: float) -> tuple[float, float]:
    """Abstention precision/recall had the similarity threshold been ``threshold`` instead of ``current``.

    A question abstains under ``threshold`` when its best dense similarity is below it, or when it
    abstained at ``current`` for another reason (nothing worth quoting) although it cleared ``current``.
    """
    predicted = []
    for r in rows:
        conf = r["confidence"]
        other_reason = r["abstained"] and conf is not None and conf >= current
        predicted.append(conf is None or conf < threshold or other_reason)
    return precision_recall(predicted, [not r["answerable"] for r in rows])


def calibrate_abstention(rows: Sequence[dict[str, Any]], current: float) -> float:
    """The abstention threshold that maximises F1 of abstaining on ``rows`` (use the tune split).

    Candidates are the current threshold and the midpoints between neighbouring confidences;
    ties go to the candidate nearest the current setting, so the default stays unless the data
    says otherwise. Example: answerable at 0.40 and 0.35, unanswerable at 0.20 and 0.25 ->
    every threshold in (0.25, 0.35] scores F1 = 1; the current 0.30 is among them and is kept.
    """
    confs = sorted({r["confidence"] for r in rows if r["confidence"] is not None})
    candidates = {current, *((a + b) / 2 for a, b in zip(confs, confs[1:]))}

    def f1(t: float) -> float:
        p, r = abstain_precision_recall(rows, t, current)
        return 2 * p * r / (p + r) if p + r else 0.0

    return max(sorted(candidates), key=lambda t: (round(f1(t), 9), -abs(t - current)))

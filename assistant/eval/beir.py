"""Evaluation on any BEIR-format folder (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv).

The corpus goes through the product's own ingest path: each record is written once as a
Markdown file (title in front matter) under the data dir, then ingested like any other
document, so the figures measure what users get. Reruns reuse the index (unchanged files are
skipped by hash).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, unquote

import yaml

from assistant.eval.metrics import dedupe, mean, mrr_at, ndcg_at, recall_at

# Published nDCG@10 on SciFact test (BEIR leaderboard / model cards), for context only.
PUBLISHED_SCIFACT = {
    "BM25 (BEIR)": 0.665,
    "BM25 (Pyserini flat)": 0.679,
    "all-MiniLM-L6-v2 dense": 0.645,
    "BM25 + MiniLM-L6 cross-encoder": 0.688,
    "bge-small-en-v1.5 dense": 0.713,
}

MODES = {"dense": (1.0, 0.0), "bm25": (0.0, 1.0), "hybrid": (None, None)}


@dataclass
class BeirData:
    """A BEIR split in memory."""

    corpus: dict[str, dict[str, str]]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def load_beir(folder: Path, split: str) -> BeirData:
    """Read a BEIR folder.

    Raises:
        FileNotFoundError: A required file is missing (the message names it).
    """
    for name in ("corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv"):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name}: missing (not a BEIR folder, or no '{split}' split)")
    corpus = {}
    for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            corpus[str(row["_id"])] = {"title": row.get("title", ""), "text": row.get("text", "")}
    queries = {}
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            queries[str(row["_id"])] = row["text"]
    qrels: dict[str, dict[str, int]] = {}
    with open(folder / "qrels" / f"{split}.tsv", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t")
        for row in reader:
            if len(row) < 3 or not row[2].strip().lstrip("-").isdigit():
                continue  # header line
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    queries = {q: t for q, t in queries.items() if q in qrels}
    return BeirData(corpus, queries, qrels)


def materialise(data: BeirData, folder: Path) -> Path:
    """Write each corpus record as ``<quoted id>.md`` (only files that are missing or differ)."""
    folder.mkdir(parents=True, exist_ok=True)
    for doc_id, row in data.corpus.items():
        path = folder / f"{quote(doc_id, safe='')}.md"
        head = yaml.safe_dump({"title": row["title"] or doc_id, "doc_type": "literature"}, allow_unicode=True, width=10_000)
        content = f"---\n{head}---\n{row['text'].strip()}\n"
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
    return folder


def beir_doc_id(source: str) -> str:
    """The BEIR id a materialised file stands for."""
    return unquote(Path(source).stem)


def evaluate_beir(pipeline: Any, data: BeirData, depth: int = 100, limit: int | None = None, modes: tuple[str, ...] = ("dense", "bm25", "hybrid"), progress: Callable[[str], None] | None = None) -> dict[str, dict[str, float]]:
    """nDCG@10, Recall@100 and MRR@10 per retrieval mode over an already-ingested BEIR corpus.

    Args:
        pipeline: Pipeline whose index holds the materialised corpus.
        data: The split.
        depth: Documents ranked per query (Recall@depth).
        limit: Evaluate only the first ``limit`` queries.
        modes: Any of dense, bm25, hybrid (hybrid uses the configured weights).
    """
    from assistant.retrieve import HybridSearcher

    id_of = {d.doc_id: beir_doc_id(d.source) for d in pipeline.documents()}
    queries = list(data.queries.items())[:limit] if limit else list(data.queries.items())
    out: dict[str, dict[str, float]] = {}
    base = pipeline.settings.retrieval
    for mode in modes:
        dense_w, lexical_w = MODES[mode]
        settings = base.model_copy(update={
            "dense_weight": base.dense_weight if dense_w is None else dense_w,
            "lexical_weight": base.lexical_weight if lexical_w is None else lexical_w,
            "candidates": max(base.candidates, depth * 2),
        })
        searcher = HybridSearcher(pipeline.index, pipeline.embeddings, settings)
        ndcg, recall, mrr = [], [], []
        for qid, text in queries:
            passages = searcher.search(text, k=depth * 2).passages
            ranked = dedupe([id_of.get(p.doc_id, p.doc_id) for p in passages])[:depth]
            rel = data.qrels[qid]
            ndcg.append(ndcg_at(ranked, rel, 10))
            recall.append(recall_at(ranked, rel, depth))
            mrr.append(mrr_at(ranked, rel, 10))
        out[mode] = {"ndcg@10": mean(ndcg), f"recall@{depth}": mean(recall), "mrr@10": mean(mrr), "queries": float(len(queries))}
        if progress:
            progress(f"{mode}: nDCG@10 {out[mode]['ndcg@10']:.4f}")
    return out

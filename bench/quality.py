"""Retrieval quality beside speed: nDCG@10 on SciFact test for our pipeline and the naive recipe.

Ours comes from the eval module (``assistant.eval.beir.evaluate_beir``, hybrid mode, the same
code as ``assistant eval --beir``) when it can be imported; otherwise from :func:`ndcg_at_10`
here, and the result says which.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from bench.corpora import SciFact, beir_id


def ndcg_at_10(ranked: Sequence[str], relevant: Mapping[str, int]) -> float:
    """nDCG@10 with linear gain, as pytrec_eval/BEIR: sum rel_i / log2(i + 1) over ranks 1..10.

    Example: ranked [x, a], relevant {a: 1}: DCG = 1/log2(3) = 0.631, ideal DCG = 1, nDCG = 0.631.
    """
    dcg = sum(relevant.get(d, 0) / math.log2(i + 1) for i, d in enumerate(ranked[:10], start=1))
    ideal = sorted((g for g in relevant.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 1) for i, g in enumerate(ideal, start=1))
    return dcg / idcg if idcg else 0.0


def mean_ndcg(run: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]]) -> float:
    """Mean nDCG@10 over every judged query (a query with no ranking scores 0)."""
    return float(np.mean([ndcg_at_10(run.get(q, []), rel) for q, rel in qrels.items()])) if qrels else 0.0


def first_docs(doc_ids: Sequence[str], k: int = 10) -> list[str]:
    """The first ``k`` distinct documents of a passage ranking."""
    return list(dict.fromkeys(doc_ids))[:k]


def judged(scifact: SciFact, limit: int | None = None) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """Test queries that have judgements (the first ``limit`` of them) and their qrels."""
    texts = scifact.queries()
    qrels = {q: rel for q, rel in scifact.qrels("test").items() if q in texts}
    if limit:
        qrels = dict(list(qrels.items())[:limit])
    return {q: texts[q] for q in qrels}, qrels


def ours_ndcg(pipeline, scifact: SciFact, limit: int | None = None, depth: int = 100) -> tuple[float, str]:
    """Hybrid nDCG@10 of ``pipeline`` (whose index holds the SciFact abstracts).

    Returns:
        The score and where it was computed ("assistant.eval" or "bench").
    """
    source = "bench.quality (assistant.eval not importable)"
    try:
        from assistant.eval.beir import evaluate_beir, load_beir
    except ImportError:
        evaluate_beir = None
    if evaluate_beir is not None:
        try:
            scores = evaluate_beir(pipeline, load_beir(scifact.folder, "test"), depth=depth, limit=limit, modes=("hybrid",))
            return scores["hybrid"]["ndcg@10"], "assistant.eval.beir.evaluate_beir (hybrid)"
        except (TypeError, KeyError) as exc:  # the eval module is still moving: say so and use ours
            source = f"bench.quality (assistant.eval failed: {type(exc).__name__}: {exc})"
    queries, qrels = judged(scifact, limit)
    run = {}
    for qid, text in queries.items():
        passages = pipeline.search(text, k=2 * depth).passages
        run[qid] = first_docs([beir_id(p.source) for p in passages])
    return mean_ndcg(run, qrels), source


def naive_ndcg(store, scifact: SciFact, limit: int | None = None, k: int = 30) -> float:
    """nDCG@10 of the naive store: ``similarity_search(k)`` chunks, first ten distinct abstracts."""
    queries, qrels = judged(scifact, limit)
    run = {}
    for qid, text in queries.items():
        docs = store.similarity_search(text, k=k)
        run[qid] = first_docs([beir_id(d.metadata["source"]) for d in docs])
    return mean_ndcg(run, qrels)

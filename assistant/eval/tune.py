"""Fusion sweep: rank once per query on each side, then re-fuse under many settings (no re-embedding)."""

from __future__ import annotations

from typing import Any, Sequence

from assistant.eval.beir import BeirData, beir_doc_id
from assistant.eval.metrics import dedupe, mean, ndcg_at
from assistant.retrieve import rrf


def sweep_fusion(pipeline: Any, data: BeirData, rrf_ks: Sequence[int] = (10, 30, 60, 100), dense_weights: Sequence[float] = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0), depth: int = 100) -> list[dict[str, float]]:
    """nDCG@10 of hybrid retrieval for each (rrf_k, dense weight) with the BM25 weight fixed at 1.

    Use it on a *train* split only; report the test split once with the chosen defaults.
    """
    index, embeddings = pipeline.index, pipeline.embeddings
    lexical = index.refresh_lexical()
    doc_of = {d.doc_id: beir_doc_id(d.source) for d in pipeline.documents()}
    chunk_doc = dict(zip(*index.manifest.lexical_corpus()[:2]))
    queries = list(data.queries.items())
    vectors = embeddings.encode([t for _, t in queries], batch_size=64)
    runs = []
    for (qid, text), vector in zip(queries, vectors):
        dense = [i for i, _ in index.store.query(vector, depth)]
        sparse = [i for i, _ in lexical.search(text, depth)]
        runs.append((qid, dense, sparse))
    table = []
    for k in rrf_ks:
        for w in dense_weights:
            scores = []
            for qid, dense, sparse in runs:
                fused = [i for i, _ in rrf([dense, sparse], [w, 1.0], k)]
                ranked = dedupe([doc_of[chunk_doc[i]] for i in fused if i in chunk_doc])
                scores.append(ndcg_at(ranked, data.qrels[qid], 10))
            table.append({"rrf_k": k, "dense_weight": w, "ndcg@10": mean(scores)})
    return sorted(table, key=lambda r: -r["ndcg@10"])

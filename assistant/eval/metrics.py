"""Ranking and abstention metrics (binary or graded relevance, linear gain as in pytrec_eval/BEIR)."""

from __future__ import annotations

import math
from typing import Mapping, Sequence


def recall_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """Share of relevant items found in the top ``k``.

    Example: ranked [a, b, c], relevant {a, d}: recall@1 = 1/2, recall@3 = 1/2.
    """
    wanted = {d for d, g in relevant.items() if g > 0}
    if not wanted:
        return 0.0
    return len(wanted & set(ranked[:k])) / len(wanted)


def mrr_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """Reciprocal rank of the first relevant item within the top ``k`` (0 if none)."""
    for i, item in enumerate(ranked[:k], start=1):
        if relevant.get(item, 0) > 0:
            return 1.0 / i
    return 0.0


def ndcg_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """Normalised discounted cumulative gain with linear gain: sum rel_i / log2(i + 1).

    Example: ranked [x, a], relevant {a: 1}: DCG = 1/log2(3) = 0.6309, ideal = 1, nDCG = 0.6309.
    """
    dcg = sum(relevant.get(item, 0) / math.log2(i + 1) for i, item in enumerate(ranked[:k], start=1))
    ideal = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 1) for i, g in enumerate(ideal, start=1))
    return dcg / idcg if idcg else 0.0


def precision_recall(predicted: Sequence[bool], actual: Sequence[bool]) -> tuple[float, float]:
    """Precision and recall of the positive class (e.g. "abstained" vs "should abstain").

    Precision is 1.0 when nothing was predicted positive (no false alarms); recall is 1.0 when
    nothing was actually positive.
    """
    tp = sum(p and a for p, a in zip(predicted, actual))
    fp = sum(p and not a for p, a in zip(predicted, actual))
    fn = sum(a and not p for p, a in zip(predicted, actual))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


def dedupe(items: Sequence[str]) -> list[str]:
    """First occurrence order (passages -> documents)."""
    return list(dict.fromkeys(items))


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean (0 for no values)."""
    return sum(values) / len(values) if values else 0.0

"""Results: rows of measure / value / baseline / ratio / target, rendered as Markdown and JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

STAGES = ("embed", "dense", "bm25", "fuse", "compose", "other")

# Every run reports these rows, measured or skipped, in this order (the smoke test checks them);
# the labels name a row when it is skipped.
ROWS = {
    "ingest_throughput": "Ingest throughput",
    "reingest_unchanged": "Re-ingest, unchanged corpus",
    "reingest_1pct": "Re-ingest, 1% of files changed",
    "query_p50": "Query p50",
    "query_p95": "Query p95",
    "peak_rss": "Peak RSS while serving",
    "cold_start": "Cold start to first answer",
    "naive_ingest": "Ingest time vs naive recipe",
    "naive_query_p50": "Query p50 vs naive recipe",
    "ndcg_at_10": "nDCG@10 SciFact test vs naive recipe",
    "server_query_p50": "Server mode query p50",
    "server_query_p95": "Server mode query p95",
}
ROW_IDS = tuple(ROWS)


def row(
    id: str, measure: str, size: str, value: float | None, unit: str, *, baseline: float | None = None,
    baseline_label: str = "", ratio: float | None = None, target: str = "", met: bool | None = None, note: str = "",
) -> dict:
    """One line of the results table.

    Args:
        id: Stable key (one of :data:`ROW_IDS`).
        measure: What was measured, for people.
        size: Corpus size it was measured at ("1k", "1,000 docs", ...).
        value: The measurement (``None`` when skipped).
        unit: "ms", "s", "passages/s", "MiB", "" ...
        baseline: The same-run reference it is compared with.
        baseline_label: What the baseline is.
        ratio: value / baseline, oriented as stated in ``baseline_label``.
        target: The goal from the issue, if any.
        met: Whether the target is met (``None`` = no target at this size).
        note: Anything a reader must know (e.g. why it was skipped).
    """
    return {
        "id": id, "measure": measure, "size": size, "value": value, "unit": unit, "baseline": baseline,
        "baseline_label": baseline_label, "ratio": ratio, "target": target, "met": met, "note": note,
    }


def skipped(id: str, measure: str, reason: str, size: str = "") -> dict:
    """A row that could not be measured in this run, with the reason."""
    return row(id, measure, size, None, "", note=f"skipped: {reason}")


def ratio(a: float | None, b: float | None) -> float | None:
    """``a / b``, or ``None`` when either is missing or ``b`` is 0."""
    return a / b if a is not None and b else None


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit in ("", "×") and abs(value) < 10:
        text = f"{value:.3f}"
    elif abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def _met(met: bool | None) -> str:
    return {True: "yes", False: "**no**", None: ""}[met]


def markdown_table(rows: list[dict]) -> str:
    """The main results table."""
    lines = [
        "| Measure | Size | Value | Baseline (same run) | Ratio | Target | Met |",
        "|---|---|---:|---|---:|---|---|",
    ]
    for r in rows:
        if r["value"] is None:
            lines.append(f"| {r['measure']} | {r['size']} | — | {r['note']} | | {r['target']} | |")
            continue
        base = f"{r['baseline_label']}: {_num(r['baseline'], r['unit'] if r['baseline_label'] else '')}" if r["baseline"] is not None else r["baseline_label"]
        ratio_text = f"{r['ratio']:.2f}×" if r["ratio"] is not None else ""
        lines.append(
            f"| {r['measure']} | {r['size']} | {_num(r['value'], r['unit'])} | {base} | {ratio_text} | {r['target']} | {_met(r['met'])} |"
        )
    return "\n".join(lines)


def stage_table(stages: list[dict]) -> str:
    """Mean milliseconds per query stage, per mode and size, with the slowest stage named."""
    lines = [
        "| Mode | Passages | " + " | ".join(STAGES) + " | total mean | total p50 | slowest |",
        "|---|---:|" + "---:|" * len(STAGES) + "---:|---:|---|",
    ]
    for s in stages:
        means = s["stage_mean_ms"]
        slowest = max(STAGES, key=lambda k: means.get(k, 0.0))
        cells = " | ".join(f"{means.get(k, 0.0):.1f}" for k in STAGES)
        lines.append(
            f"| {s['mode']} | {s['passages']:,} | {cells} | {s['total_mean_ms']:.1f} | {s['total_p50_ms']:.1f} | "
            f"{slowest} ({100 * means.get(slowest, 0.0) / (s['total_mean_ms'] or 1):.0f}%) |"
        )
    return "\n".join(lines)


def render(results: dict) -> str:
    """The whole Markdown report: machine, main table, stage breakdown, notes."""
    m = results["machine"]
    load = f"load average {m.get('load_average_start')} at start, {m.get('load_average_end')} at end"
    parts = [
        f"Machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('ram_gb')} GB RAM, {m.get('os')}, "
        f"Python {m.get('python')}, torch {m.get('torch')} ({m.get('torch_threads')} threads), "
        f"chromadb {m.get('chromadb')}; {load}. Run {results['started']} ({results['elapsed_s']:.0f} s), "
        f"`{results['command']}`.",
        "",
        markdown_table(results["rows"]),
    ]
    if results.get("stages"):
        parts += ["", "Query stages (mean ms per `pipeline.ask`; other = work in `ask` outside search and compose):", "", stage_table(results["stages"])]
    if results.get("notes"):
        parts += [""] + [f"- {n}" for n in results["notes"]]
    return "\n".join(parts) + "\n"


def write(results: dict, out_dir: Path, stem: str = "latest") -> tuple[Path, Path]:
    """Write ``<stem>.json`` and ``<stem>.md`` atomically; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix, text in ((".json", json.dumps(results, indent=2, ensure_ascii=False) + "\n"), (".md", render(results))):
        path = out_dir / f"{stem}{suffix}"
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        paths.append(path)
    return paths[0], paths[1]


Say = Callable[[str], None]

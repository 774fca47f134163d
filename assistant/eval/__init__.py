"""Measurement: the gold question set and BEIR benchmarks, as tables, JSON and a chart."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from assistant.eval.beir import PUBLISHED_SCIFACT, evaluate_beir, load_beir, materialise
from assistant.eval.gold import (
    GoldQuestion, abstain_precision_recall, available, calibrate_abstention, evaluate_gold, load_gold, select_split, splits,
)
from assistant.eval.metrics import mrr_at, ndcg_at, precision_recall, recall_at

__all__ = [
    "GoldQuestion", "PUBLISHED_SCIFACT", "abstain_precision_recall", "available", "calibrate_abstention", "evaluate_beir",
    "evaluate_gold", "load_beir", "load_gold", "markdown_table", "mrr_at", "ndcg_at", "precision_recall", "realdocs_files",
    "recall_at", "run_cli", "select_split", "splits",
]


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table; floats shown with three decimals."""
    def cell(v: Any) -> str:
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def run_cli(args: Any, settings: Any) -> int:
    """``assistant eval``: gold set by default, ``--beir DIR`` for a BEIR folder."""
    from assistant.pipeline import build_pipeline

    if args.beir:
        try:
            data = load_beir(args.beir, args.split or "test")
        except (FileNotFoundError, ValueError, KeyError) as exc:
            print(f"assistant: error: {exc}", file=sys.stderr)
            return 2
        name = args.beir.resolve().name
        work = Path(settings.data_dir) / "beir" / name
        beir_settings = settings.model_copy(update={"data_dir": work / "index"})
        pipeline = build_pipeline(beir_settings)
        try:
            docs = materialise(data, work / "docs")
            report = pipeline.ingest([docs], progress=None, report_line=lambda line: print(line, file=sys.stderr))
            print(f"{name}: {report.summary()}", file=sys.stderr)
            if args.sweep:
                from assistant.eval.tune import sweep_fusion

                table = sweep_fusion(pipeline, data)
                print(json.dumps(table, indent=2) if args.json else markdown_table(list(table[0]), [list(r.values()) for r in table]))
                return 0
            results = evaluate_beir(pipeline, data, limit=args.limit, progress=lambda m: print(m, file=sys.stderr))
        finally:
            pipeline.close()
        payload = {"dataset": name, "split": args.split or "test", "results": results}
        if "scifact" in name.lower():
            payload["published_ndcg@10"] = PUBLISHED_SCIFACT
        if args.json:
            print(json.dumps(payload, indent=2))
        else:
            print(beir_table(payload))
        if args.chart:
            beir_chart(payload, args.chart)
        return 0

    return _run_gold(args, settings)


def realdocs_files(folder: Path) -> list[Path]:
    """The Markdown files of a realdocs folder, without licence files or the method-card template."""
    return sorted(p for p in folder.rglob("*.md") if not p.stem.upper().startswith("LICENSE") and p.name != "_template.md")


def _run_gold(args: Any, settings: Any) -> int:
    from assistant.pipeline import build_pipeline

    say = lambda line: print(line, file=sys.stderr)  # noqa: E731
    gold_path = args.gold or Path(settings.corpus_dir) / "eval"
    try:
        questions = load_gold(gold_path)
        split = args.split or "report"
        chosen = questions if args.calibrate else select_split(questions, split)
    except (OSError, ValueError) as exc:
        print(f"assistant: error: {exc}", file=sys.stderr)
        return 2
    realdocs = args.realdocs or Path(settings.corpus_dir).resolve().parent.parent / "shared" / "data" / "realdocs"
    have_realdocs = realdocs.is_dir()
    chosen, skipped = available(chosen, realdocs)
    if skipped:
        say(f"skipped {len(skipped)} questions that need realdocs ({realdocs} is not present)")
    pipeline = build_pipeline(settings)
    try:
        known = {Path(d.source).stem for d in pipeline.documents()}
        needed = {r.doc for q in chosen for r in q.relevant}
        if needed - known:
            corpus = Path(settings.corpus_dir)
            say(f"indexing {corpus} first ({len(needed - known)} gold documents are not in the index)")
            sources = [corpus, *(realdocs_files(realdocs) if have_realdocs else [])]
            pipeline.ingest(sources, report_line=say)
        result = evaluate_gold(pipeline, chosen, halves=splits(questions))
    finally:
        pipeline.close()
    if args.calibrate:
        return _print_calibration(args, settings, result.rows)
    payload = {"gold": str(gold_path), "split": split, "skipped_realdocs": len(skipped), "metrics": result.metrics,
               "by_kind": result.by_kind, "questions": result.rows}
    if args.json:
        print(json.dumps(payload, indent=2))
    else:
        print(gold_report(payload))
    if args.chart:
        gold_chart(result.metrics, args.chart, result.by_kind, split)
    return 0


KIND_COLUMNS = ("questions", "questions_with_nuggets", "nugget_recall", "nuggets_half", "first_sentence_nugget", "citation_support", "abstain_precision", "abstain_recall")


def gold_report(payload: dict) -> str:
    """The overall metrics table, then one row per question kind."""
    metrics = payload["metrics"]
    head = f"gold split: {payload['split']} ({int(metrics['questions'])} questions"
    head += f"; {payload['skipped_realdocs']} skipped, realdocs absent)" if payload.get("skipped_realdocs") else ")"
    overall = markdown_table(["metric", "value"], [[k, int(v) if k.startswith("questions") else v] for k, v in metrics.items()])
    rows = [[kind, *(int(m[c]) if c.startswith("questions") else m[c] for c in KIND_COLUMNS)] for kind, m in payload["by_kind"].items()]
    rows.append(["all", *(int(metrics[c]) if c.startswith("questions") else metrics[c] for c in KIND_COLUMNS)])
    return f"{head}\n\n{overall}\n\nBy question kind:\n\n" + markdown_table(["kind", *KIND_COLUMNS], rows)


def _print_calibration(args: Any, settings: Any, rows: list[dict]) -> int:
    current = settings.answer.abstain_below
    tune = [r for r in rows if r["split"] == "tune"]
    report = [r for r in rows if r["split"] == "report"]
    chosen = calibrate_abstention(tune, current)
    table = []
    for label, threshold in (("current", current), ("tuned", chosen)):
        for name, part in (("tune", tune), ("report", report)):
            p, r = abstain_precision_recall(part, threshold, current)
            table.append({"threshold": label, "abstain_below": round(threshold, 4), "split": name, "questions": len(part), "abstain_precision": p, "abstain_recall": r})
    if args.json:
        print(json.dumps({"current": current, "tuned": chosen, "results": table}, indent=2))
    else:
        print(markdown_table(list(table[0]), [list(t.values()) for t in table]))
        verdict = "keep the current setting" if chosen == current else f"the tune split prefers answer.abstain_below = {chosen:.4f}"
        print(f"\n{verdict} (F1 of abstaining on the tune split; reported on the held-out report split)")
    return 0


def beir_table(payload: dict) -> str:
    """Our three modes beside the published baselines."""
    results = payload["results"]
    depth_key = next(k for k in next(iter(results.values())) if k.startswith("recall@"))
    rows = [[f"ours: {mode}", r["ndcg@10"], r[depth_key], r["mrr@10"]] for mode, r in results.items()]
    rows += [[f"published: {name}", value, "", ""] for name, value in payload.get("published_ndcg@10", {}).items()]
    return markdown_table(["system", "nDCG@10", depth_key.replace("recall", "Recall"), "MRR@10"], rows)


def _bar_chart(labels: list[str], values: list[float], colours: list[str], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 0.45 * len(labels) + 1.2))
    bars = ax.barh(labels[::-1], values[::-1], color=colours[::-1])
    ax.bar_label(bars, fmt="%.3f", padding=3)
    ax.set_xlim(0, 1.08)
    ax.set_title(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def gold_chart(metrics: dict[str, float], path: Path, by_kind: dict[str, dict[str, float]] | None = None, split: str = "") -> None:
    """PNG bar chart of the gold-set metrics, then nugget recall per question kind."""
    items = [(k, v) for k, v in metrics.items() if not k.startswith("questions")]
    items += [(f"nugget_recall: {kind}", m["nugget_recall"]) for kind, m in (by_kind or {}).items() if m["questions_with_nuggets"]]
    colours = ["#2b6cb0" if ":" not in k else "#38a169" for k, _ in items]
    _bar_chart([k for k, _ in items], [v for _, v in items], colours, f"Gold set{', ' + split + ' split' if split else ''} ({int(metrics['questions'])} questions)", path)


def beir_chart(payload: dict, path: Path) -> None:
    """PNG bar chart of nDCG@10: our modes beside published baselines."""
    labels = [f"ours: {m}" for m in payload["results"]] + [f"published: {n}" for n in payload.get("published_ndcg@10", {})]
    values = [r["ndcg@10"] for r in payload["results"].values()] + list(payload.get("published_ndcg@10", {}).values())
    colours = ["#2b6cb0"] * len(payload["results"]) + ["#a0aec0"] * len(payload.get("published_ndcg@10", {}))
    _bar_chart(labels, values, colours, f"{payload['dataset']} {payload['split']}: nDCG@10", path)

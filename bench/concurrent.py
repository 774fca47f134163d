"""Query latency while another process ingests: p50/p95 idle and during the ingest, embedded and server mode.

``python -m bench.concurrent`` indexes ``corpus/`` into a reader pipeline (the UI's position),
times the gold questions idle, then starts ``assistant ingest`` on other documents in a second
process (same data dir in embedded mode; its own data dir, same collection, in server mode)
and keeps timing questions until that process exits. Both figures come from the same run and
machine, so read the ratio; the machine is shared, so absolute numbers move between runs.
Results go to ``bench/results/concurrent/latest.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.pipeline import build_pipeline  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def questions() -> list[str]:
    """The gold questions (answerable or not: both are real traffic)."""
    rows = [json.loads(line) for line in (ROOT / "corpus" / "eval" / "questions.jsonl").read_text().splitlines() if line.strip()]
    return [r["question"] for r in rows]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(ms: list[float], errors: int) -> dict:
    return {"n": len(ms), "errors": errors, "p50_ms": round(statistics.median(ms), 1) if ms else None,
            "p95_ms": round(percentile(ms, 0.95), 1) if ms else None}


def timed(pipeline, qs: list[str], i: int) -> tuple[float | None, int]:
    t = time.perf_counter()
    try:
        pipeline.ask(qs[i % len(qs)])
    except Exception:  # counted, never hidden
        return None, 1
    return (time.perf_counter() - t) * 1000, 0


def measure(mode: str, work: Path, url: str | None, idle_queries: int) -> dict:
    """Idle and during-ingest figures for one store mode."""
    qs = questions()
    store = {"url": url, "collection": f"bench-concurrent-{os.getpid()}"} if url else {}
    reader = build_pipeline(Settings(data_dir=work / mode / "reader", store=store))
    report = reader.ingest([ROOT / "corpus"], progress=False)
    new = work / mode / "new"
    for folder in ("case-studies", "training"):  # other paths inside the ingested folder: new documents, embedded again
        shutil.copytree(ROOT / "corpus" / folder, new / f"more-{folder}")
    for i in range(10):  # warm: encoder, HNSW, BM25
        timed(reader, qs, i)
    idle, idle_errors = [], 0
    for i in range(idle_queries):
        ms, err = timed(reader, qs, i)
        idle_errors += err
        if ms is not None:
            idle.append(ms)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    if url:
        env.update(ASSISTANT_STORE__URL=url, ASSISTANT_STORE__COLLECTION=store["collection"])
    writer_dir = work / mode / ("reader" if not url else "writer")
    log = work / mode / "ingest.log"
    started = time.time()
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "--data-dir", str(writer_dir), "ingest", str(new)], stdout=out, stderr=subprocess.STDOUT, env=env)
    busy, busy_errors, i = [], 0, 0
    while proc.poll() is None:
        ms, err = timed(reader, qs, i)
        i += 1
        busy_errors += err
        if ms is not None:
            busy.append(ms)
    ingest_s = time.time() - started
    ok = proc.returncode == 0
    after_docs = reader.counts()[0]
    reader.close()
    idle_s, busy_s = summary(idle, idle_errors), summary(busy, busy_errors)
    return {
        "mode": mode, "base_documents": len(report.added), "documents_after": after_docs, "ingest_ok": ok,
        "ingest_seconds": round(ingest_s, 1), "idle": idle_s, "during_ingest": busy_s,
        "p50_ratio": round(busy_s["p50_ms"] / idle_s["p50_ms"], 2) if busy and idle else None,
        "p95_ratio": round(busy_s["p95_ms"] / idle_s["p95_ms"], 2) if busy and idle else None,
    }


def table(rows: list[dict]) -> str:
    lines = [
        "| store | idle p50 / p95 (ms) | during ingest p50 / p95 (ms) | ratio p50 / p95 | queries during ingest (errors) | ingest s | documents seen after |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        i, b = r["idle"], r["during_ingest"]
        lines.append(
            f"| {r['mode']} | {i['p50_ms']} / {i['p95_ms']} | {b['p50_ms']} / {b['p95_ms']} | {r['p50_ratio']} / {r['p95_ratio']} "
            f"| {b['n']} ({b['errors']}) | {r['ingest_seconds']} | {r['base_documents']} → {r['documents_after']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.concurrent", description=__doc__.split("\n\n")[0])
    p.add_argument("--queries", type=int, default=100, help="idle queries per mode (default 100)")
    p.add_argument("--skip-server", action="store_true", help="embedded mode only")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "concurrent")
    args = p.parse_args(argv)
    from bench.query_speed import chroma_server

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-concurrent-") as tmp:
        work = Path(tmp)
        rows.append(measure("embedded", work, None, args.queries))
        print(table(rows), flush=True)
        if not args.skip_server:
            with chroma_server(work / "server-db") as (url, _pid):
                rows.append(measure("server", work, url, args.queries))
    md = table(rows)
    print(md)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps({"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "shared": True}, "rows": rows}, indent=2))
    (args.out / "latest.md").write_text(
        "Query latency (`pipeline.ask`) idle and while `assistant ingest` runs in another process; "
        "measured in one run on a shared 2-core machine (read the ratios).\n\n" + md + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

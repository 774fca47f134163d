"""Run the benchmark: ``python -m bench`` or ``python bench/run.py`` (``--help`` for the flags).

Every figure is paired with a baseline taken in the same run on the same machine: the raw
encoder for ingest and query embedding, the bare model load for cold start, the encoder-only
process for memory, the naive LangChain recipe for ingest, latency and nDCG, and the embedded
store for server mode. It prints a Markdown table and writes ``bench/results/latest.{json,md}``.

The default is a quick run (1k passages, 1,000 ingest documents). ``--sizes 1k,20k,100k`` is
the full one; vectors of the large corpora are computed once and kept in ``bench/.cache``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

if __package__ in (None, ""):  # ``python bench/run.py``: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpora import DEFAULT_SHARED, ROOT

PARTS = ("ingest", "query", "cold", "naive", "ndcg", "server")


@dataclass
class BenchConfig:
    """What to run. Defaults are the quick run."""

    sizes: list[int] = field(default_factory=lambda: [1000])
    ingest_docs: int = 1000
    queries: int = 200
    repeat: int = 1
    warmup: int = 10
    cold_runs: int = 3
    ndcg_queries: int | None = None
    query_threads: list[int | None] = field(default_factory=lambda: [None])
    busy: int = 0
    skip: frozenset[str] = frozenset()
    shared_data: Path | None = DEFAULT_SHARED
    cache_dir: Path = ROOT / "bench" / ".cache"
    out_dir: Path = ROOT / "bench" / "results"
    work_dir: Path | None = None
    keep: bool = False


def parse_size(text: str) -> int:
    """'1k' -> 1000, '20k' -> 20000, '1.5k' -> 1500, '60' -> 60."""
    text = text.strip().lower().replace(",", "_")
    scale = 1000 if text.endswith("k") else 1
    return int(float(text.rstrip("k")) * scale)


def run_benchmark(config: BenchConfig, embeddings=None, say=print) -> dict:
    """Run every part not in ``config.skip`` and return the results (rows, stages, details, notes).

    Args:
        config: Sizes, counts, folders.
        embeddings: A loaded :class:`~assistant.embeddings.SentenceEmbeddings` to share (tests);
            default: the bundled model with the configured settings.
        say: Progress lines.
    """
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from assistant.embeddings import SentenceEmbeddings, bundled_model_path
    from assistant.settings import Settings

    from bench.corpora import find_scifact, latency_queries
    from bench.embcache import EmbeddingCache, model_tag
    from bench.measure import load_average, machine
    from bench.parts import Context, ingest_part, ndcg_part, size_part
    from bench.report import ROW_IDS, ROWS, skipped

    started, clock = datetime.now(timezone.utc), time.perf_counter()
    info = machine()
    settings = Settings()
    embeddings = embeddings or SentenceEmbeddings(settings.embedding)
    embeddings.load()  # before any clock starts
    model_path = Path(settings.embedding.model_path or bundled_model_path())
    tag = model_tag(model_path, settings.embedding.max_seq_length)
    cache = EmbeddingCache(config.cache_dir / "embeddings" / tag)
    scifact = find_scifact(config.shared_data) if "scifact" not in config.skip else None
    notes: list[str] = []
    if scifact is None:
        why = "skipped (--skip scifact)" if "scifact" in config.skip else f"not found under {config.shared_data}"
        notes.append(f"SciFact {why}: nDCG skipped; corpora built from corpus/ only.")
    work = Path(config.work_dir) if config.work_dir else Path(tempfile.mkdtemp(prefix="bench-"))
    work.mkdir(parents=True, exist_ok=True)
    queries = latency_queries(config.queries, scifact)
    ctx = Context(config, embeddings, settings, model_path, cache, scifact, work, queries, say, notes)
    try:
        if {"ingest", "naive"} - config.skip:
            ingest_part(ctx)
        if "ndcg" not in config.skip:
            ndcg_part(ctx)
        if {"query", "cold", "server"} - config.skip:
            for n in config.sizes:
                size_part(ctx, n)
    finally:
        if not config.keep:
            shutil.rmtree(work, ignore_errors=True)
    present = {r["id"] for r in ctx.rows}
    for rid, label in ROWS.items():
        if rid not in present:
            ctx.rows.append(skipped(rid, label, ctx.reasons.get(rid, "part not selected (--skip)")))
    ctx.rows.sort(key=lambda r: ROW_IDS.index(r["id"]))
    info["load_average_end"] = load_average()
    if config.busy:
        notes.append(f"{config.busy} busy process(es) spun on the CPU beside every serving process (--busy): query figures are under load.")
    notes.append(
        "Timings on a shared 2-core machine are noisy: compare ratios (both sides measured in the same run, "
        "interleaved where possible) rather than absolute figures."
    )
    return {
        "started": started.isoformat(timespec="seconds"),
        "elapsed_s": time.perf_counter() - clock,
        "command": "run_benchmark()",
        "machine": info,
        "config": {k: (str(v) if isinstance(v, Path) else sorted(v) if isinstance(v, frozenset) else v) for k, v in vars(config).items()},
        "settings": {"retrieval": settings.retrieval.model_dump(), "store": settings.store.model_dump(), "embedding": settings.embedding.model_dump(mode="json"), "chunking": settings.chunking.model_dump()},
        "embedding_cache": {"folder": str(cache.folder), "vectors": len(cache), "computed_this_run": cache.computed},
        "rows": ctx.rows,
        "stages": ctx.stages,
        "details": ctx.details,
        "notes": notes,
    }


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="1k", help="passage counts for the query benchmark, e.g. 1k,20k,100k (default 1k)")
    p.add_argument("--ingest-docs", type=int, default=1000, help="documents in the ingest benchmark (default 1000)")
    p.add_argument("--queries", type=int, default=200, help="distinct queries per size (default 200)")
    p.add_argument("--repeat", type=int, default=1, help="passes over the queries (default 1)")
    p.add_argument("--warmup", type=int, default=10, help="untimed queries first (default 10)")
    p.add_argument("--cold-runs", type=int, default=3, help="cold starts per size (default 3, median reported)")
    p.add_argument("--query-threads", default="setting", help="torch threads per query encoding: 'setting' (ASSISTANT_EMBEDDING__QUERY_THREADS), "
                   "a number, or 0 for torch's default; e.g. 'setting,0' serves twice (the first fills the main table)")
    p.add_argument("--busy", type=int, default=0, help="processes spinning on the CPU while queries are served "
                   "(noisy neighbours: how p95 holds up on shared cores; default 0)")
    p.add_argument("--ndcg-queries", type=int, default=None, help="evaluate only the first N SciFact test queries")
    p.add_argument("--skip", default="", help=f"comma-separated parts to skip: {', '.join(PARTS)}, scifact")
    p.add_argument("--shared-data", type=Path, default=DEFAULT_SHARED, help="folder holding scifact/ (default ../shared/data)")
    p.add_argument("--cache-dir", type=Path, default=BenchConfig.cache_dir, help="embedding and corpus cache (default bench/.cache)")
    p.add_argument("--out", type=Path, default=BenchConfig.out_dir, help="where latest.json and latest.md go (default bench/results)")
    p.add_argument("--work-dir", type=Path, default=None, help="scratch folder (default: a new temporary one)")
    p.add_argument("--keep", action="store_true", help="keep the scratch folder")
    return p


def config_from_args(argv: list[str] | None = None) -> BenchConfig:
    """Parse command-line flags into a :class:`BenchConfig`."""
    args = _parser().parse_args(argv)
    skip = frozenset(s.strip() for s in args.skip.split(",") if s.strip())
    unknown = skip - set(PARTS) - {"scifact"}
    if unknown:
        _parser().error(f"unknown part(s) to skip: {', '.join(sorted(unknown))}")
    return BenchConfig(
        sizes=[parse_size(s) for s in args.sizes.split(",") if s.strip()], ingest_docs=args.ingest_docs,
        queries=args.queries, repeat=args.repeat, warmup=args.warmup, cold_runs=args.cold_runs,
        ndcg_queries=args.ndcg_queries, skip=skip, busy=args.busy,
        query_threads=[None if t.strip() in ("setting", "") else int(t) for t in args.query_threads.split(",")], shared_data=args.shared_data, cache_dir=args.cache_dir,
        out_dir=args.out, work_dir=args.work_dir, keep=args.keep,
    )


def main(argv: list[str] | None = None, embeddings=None) -> int:
    """Run, print the Markdown report, write JSON and Markdown; returns 0."""
    from bench.report import render, write

    argv = sys.argv[1:] if argv is None else list(argv)
    config = config_from_args(argv)
    results = run_benchmark(config, embeddings=embeddings, say=lambda line: print(f"[bench] {line}", file=sys.stderr, flush=True))
    results["command"] = " ".join(["python -m bench", *map(shlex.quote, argv)])
    print(render(results))
    json_path, md_path = write(results, config.out_dir)
    print(f"wrote {json_path} and {md_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

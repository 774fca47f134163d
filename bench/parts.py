"""The parts of a benchmark run (ingest, naive recipe, nDCG, and per size: query, cold start,
server), each appending rows, stage breakdowns, details and notes to a shared :class:`Context`.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.run import BenchConfig


def size_label(n: int) -> str:
    """1000 -> '1k', 60 -> '60'."""
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else f"{n:,}"


@dataclass
class Context:
    """Everything a part needs, and where the parts put their results."""

    config: BenchConfig
    embeddings: object
    settings: object
    model_path: Path
    cache: object
    scifact: object
    work: Path
    queries: list[str]
    say: object
    notes: list[str]
    rows: list[dict] = field(default_factory=list)
    stages: list[dict] = field(default_factory=list)
    details: dict = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    _natural: list | None = None
    _chunker: object = None

    def natural(self) -> list:
        """Natural passages of the shipped corpus and SciFact (cached on disk)."""
        if self._natural is None:
            from bench.corpora import natural_documents

            self.say("corpora: chunking the shipped corpus" + (" and SciFact" if self.scifact else "") + " with the real chunker")
            self._natural = natural_documents(self.chunker(), self.scifact, self.config.cache_dir / "corpora")
        return self._natural

    def chunker(self):
        """A chunker wired as ``Pipeline.chunker`` is (same tokenizer, settings and window)."""
        if self._chunker is None:
            from assistant.ingest import Chunker

            s = self.settings
            self._chunker = Chunker(self.embeddings.tokenizer, s.chunking, s.embedding.max_seq_length)
        return self._chunker


def ingest_part(ctx: Context) -> None:
    from bench.corpora import ingest_documents, write_documents
    from bench.ingest_speed import bench_ingest

    docs = ingest_documents(ctx.config.ingest_docs, ctx.scifact)
    files = write_documents(docs, ctx.work / "ingest" / "files")
    outcome = bench_ingest(files, ctx.work / "ingest" / "data", ctx.embeddings, ctx.say)
    ctx.cache.put(outcome.texts, outcome.vectors)  # free vectors for the query corpora
    ctx.cache.flush()
    ctx.details["ingest"] = outcome.details
    if "ingest" not in ctx.config.skip:
        ctx.rows += outcome.rows
    if "naive" not in ctx.config.skip:
        _naive(ctx, outcome, docs)


def _naive(ctx: Context, outcome, docs) -> None:
    from assistant.pipeline import build_pipeline

    from bench.measure import summary
    from bench.naive import CHUNK_OVERLAP, CHUNK_SIZE, naive_embeddings, naive_ingest, paired_latencies
    from bench.query_speed import bench_settings
    from bench.report import ratio, row

    n = len(outcome.files)
    ctx.say(f"naive: RecursiveCharacterTextSplitter({CHUNK_SIZE}, {CHUNK_OVERLAP}) + HuggingFaceEmbeddings + Chroma.from_documents on the same {n:,} files")
    for path, (_, content) in zip(outcome.files, docs):  # undo the 1% edit so both index the same text
        path.write_text(content, encoding="utf-8")
    hf = naive_embeddings(ctx.model_path)
    hf.embed_documents(["warm up the encoder"] * 8)
    store, info = naive_ingest(outcome.files, hf, ctx.work / "naive" / "chroma")
    ours = outcome.details["ingest_wall_s"]
    ctx.rows.append(row(
        "naive_ingest", "Ingest time, ours vs naive recipe", f"{n:,} docs", ours, "s", baseline=info["seconds"],
        baseline_label="naive recipe", ratio=ratio(ours, info["seconds"]),
        note=(
            f"ours {outcome.details['passages']:,} passages with BM25 + manifest; naive {info['chunks']:,} chunks, vectors only; "
            f"CPU s ours {outcome.details['ingest_cpu_s']:.0f} vs naive {info['cpu_seconds']:.0f}"
        ),
    ))
    pipeline = build_pipeline(bench_settings(outcome.data_dir), embeddings=ctx.embeddings)
    ctx.say(f"naive: {len(ctx.queries)} queries, ours (ask, search) alternating with similarity_search")
    times = paired_latencies(
        {"ask": pipeline.ask, "search": pipeline.search, "naive": store.similarity_search}, ctx.queries, ctx.config.warmup,
    )
    pipeline.close()
    stats = {k: summary(v) for k, v in times.items()}
    ctx.rows.append(row(
        "naive_query_p50", "Query p50, ours (`ask`) vs naive `similarity_search`", f"{n:,} docs", stats["ask"]["p50"], "ms",
        baseline=stats["naive"]["p50"], baseline_label="naive recipe", ratio=ratio(stats["ask"]["p50"], stats["naive"]["p50"]),
        note=f"ours search only p50 {stats['search']['p50']:.1f} ms; naive p95 {stats['naive']['p95']:.1f} ms, ours ask p95 {stats['ask']['p95']:.1f} ms",
    ))
    ctx.details["naive"] = {"ingest": info, "latency_ms": stats, "chunk_size": CHUNK_SIZE, "chunk_overlap": CHUNK_OVERLAP}


def ndcg_part(ctx: Context) -> None:
    from langchain_core.documents import Document

    from assistant.pipeline import build_pipeline

    from bench.corpora import abstract_file_name, abstract_markdown
    from bench.embcache import EmbeddingCache
    from bench.naive import CachedEmbeddings, naive_embeddings, naive_store
    from bench.quality import naive_ndcg, ours_ndcg
    from bench.query_speed import bench_settings, build_index
    from bench.report import ratio, row

    if ctx.scifact is None:
        ctx.reasons["ndcg_at_10"] = "SciFact absent (../shared/data/scifact) or --skip scifact"
        return
    docs = [d for d in ctx.natural() if ctx.scifact.holds(d)]
    ctx.say(f"ndcg: our index of all {len(docs):,} SciFact abstracts (Index.write, cached vectors)")
    data = ctx.work / "scifact" / "data"
    built = build_index(docs, bench_settings(data), ctx.cache, ctx.embeddings.encode, ctx.say)
    pipeline = build_pipeline(bench_settings(data), embeddings=ctx.embeddings)
    ours, source = ours_ndcg(pipeline, ctx.scifact, ctx.config.ndcg_queries)
    pipeline.close()
    ctx.say("ndcg: the naive recipe's index of the same abstracts (its vectors cached too)")
    hf_cache = EmbeddingCache(ctx.cache.folder.parent / f"{ctx.cache.folder.name}-langchain-hf")
    documents = [
        Document(page_content=abstract_markdown(title or sid, text), metadata={"source": abstract_file_name(sid)})
        for sid, title, text in ctx.scifact.abstracts()
    ]
    store = naive_store(documents, CachedEmbeddings(naive_embeddings(ctx.model_path), hf_cache), ctx.work / "scifact" / "naive")
    naive = naive_ndcg(store, ctx.scifact, ctx.config.ndcg_queries)
    queries = ctx.config.ndcg_queries or len(ctx.scifact.qrels("test"))
    ctx.rows.append(row(
        "ndcg_at_10", "nDCG@10 SciFact test, ours (hybrid) vs naive recipe", f"{len(docs):,} abstracts", ours, "",
        baseline=naive, baseline_label="naive recipe", ratio=ratio(ours, naive),
        note=f"{queries} queries; ours via {source}; published: BM25 0.665, all-MiniLM-L6-v2 0.645",
    ))
    ctx.details["ndcg"] = {"ours": ours, "naive": naive, "ours_source": source, "queries": queries, "index": built}


def size_part(ctx: Context, n: int) -> None:
    from bench.corpora import NotEnoughText, passage_corpus
    from bench.query_speed import bench_settings, build_index

    label = size_label(n)
    try:
        chunker = ctx.chunker()
        docs = passage_corpus(n, ctx.natural(), chunker.tokenizer, chunker.limit)
    except NotEnoughText as exc:
        reason = f"{label}: {exc}" + ("" if ctx.scifact else " (SciFact absent)")
        ctx.notes.append(f"Size {reason}; skipped.")
        for rid in ("query_p50", "query_p95", "peak_rss", "cold_start", "server_query_p50", "server_query_p95"):
            ctx.reasons[rid] = reason
        return
    ctx.say(f"query {label}: building the index ({n:,} passages)")
    data = ctx.work / f"q{n}" / "data"
    built = build_index(docs, bench_settings(data), ctx.cache, ctx.embeddings.encode, ctx.say)
    ctx.details[f"index_{label}"] = built
    embedded = None
    if "query" not in ctx.config.skip or "server" not in ctx.config.skip:
        ctx.say(f"query {label}: serving {len(ctx.queries)} queries x {ctx.config.repeat} in a fresh process")
        first, *others = ctx.config.query_threads
        embedded = _serve(ctx, n, data, "embedded", threads=first)
        for threads in others:  # the same benchmark with another query thread count, for comparison
            ctx.say(f"query {label}: again with {threads or 'default'} torch thread(s) per query")
            other = _serve(ctx, n, data, "embedded", threads=threads)
            a, b = embedded["ask_ms"], other["ask_ms"]
            ctx.notes.append(
                f"{label}, torch threads per query {embedded['query_threads']} → {other['query_threads']}: ask p50 {a['p50']:.1f} → {b['p50']:.1f} ms, "
                f"p95 {a['p95']:.1f} → {b['p95']:.1f} ms; query-encode stage mean {embedded['stage_ms']['embed']['mean']:.1f} → "
                f"{other['stage_ms']['embed']['mean']:.1f} ms."
            )
    if "cold" not in ctx.config.skip:
        _cold(ctx, n, data)
    if "server" not in ctx.config.skip:
        _server(ctx, n, docs, embedded)
    if not ctx.config.keep:
        shutil.rmtree(ctx.work / f"q{n}", ignore_errors=True)


def _serve(ctx: Context, n: int, data: Path, mode: str, url: str | None = None, collection: str | None = None, threads: int | None = None) -> dict:
    from bench.process import busy
    from bench.query_speed import serve_in_child
    from bench.report import STAGES, ratio, row

    primary = threads == ctx.config.query_threads[0]
    with busy(ctx.config.busy):
        result = serve_in_child(
            data, ctx.queries, warmup=ctx.config.warmup, repeat=ctx.config.repeat, store_url=url, collection=collection,
            query_threads=threads,
        )
    label = mode if primary else f"{mode}, {result['query_threads']} query thread(s)"
    ctx.details[f"serve_{label.replace(', ', '_').replace(' ', '_')}_{size_label(n)}"] = result
    ask, enc = result["ask_ms"], result["encode_ms"]
    ctx.stages.append({
        "mode": label, "query_threads": result["query_threads"], "passages": result["passages"], "total_mean_ms": ask["mean"], "total_p50_ms": ask["p50"],
        "stage_mean_ms": {k: result["stage_ms"][k]["mean"] for k in STAGES},
        "stage_p50_ms": {k: result["stage_ms"][k]["p50"] for k in STAGES},
    })
    samples = f"{result['samples']} asks, {100 * result['abstained']:.0f}% abstained"
    if result["errors"]:
        failed = sum(e["count"] for e in result["errors"])
        samples += f"; **{failed} asks raised** (untimed, see notes)"
        example = result["errors"][0]
        ctx.notes.append(
            f"{size_label(n)} ({label}): {failed} of {failed + result['samples']} asks raised, "
            f"e.g. {example['error']} for {example['query'][:120]!r}."
        )
    if mode != "embedded" or not primary or "query" in ctx.config.skip:
        return result
    label, at20k = size_label(n), n == 20_000
    ctx.rows.append(row(
        "query_p50", "Query p50 (`pipeline.ask`: retrieve + extractive answer)", label, ask["p50"], "ms",
        baseline=enc["p50"], baseline_label="raw query encode", ratio=ratio(ask["p50"], enc["p50"]),
        target="≤ 40 ms at 20k", met=(ask["p50"] <= 40) if at20k else None, note=samples,
    ))
    ctx.rows.append(row(
        "query_p95", "Query p95 (`pipeline.ask`)", label, ask["p95"], "ms", baseline=enc["p95"],
        baseline_label="raw query encode", ratio=ratio(ask["p95"], enc["p95"]), target="≤ 100 ms at 20k",
        met=(ask["p95"] <= 100) if at20k else None, note=samples,
    ))
    ctx.rows.append(row(
        "peak_rss", "Peak RSS while serving", label, result["rss_serving_peak_mb"], "MiB", baseline=result["rss_encoder_mb"],
        baseline_label="process with the encoder only", ratio=ratio(result["rss_serving_peak_mb"], result["rss_encoder_mb"]),
        target="≤ 2 GB at 100k", met=(result["rss_serving_peak_mb"] <= 2048) if n == 100_000 else None,
        note=f"lifetime peak {result['rss_lifetime_peak_mb']:.0f} MiB (incl. loading)",
    ))
    return result


def _cold(ctx: Context, n: int, data: Path) -> None:
    from bench.query_speed import cold_start
    from bench.report import ratio, row

    ctx.say(f"query {size_label(n)}: cold start, {ctx.config.cold_runs} x `python -m assistant ask` vs bare model load")
    cold = cold_start(data, ctx.queries[0], ctx.model_path, ctx.config.cold_runs)
    ctx.details[f"cold_{size_label(n)}"] = cold
    ctx.rows.append(row(
        "cold_start", "Cold start: process start to first answer", size_label(n), cold["answer_s"], "s",
        baseline=cold["baseline_s"], baseline_label="python + load model + encode", ratio=ratio(cold["answer_s"], cold["baseline_s"]),
        note=f"median of {cold['runs']}; process exit at {cold['exit_s']:.2f} s",
    ))


def _server(ctx: Context, n: int, docs, embedded: dict | None) -> None:
    from bench.query_speed import bench_settings, build_index, chroma_server, server_rss_mb
    from bench.report import ratio, row

    label = size_label(n)
    ctx.say(f"server {label}: chroma run on loopback, same index, same queries")
    with chroma_server(ctx.work / f"q{n}" / "chroma-server") as (url, pid):
        data = ctx.work / f"q{n}" / "server-data"
        collection = f"bench{n}"
        ctx.details[f"index_server_{label}"] = build_index(docs, bench_settings(data, url, collection), ctx.cache, ctx.embeddings.encode, ctx.say)
        result = _serve(ctx, n, data, "server", url, collection, threads=ctx.config.query_threads[0])
        server_mb = server_rss_mb(pid)
    result["server_rss_mb"] = server_mb
    ask = result["ask_ms"]
    base = embedded["ask_ms"] if embedded else None
    dense = result["stage_ms"]["dense"]["mean"]
    note = f"dense stage mean {dense:.1f} ms"
    if embedded:  # the stage that differs between the modes, less exposed to machine load than the total
        note += f" vs {embedded['stage_ms']['dense']['mean']:.1f} ms embedded"
    note += f"; client peak RSS {result['rss_serving_peak_mb']:.0f} MiB + server {server_mb:.0f} MiB"
    for rid, key, what in (("server_query_p50", "p50", "p50"), ("server_query_p95", "p95", "p95")):
        ctx.rows.append(row(
            rid, f"Server mode query {what} (`chroma run` on loopback)", label, ask[key], "ms",
            baseline=base[key] if base else None, baseline_label="embedded store", ratio=ratio(ask[key], base[key]) if base else None,
            note=note,
        ))

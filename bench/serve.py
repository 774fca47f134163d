"""The serving process of the query benchmark: ``python -m bench.serve SPEC.json RESULT.json``.

One process per corpus size, so peak memory is that of a process serving that index and
nothing else. It loads the encoder (recording the RSS of "encoder only" as the memory baseline),
opens the index, warms up, then asks every query in turn. Each question is timed twice: the raw
query encoding (the unavoidable floor) and ``pipeline.ask`` (retrieve + extractive answer), so
both see the same machine load. Stage times come from ``SearchResult.timings`` (summed over the
ask's searches: its own and one per subject of a comparison or definition); ``compose`` is
``ExtractiveComposer.compose``; ``other`` is what ``ask`` spends outside both.

SPEC keys: ``data_dir``, ``store_url`` (or null), ``collection``, ``queries``, ``warmup``, ``repeat``,
``query_threads`` (null = the ``ASSISTANT_EMBEDDING__QUERY_THREADS`` setting; 0 = torch's default,
one per core).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bench.measure import peak_rss_mb, rss_mb, summary
from bench.report import STAGES


def instrument(pipeline) -> dict:
    """Wrap the pipeline's searcher and composer so each ``ask`` leaves its stage times in the returned dict.

    Clear the dict before each ``ask``. Search stages are summed over every search the ask
    runs: a comparison or definition searches again for each subject, and timing only the
    last search would count the question's own one as ``other``.
    """
    last: dict = {}
    searcher, composer = pipeline.searcher, pipeline.composer
    search, compose = searcher.search, composer.compose

    def timed_search(*args, **kwargs):
        t = time.perf_counter()
        result = search(*args, **kwargs)
        last["search"] = last.get("search", 0.0) + time.perf_counter() - t
        stages = last.setdefault("stages", {})
        for name, seconds in result.timings.items():
            stages[name] = stages.get(name, 0.0) + seconds
        return result

    def timed_compose(*args, **kwargs):
        t = time.perf_counter()
        answer = compose(*args, **kwargs)
        last["compose"] = time.perf_counter() - t
        return answer

    searcher.search = timed_search  # instance attributes: the classes are untouched
    composer.compose = timed_compose
    return last


def serve(spec: dict) -> dict:
    """Run the query benchmark described by ``spec`` in this process and return its measurements."""
    from assistant.embeddings import SentenceEmbeddings
    from assistant.pipeline import build_pipeline
    from assistant.settings import Settings

    rss_start = rss_mb()
    store = {"url": spec.get("store_url"), "collection": spec.get("collection") or "passages"}
    embedding = {} if spec.get("query_threads") is None else {"query_threads": int(spec["query_threads"])}
    settings = Settings(data_dir=Path(spec["data_dir"]), store=store, embedding=embedding)  # other ASSISTANT_* settings apply
    embeddings = SentenceEmbeddings(settings.embedding)
    embeddings.encode_query("load the encoder")
    rss_encoder = rss_mb()

    t = time.perf_counter()
    pipeline = build_pipeline(settings, embeddings=embeddings)
    last = instrument(pipeline)
    queries = spec["queries"]
    pipeline.search(queries[0])  # opens Chroma's HNSW and loads BM25 (ask could fail on a bug, see errors)
    first_ask = time.perf_counter() - t
    for q in queries[1 : spec.get("warmup", 10)]:
        try:
            pipeline.ask(q)
        except Exception:  # counted in the timed pass
            pass
    rss_peak = rss_mb()

    totals, encodes, abstained = [], [], 0
    errors: dict[str, dict] = {}
    stages: dict[str, list[float]] = {k: [] for k in STAGES}
    for _ in range(spec.get("repeat", 1)):
        for q in queries:
            t = time.perf_counter()
            embeddings.encode_query(q)  # the floor: the same encoder call the search makes
            encodes.append(time.perf_counter() - t)
            last.clear()
            t = time.perf_counter()
            try:
                answer = pipeline.ask(q)
            except Exception as exc:  # a product bug: record it, keep measuring the other queries
                errors.setdefault(q, {"query": q, "error": f"{type(exc).__name__}: {exc}", "count": 0})["count"] += 1
                continue
            total = time.perf_counter() - t
            totals.append(total)
            abstained += answer.abstained
            timings = last.get("stages", {})
            for k in ("embed", "dense", "bm25", "fuse"):
                stages[k].append(timings.get(k, 0.0))
            stages["compose"].append(last.get("compose", 0.0))
            stages["other"].append(max(0.0, total - last.get("search", 0.0) - last.get("compose", 0.0)))
            rss_peak = max(rss_peak, rss_mb())
    passages = pipeline.stats()["chunks"]
    pipeline.close()
    return {
        "passages": passages,
        "queries": len(queries),
        "samples": len(totals),
        "ask_ms": summary(totals),
        "encode_ms": summary(encodes),
        "stage_ms": {k: summary(v) for k, v in stages.items()},
        "abstained": abstained / max(1, len(totals)),
        "first_search_s": first_ask,
        "errors": list(errors.values()),
        "rss_start_mb": rss_start,
        "rss_encoder_mb": rss_encoder,
        "rss_serving_peak_mb": rss_peak,
        "rss_lifetime_peak_mb": peak_rss_mb(),
        "query_threads": settings.embedding.query_threads or _torch_default_threads(),
    }


def _torch_default_threads() -> int:
    import torch

    return torch.get_num_threads()


def main(argv: list[str] | None = None) -> int:
    """Entry point for the child process."""
    spec_path, out_path = (argv or sys.argv[1:])[:2]
    result = serve(json.loads(Path(spec_path).read_text()))
    Path(out_path).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

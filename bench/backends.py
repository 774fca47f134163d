"""Encoder backends side by side in one run: torch, ONNX fp32 (onnxruntime and OpenVINO) and ONNX int8 on the same texts, indexes and questions.

``python -m bench.backends`` (about 20 minutes on 2 cores; needs ``../shared/data/scifact``)
writes ``bench/results/backends/latest.{json,md}``. Per backend:

- **load**: in-process load of the encoder (the ONNX export is made beforehand, once, into the cache);
- **query encode**: one question, one thread, p50 over SciFact claims, backends interleaved per question;
- **ask p50 / p95**: ``pipeline.ask`` at 1k passages and on the whole SciFact index, interleaved likewise;
- **ingest**: passages/s of ``pipeline.ingest`` over the first ``--ingest-docs`` SciFact abstracts, fresh data dir each;
- **cold start**: ``python -m assistant ask --json`` in a fresh process, spawn to exit (median of 3), and its peak RSS;
- **SciFact test nDCG@10** dense and hybrid (``assistant.eval.beir.evaluate_beir``);
- **cosine to torch fp32**, mean and min, over ``--cosine-passages`` SciFact passages.

ONNX fp32 vectors are torch's (cosine >= 0.9999), so one fp32 SciFact index, built by the ONNX
backend in onnxruntime, is searched by torch and ONNX queries alike (the product treats them as
one vector space too). OpenVINO (bf16 on a CPU with native bf16) builds an index of its own, so
its nDCG is that of its own passages and questions; int8 gets an index of its own, built by int8.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.embeddings import SentenceEmbeddings
from assistant.settings import Settings

from bench.corpora import ROOT
from bench.measure import load_average, machine, summary, timed
from bench.query_speed import child_env

CONFIGS = {
    "torch": ("torch", "onnxruntime"),
    "onnx (onnxruntime)": ("onnx", "onnxruntime"),
    "onnx (openvino)": ("onnx", "openvino"),
    "onnx-int8": ("onnx-int8", "onnxruntime"),
}
"""Each column: ``embedding.backend`` and ``embedding.engine``."""
BACKENDS = tuple(CONFIGS)
BUILDS = {"torch": "onnx (onnxruntime)", "onnx (onnxruntime)": "onnx (onnxruntime)", "onnx (openvino)": "onnx (openvino)", "onnx-int8": "onnx-int8"}
"""Which column builds the index each column is searched on."""


def settings_for(label: str, data_dir: Path, cache_dir: Path) -> Settings:
    backend, engine = CONFIGS[label]
    return Settings(data_dir=data_dir, embedding={"backend": backend, "engine": engine, "cache_dir": cache_dir})


def _folder(label: str) -> str:
    return label.replace(" (", "-").rstrip(")")


def run(args: argparse.Namespace, say=print) -> dict:
    from assistant.eval.beir import evaluate_beir, load_beir, materialise
    from assistant.pipeline import build_pipeline

    work = Path(args.work_dir or tempfile.mkdtemp(prefix="bench-backends-"))
    cache = work / "model-cache"
    data = load_beir(args.scifact, "test")
    if args.docs:  # a smoke run on part of the corpus
        data.corpus = dict(list(data.corpus.items())[: args.docs])
    results: dict = {"machine": machine(), "load_start": load_average(), "backends": {b: {} for b in BACKENDS}, "notes": []}
    out = results["backends"]

    say("export: every ONNX backend once into the cache (not timed below)")
    for backend in BACKENDS[1:]:
        with timed() as clock:
            SentenceEmbeddings(settings_for(backend, work, cache).embedding).load()
        out[backend]["export_s"] = round(clock.wall, 1)

    encoders = {}
    for backend in BACKENDS:
        with timed() as clock:
            encoders[backend] = SentenceEmbeddings(settings_for(backend, work, cache).embedding).load()
        out[backend]["load_s"] = round(clock.wall, 2)
        out[backend]["vector_space"] = encoders[backend].vector_space.to_json()
        out[backend]["engine"] = getattr(encoders[backend].runner, "engine", "torch")

    say("SciFact: the corpus ingested once per vector space")
    docs = materialise(data, work / "scifact-docs")
    pipelines = {}
    for build in sorted(set(BUILDS.values())):
        p = build_pipeline(settings_for(build, work / f"scifact-{_folder(build)}", cache), embeddings=encoders[build])
        with timed() as clock:
            report = p.ingest([docs], progress=False)
        out[build]["scifact_ingest"] = {"passages": report.chunks, "seconds": round(clock.wall, 1), "passages_per_s": round(report.chunks / clock.wall, 1)}
        say(f"  {build}: {report.chunks:,} passages in {clock.wall:.0f} s")
        p.close()
    for backend in BACKENDS:
        pipelines[backend] = build_pipeline(settings_for(backend, work / f"scifact-{_folder(BUILDS[backend])}", cache), embeddings=encoders[backend])

    say(f"cosine to torch fp32 over {args.cosine_passages} SciFact passages (and raw encode passages/s, batch 64)")
    texts = pipelines["torch"].index.manifest.lexical_corpus()[2]
    texts = random.Random(13).sample(texts, min(args.cosine_passages, len(texts)))
    vectors = {}
    for backend in BACKENDS:
        with timed() as clock:
            vectors[backend] = encoders[backend].encode(texts, batch_size=64)
        out[backend]["raw_encode_passages_per_s"] = round(len(texts) / clock.wall, 1)
    for backend in BACKENDS:
        cos = (vectors[backend] * vectors["torch"]).sum(axis=1)
        out[backend]["cosine_to_torch"] = {"mean": float(cos.mean()), "min": float(cos.min()), "n": len(texts)}

    say("SciFact test nDCG@10, dense and hybrid")
    for backend in BACKENDS:
        scores = evaluate_beir(pipelines[backend], data, modes=("dense", "hybrid"))
        out[backend]["scifact_ndcg10"] = {m: round(scores[m]["ndcg@10"], 4) for m in ("dense", "hybrid")}
        say(f"  {backend}: {out[backend]['scifact_ndcg10']}")

    questions = list(data.queries.values())
    random.Random(5).shuffle(questions)
    questions = questions[: args.queries]
    small = _small_indexes(pipelines, encoders, work, cache, args.small)
    for label, serving in ((f"{args.small // 1000}k", small), (f"scifact ({out['onnx (onnxruntime)']['scifact_ingest']['passages'] // 1000}k)", pipelines)):
        say(f"ask and query encode at {label}: {len(questions)} questions, backends interleaved")
        times = {b: {"encode": [], "ask": []} for b in BACKENDS}
        for q in questions[:10]:  # warm-up
            for backend in BACKENDS:
                serving[backend].ask(q)
        for q in questions:
            for backend in BACKENDS:
                enc = encoders[backend]
                t = time.perf_counter()
                enc.encode_query(q)
                times[backend]["encode"].append(time.perf_counter() - t)
                t = time.perf_counter()
                serving[backend].ask(q)
                times[backend]["ask"].append(time.perf_counter() - t)
        for backend in BACKENDS:
            out[backend].setdefault("ask", {})[label] = summary(times[backend]["ask"])
            out[backend].setdefault("query_encode", {})[label] = summary(times[backend]["encode"])

    say(f"ingest: the first {args.ingest_docs} SciFact abstracts, fresh data dir per backend")
    subset = work / "ingest-docs"
    subset.mkdir(exist_ok=True)
    for path in sorted(docs.iterdir())[: args.ingest_docs]:
        (subset / path.name).write_bytes(path.read_bytes())
    for backend in BACKENDS:
        p = build_pipeline(settings_for(backend, work / f"ingest-{_folder(backend)}", cache), embeddings=encoders[backend])
        with timed() as clock:
            report = p.ingest([subset], progress=False)
        out[backend]["ingest"] = {"passages": report.chunks, "wall_s": round(clock.wall, 1), "cpu_s": round(clock.cpu, 1), "passages_per_s": round(report.chunks / clock.wall, 1)}
        p.close()

    say("cold start: a fresh `python -m assistant ask --json` per backend (median of 3) and its peak RSS")
    for backend in BACKENDS:
        runs = [_cold(backend, work / f"scifact-{_folder(BUILDS[backend])}", cache, questions[0]) for _ in range(3)]
        out[backend]["cold_start_s"] = round(float(np.median([r[0] for r in runs])), 2)
        out[backend]["cold_rss_mb"] = round(float(np.median([r[1] for r in runs])), 0)
    for p in list(pipelines.values()) + list(small.values()):
        p.close()
    results["load_end"] = load_average()
    results["notes"].append(
        "torch and onnx (onnxruntime) are searched on one fp32 SciFact index built by onnx in onnxruntime (their vectors agree to "
        "the cosine shown); onnx (openvino) and onnx-int8 each on an index they built themselves. 100k passages not run: embedding 100k passages per vector space "
        "takes over an hour on 2 cores; ask time beyond the encoder does not depend on the backend (see bench/results/latest.md)."
    )
    return results


def _small_indexes(pipelines: dict, encoders: dict, work: Path, cache: Path, n: int) -> dict:
    """Indexes of the first ``n`` passages of each SciFact index (vectors copied, not re-embedded)."""
    from assistant.index import Index
    from assistant.pipeline import build_pipeline

    for build in sorted(set(BUILDS.values())):
        source = pipelines[build].index
        docs, total = [], 0
        for record in sorted(source.manifest.documents(), key=lambda d: d.source):
            docs.append(record)
            total += record.n_chunks
            if total >= n:
                break
        ids = [c.id for d in docs for c in source.manifest.document_chunks(d.doc_id)]
        got = source.store.collection.get(ids=ids, include=["embeddings", "documents", "metadatas"])
        target = Index(settings_for(build, work / f"small-{_folder(build)}", cache))
        target.claim_vectors(encoders[build].vector_space)
        target.store.upsert(got["ids"], np.asarray(got["embeddings"], dtype=np.float32), got["documents"], got["metadatas"])
        with source.manifest.snapshot():
            rows = source.manifest.db.execute(
                f"SELECT * FROM documents WHERE doc_id IN ({','.join('?' * len(docs))})", [d.doc_id for d in docs]).fetchall()
            chunks = source.manifest.db.execute(
                f"SELECT * FROM chunks WHERE doc_id IN ({','.join('?' * len(docs))})", [d.doc_id for d in docs]).fetchall()
        with target.manifest.transaction() as db:
            db.executemany(f"INSERT INTO documents VALUES ({','.join('?' * len(rows[0]))})", rows)
            db.executemany(f"INSERT INTO chunks VALUES ({','.join('?' * len(chunks[0]))})", chunks)
        target.close()
    return {b: build_pipeline(settings_for(b, work / f"small-{_folder(BUILDS[b])}", cache), embeddings=encoders[b]) for b in BACKENDS}


def _cold(label: str, data_dir: Path, cache: Path, question: str) -> tuple[float, float]:
    """Seconds from spawn to exit of a fresh ``assistant ask``, and its peak RSS in MiB."""
    backend, engine = CONFIGS[label]
    env = child_env() | {"ASSISTANT_EMBEDDING__BACKEND": backend, "ASSISTANT_EMBEDDING__ENGINE": engine, "ASSISTANT_EMBEDDING__CACHE_DIR": str(cache)}
    code = (
        "import atexit, sys\n"
        # VmHWM, not ru_maxrss: ru_maxrss survives exec, so it would report the forking parent's peak.
        "atexit.register(lambda: print('RSS', next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')), file=sys.stderr))\n"
        "from assistant.cli import main\n"
        f"sys.exit(main(['--data-dir', {str(data_dir)!r}, 'ask', {question!r}, '--json']))\n"
    )
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT, timeout=300)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(f"cold start with {label} failed: {done.stderr[-500:]}")
    rss = [line for line in done.stderr.splitlines() if line.startswith("RSS ")]
    return wall, int(rss[-1].split()[1]) / 1024


def markdown(results: dict) -> str:
    """The side-by-side table."""
    b = results["backends"]
    sizes = list(b["torch"]["ask"])
    rows = [
        ("engine", lambda r: r.get("engine", "?")),
        ("space (index kind)", lambda r: r["vector_space"]["space"]),
        ("load in process (s)", lambda r: f"{r['load_s']:.2f}"),
        *[(f"query encode p50, 1 thread, at {s} (ms)", lambda r, s=s: f"{r['query_encode'][s]['p50']:.1f}") for s in sizes[:1]],
        *[(f"ask p50 / p95 at {s} (ms)", lambda r, s=s: f"{r['ask'][s]['p50']:.1f} / {r['ask'][s]['p95']:.1f}") for s in sizes],
        ("ingest (passages/s)", lambda r: f"{r['ingest']['passages_per_s']:.1f}"),
        ("raw encode, batch 64 (passages/s)", lambda r: f"{r['raw_encode_passages_per_s']:.1f}"),
        ("cold start to first answer (s)", lambda r: f"{r['cold_start_s']:.2f}"),
        ("peak RSS of that process (MiB)", lambda r: f"{r['cold_rss_mb']:.0f}"),
        ("SciFact test nDCG@10 dense", lambda r: f"{r['scifact_ndcg10']['dense']:.4f}"),
        ("SciFact test nDCG@10 hybrid", lambda r: f"{r['scifact_ndcg10']['hybrid']:.4f}"),
        ("cosine to torch fp32, mean / min", lambda r: f"{r['cosine_to_torch']['mean']:.5f} / {r['cosine_to_torch']['min']:.4f}"),
    ]
    lines = ["| | " + " | ".join(BACKENDS) + " |", "|---|" + "---|" * len(BACKENDS)]
    for name, cell in rows:
        lines.append(f"| {name} | " + " | ".join(cell(b[k]) for k in BACKENDS) + " |")
    m = results["machine"]
    lines += ["", f"Machine: {m.get('cpu', '?')}, {m.get('cores', '?')} cores; load average {results['load_start']} at the start, {results['load_end']} at the end."]
    lines += [f"Note: {n}" for n in results["notes"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backends", description=__doc__.splitlines()[0])
    parser.add_argument("--scifact", type=Path, default=ROOT.parent / "shared" / "data" / "scifact")
    parser.add_argument("--queries", type=int, default=150, help="questions per size (SciFact test claims)")
    parser.add_argument("--small", type=int, default=1000, help="passages in the small index")
    parser.add_argument("--ingest-docs", type=int, default=400)
    parser.add_argument("--cosine-passages", type=int, default=1000)
    parser.add_argument("--docs", type=int, default=None, help="only the first N SciFact documents (a smoke run)")
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "backends")
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    results = run(args, say=lambda line: print(f"[backends] {line}", file=sys.stderr, flush=True))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(results, indent=1))
    table = markdown(results)
    (args.out / "latest.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

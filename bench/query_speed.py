"""Query benchmark: build an index of N real passages, serve it in a fresh process, time cold
starts, and repeat against a real ``chroma run`` server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from assistant.index import Index, PreparedDocument
from assistant.settings import Settings

from bench.corpora import ROOT
from bench.embcache import EmbeddingCache
from bench.measure import rss_mb, timed
from bench.process import free_port, served


def child_env() -> dict[str, str]:
    """Environment for child processes: this repo importable, offline model.

    ``ASSISTANT_*`` tuning variables pass through (so ``ASSISTANT_STORE__HNSW_SEARCH_EF=64
    python -m bench`` measures that setting everywhere); the data dir and store URL are always
    the benchmark's own.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("ASSISTANT_DATA_DIR", "ASSISTANT_STORE__URL")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.update(ANONYMIZED_TELEMETRY="False", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    return env


def build_index(
    docs: Sequence[PreparedDocument], settings: Settings, cache: EmbeddingCache, encode, say=print, batch: int = 2000,
) -> dict:
    """Store ``docs`` through ``Index.write`` with cached (or freshly computed and cached) vectors.

    Args:
        docs: Documents with their passages.
        settings: Where the index goes (data dir, store URL).
        cache: Embedding cache.
        encode: Texts -> unit vectors, for passages not in the cache yet.
        say: Progress lines.
        batch: Passages per ``Index.write`` call.

    Returns:
        Passage count and the seconds spent embedding, writing and building BM25.
    """
    texts = [c.embed_text for d in docs for c in d.chunks]
    missing = len(texts) - sum(1 for t in texts if cache.has(t))
    if missing:
        say(f"  embedding {missing:,} passages not yet in bench/.cache (once per text)")
    with timed() as embed_clock:
        matrix = cache.get(texts, encode)
    vectors = {c.id: matrix[i] for i, c in enumerate(c for d in docs for c in d.chunks)}
    index = Index(settings)
    with timed() as write_clock:
        group: list[PreparedDocument] = []
        size = 0
        for doc in docs:
            group.append(doc)
            size += len(doc.chunks)
            if size >= batch:
                index.write(group, {c.id: vectors[c.id] for d in group for c in d.chunks})
                group, size = [], 0
        if group:
            index.write(group, {c.id: vectors[c.id] for d in group for c in d.chunks})
    with timed() as bm25_clock:
        index.refresh_lexical()
    stats = index.stats()
    index.close()
    return {
        "passages": stats["chunks"], "vectors": stats["vectors"], "documents": stats["documents"],
        "embedded_now": missing, "embed_s": embed_clock.wall, "write_s": write_clock.wall, "bm25_build_s": bm25_clock.wall,
    }


def serve_in_child(
    data_dir: Path, queries: list[str], *, warmup: int, repeat: int, store_url: str | None = None,
    collection: str | None = None, query_threads: int | None = None,
) -> dict:
    """Run :mod:`bench.serve` in a fresh interpreter and return its measurements."""
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        spec, out = Path(tmp) / "spec.json", Path(tmp) / "out.json"
        spec.write_text(json.dumps({
            "data_dir": str(data_dir), "store_url": store_url, "collection": collection,
            "queries": queries, "warmup": warmup, "repeat": repeat, "query_threads": query_threads,
        }))
        proc = subprocess.run(
            [sys.executable, "-m", "bench.serve", str(spec), str(out)], cwd=ROOT, env=child_env(),
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"bench.serve failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
        return json.loads(out.read_text())


def _first_line(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """Seconds to the first stdout line and to exit, and that line."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    first = time.perf_counter() - t
    _, err = proc.communicate()
    done = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} ... failed ({proc.returncode}): {err.strip()[-1500:]}")
    return first, done, line


def cold_start(data_dir: Path, question: str, model_path: Path, runs: int) -> dict:
    """Process start to first answer of ``python -m assistant ask``, against loading the bare model.

    The baseline process imports sentence-transformers, loads the same model and encodes the
    question: the least any process must do before it can retrieve anything. The two commands
    alternate so that both see the same machine load.
    """
    env = child_env()
    ask = [sys.executable, "-m", "assistant", "--data-dir", str(data_dir), "ask", question, "--json"]
    bare = [sys.executable, "-c", (
        "import sys; from sentence_transformers import SentenceTransformer; "
        "m = SentenceTransformer(sys.argv[1], device='cpu', local_files_only=True); "
        "m.encode([sys.argv[2]], normalize_embeddings=True); print('ok', flush=True)"
    ), str(model_path), question]
    answer_s, exit_s, base_s = [], [], []
    answer = {}
    for _ in range(runs):
        base_s.append(_first_line(bare, env)[0])
        first, done, line = _first_line(ask, env)
        answer_s.append(first)
        exit_s.append(done)
        answer = json.loads(line)
    return {
        "answer_s": float(np.median(answer_s)), "exit_s": float(np.median(exit_s)), "baseline_s": float(np.median(base_s)),
        "runs": runs, "all_answer_s": answer_s, "all_baseline_s": base_s, "abstained": answer.get("abstained"),
        "citations": len(answer.get("citations", [])),
    }


@contextmanager
def chroma_server(path: Path, timeout: float = 90.0) -> Iterator[tuple[str, int]]:
    """A ``chroma run`` server (the binary beside this Python) on a free loopback port.

    Yields:
        ``(url, pid)``; the server is terminated (then killed if need be) on exit.
    """
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        raise FileNotFoundError(f"no chroma CLI beside {sys.executable}")
    port = free_port()
    path.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    command = [str(exe), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    with served(command, f"{url}/api/v2/heartbeat", path.parent / f"{path.name}.log", timeout=timeout, env=child_env()) as proc:
        yield url, proc.pid


def server_rss_mb(pid: int) -> float:
    """RSS of the Chroma server process (and its children), in MiB."""
    import psutil

    proc = psutil.Process(pid)
    return rss_mb(pid) + sum(rss_mb(c.pid) for c in proc.children(recursive=True))


def bench_settings(data_dir: Path, url: str | None = None, collection: str = "passages") -> Settings:
    """Settings for a benchmark index: embedded Chroma under ``data_dir`` unless ``url`` names a
    server (manifest and BM25 stay local either way). Other ``ASSISTANT_*`` variables apply."""
    return Settings(data_dir=data_dir, store={"url": url, "collection": collection})


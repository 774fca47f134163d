"""Measuring helpers: wall and CPU clocks, percentiles, resident memory, and what machine this is."""

from __future__ import annotations

import os
import platform
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np


@dataclass
class Clock:
    """Wall and process-CPU seconds of one ``with timed()`` block.

    CPU seconds count every thread of this process, so on a shared machine they move less than
    wall seconds when other jobs compete for the cores; ratios are reported on both.
    """

    wall: float = 0.0
    cpu: float = 0.0


@contextmanager
def timed() -> Iterator[Clock]:
    """Time a block: ``with timed() as clock: ...; clock.wall``."""
    clock = Clock()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield clock
    finally:
        clock.wall = time.perf_counter() - wall
        clock.cpu = time.process_time() - cpu


def summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95, mean, min and max in milliseconds, plus the sample count."""
    if not seconds:
        return {"n": 0}
    ms = np.asarray(seconds, dtype=float) * 1000
    return {
        "n": int(len(ms)),
        "p50": float(np.percentile(ms, 50)),
        "p95": float(np.percentile(ms, 95)),
        "mean": float(ms.mean()),
        "min": float(ms.min()),
        "max": float(ms.max()),
    }


def rss_mb(pid: int | None = None) -> float:
    """Resident set size of a process (this one by default), in MiB."""
    import psutil

    return psutil.Process(pid or os.getpid()).memory_info().rss / 2**20


def peak_rss_mb() -> float:
    """This process's lifetime peak RSS (Linux ``VmHWM``), in MiB; 0 where unknown."""
    try:
        for line in open(f"/proc/{os.getpid()}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def load_average() -> list[float]:
    """1, 5 and 15-minute load averages (how busy the machine was)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def machine() -> dict:
    """What the numbers were measured on."""
    import psutil

    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_average_start": load_average(),
    }
    from importlib.metadata import PackageNotFoundError, version

    for package in ("torch", "sentence-transformers", "chromadb", "bm25s", "langchain-chroma", "langchain-huggingface"):
        try:
            info[package] = version(package)
        except PackageNotFoundError:
            info[package] = None
    try:
        import torch

        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    return info

"""Child servers for the benchmark and the tests: start one, wait until it answers, always stop it.

``chroma run`` (server mode) and ``streamlit run`` (the browser test) are started the same way:
on a free loopback port, with output to a log file, polled on a health URL, and terminated (then
killed if need be) when the block ends, whatever happened inside it.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence


class ServerFailed(RuntimeError):
    """The server exited or stayed silent before answering its health URL."""


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(
    command: Sequence[str], health_url: str, log: Path, *, timeout: float = 90.0, env: dict[str, str] | None = None,
    cwd: Path | None = None, stop_timeout: float = 15.0,
) -> Iterator[subprocess.Popen]:
    """Run ``command`` until the block ends; enter it once ``health_url`` answers HTTP 200.

    Args:
        command: The server's argv (its port already chosen, e.g. with :func:`free_port`).
        health_url: Polled every 0.2 s.
        log: Receives the server's stdout and stderr (its tail is quoted when it fails).
        timeout: Seconds to wait for the first answer.
        env: Environment of the child (default: this one).
        cwd: Working folder of the child.
        stop_timeout: Seconds between terminate and kill on the way out.

    Raises:
        ServerFailed: The child exited, or did not answer within ``timeout``.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        proc = subprocess.Popen(list(command), stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        try:
            deadline = time.time() + timeout
            while True:
                try:
                    with urllib.request.urlopen(health_url, timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None:
                    raise ServerFailed(f"{command[0]} exited early (code {proc.returncode}): {log.read_text()[-600:]}")
                if time.time() > deadline:
                    raise ServerFailed(f"{command[0]} did not answer {health_url} within {timeout:.0f} s: {log.read_text()[-600:]}")
                time.sleep(0.2)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def busy(n: int) -> Iterator[None]:
    """``n`` processes spinning on the CPU for the length of the block (noisy neighbours on shared cores)."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for proc in spinners:
            proc.kill()
            proc.wait()

"""The vector side: a Chroma collection (embedded or a `chroma run` server) holding our own embeddings."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any, ContextManager, Sequence
from urllib.parse import urlparse

import numpy as np

from assistant.settings import StoreSettings


class StoreUnavailable(RuntimeError):
    """The configured Chroma server cannot be reached."""


class VectorStore:
    """Cosine-space Chroma collection; embeddings always come from us, never from Chroma.

    Args:
        settings: Store settings (``url`` empty = embedded ``PersistentClient``).
        path: Folder for the embedded database.
        client: An already-built Chroma client (tests, or sharing one client).
    """

    def __init__(self, settings: StoreSettings, path: Path, client: Any = None) -> None:
        self.settings = settings
        self.path = path
        with _opening(settings, path):
            self.client = client or _client(settings, path)
            self.collection = self._collection()
        self._retired: list[Any] = []

    @property
    def embedded(self) -> bool:
        """True for the in-process ``PersistentClient``, False for a ``chroma run`` server."""
        return not self.settings.url

    def reopen(self) -> None:
        """Open the embedded database afresh, so that queries see vectors another process wrote.

        A long-lived embedded client answers ``get()`` and ``count()`` from disk but ``query()``
        from the vector index it loaded when it opened, which never learns about another
        process's writes. Chroma caches one client system per path in the process, so that
        entry is dropped first (``SharedSystemClient`` has no public call for one path). The
        previous client keeps working for searches already running on other threads; the
        one before it is released. A server client needs none of this.
        """
        if not self.embedded:
            return
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient._identifier_to_system.pop(str(self.path), None)
        with _opening(self.settings, self.path):
            client = _client(self.settings, self.path)
            collection = client.get_or_create_collection(self.settings.collection, embedding_function=None)
        self._retired = [self.client]  # dropping the older one lets its system be collected
        self.client, self.collection = client, collection

    def _collection(self) -> Any:
        s = self.settings
        return self.client.get_or_create_collection(
            s.collection,
            embedding_function=None,
            configuration={
                "hnsw": {
                    "space": "cosine",
                    "ef_construction": s.hnsw_construction_ef,
                    "ef_search": s.hnsw_search_ef,
                    "max_neighbors": s.hnsw_m,
                }
            },
        )

    def existing(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are already stored (lets a rerun skip their embedding)."""
        found: set[str] = set()
        for i in range(0, len(ids), 1000):
            found.update(self.collection.get(ids=list(ids[i : i + 1000]), include=[])["ids"])
        return found

    def all_ids(self) -> set[str]:
        """Every stored id."""
        found: set[str] = set()
        total = self.collection.count()
        for offset in range(0, total, 5000):
            found.update(self.collection.get(include=[], limit=5000, offset=offset)["ids"])
        return found

    def written_at(self) -> dict[str, float]:
        """Every stored id with the time its vector was written (0 when not recorded)."""
        found: dict[str, float] = {}
        total = self.collection.count()
        for offset in range(0, total, 5000):
            got = self.collection.get(include=["metadatas"], limit=5000, offset=offset)
            found.update((i, float((m or {}).get("written_at", 0.0))) for i, m in zip(got["ids"], got["metadatas"]))
        return found

    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, documents: Sequence[str], metadatas: Sequence[dict]) -> None:
        """Store vectors in batches (ids are deterministic, so repeating a write is harmless)."""
        step = self.settings.write_batch
        for i in range(0, len(ids), step):
            self.collection.upsert(
                ids=list(ids[i : i + step]),
                embeddings=embeddings[i : i + step],
                documents=list(documents[i : i + step]),
                metadatas=list(metadatas[i : i + step]),
            )

    def delete(self, ids: Sequence[str]) -> None:
        """Remove vectors by id."""
        ids = list(ids)
        for i in range(0, len(ids), 1000):
            self.collection.delete(ids=ids[i : i + 1000])

    def ids_of(self, doc_id: str) -> set[str]:
        """Ids stored for one document."""
        return set(self.collection.get(where={"doc_id": doc_id}, include=[])["ids"])

    def query(self, vector: np.ndarray, n: int, doc_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Nearest passages to a unit query vector.

        Args:
            vector: Query embedding.
            n: How many to return.
            doc_ids: Restrict to these documents (``None`` = all).

        Returns:
            ``(id, cosine similarity)`` best first.
        """
        if n <= 0 or (doc_ids is not None and not doc_ids):
            return []
        where = None if doc_ids is None else {"doc_id": {"$in": list(doc_ids)}}
        # No count() first: Chroma clamps n_results to what is stored (and answers [[]] when
        # empty), and the extra call is one more round trip per query in server mode.
        result = self.collection.query(
            query_embeddings=np.asarray(vector, dtype=np.float32)[None, :],
            n_results=n,
            where=where,
            include=["distances"],
        )
        return [(i, 1.0 - float(d)) for i, d in zip(result["ids"][0], result["distances"][0])]

    def queryable_ids(self) -> list[str]:
        """Every id a nearest-neighbour query can return (ask for all of them at once).

        ``get()`` reads Chroma's record table; ``query()`` goes through the vector index.
        Comparing the two shows vectors that are stored but cannot be found by dense search.
        """
        total = self.count()
        if total == 0:
            return []
        dim = self.collection.get(limit=1, include=["embeddings"])["embeddings"][0]
        probe = np.ones(len(dim), dtype=np.float32) / np.sqrt(len(dim))
        result = self.collection.query(query_embeddings=probe[None, :], n_results=total, include=[])
        return list(result["ids"][0])

    def count(self) -> int:
        """Stored vectors."""
        return int(self.collection.count())

    def reset(self) -> None:
        """Drop and recreate the collection."""
        try:
            self.client.delete_collection(self.settings.collection)
        except Exception:  # absent collection: nothing to drop
            pass
        self.collection = self._collection()


def _opening(settings: StoreSettings, path: Path) -> ContextManager[Any]:
    """A lock held while an embedded database is opened and its collection made (nothing for a server).

    Opening a path creates or migrates Chroma's SQLite schema; two processes opening one new data
    dir at the same moment race on it and one fails ("table collections already exists",
    "database is locked"). Opening is short, so processes take turns; reads and writes after it
    are not held up.
    """
    if settings.url:
        return nullcontext()
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(path.parent / f".{path.name}-open.lock")


def _client(settings: StoreSettings, path: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if not settings.url:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    url = urlparse(settings.url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise StoreUnavailable(f"store URL must look like http://HOST:PORT, got {settings.url!r}")
    import httpx

    try:
        # Chroma's client makes its first requests while it is built, with no timeout at all:
        # a frozen server would hang here, so ask once with ours first.
        httpx.get(f"{settings.url.rstrip('/')}/api/v2/heartbeat", timeout=settings.timeout).raise_for_status()
        client = chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    except httpx.TimeoutException:
        raise StoreUnavailable(f"the Chroma server at {settings.url} did not answer within {settings.timeout:g} s (ASSISTANT_STORE__TIMEOUT)") from None
    except Exception as exc:  # connection refused, DNS, TLS
        raise StoreUnavailable(f"cannot reach the Chroma server at {settings.url}: {_reason(exc)}") from None
    _guard(client, settings.url, settings.timeout)
    return client


def _guard(client: Any, url: str, timeout: float) -> None:
    """Give every request of a server client a timeout, and turn a lost connection into :class:`StoreUnavailable`.

    Chroma's ``FastAPI`` client (chromadb 1.5) sends every call through one httpx session
    (``_session``, built with ``timeout=None``) and one method (``_make_request``); neither is
    configurable through its settings. Without this, a server killed mid-query surfaces as a
    bare ``httpx.ReadError`` (a traceback in the CLI), and a frozen one blocks forever.
    """
    import httpx

    server = client._server
    server._session.timeout = httpx.Timeout(timeout)
    request = server._make_request

    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return request(*args, **kwargs)
        except httpx.TimeoutException:
            raise StoreUnavailable(f"the Chroma server at {url} did not answer within {timeout:g} s (ASSISTANT_STORE__TIMEOUT)") from None
        except httpx.TransportError as exc:
            raise StoreUnavailable(f"lost the Chroma server at {url}: {_reason(exc)}") from None

    server._make_request = guarded


def _reason(exc: BaseException) -> str:
    """The first line of an error, or its type when it has no message (as httpx's timeouts may not)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

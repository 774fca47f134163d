"""Decoded manifest reads remembered for one revision of the index, and forgotten when it changes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, Hashable, Iterable, Mapping, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class RevisionCache(Generic[K, V]):
    """A bounded least-recently-used map whose entries belong to one manifest revision.

    Every read and write names the revision it was made at. The manifest's revision changes
    with every commit, in this process or another (a fresh uuid each time, never reused), so
    a value is only ever served to a reader at the exact revision it was read at: the first
    call with another revision empties the cache. Two threads at different revisions (one
    began its read just before another process committed) only empty it in turn; neither is
    served the other's values.

    Safe to share between threads (one lock, held for one batch of keys, never during I/O).

    Args:
        size: Most entries kept; the least recently used go first (0: nothing is kept).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._revision: str | None = None
        self._items: OrderedDict[K, V] = OrderedDict()

    def _at(self, revision: str) -> None:
        """Empty the cache if it holds another revision's values (call with the lock held)."""
        if revision != self._revision:
            self._items.clear()
            self._revision = revision

    def get_many(self, revision: str, keys: Iterable[K]) -> dict[K, V]:
        """The values of ``keys`` cached at ``revision`` (keys not cached are left out)."""
        found: dict[K, V] = {}
        with self._lock:
            self._at(revision)
            items = self._items
            for key in keys:
                value = items.get(key)
                if value is not None:
                    items.move_to_end(key)
                    found[key] = value
        return found

    def get(self, revision: str, key: K) -> V | None:
        """One value cached at ``revision``, or ``None``."""
        return self.get_many(revision, (key,)).get(key)

    def put_many(self, revision: str, values: Mapping[K, V]) -> None:
        """Remember ``values`` as read at ``revision``, dropping the least recently used past ``size``."""
        if self.size <= 0:
            return
        with self._lock:
            self._at(revision)
            items = self._items
            for key, value in values.items():
                items[key] = value
                items.move_to_end(key)
            while len(items) > self.size:
                items.popitem(last=False)

    def put(self, revision: str, key: K, value: V) -> None:
        """Remember one value as read at ``revision``."""
        self.put_many(revision, {key: value})

    def __len__(self) -> int:
        return len(self._items)


class RevisionTable(Generic[K, V]):
    """A whole table of one manifest revision, built once the revision has been read ``after`` times.

    Ranking looks up the document and section of ~100 candidate passages per question; a
    dictionary of every passage's place answers that without SQL. Building it reads every row
    (~16 ms at 20,000 passages), so it is built only for a revision that has lasted ``after``
    reads: while another process commits batch after batch, every read would rebuild it, and the
    reader uses SQL instead. A new revision drops the table (a value is only ever served at the
    revision it was read at, as in :class:`RevisionCache`).

    Args:
        after: Reads at one revision before its table is built (0: never built).
    """

    def __init__(self, after: int) -> None:
        self.after = after
        self._lock = threading.Lock()
        self._revision: str | None = None
        self._reads = 0
        self._table: dict[K, V] | None = None

    def get(self, revision: str) -> dict[K, V] | None:
        """The table of ``revision`` if built, counting this read towards building it."""
        with self._lock:
            if revision != self._revision:
                self._revision, self._reads, self._table = revision, 0, None
            self._reads += 1
            return self._table

    def due(self, revision: str) -> bool:
        """Whether ``revision`` has been read often enough for its table to be built."""
        with self._lock:
            return self.after > 0 and revision == self._revision and self._table is None and self._reads >= self.after

    def put(self, revision: str, table: dict[K, V]) -> dict[K, V]:
        """Keep ``table`` as read at ``revision`` (unless the revision moved on meanwhile); returns it."""
        with self._lock:
            if revision == self._revision:
                self._table = table
        return table

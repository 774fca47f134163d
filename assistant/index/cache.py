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

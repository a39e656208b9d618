"""Read caches that are never stale: every entry remembers the storage generation it was read
in, and every write that may change what a cache holds bumps the generation.

Take the generation *before* the read: a write that commits while the read is in flight then
makes the new entry stale at once, instead of leaving an old value behind as current.
"""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

DEFAULT_SIZE = 10_000


class GenerationCache(Generic[K, V]):
    """A bounded map (the oldest entry leaves first) of values valid for one generation."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._items: dict[K, tuple[int, V]] = {}

    def get(self, key: K, generation: int) -> tuple[bool, V | None]:
        """(True, value) on a hit in this generation, else (False, None)."""
        item = self._items.get(key)
        if item is None or item[0] != generation:
            return False, None
        return True, item[1]

    def put(self, key: K, value: V, generation: int) -> None:
        items = self._items
        items.pop(key, None)
        items[key] = (generation, value)
        if len(items) > self.size:
            del items[next(iter(items))]

    def __len__(self) -> int:
        return len(self._items)

"""A least-recently-used cache of pictures bounded by their bytes, not their count.

Decoded stills (``media.frames``) and decoded proxy frames of every video
(``media.proxy``) each keep one; thread-safe (the preview's worker and the GUI).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np


class ByteLRU:
    """Pictures by key, the least recently used dropped once they pass ``budget`` bytes
    (the newest is always kept, however large)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._items: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.nbytes = 0

    def get(self, key: Hashable) -> np.ndarray | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, picture: np.ndarray) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            self.nbytes += picture.nbytes - (old.nbytes if old is not None else 0)
            self._items[key] = picture
            while self.nbytes > self.budget and len(self._items) > 1:
                self.nbytes -= self._items.popitem(last=False)[1].nbytes

    def drop(self, which: Callable[[Hashable], bool]) -> None:
        """Forget the pictures whose key ``which`` picks."""
        with self._lock:
            for key in [k for k in self._items if which(k)]:
                self.nbytes -= self._items.pop(key).nbytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.nbytes = 0

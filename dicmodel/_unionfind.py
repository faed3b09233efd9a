"""A disjoint-set forest (union-find with path halving), shared by the clustering code."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["DisjointSet"]


class DisjointSet:
    """Items ``0..n-1``; :meth:`union` joins two sets, :meth:`groups` lists them."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> bool:
        """Join the sets of ``a`` and ``b``; False when they were one already."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[ra] = rb
        return True

    def groups(self, items: Iterable[int] | None = None) -> list[list[int]]:
        """The sets (of ``items``, default all), each in increasing order, in order of first item."""
        out: dict[int, list[int]] = {}
        for i in sorted(items) if items is not None else range(len(self.parent)):
            out.setdefault(self.find(i), []).append(i)
        return list(out.values())

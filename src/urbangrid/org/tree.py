"""Trees of the organisation (jurisdictions: city → districts; departments: bureau → units
→ teams) as plain parent maps. Pure: no I/O.

Invariants (tested with hypothesis in ``tests/org/test_tree.py``):

- ``subtree(parents, n)`` holds ``n`` and every node whose chain of parents reaches ``n``;
  it never holds a node outside ``parents``' keys, and ``m in subtree(n)`` exactly when
  ``n in ancestors(m)``.
- ``ancestors(parents, n)`` is the chain from ``n`` (included) up to its root, nearest first.
- A cycle in the data (a corrupt parent pointer) never loops: each node is visited once and
  a chain stops where it would come back on itself.
"""

from __future__ import annotations

from collections.abc import Mapping

Parents = Mapping[int, int | None]


def children_of(parents: Parents) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for node, parent in parents.items():
        if parent is not None and parent != node:
            out.setdefault(parent, []).append(node)
    return out


def subtree(parents: Parents, root: int) -> frozenset[int]:
    """``root`` and all its descendants (empty when ``root`` is unknown)."""
    if root not in parents:
        return frozenset()
    kids = children_of(parents)
    seen = {root}
    stack = [root]
    while stack:
        for child in kids.get(stack.pop(), ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return frozenset(seen)


def ancestors(parents: Parents, node: int) -> list[int]:
    """``node``, its parent, its parent's parent … up to the root (empty when unknown)."""
    chain: list[int] = []
    current: int | None = node
    while current is not None and current in parents and current not in chain:
        chain.append(current)
        current = parents[current]
    return chain


def roots(parents: Parents) -> list[int]:
    """Nodes without a (known) parent, in ascending order."""
    return sorted(n for n, p in parents.items() if p is None or p not in parents or p == n)

"""Honest hold-out splits for message histories.

A history often holds the same message twice in different forms — a title in one export
and its body in another, or a citizen's repeated complaint. If one copy is trained on and
the other scored, the score measures memory, not classification. ``containment_groups``
links a short text (title) to the long text (body) that covers most of its rare character
n-grams, and ``grouped_holdout`` keeps every group on one side of the split.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedGroupKFold

from urbangrid.intake.classifier.features import normalise


def containment_groups(
    short_texts: Sequence[str],
    long_texts: Sequence[str],
    *,
    min_cover: float = 0.5,
    min_margin: float = 0.15,
    full_cover: float = 0.8,
    max_full: int = 3,
    chunk: int = 1024,
) -> tuple[np.ndarray, np.ndarray]:
    """Group ids for ``short_texts`` and ``long_texts`` (one id space).

    A short text joins the group of the long text that covers the largest IDF-weighted
    share of its character 2–3-grams, when that share is at least ``min_cover`` and beats
    the second best by ``min_margin`` (a clear match, not a common phrase). It also joins
    every long text that covers at least ``full_cover`` of it, when at most ``max_full``
    do (more means a common phrase, which would chain unrelated messages into one huge
    group): a title found almost whole in two near-identical bodies (the same message
    exported twice, a complaint repeated word for word) would otherwise fail the margin,
    and its body could be scored while the title was trained on. Groups linked through a
    shared text merge. Identical texts within each list share a group too.
    """
    vec = TfidfVectorizer(
        analyzer="char", ngram_range=(2, 3), preprocessor=normalise, lowercase=False
    ).fit([*short_texts, *long_texts])
    short = vec.transform(short_texts)
    short.data[:] = 1.0
    short = short.multiply(vec.idf_).tocsr()
    long_ = vec.transform(long_texts)
    long_.data[:] = 1.0
    long_t = long_.T.tocsc()
    weight = np.asarray(short.sum(axis=1)).ravel()
    weight[weight == 0] = 1.0

    long_ids = _ids_of_duplicates(long_texts)
    short_ids = _ids_of_duplicates(short_texts) + (long_ids.max() + 1 if len(long_ids) else 0)
    parent = np.arange(int(max(short_ids.max(initial=-1), long_ids.max(initial=-1))) + 1)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for start in range(0, short.shape[0], chunk):
        block = (short[start : start + chunk] @ long_t).toarray() / weight[
            start : start + chunk, None
        ]
        if block.shape[1] == 0:
            break
        best = block.argmax(axis=1)
        top = block[np.arange(len(best)), best]
        if block.shape[1] > 1:
            second = np.partition(block, -2, axis=1)[:, -2]
        else:
            second = np.zeros(len(best))
        clear = (top >= min_cover) & (top - second >= min_margin)
        full = block >= full_cover
        full[full.sum(axis=1) > max_full] = False
        rows, cols = np.nonzero(full)
        links = [
            *zip(np.nonzero(clear)[0], best[clear], strict=True),
            *zip(rows, cols, strict=True),
        ]
        for offset, j in links:
            a, b = root(int(short_ids[start + offset])), root(int(long_ids[j]))
            if a != b:
                parent[max(a, b)] = min(a, b)
    roots = np.array([root(i) for i in range(len(parent))], dtype=np.int64)
    return roots[short_ids], roots[long_ids]


def _ids_of_duplicates(texts: Sequence[str]) -> np.ndarray:
    seen: dict[str, int] = {}
    return np.array([seen.setdefault(normalise(t), len(seen)) for t in texts], dtype=np.int64)


def grouped_holdout(
    labels: Sequence[str], groups: Sequence[int], *, test_share: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a stratified split that keeps each group on one side."""
    n_splits = max(2, round(1 / test_share))
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    train_idx, test_idx = next(
        splitter.split(np.zeros(len(labels)), np.asarray(labels), np.asarray(groups))
    )
    return train_idx, test_idx

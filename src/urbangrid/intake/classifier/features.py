"""Text features for citizen messages (群众留言): character n-grams and dictionary words.

Chinese has no spaces, so character n-grams carry much of the signal; words from jieba's
dictionary add the longer units (小区, 公积金, 拖欠 …) as every dictionary hit in the text,
overlaps included (not a segmentation: a linear model does not need one reading of the
text, and skipping jieba's best-path search is much faster).

Both kinds of term are substrings of the prepared text, so both are computed the same
way, with NumPy rather than a Python loop per term: the text becomes an array of code
points, and a substring of up to three characters is packed exactly into one 64-bit key
(21 bits a character). Four-character words are mixed into 64 bits by multiplication (a
hash; two different words share a key with probability about 2⁻⁶⁴ per pair). A block's
vocabulary is a sorted key array and a lookup is ``np.searchsorted``: no dictionary of
strings, no per-term Python work, which is what makes a 400-character body take tens of
microseconds instead of milliseconds.

Every block is TF-IDF as scikit-learn computes it with ``sublinear_tf=True`` and
``smooth_idf=True`` (so a long body repeating one word does not drown the rest), each row
scaled to unit length.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

_jieba_lock = threading.Lock()
_jieba: Any = None

_BITS = np.uint64(21)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant (golden ratio): spreads the 4th
LEXICON_SIZES = (2, 3, 4)
EMPTY_KEYS = np.zeros(0, dtype=np.uint64)


def _tokenizer() -> Any:
    """jieba, imported once, its chatter silenced (``lexicon_keys`` loads the dictionary)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                with warnings.catch_warnings():
                    # jieba's regexes use invalid escapes: noise at import on Python 3.11
                    warnings.simplefilter("ignore", DeprecationWarning)
                    warnings.simplefilter("ignore", SyntaxWarning)
                    import jieba

                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                _jieba = jieba
    return _jieba


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), lower case, runs of white space collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def prepare(text: str, head: int = 0, tail: int = 0) -> str:
    """``normalise``, then, when ``head`` > 0 and the text is longer than ``head + tail``
    characters, only its first ``head`` and last ``tail`` characters (a space between).
    The opening states the problem and the close the request; the middle of a very long
    body adds little but costs time."""
    text = normalise(text)
    if head > 0 and len(text) > head + tail:
        text = text[:head] + " " + text[len(text) - tail :] if tail else text[:head]
    return text


def codepoints(text: str) -> np.ndarray:
    """Code points plus one (so no key of a longer substring equals a shorter one's)."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + 1


def substring_keys(points: np.ndarray, size: int) -> np.ndarray:
    """One 64-bit key per substring of ``size`` characters (1–4), in text order."""
    count = len(points) - size + 1
    if count <= 0:
        return EMPTY_KEYS
    key = points[:count].copy()
    for k in range(1, min(size, 3)):
        key <<= _BITS
        key |= points[k : k + count]
    if size == 4:
        key *= _MIX
        key ^= points[3 : 3 + count]
    elif size > 4:
        raise ValueError("substrings of at most four characters")
    return key


def string_key(term: str) -> int:
    """The key of one term (what ``substring_keys`` gives for it inside a text)."""
    keys = substring_keys(codepoints(term), len(term))
    if len(keys) != 1:
        raise ValueError(f"not a 1–4-character term: {term!r}")
    return int(keys[0])


_lexicon: np.ndarray | None = None


def term_keys(terms: Iterable[str]) -> np.ndarray:
    """Sorted unique keys of 1–4-character terms (longer or empty ones are skipped)."""
    by_size: dict[int, list[str]] = {}
    for term in terms:
        if 1 <= len(term) <= 4:
            by_size.setdefault(len(term), []).append(term)
    parts = [
        substring_keys(codepoints("".join(group)), size)[::size] for size, group in by_size.items()
    ]
    return np.unique(np.concatenate(parts)) if parts else EMPTY_KEYS


def lexicon_keys() -> np.ndarray:
    """Sorted keys of jieba's dictionary words of 2–4 characters (the ``word`` block's
    candidate terms). Needs jieba's dictionary: used when training, never when predicting."""
    global _lexicon
    if _lexicon is None:
        jieba = _tokenizer()
        with _jieba_lock:
            jieba.initialize()
        freq = jieba.dt.FREQ
        _lexicon = term_keys(w for w, f in freq.items() if f > 0 and len(w) in LEXICON_SIZES)
    return _lexicon


def lexicon_tokens(text: str) -> list[str]:
    """Every 2–4-character substring of ``normalise(text)`` that is a dictionary word,
    overlaps included (for inspection; the model works on keys)."""
    text = normalise(text)
    lexicon = lexicon_keys()
    points = codepoints(text)
    found: list[str] = []
    for size in LEXICON_SIZES:
        keys = substring_keys(points, size)
        pos = np.minimum(np.searchsorted(lexicon, keys), len(lexicon) - 1)
        found.extend(text[i : i + size] for i in np.nonzero(lexicon[pos] == keys)[0])
    return found


@dataclass
class SubstringTfidf:
    """A TF-IDF block over substrings of ``sizes`` characters, vocabulary as sorted keys."""

    sizes: tuple[int, ...]
    keys: np.ndarray  # sorted uint64, one per feature
    idf: np.ndarray  # float64, one per feature

    @property
    def n_features(self) -> int:
        return len(self.keys)

    @classmethod
    def fit(
        cls,
        docs: Sequence[dict[int, np.ndarray]],
        sizes: tuple[int, ...],
        allowed: np.ndarray | None = None,
        min_df: int = 1,
    ) -> SubstringTfidf:
        """Vocabulary: every term of the documents (``allowed`` keys only, when given)
        found in at least ``min_df`` of them. ``docs`` are ``keys_by_size`` results."""
        per_doc = [np.unique(_concat(doc, sizes)) for doc in docs]
        everything = np.concatenate(per_doc) if per_doc else EMPTY_KEYS
        keys, df = np.unique(everything, return_counts=True)
        keep = df >= min_df
        if allowed is not None:
            keep &= np.isin(keys, allowed, assume_unique=True)
        keys, df = keys[keep], df[keep]
        n = len(docs)
        idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
        return cls(sizes=tuple(sizes), keys=keys, idf=idf)

    def row(self, doc: dict[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Feature indices and unit-length TF-IDF values of one document."""
        terms, counts = np.unique(_concat(doc, self.sizes), return_counts=True)
        if len(self.keys) == 0 or len(terms) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        pos = np.searchsorted(self.keys, terms)
        pos[pos == len(self.keys)] = 0
        hit = self.keys[pos] == terms
        idx = pos[hit]
        val = (1.0 + np.log(counts[hit])) * self.idf[idx]
        norm = np.sqrt(val @ val)
        if norm > 0:
            val /= norm
        return idx, val

    def transform(self, docs: Iterable[dict[int, np.ndarray]]) -> sp.csr_matrix:
        indptr = [0]
        indices: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for doc in docs:
            idx, val = self.row(doc)
            indices.append(idx)
            values.append(val)
            indptr.append(indptr[-1] + len(idx))
        matrix = sp.csr_matrix(
            (
                np.concatenate(values) if values else np.zeros(0),
                np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64),
                np.asarray(indptr),
            ),
            shape=(len(indptr) - 1, self.n_features),
        )
        return matrix


def keys_by_size(
    text: str, sizes: Iterable[int], head: int = 0, tail: int = 0
) -> dict[int, np.ndarray]:
    """The keys of every substring of each size in ``prepare(text, head, tail)``."""
    points = codepoints(prepare(text, head, tail))
    return {size: substring_keys(points, size) for size in sizes}


def _concat(doc: dict[int, np.ndarray], sizes: tuple[int, ...]) -> np.ndarray:
    if len(sizes) == 1:
        return doc[sizes[0]]
    return np.concatenate([doc[size] for size in sizes])

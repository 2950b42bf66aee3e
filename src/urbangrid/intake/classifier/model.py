"""Training, scoring and prediction of the free-text category classifier (自动分类).

Pure logic, no file I/O. The model:

1. TF-IDF blocks fitted on the training texts: character 1–2-grams (``char``) and every
   dictionary word found in the text (``word``), see ``features``.
2. One linear SVM per *view* (a set of blocks: ``char+word`` by default; ``char`` and
   ``word`` alone are available).
3. A multinomial logistic regression stacked on the SVMs' out-of-fold decision scores:
   it merges the views and turns margins into calibrated probabilities.

The out-of-fold scores come for free from the K folds the stacker needs, so every model
carries an honest cross-validated macro-F1 in its metadata.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from urbangrid.intake.classifier.features import (
    LEXICON_SIZES,
    SubstringTfidf,
    keys_by_size,
    lexicon_keys,
)
from urbangrid.kit.errors import InvalidInput

LABEL_SEPARATOR = "|"
"""A history row may carry several labels joined with ``|`` (e.g. 劳动和社会保障|卫生计生)."""

DEFAULT_VIEWS: tuple[str, ...] = ("char+word",)
BLOCKS = ("char", "word")


@dataclass(frozen=True)
class TrainParams:
    char_ngrams: tuple[int, int] = (1, 2)
    views: tuple[str, ...] = DEFAULT_VIEWS
    svm_c: float = 1.0
    stacker_c: float = 1.0
    folds: int = 5
    seed: int = 0
    balanced: str = "none"
    """Weight classes inversely to their frequency in: none, svm, stacker or both."""
    head: int = 0
    """Keep only the first ``head`` and last ``tail`` characters of longer texts (0: all)."""
    tail: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "char_ngrams": list(self.char_ngrams),
            "views": list(self.views),
            "svm_c": self.svm_c,
            "stacker_c": self.stacker_c,
            "folds": self.folds,
            "seed": self.seed,
            "balanced": self.balanced,
            "head": self.head,
            "tail": self.tail,
        }


@dataclass
class TextClassifier:
    """A trained classifier. ``metadata`` is what the model file shows without unpickling."""

    labels: tuple[str, ...]
    blocks: dict[str, SubstringTfidf]
    views: tuple[str, ...]
    svms: list[LinearSVC]
    stacker: LogisticRegression
    clip: tuple[int, int] = (0, 0)
    """(head, tail) of ``features.prepare``."""
    metadata: dict[str, Any] = field(default_factory=dict)

    def documents(self, texts: Sequence[str]) -> list[dict[int, np.ndarray]]:
        """Substring keys of every text, for the sizes the blocks use."""
        sizes = sorted({size for block in self.blocks.values() for size in block.sizes})
        return [keys_by_size(text, sizes, *self.clip) for text in texts]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one column per label in ``labels`` order."""
        return self._compiled().predict_proba(texts)

    def predict_proba_reference(self, texts: Sequence[str]) -> np.ndarray:
        """The same through sparse matrices and scikit-learn's own decision calls: slower
        (input validation on every call), kept as the reference the fast path is tested
        against."""
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)))
        docs = self.documents(texts)
        blocks = {name: block.transform(docs) for name, block in self.blocks.items()}
        scores = np.hstack(
            [
                svm.decision_function(_view_matrix(blocks, view)).reshape(len(texts), -1)
                for svm, view in zip(self.svms, self.views, strict=True)
            ]
        )
        return self.stacker.predict_proba(scores)

    def _compiled(self) -> _FastPredictor:
        fast = self.__dict__.get("_fast")
        if fast is None:
            fast = _FastPredictor(self)
            self.__dict__["_fast"] = fast
        return fast

    def __getstate__(self) -> dict[str, Any]:
        # The fast predictor is derived data: rebuilt after loading, not stored.
        return {k: v for k, v in self.__dict__.items() if k != "_fast"}

    def predict(self, texts: Sequence[str]) -> list[str]:
        proba = self.predict_proba(texts)
        return [self.labels[i] for i in proba.argmax(axis=1)]


class _FastPredictor:
    """The trained pipeline folded into plain arrays.

    Everything after tokenising is linear up to the stacker, so per block we keep one
    matrix of SVM weights (terms × views·labels) and compute the per-view normalisation,
    the margins and the softmax with NumPy directly. scikit-learn's per-call input
    validation costs milliseconds, which would cap a single-row prediction far below
    1,000/s. The blocks' vocabularies are merged into one sorted key array (keys of
    different lengths never coincide), so a text costs one sort and one search whatever
    the number of blocks; a term a block does not know has IDF 0 and weight 0 there.
    """

    def __init__(self, model: TextClassifier) -> None:
        n_labels = _score_width(len(model.labels))
        self.n_scores = n_labels * len(model.views)
        self.sizes = sorted({size for block in model.blocks.values() for size in block.sizes})
        self.clip = model.clip
        block_names = list(model.blocks)
        self.keys = np.unique(np.concatenate([b.keys for b in model.blocks.values()]))
        self.idf = np.zeros((len(block_names), len(self.keys)))
        self.weights = np.zeros((len(block_names), len(self.keys), self.n_scores))
        for b, (name, block) in enumerate(model.blocks.items()):
            where = np.searchsorted(self.keys, block.keys)
            self.idf[b, where] = block.idf
            for j, (svm, view) in enumerate(zip(model.svms, model.views, strict=True)):
                parts = view.split("+")
                if name not in parts:
                    continue
                before = parts[: parts.index(name)]
                offset = sum(model.blocks[p].n_features for p in before)
                coef = svm.coef_[:, offset : offset + block.n_features]
                self.weights[b, where, j * n_labels : (j + 1) * n_labels] = coef.T
        # views × blocks membership, to rescale each view by its number of non-empty blocks
        self.member = np.array(
            [[name in view.split("+") for name in block_names] for view in model.views],
            dtype=np.float64,
        )
        self.intercepts = np.concatenate([svm.intercept_ for svm in model.svms])
        self.view_of_score = np.repeat(np.arange(len(model.views)), n_labels)
        coef, intercept = model.stacker.coef_, model.stacker.intercept_
        if coef.shape[0] == 1:  # two labels: a logistic on one logit is a softmax on [0, z]
            coef = np.vstack([np.zeros_like(coef), coef])
            intercept = np.concatenate([[0.0], intercept])
        self.stack_coef = coef.T.copy()
        self.stack_intercept = intercept.copy()
        self.stack_classes = [str(c) for c in model.stacker.classes_]
        if self.stack_classes != list(model.labels):
            raise ValueError("stacker classes do not match the model labels")

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        n = len(texts)
        scores = np.zeros((n, self.n_scores))
        nonempty = np.zeros((n, len(self.idf)))
        last = len(self.keys) - 1
        for i, text in enumerate(texts):
            doc = keys_by_size(text, self.sizes, *self.clip)
            terms, counts = np.unique(np.concatenate(list(doc.values())), return_counts=True)
            if last < 0 or len(terms) == 0:
                continue
            pos = np.minimum(np.searchsorted(self.keys, terms), last)
            hit = self.keys[pos] == terms
            pos = pos[hit]
            if len(pos) == 0:
                continue
            tf = 1.0 + np.log(counts[hit])
            for b in range(len(self.idf)):
                idf = self.idf[b, pos]
                known = np.flatnonzero(idf)  # gather weights only for this block's terms
                if len(known) == 0:
                    continue
                val = tf[known] * idf[known]
                nonempty[i, b] = 1.0
                scores[i] += (val / np.sqrt(val @ val)) @ self.weights[b, pos[known]]
        used = nonempty @ self.member.T  # non-empty blocks per view, per row
        scale = np.where(used > 0, 1.0 / np.sqrt(np.maximum(used, 1.0)), 0.0)
        scores = scores * scale[:, self.view_of_score] + self.intercepts
        logits = scores @ self.stack_coef + self.stack_intercept
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        return proba / proba.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class Evaluation:
    macro_f1: float
    accuracy: float
    rows: int
    labels: tuple[str, ...]
    confusion: list[list[int]]
    """Rows are true labels, columns predicted labels, both in ``labels`` order."""
    per_class: dict[str, dict[str, float]]
    report: str

    def confusion_table(self) -> str:
        """The confusion matrix as aligned text, true labels down, predicted across."""
        abbrev = [f"[{i}]" for i in range(len(self.labels))]
        width = max(6, *(len(str(n)) + 1 for row in self.confusion for n in row))
        lines = ["true \\ predicted  " + "".join(a.rjust(width) for a in abbrev)]
        for i, (label, row) in enumerate(zip(self.labels, self.confusion, strict=True)):
            cells = "".join(str(n).rjust(width) for n in row)
            lines.append(f"{abbrev[i]:>5} {_pad(label, 12)}{cells}")
        return "\n".join(lines)


def _pad(text: str, width: int) -> str:
    # CJK characters take two columns in a terminal.
    shown = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return text + " " * max(1, width - shown)


def split_labels(label: str) -> list[str]:
    """``劳动和社会保障|卫生计生`` → both labels; surrounding space trimmed, empties dropped."""
    return [part.strip() for part in label.split(LABEL_SEPARATOR) if part.strip()]


def data_sha256(texts: Sequence[str], labels: Sequence[str]) -> str:
    """Hash of the training rows (text and label, in order) — identifies the history used."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(text.encode("utf-8"))
        digest.update(b"\x1f")
        digest.update(label.encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def _view_matrix(blocks: dict[str, sp.csr_matrix], view: str) -> sp.csr_matrix:
    parts = [blocks[name] for name in view.split("+")]
    matrix = parts[0] if len(parts) == 1 else sp.hstack(parts, format="csr")
    return normalize(matrix)


def _expand(texts: Sequence[str], labels: Sequence[str]) -> tuple[list[str], list[str]]:
    """One training row per label: a message filed under two labels teaches both."""
    out_texts: list[str] = []
    out_labels: list[str] = []
    for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
        parts = split_labels(label)
        if not parts:
            raise InvalidInput(f"row {i + 1} has an empty label")
        for part in parts:
            out_texts.append(text)
            out_labels.append(part)
    return out_texts, out_labels


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    params: TrainParams | None = None,
    *,
    source: str | None = None,
) -> TextClassifier:
    """Train on a bureau's history: ``texts`` with their category ``labels``."""
    params = params or TrainParams()
    if len(texts) != len(labels):
        raise InvalidInput(f"{len(texts)} texts but {len(labels)} labels")
    if not params.views:
        raise InvalidInput("at least one view is needed")
    for view in params.views:
        if not set(view.split("+")) <= set(BLOCKS):
            raise InvalidInput(f"unknown view {view!r}: use char, word or char+word")
    lo, hi = params.char_ngrams
    if not 1 <= lo <= hi <= 3:
        raise InvalidInput("character n-grams must lie within 1–3")
    if params.balanced not in ("none", "svm", "stacker", "both"):
        raise InvalidInput("balanced must be none, svm, stacker or both")
    if params.head < 0 or params.tail < 0:
        raise InvalidInput("head and tail must not be negative")
    rows_texts, rows_labels = _expand(texts, labels)
    classes, counts = np.unique(rows_labels, return_counts=True)
    if len(classes) < 2:
        raise InvalidInput("training needs at least two different labels")
    if counts.min() < 2:
        rare = ", ".join(str(c) for c, n in zip(classes, counts, strict=True) if n < 2)
        raise InvalidInput(f"every label needs at least two examples; too few for: {rare}")
    # Fewer folds when a label is rare, so each fold still sees every label.
    folds = max(2, min(params.folds, int(counts.min())))
    y = np.asarray(rows_labels)

    needed = {name for view in params.views for name in view.split("+")}
    sizes: dict[str, tuple[int, ...]] = {}
    if "char" in needed:
        sizes["char"] = tuple(range(lo, hi + 1))
    if "word" in needed:
        sizes["word"] = LEXICON_SIZES
    clip = (params.head, params.tail)
    all_sizes = sorted({size for block in sizes.values() for size in block})
    docs = [keys_by_size(text, all_sizes, *clip) for text in rows_texts]
    # The vocabulary and IDF see every training text (no labels), the SVMs only their fold.
    fitted = {
        name: SubstringTfidf.fit(
            docs, block_sizes, allowed=lexicon_keys() if name == "word" else None
        )
        for name, block_sizes in sizes.items()
    }
    for view in params.views:
        if not sum(fitted[name].n_features for name in view.split("+")):
            raise InvalidInput(
                f"the texts have nothing to learn from for view {view!r} "
                "(no characters, or no dictionary words)"
            )
    blocks = {name: block.transform(docs) for name, block in fitted.items()}
    del docs
    matrices = [_view_matrix(blocks, view) for view in params.views]

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=params.seed)
    width = _score_width(len(classes))
    oof = np.zeros((len(y), width * len(matrices)))
    for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
        for j, matrix in enumerate(matrices):
            svm = _svm(params).fit(matrix[train_idx], y[train_idx])
            oof[test_idx, j * width : (j + 1) * width] = svm.decision_function(
                matrix[test_idx]
            ).reshape(len(test_idx), width)
    stacker = _stacker(params)
    # A second, cheap cross-validation over the stacker gives the model's own honest score.
    cv_pred = cross_val_predict(stacker, oof, y, cv=splitter)
    stacker.fit(oof, y)
    svms = [_svm(params).fit(matrix, y) for matrix in matrices]

    cv_macro_f1 = float(f1_score(y, cv_pred, average="macro"))
    per_class_f1 = f1_score(y, cv_pred, average=None, labels=classes)
    metadata: dict[str, Any] = {
        "labels": [str(c) for c in classes],
        "label_counts": {str(c): int(n) for c, n in zip(classes, counts, strict=True)},
        "rows": len(texts),
        "training_rows": len(rows_texts),
        "data_sha256": data_sha256(texts, labels),
        "source": source,
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "params": params.as_dict() | {"folds_used": folds},
        "scores": {
            "cv_macro_f1": round(cv_macro_f1, 4),
            "cv_accuracy": round(float(np.mean(cv_pred == y)), 4),
            "cv_per_class_f1": {
                str(c): round(float(f), 4) for c, f in zip(classes, per_class_f1, strict=True)
            },
        },
        "software": {
            "python": platform.python_version(),
            "scikit_learn": sklearn.__version__,
            "numpy": np.__version__,
        },
    }
    return TextClassifier(
        labels=tuple(str(c) for c in classes),
        blocks=fitted,
        views=tuple(params.views),
        svms=svms,
        stacker=stacker,
        clip=clip,
        metadata=metadata,
    )


def _score_width(n_labels: int) -> int:
    """Margins per SVM: one per label, or a single one when there are only two labels."""
    return 1 if n_labels == 2 else n_labels


def _svm(params: TrainParams) -> LinearSVC:
    weight = "balanced" if params.balanced in ("svm", "both") else None
    return LinearSVC(C=params.svm_c, class_weight=weight, random_state=params.seed)


def _stacker(params: TrainParams) -> LogisticRegression:
    weight = "balanced" if params.balanced in ("stacker", "both") else None
    return LogisticRegression(C=params.stacker_c, class_weight=weight, max_iter=1000)


def evaluate(model: TextClassifier, texts: Sequence[str], labels: Sequence[str]) -> Evaluation:
    """Score on labelled rows. A row with several labels counts as right when the
    prediction is any of them (and as its first label when wrong)."""
    if len(texts) != len(labels):
        raise InvalidInput(f"{len(texts)} texts but {len(labels)} labels")
    if not texts:
        raise InvalidInput("nothing to evaluate: no rows")
    predicted = model.predict(texts)
    truth: list[str] = []
    for i, (label, pred) in enumerate(zip(labels, predicted, strict=True)):
        parts = split_labels(label)
        if not parts:
            raise InvalidInput(f"row {i + 1} has an empty label")
        truth.append(pred if pred in parts else parts[0])
    # Labels the model never saw still count (as misses), so they are part of the matrix.
    names = tuple(sorted(set(model.labels) | set(truth)))
    matrix = confusion_matrix(truth, predicted, labels=list(names))
    report = classification_report(
        truth, predicted, labels=list(names), digits=4, zero_division=0, output_dict=True
    )
    text_report = classification_report(
        truth, predicted, labels=list(names), digits=4, zero_division=0
    )
    per_class = {
        name: {k: float(v) for k, v in report[name].items()}  # type: ignore[index]
        for name in names
    }
    present = sorted(set(truth))
    return Evaluation(
        macro_f1=float(f1_score(truth, predicted, labels=present, average="macro")),
        accuracy=float(np.mean(np.asarray(truth) == np.asarray(predicted))),
        rows=len(truth),
        labels=names,
        confusion=matrix.tolist(),
        per_class=per_class,
        report=str(text_report),
    )


def predict_top_k(
    model: TextClassifier, texts: Sequence[str], k: int = 3
) -> list[list[tuple[str, float]]]:
    """For each text, the ``k`` most likely labels with calibrated probabilities, best first
    (the operator's 候选类别 to confirm at intake)."""
    if k < 1:
        raise InvalidInput("k must be at least 1")
    proba = model.predict_proba(texts)
    k = min(k, len(model.labels))
    order = np.argsort(-proba, axis=1, kind="stable")[:, :k]
    return [
        [(model.labels[j], float(row[j])) for j in idx]
        for row, idx in zip(proba, order, strict=True)
    ]

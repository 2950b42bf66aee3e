"""Benchmark of the free-text category classifier on the TipDM 2020 C citizen messages.

The model (``urbangrid.intake.classifier``): TF-IDF of character 1–2-grams and of every
jieba-dictionary word found in the text, both computed as 64-bit substring keys with
NumPy; one linear SVM on the two blocks; a logistic regression on the SVM's out-of-fold
margins for calibrated confidences. The baseline is a plain character 1–3-gram TF-IDF +
linear SVM (scikit-learn).

Prints, for a grouped hold-out split (a title and the body of the same message never
end up on different sides, see ``holdout.containment_groups``):

- macro-F1 of our model and of the baseline, trained and scored in this run on the same
  split: titles, bodies, and a model trained on both;
- predictions per second on one core (affinity pinned), single row and batch, with the
  baseline's figure, against the goal of 1,000/s on message bodies.

Run: ``uv run python bench/bench_classifier.py [--quick]``. ``--quick`` (the test command runs
it): every 6th title and body of the files, the model trained and scored on titles only;
without ../shared it says so and exits 0.

Measured on a shared 2-core machine (2026-11-22, model format 2), model trained on
titles+bodies: macro-F1 titles 0.908, bodies 0.928, both 0.918 (baseline 0.902 / 0.924 /
0.913); trained on bodies only: 0.926 (baseline 0.895). Bodies: about 2,500 predictions/s
single row and 2,800/s batch on one core (baseline 440 / 690). The issue's goal of 0.95
is not reached (published BERT models report about 0.94 on this data).

Tried on this split or the previous one and not kept (macro-F1, titles+bodies model, all
test texts, vs about 0.914 for the kept model in the same runs; differences under 0.005
are split noise): the former three-view stack (char+word, char, word) 0.910; character
1–3-grams 0.911 (1–4 worse); SVM C 0.7 / 1.5: 0.912 / 0.914 (flat; C chosen by the
training-only CV score); class-balanced SVM 0.920 but lower CV (0.920 vs 0.921); adding
jieba word 1–2-grams ≈ same; NB log-count-ratio scaling 0.910; LR, ridge and complement
NB stacked with the SVM 0.912–0.914; a 10-nearest-neighbour vote stacked with the SVM
0.920 vs 0.919 (and a 10k-row product per prediction); training on body sentences as
extra rows 0.906; repeating a body's first 60–120 characters 0.911–0.912; keeping only
the first 300 characters of bodies (bodies model 0.896 vs 0.908).

Tried for issue 7 (2026-11-22) and not kept. Unlabelled in-domain text: the titles and
bodies of the TipDM test set, hot messages and replied messages (19,176 unique texts; those
that contain, or are mostly contained in, a hold-out text of 5+ characters were dropped
first: 297 / 327 / 363 for split seeds 2026 / 7 / 11). Titles+bodies model, all test texts,
plain SVM argmax (no stacker; 0.9137 / 0.9143 on seeds 2026 / 7): vocabulary and IDF from
train + unlabelled 0.9137 / 0.9130; self-training on SVM predictions with a top-two margin
gap ≥ 0.5 or 1.0, weight 0.3 or 1: 0.9076–0.9143; co-training (a message's title and body
pseudo-labelled by their summed margins) 0.8976–0.9125; LSA of the TF-IDF (100 or 300
dimensions, fitted with the unlabelled text) appended to the sparse block 0.9052–0.9190, up
on one seed and down on the other. A Crammer–Singer multi-class SVM: with the stacker,
titles+bodies 0.9209 / 0.9166 / 0.9131 vs 0.9183 / 0.9142 / 0.9113 (seeds 2026 / 7 / 11,
+0.002, under split noise), the same CV score, and 300–460 s to train instead of 16 s.

Error analysis (seed 2026: 210 of 2,624 hold-out texts wrong; most confused
商贸旅游→城乡建设 27, 卫生计生→劳动和社会保障 14, 城乡建设→商贸旅游 13, 环境保护→城乡建设
13): of 30 errors drawn at random, 22 are ambiguous between the two labels or arguably
mislabelled (出租车加气站 filed under 商贸旅游, 养狗 under 商贸旅游, 农村孕产妇住院分娩
under 卫生计生 vs 劳动和社会保障) and 8 are plain model errors (独生子女奖扶金 not sent to
卫生计生). If that share holds, fixing every plain error gives about 0.94 accuracy (95%
interval 0.93–0.955): 0.95 macro-F1 is at the edge of what these labels allow.
"""

from __future__ import annotations

import csv
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.svm import LinearSVC

from urbangrid.intake.classifier import TrainParams, evaluate, train
from urbangrid.intake.classifier.holdout import containment_groups, grouped_holdout
from urbangrid.intake.classifier.model import TextClassifier, split_labels

TEXT_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "text"
TITLES = TEXT_DIR / "tipdm2020c_att2_subjects_labeled_train.csv"
BODIES = TEXT_DIR / "tipdm2020c_att2_details_labeled_train.csv"


def load(path: Path, text_col: str) -> tuple[list[str], list[str]]:
    """Texts and labels, exact duplicate texts dropped (first label kept)."""
    seen: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            seen.setdefault(row[text_col], row["一级标签"])
    return list(seen), list(seen.values())


def baseline(texts: Sequence[str], labels: Sequence[str]) -> Pipeline:
    first = [split_labels(label)[0] for label in labels]
    return make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
        LinearSVC(C=1.0),
    ).fit(list(texts), first)


def baseline_f1(model: Pipeline, texts: Sequence[str], labels: Sequence[str]) -> float:
    predicted = model.predict(list(texts))
    truth = [
        p if p in split_labels(label) else split_labels(label)[0]
        for p, label in zip(predicted, labels, strict=True)
    ]
    return float(f1_score(truth, predicted, average="macro"))


def rate(fn: Callable[[list[str]], object], texts: list[str], single: bool) -> float:
    """Predictions per second (best of three runs)."""
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        if single:
            for text in texts:
                fn([text])
        else:
            fn(texts)
        best = max(best, len(texts) / (time.perf_counter() - start))
    return best


def main() -> None:
    quick = "--quick" in sys.argv
    for path in (TITLES, BODIES):
        if not path.is_file():
            print(f"skipped: {path} not found (../shared beside the checkout)")
            return
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    titles, title_labels = load(TITLES, "留言主题")
    bodies, body_labels = load(BODIES, "留言详情")
    if quick:  # a slice of both files: the title↔body grouping costs ~6 ms a text
        titles, title_labels = titles[::6], title_labels[::6]
        bodies, body_labels = bodies[::6], body_labels[::6]
    print(f"titles {len(titles)} (unique), bodies {len(bodies)}")

    start = time.perf_counter()
    title_groups, body_groups = containment_groups(titles, bodies)
    linked = len(set(title_groups) & set(body_groups))
    print(f"title↔body links found: {linked} ({time.perf_counter() - start:.0f} s)")
    texts = titles + bodies
    labels = title_labels + body_labels
    kind = np.array(["title"] * len(titles) + ["body"] * len(bodies))
    groups = np.concatenate([title_groups, body_groups])
    strat = [split_labels(label)[0] for label in labels]
    train_idx, test_idx = grouped_holdout(strat, groups, test_share=0.2, seed=2026)
    print(f"hold-out: {len(test_idx)} texts never seen in training ({len(train_idx)} train)\n")

    def pick(idx: np.ndarray, which: set[str]) -> tuple[list[str], list[str]]:
        chosen = [i for i in idx if kind[i] in which]
        return [texts[i] for i in chosen], [labels[i] for i in chosen]

    params = TrainParams()
    setups = (
        [("titles", {"title"})]
        if quick
        else [
            ("titles", {"title"}),
            ("bodies", {"body"}),
            ("titles+bodies", {"title", "body"}),
        ]
    )
    print(
        f"{'trained on':<15}{'scored on':<15}{'ours':>8}{'baseline':>10}{'ratio':>8}"
        f"{'ours CV':>9}{'train s':>9}"
    )
    models: dict[str, TextClassifier] = {}
    baselines: dict[str, Pipeline] = {}
    for name, which in setups:
        x_train, y_train = pick(train_idx, which)
        t0 = time.perf_counter()
        model = train(x_train, y_train, params)
        seconds = time.perf_counter() - t0
        base = baseline(x_train, y_train)
        models[name], baselines[name] = model, base
        targets = [(w, {k}) for w, k in (("titles", "title"), ("bodies", "body")) if k in which]
        if len(which) > 1:
            targets.append(("all", which))
        for target, target_kind in targets:
            x_test, y_test = pick(test_idx, target_kind)
            ours = evaluate(model, x_test, y_test).macro_f1
            theirs = baseline_f1(base, x_test, y_test)
            print(
                f"{name:<15}{target:<15}{ours:>8.4f}{theirs:>10.4f}{ours / theirs:>8.3f}"
                f"{model.metadata['scores']['cv_macro_f1']:>9.4f}{seconds:>9.0f}"
            )

    print("\npredictions per second, one core (best of 3):")
    print(f"{'model':<15}{'texts':<8}{'mode':<8}{'ours':>9}{'baseline':>10}{'ratio':>8}")
    name = list(models)[-1]  # the model trained on the most text
    for target in ("title", "body"):
        if quick and target == "body":
            continue
        sample = pick(test_idx, {target})[0]
        for single in (True, False):
            chunk = sample[:300] if single else sample[:2000]
            ours = rate(models[name].predict, chunk, single)
            theirs = rate(baselines[name].predict, chunk, single)
            mode = "single" if single else "batch"
            print(
                f"{name:<15}{target:<8}{mode:<8}{ours:>9.0f}{theirs:>10.0f}{ours / theirs:>8.2f}"
                + (
                    f"   goal 1000/s: {'met' if ours >= 1000 else 'NOT met'}"
                    if target == "body"
                    else ""
                )
            )


if __name__ == "__main__":
    main()

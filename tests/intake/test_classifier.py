"""The free-text classifier: quality on real citizen messages, calibration, the model file
(round trip, metadata, damaged files) and the fast prediction path."""

from __future__ import annotations

import csv
import hashlib
import json
import random
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import train_test_split

from urbangrid.intake.classifier import (
    FORMAT_VERSION,
    ModelFileError,
    TextClassifier,
    TrainParams,
    evaluate,
    load_model,
    predict_top_k,
    read_manifest,
    save_model,
    train,
)
from urbangrid.intake.classifier.holdout import containment_groups, grouped_holdout
from urbangrid.intake.classifier.model import data_sha256, split_labels
from urbangrid.kit.errors import InvalidInput

# Titles alone are the hardest input (about 19 characters). On this test's split the model
# below (the default, with 3 folds) scores 0.888 macro-F1 on unseen titles (3-fold CV
# 0.865). Bodies and titles+bodies score higher (see bench_classifier.py), but training
# on them takes half a minute, too long for a test. The margin absorbs split noise.
TITLES_MIN_MACRO_F1 = 0.86
FAST = TrainParams(views=("char+word",), folds=3)

TOPICS: dict[str, list[str]] = {
    "城乡建设": ["小区外墙脱落", "物业不作为", "房屋质量问题", "违章搭建", "拆迁补偿"],
    "交通运输": ["公交线路调整", "出租车拒载", "道路拥堵", "红绿灯故障", "停车位不足"],
    "教育文体": ["学校乱收费", "学区划分", "教师补课", "幼儿园入学", "体育馆开放"],
}


def synthetic(n_per_label: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[str] = []
    for label, phrases in TOPICS.items():
        for _ in range(n_per_label):
            place = f"{rng.choice('ABCDEFG')}{rng.randint(1, 9)}区"
            texts.append(f"{place}{rng.choice(phrases)}，请{rng.choice(['尽快', '及时'])}处理")
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def titles(shared_dir: Path) -> tuple[list[str], list[str]]:
    seen: dict[str, str] = {}
    path = shared_dir / "data" / "text" / "tipdm2020c_att2_subjects_labeled_train.csv"
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            seen.setdefault(row["留言主题"], row["一级标签"])
    return list(seen), list(seen.values())


@pytest.fixture(scope="module")
def title_split(titles: tuple[list[str], list[str]]) -> tuple[list[str], ...]:
    texts, labels = titles
    return train_test_split(texts, labels, test_size=0.2, stratify=labels, random_state=11)


@pytest.fixture(scope="module")
def title_model(title_split: tuple[list[str], ...]) -> TextClassifier:
    x_train, _, y_train, _ = title_split
    return train(x_train, y_train, FAST, source="titles")


@pytest.fixture(scope="module")
def small_model() -> TextClassifier:
    texts, labels = synthetic(12, seed=1)
    # three views: exercises the stacker merging several SVMs in the fast path
    return train(texts, labels, TrainParams(views=("char+word", "char", "word"), folds=3))


def test_titles_held_out_macro_f1(
    title_model: TextClassifier, title_split: tuple[list[str], ...]
) -> None:
    _, x_test, _, y_test = title_split
    assert not set(x_test) & set(title_split[0])  # the hold-out is text the model never saw
    result = evaluate(title_model, x_test, y_test)
    assert result.macro_f1 >= TITLES_MIN_MACRO_F1
    assert len(result.labels) == 7
    matrix = np.array(result.confusion)
    assert matrix.sum() == len(x_test)
    assert np.trace(matrix) / matrix.sum() == pytest.approx(result.accuracy)
    # the cross-validated score stored in the model agrees with the hold-out one
    assert abs(title_model.metadata["scores"]["cv_macro_f1"] - result.macro_f1) < 0.04


def test_top3_confidences_are_calibrated(
    title_model: TextClassifier, title_split: tuple[list[str], ...]
) -> None:
    _, x_test, _, y_test = title_split
    top = predict_top_k(title_model, x_test, k=3)
    assert all(len(row) == 3 for row in top)
    for row in top:
        probs = [p for _, p in row]
        assert probs == sorted(probs, reverse=True)
        assert 0.0 <= sum(probs) <= 1.0 + 1e-9
    first = [row[0] for row in top]
    assert [label for label, _ in first] == title_model.predict(x_test)
    accuracy = np.mean([label == y for (label, _), y in zip(first, y_test, strict=True)])
    confidence = np.mean([p for _, p in first])
    # calibrated: on average the stated confidence is the share that is right
    assert abs(confidence - accuracy) < 0.05
    in_top3 = np.mean(
        [y in {label for label, _ in row} for row, y in zip(top, y_test, strict=True)]
    )
    assert in_top3 > accuracy + 0.05


def test_model_metadata(title_model: TextClassifier, title_split: tuple[list[str], ...]) -> None:
    x_train, _, y_train, _ = title_split
    meta = title_model.metadata
    assert meta["rows"] == len(x_train)
    assert meta["labels"] == sorted(set(y_train)) == list(title_model.labels)
    assert meta["data_sha256"] == data_sha256(x_train, y_train)
    assert sum(meta["label_counts"].values()) == meta["training_rows"] == len(x_train)
    assert 0.5 < meta["scores"]["cv_macro_f1"] <= 1.0
    assert meta["params"]["views"] == ["char+word"]
    assert meta["source"] == "titles"


def test_fast_path_matches_scikit_learn(small_model: TextClassifier) -> None:
    texts = [*synthetic(3, seed=9)[0], "", "！？。", "完全无关的内容 abc 123", "小区" * 200]
    np.testing.assert_allclose(
        small_model.predict_proba(texts), small_model.predict_proba_reference(texts), atol=1e-9
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=5))
def test_any_text_gets_a_distribution(small_model: TextClassifier, texts: list[str]) -> None:
    proba = small_model.predict_proba(texts)
    assert proba.shape == (len(texts), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba, small_model.predict_proba_reference(texts), atol=1e-9)


def test_round_trip_keeps_predictions_and_metadata(
    small_model: TextClassifier, tmp_path: Path
) -> None:
    path = save_model(small_model, tmp_path / "model.zip")
    loaded = load_model(path)
    texts = synthetic(4, seed=5)[0]
    np.testing.assert_array_equal(loaded.predict_proba(texts), small_model.predict_proba(texts))
    manifest = read_manifest(path)
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["metadata"] == json.loads(json.dumps(small_model.metadata))
    for key in ("data_sha256", "labels", "trained_at", "rows", "scores", "params"):
        assert key in manifest["metadata"]
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_damaged_or_foreign_files_are_refused(small_model: TextClassifier, tmp_path: Path) -> None:
    good = save_model(small_model, tmp_path / "good.zip")
    raw = good.read_bytes()

    cases: dict[str, bytes] = {
        "empty": b"",
        "text": "不是模型".encode(),
        "truncated": raw[: len(raw) // 2],
    }
    foreign = tmp_path / "foreign.zip"
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("data.csv", "a,b\n")
    cases["foreign zip"] = foreign.read_bytes()
    for name, content in cases.items():
        path = tmp_path / f"{name}.bin"
        path.write_bytes(content)
        with pytest.raises(ModelFileError):
            load_model(path)

    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "missing.zip")


def _rewrite(src: Path, dst: Path, manifest_edit=None, payload_edit=None) -> None:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(src) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        payload = archive.read("model.pkl")
    if manifest_edit:
        manifest_edit(manifest)
    if payload_edit:
        payload = payload_edit(payload)
    with zipfile.ZipFile(dst, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("model.pkl", payload)


def test_wrong_version_and_tampered_payload(small_model: TextClassifier, tmp_path: Path) -> None:
    good = save_model(small_model, tmp_path / "good.zip")
    future = tmp_path / "future.zip"
    _rewrite(good, future, manifest_edit=lambda m: m.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(ModelFileError, match="format version"):
        load_model(future)
    with pytest.raises(ModelFileError, match="format version"):
        read_manifest(future)
    # a file of the first format (scikit-learn vectorizers) is refused before unpickling
    first = tmp_path / "first.zip"
    _rewrite(good, first, manifest_edit=lambda m: m.update(format_version=1))
    with pytest.raises(ModelFileError, match=r"format version 1; .* retrain"):
        load_model(first)

    flipped = tmp_path / "flipped.zip"
    _rewrite(good, flipped, payload_edit=lambda p: p[:100] + bytes([p[100] ^ 0xFF]) + p[101:])
    with pytest.raises(ModelFileError, match="checksum"):
        load_model(flipped)

    junk = tmp_path / "junk.zip"

    def replace_payload(manifest: dict) -> None:  # type: ignore[type-arg]
        manifest["payload_sha256"] = hashlib.sha256(b"junk").hexdigest()

    _rewrite(good, junk, manifest_edit=replace_payload, payload_edit=lambda p: b"junk")
    with pytest.raises(ModelFileError, match="cannot be loaded"):
        load_model(junk)


def test_failed_save_keeps_the_old_model(small_model: TextClassifier, tmp_path: Path) -> None:
    path = save_model(small_model, tmp_path / "model.zip")
    before = path.read_bytes()

    class Unpicklable(TextClassifier):
        def __reduce__(self):  # type: ignore[no-untyped-def]
            raise RuntimeError("boom")

    broken = Unpicklable(**{k: v for k, v in small_model.__dict__.items() if k != "_fast"})
    with pytest.raises(RuntimeError):
        save_model(broken, path)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


def test_two_labels_in_one_row() -> None:
    assert split_labels("劳动和社会保障|卫生计生") == ["劳动和社会保障", "卫生计生"]
    assert split_labels(" 城乡建设 ") == ["城乡建设"]
    texts, labels = synthetic(10, seed=3)
    texts.append("学校门口道路拥堵")
    labels.append("交通运输|教育文体")
    model = train(texts, labels, FAST)
    assert model.metadata["rows"] == len(texts)
    assert model.metadata["training_rows"] == len(texts) + 1
    assert set(model.labels) == set(TOPICS)
    # scored as right whichever of its two labels the model picks
    predicted = model.predict(["学校门口道路拥堵"])[0]
    result = evaluate(model, ["学校门口道路拥堵"], ["交通运输|教育文体"])
    assert (result.accuracy == 1.0) == (predicted in {"交通运输", "教育文体"})


def test_bad_training_input() -> None:
    with pytest.raises(InvalidInput, match="two different labels"):
        train(["一", "二", "三"], ["甲", "甲", "甲"])
    with pytest.raises(InvalidInput, match="texts but"):
        train(["一", "二"], ["甲"])
    with pytest.raises(InvalidInput, match="at least two examples"):
        train(["一", "二", "三"], ["甲", "甲", "乙"])
    with pytest.raises(InvalidInput, match="empty label"):
        train(["一", "二", "三"], ["甲", "甲", " | "])
    with pytest.raises(InvalidInput, match="unknown view"):
        train(*synthetic(3, seed=1), TrainParams(views=("pixels",)))
    with pytest.raises(InvalidInput, match="nothing to learn"):
        train(["", " ", "", "　"], ["甲", "甲", "乙", "乙"])
    with pytest.raises(InvalidInput, match="nothing to learn from for view 'word'"):
        train(["abc", "abd", "xyz", "xyw"], ["甲", "甲", "乙", "乙"], TrainParams(views=("word",)))
    with pytest.raises(InvalidInput, match="balanced must be"):
        train(*synthetic(3, seed=1), TrainParams(balanced="yes"))
    with pytest.raises(InvalidInput, match="n-grams"):
        train(*synthetic(3, seed=1), TrainParams(char_ngrams=(1, 5)))


def test_title_body_links_keep_a_message_on_one_side() -> None:
    titles = ["A3区航天小区业主小孩无地方上学", "出租车拒载严重", "出租车拒载严重"]
    bodies = [
        "局长你好，我是A3区航天小区业主，小孩无地方上学，今年秋季就要上小学了，请帮忙解决。",
        "请问公积金贷款额度怎么计算？",
    ]
    title_ids, body_ids = containment_groups(titles, bodies)
    assert title_ids[0] == body_ids[0]  # the title and its body
    assert title_ids[1] == title_ids[2]  # exact duplicates
    assert title_ids[1] not in set(body_ids)
    # a title found whole in two near-identical bodies: no clear best, linked to both
    twice = "局长你好，A3区航天小区业主小孩无地方上学，今年秋季就要上小学了，请帮忙解决"
    title_ids, body_ids = containment_groups(
        ["A3区航天小区业主小孩无地方上学", "请问"],
        [twice + "。", twice + "！谢谢", *(f"请问{topic}怎么办理？" for topic in "甲乙丙丁")],
    )
    assert title_ids[0] == body_ids[0] == body_ids[1]
    assert title_ids[1] not in set(body_ids)  # a common phrase links nothing
    assert len(set(body_ids[2:])) == 4
    labels = ["教育文体", "交通运输", "交通运输", "教育文体", "劳动和社会保障"] * 4
    groups = np.arange(20) // 2
    train_idx, test_idx = grouped_holdout(labels, groups, test_share=0.2, seed=0)
    assert not set(groups[train_idx]) & set(groups[test_idx])
    assert len(train_idx) + len(test_idx) == 20


def test_lexicon_words() -> None:
    from urbangrid.intake.classifier.features import lexicon_tokens

    tokens = lexicon_tokens("小区垃圾没人清理")
    assert {"小区", "垃圾", "清理"} <= set(tokens)
    assert all(2 <= len(t) <= 4 for t in tokens)
    texts, labels = synthetic(10, seed=4)
    model = train(texts, labels, TrainParams(views=("word",), folds=3))
    assert model.metadata["params"]["views"] == ["word"]
    # only dictionary words are terms: 请 and the place names (A3区) are not
    from urbangrid.intake.classifier.features import string_key

    vocabulary = set(model.blocks["word"].keys.tolist())
    assert string_key("尽快") in vocabulary
    assert string_key("请") not in vocabulary
    probe = [*synthetic(2, seed=8)[0], "", "垃圾"]
    np.testing.assert_allclose(
        model.predict_proba(probe), model.predict_proba_reference(probe), atol=1e-9
    )


def test_substring_features_equal_scikit_learn_tfidf() -> None:
    """The NumPy key-based char block computes exactly scikit-learn's sublinear TF-IDF."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from urbangrid.intake.classifier.features import (
        SubstringTfidf,
        keys_by_size,
        normalise,
        string_key,
    )

    texts = [*synthetic(5, seed=2)[0], "ＡＢＣ　全角 abc", "𠀀𠀁 astral 😀😀", "a", ""]
    reference = TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, 3),
        preprocessor=normalise,
        lowercase=False,
        sublinear_tf=True,
    )
    expected = reference.fit_transform(texts).toarray()
    docs = [keys_by_size(text, (1, 2, 3)) for text in texts]
    block = SubstringTfidf.fit(docs, (1, 2, 3))
    assert block.n_features == len(reference.vocabulary_)
    order = np.searchsorted(
        block.keys, [string_key(term) for term in reference.get_feature_names_out()]
    )
    np.testing.assert_allclose(block.idf[order], reference.idf_, atol=1e-12)
    np.testing.assert_allclose(block.transform(docs).toarray()[:, order], expected, atol=1e-12)


def test_long_texts_can_be_clipped() -> None:
    from urbangrid.intake.classifier.features import prepare

    assert prepare("ＡＢ  Cd", head=10) == "ab cd"
    assert prepare("一二三四五六七八九十", head=3, tail=2) == "一二三 九十"
    assert prepare("一二三四五六七八九十", head=3) == "一二三"
    texts, labels = synthetic(10, seed=5)
    model = train(texts, labels, TrainParams(folds=3, head=6, tail=4))
    assert model.clip == (6, 4)
    assert model.metadata["params"]["head"] == 6
    probe = [t + "无关的填充文字" * 20 for t in synthetic(2, seed=8)[0]]
    np.testing.assert_allclose(
        model.predict_proba(probe), model.predict_proba_reference(probe), atol=1e-9
    )


def test_two_label_model() -> None:
    texts, labels = synthetic(8, seed=6)
    keep = [i for i, label in enumerate(labels) if label != "城乡建设"]
    model = train([texts[i] for i in keep], [labels[i] for i in keep], TrainParams(folds=3))
    assert len(model.labels) == 2
    probe = [*synthetic(2, seed=12)[0], ""]
    proba = model.predict_proba(probe)
    assert proba.shape == (len(probe), 2)
    np.testing.assert_allclose(proba, model.predict_proba_reference(probe), atol=1e-9)
    assert model.predict(["出租车拒载"]) == ["交通运输"]

"""``urbangrid classifier train / evaluate / predict`` on small CSV files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from urbangrid.intake.classifier import load_model, read_manifest
from urbangrid.intake.classifier.cli import app

from .test_classifier import synthetic

runner = CliRunner()


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("classifier_cli")


@pytest.fixture(scope="module")
def history(workdir: Path) -> Path:
    texts, labels = synthetic(15, seed=21)
    rows = [
        [str(i), text, label] for i, (text, label) in enumerate(zip(texts, labels, strict=True))
    ]
    return write_csv(workdir / "history.csv", ["编号", "内容", "类别"], rows)


@pytest.fixture(scope="module")
def model_file(workdir: Path, history: Path) -> Path:
    out = workdir / "model.ugm"
    result = runner.invoke(
        app,
        [
            "train",
            str(history),
            "--text-col",
            "内容",
            "--label-col",
            "类别",
            "--out",
            str(out),
            "--folds",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output
    return out


def test_train_writes_a_model_with_metadata(model_file: Path, history: Path) -> None:
    manifest = read_manifest(model_file)
    meta = manifest["metadata"]
    assert meta["rows"] == 45
    assert meta["source"] == history.name
    assert set(meta["labels"]) == {"城乡建设", "交通运输", "教育文体"}
    assert meta["params"]["folds"] == 3


def test_evaluate_prints_macro_f1_and_confusion(model_file: Path, workdir: Path) -> None:
    texts, labels = synthetic(6, seed=99)
    rows = [[t, lab] for t, lab in zip(texts, labels, strict=True)]
    file = write_csv(workdir / "check.csv", ["text", "label"], rows)
    result = runner.invoke(
        app, ["evaluate", str(model_file), str(file), "--text-col", "text", "--label-col", "label"]
    )
    assert result.exit_code == 0, result.output
    assert "macro-F1:" in result.output
    assert "confusion matrix" in result.output
    as_json = runner.invoke(
        app,
        [
            "evaluate",
            str(model_file),
            str(file),
            "--text-col",
            "text",
            "--label-col",
            "label",
            "--json",
        ],
    )
    body = json.loads(as_json.output)
    assert body["rows"] == len(rows)
    assert sum(map(sum, body["confusion"])) == len(rows)
    # distinct keyword sets per topic: the model should separate them
    assert body["macro_f1"] > 0.8


def test_predict_keeps_every_row_and_adds_two_columns(model_file: Path, workdir: Path) -> None:
    texts = [*synthetic(2, seed=7)[0], "", '内容里有,逗号和"引号"\n还有换行']
    rows = [[f"id{i}", text, "x"] for i, text in enumerate(texts)]
    file = write_csv(workdir / "incoming.csv", ["id", "message", "other"], rows)
    out = workdir / "predicted.csv"
    result = runner.invoke(
        app, ["predict", str(model_file), str(file), "--text-col", "message", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as handle:
        got = list(csv.reader(handle))
    assert got[0] == ["id", "message", "other", "predicted_label", "confidence"]
    assert [r[:3] for r in got[1:]] == rows
    model = load_model(model_file)
    for row in got[1:]:
        assert row[3] in model.labels
        assert 0.0 < float(row[4]) <= 1.0
    assert [r[3] for r in got[1:]] == model.predict(texts)


def test_missing_column_empty_file_and_bad_model(
    model_file: Path, history: Path, workdir: Path
) -> None:
    out = workdir / "never.csv"
    missing = runner.invoke(
        app, ["predict", str(model_file), str(history), "--text-col", "正文", "--out", str(out)]
    )
    assert missing.exit_code != 0
    assert "no column '正文'" in missing.output and "'内容'" in missing.output

    empty = workdir / "empty.csv"
    empty.write_text("", encoding="utf-8")
    result = runner.invoke(
        app, ["train", str(empty), "--text-col", "a", "--label-col", "b", "--out", str(out)]
    )
    assert result.exit_code != 0 and "empty" in result.output

    header_only = write_csv(workdir / "header.csv", ["a", "b"], [])
    result = runner.invoke(
        app, ["train", str(header_only), "--text-col", "a", "--label-col", "b", "--out", str(out)]
    )
    assert result.exit_code != 0 and "no rows" in result.output

    fake = workdir / "fake.ugm"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    result = runner.invoke(
        app, ["predict", str(fake), str(history), "--text-col", "内容", "--out", str(out)]
    )
    assert result.exit_code != 0 and "model" in result.output
    assert not out.exists()


def test_unlabelled_rows_are_named(history: Path, workdir: Path) -> None:
    rows = [["道路拥堵", "交通运输"], ["学校乱收费", ""], ["外墙脱落", "城乡建设"]]
    file = write_csv(workdir / "gaps.csv", ["t", "l"], rows)
    out = workdir / "gaps.ugm"
    result = runner.invoke(
        app, ["train", str(file), "--text-col", "t", "--label-col", "l", "--out", str(out)]
    )
    assert result.exit_code != 0
    assert "line" in result.output and "3" in result.output
    assert not out.exists()

"""``urbangrid classifier``: train, evaluate and apply the free-text category classifier.

The model (scikit-learn, SciPy) is imported inside the commands, not here: ``--help`` stays
fast."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from urbangrid.cli.common import reports_errors
from urbangrid.intake.classifier.table import read_table, write_table
from urbangrid.kit.errors import InvalidInput

CLI_NAME = "classifier"

app = typer.Typer(
    name=CLI_NAME,
    help="Automatic classification of citizen messages (自动分类), trained on your history.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

PREDICTED = "predicted_label"
CONFIDENCE = "confidence"


def _labelled(file: Path, text_col: str, label_col: str) -> tuple[list[str], list[str]]:
    table = read_table(file, [text_col, label_col])
    texts, labels = table.column(text_col), table.column(label_col)
    empty = [i + 2 for i, label in enumerate(labels) if not label.strip()]
    if empty:
        shown = ", ".join(str(n) for n in empty[:10]) + (" …" if len(empty) > 10 else "")
        raise InvalidInput(
            f"{file}: {len(empty)} rows have no label in {label_col!r} (lines {shown})"
        )
    return texts, labels


@app.command("train")
@reports_errors
def train_command(
    file: Path = typer.Argument(..., help="CSV with the history (UTF-8, header row)"),
    text_col: str = typer.Option(..., "--text-col", help="column with the message text"),
    label_col: str = typer.Option(..., "--label-col", help="column with the category"),
    out: Path = typer.Option(..., "--out", help="model file to write"),
    folds: int = typer.Option(5, min=2, help="cross-validation folds (also the stacker's)"),
    c: float = typer.Option(1.0, "--c", min=1e-6, help="SVM regularisation C"),
) -> None:
    """Train a model on FILE and write it to --out, with its cross-validated macro-F1."""
    from urbangrid.intake.classifier.model import TrainParams, train
    from urbangrid.intake.classifier.store import save_model

    texts, labels = _labelled(file, text_col, label_col)
    model = train(texts, labels, TrainParams(folds=folds, svm_c=c), source=file.name)
    save_model(model, out)
    meta = model.metadata
    typer.echo(
        f"trained on {meta['rows']} rows, {len(model.labels)} labels; "
        f"cross-validated macro-F1 {meta['scores']['cv_macro_f1']:.4f}"
    )
    typer.echo(f"model written to {out}")


@app.command("evaluate")
@reports_errors
def evaluate_command(
    model_file: Path = typer.Argument(..., metavar="MODEL", help="model file"),
    file: Path = typer.Argument(..., help="labelled CSV to score on"),
    text_col: str = typer.Option(..., "--text-col"),
    label_col: str = typer.Option(..., "--label-col"),
    as_json: bool = typer.Option(False, "--json", help="print the figures as JSON"),
) -> None:
    """Score MODEL on FILE: macro-F1, per-label report and the confusion matrix."""
    from urbangrid.intake.classifier.model import evaluate
    from urbangrid.intake.classifier.store import load_model

    model = load_model(model_file)
    texts, labels = _labelled(file, text_col, label_col)
    result = evaluate(model, texts, labels)
    if as_json:
        body = {
            "macro_f1": result.macro_f1,
            "accuracy": result.accuracy,
            "rows": result.rows,
            "labels": list(result.labels),
            "confusion": result.confusion,
            "per_class": result.per_class,
        }
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    typer.echo(f"rows: {result.rows}")
    typer.echo(f"macro-F1: {result.macro_f1:.4f}")
    typer.echo(f"accuracy: {result.accuracy:.4f}")
    typer.echo("")
    typer.echo(result.report.rstrip())
    typer.echo("")
    typer.echo("confusion matrix:")
    typer.echo(result.confusion_table())


@app.command("predict")
@reports_errors
def predict_command(
    model_file: Path = typer.Argument(..., metavar="MODEL", help="model file"),
    file: Path = typer.Argument(..., help="CSV with the messages"),
    text_col: str = typer.Option(..., "--text-col"),
    out: Path = typer.Option(..., "--out", help="CSV to write"),
) -> None:
    """Write every row of FILE to --out with predicted_label and confidence added."""
    from urbangrid.intake.classifier.model import predict_top_k
    from urbangrid.intake.classifier.store import load_model

    model = load_model(model_file)
    table = read_table(file, [text_col])
    top = predict_top_k(model, table.column(text_col), k=1)
    header = [h for h in table.header if h not in (PREDICTED, CONFIDENCE)]
    keep = [i for i, h in enumerate(table.header) if h not in (PREDICTED, CONFIDENCE)]
    rows = []
    for row, ((label, confidence),) in zip(table.rows, top, strict=True):
        padded = row + [""] * (len(table.header) - len(row))
        rows.append([padded[i] for i in keep] + [label, f"{confidence:.4f}"])
    write_table(out, [*header, PREDICTED, CONFIDENCE], rows)
    typer.echo(f"{len(rows)} rows written to {out}")

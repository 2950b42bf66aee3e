"""Automatic classification of free-text citizen messages (自动分类): train on a bureau's
history, suggest a category with calibrated confidence and a top 3 at intake."""

from urbangrid.intake.classifier.model import (
    Evaluation,
    TextClassifier,
    TrainParams,
    evaluate,
    predict_top_k,
    train,
)
from urbangrid.intake.classifier.store import (
    FORMAT_VERSION,
    ModelFileError,
    load_model,
    read_manifest,
    save_model,
)

__all__ = [
    "FORMAT_VERSION",
    "Evaluation",
    "ModelFileError",
    "TextClassifier",
    "TrainParams",
    "evaluate",
    "load_model",
    "predict_top_k",
    "read_manifest",
    "save_model",
    "train",
]

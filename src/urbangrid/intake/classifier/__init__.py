"""Automatic classification of free-text citizen messages (自动分类): train on a bureau's
history, suggest a category with calibrated confidence and a top 3 at intake.

The names below are imported on first use (PEP 562): the model needs scikit-learn and
SciPy, which take seconds to import, and the command line (``urbangrid classifier
--help``) must not pay for them."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "Evaluation": "model",
    "TextClassifier": "model",
    "TrainParams": "model",
    "evaluate": "model",
    "predict_top_k": "model",
    "train": "model",
    "FORMAT_VERSION": "store",
    "ModelFileError": "store",
    "load_model": "store",
    "read_manifest": "store",
    "save_model": "store",
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])

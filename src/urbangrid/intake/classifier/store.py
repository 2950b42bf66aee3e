"""The model file: one zip holding ``manifest.json`` (format, version, metadata, checksum)
and ``model.pkl`` (the pickled classifier).

The manifest is readable without unpickling (``read_manifest``), and loading refuses a
file of another format or version, or one whose payload does not match its checksum.
Pickle runs code when loaded: only load model files you trained or trust.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from urbangrid.intake.classifier.model import TextClassifier
from urbangrid.kit.errors import InvalidInput

FORMAT_NAME = "urbangrid-text-classifier"
FORMAT_VERSION = 2
"""1: scikit-learn TF-IDF vectorizers in the pickle. 2: NumPy substring-key blocks
(``features.SubstringTfidf``) and a (head, tail) clip. A file of another version is
refused with a message to retrain, before anything is unpickled."""
MANIFEST = "manifest.json"
PAYLOAD = "model.pkl"


class ModelFileError(InvalidInput):
    """The file is not a usable classifier model (missing, corrupt, other format/version)."""

    title = "Unusable model file"


def save_model(model: TextClassifier, path: str | Path) -> Path:
    """Write the model atomically: a crash leaves the old file (if any) untouched."""
    path = Path(path)
    payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "metadata": model.metadata,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
                archive.writestr(PAYLOAD, payload)
            handle.flush()
            os.fsync(handle.fileno())
        _usual_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _open(path: Path) -> zipfile.ZipFile:
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path} is not an UrbanGrid classifier model (not a zip archive)")
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ModelFileError(f"{path} is a damaged model file: {exc}") from None


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest, checked for format and version; the classifier itself is not loaded."""
    path = Path(path)
    with _open(path) as archive:
        return _manifest(path, archive)


def _manifest(path: Path, archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except KeyError:
        raise ModelFileError(f"{path} is not an UrbanGrid classifier model (no manifest)") from None
    except (zipfile.BadZipFile, UnicodeDecodeError, json.JSONDecodeError, OSError) as exc:
        raise ModelFileError(f"{path}: unreadable manifest ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{path} is not an UrbanGrid classifier model (wrong format)")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has model format version {version}; this UrbanGrid reads version "
            f"{FORMAT_VERSION} — retrain the model with `urbangrid classifier train`"
        )
    return manifest


def load_model(path: str | Path) -> TextClassifier:
    path = Path(path)
    with _open(path) as archive:
        manifest = _manifest(path, archive)
        try:
            payload = archive.read(PAYLOAD)
        except KeyError:
            raise ModelFileError(f"{path} is incomplete: no {PAYLOAD}") from None
        except (zipfile.BadZipFile, OSError) as exc:
            # Also raised when the stored CRC does not match (truncated/overwritten bytes).
            raise ModelFileError(f"{path} is a damaged model file: {exc}") from None
    if hashlib.sha256(payload).hexdigest() != manifest.get("payload_sha256"):
        raise ModelFileError(f"{path} is a damaged model file: checksum mismatch")
    try:
        model = pickle.loads(payload)
    except Exception as exc:  # any unpickling failure means the same thing to the user
        raise ModelFileError(f"{path}: the model cannot be loaded ({exc})") from None
    if not isinstance(model, TextClassifier):
        raise ModelFileError(f"{path} does not contain a text classifier")
    return model


def _usual_mode(path: str) -> None:
    """mkstemp creates files readable by the owner only; give the final file the mode an
    ordinary open() would (0666 minus the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)

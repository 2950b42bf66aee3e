"""The list of domain packages. App, CLI and migrations discover their parts from it.

Each domain package may provide ``models`` (SQLAlchemy tables), ``routes`` (a FastAPI
``router``), and ``cli`` (a Typer ``app`` mounted under ``urbangrid <cli_name>``).
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

DOMAINS: tuple[str, ...] = (
    "org",
    "auth",
    "catalog",
    "geo",
    "cases",
    "evaluation",
    "intake",
    "web",
    "ops",
    "registers",
    "fleet",
    "waste",
    "notify",
    "construction",
    "stats",
)


def domain_modules(part: str) -> list[ModuleType]:
    """Import ``urbangrid.<domain>.<part>`` for every domain that has it."""
    found: list[ModuleType] = []
    for domain in DOMAINS:
        name = f"urbangrid.{domain}.{part}"
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            continue
        if spec is not None:
            found.append(importlib.import_module(name))
    return found


def import_all_models() -> None:
    domain_modules("models")

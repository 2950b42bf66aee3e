"""Reading and writing the CSV files the classifier CLI works on (UTF-8, header row)."""

from __future__ import annotations

import csv
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from urbangrid.kit.errors import InvalidInput

# Message bodies can be long; the csv module's default cell limit is 128 KiB.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]

    def column(self, name: str) -> list[str]:
        index = self.header.index(name)
        return [row[index] if index < len(row) else "" for row in self.rows]


def read_table(path: str | Path, required: Sequence[str]) -> Table:
    """A CSV file with the ``required`` columns; clear errors for a missing or empty file,
    a missing column, or a file that is not UTF-8 text."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"file not found: {path}")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or not any(cell.strip() for cell in header):
                raise InvalidInput(f"{path} is empty (no header row)")
            header = [cell.strip() for cell in header]
            rows = [row for row in reader if any(cell.strip() for cell in row)]
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text") from None
    except csv.Error as exc:
        raise InvalidInput(f"{path} is not a readable CSV file: {exc}") from None
    missing = [name for name in required if name not in header]
    if missing:
        raise InvalidInput(
            f"{path} has no column {', '.join(repr(m) for m in missing)}; "
            f"its columns are {', '.join(repr(h) for h in header)}"
        )
    if not rows:
        raise InvalidInput(f"{path} has a header but no rows")
    return Table(header=header, rows=rows)


def write_table(path: str | Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Write atomically (temporary file, then rename) so a failure leaves no half file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        _usual_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _usual_mode(path: str) -> None:
    """mkstemp creates files readable by the owner only; give the final file the mode an
    ordinary open() would (0666 minus the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)

"""The command line starts fast: ``urbangrid --help`` and every command's ``--help`` import
none of the heavy libraries (scikit-learn, SciPy, NumPy, pandas, jieba, Shapely, openpyxl,
FastAPI, uvicorn, SQLAlchemy and with it the models, the settings' pydantic-settings).
Those belong inside the commands that use them.

Each check runs in a fresh interpreter (a module imported by another test would hide the
cost). The command tree is walked, so a new command or domain is checked without an edit
here. Wall times are printed (``-s``), not asserted: the machine is shared."""

from __future__ import annotations

import json
import subprocess
import sys
import time

HEAVY = (
    "sklearn",
    "scipy",
    "numpy",
    "pandas",
    "jieba",
    "shapely",
    "openpyxl",
    "fastapi",
    "uvicorn",
    "sqlalchemy",
    "pydantic_settings",
)

# Renders every command's help in one interpreter, in the order of the tree, and says for
# each which heavy modules were loaded by then.
WALK = """
import contextlib, io, json, sys, time
started = time.perf_counter()
import typer
from urbangrid.cli.main import app
imported = time.perf_counter() - started
heavy = json.loads(sys.argv[1])
root = typer.main.get_command(app)
paths = []
def walk(command, path):
    paths.append(path)
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        walk(sub, [*path, name])
walk(root, [])
report = []
for path in paths:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = root.main([*path, "--help"], prog_name="urbangrid", standalone_mode=False)
    loaded = [m for m in heavy if m in sys.modules]
    report.append({"path": path, "code": code, "usage": "Usage" in out.getvalue(),
                   "loaded": loaded})
print(json.dumps({"import_s": imported, "commands": report}))
"""


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_root_help_imports_no_heavy_library() -> None:
    """The real entry point, ``urbangrid --help``, in its own interpreter."""
    started = time.perf_counter()
    run = _python("-X", "importtime", "-c", "from urbangrid.cli.main import main; main()", "--help")
    wall = time.perf_counter() - started
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Usage" in run.stdout
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in run.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    roots = {name.split(".")[0] for name in modules}
    assert not roots & set(HEAVY), f"urbangrid --help imported {sorted(roots & set(HEAVY))}"
    print(f"\nurbangrid --help: {wall:.2f} s wall (with -X importtime)")


def test_every_command_help_imports_no_heavy_library() -> None:
    run = _python("-c", WALK, json.dumps(HEAVY))
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    commands = result["commands"]
    names = {" ".join(c["path"]) for c in commands}
    # The tree as mounted: built-in groups, domain groups, COMMANDS and extra apps.
    assert {"users create", "catalog", "geo", "cases", "classifier train"} <= names, names
    assert len(commands) > 30
    for command in commands:
        shown = " ".join(["urbangrid", *command["path"], "--help"])
        assert command["code"] == 0 and command["usage"], f"{shown} printed no help"
        assert not command["loaded"], f"{shown} imported {command['loaded']}"
    print(f"\nimporting the CLI: {result['import_s']:.2f} s; {len(commands)} commands' help")

"""``python -m urbangrid`` is the ``urbangrid`` command (for environments without the script)."""

from urbangrid.cli.main import main

main()

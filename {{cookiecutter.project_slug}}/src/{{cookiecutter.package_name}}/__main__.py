"""``python -m <package>``: how DVC stages and the workflows call the CLI."""

from .cli import run

run()

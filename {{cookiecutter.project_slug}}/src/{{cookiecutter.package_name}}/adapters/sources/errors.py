"""What a source raises: a whole-source problem (exit 2) or one unreadable day (that day is quarantined)."""

from __future__ import annotations


class SourceError(RuntimeError):
    """The source as configured cannot be read at all (one line, names the key and path)."""


class BatchError(RuntimeError):
    """One day's batch cannot be read (a broken file, ...): ingest quarantines that day, the others go on.

    The message names what is broken (the file) and how to fix it."""

"""Error text for people: one line, cut at a word, never mid-word (issue 20 item 2)."""

from __future__ import annotations


def shorten(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut after the last whole word and marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:  # a word boundary not too far back; else a very long token is cut where it must be
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def error_line(exc: BaseException, limit: int = 300) -> str:
    """The first line of an exception's message (its type when it has none), shortened at a word."""
    lines = str(exc).strip().splitlines()
    return shorten(lines[0] if lines else type(exc).__name__, limit)

"""The held-out sets' manifests, read and checked in one place for every benchmark.

A manifest (``benchmarks/*.txt``) lists one file per line, its fields separated by tabs or spaces; blank lines and
lines starting with ``#`` are comments. Each benchmark keeps its own fields and its own preparation of the
pictures (its protocol); what they share is reading the lines and checking each file's SHA-256.
"""

from __future__ import annotations

import hashlib
import os


def rows(path, sep: str | None = None, maxsplit: int = -1) -> list[list[str]]:
    """The manifest's entry lines, each split into its fields by ``sep`` (``None``: any whitespace)."""
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split(sep, maxsplit) for line in f if line.strip() and not line.startswith("#")]


def matches(file, sha256: str) -> bool:
    """Whether ``file`` exists and its SHA-256 is ``sha256``."""
    if not os.path.isfile(file):
        return False
    with open(file, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest() == sha256


def checked(file, sha256: str, fetch: str):
    """``file`` when it is as its manifest records it; else ``SystemExit`` naming the fetch script to run."""
    if not matches(file, sha256):
        raise SystemExit(f"{file} missing or not as recorded: run {fetch} first")
    return file

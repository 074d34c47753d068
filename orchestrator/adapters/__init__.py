"""One adapter per native output format, all with the same signature.

    parse(path: Path, *, language: str | None = None) -> Parsed

``path`` is a file (or, for criterion, a ``target/criterion`` directory).
``language`` overrides the adapter's default language (e.g. pyperf output
of an interop backend). An adapter never raises on bad input: a malformed
line or file becomes a ``ParseIssue`` with file and line, and the good
lines around it are still read. Only I/O failure (a missing or unreadable
path) raises ``OSError``.

The registry ``ADAPTERS`` maps each format name to its parse function; adding
a harness touches one module here, one fixture folder and one test file.

Each adapter module also declares:

- ``LANGUAGE``: the language its format belongs to (``go``, ``rust`` or
  ``python``), so that a caller can refuse, say, Go output given as Rust;
- ``sniff(path_or_text)``: whether a text (or, for criterion, a directory
  ``Path``) is in its format. That is the only place a format's look is
  known; ``detect`` asks every adapter and takes the one that says yes.

When an adapter reads no result at all and no other issue says why, it
gives the single issue ``no benchmark results found in FILE (read as FORMAT)``.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Callable

from orchestrator.models import ParseIssue, Result


@dataclass
class Parsed:
    results: list[Result] = field(default_factory=list)
    issues: list[ParseIssue] = field(default_factory=list)

    def extend(self, other: "Parsed") -> None:
        self.results.extend(other.results)
        self.issues.extend(other.issues)


def _modules() -> dict[str, ModuleType]:
    from orchestrator.adapters import criterion, gobench, googlebench, libtest, pyperf, pytest_benchmark

    return {
        "gobench": gobench,
        "criterion": criterion,
        "pyperf": pyperf,
        "libtest": libtest,
        "pytest-benchmark": pytest_benchmark,
        "googlebench": googlebench,
    }


def _registry() -> dict[str, Callable[..., Parsed]]:
    return {fmt: module.parse for fmt, module in _modules().items()}


def language(fmt: str) -> str:
    """The language format ``fmt`` belongs to (``LANGUAGE`` of its module)."""
    get(fmt)  # the same error for an unknown format
    return _modules()[fmt].LANGUAGE


#: ``detect`` reads at most this much of a file (after gzip decompression).
DETECT_LIMIT = 64 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


def detect(path: Path | str) -> str | None:
    """The one format whose adapter recognises ``path``, or None when none (or several) do.

    A directory is offered as a ``Path``; a file is read whole (up to
    ``DETECT_LIMIT`` bytes, gzip undone) and offered as text, so a log whose
    first result comes late is still recognised. Raises ``OSError`` only
    when ``path`` cannot be read.
    """
    path = Path(path)
    if path.is_dir():
        offered: Path | str = path
    else:
        with path.open("rb") as fh:
            raw = fh.read(DETECT_LIMIT)
        if raw[:2] == _GZIP_MAGIC:
            try:
                with gzip.open(path, "rb") as fh:
                    raw = fh.read(DETECT_LIMIT)
            except (OSError, EOFError, zlib.error):
                return None
        offered = raw.decode("utf-8", errors="replace")
    claims = [fmt for fmt, module in _modules().items() if module.sniff(offered)]
    return claims[0] if len(claims) == 1 else None


def get(fmt: str) -> Callable[..., Parsed]:
    table = _registry()
    try:
        return table[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(sorted(table))}") from None


def formats() -> list[str]:
    return sorted(_registry())


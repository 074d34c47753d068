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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from orchestrator.models import ParseIssue, Result


@dataclass
class Parsed:
    results: list[Result] = field(default_factory=list)
    issues: list[ParseIssue] = field(default_factory=list)

    def extend(self, other: "Parsed") -> None:
        self.results.extend(other.results)
        self.issues.extend(other.issues)


def _registry() -> dict[str, Callable[..., Parsed]]:
    from orchestrator.adapters import criterion, gobench, googlebench, libtest, pyperf, pytest_benchmark

    return {
        "gobench": gobench.parse,
        "criterion": criterion.parse,
        "pyperf": pyperf.parse,
        "libtest": libtest.parse,
        "pytest-benchmark": pytest_benchmark.parse,
        "googlebench": googlebench.parse,
    }


def get(fmt: str) -> Callable[..., Parsed]:
    table = _registry()
    try:
        return table[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(sorted(table))}") from None


def formats() -> list[str]:
    return sorted(_registry())


def language_of(fmt: str) -> str | None:
    """The language a format belongs to (its adapter's ``LANGUAGE``), or None when any may write it."""
    import importlib

    module = importlib.import_module(get(fmt).__module__)
    return getattr(module, "LANGUAGE", None)

"""Shared fixtures: the repository root and the copy of the spec's vectors."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root() -> Path:
    return ROOT


BUILTIN = ROOT / "suites" / "guarded-secret"


@pytest.fixture(scope="session")
def builtin():
    """The built-in suite, read from its manifest."""
    from orchestrator import manifest

    return manifest.load(BUILTIN)

"""The adapter table: one module per harness, same signature, format named in the docstring."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from orchestrator import adapters
HARNESSES = ("criterion", "gobench", "libtest", "pyperf", "pytest-benchmark")


def test_every_harness_has_an_adapter():
    assert set(HARNESSES) <= set(adapters.formats())


def test_unknown_format_names_the_allowed_ones():
    with pytest.raises(ValueError, match="unknown format 'nope'; known: criterion, gobench"):
        adapters.get("nope")


@pytest.mark.parametrize("fmt", sorted(HARNESSES))
def test_same_signature_and_a_docstring_with_a_sample(fmt):
    parse = adapters.get(fmt)
    sig = inspect.signature(parse)
    assert list(sig.parameters) == ["path", "language"]
    assert sig.parameters["language"].kind is inspect.Parameter.KEYWORD_ONLY
    assert sig.parameters["language"].default is None
    doc = inspect.getmodule(parse).__doc__
    assert doc and "::" in doc  # the format and an indented sample
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / fmt.replace("-", "_")
    assert fixtures.is_dir() and any(fixtures.iterdir())

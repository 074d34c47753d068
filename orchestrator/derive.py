"""A suite built from results alone, for outputs that no manifest describes.

``invoke compare`` reads outputs a user brings, and a version-1 record names
no suite; both are reported against a suite derived here: the languages of
the results, and one benchmark per name key. A harness name's key is what is
left of it once the notation of its harness is taken off, so that the same
benchmark lines up across harnesses::

    BenchmarkParseJSON/size=64      → parse-json, size=64   (Go: every segment)
    group/parse_json/size=64        → parse-json, size=64   (last segment)
    benches::bench_parse_json       → parse-json            (libtest)
    tests/test_x.py::test_parse_json[64] → parse-json        (pytest)

``key=value`` segments become the result's parameters. ``--map NAME=BENCHMARK``
overrides the key for a whole harness name.
"""

from __future__ import annotations

import re
from typing import Optional

from orchestrator.models import BenchmarkSpec, LanguageSpec, Result, Suite

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_PARAM_ID = re.compile(r"\[.*\]$")
_PREFIXES = ("Benchmark", "bench_", "test_")
GENERIC_TITLE = "the benchmarks given"


def kebab(word: str) -> str:
    """``ParseJSON`` → ``parse-json``; ``parse_json`` → ``parse-json``."""
    return re.sub(r"-+", "-", _CAMEL.sub("-", word).replace("_", "-")).strip("-").lower()


def split_name(name: str) -> tuple[str, dict[str, str]]:
    """A harness name → (benchmark key, its key=value parameters)."""
    segments = [s for s in re.split(r"/|::", name) if s]
    params: dict[str, str] = {}
    plain: list[str] = []
    for seg in segments:
        k, sep, v = seg.partition("=")
        if sep and k and v and " " not in k:
            params[k] = v
        else:
            plain.append(_PARAM_ID.sub("", seg))
    if not plain:
        return name, params
    go_style = plain[0].startswith("Benchmark")
    chosen = plain if go_style else plain[-1:]
    words = []
    for seg in chosen:
        for prefix in _PREFIXES:
            if seg.startswith(prefix) and len(seg) > len(prefix):
                seg = seg[len(prefix):]
                break
        words.append(kebab(seg) or seg)
    return "/".join(words), params


def assign(results: list[Result], mapping: Optional[dict[str, str]] = None) -> list[Result]:
    """Put every result under a benchmark key (``--map`` first), its name's parameters beside it."""
    mapping = mapping or {}
    out = []
    for r in results:
        key, params = split_name(r.id.name)
        canonical = mapping.get(r.id.name) or r.id.canonical or key
        out.append(r.model_copy(update={"id": r.id.model_copy(update={
            "canonical": canonical, "params": {**params, **r.id.params}})}))
    return out


def from_results(results: list[Result], title: str = GENERIC_TITLE, description: str = "") -> Suite:
    """The suite a set of results describes: its languages and benchmarks, in order of appearance."""
    languages: dict[str, str] = {}
    benchmarks: dict[str, dict] = {}
    for r in results:
        languages.setdefault(r.id.language, r.id.harness)
        name = r.id.canonical or split_name(r.id.name)[0]
        b = benchmarks.setdefault(name, {"modes": set(), "ids": {}})
        b["modes"].add(r.id.mode)
        b["ids"].setdefault(r.id.language, r.id.name)
    return Suite(
        name="derived",
        title=title,
        description=description,
        languages=[LanguageSpec(name=lang, format=fmt, harness=fmt) for lang, fmt in languages.items()]
        or [LanguageSpec(name="none", format="none")],
        benchmarks=[BenchmarkSpec(name=name, mode="parallel" if "parallel" in b["modes"] else "sequential",
                                  ids={lang: _escape(i) for lang, i in b["ids"].items()})
                    for name, b in benchmarks.items()]
        or [BenchmarkSpec(name="none", mode="sequential", ids={})],
    )


def _escape(name: str) -> str:
    """A harness name as an id template: braces doubled are not placeholders here, so drop them."""
    return name.replace("{", "(").replace("}", ")")

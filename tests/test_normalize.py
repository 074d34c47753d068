"""Pairing like for like: canonical names, declarations, refusals that name both sides."""

import pytest

from orchestrator import names, normalize
from orchestrator.models import BenchmarkId, Measurement, Result


def res(lang, name, canonical, threads, mode, harness=None, samples=(100.0, 101.0, 99.0)):
    harness = harness or {"go": "gobench", "rust": "criterion", "python": "pyperf"}[lang]
    return Result(
        id=BenchmarkId(language=lang, harness=harness, name=name, canonical=canonical, threads=threads,
                       mode=mode, threads_source="test"),
        ns_per_op=list(samples),
        original=[Measurement(value=s, unit="ns/op") for s in samples],
    )


@pytest.mark.parametrize("printed, base, threads, canonical", [
    ("BenchmarkParallelShared-2", "BenchmarkParallelShared", 2, "parallel-shared"),
    ("BenchmarkSequential", "BenchmarkSequential", None, "sequential"),
    ("BenchmarkFloor-16", "BenchmarkFloor", 16, "floor"),
    ("BenchmarkParallelOwned-4", "BenchmarkParallelOwned", 4, "parallel-owned"),
    ("BenchmarkVerify-8", "BenchmarkVerify", 8, None),
])
def test_go_names(printed, base, threads, canonical):
    b, t = names.split_go_suffix(printed)
    assert (b, t, names.canonical(b)) == (base, threads, canonical)


@pytest.mark.parametrize("printed, base, threads, canonical", [
    ("secret/parallel-shared/threads=2", "secret/parallel-shared", 2, "parallel-shared"),
    ("secret/sequential", "secret/sequential", None, "sequential"),
    ("parallel-locked/threads=4", "parallel-locked", 4, "parallel-locked"),
    ("floor", "floor", None, "floor"),
    ("group/other", "group/other", None, None),
])
def test_threads_segment_names(printed, base, threads, canonical):
    b, t = names.split_threads_segment(printed)
    assert (b, t, names.canonical(b)) == (base, threads, canonical)


def test_explicit_mapping_wins():
    assert names.canonical("BenchmarkVerify", {"BenchmarkVerify": "sequential"}) == "sequential"
    assert names.canonical("group/verify", {"verify": "parallel-shared"}) == "parallel-shared"


def test_like_for_like_cells_pair_by_benchmark_and_threads_only():
    rs = [
        res("go", "BenchmarkSequential", "sequential", 1, "sequential"),
        res("rust", "secret/sequential", "sequential", 1, "sequential"),
        res("go", "BenchmarkParallelShared", "parallel-shared", 2, "parallel"),
        res("rust", "secret/parallel-shared", "parallel-shared", 2, "parallel"),
        res("rust", "secret/parallel-shared", "parallel-shared", 4, "parallel"),
    ]
    n = normalize.normalize(rs)
    assert [(c.benchmark, c.threads, sorted(c.by_language)) for c in n.cells] == [
        ("sequential", 1, ["go", "rust"]),
        ("parallel-shared", 2, ["go", "rust"]),
        ("parallel-shared", 4, ["rust"]),
    ]
    assert n.refused == [] and n.not_comparable == []


def test_cross_mode_pair_is_refused_naming_both_sides():
    go = res("go", "BenchmarkVerify", "sequential", 8, "parallel")
    rust = res("rust", "verify", "sequential", 1, "sequential")
    n = normalize.normalize([go, rust])
    assert len(n.refused) == 1
    text = str(n.refused[0])
    assert "go BenchmarkVerify (parallel, T=8)" in text
    assert "rust verify (sequential, T=1)" in text
    assert "different modes" in text and "different worker counts" in text
    assert all(len(c.by_language) == 1 for c in n.cells)


def test_same_mode_different_threads_is_refused():
    go = res("go", "BenchmarkParallelShared", "parallel-shared", 8, "parallel")
    rust = res("rust", "secret/parallel-shared", "parallel-shared", 2, "parallel")
    reason = normalize.refuse_reason(go, rust)
    assert reason == "different worker counts (8 vs 2)"


def test_unknown_mode_is_not_comparable_and_names_the_flag():
    go = res("go", "BenchmarkVerify", "sequential", 8, "unknown")
    n = normalize.normalize([go])
    assert n.cells == []
    (r, why), = n.not_comparable
    text = " ".join(why)
    assert "T=8 is from the test" in text
    assert "--mode go=parallel" in text


def test_unknown_name_says_how_to_map_it():
    r = res("rust", "guard", None, 1, "sequential")
    (_, why), = normalize.normalize([r]).not_comparable
    assert "--map guard=" in why[0]


def test_declarations_fill_mode_and_sequential_means_one_worker():
    go = res("go", "BenchmarkVerify", None, 8, "unknown")
    rust = res("rust", "verify", None, None, "unknown")
    out = normalize.declare([go, rust], normalize.parse_modes("go=parallel,rust=sequential"),
                            normalize.parse_mapping("BenchmarkVerify=sequential,verify=sequential"))
    assert (out[0].id.mode, out[0].id.threads, out[0].id.canonical) == ("parallel", 8, "sequential")
    assert (out[1].id.mode, out[1].id.threads, out[1].id.canonical) == ("sequential", 1, "sequential")
    n = normalize.normalize(out)
    assert len(n.refused) == 1 and "different modes (parallel vs sequential)" in n.refused[0].reason


def test_declaration_never_overrides_a_mode_the_output_stated():
    r = res("python", "sequential", "sequential", 1, "sequential")
    out = normalize.declare([r], {"python": "parallel"})
    assert out[0].id.mode == "sequential"


@pytest.mark.parametrize("text, message", [
    ("go", "is not LANGUAGE=MODE"),
    ("java=parallel", "unknown language 'java'"),
    ("go=fast", "unknown mode 'fast'"),
])
def test_bad_mode_declarations_say_what_is_allowed(text, message):
    with pytest.raises(normalize.DeclarationError, match=message):
        normalize.parse_modes(text)


def test_bad_mapping_names_allowed_values():
    with pytest.raises(normalize.DeclarationError, match="not a canonical benchmark"):
        normalize.parse_mapping("x=fastest")


def test_duplicate_language_in_a_cell_keeps_the_first_and_says_so():
    a = res("go", "BenchmarkSequential", "sequential", 1, "sequential")
    b = res("go", "BenchmarkSequentialCopy", "sequential", 1, "sequential")
    n = normalize.normalize([a, b])
    assert n.cells[0].by_language["go"] is a
    assert "duplicates" in n.duplicates[0]

"""Pairing like for like: canonical names, declarations, refusals that name both sides."""

import pytest

from orchestrator import derive, names, normalize
from orchestrator.models import BenchmarkId, Measurement, Result


def res(lang, name, canonical, threads, mode, harness=None, samples=(100.0, 101.0, 99.0)):
    harness = harness or {"go": "gobench", "rust": "criterion", "python": "pyperf"}[lang]
    return Result(
        id=BenchmarkId(language=lang, harness=harness, name=name, canonical=canonical, threads=threads,
                       mode=mode, threads_source="test"),
        ns_per_op=list(samples),
        original=[Measurement(value=s, unit="ns/op") for s in samples],
    )


@pytest.mark.parametrize("printed, base, threads", [
    ("BenchmarkParallelShared-2", "BenchmarkParallelShared", 2),
    ("BenchmarkSequential", "BenchmarkSequential", None),
    ("BenchmarkHash/size=64-16", "BenchmarkHash/size=64", 16),
])
def test_go_names(printed, base, threads):
    assert names.split_go_suffix(printed) == (base, threads)


@pytest.mark.parametrize("printed, base, threads", [
    ("secret/parallel-shared/threads=2", "secret/parallel-shared", 2),
    ("secret/sequential", "secret/sequential", None),
    ("hash-parallel/size=64/threads=4", "hash-parallel/size=64", 4),
])
def test_threads_segment_names(printed, base, threads):
    assert names.split_threads_segment(printed) == (base, threads)


@pytest.mark.parametrize("printed, key, params", [
    ("BenchmarkParallelShared", "parallel-shared", {}),
    ("secret/parallel-shared", "parallel-shared", {}),
    ("benches::bench_parallel_shared", "parallel-shared", {}),
    ("tests/test_x.py::test_parallel_shared[2]", "parallel-shared", {}),
    ("BenchmarkNew/text=opticks/size=100K/bits=32", "new", {"text": "opticks", "size": "100K", "bits": "32"}),
    ("sha256/hash/size=64", "hash", {"size": "64"}),
])
def test_derived_keys_line_up_across_harnesses(printed, key, params):
    assert derive.split_name(printed) == (key, params)


def test_explicit_mapping_wins():
    r = res("go", "BenchmarkVerify", None, 1, "sequential")
    (out,) = derive.assign([r], {"BenchmarkVerify": "sequential"})
    assert out.id.canonical == "sequential"


@pytest.mark.parametrize("text, expected", [
    ("BenchmarkVerify=sequential", {"BenchmarkVerify": "sequential"}),
    ("a=x,b=y", {"a": "x", "b": "y"}),
    # Go's key=value sub-benchmark names hold '=': the pair splits at the last one
    ("BenchmarkNew/text=opticks/size=100K/bits=32=new", {"BenchmarkNew/text=opticks/size=100K/bits=32": "new"}),
])
def test_mapping_splits_at_the_last_equals(text, expected):
    assert normalize.parse_mapping(text) == expected


def test_mapping_from_a_file_takes_names_with_commas(tmp_path):
    f = tmp_path / "map.txt"
    f.write_text("# harness name = benchmark\nBenchmarkA/x=1,2=a\n\nBenchmarkB=b\n")
    assert normalize.parse_mapping(f"@{f}") == {"BenchmarkA/x=1,2": "a", "BenchmarkB": "b"}


def test_like_for_like_cells_pair_by_benchmark_and_threads_only():
    rs = [
        res("go", "BenchmarkSequential", "sequential", 1, "sequential"),
        res("rust", "secret/sequential", "sequential", 1, "sequential"),
        res("go", "BenchmarkParallelShared", "parallel-shared", 2, "parallel"),
        res("rust", "secret/parallel-shared", "parallel-shared", 2, "parallel"),
        res("rust", "secret/parallel-shared", "parallel-shared", 4, "parallel"),
    ]
    n = normalize.normalize(rs)
    # without a suite, cells come in name order
    assert [(c.benchmark, c.threads, sorted(c.by_language)) for c in n.cells] == [
        ("parallel-shared", 2, ["go", "rust"]),
        ("parallel-shared", 4, ["rust"]),
        ("sequential", 1, ["go", "rust"]),
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
    assert "--map 'guard=BENCHMARK'" in why[0]


def test_declarations_fill_mode_and_sequential_means_one_worker():
    go = res("go", "BenchmarkVerify", None, 8, "unknown")
    rust = res("rust", "verify", None, None, "unknown")
    mapped = derive.assign([go, rust], normalize.parse_mapping("BenchmarkVerify=sequential,verify=sequential"))
    out = normalize.declare(mapped, normalize.parse_modes("go=parallel,rust=sequential"))
    assert (out[0].id.mode, out[0].id.threads, out[0].id.canonical) == ("parallel", 8, "sequential")
    assert (out[1].id.mode, out[1].id.threads, out[1].id.canonical) == ("sequential", 1, "sequential")
    n = normalize.normalize(out)
    assert len(n.refused) == 1 and "different modes (parallel vs sequential)" in n.refused[0].reason


def test_declaration_never_overrides_a_mode_the_output_stated():
    r = res("python", "sequential", "sequential", 1, "sequential")
    out = normalize.declare([r], normalize.parse_modes("python=parallel"))
    assert out[0].id.mode == "sequential"


@pytest.mark.parametrize("text, message", [
    ("go", "is not LANGUAGE=MODE"),
    ("java=parallel", "no output was given for language 'java'"),
    ("go=fast", "unknown mode 'fast'"),
    ("go=sequential:4", "a worker count goes with parallel"),
    ("go=parallel:0", "a worker count goes with parallel"),
])
def test_bad_mode_declarations_say_what_is_allowed(text, message):
    with pytest.raises(normalize.DeclarationError, match=message):
        normalize.parse_modes(text, ["go", "rust"])


def test_parallel_with_a_count_declares_the_workers_the_output_did_not_print():
    r = res("rust", "verify", None, None, "unknown")
    (out,) = normalize.declare([r], normalize.parse_modes("rust=parallel:8"))
    assert (out.id.mode, out.id.threads) == ("parallel", 8)
    assert out.id.threads_source == "declared --mode rust=parallel:8"


def test_bad_mapping_says_what_a_pair_is():
    with pytest.raises(normalize.DeclarationError, match="is not NAME=BENCHMARK"):
        normalize.parse_mapping("nothing-here")


def test_duplicate_language_in_a_cell_keeps_the_first_and_says_so():
    a = res("go", "BenchmarkSequential", "sequential", 1, "sequential")
    b = res("go", "BenchmarkSequentialCopy", "sequential", 1, "sequential")
    n = normalize.normalize([a, b])
    assert n.cells[0].by_language["go"] is a
    assert "duplicates" in n.duplicates[0]

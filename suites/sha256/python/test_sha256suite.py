"""Tests of the Python side of suite sha256 (run: python -m pytest suites/sha256/python)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sha256suite as s  # noqa: E402

VECTORS = os.path.join(HERE, "..", "vectors.json")

# FIPS 180-2's published digests, written out here independently of
# vectors.json so a wrong file and a wrong hash cannot agree.
FIPS = [
    (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    (b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    (b"a" * 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
]


def run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120)


class Digests(unittest.TestCase):
    def test_fips_examples(self):
        for data, want in FIPS:
            self.assertEqual(s.digest(data).hex(), want)

    def test_suite_vectors(self):
        vs = s.load_vectors(VECTORS)
        self.assertEqual(len(vs), 7)
        for name, data, want in vs:
            self.assertEqual(s.digest(data).hex(), want, name)
        by_input = {data: want for _, data, want in vs}
        for data, want in FIPS:
            self.assertEqual(by_input.get(data), want)
        by_name = {name: data for name, data, _ in vs}
        for size in s.SIZES:
            self.assertEqual(by_name[f"buffer-{size}"], s.buffer(size))

    def test_buffer_and_loop(self):
        b = s.buffer(600)
        self.assertEqual((b[0], b[250], b[251], b[252], b[599]), (0, 250, 0, 1, 97))
        self.assertEqual(s.hash_loop(b, 0), b"")
        self.assertEqual(s.hash_loop(b, 3), s.digest(b))

    def test_malformed_vectors(self):
        h = "0" * 64
        for bad in ["", "{}", '{"vectors": 1}',
                    '{"vectors": [{"name": "x", "input": {"text": "a"}, "sha256": "ABC"}]}',
                    '{"vectors": [{"name": "x", "input": {"text": 1}, "sha256": "%s"}]}' % h,
                    '{"vectors": [{"name": "x", "input": {"repeat": "a"}, "sha256": "%s"}]}' % h,
                    '{"vectors": [{"name": "x", "input": {"repeat": "a", "count": -1}, "sha256": "%s"}]}' % h,
                    '{"vectors": [{"name": "x", "input": {"pattern_mod": 0, "length": 1}, "sha256": "%s"}]}' % h,
                    '{"vectors": [{"name": "a b", "input": {"text": ""}, "sha256": "%s"}]}' % h,
                    '{"vectors": [{"name": "x", "input": {"text": ""}, "sha256": "%s"},'
                    ' {"name": "x", "input": {"text": ""}, "sha256": "%s"}]}' % (h, h)]:
            with self.assertRaises(s.VectorsError, msg=bad):
                s.parse_vectors(bad)


class Parallel(unittest.TestCase):
    def test_exact_budget_repeatedly(self):
        for t in (1, 2, 3):
            pool = s.ParallelHash(t, 64)
            try:
                for ops in (1, 2, 5, 1000, 1601):
                    self.assertGreater(pool.run(ops), 0)
                    self.assertEqual(pool.done, ops)
            finally:
                pool.close()


class Scripts(unittest.TestCase):
    def test_verify_prints_every_vector(self):
        r = run_script(os.path.join(HERE, "verify.py"), VECTORS)
        self.assertEqual(r.returncode, 0, r.stderr)
        want = [f"{name} {digest}" for name, _, digest in s.load_vectors(VECTORS)]
        self.assertEqual(r.stdout.splitlines(), want)

    def test_verify_bad_input_exits_2(self):
        for args in ([], [os.path.join(HERE, "missing.json")], [VECTORS, VECTORS]):
            r = run_script(os.path.join(HERE, "verify.py"), *args)
            self.assertEqual((r.returncode, r.stdout), (2, ""), args)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

    def test_bench_bad_input_exits_2(self):
        for args in (["--size", "100"], ["--threads", "0"], ["--threads", "2,2"],
                     ["--bench", "nope"], ["--frob"], ["--loops-for", "hash/size=64=0"],
                     ["--loops-for", "hash/size=64"]):
            r = run_script(os.path.join(HERE, "bench.py"), *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

    def test_bench_runs_and_names(self):
        import pyperf

        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out.json")
            r = run_script(os.path.join(HERE, "bench.py"), "--size", "64", "--threads", "2",
                           "-o", out, "--processes", "1", "--values", "1", "--warmups", "0",
                           "--loops", "50", "-q")
            self.assertEqual(r.returncode, 0, r.stderr)
            got = {b.get_name(): b for b in pyperf.BenchmarkSuite.load(out).get_benchmarks()}
        self.assertEqual(sorted(got), ["hash-parallel/size=64/threads=2", "hash/size=64"])
        for name, b in got.items():
            md = b.get_metadata()
            self.assertEqual((md["size"], md["threads"]), (64, 2 if "parallel" in name else 1))
            self.assertGreater(b.mean(), 0)

    def test_in_process_probes_once_then_takes_the_loops_it_is_given(self):
        import pyperf

        def bench(tmp, *extra):
            out = os.path.join(tmp, f"out{len(extra)}.json")
            r = run_script(os.path.join(HERE, "bench.py"), "--ids", "hash/size=64,hash-parallel/size=64",
                           "--threads", "2", "-o", out, "--in-process", "--processes", "1", "--values", "2",
                           "--warmups", "0", "--min-time", "0.01", "-q", *extra)
            self.assertEqual(r.returncode, 0, r.stderr)
            return {b.get_name(): b for b in pyperf.BenchmarkSuite.load(out).get_benchmarks()}

        with tempfile.TemporaryDirectory() as tmp:
            probed = bench(tmp)
            given = bench(tmp, "--loops-for", "hash/size=64=300")
        for b in probed.values():
            md = b.get_metadata()
            self.assertEqual(md["loops_from"], "probe")
            loops = md["loops"]
            self.assertEqual(loops & (loops - 1), 0, "a power of two")
            # the probe aims at --min-time: one value lasts at least about that
            self.assertGreater(b.median() * loops, 0.004)
            self.assertEqual(b.get_nvalue(), 2)
        seq = given["hash/size=64"].get_metadata()
        self.assertEqual((seq["loops_from"], seq["loops"]), ("--loops-for", 300))
        self.assertEqual(given["hash-parallel/size=64/threads=2"].get_metadata()["loops_from"], "probe")


if __name__ == "__main__":
    unittest.main()

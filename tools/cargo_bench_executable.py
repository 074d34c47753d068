"""Build one cargo bench target and put its executable at a fixed path.

    python tools/cargo_bench_executable.py --bench NAME --to PATH [--target-dir DIR]

cargo names a bench executable ``target/release/deps/NAME-<hash>``, the hash
changing with the build; its JSON build messages say which file it is. This
runs ``cargo bench --bench NAME --no-run --message-format=json-render-diagnostics``
in the current folder, finds the bench target's executable in those
messages and copies it to PATH (through a temporary file and a rename), so a
suite can run the harness directly — one process for many benchmarks —
instead of through ``cargo bench`` per call. ``--target-dir`` keeps the
bench build apart: a bench build resolves the dev-dependencies' features, a
plain ``cargo build`` does not, and in one target folder each would rebuild
what the other built. cargo's own diagnostics go to
stderr as usual. Exit status: cargo's when it fails, 1 when no executable was
reported, 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys


def executable(messages: str, bench: str) -> str | None:
    """The path cargo reported for bench target ``bench``, or None."""
    for line in messages.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if not isinstance(msg, dict) or msg.get("reason") != "compiler-artifact":
            continue
        target = msg.get("target") or {}
        if target.get("name") == bench and "bench" in (target.get("kind") or []) and msg.get("executable"):
            return msg["executable"]
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bench", required=True, help="the bench target's name")
    ap.add_argument("--to", required=True, help="where the executable goes")
    ap.add_argument("--target-dir", help="cargo's target folder for this build")
    args = ap.parse_args(argv)
    cmd = ["cargo", "bench", "--bench", args.bench, "--no-run", "--message-format=json-render-diagnostics"]
    if args.target_dir:
        cmd += ["--target-dir", args.target_dir]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        print(f"{' '.join(cmd)}: exit status {proc.returncode}", file=sys.stderr)
        return proc.returncode
    path = executable(proc.stdout, args.bench)
    if path is None:
        print(f"{' '.join(cmd)}: no executable reported for bench target {args.bench!r}", file=sys.stderr)
        return 1
    os.makedirs(os.path.dirname(os.path.abspath(args.to)), exist_ok=True)
    tmp = f"{args.to}.tmp-{os.getpid()}"
    shutil.copy2(path, tmp)
    os.replace(tmp, args.to)
    print(f"{path} -> {args.to}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

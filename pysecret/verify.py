"""Answer the guarded-secret suite's test vectors with one of pysecret's kernels.

    python -m pysecret.verify [--backend libc|go|rust] VECTORS

VECTORS is a JSON file such as ``spec/vectors.json``. For every object of its
``"verify"`` list (``name``, ``secret_hex``, ``candidate_hex``, ...) this
builds a Secret from ``secret_hex`` through the chosen backend
(:mod:`pysecret.backends`; ``libc``, the default, is :class:`pysecret.Secret`,
the kernel the benchmarks measure), calls ``verify(candidate)`` once and
destroys the Secret, then prints one line per vector in the file's order::

    equal-32 true
    first-byte-differs false

``expected`` is not read: answering is the kernel's job, comparing is the
caller's. Nothing else goes to stdout, and no message ever holds secret bytes
or their hex (a malformed vector is named by its position and name only).

Exit status: 0 when every vector was answered, whatever the answers; 2 with
one line on stderr for a usage error (an unknown backend included) or a file
that cannot be read or is not a well-formed vectors file; 1 with one line on
stderr when the kernel fails (mlock refused under RLIMIT_MEMLOCK, or a go or
rust backend library that is not built). The whole file is checked before
the first Secret is built and the answers are written once all are known, so
a failed run prints nothing on stdout.
"""

from __future__ import annotations

import json
import string
import sys
from typing import NamedTuple

from . import backends

PROG = "pysecret.verify"
USAGE = f"usage: python -m {PROG} [--backend {'|'.join(backends.BACKENDS)}] VECTORS"

_HEX = frozenset(string.hexdigits)


class UsageError(Exception):
    """Bad command line: exit 2 with the usage line."""


class FileProblem(Exception):
    """The vectors file cannot be read or is malformed: exit 2."""


class Vector(NamedTuple):
    name: str
    secret: bytearray
    candidate: bytes


def parse_args(argv: list[str]) -> tuple[str, str]:
    """``[--backend NAME] VECTORS`` -> (backend, path)."""
    backend = None
    paths = []
    args = iter(argv)
    for arg in args:
        if arg == "--backend" or arg.startswith("--backend="):
            if backend is not None:
                raise UsageError
            backend = arg.partition("=")[2] if "=" in arg else next(args, None)
            if backend not in backends.BACKENDS:
                raise UsageError
        elif arg.startswith("-"):
            raise UsageError
        else:
            paths.append(arg)
    if len(paths) != 1:
        raise UsageError
    return backend or backends.DEFAULT, paths[0]


def _valid_name(name: object) -> bool:
    """True for a non-empty string with no space and no control character."""
    return (isinstance(name, str) and name != ""
            and all(c > " " and c != "\x7f" for c in name))


def _hex_field(item: dict, key: str, where: str) -> bytes:
    text = item.get(key)
    if not isinstance(text, str):
        raise FileProblem(f"{where}: {key} is missing or not a string")
    # bytes.fromhex would skip spaces and name the offending character.
    if len(text) % 2 or not _HEX.issuperset(text):
        raise FileProblem(f"{where}: {key} is not an even number of hex digits")
    return bytes.fromhex(text)


def parse(raw: bytes) -> list[Vector]:
    """Check the whole file and decode its "verify" list.

    The messages say where a problem is, never what the values are: the
    decoders' own messages can quote the text, so they are not passed on.
    """
    try:
        top = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise FileProblem(f"not UTF-8 (error at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise FileProblem(
            f"not valid JSON (error at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise FileProblem("not valid JSON (nested too deeply)") from None
    if not isinstance(top, dict):
        raise FileProblem("not a JSON object")
    if "verify" not in top:
        raise FileProblem('no "verify" list')
    items = top["verify"]
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise FileProblem('"verify" is not a list of objects')
    if not items:
        raise FileProblem('the "verify" list is empty')
    vectors = []
    for i, item in enumerate(items):
        name = item.get("name")
        if not _valid_name(name):
            raise FileProblem(f"verify[{i}]: name is missing or not a non-empty string "
                              "without spaces or control characters")
        where = f"verify[{i}] ({name})"
        secret = bytearray(_hex_field(item, "secret_hex", where))
        candidate = _hex_field(item, "candidate_hex", where)
        vectors.append(Vector(name, secret, candidate))
    return vectors


def answer(kernel: backends.Backend, vector: Vector) -> bool:
    """Build a Secret, verify the candidate once, destroy the Secret.

    The decoded secret is zeroed once the Secret holds its own copy.
    """
    try:
        s = kernel.secret(vector.secret)
    finally:
        vector.secret[:] = bytes(len(vector.secret))
    try:
        equal = s.verify(vector.candidate)
    finally:
        s.destroy()
    return equal


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def main(argv: list[str] | None = None) -> int:
    try:
        backend, path = parse_args(sys.argv[1:] if argv is None else argv)
    except UsageError:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        print(f"{PROG}: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        vectors = parse(raw)
    except FileProblem as exc:
        print(f"{PROG}: {path}: {exc}", file=sys.stderr)
        return 2

    try:
        kernel = backends.get(backend)
    except Exception as exc:  # a library missing or failing to load
        print(f"{PROG}: {backend} backend: {_one_line(exc)}", file=sys.stderr)
        return 1
    lines = []
    for vector in vectors:
        try:
            equal = answer(kernel, vector)
        except Exception as exc:  # the kernel's errors never hold secret bytes
            print(f"{PROG}: vector {vector.name}: {_one_line(exc)}", file=sys.stderr)
            return 1
        lines.append(f"{vector.name} {'true' if equal else 'false'}\n")
    try:
        sys.stdout.write("".join(lines))
        sys.stdout.flush()
    except OSError as exc:
        print(f"{PROG}: writing the answers: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Command line of the orchestrator: ``python -m orchestrator COMMAND ...``.

    python -m orchestrator parse --format gobench out.txt
    python -m orchestrator parse --format criterion rust/target/criterion --language python→rust

``parse`` reads one saved harness output with its adapter and prints
``{"results": [...], "issues": [...]}`` as JSON on stdout; each issue is
also printed to stderr as ``file:line: message``. Exit status: 0 when
everything was read, 1 when there were issues (a file in which no result
was found is one: ``no benchmark results found in FILE (read as FORMAT)``),
2 when nothing could be read (missing path, unknown format or language).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from orchestrator import adapters
from orchestrator.adapters._common import jsonable
from orchestrator.models import Result

EXIT_OK, EXIT_ISSUES, EXIT_UNREADABLE = 0, 1, 2
PROG = "python -m orchestrator"


def result_json(result: Result) -> dict[str, Any]:
    """One result as the ``parse`` command prints it: the id's fields at the top level."""
    rid = result.id
    return jsonable({
        "name": rid.name,
        "canonical": rid.canonical,
        "params": rid.params,
        "language": rid.language,
        "harness": rid.harness,
        "threads": rid.threads,
        "threads_source": rid.threads_source,
        "mode": rid.mode,
        "unit": "ns/op",
        "ns_per_op": result.ns_per_op,
        "original": [m.model_dump(mode="json") for m in result.original],
        "iterations": result.iterations,
        "metadata": result.metadata,
        "source": result.source,
    })


def _fail(message: str) -> int:
    print(f"{PROG} parse: {message}", file=sys.stderr)
    return EXIT_UNREADABLE


def cmd_parse(args: argparse.Namespace) -> int:
    """Read one harness output file (or criterion directory) and print it as JSON."""
    try:
        parse = adapters.get(args.format)
    except ValueError as exc:
        return _fail(str(exc))
    if args.language is not None and len(args.language.split()) != 1:
        return _fail(f"not a language name: {args.language!r} (one word, e.g. go or python→rust)")
    path = Path(args.path)
    if not path.exists():
        return _fail(f"cannot read {path}: no such file or directory")
    try:
        parsed = parse(path, language=args.language)
    except OSError as exc:
        return _fail(f"cannot read {path}: {exc.strerror or exc}")
    out = {
        "results": [result_json(r) for r in parsed.results],
        "issues": [i.model_dump(mode="json") for i in parsed.issues],
    }
    sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    for i in parsed.issues:
        print(str(i), file=sys.stderr)
    return EXIT_ISSUES if parsed.issues or not parsed.results else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("parse", help="read one harness output and print it as JSON",
                       description=cmd_parse.__doc__)
    p.add_argument("--format", required=True, metavar="FORMAT",
                   help=f"the output format: {', '.join(adapters.formats())}")
    p.add_argument("--language", metavar="LANG", default=None,
                   help="override the format's default language (any one-word name, e.g. python→rust)")
    p.add_argument("path", metavar="PATH", help="the saved output (criterion: target/criterion)")
    p.set_defaults(func=cmd_parse)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

"""Suite manifests: ``suites/<name>/suite.toml`` → a validated ``Suite``.

A manifest declares a cross-language suite as data (see ``docs/suites.md``
for every key)::

    name = "hello"
    title = "String reversal"

    [languages.go]
    format = "gobench"
    workdir = "go"
    build = [["go", "test", "-c", "-o", "{build}/hello.test", "."]]
    bench = ["{build}/hello.test", "-test.run", "^$", "-test.bench", "^{id}$", "-test.cpu", "{threads}",
             "-test.count", "{samples}", "-test.benchtime", "{batch_seconds}s"]

    [[benchmarks]]
    name = "reverse"
    mode = "sequential"
    ids = { go = "BenchmarkReverse" }

``load(path)`` reads one (a ``suite.toml`` file or the folder holding it),
turns the TOML shape into the ``Suite`` model (tables of languages and axes
become ordered lists), checks what only the file system and the adapter
registry can tell (working folders, formats, the vectors file), and raises
``ManifestError`` with one line — the file and the key at fault — for
anything wrong. ``discover(root)`` lists the suites under ``root/suites``.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, Optional

from pydantic import ValidationError

from orchestrator import adapters
from orchestrator.models import Requirement, Suite

MANIFEST = "suite.toml"
SUITES_DIR = "suites"


class ManifestError(ValueError):
    """A manifest that cannot be used; the message is one line naming the file and the key."""


def manifest_path(path: Path) -> Path:
    path = Path(path)
    return path / MANIFEST if path.is_dir() else path


def load(path: Path) -> Suite:
    """Read and validate one suite manifest (a ``suite.toml`` or its folder)."""
    file = manifest_path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"{file}: no suite manifest here") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{file}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{file}: bad TOML: {exc}") from None
    folder = file.parent.resolve()
    shaped = _shape(raw, file)
    shaped["path"] = str(folder)
    vectors = shaped.pop("verify", None)
    if vectors is not None:
        shaped.update(_vectors(vectors, folder, file))
    try:
        suite = Suite.model_validate(shaped)
    except ValidationError as exc:
        raise ManifestError(f"{file}: {_describe(exc, shaped)}") from None
    except ValueError as exc:  # a model validator's own message
        raise ManifestError(f"{file}: {exc}") from None
    _check_world(suite, folder, file)
    return suite


def _shape(raw: dict, file: Path) -> dict:
    """TOML tables that the model keeps as ordered lists: languages and axes."""
    out = dict(raw)
    langs = out.get("languages")
    if isinstance(langs, dict):
        items = []
        for name, spec in langs.items():
            if not isinstance(spec, dict):
                raise ManifestError(f"{file}: languages.{name}: expected a table")
            items.append({"name": name, **spec})
        out["languages"] = items
    axes = out.get("axes")
    if isinstance(axes, dict):
        shaped = []
        for name, values in axes.items():
            if not isinstance(values, list):
                raise ManifestError(f"{file}: axes.{name}: expected a list of values")
            shaped.append({"name": name, "values": [str(v) for v in values]})
        out["axes"] = shaped
    return out


def _vectors(spec: Any, folder: Path, file: Path) -> dict:
    """``[verify] file = "vectors.json", answer = "sha256"`` → the vectors with their answers.

    The file holds a JSON list of objects (or an object whose ``list`` key
    holds it); each object's ``name`` and its ``answer`` key give one vector.
    """
    if not isinstance(spec, dict):
        raise ManifestError(f"{file}: verify: expected a table with file and answer")
    unknown = set(spec) - {"file", "answer", "list"}
    if unknown:
        raise ManifestError(f"{file}: verify.{sorted(unknown)[0]}: unknown key (allowed: file, answer, list)")
    if "file" not in spec or "answer" not in spec:
        raise ManifestError(f"{file}: verify: needs both file and answer")
    vfile = (folder / str(spec["file"])).resolve()
    try:
        data = json.loads(vfile.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(f"{file}: verify.file: cannot read {vfile} ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise ManifestError(f"{file}: verify.file: {vfile} is not valid JSON ({exc})") from None
    items = data.get(spec.get("list", "vectors")) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ManifestError(f"{file}: verify.list: {vfile} holds no list of vectors there")
    vectors = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "name" not in item or spec["answer"] not in item:
            raise ManifestError(f"{file}: verify.answer: vector {i} of {vfile} has no name or "
                                f"no {spec['answer']!r}")
        answer = item[spec["answer"]]
        vectors.append({"name": str(item["name"]), "expected": _answer_text(answer)})
    return {"vectors": vectors, "vectors_file": str(vfile)}


def _answer_text(value: Any) -> str:
    """How a verify command prints an answer: JSON booleans as true/false, the rest as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_world(suite: Suite, folder: Path, file: Path) -> None:
    known = set(adapters.formats())
    for i, b in enumerate(suite.benchmarks):
        for lang in suite.languages:
            if lang.names_as is None and suite.runs(lang.name, b.name) and lang.name not in b.ids:
                raise ManifestError(f"{file}: benchmarks[{i}] ({b.name}).ids: no id for language {lang.name!r}")
    for lang in suite.languages:
        where = f"languages.{lang.name}"
        if not lang.bench:
            raise ManifestError(f"{file}: {where}.bench: required key is missing (one cell's bench command)")
        if lang.format not in known:
            raise ManifestError(f"{file}: {where}.format: unknown format {lang.format!r} "
                                f"(known: {', '.join(sorted(known))})")
        workdir = folder / lang.workdir
        if not workdir.is_dir():
            raise ManifestError(f"{file}: {where}.workdir: folder {lang.workdir!r} does not exist "
                                f"(looked for {workdir})")


def _describe(exc: ValidationError, shaped: dict) -> str:
    """The first problem as ``key: message``, list positions named as in the manifest."""
    err = exc.errors()[0]
    loc = list(err["loc"])
    parts: list[str] = []
    node: Any = shaped
    for p in loc:
        if isinstance(p, int) and isinstance(node, list) and p < len(node):
            item = node[p]
            name = item.get("name") if isinstance(item, dict) else None
            if parts and parts[-1] == "languages" and name:
                parts[-1] = f"languages.{name}"
            else:
                parts[-1] = f"{parts[-1]}[{p}]" + (f" ({name})" if name else "") if parts else f"[{p}]"
            node = item
            continue
        parts.append(str(p))
        node = node.get(p) if isinstance(node, dict) else None
    key = ".".join(parts) or "(top level)"
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    elif err["type"] == "missing":
        msg = "required key is missing"
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
        if not loc:
            return msg
    return f"{key}: {msg}"


def discover(root: Path) -> list[Path]:
    """Every ``suites/*/suite.toml`` under ``root``, sorted by folder name."""
    base = Path(root) / SUITES_DIR
    if not base.is_dir():
        return []
    return sorted(p for p in base.glob(f"*/{MANIFEST}") if p.is_file())


def requirements(root: Path) -> list[Requirement]:
    """Every suite's ``[[requires]]`` entries, suite by suite: what ``invoke doctor`` checks."""
    return [req for path in discover(root) for req in load(path).requires]


def default_suite(root: Path) -> Suite:
    """The suite marked ``default = true`` under ``root/suites`` (the one bench tasks run without --suite)."""
    found = []
    for path in discover(root):
        suite = load(path)
        if suite.default:
            found.append(suite)
    if len(found) != 1:
        where = Path(root) / SUITES_DIR
        raise ManifestError(f"{where}: expected exactly one suite with default = true, found {len(found)}")
    return found[0]


def resolve(root: Path, given: Optional[str]) -> Suite:
    """``--suite PATH`` (a folder or a suite.toml), or the default suite when not given."""
    if not given:
        return default_suite(root)
    return load(Path(given))

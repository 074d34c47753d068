"""The kernels pysecret can drive: its own, and the Go and Rust ones as C libraries.

=======  ===============  ====================================================
backend  ``lang``         the kernel behind ``Secret`` and the floor op
=======  ===============  ====================================================
libc     ``python``       :class:`pysecret.Secret`: Python, ctypes over libc
                          (the default)
go       ``python→go``    ``go/capi``, built with ``-buildmode=c-shared``
rust     ``python→rust``  ``rust/src/capi.rs``, the crate's ``cdylib``
=======  ===============  ====================================================

``lang`` is what the ops runner's JSON line and the pyperf metadata say.
The go and rust backends implement ``include/benchnorm_secret.h`` and are
loaded from ``<repo>/build/interop/``, the repository root being found from
this file's location (no environment variable)::

    build/interop/libbenchnorm_secret_go.so
    build/interop/libbenchnorm_secret_rust.so

:func:`build_commands` says how to build them; loading a backend whose
library is missing raises :class:`LibraryMissingError` naming the file and
the commands. From the command line::

    python -m pysecret.backends build [go] [rust]   build the libraries (both by default)
    python -m pysecret.backends paths               where each library is expected
"""

from __future__ import annotations

import argparse
import functools
import shlex
import subprocess
import sys
from pathlib import Path

from .secret import Secret

__all__ = [
    "BACKENDS",
    "DEFAULT",
    "FOREIGN",
    "ROOT",
    "Backend",
    "LibraryMissingError",
    "build",
    "build_commands",
    "get",
    "library_path",
    "needs_build",
]

#: Every backend, the default first.
BACKENDS = ("libc", "go", "rust")
DEFAULT = "libc"
#: The backends that are C libraries.
FOREIGN = ("go", "rust")

#: The repository this package sits in.
ROOT = Path(__file__).resolve().parents[1]

LANG = {"libc": "python", "go": "python→go", "rust": "python→rust"}

GIL_NOTES = {
    "libc": (
        "GIL held between ctypes calls, released during each foreign call "
        "(mprotect); Python code of the op runs one thread at a time"
    ),
    "foreign": (
        "GIL released for the whole op: one verify or floor op is one ctypes "
        "call into the {name} library; only the Python loop around it holds the GIL"
    ),
}

_LIBRARY_FILES = {
    "go": "libbenchnorm_secret_go.so",
    "rust": "libbenchnorm_secret_rust.so",
}

#: Copies a built library into place atomically, so that a process that has
#: the old file loaded keeps its mapping intact.
_INSTALL = (
    "import os, shutil, sys; src, dst = sys.argv[1:]; "
    "os.makedirs(os.path.dirname(dst), exist_ok=True); tmp = dst + '.tmp'; "
    "shutil.copyfile(src, tmp); os.chmod(tmp, 0o755); os.replace(tmp, dst)"
)

#: Per library: the source folder and the files whose change needs a rebuild.
_SOURCES = {
    "go": ("go", ("**/*.go", "go.mod", "go.sum")),
    "rust": ("rust", ("src/**/*.rs", "Cargo.toml", "Cargo.lock")),
}


def _check_name(name: str) -> None:
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; expected one of {', '.join(BACKENDS)}")


def library_path(name: str, root: Path = ROOT) -> Path:
    """Where backend ``name``'s library is loaded from."""
    if name not in FOREIGN:
        raise ValueError(f"backend {name!r} has no library; libraries: {', '.join(FOREIGN)}")
    return Path(root) / "build" / "interop" / _LIBRARY_FILES[name]


def build_commands(root: Path) -> dict[str, list[tuple[list[str], str]]]:
    """How to build each library: backend -> [(argv, cwd), ...], run in order.

    The Rust library comes out of cargo as ``rust/target/release/libsecret.so``
    and is then copied into ``build/interop/``; the Go one is written there
    directly (with its generated header beside it).
    """
    root = Path(root)
    go_lib = library_path("go", root)
    rust_lib = library_path("rust", root)
    cargo_out = root / "rust" / "target" / "release" / "libsecret.so"
    return {
        "go": [
            (["go", "build", "-buildmode=c-shared", "-o", str(go_lib), "./capi"],
             str(root / "go")),
        ],
        "rust": [
            (["cargo", "build", "--release", "--lib"], str(root / "rust")),
            ([sys.executable, "-c", _INSTALL, str(cargo_out), str(rust_lib)], str(root)),
        ],
    }


def _shell_line(commands: list[tuple[list[str], str]]) -> str:
    return " && ".join(f"(cd {shlex.quote(cwd)} && {shlex.join(argv)})" for argv, cwd in commands)


def needs_build(name: str, root: Path = ROOT) -> bool:
    """True if ``name``'s library is missing or older than one of its sources."""
    lib = library_path(name, root)
    if not lib.exists():
        return True
    folder, patterns = _SOURCES[name]
    built = lib.stat().st_mtime
    base = Path(root) / folder
    return any(
        src.stat().st_mtime > built
        for pattern in patterns
        for src in base.glob(pattern)
        if "target" not in src.relative_to(base).parts
    )


def build(names=FOREIGN, root: Path = ROOT, *, capture: bool = False) -> None:
    """Run :func:`build_commands` for ``names``; raise CalledProcessError on failure.

    A library that came out unchanged (the toolchain found it up to date)
    is touched, so that :func:`needs_build` sees it as newer than its
    sources.
    """
    commands = build_commands(root)
    for name in names:
        for argv, cwd in commands[name]:
            subprocess.run(argv, cwd=cwd, check=True, capture_output=capture, text=True)
        library_path(name, root).touch()


class LibraryMissingError(FileNotFoundError):
    """A backend's library has not been built."""


class Backend:
    """One kernel: makes Secrets (and, for a library, floor pages)."""

    def __init__(self, name: str, lib=None) -> None:
        self.name = name
        self.lang = LANG[name]
        self._lib = lib
        self.gil = GIL_NOTES["libc"] if lib is None else GIL_NOTES["foreign"].format(name=name)

    @property
    def foreign(self) -> bool:
        return self._lib is not None

    def secret(self, data):
        """A new Secret holding ``data`` in this backend."""
        if self._lib is None:
            return Secret(data)
        from .foreign import ForeignSecret

        return ForeignSecret(self._lib, self.name, data)

    def floor_page(self):
        """The library's floor page (the libc floor is in :mod:`pysecret.workloads`)."""
        if self._lib is None:
            raise ValueError("the libc backend's floor page is pysecret.workloads.Floor")
        from .foreign import ForeignFloorPage

        return ForeignFloorPage(self._lib, self.name)

    def max_len(self) -> int:
        if self._lib is None:
            from .secret import MAX_SECRET_LEN

            return MAX_SECRET_LEN
        return self._lib.bn_max_len()

    def __repr__(self) -> str:
        return f"<Backend {self.name}>"


@functools.cache
def get(name: str = DEFAULT) -> Backend:
    """Backend ``name``, its library loaded once per process.

    Raises ValueError for an unknown name and :class:`LibraryMissingError`
    (naming the file and how to build it) when the library is absent.
    """
    _check_name(name)
    if name not in FOREIGN:
        return Backend(name)
    path = library_path(name, ROOT)
    if not path.exists():
        raise LibraryMissingError(
            f"the {name} backend needs {path}, which does not exist; build it with "
            f"`python -m pysecret.backends build {name}`, that is: "
            f"{_shell_line(build_commands(ROOT)[name])}"
        )
    from . import _capi

    return Backend(name, _capi.load(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pysecret.backends",
        description="Build or locate the Go and Rust backend libraries.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    build_cmd = sub.add_parser("build", help="build the libraries (default: all)")
    build_cmd.add_argument("names", nargs="*", metavar="NAME", help="go and/or rust")
    sub.add_parser("paths", help="print where each library is expected")
    args = parser.parse_args(argv)

    if args.command == "paths":
        for name in FOREIGN:
            path = library_path(name)
            print(f"{name}\t{path}\t{'present' if path.exists() else 'missing'}")
        return 0
    names = args.names or list(FOREIGN)
    for name in names:
        if name not in FOREIGN:
            parser.error(f"no library to build for {name!r}; choose from {', '.join(FOREIGN)}")
    try:
        build(names)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"pysecret.backends: build failed: {exc}", file=sys.stderr)
        return 1
    for name in names:
        print(library_path(name))
    return 0


if __name__ == "__main__":
    sys.exit(main())

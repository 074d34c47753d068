"""``python verify.py VECTORS``: print ``NAME HEXDIGEST`` for every vector,
hashed through ``sha256suite.digest`` (the benchmarks' ``hash_loop``).
Comparing with the expected digests is left to the caller. Exit 2 on bad
usage or an unreadable / malformed file."""

from __future__ import annotations

import sys

from sha256suite import VectorsError, digest, load_vectors


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(f"usage: verify.py VECTORS.json (exactly one argument, got {len(argv)})", file=sys.stderr)
        return 2
    try:
        vectors = load_vectors(argv[0])
    except (OSError, UnicodeDecodeError, VectorsError) as exc:
        print(f"verify.py: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write("".join(f"{name} {digest(data).hex()}\n" for name, data, _ in vectors))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

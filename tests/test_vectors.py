"""The project's copy of the spec's test vectors stays identical to the shared one."""

import json

import pytest


def test_vectors_copy_matches_shared_spec(root):
    ours = root / "spec" / "vectors.json"
    shared = root.parent / "shared" / "spec" / "vectors.json"
    if not shared.exists():
        pytest.skip(f"no shared spec at {shared}: nothing to compare the copy with")
    assert ours.read_bytes() == shared.read_bytes()


def test_vectors_copy_is_well_formed(root):
    data = json.loads((root / "spec" / "vectors.json").read_text())
    assert data["version"] == 1
    assert data["bench_secret_hex"] == data["bench_candidate_hex"]
    assert data["verify"] and data["invalid_secret_lengths"]
    for v in data["verify"]:
        bytes.fromhex(v["secret_hex"]), bytes.fromhex(v["candidate_hex"])
        assert 1 <= len(v["secret_hex"]) // 2 <= data["max_secret_len"]

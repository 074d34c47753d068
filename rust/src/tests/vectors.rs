//! Test 1: every vector in vectors.json, including the invalid lengths.

use super::{hex, vectors};
use crate::workload::canonical_input;
use crate::{Error, Secret, max_len};

#[test]
fn every_verify_vector() {
    let v = vectors();
    let cases = v["verify"].as_array().expect("verify is a list");
    assert!(!cases.is_empty());
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let secret = hex(case["secret_hex"].as_str().unwrap());
        let candidate = hex(case["candidate_hex"].as_str().unwrap());
        let expected = case["expected"].as_bool().unwrap();
        let s = Secret::new(&secret).unwrap_or_else(|e| panic!("{name}: new: {e}"));
        assert_eq!(s.verify(&candidate).unwrap(), expected, "vector {name}");
        // And again: the page must come back after a close.
        assert_eq!(
            s.verify(&candidate).unwrap(),
            expected,
            "vector {name}, second verify"
        );
        s.destroy()
            .unwrap_or_else(|e| panic!("{name}: destroy: {e}"));
    }
}

#[test]
fn invalid_lengths_are_rejected() {
    let v = vectors();
    let max = v["max_secret_len"].as_u64().unwrap() as usize;
    assert_eq!(max_len(), crate::sys::page_size() - 16);
    if crate::sys::page_size() == 4096 {
        assert_eq!(max_len(), max, "vectors assume 4 KiB pages");
    }
    for len in v["invalid_secret_lengths"].as_array().unwrap() {
        let len = len.as_u64().unwrap() as usize;
        match Secret::new(&vec![0x42; len]) {
            Err(Error::InvalidLength { len: l, max: m }) => {
                assert_eq!((l, m), (len, max_len()));
            }
            other => panic!("length {len}: expected InvalidLength, got {other:?}"),
        }
    }
    // The edges themselves are fine.
    for len in [1, max_len()] {
        Secret::new(&vec![0x42; len]).unwrap().destroy().unwrap();
    }
}

#[test]
fn bench_input_matches_vectors() {
    let v = vectors();
    let (secret, candidate) = canonical_input();
    assert_eq!(secret, hex(v["bench_secret_hex"].as_str().unwrap()));
    assert_eq!(candidate, hex(v["bench_candidate_hex"].as_str().unwrap()));
    assert_eq!(
        secret, candidate,
        "the canonical candidate equals the secret"
    );
}

#[test]
fn nothing_prints_the_secret() {
    let secret = b"do-not-print-me-0123456789";
    let s = Secret::new(secret).unwrap();
    let shown = format!("{s:?}");
    assert!(!shown.contains("do-not-print"), "{shown}");
    let err = Secret::new(&[]).unwrap_err();
    assert!(!format!("{err} {err:?}").contains("do-not-print"));
    s.destroy().unwrap();
}

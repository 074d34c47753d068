//! Suite `sha256` in Rust: one op is the SHA-256 digest (sha2 crate) of one
//! buffer of `size` bytes, byte i = i mod 251.
//!
//! The criterion bench (`benches/sha256.rs`) and the `verify` bin both hash
//! through [`digest`], so the bytes checked against `vectors.json` go through
//! the very code path that is timed.

pub mod pool;
pub mod vectors;

use sha2::{Digest, Sha256};

/// Byte i of the benchmark buffer is `i % PATTERN_MOD`.
pub const PATTERN_MOD: usize = 251;

/// The benchmark sizes, in bytes.
pub const SIZES: [usize; 3] = [64, 4096, 1_048_576];

/// The worker counts swept when `BENCHNORM_THREADS` is unset.
pub const DEFAULT_THREADS: [usize; 3] = [1, 2, 4];

/// The deterministic buffer: `len` bytes, byte i = i mod `modulus`.
pub fn pattern(modulus: usize, len: usize) -> Vec<u8> {
    assert!(
        (1..=256).contains(&modulus),
        "pattern modulus {modulus} not in 1..=256"
    );
    (0..len).map(|i| (i % modulus) as u8).collect()
}

/// The benchmark buffer of `len` bytes.
pub fn buffer(len: usize) -> Vec<u8> {
    pattern(PATTERN_MOD, len)
}

/// One op: the full SHA-256 digest of `data`.
#[inline]
pub fn digest(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Parses a `BENCHNORM_THREADS` list such as `1,2,4`: positive decimal
/// integers, comma separated, none repeated.
pub fn parse_thread_list(s: &str) -> Result<Vec<usize>, String> {
    let mut out = Vec::new();
    for item in s.split(',') {
        let item = item.trim();
        let t = Some(item)
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<usize>().ok())
            .filter(|&t| t >= 1)
            .ok_or_else(|| format!("{item:?} is not a positive whole number of threads"))?;
        if out.contains(&t) {
            return Err(format!("{t} threads is listed twice"));
        }
        out.push(t);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FIPS 180-2's published digests, written out here independently of
    /// vectors.json so a wrong file and a wrong hash cannot agree.
    const FIPS: [(&str, &str); 3] = [
        (
            "abc",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            "",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        ),
    ];

    #[test]
    fn fips_examples() {
        for (text, want) in FIPS {
            assert_eq!(hex(&digest(text.as_bytes())), want, "input {text:?}");
        }
        let million_a = vec![b'a'; 1_000_000];
        assert_eq!(
            hex(&digest(&million_a)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    #[test]
    fn every_vector_of_the_suite_file() {
        let vs = vectors::load(vectors::suite_file()).unwrap();
        assert_eq!(vs.len(), 7);
        for v in &vs {
            assert_eq!(hex(&digest(&v.input)), v.sha256, "vector {}", v.name);
        }
        // The FIPS entries of the file are the published values.
        for (text, want) in FIPS {
            let v = vs
                .iter()
                .find(|v| v.input == text.as_bytes())
                .unwrap_or_else(|| panic!("no vector for {text:?}"));
            assert_eq!(v.sha256, want);
        }
        // One buffer vector per benchmark size, built like the bench builds it.
        for size in SIZES {
            let v = vs
                .iter()
                .find(|v| v.name == format!("buffer-{size}"))
                .unwrap_or_else(|| panic!("no buffer-{size} vector"));
            assert_eq!(v.input, buffer(size));
        }
    }

    #[test]
    fn buffer_pattern() {
        let b = buffer(600);
        assert_eq!((b[0], b[250], b[251], b[252], b[599]), (0, 250, 0, 1, 97));
    }

    #[test]
    fn hex_digits() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }

    #[test]
    fn thread_lists() {
        assert_eq!(parse_thread_list("1,2,4"), Ok(vec![1, 2, 4]));
        assert_eq!(parse_thread_list(" 8 , 1"), Ok(vec![8, 1]));
        for bad in [
            "",
            "0",
            "1,,2",
            "1,2,1",
            "-1",
            "+2",
            "two",
            "1.5",
            "1;2",
            "99999999999999999999999",
        ] {
            assert!(parse_thread_list(bad).is_err(), "{bad:?} accepted");
        }
    }
}

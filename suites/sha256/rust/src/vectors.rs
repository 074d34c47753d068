//! Reads the suite's `vectors.json` (the one source of truth for expected
//! digests). Input forms:
//!
//! ```text
//! {"text": S}                          the UTF-8 bytes of S
//! {"repeat": S, "count": N}            S repeated N times
//! {"pattern_mod": M, "length": N}      N bytes, byte i = i mod M
//! ```

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// One named vector, its input expanded to bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vector {
    pub name: String,
    pub input: Vec<u8>,
    /// The expected digest, 64 lower-case hex digits.
    pub sha256: String,
}

/// The suite's own vectors file (`suites/sha256/vectors.json`).
pub fn suite_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors.json")
}

/// Reads and checks the vectors file at `path`.
pub fn load(path: impl AsRef<Path>) -> Result<Vec<Vector>, String> {
    let path = path.as_ref();
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses the text of a vectors file.
pub fn parse(text: &str) -> Result<Vec<Vector>, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let list = doc
        .get("vectors")
        .and_then(Value::as_array)
        .ok_or("no \"vectors\" array")?;
    let mut out: Vec<Vector> = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty() && !n.contains(char::is_whitespace))
            .ok_or_else(|| {
                format!("vector {i}: \"name\" must be a non-empty string without spaces")
            })?;
        if out.iter().any(|o| o.name == name) {
            return Err(format!("vector {name:?} appears twice"));
        }
        let sha256 = v
            .get("sha256")
            .and_then(Value::as_str)
            .filter(|h| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .ok_or_else(|| {
                format!("vector {name:?}: \"sha256\" must be 64 lower-case hex digits")
            })?;
        let input = v
            .get("input")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("vector {name:?}: \"input\" must be an object"))
            .and_then(|o| expand(o).map_err(|e| format!("vector {name:?}: input {e}")))?;
        out.push(Vector {
            name: name.to_owned(),
            input,
            sha256: sha256.to_owned(),
        });
    }
    Ok(out)
}

fn expand(o: &Map<String, Value>) -> Result<Vec<u8>, String> {
    let mut keys: Vec<&str> = o.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let count = |key: &str| {
        o[key]
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("\"{key}\" must be a non-negative integer"))
    };
    match keys.as_slice() {
        ["text"] => o["text"]
            .as_str()
            .map(|s| s.as_bytes().to_vec())
            .ok_or_else(|| "\"text\" must be a string".to_owned()),
        ["count", "repeat"] => {
            let s = o["repeat"].as_str().ok_or("\"repeat\" must be a string")?;
            Ok(s.repeat(count("count")?).into_bytes())
        }
        ["length", "pattern_mod"] => {
            let m = count("pattern_mod")?;
            if !(1..=256).contains(&m) {
                return Err("\"pattern_mod\" must be in 1..256".to_owned());
            }
            Ok(crate::pattern(m, count("length")?))
        }
        _ => Err(format!(
            "has keys {keys:?}; expected text, repeat+count or pattern_mod+length"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_forms() {
        let doc = r#"{"vectors": [
            {"name": "t", "input": {"text": "hé"}, "sha256": "00000000000000000000000000000000000000000000000000000000000000aa"},
            {"name": "r", "input": {"repeat": "ab", "count": 3}, "sha256": "00000000000000000000000000000000000000000000000000000000000000aa"},
            {"name": "p", "input": {"pattern_mod": 3, "length": 5}, "sha256": "00000000000000000000000000000000000000000000000000000000000000aa"}
        ]}"#;
        let v = parse(doc).unwrap();
        assert_eq!(v[0].input, "hé".as_bytes());
        assert_eq!(v[1].input, b"ababab");
        assert_eq!(v[2].input, [0, 1, 2, 0, 1]);
    }

    #[test]
    fn malformed_files_are_refused() {
        let h = "0".repeat(64);
        for bad in [
            "".to_owned(),
            "{}".to_owned(),
            r#"{"vectors": [{"name": "x", "input": {"text": "a"}, "sha256": "ABC"}]}"#.to_owned(),
            format!(r#"{{"vectors": [{{"name": "x", "input": {{"text": 1}}, "sha256": "{h}"}}]}}"#),
            format!(
                r#"{{"vectors": [{{"name": "x", "input": {{"repeat": "a"}}, "sha256": "{h}"}}]}}"#
            ),
            format!(
                r#"{{"vectors": [{{"name": "x", "input": {{"pattern_mod": 0, "length": 2}}, "sha256": "{h}"}}]}}"#
            ),
            format!(
                r#"{{"vectors": [{{"name": "a b", "input": {{"text": ""}}, "sha256": "{h}"}}]}}"#
            ),
            format!(
                r#"{{"vectors": [{{"name": "x", "input": {{"text": ""}}, "sha256": "{h}"}},
                                 {{"name": "x", "input": {{"text": ""}}, "sha256": "{h}"}}]}}"#
            ),
        ] {
            assert!(parse(&bad).is_err(), "accepted {bad}");
        }
    }
}

//! Answers the test vectors of the guarded-secret suite with the Rust
//! kernel, the same `secret::Secret` the benchmarks measure.
//!
//! ```text
//! $ secretverify spec/vectors.json
//! equal-32 true
//! first-byte-differs false
//! ...
//! ```
//!
//! For every object of the file's `"verify"` list (`name`, `secret_hex`,
//! `candidate_hex`, ...) it builds a Secret from `secret_hex`, calls
//! `verify(candidate)` once and destroys the Secret, then prints one line
//! per vector in the file's order. `expected` is not read: answering is the
//! kernel's job, comparing is the caller's. Nothing else goes to stdout, and
//! no message ever holds secret bytes or their hex (a malformed vector is
//! named by its position and name only).
//!
//! Exit status: 0 when every vector was answered, whatever the answers; 2
//! with one line on stderr for a usage error or a file that cannot be read
//! or is not a well-formed vectors file; 1 with one line on stderr when the
//! kernel fails (for example mlock refused under RLIMIT_MEMLOCK). The whole
//! file is checked before the first Secret is built and the answers are
//! written once all are known, so a failed run prints nothing on stdout.

use std::io::Write;
use std::process::ExitCode;

use secret::Secret;
use secret::workload::decode_hex;
use serde_json::Value;

const USAGE: &str = "usage: secretverify VECTORS";

struct Vector {
    name: String,
    secret: Vec<u8>,
    candidate: Vec<u8>,
}

/// A failure: the exit status and the one line for stderr.
struct Failure(u8, String);

fn main() -> ExitCode {
    match run(std::env::args_os().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, msg)) => {
            eprintln!("{msg}");
            ExitCode::from(code)
        }
    }
}

fn run(args: Vec<std::ffi::OsString>) -> Result<(), Failure> {
    let usage = || Failure(2, USAGE.to_owned());
    let [path] = args.as_slice() else {
        return Err(usage());
    };
    if path.as_encoded_bytes().starts_with(b"-") {
        return Err(usage());
    }
    let shown = path.to_string_lossy();
    let raw = std::fs::read(path)
        .map_err(|e| Failure(2, format!("secretverify: cannot read {shown}: {e}")))?;
    let vectors = parse(&raw).map_err(|msg| Failure(2, format!("secretverify: {shown}: {msg}")))?;

    let mut out = String::new();
    for mut v in vectors {
        let equal = answer(&mut v)
            .map_err(|e| Failure(1, format!("secretverify: vector {}: {}", v.name, e)))?;
        out.push_str(&format!("{} {equal}\n", v.name));
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure(1, format!("secretverify: writing the answers: {e}")))
}

/// Builds a Secret from `v.secret`, verifies `v.candidate` once and
/// destroys the Secret. The decoded secret is cleared once the Secret holds
/// its own copy.
fn answer(v: &mut Vector) -> Result<bool, secret::Error> {
    let built = Secret::new(&v.secret);
    v.secret.fill(0);
    let s = built?;
    let equal = s.verify(&v.candidate);
    let destroyed = s.destroy();
    let equal = equal?;
    destroyed?;
    Ok(equal)
}

/// Checks the whole file and decodes its "verify" list. The messages say
/// where a problem is, never what the values are; serde_json's own messages
/// for wrong types quote the value, so only its position is passed on.
fn parse(raw: &[u8]) -> Result<Vec<Vector>, String> {
    let top: Value = serde_json::from_slice(raw).map_err(|e| {
        format!(
            "not valid JSON (error at line {} column {})",
            e.line(),
            e.column()
        )
    })?;
    let top = top.as_object().ok_or("not a JSON object")?;
    let list = top.get("verify").ok_or(r#"no "verify" list"#)?;
    let items = list
        .as_array()
        .ok_or(r#""verify" is not a list of objects"#)?;
    if items.is_empty() {
        return Err(r#"the "verify" list is empty"#.to_owned());
    }
    let mut vectors = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item = item
            .as_object()
            .ok_or(r#""verify" is not a list of objects"#)?;
        let name = match item.get("name").and_then(Value::as_str) {
            Some(n) if valid_name(n) => n.to_owned(),
            _ => {
                return Err(format!(
                    "verify[{i}]: name is missing or not a non-empty string without spaces or control characters"
                ));
            }
        };
        let field = |key: &str| -> Result<Vec<u8>, String> {
            let text = item
                .get(key)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("verify[{i}] ({name}): {key} is missing or not a string"))?;
            decode_hex(text).ok_or_else(|| {
                format!("verify[{i}] ({name}): {key} is not an even number of hex digits")
            })
        };
        let secret = field("secret_hex")?;
        let candidate = field("candidate_hex")?;
        vectors.push(Vector {
            name,
            secret,
            candidate,
        });
    }
    Ok(vectors)
}

/// Whether `name` can stand as the first word of an answer line: not
/// empty, no space and no control character.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c > ' ' && c != '\u{7f}')
}

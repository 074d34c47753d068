//! The verify program's contract: it answers every vector of
//! spec/vectors.json the way the file expects, one `NAME true|false` line
//! each; a missing or malformed file is exit 2 with one line on stderr; a
//! kernel failure (mlock refused) is exit 1 with one line; and no output
//! line ever holds a secret.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const PROGRAM: &str = env!("CARGO_BIN_EXE_secretverify");

fn vectors_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/vectors.json")
}

/// (name, secret_hex, expected) of every vector of the "verify" list.
fn vectors() -> Vec<(String, String, bool)> {
    let text = std::fs::read_to_string(vectors_path()).expect("reading spec/vectors.json");
    let v: Value = serde_json::from_str(&text).expect("spec/vectors.json parses");
    let list = v["verify"].as_array().expect("a verify list");
    assert!(!list.is_empty());
    list.iter()
        .map(|item| {
            (
                item["name"].as_str().unwrap().to_owned(),
                item["secret_hex"].as_str().unwrap().to_owned(),
                item["expected"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(PROGRAM)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running secretverify")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("output is UTF-8")
}

/// Fails when any line of the output holds a vector's secret_hex (either
/// case) or, for secrets long enough to be told from chance, its raw bytes.
/// A hex shorter than 8 digits (the one-byte secret "00") would turn up
/// inside any number, so it must only not stand as a word of its own.
fn assert_no_secrets(secrets: &[String], out: &Output) {
    for stream in [&out.stdout, &out.stderr] {
        for line in stream.split(|&b| b == b'\n') {
            let lower = String::from_utf8_lossy(line).to_lowercase();
            let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).collect();
            for (i, hex) in secrets.iter().enumerate() {
                let hex_lower = hex.to_lowercase();
                let leaked = if hex.len() < 8 {
                    words.contains(&hex_lower.as_str())
                } else {
                    lower.contains(&hex_lower)
                };
                assert!(!leaked, "an output line holds the hex of secret {i}");
                let raw = secret::workload::decode_hex(hex).unwrap_or_default();
                assert!(
                    raw.len() < 8 || !line.windows(raw.len()).any(|w| w == raw.as_slice()),
                    "an output line holds the bytes of secret {i}"
                );
            }
        }
    }
}

fn all_secrets() -> Vec<String> {
    vectors().into_iter().map(|(_, s, _)| s).collect()
}

fn assert_one_line(stderr: &[u8]) -> String {
    let err = text(stderr);
    assert!(
        err.ends_with('\n') && err.len() > 1 && err.matches('\n').count() == 1,
        "stderr is not exactly one line: {err:?}"
    );
    err
}

/// A fresh empty folder of its own (removed again by the caller).
fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("secretverify-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    dir
}

#[test]
fn answers_every_vector() {
    let vectors = vectors();
    let path = vectors_path();
    let out = run_in(Path::new("."), &[path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    let want: String = vectors
        .iter()
        .map(|(name, _, expected)| format!("{name} {expected}\n"))
        .collect();
    assert_eq!(text(&out.stdout), want);
    assert_no_secrets(&all_secrets(), &out);
}

#[test]
fn missing_file_is_exit_2_with_one_line() {
    // A relative name in an empty folder: the message holds no path that
    // could happen to contain a short secret's hex.
    let dir = temp_dir("missing");
    let out = run_in(&dir, &["missing.json"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = assert_one_line(&out.stderr);
    assert!(err.contains("missing.json"), "{err:?}");
    assert_no_secrets(&all_secrets(), &out);
}

#[test]
fn usage_errors_are_exit_2() {
    let path = vectors_path();
    let path = path.to_str().unwrap();
    for args in [&[][..], &[path, path][..], &["-h"][..], &["--help"][..]] {
        let out = run_in(Path::new("."), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(
            text(&out.stderr),
            "usage: secretverify VECTORS\n",
            "{args:?}"
        );
    }
}

/// Malformed files are refused with exit 2 before any Secret is built, and
/// the message never quotes the secret, even when it is the bad value.
#[test]
fn malformed_files_are_exit_2_and_quote_no_secret() {
    let sec = "c0ffee00c0ffee00c0ffee00c0ffee00";
    let good = format!(r#"{{"name": "ok", "secret_hex": "{sec}", "candidate_hex": "00"}}"#);
    let one = |fields: &str| format!(r#"{{"verify": [{{{fields}}}]}}"#);
    let cases = [
        format!(r#"{{"verify": [{good}"#),
        format!("[{good}]"),
        format!(r#"{{"vectors": [{good}]}}"#),
        r#"{"verify": {"name": "x"}}"#.to_owned(),
        r#"{"verify": []}"#.to_owned(),
        format!(r#"{{"verify": [{good}, 3]}}"#),
        one(&format!(r#""secret_hex": "{sec}", "candidate_hex": "00""#)),
        one(&format!(
            r#""name": "a b", "secret_hex": "{sec}", "candidate_hex": "00""#
        )),
        one(r#""name": "n", "secret_hex": null, "candidate_hex": "00""#),
        one(r#""name": "n", "secret_hex": 12, "candidate_hex": "00""#),
        one(&format!(
            r#""name": "n", "secret_hex": "{sec}zz", "candidate_hex": "00""#
        )),
        one(&format!(
            r#""name": "n", "secret_hex": "{sec}0", "candidate_hex": "00""#
        )),
        one(&format!(r#""name": "n", "secret_hex": "{sec}""#)),
        one(&format!(
            r#""name": "n", "secret_hex": "{sec}\q", "candidate_hex": "00""#
        )),
    ];
    let mut secrets = all_secrets();
    secrets.push(sec.to_owned());
    let dir = temp_dir("malformed");
    for (i, case) in cases.iter().enumerate() {
        std::fs::write(dir.join("v.json"), case).unwrap();
        let out = run_in(&dir, &["v.json"]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "case {i}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "case {i}");
        assert_one_line(&out.stderr);
        assert_no_secrets(&secrets, &out);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// With RLIMIT_MEMLOCK = 0 (and, as root, without CAP_IPC_LOCK) the kernel
/// cannot lock the data page: exit 1, one line naming the limit, no answers.
#[test]
fn kernel_failure_is_exit_1_with_one_line() {
    let found = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !found("prlimit") || (root && !found("setpriv")) {
        eprintln!("skipped: prlimit (and, as root, setpriv) from util-linux are needed");
        return;
    }
    let path = vectors_path();
    let mut cmd = Command::new("prlimit");
    cmd.arg("--memlock=0:0");
    if root {
        cmd.args([
            "setpriv",
            "--bounding-set=-ipc_lock",
            "--inh-caps=-ipc_lock",
        ]);
    }
    let out = cmd
        .arg("--")
        .arg(PROGRAM)
        .arg(&path)
        .output()
        .expect("running prlimit");
    let err = assert_one_line(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        err.contains("mlock") && err.contains("RLIMIT_MEMLOCK"),
        "{err}"
    );
    assert_no_secrets(&all_secrets(), &out);
}

//! `verify VECTORS`: prints `NAME HEXDIGEST` for every vector of the file,
//! hashed with `sha256bench::digest` (the benchmark's op). The comparison
//! with the expected digests is left to the caller. Exit 2 on bad usage or an
//! unreadable / malformed file.

use std::env;
use std::io::{self, Write};
use std::process;

use sha256bench::{digest, hex, vectors};

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    let [path] = args.as_slice() else {
        eprintln!(
            "usage: verify VECTORS.json (exactly one argument, got {})",
            args.len()
        );
        process::exit(2);
    };
    let vs = vectors::load(path).unwrap_or_else(|e| {
        eprintln!("verify: {e}");
        process::exit(2);
    });
    let mut out = io::stdout().lock();
    for v in &vs {
        writeln!(out, "{} {}", v.name, hex(&digest(&v.input))).expect("writing to stdout");
    }
}

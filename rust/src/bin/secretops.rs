//! The ops runner: performs exactly N ops of one canonical benchmark with T
//! workers and prints one JSON line on stdout, for counting syscalls under
//! perf or strace.
//!
//! ```text
//! $ secretops --bench parallel-shared --threads 2 --ops 1000
//! {"lang":"rust","bench":"parallel-shared","threads":2,"ops":1000,"wall_ns":5120334,"open_transitions":871}
//! ```
//!
//! Exit status: 0 done, 1 the run failed (message on stderr), 2 bad usage
//! (usage on stderr). Nothing but the JSON line is ever written to stdout.

use std::io::Write;
use std::process::ExitCode;

use secret::workload::{Bench, Workload, canonical_input, parse_count};

const USAGE: &str = "\
usage: secretops --bench NAME --threads T --ops N

  --bench NAME   floor | sequential | parallel-owned | parallel-locked | parallel-shared
  --threads T    workers pulling from one budget (>= 1; exactly 1 for floor and sequential)
  --ops N        ops to perform in total (>= 1)

Prints one JSON line on stdout:
  {\"lang\":\"rust\",\"bench\":NAME,\"threads\":T,\"ops\":N,\"wall_ns\":W}
with \"open_transitions\":K added for parallel-shared.";

struct Args {
    bench: Bench,
    threads: usize,
    ops: u64,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut bench, mut threads, mut ops) = (None, None, None);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg, None),
        };
        let slot = match flag.as_str() {
            "--bench" => &mut bench,
            "--threads" => &mut threads,
            "--ops" => &mut ops,
            _ => return Err(format!("unknown argument {flag:?}")),
        };
        if slot.is_some() {
            return Err(format!("{flag} given twice"));
        }
        let value = match inline {
            Some(v) => v,
            None => args.next().ok_or_else(|| format!("{flag} needs a value"))?,
        };
        *slot = Some(value);
    }
    let bench: Bench = bench.ok_or("--bench is required")?.parse()?;
    let threads = threads.ok_or("--threads is required")?;
    let threads = parse_count(&threads)
        .and_then(|t| usize::try_from(t).ok())
        .filter(|&t| t >= 1)
        .ok_or_else(|| format!("--threads {threads:?}: expected a whole number >= 1"))?;
    let ops = ops.ok_or("--ops is required")?;
    let ops = parse_count(&ops)
        .filter(|&n| n >= 1)
        .ok_or_else(|| format!("--ops {ops:?}: expected a whole number >= 1"))?;
    if !bench.is_parallel() && threads != 1 {
        return Err(format!("{bench} runs with exactly 1 worker, not {threads}"));
    }
    Ok(Args {
        bench,
        threads,
        ops,
    })
}

fn run(args: &Args) -> Result<String, String> {
    let (secret, candidate) = canonical_input();
    let mut work =
        Workload::new(args.bench, args.threads, &secret, &candidate).map_err(|e| e.to_string())?;
    let before = work.open_transitions();
    let wall = work.run(args.ops).map_err(|e| e.to_string())?;
    let mut line = format!(
        r#"{{"lang":"rust","bench":"{}","threads":{},"ops":{},"wall_ns":{}"#,
        args.bench,
        args.threads,
        args.ops,
        wall.as_nanos()
    );
    if let (Some(b), Some(a)) = (before, work.open_transitions()) {
        line.push_str(&format!(r#","open_transitions":{}"#, a - b));
    }
    line.push('}');
    Ok(line)
}

fn main() -> ExitCode {
    let mut argv = std::env::args().skip(1).peekable();
    if argv.peek().is_some_and(|a| a == "-h" || a == "--help") {
        eprintln!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let args = match parse_args(argv) {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("secretops: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(line) => match writeln!(std::io::stdout().lock(), "{line}") {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("secretops: writing the result: {e}");
                ExitCode::from(1)
            }
        },
        Err(msg) => {
            eprintln!("secretops: {msg}");
            ExitCode::from(1)
        }
    }
}

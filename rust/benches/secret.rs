//! criterion benches of suites/guarded-secret/kernel.md's five canonical benchmarks, group `secret`:
//!
//! ```text
//! secret/floor
//! secret/sequential
//! secret/parallel-owned/threads=T
//! secret/parallel-locked/threads=T
//! secret/parallel-shared/threads=T
//! ```
//!
//! T comes from `BENCHNORM_THREADS` (comma list, default `1,2,4`). Every
//! sample has the same iteration count (`SamplingMode::Flat`, like one Go
//! `-count` repetition); sample size, measurement and warm-up time come from
//! criterion's command line (`cargo bench -- --sample-size 10
//! --measurement-time 2 --warm-up-time 1`). Each benchmark's Secrets and
//! worker threads are set up once, outside the timed region; a sample times
//! only `iters` ops (see `secret::workload`).

use std::env::{self, VarError};
use std::process;

use criterion::{Bencher, BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use secret::workload::{Bench, Workload, canonical_input, parse_thread_list};

const THREADS_VAR: &str = "BENCHNORM_THREADS";
const DEFAULT_THREADS: &[usize] = &[1, 2, 4];

/// The worker counts to sweep; a bad value stops the run with a message.
fn thread_counts() -> Vec<usize> {
    match env::var(THREADS_VAR) {
        Err(VarError::NotPresent) => DEFAULT_THREADS.to_vec(),
        Ok(list) => parse_thread_list(&list).unwrap_or_else(|e| {
            eprintln!(
                "{THREADS_VAR}={list:?}: {e}; expected a comma-separated list of \
                 distinct positive integers, e.g. {THREADS_VAR}=1,2,4"
            );
            process::exit(2);
        }),
        Err(VarError::NotUnicode(v)) => {
            eprintln!("{THREADS_VAR}={v:?} is not valid text; expected e.g. 1,2,4");
            process::exit(2);
        }
    }
}

/// The timed routine for one benchmark. The workload is built on first use
/// (so benches filtered out cost nothing) and kept for every later sample.
fn routine(bench: Bench, threads: usize) -> impl FnMut(&mut Bencher<'_>) {
    let mut work: Option<Workload> = None;
    move |b| {
        let w = work.get_or_insert_with(|| {
            let (secret, candidate) = canonical_input();
            Workload::new(bench, threads, &secret, &candidate)
                .unwrap_or_else(|e| panic!("setting up {bench} with {threads} threads: {e}"))
        });
        b.iter_custom(|iters| {
            w.run(iters)
                .unwrap_or_else(|e| panic!("{bench} with {threads} threads: {e}"))
        });
    }
}

fn secret_benches(c: &mut Criterion) {
    let threads = thread_counts();
    let mut group = c.benchmark_group("secret");
    group.sampling_mode(SamplingMode::Flat);
    for bench in [Bench::Floor, Bench::Sequential] {
        group.bench_function(bench.name(), routine(bench, 1));
    }
    for bench in [
        Bench::ParallelOwned,
        Bench::ParallelLocked,
        Bench::ParallelShared,
    ] {
        for &t in &threads {
            let id = BenchmarkId::new(bench.name(), format!("threads={t}"));
            group.bench_function(id, routine(bench, t));
        }
    }
    group.finish();
}

criterion_group!(benches, secret_benches);
criterion_main!(benches);

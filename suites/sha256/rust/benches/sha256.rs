//! criterion benches of suite `sha256`, group `sha256`:
//!
//! ```text
//! sha256/hash/size=S                     one thread hashes its buffer
//! sha256/hash-parallel/size=S/threads=T  T threads, each its own buffer
//! ```
//!
//! for S in 64, 4096, 1048576 and T in `BENCHNORM_THREADS` (comma list,
//! default `1,2,4`). One op = the SHA-256 digest of S bytes (byte i = i mod
//! 251); `Throughput::Bytes(S)`. Every sample has the same iteration count
//! (`SamplingMode::Flat`). Buffers and threads are set up once per
//! benchmark, outside the timed region: a `hash-parallel` sample is the wall
//! time of T parked threads pulling `iters` ops from one budget.

use std::env::{self, VarError};
use std::hint::black_box;
use std::process;

use criterion::{
    Bencher, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use sha256bench::pool::ParallelHash;
use sha256bench::{DEFAULT_THREADS, SIZES, buffer, digest, parse_thread_list};

const THREADS_VAR: &str = "BENCHNORM_THREADS";

/// The thread counts to sweep; a bad value stops the run with exit 2.
fn thread_counts() -> Vec<usize> {
    match env::var(THREADS_VAR) {
        Err(VarError::NotPresent) => DEFAULT_THREADS.to_vec(),
        Ok(list) => parse_thread_list(&list).unwrap_or_else(|e| {
            eprintln!("{THREADS_VAR}={list:?}: {e}; expected distinct positive integers, e.g. {THREADS_VAR}=1,2,4");
            process::exit(2);
        }),
        Err(VarError::NotUnicode(v)) => {
            eprintln!("{THREADS_VAR}={v:?} is not valid text; expected e.g. {THREADS_VAR}=1,2,4");
            process::exit(2);
        }
    }
}

/// `hash`: the buffer is built on first use (filtered-out benches cost
/// nothing) and kept for every later sample.
fn sequential(size: usize) -> impl FnMut(&mut Bencher<'_>) {
    let mut buf: Option<Vec<u8>> = None;
    move |b| {
        let buf = buf.get_or_insert_with(|| buffer(size));
        b.iter(|| digest(black_box(buf.as_slice())));
    }
}

/// `hash-parallel`: the threads are started on first use and parked between
/// samples.
fn parallel(size: usize, threads: usize) -> impl FnMut(&mut Bencher<'_>) {
    let mut pool: Option<ParallelHash> = None;
    move |b| {
        let pool = pool.get_or_insert_with(|| ParallelHash::new(threads, &buffer(size)));
        b.iter_custom(|iters| pool.run(iters));
    }
}

fn sha256_benches(c: &mut Criterion) {
    let threads = thread_counts();
    let mut group = c.benchmark_group("sha256");
    group.sampling_mode(SamplingMode::Flat);
    for size in SIZES {
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(
            BenchmarkId::new("hash", format!("size={size}")),
            sequential(size),
        );
        for &t in &threads {
            group.bench_function(
                BenchmarkId::new("hash-parallel", format!("size={size}/threads={t}")),
                parallel(size, t),
            );
        }
    }
    group.finish();
}

criterion_group!(benches, sha256_benches);
criterion_main!(benches);

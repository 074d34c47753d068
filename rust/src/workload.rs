//! The five canonical benchmarks of suites/guarded-secret/kernel.md as runnable workloads, shared
//! by the criterion benches and the `secretops` ops runner so both time the
//! same code.
//!
//! A [`Workload`] is set up once (Secrets built, worker threads started and
//! parked) and then [`run`](Workload::run) any number of times; each run
//! performs exactly the ops asked for and returns the wall time of those ops
//! alone. Parallel runs follow Go's `b.RunParallel`: T workers pull ops from
//! one shared budget, and the figure is wall time / ops.

use std::fmt;
use std::ptr;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::error::{Call, Error};
use crate::secret::Secret;
use crate::sys::{self, Mapping};

/// The canonical benchmark names, as in suites/guarded-secret/kernel.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bench {
    /// Bare `mprotect(READ)` + `mprotect(NONE)` on one locked page.
    Floor,
    /// One `verify`, one worker.
    Sequential,
    /// One `verify`; every worker has its own Secret.
    ParallelOwned,
    /// One `verify` with the whole op under one shared mutex; one Secret.
    ParallelLocked,
    /// One `verify` (refcounted open/close); one shared Secret.
    ParallelShared,
}

impl Bench {
    /// Every benchmark, in the order suites/guarded-secret/kernel.md lists them.
    pub const ALL: [Bench; 5] = [
        Bench::Floor,
        Bench::Sequential,
        Bench::ParallelOwned,
        Bench::ParallelLocked,
        Bench::ParallelShared,
    ];

    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self {
            Bench::Floor => "floor",
            Bench::Sequential => "sequential",
            Bench::ParallelOwned => "parallel-owned",
            Bench::ParallelLocked => "parallel-locked",
            Bench::ParallelShared => "parallel-shared",
        }
    }

    /// Whether it runs T workers (otherwise exactly one).
    pub fn is_parallel(self) -> bool {
        !matches!(self, Bench::Floor | Bench::Sequential)
    }
}

impl fmt::Display for Bench {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Bench {
    type Err = String;

    fn from_str(s: &str) -> Result<Bench, String> {
        Bench::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Bench::ALL.iter().map(|b| b.name()).collect();
                format!(
                    "unknown benchmark {s:?} (expected one of {})",
                    names.join(", ")
                )
            })
    }
}

/// Why a workload could not be set up or run.
#[derive(Debug)]
pub enum RunError {
    /// The kernel (or the floor's own page) failed.
    Secret(Error),
    /// `verify` answered false for the equal canonical candidate.
    WrongAnswer,
    /// Floor and sequential run with one worker only.
    Threads { bench: Bench, threads: usize },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Secret(e) => e.fmt(f),
            RunError::WrongAnswer => f.write_str("verify returned false for the equal candidate"),
            RunError::Threads { bench, threads } => {
                write!(f, "{bench} runs with exactly 1 worker, not {threads}")
            }
        }
    }
}

impl std::error::Error for RunError {}

impl From<Error> for RunError {
    fn from(e: Error) -> RunError {
        RunError::Secret(e)
    }
}

/// `bench_secret_hex` and `bench_candidate_hex` from the project's
/// `spec/vectors.json`, embedded at build time.
pub fn canonical_input() -> (Vec<u8>, Vec<u8>) {
    const VECTORS: &str = include_str!("../../spec/vectors.json");
    let field = |key: &str| {
        let hex = json_string_field(VECTORS, key)
            .unwrap_or_else(|| panic!("spec/vectors.json has no string field {key:?}"));
        decode_hex(hex).unwrap_or_else(|| panic!("spec/vectors.json: {key} is not hex"))
    };
    (field("bench_secret_hex"), field("bench_candidate_hex"))
}

/// The value of a top-level `"key": "value"` pair (no escapes in value).
fn json_string_field<'a>(doc: &'a str, key: &str) -> Option<&'a str> {
    let quoted = format!("\"{key}\"");
    let after_key = &doc[doc.find(&quoted)? + quoted.len()..];
    let after_colon = after_key.trim_start().strip_prefix(':')?.trim_start();
    let value = after_colon.strip_prefix('"')?;
    Some(&value[..value.find('"')?])
}

/// Lower- or upper-case hex to bytes; `None` if malformed.
pub fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let digits = hex.as_bytes();
    if digits.len() % 2 != 0 {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    digits
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

/// Parses a thread list such as `1,2,4` (the `BENCHNORM_THREADS` format):
/// positive integers, comma separated, no duplicates.
pub fn parse_thread_list(s: &str) -> Result<Vec<usize>, String> {
    let mut out = Vec::new();
    for item in s.split(',') {
        let item = item.trim();
        let t = parse_count(item)
            .and_then(|t| usize::try_from(t).ok())
            .filter(|&t| t >= 1)
            .ok_or_else(|| format!("{item:?} is not a positive whole number of threads"))?;
        if out.contains(&t) {
            return Err(format!("{t} threads appears twice"));
        }
        out.push(t);
    }
    Ok(out)
}

/// A decimal count: ASCII digits only (no sign, no spaces), fits in u64.
pub fn parse_count(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// One canonical benchmark, set up and ready to run.
pub struct Workload {
    bench: Bench,
    threads: usize,
    kind: Kind,
}

enum Kind {
    Floor(FloorPage),
    Sequential {
        secret: Secret,
        candidate: Vec<u8>,
    },
    Parallel {
        pool: Pool,
        shared: Option<Arc<Secret>>,
    },
}

impl Workload {
    /// Sets up `bench` with `threads` workers; outside any timed region.
    pub fn new(
        bench: Bench,
        threads: usize,
        secret: &[u8],
        candidate: &[u8],
    ) -> Result<Workload, RunError> {
        if threads < 1 || (!bench.is_parallel() && threads != 1) {
            return Err(RunError::Threads { bench, threads });
        }
        let candidate = candidate.to_vec();
        let kind = match bench {
            Bench::Floor => Kind::Floor(FloorPage::new()?),
            Bench::Sequential => Kind::Sequential {
                secret: Secret::new(secret)?,
                candidate,
            },
            Bench::ParallelOwned => {
                let mut ops: Vec<Op> = Vec::with_capacity(threads);
                for _ in 0..threads {
                    let own = Secret::new(secret)?;
                    let candidate = candidate.clone();
                    ops.push(Box::new(move || check(own.verify(&candidate))));
                }
                Kind::Parallel {
                    pool: Pool::new(ops),
                    shared: None,
                }
            }
            Bench::ParallelLocked => {
                let one = Arc::new((Mutex::new(()), Secret::new(secret)?));
                let ops = (0..threads)
                    .map(|_| {
                        let one = Arc::clone(&one);
                        let candidate = candidate.clone();
                        Box::new(move || {
                            let (lock, secret) = &*one;
                            let _whole_op = lock.lock().unwrap_or_else(PoisonError::into_inner);
                            check(secret.verify(&candidate))
                        }) as Op
                    })
                    .collect();
                Kind::Parallel {
                    pool: Pool::new(ops),
                    shared: None,
                }
            }
            Bench::ParallelShared => {
                let one = Arc::new(Secret::new(secret)?);
                let ops = (0..threads)
                    .map(|_| {
                        let one = Arc::clone(&one);
                        let candidate = candidate.clone();
                        Box::new(move || check(one.verify(&candidate))) as Op
                    })
                    .collect();
                Kind::Parallel {
                    pool: Pool::new(ops),
                    shared: Some(one),
                }
            }
        };
        Ok(Workload {
            bench,
            threads,
            kind,
        })
    }

    /// The benchmark this runs.
    pub fn bench(&self) -> Bench {
        self.bench
    }

    /// Its worker count.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Performs exactly `ops` ops and returns their wall time.
    pub fn run(&mut self, ops: u64) -> Result<Duration, RunError> {
        match &mut self.kind {
            Kind::Floor(page) => {
                let start = Instant::now();
                for _ in 0..ops {
                    page.cycle()?;
                }
                Ok(start.elapsed())
            }
            Kind::Sequential { secret, candidate } => {
                let start = Instant::now();
                for _ in 0..ops {
                    check(secret.verify(candidate))?;
                }
                Ok(start.elapsed())
            }
            Kind::Parallel { pool, .. } => pool.run(ops),
        }
    }

    /// For parallel-shared: the shared Secret's 0 → 1 open transitions so
    /// far (each one cost an mprotect pair). `None` for the others.
    pub fn open_transitions(&self) -> Option<u64> {
        match &self.kind {
            Kind::Parallel {
                shared: Some(s), ..
            } => Some(s.open_transitions()),
            _ => None,
        }
    }
}

fn check(answer: Result<bool, Error>) -> Result<(), RunError> {
    if answer? {
        Ok(())
    } else {
        Err(RunError::WrongAnswer)
    }
}

/// The floor's page: one private page, mlocked (so faulted in), PROT_NONE.
/// The C ABI (`capi`) hands the same page out as its floor object.
pub(crate) struct FloorPage {
    map: Mapping,
    pg: usize,
}

// SAFETY: after construction a FloorPage never reads or writes its page; it
// only changes the page's protection, lock and mapping with system calls,
// which act on the process's address space from any thread. No pointer into
// the page leaves this type.
unsafe impl Send for FloorPage {}

// SAFETY: as for Send: `&FloorPage` allows only `cycle`, two mprotect calls
// on a page nobody accesses, which threads may make concurrently.
unsafe impl Sync for FloorPage {}

impl FloorPage {
    pub(crate) fn new() -> Result<FloorPage, Error> {
        let pg = sys::page_size();
        let map = Mapping::anonymous(pg).map_err(|e| Error::os(Call::Mmap, "floor page", e))?;
        map.lock(0, pg)
            .map_err(|e| Error::os(Call::Mlock, "locking the floor page", e))?;
        // SAFETY: the page is ours and read-write; one byte written so it
        // is certainly backed by a real page, as the data page is.
        unsafe { ptr::write_volatile(map.base().as_ptr(), 1) };
        map.protect(0, pg, libc::PROT_NONE)
            .map_err(|e| Error::os(Call::Mprotect, "floor page: PROT_NONE", e))?;
        Ok(FloorPage { map, pg })
    }

    /// One floor op: the bare syscall pair, results checked, nothing else.
    #[inline]
    pub(crate) fn cycle(&self) -> Result<(), Error> {
        let (p, len) = (self.map.base().as_ptr().cast::<libc::c_void>(), self.pg);
        // SAFETY: `p..p+len` is our own mapping.
        if unsafe { libc::mprotect(p, len, libc::PROT_READ) } != 0 {
            return Err(Error::os(Call::Mprotect, "floor: PROT_READ", errno()));
        }
        // SAFETY: as above.
        if unsafe { libc::mprotect(p, len, libc::PROT_NONE) } != 0 {
            return Err(Error::os(Call::Mprotect, "floor: PROT_NONE", errno()));
        }
        Ok(())
    }

    /// munlock and munmap, reporting the first failure (dropping the page
    /// unmaps it too, but cannot report).
    pub(crate) fn close(mut self) -> Result<(), Error> {
        let unlocked = self
            .map
            .unlock(0, self.pg)
            .map_err(|e| Error::os(Call::Munlock, "floor page", e));
        let unmapped = self
            .map
            .unmap()
            .map_err(|e| Error::os(Call::Munmap, "floor page", e));
        unlocked.and(unmapped)
    }
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// One worker's op.
type Op = Box<dyn FnMut() -> Result<(), RunError> + Send>;

/// T worker threads, started once and parked between runs.
///
/// A run publishes a budget, wakes the workers, and each pulls op indices
/// from one atomic counter until the budget is spent, so exactly `ops` ops
/// happen in total however they are spread. The clock covers waking the
/// workers up to the last one finishing, as Go's RunParallel does; thread
/// creation is outside it.
struct Pool {
    shared: Arc<PoolShared>,
    workers: Vec<JoinHandle<()>>,
}

struct PoolShared {
    next: AtomicU64,
    round: Mutex<Round>,
    go: Condvar,
    done: Condvar,
}

#[derive(Default)]
struct Round {
    /// Workers parked and waiting for their first round.
    ready: usize,
    number: u64,
    budget: u64,
    running: usize,
    quit: bool,
    failure: Option<RunError>,
}

impl PoolShared {
    fn lock(&self) -> MutexGuard<'_, Round> {
        self.round.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Pool {
    fn new(ops: Vec<Op>) -> Pool {
        let shared = Arc::new(PoolShared {
            next: AtomicU64::new(0),
            round: Mutex::new(Round::default()),
            go: Condvar::new(),
            done: Condvar::new(),
        });
        let workers = ops
            .into_iter()
            .enumerate()
            .map(|(i, op)| {
                let shared = Arc::clone(&shared);
                thread::Builder::new()
                    .name(format!("bench-worker-{i}"))
                    .spawn(move || worker(&shared, op))
                    .expect("spawning a benchmark worker thread")
            })
            .collect::<Vec<_>>();
        // Wait until every worker is parked, so that no run (the ops
        // runner's only one included) pays for thread start-up.
        let mut round = shared.lock();
        while round.ready < workers.len() {
            round = shared
                .done
                .wait(round)
                .unwrap_or_else(PoisonError::into_inner);
        }
        drop(round);
        Pool { shared, workers }
    }

    fn run(&self, ops: u64) -> Result<Duration, RunError> {
        let mut round = self.shared.lock();
        self.shared.next.store(0, Ordering::Relaxed);
        round.budget = ops;
        round.running = self.workers.len();
        round.number += 1;
        let start = Instant::now();
        self.shared.go.notify_all();
        while round.running > 0 {
            round = self
                .shared
                .done
                .wait(round)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let elapsed = start.elapsed();
        match round.failure.take() {
            Some(e) => Err(e),
            None => Ok(elapsed),
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.lock().quit = true;
        self.shared.go.notify_all();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

fn worker(shared: &PoolShared, mut op: Op) {
    let mut seen = 0;
    {
        let mut round = shared.lock();
        round.ready += 1;
        shared.done.notify_one();
    }
    loop {
        let budget = {
            let mut round = shared.lock();
            while round.number == seen && !round.quit {
                round = shared
                    .go
                    .wait(round)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if round.quit {
                return;
            }
            seen = round.number;
            round.budget
        };
        let mut failure = None;
        while shared.next.fetch_add(1, Ordering::Relaxed) < budget {
            if let Err(e) = op() {
                // Spend the rest of the budget so the others stop too.
                shared.next.store(budget, Ordering::Relaxed);
                failure = Some(e);
                break;
            }
        }
        let mut round = shared.lock();
        if let Some(e) = failure {
            round.failure.get_or_insert(e);
        }
        round.running -= 1;
        if round.running == 0 {
            shared.done.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_names_round_trip() {
        for b in Bench::ALL {
            assert_eq!(b.name().parse::<Bench>(), Ok(b));
        }
        assert!("Sequential".parse::<Bench>().is_err());
        assert!("".parse::<Bench>().is_err());
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
            "99999999999999999999",
        ] {
            assert!(parse_thread_list(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn counts_are_plain_digits() {
        assert_eq!(parse_count("10000"), Some(10000));
        for bad in ["", "+1", "-1", " 1", "1e3", "0x10"] {
            assert_eq!(parse_count(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn hex_and_field_extraction() {
        assert_eq!(decode_hex("00ff10Ab"), Some(vec![0, 0xff, 0x10, 0xab]));
        assert_eq!(decode_hex(""), Some(vec![]));
        assert_eq!(decode_hex("abc"), None);
        assert_eq!(decode_hex("zz"), None);
        let doc = r#"{ "a" : "x", "bench_secret_hex":"0102" }"#;
        assert_eq!(json_string_field(doc, "bench_secret_hex"), Some("0102"));
        assert_eq!(json_string_field(doc, "a"), Some("x"));
        assert_eq!(json_string_field(doc, "missing"), None);
    }

    #[test]
    fn single_worker_benches_refuse_more_threads() {
        let (s, c) = canonical_input();
        for b in [Bench::Floor, Bench::Sequential] {
            assert!(matches!(
                Workload::new(b, 2, &s, &c),
                Err(RunError::Threads { threads: 2, .. })
            ));
        }
        assert!(Workload::new(Bench::ParallelShared, 0, &s, &c).is_err());
    }

    #[test]
    fn every_workload_runs_repeatedly() {
        let (s, c) = canonical_input();
        for b in Bench::ALL {
            for t in if b.is_parallel() {
                vec![1, 2, 3]
            } else {
                vec![1]
            } {
                let mut w = Workload::new(b, t, &s, &c).unwrap();
                for ops in [1, 0, 500] {
                    w.run(ops)
                        .unwrap_or_else(|e| panic!("{b} T={t} ops={ops}: {e}"));
                }
                let opens = w.open_transitions();
                assert_eq!(opens.is_some(), b == Bench::ParallelShared);
                assert!(opens.unwrap_or(1) >= 1 && opens.unwrap_or(0) <= 501);
            }
        }
    }

    #[test]
    fn a_wrong_candidate_fails_the_run() {
        let (s, _) = canonical_input();
        let mut w = Workload::new(Bench::ParallelOwned, 2, &s, b"nope").unwrap();
        assert!(matches!(w.run(10), Err(RunError::WrongAnswer)));
        // The pool is still usable afterwards.
        assert!(matches!(w.run(10), Err(RunError::WrongAnswer)));
    }

    #[test]
    fn pool_performs_exactly_the_budget() {
        let counters: Vec<Arc<AtomicU64>> = (0..3).map(|_| Arc::new(AtomicU64::new(0))).collect();
        let ops = counters
            .iter()
            .map(|c| {
                let c = Arc::clone(c);
                Box::new(move || {
                    c.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }) as Op
            })
            .collect();
        let pool = Pool::new(ops);
        let total = || {
            counters
                .iter()
                .map(|c| c.load(Ordering::Relaxed))
                .sum::<u64>()
        };
        let mut expected = 0;
        for n in [0, 1, 2, 3, 7, 10_000, 1] {
            pool.run(n).unwrap();
            expected += n;
            assert_eq!(total(), expected, "after a run of {n}");
        }
    }
}

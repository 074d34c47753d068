//! `hash-parallel` as a reusable workload: T OS threads, started once, each
//! hashing its own copy of the buffer. Like Go's `b.RunParallel`, a run's
//! `ops` come from one budget that the threads pull from, and the figure is
//! the wall time of the whole run (divide by `ops` for time per op).

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::digest;

/// Most ops a thread takes from the budget at once.
const MAX_GRAIN: u64 = 100;

struct Shared {
    /// Ops handed out so far in this run (may overshoot `budget`).
    next: AtomicU64,
    budget: AtomicU64,
    grain: AtomicU64,
    /// Ops actually performed in this run, summed over threads.
    done: AtomicU64,
    quit: AtomicBool,
    start: Barrier,
    finish: Barrier,
}

/// T parked hashing threads.
pub struct ParallelHash {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl ParallelHash {
    /// Starts `threads` threads, each with its own copy of `buffer`; returns
    /// once all are parked, so no run pays for thread start-up.
    pub fn new(threads: usize, buffer: &[u8]) -> ParallelHash {
        assert!(threads >= 1, "hash-parallel needs at least one thread");
        let shared = Arc::new(Shared {
            next: AtomicU64::new(0),
            budget: AtomicU64::new(0),
            grain: AtomicU64::new(1),
            done: AtomicU64::new(0),
            quit: AtomicBool::new(false),
            start: Barrier::new(threads + 1),
            finish: Barrier::new(threads + 1),
        });
        let workers = (0..threads)
            .map(|i| {
                let shared = Arc::clone(&shared);
                let own = buffer.to_vec();
                thread::Builder::new()
                    .name(format!("sha256-worker-{i}"))
                    .spawn(move || worker(&shared, &own))
                    .expect("spawning a benchmark thread")
            })
            .collect();
        ParallelHash { shared, workers }
    }

    /// The number of threads.
    pub fn threads(&self) -> usize {
        self.workers.len()
    }

    /// Performs exactly `ops` digests spread over the threads; returns the
    /// wall time from releasing the threads to the last one finishing.
    pub fn run(&mut self, ops: u64) -> Duration {
        let t = self.workers.len() as u64;
        let s = &self.shared;
        s.next.store(0, Ordering::Relaxed);
        s.done.store(0, Ordering::Relaxed);
        s.budget.store(ops, Ordering::Relaxed);
        s.grain
            .store((ops / (16 * t)).clamp(1, MAX_GRAIN), Ordering::Relaxed);
        // The barriers order these stores before the workers' loads.
        let start = Instant::now();
        s.start.wait();
        s.finish.wait();
        let elapsed = start.elapsed();
        let done = s.done.load(Ordering::Relaxed);
        assert_eq!(done, ops, "hash-parallel performed {done} ops, not {ops}");
        elapsed
    }
}

impl Drop for ParallelHash {
    fn drop(&mut self) {
        self.shared.quit.store(true, Ordering::Relaxed);
        self.shared.start.wait();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

fn worker(s: &Shared, buf: &[u8]) {
    loop {
        s.start.wait();
        if s.quit.load(Ordering::Relaxed) {
            return;
        }
        let budget = s.budget.load(Ordering::Relaxed);
        let grain = s.grain.load(Ordering::Relaxed);
        let mut mine = 0;
        loop {
            let first = s.next.fetch_add(grain, Ordering::Relaxed);
            if first >= budget {
                break;
            }
            let n = grain.min(budget - first);
            for _ in 0..n {
                black_box(digest(black_box(buf)));
            }
            mine += n;
        }
        s.done.fetch_add(mine, Ordering::Relaxed);
        s.finish.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_exactly_the_budget_repeatedly() {
        // `run` asserts that the ops performed equal the budget.
        for t in [1, 2, 3] {
            let mut p = ParallelHash::new(t, &crate::buffer(64));
            assert_eq!(p.threads(), t);
            for ops in [0, 1, 2, 5, 1000, 1601, 3] {
                p.run(ops);
            }
        }
    }

    #[test]
    fn more_ops_take_longer() {
        let mut p = ParallelHash::new(2, &crate::buffer(4096));
        let short = p.run(2);
        let long = p.run(4000);
        assert!(long > short, "{long:?} <= {short:?}");
    }
}

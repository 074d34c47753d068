//! Test 7: 2×CPUs threads hammer one shared Secret with `verify` while
//! others create, use and destroy their own; every answer is right, nothing
//! crashes, and at the end the shared data page is `---p` again.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

use super::vma_at;
use crate::Secret;

const VERIFIES_PER_THREAD: usize = 5000;
const SECRETS_PER_CHURNER: usize = 400;

fn cpus() -> usize {
    thread::available_parallelism().map_or(2, |n| n.get())
}

#[test]
fn shared_verify_while_others_churn() {
    let secret: Vec<u8> = (0u8..32).map(|i| i.wrapping_mul(37) ^ 0x5c).collect();
    let mut wrong = secret.clone();
    wrong[31] ^= 1;
    let shared = Secret::new(&secret).unwrap();
    let (base, pg, _) = shared.layout();
    let answers = AtomicU64::new(0);

    thread::scope(|scope| {
        for t in 0..2 * cpus() {
            let (shared, secret, wrong, answers) = (&shared, &secret, &wrong, &answers);
            scope.spawn(move || {
                for i in 0..VERIFIES_PER_THREAD {
                    let (candidate, expected): (&[u8], bool) = match (i + t) % 3 {
                        0 => (secret, true),
                        1 => (wrong, false),
                        _ => (&secret[..31], false),
                    };
                    assert_eq!(
                        shared.verify(candidate).unwrap(),
                        expected,
                        "thread {t} op {i}"
                    );
                    answers.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        for t in 0..cpus() {
            scope.spawn(move || {
                for i in 0..SECRETS_PER_CHURNER {
                    let mine = [(t * 31 + i) as u8; 24];
                    let own = Secret::new(&mine).unwrap();
                    assert!(own.verify(&mine).unwrap());
                    assert!(!own.verify(&[0; 24]).unwrap() || mine == [0; 24]);
                    own.destroy().unwrap();
                }
            });
        }
    });

    assert_eq!(
        answers.load(Ordering::Relaxed),
        (2 * cpus() * VERIFIES_PER_THREAD) as u64
    );
    let opens = shared.open_transitions();
    assert!(
        opens >= 1 && opens <= answers.load(Ordering::Relaxed),
        "{opens} open transitions"
    );
    let data = vma_at(base + pg).expect("shared data page still mapped");
    assert_eq!(
        data.perms, "---p",
        "shared data page after the storm: {data:?}"
    );
    shared.destroy().unwrap();
}

#[test]
fn shared_through_arc_across_threads() {
    let s = Arc::new(Secret::new(b"arc shared").unwrap());
    let handles: Vec<_> = (0..cpus())
        .map(|_| {
            let s = Arc::clone(&s);
            thread::spawn(move || (0..200).all(|_| s.verify(b"arc shared").unwrap()))
        })
        .collect();
    assert!(handles.into_iter().all(|h| h.join().unwrap()));
    // Moved to another thread and destroyed there: Secret is Send.
    let s = Arc::into_inner(s).unwrap();
    thread::spawn(move || s.destroy()).join().unwrap().unwrap();
}

#[test]
fn secret_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Secret>();
}

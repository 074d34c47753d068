//! Test 3: reading at rest, reading secret[n], reading the byte before the
//! data page and writing while opened read-only all fault (SIGSEGV in a
//! child process). A control child reads the secret's own bytes while
//! opened and exits cleanly, so a fault really comes from the bad address.

use std::time::Duration;

use super::{ChildEnd, in_child};
use crate::Secret;

const LIMIT: Duration = Duration::from_secs(20);

fn read(addr: usize) -> u8 {
    // SAFETY: none — these reads are meant to fault, in a child process.
    unsafe { std::ptr::read_volatile(addr as *const u8) }
}

fn write(addr: usize, b: u8) {
    // SAFETY: none — this write is meant to fault, in a child process.
    unsafe { std::ptr::write_volatile(addr as *mut u8, b) }
}

/// (secret, address of secret[0], n, page size, base)
fn fixture() -> (Secret, usize, usize, usize, usize) {
    let n = 32;
    let s = Secret::new(&[0xa5; 32]).unwrap();
    let (base, pg, len) = s.layout();
    assert_eq!(len, n);
    (s, base + 2 * pg - n, n, pg, base)
}

fn expect_segv(what: &str, body: impl FnOnce() -> i32) {
    assert_eq!(
        in_child(LIMIT, body),
        ChildEnd::Signaled(libc::SIGSEGV),
        "{what}"
    );
}

#[test]
fn control_reading_the_secret_while_opened_does_not_fault() {
    let (s, first, n, _, _) = fixture();
    let end = in_child(LIMIT, || {
        let Ok(opened) = s.open() else { return 3 };
        let ok = read(first) == 0xa5 && read(first + n - 1) == 0xa5;
        if opened.close().is_err() {
            return 4;
        }
        if ok { 0 } else { 5 }
    });
    assert_eq!(end, ChildEnd::Exited(0));
    s.destroy().unwrap();
}

#[test]
fn reading_at_rest_faults() {
    let (s, first, _, _, _) = fixture();
    expect_segv("read secret[0] at rest", || i32::from(read(first)) + 100);
    s.destroy().unwrap();
}

#[test]
fn reading_secret_n_faults() {
    let (s, first, n, _, _) = fixture();
    expect_segv("read secret[n] while opened", || {
        let _opened = s.open();
        i32::from(read(first + n)) + 100
    });
    s.destroy().unwrap();
}

#[test]
fn reading_the_byte_before_the_data_page_faults() {
    let (s, _, _, pg, base) = fixture();
    expect_segv("read data page - 1 while opened", || {
        let _opened = s.open();
        i32::from(read(base + pg - 1)) + 100
    });
    s.destroy().unwrap();
}

#[test]
fn writing_while_opened_read_only_faults() {
    let (s, first, _, _, _) = fixture();
    expect_segv("write secret[0] while opened", || {
        let _opened = s.open();
        write(first, 0);
        100
    });
    s.destroy().unwrap();
}

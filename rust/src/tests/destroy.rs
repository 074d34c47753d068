//! Tests 4 and 5: a corrupted canary is reported by destroy and a clean
//! destroy passes; destroy zeroes the page before munmap (seen through the
//! test hook) and is idempotent; drop destroys too.
//!
//! Use after destroy is made impossible by ownership (`destroy` takes
//! `self`); the `compile_fail` doc test on `Secret` shows the compiler
//! refusing it.

use std::time::Duration;

use super::{ChildEnd, in_child, is_mapped};
use crate::secret::destroy_hook;
use crate::{Error, Secret};

#[test]
fn clean_destroy_passes() {
    Secret::new(b"clean").unwrap().destroy().unwrap();
}

#[test]
fn corrupted_canary_is_reported() {
    let s = Secret::new(b"canary test").unwrap();
    let (base, pg, _) = s.layout();
    s.corrupt_canary();
    assert_eq!(s.destroy(), Err(Error::CanaryMismatch));
    // Still zeroed and unmapped despite the error.
    let page = destroy_hook::take().expect("destroy reached munmap");
    assert!(page.iter().all(|&b| b == 0));
    let _ = (base, pg); // the range may already be reused by another test thread
}

#[test]
fn destroy_zeroes_the_page_before_munmap() {
    let secret = [0xabu8; 100];
    let s = Secret::new(&secret).unwrap();
    let (base, pg, n) = s.layout();
    // The secret and the canary really are on the page before destroy.
    let opened = s.open().unwrap();
    // SAFETY: the page is PROT_READ while `opened` lives.
    let before = unsafe { std::slice::from_raw_parts((base + pg) as *const u8, pg) }.to_vec();
    opened.close().unwrap();
    assert_eq!(&before[pg - n..], &secret[..]);
    assert!(
        before[pg - n - 16..pg - n].iter().any(|&b| b != 0),
        "canary present"
    );
    assert!(destroy_hook::take().is_none());

    s.destroy().unwrap();
    let page = destroy_hook::take().expect("destroy reached munmap");
    assert_eq!(page.len(), pg);
    assert!(
        page.iter().all(|&b| b == 0),
        "page not zeroed before munmap"
    );
}

#[test]
fn destroy_is_idempotent() {
    let (first, second) = Secret::new(b"twice").unwrap().destroy_twice();
    assert_eq!(first, Ok(()));
    assert_eq!(second, Ok(()));
}

#[test]
fn drop_destroys_and_unmaps() {
    // In a single-threaded child, so no other test can map the range again
    // between the drop and the check.
    let end = in_child(Duration::from_secs(20), || {
        let Ok(s) = Secret::new(b"dropped") else {
            return 3;
        };
        let (base, pg, _) = s.layout();
        if !is_mapped(base, 3 * pg) {
            return 4;
        }
        drop(s);
        let zeroed = destroy_hook::take().is_some_and(|p| p.iter().all(|&b| b == 0));
        if !zeroed {
            return 5;
        }
        if is_mapped(base, 3 * pg) { 6 } else { 0 }
    });
    assert_eq!(end, ChildEnd::Exited(0));
}

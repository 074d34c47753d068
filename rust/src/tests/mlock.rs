//! Test 6: with RLIMIT_MEMLOCK = 0 and without CAP_IPC_LOCK (dropped in the
//! child, since root ignores the limit otherwise), construction returns the
//! mlock error naming RLIMIT_MEMLOCK and errno, leaks no mapping and no
//! lock, and does not hang.

use std::time::Duration;

use super::{ChildEnd, in_child, is_mapped, maps};
use crate::sys::mmap_hook;
use crate::{Call, Secret};

const CAP_IPC_LOCK: u32 = 14;
const CAP_VERSION_3: u32 = 0x2008_0522;

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// Drops CAP_IPC_LOCK from this thread's effective and permitted sets.
fn drop_ipc_lock() -> bool {
    let mut header = CapHeader {
        version: CAP_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: capget/capset with a v3 header and the two data structs v3 uses.
    unsafe {
        if libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) != 0 {
            return false;
        }
        data[0].effective &= !(1 << CAP_IPC_LOCK);
        data[0].permitted &= !(1 << CAP_IPC_LOCK);
        libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) == 0
    }
}

fn vm_locked_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmLck:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Mappings other than the heap (which reading /proc files may grow).
fn mappings() -> Vec<(usize, usize)> {
    maps()
        .into_iter()
        .filter(|v| v.path != "[heap]")
        .map(|v| (v.start, v.end))
        .collect()
}

#[test]
fn mlock_failure_is_reported_and_leaks_nothing() {
    let end = in_child(Duration::from_secs(30), || {
        let zero = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: sets this child's own limit.
        if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &zero) } != 0 {
            return 10;
        }
        if !drop_ipc_lock() {
            return 11;
        }
        let before = mappings();
        let err = match Secret::new(b"cannot be locked") {
            Ok(_) => return 12, // mlock succeeded: the capability is still there
            Err(e) => e,
        };
        if err.call() != Some(Call::Mlock) {
            return 13;
        }
        if !matches!(err.errno(), Some(libc::EPERM | libc::ENOMEM)) {
            return 14;
        }
        let text = err.to_string();
        if !text.contains("RLIMIT_MEMLOCK") || !text.contains("errno") {
            return 15;
        }
        let (base, len) = mmap_hook::last();
        if base == 0 || is_mapped(base, len) || mappings() != before {
            return 16; // the half-built mapping leaked
        }
        if vm_locked_kb() != Some(0) {
            return 17; // a lock is still held
        }
        // The error leaves the process usable: nothing is stuck.
        if Secret::new(b"again").is_ok() {
            return 18;
        }
        0
    });
    assert_eq!(
        end,
        ChildEnd::Exited(0),
        "10 setrlimit, 11 capset, 12 mlock succeeded, 13 wrong call, 14 wrong errno, \
         15 message, 16 leaked mapping, 17 lock held, 18 second attempt"
    );
}

#[test]
fn mlock_error_text_names_the_limit() {
    let e = crate::Error::os(Call::Mlock, "locking the data page", libc::EPERM);
    let text = e.to_string();
    assert!(text.contains("RLIMIT_MEMLOCK"), "{text}");
    assert!(text.contains("errno 1"), "{text}");
    assert_eq!(e.errno(), Some(libc::EPERM));
}

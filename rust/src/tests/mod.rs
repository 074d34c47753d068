//! suites/guarded-secret/kernel.md's test list, point by point, against the crate's insides.
//!
//! | suites/guarded-secret/kernel.md test                       | module        |
//! |--------------------------------------|---------------|
//! | 1. vectors, invalid lengths          | `vectors`     |
//! | 2. layout in maps / smaps            | `layout`      |
//! | 3. faults (child process)            | `faults`      |
//! | 4. canary, 5. zeroing, use after     | `destroy`     |
//! | 6. mlock failure (child process)     | `mlock`       |
//! | 7. concurrency                       | `concurrency` |
//! | 8. syscall count                     | `tests/secretops.rs` (needs the ops runner binary) |
//!
//! Use after destroy is made impossible by ownership; the `compile_fail`
//! doc test on [`Secret`](crate::Secret) shows it.

mod concurrency;
mod destroy;
mod faults;
mod layout;
mod mlock;
mod vectors;

use std::time::{Duration, Instant};

/// The project's test vectors.
pub(crate) fn vectors() -> serde_json::Value {
    serde_json::from_str(include_str!("../../../spec/vectors.json")).expect("vectors.json parses")
}

pub(crate) fn hex(s: &str) -> Vec<u8> {
    crate::workload::decode_hex(s).expect("hex in vectors.json")
}

/// One line of /proc/self/maps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Vma {
    pub start: usize,
    pub end: usize,
    pub perms: String,
    /// The pathname column ("[heap]", a file, or empty).
    pub path: String,
    /// VmFlags from /proc/self/smaps (empty when read from maps).
    pub flags: Vec<String>,
}

/// Every mapping of this process with its VmFlags, from /proc/self/smaps.
pub(crate) fn vmas() -> Vec<Vma> {
    parse_vmas(&std::fs::read_to_string("/proc/self/smaps").expect("reading /proc/self/smaps"))
}

/// Every mapping of this process, from the (smaller) /proc/self/maps.
pub(crate) fn maps() -> Vec<Vma> {
    parse_vmas(&std::fs::read_to_string("/proc/self/maps").expect("reading /proc/self/maps"))
}

fn parse_vmas(text: &str) -> Vec<Vma> {
    let mut out: Vec<Vma> = Vec::new();
    for line in text.lines() {
        if let Some(flags) = line.strip_prefix("VmFlags:") {
            if let Some(last) = out.last_mut() {
                last.flags = flags.split_whitespace().map(str::to_owned).collect();
            }
            continue;
        }
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        let Some((a, b)) = range.split_once('-') else {
            continue;
        };
        let (Ok(start), Ok(end)) = (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16))
        else {
            continue; // a "Key: value" line
        };
        // offset, device and inode, then the path (which may hold spaces)
        let path = fields.skip(3).collect::<Vec<_>>().join(" ");
        out.push(Vma {
            start,
            end,
            perms: perms.to_owned(),
            path,
            flags: Vec::new(),
        });
    }
    out
}

/// The mapping containing `addr`.
pub(crate) fn vma_at(addr: usize) -> Option<Vma> {
    vmas().into_iter().find(|v| v.start <= addr && addr < v.end)
}

/// How a child process ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ChildEnd {
    Exited(i32),
    Signaled(i32),
    TimedOut,
}

/// Runs `body` in a forked child and reports how it ended. The child's exit
/// status is `body`'s return value; core dumps are off and SIGSEGV has its
/// default action, so a fault ends it as `Signaled(SIGSEGV)`. A child still
/// running after `limit` is killed and reported as `TimedOut`.
///
/// `body` runs in a copy of a multi-threaded process with only this thread
/// alive; it must not wait for anything another test thread might hold.
pub(crate) fn in_child(limit: Duration, body: impl FnOnce() -> i32) -> ChildEnd {
    // Initialise the process-wide lazies here, so the child never finds one
    // half-initialised by a thread that does not exist on its side.
    crate::sys::page_size();
    crate::secret::canary().expect("drawing the canary");
    // SAFETY: fork has no memory-safety preconditions; the child only runs
    // `body` (see above) and then _exits without running destructors.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed: {}", std::io::Error::last_os_error());
    if pid == 0 {
        let no_core = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: plain syscalls on this (child) process's own settings.
        unsafe {
            libc::setrlimit(libc::RLIMIT_CORE, &no_core);
            libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
            libc::signal(libc::SIGSEGV, libc::SIG_DFL);
        }
        let code = body();
        // SAFETY: leaves the child at once, as a forked child should.
        unsafe { libc::_exit(code) };
    }
    let deadline = Instant::now() + limit;
    loop {
        let mut status = 0;
        // SAFETY: waits for our own child; `status` is a valid out-pointer.
        let rc = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        assert!(
            rc >= 0,
            "waitpid failed: {}",
            std::io::Error::last_os_error()
        );
        if rc == pid {
            if libc::WIFEXITED(status) {
                return ChildEnd::Exited(libc::WEXITSTATUS(status));
            }
            if libc::WIFSIGNALED(status) {
                return ChildEnd::Signaled(libc::WTERMSIG(status));
            }
        }
        if Instant::now() > deadline {
            // SAFETY: signals and reaps our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return ChildEnd::TimedOut;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether any byte of `addr..addr+len` is mapped (mincore answers ENOMEM
/// for an unmapped range).
pub(crate) fn is_mapped(addr: usize, len: usize) -> bool {
    let pg = crate::sys::page_size();
    let mut vec = vec![0u8; len.div_ceil(pg)];
    // SAFETY: mincore only reads the page tables; `vec` has one byte per page.
    let rc = unsafe { libc::mincore(addr as *mut libc::c_void, len, vec.as_mut_ptr()) };
    if rc == 0 {
        return true;
    }
    let errno = std::io::Error::last_os_error().raw_os_error();
    assert_eq!(errno, Some(libc::ENOMEM), "mincore failed unexpectedly");
    // ENOMEM means some page in the range is unmapped; check page by page.
    (0..len.div_ceil(pg)).any(|i| {
        // SAFETY: as above, one page at a time.
        unsafe { libc::mincore((addr + i * pg) as *mut libc::c_void, pg, vec.as_mut_ptr()) == 0 }
    })
}

//! The small `unsafe` core: the anonymous mapping and the few raw memory
//! operations the kernel needs. Everything above this module is safe code.
//!
//! Every function here returns the raw `errno` on failure; the caller turns
//! it into an [`Error`](crate::Error) that says what was being done.

use std::io;
use std::ptr::{self, NonNull};
use std::sync::OnceLock;
use std::sync::atomic::{Ordering, compiler_fence};

/// An `errno` value as the kernel reported it.
pub(crate) type Errno = i32;

fn last_errno() -> Errno {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// The page size, read from the system once.
pub(crate) fn page_size() -> usize {
    static PAGE: OnceLock<usize> = OnceLock::new();
    *PAGE.get_or_init(|| {
        // SAFETY: sysconf has no preconditions.
        let pg = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(pg).ok().filter(|&p| p > 0).unwrap_or(4096)
    })
}

/// `buf.len()` bytes from the kernel's random source (`getrandom(2)`).
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<(), Errno> {
    let mut done = 0;
    while done < buf.len() {
        let rest = &mut buf[done..];
        // SAFETY: `rest` is a valid, writable buffer of `rest.len()` bytes.
        let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if n < 0 {
            let e = last_errno();
            if e == libc::EINTR {
                continue;
            }
            return Err(e);
        }
        done += n as usize; // n >= 0 was checked just above
    }
    Ok(())
}

/// An anonymous private mapping, unmapped when dropped.
///
/// The mapping is owned: nothing else in the process knows its address, so
/// changing its protection or lock state cannot affect other Rust objects.
/// Reading or writing its bytes is `unsafe` because whether an access
/// faults depends on the protection the owner set.
#[derive(Debug)]
pub(crate) struct Mapping {
    base: NonNull<u8>,
    len: usize,
    mapped: bool,
}

impl Mapping {
    /// `mmap(len, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)`.
    pub(crate) fn anonymous(len: usize) -> Result<Mapping, Errno> {
        // SAFETY: a fresh anonymous mapping at an address the kernel picks
        // cannot overlap any memory the program already uses.
        let p = unsafe {
            libc::mmap(
                ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(last_errno());
        }
        let base = NonNull::new(p.cast::<u8>()).ok_or(libc::EINVAL)?;
        #[cfg(test)]
        mmap_hook::record(base.as_ptr() as usize, len);
        Ok(Mapping {
            base,
            len,
            mapped: true,
        })
    }

    /// The first byte of the mapping.
    pub(crate) fn base(&self) -> NonNull<u8> {
        self.base
    }

    /// A pointer `offset` bytes into the mapping; panics if out of range.
    pub(crate) fn at(&self, offset: usize) -> NonNull<u8> {
        assert!(offset < self.len, "offset outside the mapping");
        // SAFETY: offset < len, so the result stays inside the mapping.
        unsafe { self.base.add(offset) }
    }

    fn range(&self, offset: usize, len: usize) -> *mut libc::c_void {
        assert!(
            offset.checked_add(len).is_some_and(|end| end <= self.len),
            "range outside the mapping"
        );
        self.at(offset).as_ptr().cast()
    }

    /// `mprotect` on `len` bytes at `offset` (page aligned).
    pub(crate) fn protect(&self, offset: usize, len: usize, prot: i32) -> Result<(), Errno> {
        let p = self.range(offset, len);
        // SAFETY: the range lies inside this mapping, which this value owns.
        check(unsafe { libc::mprotect(p, len, prot) })
    }

    /// `madvise` on `len` bytes at `offset` (page aligned).
    pub(crate) fn advise(&self, offset: usize, len: usize, advice: i32) -> Result<(), Errno> {
        let p = self.range(offset, len);
        // SAFETY: as for `protect`; the advice values used do not discard data.
        check(unsafe { libc::madvise(p, len, advice) })
    }

    /// `mlock` on `len` bytes at `offset`.
    pub(crate) fn lock(&self, offset: usize, len: usize) -> Result<(), Errno> {
        let p = self.range(offset, len);
        // SAFETY: the range lies inside this mapping.
        check(unsafe { libc::mlock(p, len) })
    }

    /// `munlock` on `len` bytes at `offset`.
    pub(crate) fn unlock(&self, offset: usize, len: usize) -> Result<(), Errno> {
        let p = self.range(offset, len);
        // SAFETY: the range lies inside this mapping.
        check(unsafe { libc::munlock(p, len) })
    }

    /// `munmap` the whole mapping. Idempotent: a second call does nothing.
    pub(crate) fn unmap(&mut self) -> Result<(), Errno> {
        if !self.mapped {
            return Ok(());
        }
        // Whatever munmap answers, this value never touches the range again.
        self.mapped = false;
        // SAFETY: the mapping is ours and no reference into it outlives
        // this call: accessors hand out raw pointers only.
        check(unsafe { libc::munmap(self.base.as_ptr().cast(), self.len) })
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // Only reached on error paths and after an explicit unmap; the
        // error that led here is the one reported.
        let _ = self.unmap();
    }
}

fn check(rc: libc::c_int) -> Result<(), Errno> {
    if rc == 0 { Ok(()) } else { Err(last_errno()) }
}

/// Sets `len` bytes at `p` to zero with writes the optimiser must keep.
///
/// # Safety
/// `p..p+len` must be writable memory that nothing else accesses meanwhile.
pub(crate) unsafe fn zero(p: NonNull<u8>, len: usize) {
    let p = p.as_ptr();
    for i in 0..len {
        // SAFETY: i < len, and the caller promised the range is writable.
        unsafe { ptr::write_volatile(p.add(i), 0) };
    }
    // Keep later code (munlock/munmap) from being ordered before the zeroing.
    compiler_fence(Ordering::SeqCst);
}

/// Constant-time equality of `len` bytes at `p` with `candidate`.
///
/// A length mismatch returns false straight away (the length is not
/// secret); otherwise every byte is read, volatile, and XOR-OR folded with
/// no early exit.
///
/// # Safety
/// `p..p+len` must be readable memory that nothing writes meanwhile.
pub(crate) unsafe fn equal(p: NonNull<u8>, len: usize, candidate: &[u8]) -> bool {
    if candidate.len() != len {
        return false;
    }
    let p = p.as_ptr();
    let mut diff = 0u8;
    for (i, &c) in candidate.iter().enumerate() {
        // SAFETY: i < len, and the caller promised the range is readable.
        diff |= unsafe { ptr::read_volatile(p.add(i)) } ^ c;
    }
    std::hint::black_box(diff) == 0
}

/// Copies `bytes` to `p` (canary and secret at construction).
///
/// # Safety
/// `p..p+len` must be writable memory that nothing else accesses meanwhile.
pub(crate) unsafe fn write(p: NonNull<u8>, bytes: &[u8]) {
    // SAFETY: the caller promised `bytes.len()` writable bytes at `p`; a
    // caller's slice never overlaps our private mapping.
    unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), p.as_ptr(), bytes.len()) };
}

/// Test hook: where this thread's last [`Mapping::anonymous`] landed, so a
/// test can check that a failed construction unmapped it.
#[cfg(test)]
pub(crate) mod mmap_hook {
    use std::cell::Cell;

    thread_local! {
        static LAST: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    }

    /// (address, length) of the last mapping made on this thread.
    pub(crate) fn last() -> (usize, usize) {
        LAST.with(Cell::get)
    }

    pub(super) fn record(addr: usize, len: usize) {
        LAST.with(|l| l.set((addr, len)));
    }
}

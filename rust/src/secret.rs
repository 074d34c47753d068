//! [`Secret`]: n bytes on an mlocked, `PROT_NONE` page between two guard
//! pages, readable only inside a `verify`.
//!
//! Layout of the one three-page mapping (PG = page size at run time):
//!
//! ```text
//! base       guard page   PROT_NONE for the Secret's whole life
//! base+PG    data page    mlocked, MADV_DONTDUMP, PROT_NONE at rest
//!              [ zero … ][ canary: 16 bytes ][ secret: n bytes ]  ← right-aligned
//! base+2PG   guard page   PROT_NONE for the Secret's whole life
//! ```

use std::fmt;
use std::io::{self, Write};
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use crate::error::{Call, Error};
use crate::sys::{self, Mapping};

/// Bytes of canary in front of the secret.
const CANARY_LEN: usize = 16;

/// The longest secret this machine accepts: one page less the canary.
pub fn max_len() -> usize {
    sys::page_size() - CANARY_LEN
}

/// The process's canary: random, drawn once, shared by every Secret.
pub(crate) fn canary() -> Result<&'static [u8; CANARY_LEN], Error> {
    static CANARY: OnceLock<[u8; CANARY_LEN]> = OnceLock::new();
    if let Some(c) = CANARY.get() {
        return Ok(c);
    }
    let mut drawn = [0u8; CANARY_LEN];
    sys::fill_random(&mut drawn)
        .map_err(|e| Error::os(Call::Getrandom, "drawing the canary", e))?;
    // If another thread won the race its value stands; every Secret then
    // reads the same one through `get`.
    Ok(CANARY.get_or_init(|| drawn))
}

/// The three-page mapping with the secret in it. Dropping it destroys it.
struct Region {
    map: Mapping,
    pg: usize,
    len: usize,
    live: bool,
}

impl Region {
    /// Construction steps 1–5 of suites/guarded-secret/kernel.md, in order.
    fn build(secret: &[u8]) -> Result<Region, Error> {
        let pg = sys::page_size();
        let len = secret.len();
        if len == 0 || len > max_len() {
            return Err(Error::InvalidLength {
                len,
                max: max_len(),
            });
        }
        let canary = canary()?;

        // 1. From here until step 5 succeeds, dropping `map` unmaps it.
        let map = Mapping::anonymous(3 * pg)
            .map_err(|e| Error::os(Call::Mmap, "mapping the three pages", e))?;
        // 2.
        map.advise(pg, pg, libc::MADV_DONTDUMP)
            .map_err(|e| Error::os(Call::Madvise, "MADV_DONTDUMP on the data page", e))?;
        // 3. munmap on the error path also drops any lock.
        map.lock(pg, pg)
            .map_err(|e| Error::os(Call::Mlock, "locking the data page", e))?;
        let region = Region {
            map,
            pg,
            len,
            live: true,
        };
        // 4. The page is read-write and ours alone.
        // SAFETY: the canary and secret ranges lie inside the data page,
        // which is PROT_READ|PROT_WRITE until step 5.
        unsafe {
            sys::write(region.canary_ptr(), canary);
            sys::write(region.secret_ptr(), secret);
        }
        // 5.
        if let Err(e) = region.map.protect(0, 3 * pg, libc::PROT_NONE) {
            region.discard();
            return Err(Error::os(Call::Mprotect, "PROT_NONE on all three pages", e));
        }
        Ok(region)
    }

    /// Zeroes and releases a region whose construction failed at step 5.
    fn discard(mut self) {
        self.live = false;
        // mprotect may have applied to part of the range before failing.
        if self
            .map
            .protect(self.pg, self.pg, libc::PROT_READ | libc::PROT_WRITE)
            .is_ok()
        {
            // SAFETY: the data page was just made writable; no reader exists.
            unsafe { sys::zero(self.data_ptr(), self.pg) };
        }
        let _ = self.map.unlock(self.pg, self.pg);
        let _ = self.map.unmap();
    }

    fn data_ptr(&self) -> NonNull<u8> {
        self.map.at(self.pg)
    }

    fn secret_ptr(&self) -> NonNull<u8> {
        self.map.at(2 * self.pg - self.len)
    }

    fn canary_ptr(&self) -> NonNull<u8> {
        self.map.at(2 * self.pg - self.len - CANARY_LEN)
    }

    fn protect_data(&self, prot: i32) -> Result<(), sys::Errno> {
        self.map.protect(self.pg, self.pg, prot)
    }

    /// mprotect(READ|WRITE), check the canary, zero, munlock, munmap.
    ///
    /// Idempotent. Every step runs even if an earlier one failed (so the
    /// page is never left mapped); the first failure is returned.
    fn destroy(&mut self) -> Result<(), Error> {
        if !self.live {
            return Ok(());
        }
        self.live = false;
        let pg = self.pg;
        let mut first: Option<Error> = None;

        let writable = self.protect_data(libc::PROT_READ | libc::PROT_WRITE);
        if let Err(e) = writable {
            first = Some(Error::os(
                Call::Mprotect,
                "destroy: PROT_READ|PROT_WRITE",
                e,
            ));
        } else {
            let canary_ok = match canary() {
                // SAFETY: the data page is now readable and writable, and
                // destroy has exclusive access (it needs `&mut`).
                Ok(c) => unsafe { sys::equal(self.canary_ptr(), CANARY_LEN, c) },
                Err(_) => false, // unreachable: the canary was drawn at construction
            };
            if !canary_ok {
                first = Some(Error::CanaryMismatch);
            }
            // SAFETY: as above.
            unsafe { sys::zero(self.data_ptr(), pg) };
        }
        if let Err(e) = self.map.unlock(pg, pg) {
            first.get_or_insert(Error::os(
                Call::Munlock,
                "destroy: unlocking the data page",
                e,
            ));
        }
        #[cfg(test)]
        if writable.is_ok() {
            // SAFETY: still mapped and readable; unmapped just below.
            unsafe { destroy_hook::before_unmap(self.data_ptr(), pg) };
        }
        if let Err(e) = self.map.unmap() {
            first.get_or_insert(Error::os(Call::Munmap, "destroy: unmapping", e));
        }
        first.map_or(Ok(()), Err)
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        if let Err(e) = self.destroy() {
            // Drop cannot hand the error back. A canary mismatch means
            // something wrote memory it does not own; like a stack
            // protector, stop rather than carry on. Call
            // `Secret::destroy` to handle the error instead.
            let _ = writeln!(io::stderr(), "secret: destroy on drop failed: {e}");
            std::process::abort();
        }
    }
}

/// Reader count and open transitions, guarded by one mutex together with
/// the protection changes they cause.
#[derive(Default)]
struct Readers {
    inside: usize,
    opened: u64,
}

/// A secret on a guarded, locked page; see the module docs for the layout.
///
/// Share it between threads by reference (`std::thread::scope`) or in an
/// `Arc`: [`verify`](Secret::verify) takes `&self`. Destroy it with
/// [`destroy`](Secret::destroy) to see errors, or let it drop.
///
/// Use after destroy cannot be written: `destroy` takes `self`.
///
/// ```compile_fail
/// let s = secret::Secret::new(b"k").unwrap();
/// s.destroy().unwrap();
/// s.verify(b"k").unwrap(); // error[E0382]: borrow of moved value: `s`
/// ```
pub struct Secret {
    region: Region,
    readers: Mutex<Readers>,
}

// SAFETY: a Secret owns its mapping outright: no pointer into it leaves this
// module, so moving the Secret moves the only access. A mapping has no thread
// affinity (mprotect, munlock and munmap work from any thread).
unsafe impl Send for Secret {}

// SAFETY: through `&Secret` the mapping is only read, and only by `verify`
// between `open` and `close`. Those two change the reader count and the data
// page's protection together under `readers`' mutex, so whenever a reader is
// between them the count is > 0 and the page is PROT_READ. Nothing writes the
// page through `&Secret`; destroy needs `self` (or drop), so no reader can be
// inside then. The mutex is what makes the shared type `Sync`; a lock-free
// count with mprotect outside a critical section would not be.
unsafe impl Sync for Secret {}

impl Secret {
    /// Copies `secret` (1 ..= [`max_len`] bytes) onto a fresh guarded page.
    ///
    /// The caller's buffer is not referenced afterwards; wiping it is the
    /// caller's business.
    pub fn new(secret: &[u8]) -> Result<Secret, Error> {
        Ok(Secret {
            region: Region::build(secret)?,
            readers: Mutex::new(Readers::default()),
        })
    }

    /// Constant-time comparison of `candidate` with the secret.
    ///
    /// Opens the data page read-only (if no other reader has), compares
    /// over the whole length in place, closes it again. A sequential call is
    /// exactly two `mprotect` calls. A length mismatch is `Ok(false)`.
    pub fn verify(&self, candidate: &[u8]) -> Result<bool, Error> {
        let opened = self.open()?;
        // SAFETY: while `opened` lives the data page is PROT_READ (see the
        // Sync note) and nothing writes it.
        let equal = unsafe { sys::equal(self.region.secret_ptr(), self.region.len, candidate) };
        opened.close()?;
        Ok(equal)
    }

    /// How many times the data page went from no reader to one reader
    /// (each such open is one `mprotect(READ)`, and its close one
    /// `mprotect(NONE)`).
    pub fn open_transitions(&self) -> u64 {
        self.lock_readers().opened
    }

    /// Destroys the secret: checks the canary, zeroes the page, unlocks and
    /// unmaps it. Reports a canary mismatch as [`Error::CanaryMismatch`]
    /// (the page is still zeroed and unmapped).
    pub fn destroy(mut self) -> Result<(), Error> {
        self.region.destroy()
    }

    fn lock_readers(&self) -> MutexGuard<'_, Readers> {
        // Nothing panics while the lock is held, so poisoning cannot
        // happen; if it did, the count is still consistent.
        self.readers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Kernel.md's open: under the mutex, count the reader in and make the
    /// page readable on the 0 → 1 transition.
    pub(crate) fn open(&self) -> Result<Opened<'_>, Error> {
        let mut r = self.lock_readers();
        if r.inside == 0 {
            self.region
                .protect_data(libc::PROT_READ)
                .map_err(|e| Error::os(Call::Mprotect, "open: PROT_READ on the data page", e))?;
            r.opened += 1;
        }
        r.inside += 1;
        Ok(Opened { secret: self })
    }

    /// Kernel.md's close: under the mutex, count the reader out and make
    /// the page inaccessible on the 1 → 0 transition.
    fn close(&self) -> Result<(), Error> {
        let mut r = self.lock_readers();
        r.inside -= 1;
        if r.inside == 0 {
            self.region
                .protect_data(libc::PROT_NONE)
                .map_err(|e| Error::os(Call::Mprotect, "close: PROT_NONE on the data page", e))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret").finish_non_exhaustive()
    }
}

/// One reader inside the data page; closing it is the matching close.
///
/// Use [`close`](Opened::close) to see a failed `mprotect(NONE)`. If the
/// guard is dropped instead (only on unwinding) and the page cannot be made
/// inaccessible again, the process aborts rather than leave it readable.
pub(crate) struct Opened<'a> {
    secret: &'a Secret,
}

impl Opened<'_> {
    pub(crate) fn close(self) -> Result<(), Error> {
        let this = ManuallyDrop::new(self);
        this.secret.close()
    }
}

impl Drop for Opened<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.secret.close() {
            let _ = writeln!(io::stderr(), "secret: close on drop failed: {e}");
            std::process::abort();
        }
    }
}

/// What tests can see of a Secret's insides.
#[cfg(test)]
impl Secret {
    /// (base address, page size, secret length).
    pub(crate) fn layout(&self) -> (usize, usize, usize) {
        let r = &self.region;
        (r.map.base().as_ptr() as usize, r.pg, r.len)
    }

    /// Flips one canary byte, leaving the page PROT_NONE again.
    pub(crate) fn corrupt_canary(&self) {
        let r = &self.region;
        r.protect_data(libc::PROT_READ | libc::PROT_WRITE).unwrap();
        // SAFETY: the page was just made writable; tests call this with no
        // reader inside.
        unsafe {
            let p = r.canary_ptr().as_ptr();
            p.write_volatile(p.read_volatile() ^ 0x5a);
        }
        r.protect_data(libc::PROT_NONE).unwrap();
    }

    /// Runs destroy twice in place: the second must be a no-op.
    pub(crate) fn destroy_twice(mut self) -> (Result<(), Error>, Result<(), Error>) {
        let first = self.region.destroy();
        (first, self.region.destroy())
    }
}

/// Test hook: a copy of the data page taken by destroy right before munmap.
#[cfg(test)]
pub(crate) mod destroy_hook {
    use std::cell::RefCell;
    use std::ptr::NonNull;

    thread_local! {
        static SEEN: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
    }

    /// The page the last destroy on this thread saw before unmapping.
    pub(crate) fn take() -> Option<Vec<u8>> {
        SEEN.with(|s| s.borrow_mut().take())
    }

    /// # Safety
    /// `p..p+len` must be readable.
    pub(super) unsafe fn before_unmap(p: NonNull<u8>, len: usize) {
        // SAFETY: the caller promised `len` readable bytes at `p`.
        let page = unsafe { std::slice::from_raw_parts(p.as_ptr(), len) }.to_vec();
        SEEN.with(|s| *s.borrow_mut() = Some(page));
    }
}

//! The C ABI of `include/benchnorm_secret.h`, exported by the `cdylib`
//! (`target/release/libsecret.so`, copied to
//! `build/interop/libbenchnorm_secret_rust.so`).
//!
//! Nothing here re-implements the kernel: each export resolves a handle and
//! calls [`Secret`] or the floor page of [`crate::workload`], the one the
//! Rust floor benchmark uses.
//!
//! Handles. Each live Secret (floor page) sits in a map from its handle,
//! behind a `RwLock`. A verify holds the read side for the whole call, so
//! destroy, which removes the Secret under the write side, waits for
//! verifies in progress and then owns it outright (`Secret::destroy` takes
//! `self`). A handle is `(sequence << 1) | kind` with the sequence never
//! reused, so a handle that was issued but is no longer in its map is
//! "destroyed" and anything else is a bad handle. The encoding is private:
//! the header calls handles opaque.
//!
//! Errors. Every export returns 0, the errno of a failed system call, or a
//! negative `BN_ERR_*` code, and records a message for the calling thread
//! (a thread-local; only failing calls write it). A panic is caught at the
//! boundary and becomes `BN_ERR_INTERNAL`: nothing unwinds into C.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_char, c_int};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::error::Error;
use crate::secret::{Secret, max_len};
use crate::workload::FloorPage;

/// `BN_ABI_VERSION`.
pub const ABI_VERSION: u32 = 1;

/// The negative return codes of the header.
pub mod code {
    use std::ffi::c_int;

    pub const OK: c_int = 0;
    pub const LENGTH: c_int = -1;
    pub const DESTROYED: c_int = -2;
    pub const CANARY: c_int = -3;
    pub const BAD_HANDLE: c_int = -4;
    pub const NULL: c_int = -5;
    pub const INTERNAL: c_int = -6;
}

/// `bn_handle`.
pub type Handle = u64;

const FLOOR_KIND: u64 = 0;
const SECRET_KIND: u64 = 1;

/// The last sequence number handed out.
static ISSUED: AtomicU64 = AtomicU64::new(0);

/// Live objects of one kind by handle.
struct Table<T> {
    kind: u64,
    items: LazyLock<RwLock<HashMap<Handle, T>>>,
}

impl<T> Table<T> {
    const fn new(kind: u64) -> Table<T> {
        Table {
            kind,
            items: LazyLock::new(|| RwLock::new(HashMap::new())),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, HashMap<Handle, T>> {
        // A panic caught at the boundary may poison the lock; the map
        // itself is never left half-updated.
        self.items.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<Handle, T>> {
        self.items.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn add(&self, item: T) -> Handle {
        let h = (ISSUED.fetch_add(1, Ordering::Relaxed) + 1) << 1 | self.kind;
        self.write().insert(h, item);
        h
    }

    /// Whether `h` was issued for this kind (and so, if it is not in the
    /// map, was destroyed).
    fn issued(&self, h: Handle) -> bool {
        h != 0 && h & 1 == self.kind && h >> 1 <= ISSUED.load(Ordering::Relaxed)
    }

    /// The failure for a handle that is not in the map.
    fn missing(&self, h: Handle) -> Failure {
        if self.issued(h) {
            Failure::new(code::DESTROYED, format!("handle {h:#x} was destroyed"))
        } else {
            Failure::new(
                code::BAD_HANDLE,
                format!("handle {h:#x} was not issued by this library for this kind of object"),
            )
        }
    }

    /// Removes `h`; `Ok(None)` if it was issued and removed before.
    fn take(&self, h: Handle) -> Result<Option<T>, Failure> {
        match self.write().remove(&h) {
            Some(item) => Ok(Some(item)),
            None if self.issued(h) => Ok(None),
            None => Err(self.missing(h)),
        }
    }
}

static SECRETS: Table<Secret> = Table::new(SECRET_KIND);
static FLOORS: Table<FloorPage> = Table::new(FLOOR_KIND);

/// A failed call: its return code and message.
#[derive(Debug)]
struct Failure {
    code: c_int,
    message: String,
}

impl Failure {
    fn new(code: c_int, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    fn null(what: &str) -> Failure {
        Failure::new(code::NULL, format!("{what}: required pointer is NULL"))
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let code = match &e {
            Error::InvalidLength { .. } => code::LENGTH,
            Error::CanaryMismatch => code::CANARY,
            Error::Os { errno, .. } if *errno > 0 => *errno,
            _ => code::INTERNAL,
        };
        Failure::new(code, e.to_string())
    }
}

thread_local! {
    /// This thread's most recent error message.
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

fn record(function: &str, message: impl fmt::Display) {
    let text = format!("{function}: {message}");
    LAST_ERROR.with(|m| *m.borrow_mut() = text);
}

/// Runs an export's body: catches panics, records failures, returns the
/// code.
fn boundary(function: &str, body: impl FnOnce() -> Result<(), Failure>) -> c_int {
    match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => code::OK,
        Ok(Err(f)) => {
            record(function, &f.message);
            f.code
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_owned());
            record(function, format_args!("internal error: {what}"));
            code::INTERNAL
        }
    }
}

/// The `len` bytes at `p` (`p` may be NULL only when `len` is 0).
///
/// # Safety
/// A non-NULL `p` must be valid for reads of `len` bytes that nobody writes
/// for the lifetime the caller picks.
unsafe fn bytes_at<'a>(p: *const u8, len: usize, what: &str) -> Result<&'a [u8], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Failure::null(what));
    }
    // SAFETY: non-NULL, and the caller promised `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// `uint32_t bn_abi_version(void)`
#[unsafe(no_mangle)]
pub extern "C" fn bn_abi_version() -> u32 {
    ABI_VERSION
}

/// `size_t bn_max_len(void)`
#[unsafe(no_mangle)]
pub extern "C" fn bn_max_len() -> usize {
    max_len()
}

/// `int bn_secret_new(const uint8_t *data, size_t len, bn_handle *out)`
///
/// # Safety
/// `data` must be valid for `len` bytes (or NULL with `len` 0), `out` NULL
/// or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_secret_new(data: *const u8, len: usize, out: *mut Handle) -> c_int {
    boundary("bn_secret_new", || {
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        if len == 0 || len > max_len() {
            // Checked before any slice is built over `data`.
            return Err(Error::InvalidLength {
                len,
                max: max_len(),
            }
            .into());
        }
        // SAFETY: the caller's promise for `data`; the slice is only read
        // by `Secret::new`, which copies it.
        let data = unsafe { bytes_at(data, len, "data") }?;
        let h = SECRETS.add(Secret::new(data)?);
        // SAFETY: `out` is non-NULL and, by the caller's promise, writable.
        unsafe { out.write(h) };
        Ok(())
    })
}

/// `int bn_secret_verify(bn_handle, const uint8_t *candidate, size_t len, int *equal)`
///
/// # Safety
/// `candidate` must be valid for `len` bytes (or NULL with `len` 0),
/// `equal` NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_secret_verify(
    h: Handle,
    candidate: *const u8,
    len: usize,
    equal: *mut c_int,
) -> c_int {
    boundary("bn_secret_verify", || {
        if equal.is_null() {
            return Err(Failure::null("equal"));
        }
        // SAFETY: the caller's promise for `candidate`, for this call only.
        let candidate = unsafe { bytes_at(candidate, len, "candidate") }?;
        let secrets = SECRETS.read();
        let secret = secrets.get(&h).ok_or_else(|| SECRETS.missing(h))?;
        let same = secret.verify(candidate)?;
        drop(secrets);
        // SAFETY: `equal` is non-NULL and, by the caller's promise, writable.
        unsafe { equal.write(c_int::from(same)) };
        Ok(())
    })
}

/// `int bn_secret_open_transitions(bn_handle, uint64_t *out)`
///
/// # Safety
/// `out` must be NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_secret_open_transitions(h: Handle, out: *mut u64) -> c_int {
    boundary("bn_secret_open_transitions", || {
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        let secrets = SECRETS.read();
        let secret = secrets.get(&h).ok_or_else(|| SECRETS.missing(h))?;
        let opened = secret.open_transitions();
        drop(secrets);
        // SAFETY: `out` is non-NULL and, by the caller's promise, writable.
        unsafe { out.write(opened) };
        Ok(())
    })
}

/// `int bn_secret_destroy(bn_handle)`
#[unsafe(no_mangle)]
pub extern "C" fn bn_secret_destroy(h: Handle) -> c_int {
    boundary("bn_secret_destroy", || {
        // Taking the write side waited for every verify in progress.
        match SECRETS.take(h)? {
            Some(secret) => Ok(secret.destroy()?),
            None => Ok(()), // destroyed before: idempotent
        }
    })
}

/// `int bn_floor_new(bn_handle *out)`
///
/// # Safety
/// `out` must be NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_floor_new(out: *mut Handle) -> c_int {
    boundary("bn_floor_new", || {
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        let h = FLOORS.add(FloorPage::new()?);
        // SAFETY: `out` is non-NULL and, by the caller's promise, writable.
        unsafe { out.write(h) };
        Ok(())
    })
}

/// `int bn_floor_op(bn_handle)`
#[unsafe(no_mangle)]
pub extern "C" fn bn_floor_op(h: Handle) -> c_int {
    boundary("bn_floor_op", || {
        let floors = FLOORS.read();
        let page = floors.get(&h).ok_or_else(|| FLOORS.missing(h))?;
        Ok(page.cycle()?)
    })
}

/// `int bn_floor_free(bn_handle)`
#[unsafe(no_mangle)]
pub extern "C" fn bn_floor_free(h: Handle) -> c_int {
    boundary("bn_floor_free", || match FLOORS.take(h)? {
        Some(page) => Ok(page.close()?),
        None => Ok(()),
    })
}

/// `size_t bn_last_error(char *buf, size_t len)`
///
/// # Safety
/// `buf` must be NULL or valid for writes of `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bn_last_error(buf: *mut c_char, len: usize) -> usize {
    LAST_ERROR.with(|m| {
        let message = m.borrow();
        if !buf.is_null() && len > 0 {
            let n = message.len().min(len - 1);
            // SAFETY: `buf` is valid for `len` > `n` bytes (caller's
            // promise) and cannot overlap our own String.
            unsafe {
                std::ptr::copy_nonoverlapping(message.as_ptr(), buf.cast::<u8>(), n);
                buf.add(n).write(0);
            }
        }
        message.len()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_error() -> String {
        let mut buf = [0 as c_char; 256];
        // SAFETY: `buf` is 256 writable bytes.
        let n = unsafe { bn_last_error(buf.as_mut_ptr(), buf.len()) };
        let bytes: Vec<u8> = buf[..n.min(255)].iter().map(|&c| c as u8).collect();
        String::from_utf8(bytes).unwrap()
    }

    fn new_secret(data: &[u8]) -> (c_int, Handle) {
        let mut h = 0;
        // SAFETY: `data` and `h` are valid.
        let rc = unsafe { bn_secret_new(data.as_ptr(), data.len(), &mut h) };
        (rc, h)
    }

    fn verify(h: Handle, candidate: &[u8]) -> (c_int, c_int) {
        let mut equal = -1;
        // SAFETY: `candidate` and `equal` are valid.
        let rc = unsafe { bn_secret_verify(h, candidate.as_ptr(), candidate.len(), &mut equal) };
        (rc, equal)
    }

    #[test]
    fn a_secret_through_the_abi() {
        assert_eq!(bn_abi_version(), 1);
        assert_eq!(bn_max_len(), max_len());
        let (rc, h) = new_secret(b"hunter2");
        assert_eq!(rc, code::OK);
        assert_ne!(h, 0);
        assert_eq!(verify(h, b"hunter2"), (code::OK, 1));
        assert_eq!(verify(h, b"hunter3"), (code::OK, 0));
        assert_eq!(verify(h, b""), (code::OK, 0));
        let mut opened = 0;
        // SAFETY: `opened` is valid.
        assert_eq!(unsafe { bn_secret_open_transitions(h, &mut opened) }, 0);
        assert_eq!(opened, 3);
        assert_eq!(bn_secret_destroy(h), code::OK);
        assert_eq!(bn_secret_destroy(h), code::OK, "destroy is idempotent");
        assert_eq!(verify(h, b"hunter2"), (code::DESTROYED, -1));
        assert!(last_error().contains("destroyed"), "{}", last_error());
    }

    #[test]
    fn errors_have_codes_and_messages_without_the_secret() {
        assert_eq!(new_secret(b"").0, code::LENGTH);
        assert!(last_error().starts_with("bn_secret_new: secret length 0"));
        assert_eq!(new_secret(&vec![7; max_len() + 1]).0, code::LENGTH);
        let mut h = 0;
        // SAFETY: NULL data with a non-zero length is refused, not read.
        let rc = unsafe { bn_secret_new(std::ptr::null(), 4, &mut h) };
        assert_eq!(rc, code::NULL);
        // SAFETY: NULL out is refused.
        let rc = unsafe { bn_secret_new(b"k".as_ptr(), 1, std::ptr::null_mut()) };
        assert_eq!(rc, code::NULL);
        assert_eq!(verify(0, b"x").0, code::BAD_HANDLE);
        assert_eq!(verify(u64::MAX, b"x").0, code::BAD_HANDLE);

        let (_, s) = new_secret(b"swordfish");
        // SAFETY: NULL equal is refused.
        let rc = unsafe { bn_secret_verify(s, b"x".as_ptr(), 1, std::ptr::null_mut()) };
        assert_eq!(rc, code::NULL);
        assert!(!last_error().contains("swordfish"));
        let mut f = 0;
        // SAFETY: `f` is valid.
        assert_eq!(unsafe { bn_floor_new(&mut f) }, code::OK);
        assert_eq!(
            verify(f, b"x").0,
            code::BAD_HANDLE,
            "a floor is not a Secret"
        );
        assert_eq!(bn_floor_op(s), code::BAD_HANDLE, "a Secret is not a floor");
        assert_eq!(bn_floor_op(f), code::OK);
        assert_eq!(bn_floor_free(f), code::OK);
        assert_eq!(bn_floor_free(f), code::OK);
        assert_eq!(bn_floor_op(f), code::DESTROYED);
        assert_eq!(bn_secret_destroy(s), code::OK);
    }

    #[test]
    fn messages_are_per_thread_and_truncated_like_snprintf() {
        assert_eq!(verify(0, b"x").0, code::BAD_HANDLE);
        let here = last_error();
        std::thread::spawn(|| {
            assert_eq!(last_error(), "", "a new thread has no message");
            assert_eq!(new_secret(b"").0, code::LENGTH);
        })
        .join()
        .unwrap();
        assert_eq!(last_error(), here);
        let mut small = [1 as c_char; 4];
        // SAFETY: `small` is 4 writable bytes.
        let full = unsafe { bn_last_error(small.as_mut_ptr(), small.len()) };
        assert_eq!(full, here.len());
        assert_eq!(small[3], 0);
        // SAFETY: NULL buf asks for the length only.
        let full = unsafe { bn_last_error(std::ptr::null_mut(), 0) };
        assert_eq!(full, here.len());
    }

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let rc = boundary("test", || panic!("boom"));
        assert_eq!(rc, code::INTERNAL);
        assert_eq!(last_error(), "test: internal error: boom");
    }
}

//! benchnorm's guarded-secret kernel in Rust (the contract is
//! `suites/guarded-secret/kernel.md`).
//!
//! A [`Secret`] keeps n bytes on an mlocked, `MADV_DONTDUMP` page that is
//! `PROT_NONE` except inside [`Secret::verify`], between two guard pages
//! that never become accessible. Readers share the page through a mutex-held
//! reader count: the first reader in makes it readable, the last one out
//! makes it inaccessible again, each transition together with its
//! `mprotect` under the mutex.
//!
//! ```
//! let s = secret::Secret::new(b"hunter2").unwrap();
//! assert!(s.verify(b"hunter2").unwrap());
//! assert!(!s.verify(b"hunter3").unwrap());
//! s.destroy().unwrap();
//! ```
//!
//! All `unsafe` code sits in the private `sys` module (syscalls, volatile
//! reads and writes), the `Send`/`Sync` impls of [`Secret`] and of the
//! floor page, and the C ABI in [`capi`] (raw pointers from C callers),
//! each with its justification.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod capi;
mod error;
mod secret;
mod sys;
pub mod workload;

pub use error::{Call, Error};
pub use secret::{Secret, max_len};

#[cfg(test)]
mod tests;

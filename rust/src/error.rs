//! What can go wrong, with the `errno` and the step that failed.
//!
//! No variant carries secret bytes, so neither `Display` nor `Debug` can
//! print them.

use std::fmt;
use std::io;

/// The system call that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    Mmap,
    Madvise,
    Mlock,
    Mprotect,
    Munlock,
    Munmap,
    Getrandom,
}

impl Call {
    /// The call's name as in its man page.
    pub fn name(self) -> &'static str {
        match self {
            Call::Mmap => "mmap",
            Call::Madvise => "madvise",
            Call::Mlock => "mlock",
            Call::Mprotect => "mprotect",
            Call::Munlock => "munlock",
            Call::Munmap => "munmap",
            Call::Getrandom => "getrandom",
        }
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error from the secret kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The secret's length is outside `1..=max` (`max` = page size − 16).
    InvalidLength { len: usize, max: usize },
    /// A system call failed; `step` says what it was doing.
    Os {
        call: Call,
        step: &'static str,
        errno: i32,
    },
    /// Destroy found the canary in front of the secret overwritten. The
    /// page was still zeroed and unmapped.
    CanaryMismatch,
}

impl Error {
    pub(crate) fn os(call: Call, step: &'static str, errno: i32) -> Error {
        Error::Os { call, step, errno }
    }

    /// The `errno` of a failed system call, if that is what this is.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Error::Os { errno, .. } => Some(*errno),
            _ => None,
        }
    }

    /// The system call that failed, if that is what this is.
    pub fn call(&self) -> Option<Call> {
        match self {
            Error::Os { call, .. } => Some(*call),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidLength { len, max } => {
                write!(f, "secret length {len} is outside 1..={max}")
            }
            Error::Os { call, step, errno } => {
                write!(
                    f,
                    "{call} failed ({step}): errno {errno}, {}",
                    describe(*errno)
                )?;
                if *call == Call::Mlock {
                    write!(
                        f,
                        "; the data page cannot be locked: raise RLIMIT_MEMLOCK \
                         (ulimit -l) or grant CAP_IPC_LOCK"
                    )?;
                }
                Ok(())
            }
            Error::CanaryMismatch => f.write_str(
                "canary mismatch on destroy: memory in front of the secret was overwritten",
            ),
        }
    }
}

impl std::error::Error for Error {}

/// The C library's text for `errno`, without std's " (os error N)" suffix.
fn describe(errno: i32) -> String {
    let text = io::Error::from_raw_os_error(errno).to_string();
    match text.rfind(" (os error ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

//! The barrier pair of the sleep handshake, split so that producers pay almost nothing.
//!
//! A producer publishes a value and then reads the consumer's sleep flag. The consumer
//! sets the flag and then reads the tails. Each side needs a full barrier between its
//! store and its load, or both can miss the other's store and the consumer sleeps on a
//! queued signal. Producers push on every signal and the consumer parks rarely, so the
//! consumer pays: before it reads the tails it runs a process-wide barrier, which makes
//! every core running one of this process's threads complete its earlier stores.
//! Producers then only need to keep the compiler from reordering their store and load.
//! The two sides together give the same order as two full barriers.
//!
//! The process-wide barrier is `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` on Linux
//! and `FlushProcessWriteBuffers` on Windows. Where neither is available (another
//! system, a kernel or sandbox without membarrier, Wine, whose `FlushProcessWriteBuffers`
//! is a stub in Wine 8, or Miri) both sides use an ordinary full fence. Under loom both
//! sides make a read-modify-write on one shared atomic, which loom orders the same way.

#[cfg(not(loom))]
use std::sync::atomic::{compiler_fence, fence, Ordering};
#[cfg(not(loom))]
use std::sync::OnceLock;

/// The kind of barrier pair this process uses, chosen once before the first queue exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Producers use a compiler fence, the consumer a process-wide barrier.
    #[cfg_attr(loom, allow(dead_code))]
    Asymmetric,
    /// Both sides use a full fence.
    Symmetric,
}

/// The barrier pair of one queue.
#[derive(Debug)]
pub(crate) struct Barriers {
    #[cfg_attr(loom, allow(dead_code))]
    kind: Kind,
    /// The atomic that both sides update under loom, in place of the barriers.
    #[cfg(loom)]
    order: loom::sync::atomic::AtomicU64,
}

impl Barriers {
    /// Returns the pair of this process, and sets it up on the first call.
    pub(crate) fn new() -> Self {
        Barriers {
            kind: kind(),
            #[cfg(loom)]
            order: loom::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Runs the producer's side, which orders its earlier stores before its later loads.
    #[inline(always)]
    pub(crate) fn light(&self) {
        #[cfg(not(loom))]
        match self.kind {
            Kind::Asymmetric => compiler_fence(Ordering::SeqCst),
            Kind::Symmetric => fence(Ordering::SeqCst),
        }
        #[cfg(loom)]
        self.order
            .fetch_add(1, loom::sync::atomic::Ordering::AcqRel);
    }

    /// Runs the consumer's side. Returns false when the process-wide barrier failed, so
    /// the consumer cannot rely on a wake-up and must not sleep for long.
    pub(crate) fn heavy(&self) -> bool {
        #[cfg(not(loom))]
        match self.kind {
            Kind::Asymmetric => os::flush_all_cores(),
            Kind::Symmetric => {
                fence(Ordering::SeqCst);
                true
            }
        }
        #[cfg(loom)]
        {
            self.order
                .fetch_add(1, loom::sync::atomic::Ordering::AcqRel);
            true
        }
    }
}

#[cfg(not(loom))]
fn kind() -> Kind {
    static CHOSEN: OnceLock<Kind> = OnceLock::new();
    *CHOSEN.get_or_init(|| {
        if cfg!(miri) || !os::register() {
            Kind::Symmetric
        } else {
            Kind::Asymmetric
        }
    })
}

#[cfg(loom)]
fn kind() -> Kind {
    Kind::Symmetric
}

#[cfg(all(target_os = "linux", not(loom)))]
mod os {
    const MEMBARRIER_CMD_QUERY: libc::c_long = 0;
    const MEMBARRIER_CMD_PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
    const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;

    fn membarrier(command: libc::c_long) -> libc::c_long {
        // SAFETY: membarrier takes a command, a flags word and a CPU id, and touches no
        // memory of the caller. An unknown command fails with EINVAL.
        unsafe {
            libc::syscall(
                libc::SYS_membarrier,
                command,
                0 as libc::c_long,
                0 as libc::c_long,
            )
        }
    }

    /// Registers the process for expedited private barriers. Returns false when the
    /// kernel or a seccomp filter does not offer them.
    pub(super) fn register() -> bool {
        let supported = membarrier(MEMBARRIER_CMD_QUERY);
        if supported < 0 || supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED == 0 {
            return false;
        }
        membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0
    }

    pub(super) fn flush_all_cores() -> bool {
        membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0
    }
}

#[cfg(all(windows, not(loom)))]
mod os {
    use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
    use windows_sys::Win32::System::Threading::FlushProcessWriteBuffers;

    /// Returns true on Windows itself. Wine exports `wine_get_version` from its ntdll,
    /// and its `FlushProcessWriteBuffers` is a stub that returns at once in Wine 8, so
    /// Wine gets full fences.
    pub(super) fn register() -> bool {
        let ntdll: Vec<u16> = "ntdll.dll\0".encode_utf16().collect();
        // SAFETY: the name is a NUL-terminated UTF-16 string that outlives the call, and
        // ntdll is loaded in every Windows process, so the handle stays valid.
        let module = unsafe { GetModuleHandleW(ntdll.as_ptr()) };
        if module.is_null() {
            return false;
        }
        // SAFETY: the module handle is valid and the name is a NUL-terminated string.
        let wine = unsafe { GetProcAddress(module, c"wine_get_version".as_ptr().cast()) };
        wine.is_none()
    }

    pub(super) fn flush_all_cores() -> bool {
        // SAFETY: the function takes no arguments and returns nothing, so the call has
        // no pointer or handle that could be invalid.
        unsafe { FlushProcessWriteBuffers() };
        true
    }
}

#[cfg(all(not(target_os = "linux"), not(windows), not(loom)))]
mod os {
    pub(super) fn register() -> bool {
        false
    }

    pub(super) fn flush_all_cores() -> bool {
        true
    }
}

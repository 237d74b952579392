//! Fault injection for the durability tests: one armed fault, fired at the n-th
//! matching I/O step under a chosen directory.
//!
//! Every file operation of the state write, backup, restore and janitor paths goes
//! through [`crate::store::fsio`] or, for SQLite, through the VFS named
//! [`VFS_NAME`]; both ask [`check`] before each step. A test arms a fault with
//! [`arm`], runs an operation, and calls [`disarm`] to learn whether the fault
//! fired; repeating with `after = 0, 1, 2, ...` until it no longer fires visits
//! every step. Unarmed, [`check`] costs one relaxed atomic load. The plan is
//! process-wide, so tests that arm it must not run concurrently with each other.

use parking_lot::Mutex;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Name under which the fault-injecting SQLite VFS registers.
pub const VFS_NAME: &str = "mikrobot-faults";

/// The failure to inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// The OS reports an I/O error (EIO) at any step.
    IoError,
    /// The disk is full (ENOSPC) at a write or a file creation.
    DiskFull,
    /// A write stores only the first half of its buffer, then reports the disk full.
    ShortWrite,
    /// An fsync reports failure.
    FailedSync,
}

impl FaultKind {
    /// Every kind.
    pub const ALL: [FaultKind; 4] = [
        FaultKind::IoError,
        FaultKind::DiskFull,
        FaultKind::ShortWrite,
        FaultKind::FailedSync,
    ];

    /// Whether this fault can happen at `point`.
    pub fn applies_to(self, point: FaultPoint) -> bool {
        match self {
            FaultKind::IoError => true,
            FaultKind::DiskFull => matches!(point, FaultPoint::Write | FaultPoint::Create),
            FaultKind::ShortWrite => point == FaultPoint::Write,
            FaultKind::FailedSync => point == FaultPoint::Sync,
        }
    }

    /// The error the file-system helpers return for this fault.
    pub fn to_io_error(self) -> io::Error {
        match self {
            FaultKind::IoError => io::Error::other("injected I/O error"),
            FaultKind::DiskFull | FaultKind::ShortWrite => io::Error::new(
                io::ErrorKind::StorageFull,
                "injected: no space left on device",
            ),
            FaultKind::FailedSync => io::Error::other("injected: fsync failed"),
        }
    }
}

/// A step at which a fault can fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultPoint {
    /// Opening or creating a file or directory.
    Create,
    /// Writing bytes.
    Write,
    /// Flushing a file or directory to the disk.
    Sync,
    /// Reading bytes.
    Read,
    /// Renaming.
    Rename,
    /// Removing a file or directory.
    Remove,
    /// Truncating a file.
    Truncate,
}

/// What happened while a fault was armed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaultOutcome {
    /// Whether the fault fired.
    pub fired: bool,
    /// Matching steps seen while armed, the firing one included.
    pub steps: u64,
}

struct Plan {
    root: PathBuf,
    kind: FaultKind,
    after: u64,
    seen: u64,
    fired: bool,
}

static ARMED: AtomicBool = AtomicBool::new(false);
static PLAN: Mutex<Option<Plan>> = Mutex::new(None);

/// Arms `kind` to fire once, at the step after `after` matching steps on paths under
/// `root`.
pub fn arm(root: &Path, kind: FaultKind, after: u64) {
    *PLAN.lock() = Some(Plan {
        root: root.to_owned(),
        kind,
        after,
        seen: 0,
        fired: false,
    });
    ARMED.store(true, Ordering::Release);
}

/// Disarms the plan and reports whether it fired.
pub fn disarm() -> FaultOutcome {
    ARMED.store(false, Ordering::Release);
    PLAN.lock()
        .take()
        .map_or(FaultOutcome::default(), |plan| FaultOutcome {
            fired: plan.fired,
            steps: plan.seen,
        })
}

/// Counts a step at `point` on `path` and returns the fault to inject, if this is
/// the armed step.
pub fn check(point: FaultPoint, path: &Path) -> Option<FaultKind> {
    if !ARMED.load(Ordering::Relaxed) {
        return None;
    }
    let mut guard = PLAN.lock();
    let plan = guard.as_mut()?;
    if plan.fired || !plan.kind.applies_to(point) || !path.starts_with(&plan.root) {
        return None;
    }
    plan.seen += 1;
    if plan.seen > plan.after {
        plan.fired = true;
        return Some(plan.kind);
    }
    None
}

/// [`check`], as the `io::Result` the file-system helpers return.
///
/// # Errors
///
/// The injected error when the armed step is reached.
pub fn check_io(point: FaultPoint, path: &Path) -> io::Result<()> {
    match check(point, path) {
        Some(kind) => Err(kind.to_io_error()),
        None => Ok(()),
    }
}

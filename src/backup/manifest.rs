//! The manifest of a backup and the seal that detects an edit to it.

use super::{BackupKind, BackupReason, Component};
use crate::account::TimeMs;
use serde::{Deserialize, Serialize};

/// File name of the manifest inside a backup directory.
pub const MANIFEST_FILE: &str = "manifest.json";
/// File name of the manifest's SHA-256 (lowercase hex), which verification compares.
pub const SEAL_FILE: &str = "manifest.sha256";
/// Directory inside a backup that holds the copied files.
pub const FILES_DIR: &str = "files";
/// Manifest format this build writes and reads.
pub const FORMAT: u32 = 1;

/// What a backup holds: id, kind, time, components, sizes and the SHA-256 of every
/// file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Manifest format version.
    pub format: u32,
    /// The backup's id, also its directory name.
    pub id: String,
    /// Its kind.
    pub kind: BackupKind,
    /// Why it was taken.
    pub reason: BackupReason,
    /// Event time of the request, UTC milliseconds.
    pub created_ms: TimeMs,
    /// The same time in RFC 3339, for people reading the file.
    pub created: String,
    /// Components copied.
    pub components: Vec<Component>,
    /// Sum of the file sizes, in bytes.
    pub total_size: u64,
    /// Every file, sorted by path.
    pub files: Vec<FileEntry>,
}

/// One file of a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Path relative to the state directory, `/`-separated.
    pub path: String,
    /// The component it belongs to.
    pub component: Component,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the contents, lowercase hex.
    pub sha256: String,
}

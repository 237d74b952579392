//! The `[store]` configuration section.

use serde::{Deserialize, Serialize};

/// Commit durability: the value of SQLite's `PRAGMA synchronous`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Synchronous {
    /// fsync the WAL on every commit: an acknowledged record survives a power cut.
    Full,
    /// fsync only at checkpoints: an acknowledged record survives a process crash but
    /// may be lost in a power cut.
    Normal,
}

impl Synchronous {
    /// Returns the pragma value.
    pub fn as_pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

/// Settings of the journal and state store. Every field has a default, so an empty
/// `[store]` section is valid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// Database file name inside the state directory.
    pub file: String,
    /// Minimum event-time gap between two journaled snapshots, in milliseconds; 0
    /// journals every snapshot.
    pub snapshot_interval_ms: i64,
    /// Maximum event-time gap between engine-state saves when only the intraday
    /// equity peak moved, in milliseconds; any other change is saved at once.
    pub state_interval_ms: i64,
    /// Capacity of the channel to the writer thread, in records; appends beyond it are rejected.
    pub queue_capacity: usize,
    /// Maximum number of records the writer commits in one transaction.
    pub max_batch: usize,
    /// Commit durability.
    pub synchronous: Synchronous,
    /// Maximum time a flush or a close waits for the writer, in milliseconds.
    pub flush_timeout_ms: u64,
    /// Pause before the writer retries a failed commit, in milliseconds.
    pub retry_delay_ms: u64,
    /// How long a connection waits for another connection's lock, in milliseconds.
    pub busy_timeout_ms: u64,
    /// SQLite VFS to open the database with; `None` uses the platform's default. The
    /// fault-injection tests set it to [`crate::store::fault::VFS_NAME`].
    #[serde(skip)]
    #[doc(hidden)]
    pub vfs: Option<String>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            file: "journal.db".to_owned(),
            snapshot_interval_ms: 1_000,
            state_interval_ms: 60_000,
            queue_capacity: 65_536,
            max_batch: 4_096,
            synchronous: Synchronous::Full,
            flush_timeout_ms: 5_000,
            retry_delay_ms: 1_000,
            busy_timeout_ms: 2_000,
            vfs: None,
        }
    }
}

impl StoreConfig {
    /// Checks the values that would make the store unusable.
    ///
    /// # Errors
    ///
    /// A message naming the field, its value and the accepted range.
    pub fn validate(&self) -> Result<(), String> {
        let name_ok = !self.file.is_empty()
            && !self.file.contains(['/', '\\', ':'])
            && self.file != "."
            && self.file != "..";
        if !name_ok {
            return Err(format!(
                "store.file {:?} is invalid: give a plain file name such as \"journal.db\"",
                self.file
            ));
        }
        if self.snapshot_interval_ms < 0 {
            return Err(format!(
                "store.snapshot_interval_ms is {}, but it must be 0 or more",
                self.snapshot_interval_ms
            ));
        }
        if self.queue_capacity == 0 {
            return Err("store.queue_capacity is 0, but it must be at least 1".to_owned());
        }
        if self.max_batch == 0 {
            return Err("store.max_batch is 0, but it must be at least 1".to_owned());
        }
        Ok(())
    }
}

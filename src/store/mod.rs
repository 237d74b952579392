//! The journal and state store: SQLite in WAL mode, written only by a background thread.
//!
//! A [`Journal`] accepts records without waiting on the disk and hands them to its
//! writer thread, which commits them in batches. A record is acknowledged when the
//! writer has committed it: [`Journal::acked_seq`] is the highest committed sequence
//! number, and a crash at any point keeps every record at or below it. Saved states
//! (the compliance engine's, the alert engine's, the incident book's) live in the
//! same database under a key, written in the same transactions as the journal rows
//! around them, so a restored state always matches a prefix of the journal.
//! [`StoreReader`] reads states and rows back, for a restart and for the crash and
//! fault tests.
//!
//! ```
//! use mikrobot::store::{Journal, StoreConfig, StoreReader};
//! use std::time::Duration;
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("journal.db");
//! let config = StoreConfig::default();
//! let mut journal = Journal::open(&path, &config)?;
//! let seq = journal.save_state("engine", 1_700_000_000_000, &vec![1, 2, 3])?;
//! assert!(journal.wait_acked(seq, Duration::from_secs(5)));
//! journal.close(Duration::from_secs(5))?;
//!
//! let reader = StoreReader::open(&path, &config)?;
//! let state = reader.load_state::<Vec<i32>>("engine")?.expect("saved above");
//! assert_eq!(state.value, vec![1, 2, 3]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
pub mod fault;
pub mod fsio;
mod persist;
mod reader;
mod record;
pub mod schema;
mod vfs;
mod watch;
mod writer;

pub use config::{StoreConfig, Synchronous};
pub use persist::{EnginePersistence, ENGINE_STATE_KEY};
pub use reader::StoreReader;
pub use record::{Record, RecordKind, Seq, StoredRecord, StoredState};
pub use watch::{WatchPersistence, WATCH_STATE_KEY};
pub use writer::{AppendError, CloseReport, Journal, StoreStatus};

use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Errors of the store. Each names the file or value involved.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An invalid `[store]` setting.
    #[error("invalid store configuration: {0}")]
    Config(String),
    /// No database at the path given.
    #[error("no store at {0}: check the state directory, or open it with a journal to create it")]
    Missing(PathBuf),
    /// A file-system operation failed.
    #[error("{message} ({path})")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What failed, with the OS error.
        message: String,
    },
    /// SQLite reported an error.
    #[error("SQLite error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A saved state or journal row is not the JSON its reader expects.
    #[error("stored JSON is invalid: {0}")]
    Json(#[from] serde_json::Error),
    /// The file was written by a newer build.
    #[error("the store has schema version {found}, but this build supports up to {supported}; upgrade mikrobot or restore an older backup")]
    NewerSchema {
        /// Version in the file.
        found: u32,
        /// Highest version this build knows.
        supported: u32,
    },
    /// The database failed its integrity check or holds an impossible row.
    #[error("the store at {path} is corrupt: {message}; restore the newest verified backup")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// SQLite's finding or the invalid row.
        message: String,
    },
    /// A flush or close ran out of time with records still unsaved.
    #[error("the journal writer did not commit {unsaved} records within {timeout_ms} ms (last error: {})", last_error.as_deref().unwrap_or("none"))]
    FlushTimedOut {
        /// Records accepted but not committed.
        unsaved: u64,
        /// The time allowed.
        timeout_ms: u64,
        /// The writer's last error, if a commit failed.
        last_error: Option<String>,
    },
}

/// Registers the fault-injection VFS when `name` is [`fault::VFS_NAME`], so a
/// connection outside the store (a backup copy) can be opened with it.
#[doc(hidden)]
pub fn register_vfs(name: &str) {
    vfs::register_if(name);
}

/// Opens a connection in WAL mode with the configured durability.
fn open_connection(
    path: &Path,
    config: &StoreConfig,
    create: bool,
) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = match &config.vfs {
        Some(vfs) => {
            vfs::register_if(vfs);
            Connection::open_with_flags_and_vfs(path, flags, vfs.as_str())?
        }
        None => Connection::open_with_flags(path, flags)?,
    };
    conn.busy_timeout(Duration::from_millis(config.busy_timeout_ms))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Io {
            path: path.to_owned(),
            message: format!("SQLite refused WAL mode (journal mode is {mode:?})"),
        });
    }
    conn.pragma_update(None, "synchronous", config.synchronous.as_pragma())?;
    Ok(conn)
}

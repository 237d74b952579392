//! The database schema, its version and the migrations between versions.
//!
//! The version lives in SQLite's `user_version` header field. Migration `i` in
//! [`MIGRATIONS`] takes a database from version `i` to version `i + 1`; each runs in
//! its own transaction together with the version bump, so a crash mid-migration
//! leaves the previous version intact.

use super::StoreError;
use rusqlite::{Connection, TransactionBehavior};

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The migrations, oldest first.
pub const MIGRATIONS: [&str; 2] = [
    // Version 1: the journal, the saved states and the sequence high-water mark.
    "CREATE TABLE journal (
         seq     INTEGER PRIMARY KEY,
         kind    TEXT    NOT NULL,
         time_ms INTEGER NOT NULL,
         body    TEXT    NOT NULL
     );
     CREATE TABLE state (
         key     TEXT    PRIMARY KEY,
         seq     INTEGER NOT NULL,
         time_ms INTEGER NOT NULL,
         body    TEXT    NOT NULL
     );
     CREATE TABLE meta (
         key   TEXT    PRIMARY KEY,
         value INTEGER NOT NULL
     );
     INSERT INTO meta (key, value) VALUES ('last_seq', 0);",
    // Version 2: readers look deals and events up by kind and time.
    "CREATE INDEX journal_kind_time ON journal (kind, time_ms);",
];

/// Reads the schema version of an open database.
///
/// # Errors
///
/// [`StoreError::Sqlite`] when the header cannot be read.
pub fn version(conn: &Connection) -> Result<u32, StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    Ok(u32::try_from(version).unwrap_or(u32::MAX))
}

/// Brings the database up to `target` (at most [`SCHEMA_VERSION`]), one migration per
/// transaction.
///
/// # Errors
///
/// [`StoreError::NewerSchema`] when the file was written by a newer build, and
/// [`StoreError::Sqlite`] when a migration fails (that migration is rolled back).
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<u32, StoreError> {
    let found = version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for next in found..target.min(SCHEMA_VERSION) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(MIGRATIONS[next as usize])?;
        tx.pragma_update(None, "user_version", next + 1)?;
        tx.commit()?;
        log::info!("store schema migrated from version {next} to {}", next + 1);
    }
    version(conn)
}

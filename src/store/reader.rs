//! Reads from the store: saved states, journal rows and the deals a restart replays.

use super::record::{RecordKind, Seq, StoredRecord, StoredState};
use super::{open_connection, StoreConfig, StoreError};
use crate::account::{Deal, TimeMs};
use rusqlite::{Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// A read connection to a store. Safe to hold while the writer runs: in WAL mode a
/// reader sees the last committed transaction and never blocks the writer.
#[derive(Debug)]
pub struct StoreReader {
    conn: Connection,
    path: PathBuf,
    /// Whether the file has no tables yet: a writer created it and stopped (or was
    /// killed) before its first migration committed.
    empty: bool,
}

impl StoreReader {
    /// Opens an existing store for reading.
    ///
    /// # Errors
    ///
    /// [`StoreError::Missing`] when there is no file at `path`, [`StoreError::Sqlite`]
    /// when it is not a database, and [`StoreError::NewerSchema`] when a newer build
    /// wrote it.
    pub fn open(path: &Path, config: &StoreConfig) -> Result<StoreReader, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Missing(path.to_owned()));
        }
        let conn = open_connection(path, config, false)?;
        let found = super::schema::version(&conn)?;
        if found > super::schema::SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found,
                supported: super::schema::SCHEMA_VERSION,
            });
        }
        Ok(StoreReader {
            conn,
            path: path.to_owned(),
            empty: found == 0,
        })
    }

    /// The underlying connection, for the online backup.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The schema version of the file.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] when the header cannot be read.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        super::schema::version(&self.conn)
    }

    /// Highest committed sequence number (0 for an empty store).
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] on a read failure.
    pub fn last_seq(&self) -> Result<Seq, StoreError> {
        if self.empty {
            return Ok(0);
        }
        last_seq(&self.conn)
    }

    /// Runs SQLite's `PRAGMA integrity_check`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Corrupt`] with SQLite's first finding when the check fails.
    pub fn integrity_check(&self) -> Result<(), StoreError> {
        let result: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
        if result == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt {
                path: self.path.clone(),
                message: result,
            })
        }
    }

    /// Loads the state saved under `key`, or `None` when nothing was saved.
    ///
    /// # Errors
    ///
    /// [`StoreError::Json`] when the saved JSON does not match `T`.
    pub fn load_state<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<StoredState<T>>, StoreError> {
        if self.empty {
            return Ok(None);
        }
        let row = self
            .conn
            .query_row(
                "SELECT seq, time_ms, body FROM state WHERE key = ?1",
                [key],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()?;
        let Some((seq, time_ms, body)) = row else {
            return Ok(None);
        };
        Ok(Some(StoredState {
            seq: seq as Seq,
            time_ms,
            value: serde_json::from_str(&body)?,
        }))
    }

    /// Up to `limit` journal rows with a sequence number above `after`, in order.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] on a read failure, [`StoreError::Corrupt`] for a row of
    /// unknown kind.
    pub fn records_after(&self, after: Seq, limit: usize) -> Result<Vec<StoredRecord>, StoreError> {
        if self.empty {
            return Ok(Vec::new());
        }
        let mut statement = self.conn.prepare_cached(
            "SELECT seq, kind, time_ms, body FROM journal WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = statement.query_map((after as i64, limit), raw_row)?;
        rows.map(|row| self.to_record(row?)).collect()
    }

    /// Journal rows of one kind with an event time in `from_ms..to_ms`, in sequence order.
    ///
    /// # Errors
    ///
    /// As [`records_after`](Self::records_after).
    pub fn records_of(
        &self,
        kind: RecordKind,
        from_ms: TimeMs,
        to_ms: TimeMs,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        if self.empty {
            return Ok(Vec::new());
        }
        let mut statement = self.conn.prepare_cached(
            "SELECT seq, kind, time_ms, body FROM journal
             WHERE kind = ?1 AND time_ms >= ?2 AND time_ms < ?3 ORDER BY seq",
        )?;
        let rows = statement.query_map((kind.as_str(), from_ms, to_ms), raw_row)?;
        rows.map(|row| self.to_record(row?)).collect()
    }

    /// The journaled deals with an event time at or after `from_ms`, in journal order:
    /// what a restart hands to the engine's history cross-check.
    ///
    /// # Errors
    ///
    /// [`StoreError::Json`] when a journaled deal does not parse.
    pub fn deals_since(&self, from_ms: TimeMs) -> Result<Vec<Deal>, StoreError> {
        self.records_of(RecordKind::Deal, from_ms, TimeMs::MAX)?
            .iter()
            .map(|record| serde_json::from_str(&record.body).map_err(StoreError::from))
            .collect()
    }

    /// Number of journal rows of `kind`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] on a read failure.
    pub fn count(&self, kind: RecordKind) -> Result<u64, StoreError> {
        if self.empty {
            return Ok(0);
        }
        let count: i64 = self.conn.query_row(
            "SELECT count(*) FROM journal WHERE kind = ?1",
            [kind.as_str()],
            |row| row.get(0),
        )?;
        Ok(count as u64)
    }

    fn to_record(&self, (seq, kind, time_ms, body): RawRow) -> Result<StoredRecord, StoreError> {
        let kind = RecordKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
            path: self.path.clone(),
            message: format!("journal row {seq} has the unknown kind {kind:?}"),
        })?;
        Ok(StoredRecord {
            seq: seq as Seq,
            kind,
            time_ms,
            body,
        })
    }
}

type RawRow = (i64, String, i64, String);

fn raw_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

/// Highest committed sequence number, from the high-water mark every commit updates.
pub(crate) fn last_seq(conn: &Connection) -> Result<Seq, StoreError> {
    let value: i64 =
        conn.query_row("SELECT value FROM meta WHERE key = 'last_seq'", [], |row| {
            row.get(0)
        })?;
    Ok(value.max(0) as Seq)
}

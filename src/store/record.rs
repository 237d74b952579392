//! The records the journal holds, as the producer submits them and as a reader gets them back.

use crate::account::{Deal, ShortText, Snapshot, TimeMs};
use serde::{Deserialize, Serialize};

/// Sequence number of a journal record. The first record of a store is 1, and each
/// accepted record takes the next number, so the numbers in a store have no gaps.
pub type Seq = u64;

/// The kind of a journal row, stored as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// An account snapshot, journaled at most once per snapshot interval.
    Snapshot,
    /// A deal from the account history.
    Deal,
    /// A trading signal and its outcome.
    Signal,
    /// An alert raised, escalated, acknowledged or resolved.
    Alert,
    /// An incident and the actions taken on it.
    Incident,
    /// A maintenance run and its result.
    Maintenance,
    /// A saved state (engine, alerts, incidents), kept in the state table under its key.
    State,
}

impl RecordKind {
    /// Every kind, in the order of the enum.
    pub const ALL: [RecordKind; 7] = [
        RecordKind::Snapshot,
        RecordKind::Deal,
        RecordKind::Signal,
        RecordKind::Alert,
        RecordKind::Incident,
        RecordKind::Maintenance,
        RecordKind::State,
    ];

    /// The snake_case name stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Snapshot => "snapshot",
            RecordKind::Deal => "deal",
            RecordKind::Signal => "signal",
            RecordKind::Alert => "alert",
            RecordKind::Incident => "incident",
            RecordKind::Maintenance => "maintenance",
            RecordKind::State => "state",
        }
    }

    /// Parses a stored name, or returns `None` for an unknown one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// One record submitted to the journal.
///
/// Snapshots and deals are `Copy` values, so journaling them from the tick path
/// allocates nothing; the writer thread serializes them. Events from other modules
/// (signals, alerts, incidents, maintenance runs) and saved states arrive already
/// serialized as JSON by their owner, off the tick path.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// An account snapshot.
    Snapshot(Snapshot),
    /// A deal.
    Deal(Deal),
    /// A signal, alert, incident or maintenance run, as JSON.
    Event {
        /// Which of the event kinds this is; never `Snapshot`, `Deal` or `State`.
        kind: RecordKind,
        /// Event time.
        time_ms: TimeMs,
        /// The event as JSON text.
        body: String,
    },
    /// A saved state that replaces the previous one under the same key.
    State {
        /// The state's name, for example `engine`, `alerts` or `incidents`.
        key: ShortText,
        /// Time of the event that produced this state.
        time_ms: TimeMs,
        /// The state as JSON text.
        body: String,
    },
}

impl Record {
    /// The kind stored for this record.
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Snapshot(_) => RecordKind::Snapshot,
            Record::Deal(_) => RecordKind::Deal,
            Record::Event { kind, .. } => *kind,
            Record::State { .. } => RecordKind::State,
        }
    }

    /// The record's event time.
    pub fn time_ms(&self) -> TimeMs {
        match self {
            Record::Snapshot(snapshot) => snapshot.time_ms,
            Record::Deal(deal) => deal.time_ms,
            Record::Event { time_ms, .. } | Record::State { time_ms, .. } => *time_ms,
        }
    }
}

/// A journal row read back from the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRecord {
    /// The record's sequence number.
    pub seq: Seq,
    /// Its kind.
    pub kind: RecordKind,
    /// Its event time.
    pub time_ms: TimeMs,
    /// The record as JSON text.
    pub body: String,
}

/// A state read back from the store.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredState<T> {
    /// Sequence number of the save that wrote it.
    pub seq: Seq,
    /// Time of the event that produced it.
    pub time_ms: TimeMs,
    /// The state.
    pub value: T,
}

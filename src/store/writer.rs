//! The background writer thread and the producer handle that feeds it.
//!
//! The producer ([`Journal`]) assigns each record the next sequence number and
//! hands it to a bounded channel with `try_send`, so an append never waits on the
//! disk or on the writer. The writer thread drains the channel, commits what it got
//! in one transaction, and only then publishes the highest committed sequence
//! number: a record is *acknowledged* once [`Journal::acked_seq`] has reached its
//! number. A failed commit keeps the batch and retries it after
//! [`StoreConfig::retry_delay_ms`], while [`Journal::is_failing`] tells the guard to
//! block new trades.

use super::record::{Record, Seq};
use super::{open_connection, StoreConfig, StoreError};
use crate::account::{ShortText, Snapshot, TimeMs};
use crossbeam_channel::{Receiver, Sender, TrySendError};
use parking_lot::{Condvar, Mutex};
use rusqlite::{Connection, TransactionBehavior};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Why an append was not accepted. A rejected record takes no sequence number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppendError {
    /// The channel is full because the writer has fallen behind or cannot commit.
    #[error("the journal queue is full ({capacity} records): the writer is behind or failing; block new trades until it recovers")]
    QueueFull {
        /// The channel's capacity.
        capacity: usize,
    },
    /// The writer thread has stopped.
    #[error("the journal writer has stopped; reopen the store")]
    Closed,
    /// A state could not be serialized.
    #[error("state {key:?} could not be serialized: {message}")]
    Serialize {
        /// The state's key.
        key: String,
        /// The serializer's message.
        message: String,
    },
    /// A state key longer than 32 bytes.
    #[error("state key {0:?} is longer than 32 bytes; use a short name such as \"engine\"")]
    KeyTooLong(String),
}

/// What the writer reports about itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoreStatus {
    /// Highest sequence number committed to disk.
    pub acked_seq: Seq,
    /// Highest sequence number accepted by [`Journal::append`].
    pub last_seq: Seq,
    /// Whether the last commit failed (persistence is down).
    pub failing: bool,
    /// Commits that failed since the store was opened.
    pub failed_commits: u64,
    /// Appends rejected because the queue was full.
    pub rejected: u64,
    /// The message of the most recent failure.
    pub last_error: Option<String>,
}

/// What a close reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseReport {
    /// Highest committed sequence number.
    pub acked_seq: Seq,
    /// Records accepted but not committed when the writer stopped.
    pub unsaved: u64,
}

enum Command {
    Append(Seq, Record),
    Close { deadline: Instant },
}

#[derive(Default)]
struct Shared {
    acked: AtomicU64,
    failing: AtomicBool,
    failed_commits: AtomicU64,
    rejected: AtomicU64,
    last_error: Mutex<Option<String>>,
    progress: Mutex<()>,
    committed: Condvar,
}

impl Shared {
    fn publish_ack(&self, seq: Seq) {
        let _guard = self.progress.lock();
        self.acked.store(seq, Ordering::Release);
        self.committed.notify_all();
    }
}

/// The producer side of the journal: one per store, owned by the guard.
///
/// Appends take `&mut self`, so sequence numbers reach the writer in order and
/// [`acked_seq`](Self::acked_seq) covers every record at or below it.
pub struct Journal {
    tx: Sender<Command>,
    shared: Arc<Shared>,
    next_seq: Seq,
    capacity: usize,
    snapshot_interval_ms: TimeMs,
    last_snapshot_ms: Option<TimeMs>,
    flush_timeout: Duration,
    writer: Option<JoinHandle<()>>,
    done: Receiver<()>,
    path: PathBuf,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .field("status", &self.status())
            .finish()
    }
}

impl Journal {
    /// Opens (creating and migrating where needed) the database at `path` and starts
    /// its writer thread.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the configuration is invalid, the file cannot be opened,
    /// its schema is newer than this build, or the thread cannot start.
    pub fn open(path: &Path, config: &StoreConfig) -> Result<Journal, StoreError> {
        config.validate().map_err(StoreError::Config)?;
        let mut conn = open_connection(path, config, true)?;
        super::schema::migrate_to(&mut conn, super::schema::SCHEMA_VERSION)?;
        let last_seq = super::reader::last_seq(&conn)?;
        let shared = Arc::new(Shared::default());
        shared.acked.store(last_seq, Ordering::Release);
        let (tx, rx) = crossbeam_channel::bounded(config.queue_capacity);
        let (done_tx, done) = crossbeam_channel::bounded(1);
        let worker = Worker {
            conn,
            rx,
            shared: Arc::clone(&shared),
            max_batch: config.max_batch,
            retry_delay: Duration::from_millis(config.retry_delay_ms),
            pending: Vec::new(),
        };
        let writer = std::thread::Builder::new()
            .name("mikrobot-journal".to_owned())
            .spawn(move || {
                worker.run();
                let _ = done_tx.send(());
            })
            .map_err(|error| StoreError::Io {
                path: path.to_owned(),
                message: format!("cannot start the writer thread: {error}"),
            })?;
        log::info!(
            "journal opened at {} (last sequence {last_seq})",
            path.display()
        );
        Ok(Journal {
            tx,
            shared,
            next_seq: last_seq + 1,
            capacity: config.queue_capacity,
            snapshot_interval_ms: config.snapshot_interval_ms,
            last_snapshot_ms: None,
            flush_timeout: Duration::from_millis(config.flush_timeout_ms),
            writer: Some(writer),
            done,
            path: path.to_owned(),
        })
    }

    /// Hands a record to the writer and returns its sequence number. Never blocks and
    /// allocates nothing beyond what `record` already owns.
    ///
    /// # Errors
    ///
    /// [`AppendError::QueueFull`] when the writer is behind, [`AppendError::Closed`]
    /// when it has stopped.
    pub fn append(&mut self, record: Record) -> Result<Seq, AppendError> {
        let seq = self.next_seq;
        match self.tx.try_send(Command::Append(seq, record)) {
            Ok(()) => {
                self.next_seq += 1;
                Ok(seq)
            }
            Err(TrySendError::Full(_)) => {
                self.shared.rejected.fetch_add(1, Ordering::Relaxed);
                Err(AppendError::QueueFull {
                    capacity: self.capacity,
                })
            }
            Err(TrySendError::Disconnected(_)) => Err(AppendError::Closed),
        }
    }

    /// Journals a snapshot unless one was journaled less than the snapshot interval
    /// earlier (by event time). Returns the sequence number, or `None` when skipped.
    ///
    /// # Errors
    ///
    /// As [`append`](Self::append).
    pub fn append_snapshot(&mut self, snapshot: &Snapshot) -> Result<Option<Seq>, AppendError> {
        if let Some(last) = self.last_snapshot_ms {
            let gap = snapshot.time_ms.saturating_sub(last);
            if (0..self.snapshot_interval_ms).contains(&gap) {
                return Ok(None);
            }
        }
        let seq = self.append(Record::Snapshot(*snapshot))?;
        self.last_snapshot_ms = Some(snapshot.time_ms);
        Ok(Some(seq))
    }

    /// Serializes `value` as JSON and saves it under `key`, replacing the previous
    /// state of that key in the same transaction as the records around it. Allocates,
    /// so call it when the state changes (a deal, a day reset, a latch), not per tick.
    ///
    /// # Errors
    ///
    /// [`AppendError::KeyTooLong`], [`AppendError::Serialize`], or as
    /// [`append`](Self::append).
    pub fn save_state<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        time_ms: TimeMs,
        value: &T,
    ) -> Result<Seq, AppendError> {
        let key_text = ShortText::new(key).map_err(|_| AppendError::KeyTooLong(key.to_owned()))?;
        let body = serde_json::to_string(value).map_err(|error| AppendError::Serialize {
            key: key.to_owned(),
            message: error.to_string(),
        })?;
        self.append(Record::State {
            key: key_text,
            time_ms,
            body,
        })
    }

    /// Highest committed sequence number: every record at or below it is on disk.
    pub fn acked_seq(&self) -> Seq {
        self.shared.acked.load(Ordering::Acquire)
    }

    /// Highest sequence number accepted so far (0 before the first record).
    pub fn last_seq(&self) -> Seq {
        self.next_seq - 1
    }

    /// Whether the last commit failed. One atomic load, safe on the tick path.
    pub fn is_failing(&self) -> bool {
        self.shared.failing.load(Ordering::Acquire)
    }

    /// The path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The writer's counters and last error.
    pub fn status(&self) -> StoreStatus {
        StoreStatus {
            acked_seq: self.acked_seq(),
            last_seq: self.last_seq(),
            failing: self.is_failing(),
            failed_commits: self.shared.failed_commits.load(Ordering::Relaxed),
            rejected: self.shared.rejected.load(Ordering::Relaxed),
            last_error: self.shared.last_error.lock().clone(),
        }
    }

    /// Waits until `seq` is committed or `timeout` passes; returns whether it was.
    pub fn wait_acked(&self, seq: Seq, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut guard = self.shared.progress.lock();
        while self.acked_seq() < seq {
            if self.writer_stopped() {
                return false;
            }
            let step = deadline
                .saturating_duration_since(Instant::now())
                .min(Duration::from_millis(50));
            if step.is_zero() {
                return false;
            }
            self.shared.committed.wait_for(&mut guard, step);
        }
        true
    }

    /// Waits, at most the configured flush timeout, until every accepted record is
    /// committed.
    ///
    /// # Errors
    ///
    /// [`StoreError::FlushTimedOut`] naming how many records are still unsaved.
    pub fn flush(&self) -> Result<(), StoreError> {
        let target = self.last_seq();
        if self.wait_acked(target, self.flush_timeout) {
            return Ok(());
        }
        Err(StoreError::FlushTimedOut {
            unsaved: target.saturating_sub(self.acked_seq()),
            timeout_ms: self.flush_timeout.as_millis() as u64,
            last_error: self.shared.last_error.lock().clone(),
        })
    }

    /// Stops the writer after it has committed what it can within `timeout`, and
    /// reports what stayed unsaved.
    ///
    /// # Errors
    ///
    /// [`StoreError::FlushTimedOut`] when the writer did not finish in time; the
    /// thread is then left to finish on its own.
    pub fn close(mut self, timeout: Duration) -> Result<CloseReport, StoreError> {
        self.stop(timeout)
    }

    /// Moves the open journal out and leaves a detached one in its place, so another
    /// thread can close the database (a restore replaces its files) while the owner
    /// keeps running. Every append to the detached journal fails with
    /// [`AppendError::Closed`], and it reports itself failing, so the guard blocks new
    /// trades until a reopened journal replaces it.
    pub fn detach(&mut self) -> Journal {
        let (tx, _) = crossbeam_channel::bounded(1);
        let (_, done) = crossbeam_channel::bounded(1);
        let shared = Shared::default();
        shared.acked.store(self.acked_seq(), Ordering::Release);
        shared.failing.store(true, Ordering::Release);
        *shared.last_error.lock() = Some(format!(
            "the journal at {} is detached for a restore",
            self.path.display()
        ));
        let detached = Journal {
            tx,
            shared: Arc::new(shared),
            next_seq: self.next_seq,
            capacity: self.capacity,
            snapshot_interval_ms: self.snapshot_interval_ms,
            last_snapshot_ms: self.last_snapshot_ms,
            flush_timeout: self.flush_timeout,
            writer: None,
            done,
            path: self.path.clone(),
        };
        std::mem::replace(self, detached)
    }

    fn writer_stopped(&self) -> bool {
        self.writer.as_ref().is_none_or(JoinHandle::is_finished)
    }

    fn stop(&mut self, timeout: Duration) -> Result<CloseReport, StoreError> {
        let Some(writer) = self.writer.take() else {
            return Ok(self.close_report());
        };
        let deadline = Instant::now() + timeout;
        // A full queue still takes the close command once the writer drains a slot.
        let sent = self
            .tx
            .send_deadline(Command::Close { deadline }, deadline)
            .is_ok();
        let finished = self.done.recv_deadline(deadline).is_ok() || !sent && writer.is_finished();
        if finished {
            let _ = writer.join();
        }
        let report = self.close_report();
        log::info!(
            "journal closed at {} (acknowledged {}, unsaved {})",
            self.path.display(),
            report.acked_seq,
            report.unsaved
        );
        if finished && report.unsaved == 0 {
            return Ok(report);
        }
        Err(StoreError::FlushTimedOut {
            unsaved: report.unsaved,
            timeout_ms: timeout.as_millis() as u64,
            last_error: self.shared.last_error.lock().clone(),
        })
    }

    fn close_report(&self) -> CloseReport {
        CloseReport {
            acked_seq: self.acked_seq(),
            unsaved: self.last_seq().saturating_sub(self.acked_seq()),
        }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        let timeout = self.flush_timeout;
        if let Err(error) = self.stop(timeout) {
            log::error!("journal dropped with unsaved records: {error}");
        }
    }
}

struct Worker {
    conn: Connection,
    rx: Receiver<Command>,
    shared: Arc<Shared>,
    max_batch: usize,
    retry_delay: Duration,
    pending: Vec<(Seq, Record)>,
}

impl Worker {
    fn run(mut self) {
        let mut close_by: Option<Instant> = None;
        let mut retry_at: Option<Instant> = None;
        loop {
            if close_by.is_none() {
                self.collect(retry_at, &mut close_by);
            }
            let due = retry_at.is_none_or(|at| Instant::now() >= at);
            if !self.pending.is_empty() && due {
                retry_at = if self.commit_pending() {
                    None
                } else {
                    Some(Instant::now() + self.retry_delay)
                };
            }
            if let Some(deadline) = close_by {
                let now = Instant::now();
                if self.pending.is_empty() || now >= deadline {
                    break;
                }
                let next = retry_at.unwrap_or(now).min(deadline);
                std::thread::sleep(next.saturating_duration_since(now));
            }
        }
        if let Err(error) = self.conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)") {
            log::warn!("journal checkpoint at close failed: {error}");
        }
    }

    /// Takes commands from the channel: blocks while nothing is pending, returns at
    /// once with a fresh batch, and while a commit is failing waits for the retry
    /// time, taking no more than one batch so the channel fills and appends are
    /// rejected instead of piling up here.
    fn collect(&mut self, retry_at: Option<Instant>, close_by: &mut Option<Instant>) {
        let now = Instant::now();
        if self.pending.len() >= self.max_batch {
            if let Some(at) = retry_at {
                std::thread::sleep(at.saturating_duration_since(now));
            }
            return;
        }
        let received = match (retry_at, self.pending.is_empty()) {
            (None, true) => self.rx.recv().map_err(|_| true),
            (None, false) => Err(false),
            (Some(at), _) => self
                .rx
                .recv_deadline(at)
                .map_err(|error| error.is_disconnected()),
        };
        match received {
            Ok(command) => self.take(command, close_by),
            // The producer is gone without a close: commit what is pending, once.
            Err(true) => *close_by = Some(now),
            Err(false) => {}
        }
        self.drain(close_by);
    }

    fn take(&mut self, command: Command, close_by: &mut Option<Instant>) {
        match command {
            Command::Append(seq, record) => self.pending.push((seq, record)),
            Command::Close { deadline } => *close_by = Some(deadline),
        }
    }

    fn drain(&mut self, close_by: &mut Option<Instant>) {
        while self.pending.len() < self.max_batch && close_by.is_none() {
            match self.rx.try_recv() {
                Ok(command) => self.take(command, close_by),
                Err(_) => break,
            }
        }
        if close_by.is_some() {
            // Appends sent before the close command are already queued ahead of it.
            while let Ok(command) = self.rx.try_recv() {
                self.take(command, close_by);
            }
        }
    }

    /// Commits the pending records; returns whether the commit succeeded.
    fn commit_pending(&mut self) -> bool {
        let last = self.pending.last().map_or(0, |(seq, _)| *seq);
        match write_batch(&mut self.conn, &self.pending) {
            Ok(()) => {
                self.pending.clear();
                if self.shared.failing.swap(false, Ordering::AcqRel) {
                    log::info!("journal writes recovered at sequence {last}");
                }
                self.shared.publish_ack(last);
                true
            }
            Err(error) => {
                let failures = self.shared.failed_commits.fetch_add(1, Ordering::Relaxed) + 1;
                let message = format!("commit of records up to sequence {last} failed: {error}");
                if !self.shared.failing.swap(true, Ordering::AcqRel) || failures.is_multiple_of(100)
                {
                    log::error!("{message} (failure {failures}; retrying)");
                }
                *self.shared.last_error.lock() = Some(message);
                // Wake waiters so a flush sees the failure without sleeping out its step.
                let _guard = self.shared.progress.lock();
                self.shared.committed.notify_all();
                false
            }
        }
    }
}

/// Commits `batch` in one immediate transaction. Journal rows use `INSERT OR
/// REPLACE`, so retrying a batch whose commit was reported failed but reached the
/// disk anyway writes the same rows again.
fn write_batch(conn: &mut Connection, batch: &[(Seq, Record)]) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut journal = tx.prepare_cached(
            "INSERT OR REPLACE INTO journal (seq, kind, time_ms, body) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut state = tx.prepare_cached(
            "INSERT INTO state (key, seq, time_ms, body) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key) DO UPDATE SET seq = excluded.seq, time_ms = excluded.time_ms,
             body = excluded.body WHERE excluded.seq >= state.seq",
        )?;
        for (seq, record) in batch {
            let seq = i64::try_from(*seq).unwrap_or(i64::MAX);
            let kind = record.kind().as_str();
            match record {
                Record::Snapshot(snapshot) => {
                    let body = serde_json::to_string(snapshot)?;
                    journal.execute((seq, kind, snapshot.time_ms, body))?;
                }
                Record::Deal(deal) => {
                    let body = serde_json::to_string(deal)?;
                    journal.execute((seq, kind, deal.time_ms, body))?;
                }
                Record::Event { time_ms, body, .. } => {
                    journal.execute((seq, kind, *time_ms, body))?;
                }
                Record::State { key, time_ms, body } => {
                    state.execute((key.as_str(), seq, *time_ms, body))?;
                }
            }
        }
        let last = batch.last().map_or(0, |(seq, _)| *seq);
        tx.execute(
            "UPDATE meta SET value = max(value, ?1) WHERE key = 'last_seq'",
            [i64::try_from(last).unwrap_or(i64::MAX)],
        )?;
    }
    tx.commit()?;
    Ok(())
}

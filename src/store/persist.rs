//! Saving the compliance engine's state through the journal, and latching the
//! persistence block when the store cannot keep up.
//!
//! The guard calls [`EnginePersistence::after`] after every engine call. It saves
//! the state at once when something a restart must not lose has changed (the
//! day, an anchor, a floor, a breach, a latch, a deal), and otherwise at most once
//! per `state_interval_ms` of event time when only the intraday equity peak moved.
//! When the writer reports a failure or rejects an append, it latches
//! [`Reason::PersistFailed`] on the engine, which blocks new trades (the alert
//! engine raises it as CRITICAL); the block lifts once a later save is committed.

use super::{AppendError, Journal, Seq, StoreConfig, StoreError, StoreReader, StoredState};
use crate::account::{Deal, Snapshot, TimeMs};
use crate::compliance::{Engine, EngineState, Reason};
use std::path::{Path, PathBuf};

/// Key under which the engine state is saved.
pub const ENGINE_STATE_KEY: &str = "engine";

/// The fields of [`EngineState`] compared after each call, copied without allocating.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Fingerprint {
    day_start_ms: TimeMs,
    anchor_balance: u64,
    anchor_equity: Option<u64>,
    max_loss_peak: u64,
    max_loss_floor: u64,
    cash_flow_total: u64,
    breaches: (bool, bool, bool),
    latched: crate::compliance::ReasonSet,
    days: usize,
    last_deal_ticket: u64,
    first_load_ms: Option<TimeMs>,
    profit_target_met_ms: Option<TimeMs>,
}

impl Fingerprint {
    fn of(state: &EngineState) -> Fingerprint {
        Fingerprint {
            day_start_ms: state.day_start_ms,
            anchor_balance: state.anchor_balance.to_bits(),
            anchor_equity: state.anchor_equity.map(f64::to_bits),
            max_loss_peak: state.max_loss_peak.to_bits(),
            max_loss_floor: state.max_loss_floor.to_bits(),
            cash_flow_total: state.cash_flow_total.to_bits(),
            breaches: (
                state.daily_breach.is_some(),
                state.max_breach.is_some(),
                state.buffer_lock.is_some(),
            ),
            latched: state.latched,
            days: state.days.len(),
            last_deal_ticket: state.last_deal_ticket,
            first_load_ms: state.first_load_ms,
            profit_target_met_ms: state.profit_target_met_ms,
        }
    }
}

/// The journal of one guard and the bookkeeping of its engine-state saves.
#[derive(Debug)]
pub struct EnginePersistence {
    journal: Journal,
    saved: Option<(Fingerprint, Option<u64>)>,
    last_save_ms: TimeMs,
    last_save_seq: Seq,
    engine_save_seq: Seq,
    interval_ms: TimeMs,
    latched: bool,
    latched_pending: bool,
    final_saved: Option<EngineState>,
    path: PathBuf,
}

impl EnginePersistence {
    /// Opens the store of `state_dir` and returns it with the engine state saved
    /// there, if any.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database cannot be opened or its state does not parse.
    pub fn open(
        state_dir: &Path,
        config: &StoreConfig,
    ) -> Result<(EnginePersistence, Option<StoredState<EngineState>>), StoreError> {
        let path = state_dir.join(&config.file);
        let journal = Journal::open(&path, config)?;
        let restored =
            StoreReader::open(&path, config)?.load_state::<EngineState>(ENGINE_STATE_KEY)?;
        if let Some(state) = &restored {
            log::info!(
                "engine state restored from {} (sequence {}, saved at {})",
                path.display(),
                state.seq,
                crate::time::rfc3339(state.time_ms)
            );
        }
        let persistence = EnginePersistence {
            last_save_seq: journal.acked_seq(),
            engine_save_seq: 0,
            journal,
            saved: restored.as_ref().map(|state| {
                (
                    Fingerprint::of(&state.value),
                    state.value.equity_peak.map(f64::to_bits),
                )
            }),
            last_save_ms: restored.as_ref().map_or(TimeMs::MIN, |state| state.time_ms),
            interval_ms: config.state_interval_ms,
            latched: false,
            latched_pending: false,
            final_saved: None,
            path,
        };
        Ok((persistence, restored))
    }

    /// Sequence number of the latest engine-state save handed to the writer, or 0
    /// before the first save since open.
    pub fn last_engine_save_seq(&self) -> Seq {
        self.engine_save_seq
    }

    /// The journal, for the other subsystems' records and states.
    pub fn journal_mut(&mut self) -> &mut Journal {
        &mut self.journal
    }

    /// The journal.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// Moves the open journal out, leaving a detached one whose appends fail; see
    /// [`Journal::detach`].
    pub fn detach_journal(&mut self) -> Journal {
        self.journal.detach()
    }

    /// Journals a snapshot (rate-limited by the snapshot interval). Allocates nothing.
    pub fn journal_snapshot(&mut self, snapshot: &Snapshot) {
        let result = self.journal.append_snapshot(snapshot).map(|_| ());
        self.note(result);
    }

    /// Journals a deal. Allocates nothing.
    pub fn journal_deal(&mut self, deal: &Deal) {
        let result = self.journal.append(super::Record::Deal(*deal)).map(|_| ());
        self.note(result);
    }

    /// The deals journaled from `from_ms` on, for the history cross-check at a restart.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be read.
    pub fn journaled_deals(&self, from_ms: TimeMs) -> Result<Vec<Deal>, StoreError> {
        StoreReader::open(&self.path, &StoreConfig::default())?.deals_since(from_ms)
    }

    /// Saves the engine state when it changed, latches [`Reason::PersistFailed`] when
    /// the store is failing, and lifts that latch once a later save is committed.
    pub fn after(&mut self, engine: &mut Engine, time_ms: TimeMs) {
        let state = engine.state();
        let fingerprint = Fingerprint::of(state);
        let peak = state.equity_peak.map(f64::to_bits);
        let due = match self.saved {
            None => true,
            Some((saved, saved_peak)) => {
                saved != fingerprint
                    || saved_peak != peak
                        && time_ms.saturating_sub(self.last_save_ms) >= self.interval_ms
            }
        };
        if due {
            // NOTE: serializing the state allocates; it happens on a change a restart
            // must keep, or once per state interval, not on every tick.
            match self.journal.save_state(ENGINE_STATE_KEY, time_ms, state) {
                Ok(seq) => {
                    self.saved = Some((fingerprint, peak));
                    self.last_save_ms = time_ms;
                    self.last_save_seq = seq;
                    self.engine_save_seq = seq;
                }
                Err(error) => self.note(Err(error)),
            }
        }
        self.update_latch(engine, time_ms);
    }

    /// Saves another subsystem's state under `key` through the journal, and returns whether the
    /// journal accepted it. A rejected save latches [`Reason::PersistFailed`] at the next
    /// [`EnginePersistence::after`], as a failed engine save does.
    pub fn save_other<T: serde::Serialize + ?Sized>(
        &mut self,
        key: &str,
        time_ms: TimeMs,
        value: &T,
    ) -> bool {
        match self.journal.save_state(key, time_ms, value) {
            Ok(seq) => {
                self.last_save_seq = self.last_save_seq.max(seq);
                true
            }
            Err(error) => {
                log::error!("saving state {key:?} failed: {error}");
                self.latched_pending = true;
                false
            }
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Saves the state unless the last save already holds it exactly; called when
    /// the guard closes, so a reopen restores every field.
    pub fn save_final(&mut self, engine: &Engine, time_ms: TimeMs) {
        if self.final_saved.as_ref() == Some(engine.state()) {
            return;
        }
        match self
            .journal
            .save_state(ENGINE_STATE_KEY, time_ms, engine.state())
        {
            Ok(seq) => {
                self.last_save_seq = seq;
                self.engine_save_seq = seq;
                self.final_saved = Some(engine.state().clone());
            }
            Err(error) => log::error!("final engine-state save failed: {error}"),
        }
    }

    fn note(&mut self, result: Result<(), AppendError>) {
        if let Err(error) = result {
            if !self.latched {
                log::error!("journal append failed: {error}");
            }
            self.latched_pending = true;
        }
    }

    fn update_latch(&mut self, engine: &mut Engine, time_ms: TimeMs) {
        let failing = self.journal.is_failing() || std::mem::take(&mut self.latched_pending);
        if failing && !self.latched {
            log::error!(
                "persistence failed ({}); new trades are blocked until saves succeed",
                self.journal
                    .status()
                    .last_error
                    .as_deref()
                    .unwrap_or("journal queue full")
            );
            // PersistFailed is a latchable reason, so this cannot fail.
            let _ = engine.latch_block(Reason::PersistFailed, time_ms);
            self.latched = true;
            // The state now carries the latch; save it so a restart keeps the block.
            self.saved = None;
        } else if !failing && self.latched && self.journal.acked_seq() >= self.last_save_seq {
            let _ = engine.clear_block(Reason::PersistFailed, time_ms);
            self.latched = false;
            self.saved = None;
            log::info!("persistence recovered; the persistence block is lifted");
        }
    }

    /// Waits, at most the configured flush timeout, until every record is committed.
    ///
    /// # Errors
    ///
    /// [`StoreError::FlushTimedOut`] when records stayed unsaved.
    pub fn flush(&self) -> Result<super::CloseReport, StoreError> {
        self.journal.flush()?;
        Ok(super::CloseReport {
            acked_seq: self.journal.acked_seq(),
            unsaved: 0,
        })
    }
}

//! Saving the watch (alerts with their timers and outbox, incidents, health checks) through the
//! journal, so a restart neither pages twice nor forgets an escalation.
//!
//! The guard calls [`WatchPersistence::after`] after every call that may change the watch. It
//! hashes the fields a restart must keep (alert statuses, levels, timers, outbox items and
//! leases, incident actions and checklists, confirmed health levels) without allocating, and
//! saves at once when that hash moves. Health windows and confirmation counters, which move
//! with every sample, are saved at most once per `state_interval_ms` of event time. The JSON is
//! built on the calling thread, like the engine state's, and written by the journal's
//! background writer.

use super::{EnginePersistence, StoreConfig, StoreError, StoreReader, StoredState};
use crate::account::TimeMs;
use crate::alerts::AlertState;
use crate::health::HealthState;
use crate::incident::{IncidentState, Watch, WatchState};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::mem::discriminant;

/// Key under which the watch state is saved.
pub const WATCH_STATE_KEY: &str = "watch";

/// Hashes of the saved watch: the fields that are saved at once, and the ones saved per interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WatchHashes {
    urgent: u64,
    periodic: u64,
}

impl WatchHashes {
    fn of(watch: &Watch) -> WatchHashes {
        let mut urgent = DefaultHasher::new();
        hash_alerts(watch.alerts().state(), &mut urgent);
        hash_incidents(watch.incidents().state(), &mut urgent);
        let health = watch.health().state();
        for check in &health.checks {
            (check.level, check.flapping).hash(&mut urgent);
        }
        let mut periodic = DefaultHasher::new();
        hash_health_windows(health, &mut periodic);
        WatchHashes {
            urgent: urgent.finish(),
            periodic: periodic.finish(),
        }
    }
}

fn hash_alerts(state: &AlertState, hasher: &mut DefaultHasher) {
    (state.next_id, state.inhibited, state.live.len()).hash(hasher);
    for alert in &state.live {
        (alert.id, alert.priority, discriminant(&alert.status)).hash(hasher);
        (alert.level, alert.occurrences, alert.escalate_at_ms).hash(hasher);
        (alert.notify_at_ms, alert.notified_ms).hash(hasher);
        alert.acknowledged.as_ref().map(|(_, at)| *at).hash(hasher);
    }
    state.history.back().map(|alert| alert.id).hash(hasher);
    let dispatch = &state.dispatch;
    (
        dispatch.batch.len(),
        dispatch.batch_due_ms,
        dispatch.unaddressed,
    )
        .hash(hasher);
    dispatch.held_back.values().sum::<u64>().hash(hasher);
    let stats = dispatch.outbox.stats();
    (stats.delivered, stats.failed_attempts, stats.given_up).hash(hasher);
    for item in dispatch.outbox.items() {
        (
            item.id,
            item.attempts,
            item.not_before_ms,
            item.leased_until_ms,
        )
            .hash(hasher);
    }
}

fn hash_incidents(state: &IncidentState, hasher: &mut DefaultHasher) {
    (state.next_id, state.open.len(), state.closed.len()).hash(hasher);
    for incident in &state.open {
        (
            incident.id,
            discriminant(&incident.status),
            incident.alert_id,
        )
            .hash(hasher);
        (incident.deadline_missed, incident.actions.len()).hash(hasher);
        incident.responded.as_ref().map(|(_, at)| *at).hash(hasher);
        let ticked = incident.checklist.iter().filter(|item| item.done.is_some());
        ticked.count().hash(hasher);
    }
}

fn hash_health_windows(state: &HealthState, hasher: &mut DefaultHasher) {
    for check in &state.checks {
        (check.raw, check.pending, check.changes, check.samples).hash(hasher);
    }
    state.vitals_samples.hash(hasher);
}

/// The bookkeeping of the watch-state saves of one guard.
#[derive(Debug)]
pub struct WatchPersistence {
    saved: Option<WatchHashes>,
    last_save_ms: TimeMs,
    interval_ms: TimeMs,
}

impl WatchPersistence {
    /// Loads the watch state saved in the store of `persistence`, if any, and returns the
    /// bookkeeping that continues from it.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be read or the saved watch state does not parse.
    pub fn open(
        persistence: &EnginePersistence,
        config: &StoreConfig,
    ) -> Result<(WatchPersistence, Option<StoredState<WatchState>>), StoreError> {
        let reader = StoreReader::open(persistence.path(), config)?;
        let restored = reader.load_state::<WatchState>(WATCH_STATE_KEY)?;
        if let Some(state) = &restored {
            log::info!(
                "watch state restored: {} live alerts, {} outbox items, {} open incidents (saved at {})",
                state.value.alerts.live.len(),
                state.value.alerts.dispatch.outbox.len(),
                state.value.incidents.open.len(),
                crate::time::rfc3339(state.time_ms)
            );
        }
        let saves = WatchPersistence {
            saved: None,
            last_save_ms: restored.as_ref().map_or(TimeMs::MIN, |state| state.time_ms),
            interval_ms: config.state_interval_ms,
        };
        Ok((saves, restored))
    }

    /// Marks the restored watch as saved, so a reopen does not save it again unchanged.
    pub fn mark_saved(&mut self, watch: &Watch) {
        self.saved = Some(WatchHashes::of(watch));
    }

    /// Saves the watch state when a field a restart must keep changed, or when only the health
    /// windows moved and the state interval has passed since the last save.
    pub fn after(&mut self, persistence: &mut EnginePersistence, watch: &Watch, time_ms: TimeMs) {
        let hashes = WatchHashes::of(watch);
        let due = match self.saved {
            None => true,
            Some(saved) => {
                saved.urgent != hashes.urgent
                    || saved.periodic != hashes.periodic
                        && time_ms.saturating_sub(self.last_save_ms) >= self.interval_ms
            }
        };
        if due {
            self.save(persistence, watch, hashes, time_ms);
        }
    }

    /// Saves the watch state unless the last save has the same hashes. The guard calls it when it
    /// closes.
    pub fn save_final(
        &mut self,
        persistence: &mut EnginePersistence,
        watch: &Watch,
        time_ms: TimeMs,
    ) {
        let hashes = WatchHashes::of(watch);
        if self.saved != Some(hashes) {
            self.save(persistence, watch, hashes, time_ms);
        }
    }

    fn save(
        &mut self,
        persistence: &mut EnginePersistence,
        watch: &Watch,
        hashes: WatchHashes,
        time_ms: TimeMs,
    ) {
        // NOTE: serializing allocates. It runs only when an alert, an incident or a confirmed health
        // level changes, or once per state interval, not on every tick.
        if persistence.save_other(WATCH_STATE_KEY, time_ms, &watch.saved_state()) {
            self.saved = Some(hashes);
            self.last_save_ms = time_ms;
        }
    }
}

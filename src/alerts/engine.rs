//! The alert engine: deduplication, acknowledgement, resolution, escalation and re-notification,
//! all timed by the event times the caller passes in.

use super::config::{AlertConfig, ContactsConfig};
use super::notify::Dispatcher;
use super::outbox::{AckOutcome, OutboxItem};
use super::types::{Alert, AlertSpec, AlertStatus, Channel, Notice, NoticeKind, Priority};
use crate::account::TimeMs;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// Notices kept for [`AlertEngine::take_notices`] before the oldest are dropped.
const NOTICE_LOG: usize = 10_000;

/// Saved state of an [`AlertEngine`]: every timer, counter and undelivered item, so a restart
/// neither pages twice nor forgets an escalation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertState {
    /// Next alert id.
    pub next_id: u64,
    /// Open and acknowledged alerts.
    pub live: Vec<Alert>,
    /// Resolved alerts, newest last.
    pub history: VecDeque<Alert>,
    /// Time of the last raise or repeat notification per key, across alerts.
    pub last_notified: BTreeMap<String, TimeMs>,
    /// Alerts kept quiet by an inhibition rule.
    pub inhibited: u64,
    /// Channel rate limits, MEDIUM batching and the outbox.
    pub dispatch: Dispatcher,
    /// Notices not yet taken, oldest first. They are not saved: the outbox carries what must
    /// still be delivered, and up to 10 000 notices would make every save large.
    #[serde(default, skip_serializing)]
    pub notices: VecDeque<Notice>,
}

/// What [`AlertEngine::raise`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Raised {
    /// A new alert with this id.
    New(u64),
    /// A new occurrence of the live alert with this id.
    Again(u64),
    /// Kept quiet by an inhibition rule, because the live alert with this id explains it.
    Inhibited(u64),
}

impl Raised {
    /// The alert id, or the id of the inhibiting alert.
    pub fn id(self) -> u64 {
        match self {
            Raised::New(id) | Raised::Again(id) | Raised::Inhibited(id) => id,
        }
    }
}

/// Error returned when an alert id is not live.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("alert {id} is not open: it was resolved or never raised; list the live alerts for ids")]
pub struct NotLive {
    /// The rejected id.
    pub id: u64,
}

/// The alerts of one guarded account.
#[derive(Debug, Clone)]
pub struct AlertEngine {
    config: AlertConfig,
    contacts: ContactsConfig,
    state: AlertState,
}

impl AlertEngine {
    /// An engine with no alerts.
    pub fn new(config: AlertConfig, contacts: ContactsConfig) -> Self {
        let state = AlertState {
            next_id: 1,
            ..AlertState::default()
        };
        AlertEngine {
            config,
            contacts,
            state,
        }
    }

    /// An engine resumed from saved state.
    pub fn from_state(config: AlertConfig, contacts: ContactsConfig, state: AlertState) -> Self {
        AlertEngine {
            config,
            contacts,
            state,
        }
    }

    /// The state to save.
    pub fn state(&self) -> &AlertState {
        &self.state
    }

    /// The configuration.
    pub fn config(&self) -> &AlertConfig {
        &self.config
    }

    /// Raises an alert at `now_ms`: a new one, or a new occurrence of the live alert with the
    /// same key.
    pub fn raise(&mut self, spec: AlertSpec, now_ms: TimeMs) -> Raised {
        self.raise_on_path(spec, None, now_ms)
    }

    /// Raises an alert like [`AlertEngine::raise`], escalating along `path` instead of its
    /// category's path (an incident's chain, for example).
    pub fn raise_with_path(
        &mut self,
        spec: AlertSpec,
        path: Vec<String>,
        now_ms: TimeMs,
    ) -> Raised {
        self.raise_on_path(spec, Some(path), now_ms)
    }

    fn raise_on_path(
        &mut self,
        spec: AlertSpec,
        path: Option<Vec<String>>,
        now_ms: TimeMs,
    ) -> Raised {
        if let Some(by) = self.inhibitor(&spec.key) {
            self.state.inhibited += 1;
            log::info!(
                "alert {} inhibited by alert {by}: {}",
                spec.key,
                spec.message
            );
            return Raised::Inhibited(by);
        }
        if let Some(index) = self.state.live.iter().position(|a| a.key == spec.key) {
            return self.raise_again(index, spec, now_ms);
        }
        let id = self.state.next_id;
        self.state.next_id += 1;
        let escalation_path = path.unwrap_or_else(|| {
            let paths = &self.config.escalation_paths;
            paths.get(&spec.category).cloned().unwrap_or_default()
        });
        log::info!(
            "alert {id} {} {}: {}",
            spec.priority.as_str(),
            spec.key,
            spec.message
        );
        self.state.live.push(Alert {
            id,
            key: spec.key,
            priority: spec.priority,
            category: spec.category,
            message: spec.message,
            details: spec.details,
            action: spec.action,
            escalation_path,
            raised_ms: now_ms,
            last_seen_ms: now_ms,
            occurrences: 1,
            status: AlertStatus::Open,
            level: 0,
            escalations_ms: Vec::new(),
            escalate_at_ms: None,
            notified_ms: None,
            notify_at_ms: None,
            acknowledged: None,
            resolved_ms: None,
        });
        let index = self.state.live.len() - 1;
        self.notify_or_defer(index, NoticeKind::Raised, now_ms);
        Raised::New(id)
    }

    fn raise_again(&mut self, index: usize, spec: AlertSpec, now_ms: TimeMs) -> Raised {
        let alert = &mut self.state.live[index];
        alert.occurrences += 1;
        alert.last_seen_ms = now_ms;
        alert.message = spec.message;
        alert.details = spec.details;
        alert.action = spec.action;
        let id = alert.id;
        if spec.priority > alert.priority {
            // A worse occurrence reopens the alert and restarts escalation at its new pace.
            alert.priority = spec.priority;
            alert.status = AlertStatus::Open;
            alert.acknowledged = None;
            alert.escalate_at_ms = None;
        }
        if alert.status == AlertStatus::Open && alert.notify_at_ms.is_none() {
            let kind = if alert.notified_ms.is_some() {
                NoticeKind::Repeated
            } else {
                NoticeKind::Raised
            };
            self.notify_or_defer(index, kind, now_ms);
        }
        Raised::Again(id)
    }

    fn inhibitor(&self, key: &str) -> Option<u64> {
        self.config
            .inhibit
            .iter()
            .filter(|rule| key.starts_with(&rule.target))
            .find_map(|rule| {
                self.state
                    .live
                    .iter()
                    .find(|alert| alert.key.starts_with(&rule.source) && alert.key != key)
                    .map(|alert| alert.id)
            })
    }

    /// Sends a raise or repeat notice now, or defers it until the key's repeat interval has
    /// passed since its last one.
    fn notify_or_defer(&mut self, index: usize, kind: NoticeKind, now_ms: TimeMs) {
        let key = &self.state.live[index].key;
        let due = self
            .state
            .last_notified
            .get(key)
            .map_or(now_ms, |last| last + self.config.repeat_interval_ms);
        if due <= now_ms {
            self.notify(index, kind, now_ms);
        } else {
            self.state.live[index].notify_at_ms = Some(due);
        }
    }

    fn notify(&mut self, index: usize, kind: NoticeKind, now_ms: TimeMs) {
        let alert = &mut self.state.live[index];
        alert.notify_at_ms = None;
        if matches!(kind, NoticeKind::Raised | NoticeKind::Repeated) {
            alert.notified_ms = Some(now_ms);
            self.state.last_notified.insert(alert.key.clone(), now_ms);
            if alert.status == AlertStatus::Open && alert.escalate_at_ms.is_none() {
                let next = next_escalation(&self.config, alert, now_ms);
                self.state.live[index].escalate_at_ms = next;
            }
        }
        let alert = &self.state.live[index];
        self.emit(alert.clone(), kind, now_ms);
    }

    fn emit(&mut self, alert: Alert, kind: NoticeKind, now_ms: TimeMs) {
        let notice = Notice {
            alert_id: alert.id,
            key: alert.key.clone(),
            priority: alert.priority,
            kind,
            level: alert.level,
            role: alert.escalation_path.get(alert.level as usize).cloned(),
            time_ms: now_ms,
        };
        self.state
            .dispatch
            .dispatch(&self.config, &self.contacts, &alert, &notice);
        if self.state.notices.len() == NOTICE_LOG {
            self.state.notices.pop_front();
        }
        self.state.notices.push_back(notice);
    }

    /// Marks alert `id` as acknowledged by `by`, which stops its escalation.
    ///
    /// # Errors
    ///
    /// Returns [`NotLive`] when no live alert has that id.
    pub fn acknowledge(&mut self, id: u64, by: &str, now_ms: TimeMs) -> Result<(), NotLive> {
        let alert = self.live_mut(id)?;
        if alert.status == AlertStatus::Open {
            alert.status = AlertStatus::Acknowledged;
            alert.acknowledged = Some((by.to_owned(), now_ms));
            alert.escalate_at_ms = None;
            alert.notify_at_ms = None;
            log::info!("alert {id} acknowledged by {by}");
        }
        Ok(())
    }

    /// Resolves alert `id`, notifying the roles that were notified of it.
    ///
    /// # Errors
    ///
    /// Returns [`NotLive`] when no live alert has that id.
    pub fn resolve(&mut self, id: u64, now_ms: TimeMs) -> Result<(), NotLive> {
        let index = self
            .state
            .live
            .iter()
            .position(|alert| alert.id == id)
            .ok_or(NotLive { id })?;
        let mut alert = self.state.live.remove(index);
        alert.status = AlertStatus::Resolved;
        alert.resolved_ms = Some(now_ms);
        alert.escalate_at_ms = None;
        alert.notify_at_ms = None;
        log::info!("alert {id} resolved");
        if alert.notified_ms.is_some() {
            self.emit(alert.clone(), NoticeKind::Resolved, now_ms);
        }
        if self.state.history.len() >= self.config.history.max(1) {
            self.state.history.pop_front();
        }
        self.state.history.push_back(alert);
        Ok(())
    }

    /// Resolves the live alert with `key`, if any, and returns its id.
    pub fn resolve_key(&mut self, key: &str, now_ms: TimeMs) -> Option<u64> {
        let id = self.state.live.iter().find(|a| a.key == key)?.id;
        self.resolve(id, now_ms).ok().map(|()| id)
    }

    fn live_mut(&mut self, id: u64) -> Result<&mut Alert, NotLive> {
        self.state
            .live
            .iter_mut()
            .find(|alert| alert.id == id)
            .ok_or(NotLive { id })
    }

    /// Runs the timers due at `now_ms`: escalations, deferred notifications and the MEDIUM
    /// digest.
    pub fn tick(&mut self, now_ms: TimeMs) {
        for index in 0..self.state.live.len() {
            if let Some(due) = self.state.live[index].notify_at_ms {
                if due <= now_ms && self.state.live[index].status == AlertStatus::Open {
                    let kind = if self.state.live[index].notified_ms.is_some() {
                        NoticeKind::Repeated
                    } else {
                        NoticeKind::Raised
                    };
                    self.notify(index, kind, now_ms);
                }
            }
            self.escalate(index, now_ms);
        }
        self.state.dispatch.flush_batch(&self.config, now_ms, false);
        self.prune_last_notified(now_ms);
    }

    fn escalate(&mut self, index: usize, now_ms: TimeMs) {
        loop {
            let alert = &mut self.state.live[index];
            let Some(due) = alert.escalate_at_ms else {
                return;
            };
            if due > now_ms || alert.status != AlertStatus::Open {
                return;
            }
            alert.level += 1;
            alert.escalations_ms.push(now_ms);
            log::warn!(
                "alert {} escalated to level {} after {} ms unacknowledged",
                alert.id,
                alert.level,
                now_ms - alert.raised_ms
            );
            let alert = alert.clone();
            self.state.live[index].escalate_at_ms = next_escalation(&self.config, &alert, due);
            self.emit(alert, NoticeKind::Escalated, now_ms);
        }
    }

    fn prune_last_notified(&mut self, now_ms: TimeMs) {
        let repeat = self.config.repeat_interval_ms;
        let live = &self.state.live;
        self.state
            .last_notified
            .retain(|key, last| *last + repeat > now_ms || live.iter().any(|a| &a.key == key));
    }

    /// The earliest time a timer is due: an escalation, a deferred notification or the MEDIUM
    /// digest. A host that sleeps calls [`AlertEngine::tick`] at that time.
    pub fn next_due_ms(&self) -> Option<TimeMs> {
        let open = self
            .state
            .live
            .iter()
            .filter(|a| a.status == AlertStatus::Open);
        open.flat_map(|a| [a.escalate_at_ms, a.notify_at_ms])
            .flatten()
            .chain(self.state.dispatch.batch_due_ms)
            .min()
    }

    /// Sends the MEDIUM digest now, whether or not its batching time has passed.
    pub fn flush(&mut self, now_ms: TimeMs) {
        self.state.dispatch.flush_batch(&self.config, now_ms, true);
    }

    /// Hands out the most urgent deliverable item on any of `channels` and leases it.
    pub fn poll_delivery(&mut self, channels: &[Channel], now_ms: TimeMs) -> Option<OutboxItem> {
        let delivery = &self.config.delivery;
        self.state.dispatch.outbox.poll(delivery, channels, now_ms)
    }

    /// Records the result of delivering outbox item `id`.
    pub fn acknowledge_delivery(&mut self, id: u64, delivered: bool, now_ms: TimeMs) -> AckOutcome {
        let delivery = &self.config.delivery;
        self.state
            .dispatch
            .outbox
            .acknowledge(delivery, id, delivered, now_ms)
    }

    /// Open and acknowledged alerts.
    pub fn live(&self) -> &[Alert] {
        &self.state.live
    }

    /// Resolved alerts, oldest first.
    pub fn history(&self) -> impl Iterator<Item = &Alert> {
        self.state.history.iter()
    }

    /// The live or resolved alert `id`.
    pub fn get(&self, id: u64) -> Option<&Alert> {
        let live = self.state.live.iter();
        live.chain(self.state.history.iter()).find(|a| a.id == id)
    }

    /// Takes the notices decided since the last call, oldest first.
    pub fn take_notices(&mut self) -> Vec<Notice> {
        self.state.notices.drain(..).collect()
    }

    /// Notifications the rate limit held back on `channel` since the engine started.
    pub fn held_back(&self, channel: Channel) -> u64 {
        self.state.dispatch.held_back(channel)
    }

    /// Alerts kept quiet by inhibition rules.
    pub fn inhibited(&self) -> u64 {
        self.state.inhibited
    }

    /// The highest priority among open alerts, if any.
    pub fn worst_open(&self) -> Option<Priority> {
        let open = self
            .state
            .live
            .iter()
            .filter(|a| a.status == AlertStatus::Open);
        open.map(|a| a.priority).max()
    }
}

/// When `alert` escalates next, counting from `from_ms`: `None` for LOW and at the path's end.
fn next_escalation(config: &AlertConfig, alert: &Alert, from_ms: TimeMs) -> Option<TimeMs> {
    let interval = config.escalation_ms(alert.priority)?;
    let more_roles = (alert.level as usize + 1) < alert.escalation_path.len();
    more_roles.then_some(from_ms + interval)
}

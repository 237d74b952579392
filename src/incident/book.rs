//! The incident book: every incident with its actions, their results and times, the response
//! deadline, and the recovery checklist.

use super::config::{IncidentConfig, IncidentKind, Phase};
use crate::account::TimeMs;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Result of one action taken for an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The action was carried out.
    Done,
    /// The action was handed to another part (the EA, the log rotation) to carry out.
    Requested,
    /// The action failed, with the error.
    Failed(String),
}

/// One action and its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionRecord {
    /// Time of the action.
    pub time_ms: TimeMs,
    /// What was done, for example `halt_trading` or `respond`.
    pub action: String,
    /// Its result.
    pub outcome: Outcome,
    /// Details: the verdict, the alert id, the values recorded.
    pub detail: String,
}

/// One checklist item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// The phase it belongs to.
    pub phase: Phase,
    /// What to do.
    pub text: String,
    /// Who ticked it off and when.
    pub done: Option<(String, TimeMs)>,
}

/// Where an incident is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(i32)]
pub enum IncidentStatus {
    /// Open and nobody has responded.
    Open = 0,
    /// Someone responded.
    Responded = 1,
    /// Closed.
    Closed = 2,
}

/// One incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// Identifier, unique within this account.
    pub id: u64,
    /// The kind.
    pub kind: IncidentKind,
    /// One line saying what happened.
    pub summary: String,
    /// Time it opened.
    pub opened_ms: TimeMs,
    /// Time by which someone must respond.
    pub respond_by_ms: TimeMs,
    /// Where it is in its life.
    pub status: IncidentStatus,
    /// Who responded and when.
    pub responded: Option<(String, TimeMs)>,
    /// Whether the response deadline passed without a response.
    pub deadline_missed: bool,
    /// Roles notified in turn.
    pub chain: Vec<String>,
    /// The alert that notifies the chain, once queued.
    pub alert_id: Option<u64>,
    /// Evidence preserved when it opened (JSON).
    pub evidence: Option<String>,
    /// Whether log rotation must keep the logs of its day.
    pub preserve_logs: bool,
    /// Every action with its result and time, oldest first.
    pub actions: Vec<ActionRecord>,
    /// The recovery checklist.
    pub checklist: Vec<ChecklistItem>,
    /// Time it closed.
    pub closed_ms: Option<TimeMs>,
}

impl Incident {
    /// The recovery phase at `now_ms`, from the time since it opened.
    pub fn phase_at(&self, config: &IncidentConfig, now_ms: TimeMs) -> Phase {
        let elapsed = now_ms - self.opened_ms;
        config
            .checklist
            .iter()
            .rev()
            .find(|phase| elapsed >= phase.starts_ms)
            .map_or(Phase::Assess, |phase| phase.phase)
    }

    fn record(&mut self, time_ms: TimeMs, action: &str, outcome: Outcome, detail: String) {
        self.actions.push(ActionRecord {
            time_ms,
            action: action.to_owned(),
            outcome,
            detail,
        });
    }
}

/// Error from an incident call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncidentError {
    /// No open incident has the id.
    #[error("incident {0} is not open: it was closed or never opened; list the open incidents")]
    NotOpen(u64),
    /// The checklist has no item at the index.
    #[error("incident {id} has {len} checklist items, so item {index} does not exist")]
    NoSuchItem {
        /// The incident.
        id: u64,
        /// The rejected index.
        index: usize,
        /// Items in the checklist.
        len: usize,
    },
}

/// Saved state of an [`IncidentBook`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentState {
    /// Next incident id.
    pub next_id: u64,
    /// Open incidents.
    pub open: Vec<Incident>,
    /// Closed incidents, newest last.
    pub closed: VecDeque<Incident>,
}

/// The incidents of one guarded account.
#[derive(Debug, Clone)]
pub struct IncidentBook {
    config: IncidentConfig,
    state: IncidentState,
}

impl IncidentBook {
    /// A book with no incidents.
    pub fn new(config: IncidentConfig) -> Self {
        let state = IncidentState {
            next_id: 1,
            ..IncidentState::default()
        };
        IncidentBook { config, state }
    }

    /// A book resumed from saved state.
    pub fn from_state(config: IncidentConfig, state: IncidentState) -> Self {
        IncidentBook { config, state }
    }

    /// The state to save.
    pub fn state(&self) -> &IncidentState {
        &self.state
    }

    /// The configuration.
    pub fn config(&self) -> &IncidentConfig {
        &self.config
    }

    /// Opens an incident and records the opening as its first action; returns its id.
    pub fn open(&mut self, kind: IncidentKind, summary: &str, now_ms: TimeMs) -> u64 {
        let policy = self.config.policy(kind);
        let id = self.state.next_id;
        self.state.next_id += 1;
        let checklist = self
            .config
            .checklist
            .iter()
            .flat_map(|phase| {
                phase.items.iter().map(|text| ChecklistItem {
                    phase: phase.phase,
                    text: text.clone(),
                    done: None,
                })
            })
            .collect();
        let mut incident = Incident {
            id,
            kind,
            summary: summary.to_owned(),
            opened_ms: now_ms,
            respond_by_ms: now_ms + policy.respond_within_ms,
            status: IncidentStatus::Open,
            responded: None,
            deadline_missed: false,
            chain: policy.chain,
            alert_id: None,
            evidence: None,
            preserve_logs: false,
            actions: Vec::new(),
            checklist,
            closed_ms: None,
        };
        incident.record(now_ms, "open_incident", Outcome::Done, summary.to_owned());
        log::error!("incident {id} ({}) opened: {summary}", kind.as_str());
        self.state.open.push(incident);
        id
    }

    /// Records an action taken for incident `id`.
    ///
    /// # Errors
    ///
    /// Returns [`IncidentError::NotOpen`] when no open incident has that id.
    pub fn record(
        &mut self,
        id: u64,
        action: &str,
        outcome: Outcome,
        detail: &str,
        now_ms: TimeMs,
    ) -> Result<(), IncidentError> {
        let incident = self.open_mut(id)?;
        incident.record(now_ms, action, outcome, detail.to_owned());
        Ok(())
    }

    /// Marks that `by` responded to incident `id`, which stops its deadline escalation.
    ///
    /// # Errors
    ///
    /// Returns [`IncidentError::NotOpen`] when no open incident has that id.
    pub fn respond(&mut self, id: u64, by: &str, now_ms: TimeMs) -> Result<(), IncidentError> {
        let incident = self.open_mut(id)?;
        if incident.responded.is_none() {
            let late = now_ms > incident.respond_by_ms;
            incident.responded = Some((by.to_owned(), now_ms));
            incident.status = IncidentStatus::Responded;
            let detail = if late {
                format!("{by} responded after the deadline")
            } else {
                format!("{by} responded within the deadline")
            };
            incident.record(now_ms, "respond", Outcome::Done, detail);
        }
        Ok(())
    }

    /// Ticks off checklist item `index` of incident `id`.
    ///
    /// # Errors
    ///
    /// Returns [`IncidentError::NotOpen`] or [`IncidentError::NoSuchItem`].
    pub fn tick_item(
        &mut self,
        id: u64,
        index: usize,
        by: &str,
        now_ms: TimeMs,
    ) -> Result<(), IncidentError> {
        let incident = self.open_mut(id)?;
        let len = incident.checklist.len();
        let item = incident
            .checklist
            .get_mut(index)
            .ok_or(IncidentError::NoSuchItem { id, index, len })?;
        if item.done.is_none() {
            item.done = Some((by.to_owned(), now_ms));
            let detail = format!("{}: {} (by {by})", item.phase.as_str(), item.text);
            incident.record(now_ms, "checklist", Outcome::Done, detail);
        }
        Ok(())
    }

    /// Closes incident `id`.
    ///
    /// # Errors
    ///
    /// Returns [`IncidentError::NotOpen`] when no open incident has that id.
    pub fn close(&mut self, id: u64, by: &str, now_ms: TimeMs) -> Result<(), IncidentError> {
        let index = self
            .state
            .open
            .iter()
            .position(|incident| incident.id == id)
            .ok_or(IncidentError::NotOpen(id))?;
        let mut incident = self.state.open.remove(index);
        let open_items = incident
            .checklist
            .iter()
            .filter(|i| i.done.is_none())
            .count();
        let detail = format!("closed by {by} with {open_items} checklist items not ticked");
        incident.record(now_ms, "close", Outcome::Done, detail);
        incident.status = IncidentStatus::Closed;
        incident.closed_ms = Some(now_ms);
        if self.state.closed.len() >= self.config.history.max(1) {
            self.state.closed.pop_front();
        }
        self.state.closed.push_back(incident);
        Ok(())
    }

    /// Marks the incidents whose response deadline passed at `now_ms` without a response, and
    /// returns their ids (each incident once).
    pub fn overdue(&mut self, now_ms: TimeMs) -> Vec<u64> {
        let mut ids = Vec::new();
        for incident in &mut self.state.open {
            let due = incident.responded.is_none() && now_ms > incident.respond_by_ms;
            if due && !incident.deadline_missed {
                incident.deadline_missed = true;
                let detail = format!(
                    "nobody responded within {} ms",
                    incident.respond_by_ms - incident.opened_ms
                );
                incident.record(
                    now_ms,
                    "deadline_missed",
                    Outcome::Failed(detail.clone()),
                    detail,
                );
                ids.push(incident.id);
            }
        }
        ids
    }

    /// Sets the alert that notifies the chain of incident `id`.
    ///
    /// # Errors
    ///
    /// Returns [`IncidentError::NotOpen`] when no open incident has that id.
    pub fn set_alert(&mut self, id: u64, alert_id: u64) -> Result<(), IncidentError> {
        self.open_mut(id)?.alert_id = Some(alert_id);
        Ok(())
    }

    /// Stores the evidence preserved for incident `id`.
    ///
    /// # Errors
    ///
    /// Returns [`IncidentError::NotOpen`] when no open incident has that id.
    pub fn set_evidence(&mut self, id: u64, evidence: String) -> Result<(), IncidentError> {
        self.open_mut(id)?.evidence = Some(evidence);
        Ok(())
    }

    /// Marks incident `id` so log rotation keeps its logs.
    ///
    /// # Errors
    ///
    /// Returns [`IncidentError::NotOpen`] when no open incident has that id.
    pub fn set_preserve_logs(&mut self, id: u64) -> Result<(), IncidentError> {
        self.open_mut(id)?.preserve_logs = true;
        Ok(())
    }

    fn open_mut(&mut self, id: u64) -> Result<&mut Incident, IncidentError> {
        self.state
            .open
            .iter_mut()
            .find(|incident| incident.id == id)
            .ok_or(IncidentError::NotOpen(id))
    }

    /// Open incidents.
    pub fn open_incidents(&self) -> &[Incident] {
        &self.state.open
    }

    /// Closed incidents, oldest first.
    pub fn closed_incidents(&self) -> impl Iterator<Item = &Incident> {
        self.state.closed.iter()
    }

    /// The open or closed incident `id`.
    pub fn get(&self, id: u64) -> Option<&Incident> {
        let open = self.state.open.iter();
        open.chain(self.state.closed.iter()).find(|i| i.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_builds_checklist_of_four_phases() {
        let mut book = IncidentBook::new(IncidentConfig::default());
        let id = book.open(IncidentKind::SystemFailure, "terminal froze", 1_000);
        let incident = book.get(id).expect("incident");
        assert_eq!(incident.respond_by_ms, 61_000);
        let phases: Vec<Phase> = incident.checklist.iter().map(|i| i.phase).collect();
        assert!(phases.contains(&Phase::Assess));
        assert!(phases.contains(&Phase::Review));
        assert_eq!(incident.actions[0].action, "open_incident");
    }

    #[test]
    fn phase_follows_elapsed_time() {
        let config = IncidentConfig::default();
        let mut book = IncidentBook::new(config.clone());
        let id = book.open(IncidentKind::ComplianceViolation, "breach", 0);
        let incident = book.get(id).expect("incident");
        assert_eq!(incident.phase_at(&config, 4 * 60_000), Phase::Assess);
        assert_eq!(incident.phase_at(&config, 5 * 60_000), Phase::Respond);
        assert_eq!(incident.phase_at(&config, 20 * 60_000), Phase::Recover);
        assert_eq!(incident.phase_at(&config, 2 * 3_600_000), Phase::Review);
    }

    #[test]
    fn overdue_reports_each_incident_once() {
        let mut book = IncidentBook::new(IncidentConfig::default());
        let id = book.open(IncidentKind::SecurityIncident, "login from unknown host", 0);
        assert!(
            book.overdue(10_000).is_empty(),
            "at the deadline it is not yet late"
        );
        assert_eq!(book.overdue(10_001), [id]);
        assert!(book.overdue(20_000).is_empty());
        assert!(book.get(id).expect("incident").deadline_missed);
    }

    #[test]
    fn respond_stops_deadline() {
        let mut book = IncidentBook::new(IncidentConfig::default());
        let id = book.open(IncidentKind::SecurityIncident, "x", 0);
        book.respond(id, "ana", 5_000).expect("open");
        assert!(book.overdue(60_000).is_empty());
    }

    #[test]
    fn tick_and_close_are_recorded() {
        let mut book = IncidentBook::new(IncidentConfig::default());
        let id = book.open(IncidentKind::TradingInterruption, "no connection", 0);
        book.tick_item(id, 0, "ana", 60_000).expect("item 0");
        let error = book
            .tick_item(id, 99, "ana", 60_000)
            .expect_err("no item 99");
        assert!(matches!(error, IncidentError::NoSuchItem { index: 99, .. }));
        book.close(id, "ana", 120_000).expect("open");
        let incident = book.get(id).expect("closed incident");
        assert_eq!(incident.status, IncidentStatus::Closed);
        assert!(incident.checklist[0].done.is_some());
        let actions: Vec<&str> = incident.actions.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(actions, ["open_incident", "checklist", "close"]);
        assert_eq!(
            book.close(id, "ana", 130_000),
            Err(IncidentError::NotOpen(id))
        );
    }
}

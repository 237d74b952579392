//! The health checks, alerts and incidents of a replay (or of a live run), as report sections.

use crate::alerts::{Alert, AlertEngine};
use crate::health::{HealthReport, Reading};
use crate::incident::{Incident, IncidentBook, Outcome, Watch};
use crate::time::rfc3339;
use serde::Serialize;
use std::fmt;

/// One alert raised during the run, with its escalations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertReport {
    /// Alert id.
    pub id: u64,
    /// Deduplication key, such as `compliance.incident.1`.
    pub key: String,
    /// Time it was raised (RFC 3339 UTC).
    pub time: String,
    /// `LOW`, `MEDIUM`, `HIGH` or `CRITICAL`.
    pub priority: String,
    /// Category, such as `compliance`.
    pub category: String,
    /// The alert's message.
    pub message: String,
    /// `open`, `acknowledged` or `resolved`.
    pub status: String,
    /// Times it was raised, counting the first.
    pub occurrences: u32,
    /// Each escalation, in order.
    pub escalations: Vec<EscalationReport>,
    /// Time it was resolved, if it was.
    pub resolved: Option<String>,
}

/// One escalation of an alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationReport {
    /// Level reached: 1 for the second role of the path.
    pub level: u32,
    /// Time of the escalation (RFC 3339 UTC).
    pub time: String,
    /// The role notified, if the path names one.
    pub role: Option<String>,
}

/// One incident opened during the run, with every action taken.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentReport {
    /// Incident id.
    pub id: u64,
    /// Kind, such as `compliance_violation`.
    pub kind: String,
    /// What happened.
    pub summary: String,
    /// Time it opened (RFC 3339 UTC).
    pub opened: String,
    /// Time by which someone had to respond.
    pub respond_by: String,
    /// Whether that time passed without a response.
    pub deadline_missed: bool,
    /// Time it closed, if it did.
    pub closed: Option<String>,
    /// The alert that notifies the escalation chain.
    pub alert_id: Option<u64>,
    /// Each action, in order.
    pub actions: Vec<ActionReport>,
}

/// One action taken for an incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionReport {
    /// Time of the action (RFC 3339 UTC).
    pub time: String,
    /// The action, such as `halt_trading`.
    pub action: String,
    /// `done`, `requested`, or `failed: ` and the error.
    pub outcome: String,
    /// Details.
    pub detail: String,
}

/// The health summary, alerts and incidents of one watch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatchReport {
    /// Every health check and the overall level.
    pub health: HealthReport,
    /// Alerts, resolved ones first, then live ones, each in the order raised.
    pub alerts: Vec<AlertReport>,
    /// Incidents, closed ones first, then open ones.
    pub incidents: Vec<IncidentReport>,
}

impl WatchReport {
    /// Builds the sections from the current state of `watch`.
    pub fn of(watch: &Watch) -> WatchReport {
        WatchReport {
            health: watch.health().report(),
            alerts: alert_reports(watch.alerts()),
            incidents: incident_reports(watch.incidents()),
        }
    }
}

fn alert_reports(alerts: &AlertEngine) -> Vec<AlertReport> {
    let mut all: Vec<&Alert> = alerts.history().chain(alerts.live()).collect();
    all.sort_by_key(|alert| alert.id);
    all.into_iter().map(alert_report).collect()
}

fn alert_report(alert: &Alert) -> AlertReport {
    let escalations = alert
        .escalations_ms
        .iter()
        .zip(1u32..)
        .map(|(time_ms, level)| EscalationReport {
            level,
            time: rfc3339(*time_ms),
            role: alert.escalation_path.get(level as usize).cloned(),
        })
        .collect();
    AlertReport {
        id: alert.id,
        key: alert.key.clone(),
        time: rfc3339(alert.raised_ms),
        priority: alert.priority.as_str().to_owned(),
        category: alert.category.as_str().to_owned(),
        message: alert.message.clone(),
        status: serde_plain(&alert.status),
        occurrences: alert.occurrences,
        escalations,
        resolved: alert.resolved_ms.map(rfc3339),
    }
}

fn incident_reports(book: &IncidentBook) -> Vec<IncidentReport> {
    let closed = book.closed_incidents();
    closed
        .chain(book.open_incidents())
        .map(incident_report)
        .collect()
}

fn incident_report(incident: &Incident) -> IncidentReport {
    let actions = incident
        .actions
        .iter()
        .map(|record| ActionReport {
            time: rfc3339(record.time_ms),
            action: record.action.clone(),
            outcome: match &record.outcome {
                Outcome::Done => "done".to_owned(),
                Outcome::Requested => "requested".to_owned(),
                Outcome::Failed(error) => format!("failed: {error}"),
            },
            detail: record.detail.clone(),
        })
        .collect();
    IncidentReport {
        id: incident.id,
        kind: incident.kind.as_str().to_owned(),
        summary: incident.summary.clone(),
        opened: rfc3339(incident.opened_ms),
        respond_by: rfc3339(incident.respond_by_ms),
        deadline_missed: incident.deadline_missed,
        closed: incident.closed_ms.map(rfc3339),
        alert_id: incident.alert_id,
        actions,
    }
}

/// Returns the snake-case serde name of a unit enum value.
fn serde_plain<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|json| json.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl fmt::Display for WatchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Health: {}", self.health.overall.as_str())?;
        for check in &self.health.checks {
            let value = match check.value {
                Reading::Known(value) => format!("{value:.2} {}", check.unit),
                Reading::Unknown(reason) => format!("unknown ({})", serde_plain(&reason)),
            };
            writeln!(
                f,
                "  {:<18} {:<8} {value}",
                check.check.as_str(),
                check.level.as_str()
            )?;
        }
        writeln!(f)?;
        writeln!(f, "Alerts raised: {}", self.alerts.len())?;
        for alert in &self.alerts {
            writeln!(
                f,
                "  #{} {} {} {} [{}]: {}",
                alert.id, alert.time, alert.priority, alert.key, alert.status, alert.message
            )?;
            for escalation in &alert.escalations {
                let role = escalation.role.as_deref().unwrap_or("no role");
                writeln!(
                    f,
                    "      escalated to level {} ({role}) at {}",
                    escalation.level, escalation.time
                )?;
            }
        }
        writeln!(f)?;
        writeln!(f, "Incidents: {}", self.incidents.len())?;
        for incident in &self.incidents {
            let state = if incident.closed.is_some() {
                "closed"
            } else {
                "open"
            };
            writeln!(
                f,
                "  #{} {} {} [{state}]: {}",
                incident.id, incident.opened, incident.kind, incident.summary
            )?;
            for action in &incident.actions {
                writeln!(
                    f,
                    "      {} {} {}",
                    action.time, action.action, action.outcome
                )?;
            }
        }
        Ok(())
    }
}

//! Reactions to compliance engine events and health changes: which alert to raise or resolve,
//! and which event opens an incident.

use super::config::IncidentKind;
use super::response::{declare, Declared, Responders};
use crate::account::Snapshot;
use crate::alerts::{AlertEngine, AlertSpec, Category, Priority};
use crate::compliance::{EngineEvent, Reason};
use crate::health::{CheckChange, Level};

fn spec(key: String, priority: Priority, category: Category, message: String) -> AlertSpec {
    AlertSpec {
        key,
        priority,
        category,
        message,
        details: String::new(),
        action: String::new(),
    }
}

/// Reacts to one engine event: opens an incident for a breach or a caught panic (which latches
/// the halt in the same call), raises or resolves the alerts of the others. Returns the
/// incident declared, if any.
pub fn react_to_event(
    parts: Responders<'_>,
    event: &EngineEvent,
    last_snapshot: Option<&Snapshot>,
) -> Option<Declared> {
    let time = event.time_ms();
    match *event {
        EngineEvent::Breached { rule, breach } => {
            let summary = format!(
                "{} breached: equity {:.2} below floor {:.2}",
                rule.as_str(),
                breach.equity,
                breach.floor
            );
            let details = format!(
                "breach at {}; lowest equity {:.2} at {}",
                crate::time::rfc3339(breach.time_ms),
                breach.min_equity,
                crate::time::rfc3339(breach.min_time_ms)
            );
            let kind = IncidentKind::ComplianceViolation;
            Some(declare(
                parts,
                kind,
                &summary,
                &details,
                last_snapshot,
                time,
            ))
        }
        EngineEvent::Blocked { reason, .. } if reason == Reason::PanicCaught => {
            let summary = "the library caught an internal panic";
            let details = reason.describe();
            let kind = IncidentKind::SystemFailure;
            Some(declare(parts, kind, summary, details, last_snapshot, time))
        }
        _ => {
            alert_for_event(parts.alerts, event);
            None
        }
    }
}

fn alert_for_event(alerts: &mut AlertEngine, event: &EngineEvent) {
    let time = event.time_ms();
    match *event {
        EngineEvent::Warning {
            rule,
            equity,
            floor,
            used_share,
            ..
        } => {
            let mut alert = spec(
                format!("compliance.warning.{}", rule.as_str()),
                Priority::High,
                Category::Compliance,
                format!("{} {:.0}% used", rule.as_str(), used_share * 100.0),
            );
            alert.details = format!("equity {equity:.2}, floor {floor:.2}");
            alert.action = "reduce exposure before the floor is reached".into();
            alerts.raise(alert, time);
        }
        EngineEvent::BufferEntered {
            rule,
            equity,
            floor,
            ..
        } => {
            let mut alert = spec(
                format!("compliance.buffer.{}", rule.as_str()),
                Priority::High,
                Category::Compliance,
                format!(
                    "{} safety buffer entered: closing all positions",
                    rule.as_str()
                ),
            );
            alert.details = format!("equity {equity:.2}, floor {floor:.2}");
            alert.action = "check that the EA closed every position".into();
            alerts.raise(alert, time);
        }
        EngineEvent::Lifted { rule, .. } => {
            alerts.resolve_key(&format!("compliance.buffer.{}", rule.as_str()), time);
            alerts.resolve_key(&format!("compliance.warning.{}", rule.as_str()), time);
        }
        EngineEvent::Blocked { reason, .. } => {
            if let Some((priority, category)) = blocked_alert(reason) {
                let mut alert = spec(
                    format!("blocked.{}", reason.as_str()),
                    priority,
                    category,
                    format!("trading blocked: {}", reason.as_str()),
                );
                alert.details = reason.describe().to_owned();
                alert.action = "fix the cause named in the details; trading resumes by itself \
                                unless an operator must clear the block"
                    .into();
                alerts.raise(alert, time);
            }
        }
        EngineEvent::Unblocked { previous, .. } => {
            alerts.resolve_key(&format!("blocked.{}", previous.as_str()), time);
        }
        EngineEvent::DayReset { .. } => {
            // A new firm day lifts the warnings of the old one.
            alerts.resolve_key("compliance.warning.daily_loss", time);
        }
        EngineEvent::GoalMet { rule, .. } => {
            let key = format!("compliance.goal.{}", rule.as_str());
            let message = format!("{} met", rule.as_str());
            alerts.raise(
                spec(key, Priority::Low, Category::Compliance, message),
                time,
            );
        }
        EngineEvent::XpwsActivated(activation) => {
            let symbol = activation.symbol.as_str();
            let key = format!("xpws.{symbol}");
            let message = format!("{symbol} entered XPWS mode for the week");
            alerts.raise(spec(key, Priority::Low, Category::Trading, message), time);
        }
        EngineEvent::Breached { .. } => {}
    }
}

/// Priority and category of the alert for a block with `reason`; `None` for the reasons that
/// have an alert of their own (breaches, buffers, the halt) or need none.
fn blocked_alert(reason: Reason) -> Option<(Priority, Category)> {
    match reason {
        Reason::None
        | Reason::DailyLossBreached
        | Reason::MaxLossBreached
        | Reason::DailyLossBuffer
        | Reason::MaxLossBuffer
        | Reason::Halted
        | Reason::PanicCaught => None,
        Reason::StaleData => Some((Priority::High, Category::Connectivity)),
        Reason::PersistFailed => Some((Priority::Critical, Category::System)),
        Reason::AnchorMismatch | Reason::UnknownAccount => {
            Some((Priority::Critical, Category::Compliance))
        }
        Reason::NoHistory => Some((Priority::Medium, Category::Compliance)),
        _ => Some((Priority::High, Category::Compliance)),
    }
}

/// Raises or resolves the alert of a health check whose confirmed level changed. Flapping
/// changes are not notified.
pub fn react_to_health(alerts: &mut AlertEngine, change: &CheckChange) {
    if change.suppressed {
        return;
    }
    let name = change.check.as_str();
    let key = format!("health.{name}");
    let value = change
        .value
        .map(|v| format!("{v:.1} {}", change.check.unit()))
        .unwrap_or_else(|| "unknown".into());
    let priority = match change.to {
        Level::Ok => {
            alerts.resolve_key(&key, change.time_ms);
            return;
        }
        Level::Critical => Priority::Critical,
        Level::Warning => match change.check {
            crate::health::Check::DailyLimitUsed | crate::health::Check::ExecutionSuccess => {
                Priority::High
            }
            _ => Priority::Medium,
        },
        Level::Unknown => Priority::Medium,
    };
    let category = match change.check {
        crate::health::Check::Connectivity => Category::Connectivity,
        crate::health::Check::Compliance | crate::health::Check::DailyLimitUsed => {
            Category::Compliance
        }
        crate::health::Check::ExecutionSuccess | crate::health::Check::SignalLatency => {
            Category::Trading
        }
        _ => Category::System,
    };
    let mut alert = spec(
        key,
        priority,
        category,
        format!("health {name} {}: {value}", change.to.as_str()),
    );
    alert.details = format!("was {}", change.from.as_str());
    alert.action = match change.to {
        Level::Unknown => "the metric cannot be read on this machine; check it by hand".into(),
        _ => format!("look at the {name} of the terminal's machine and account"),
    };
    alerts.raise(alert, change.time_ms);
}

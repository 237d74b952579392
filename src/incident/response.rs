//! Emergency response: opening an incident runs its automatic actions in the same call, and the
//! halt is latched in the compliance engine before any notification is queued, so it never
//! depends on an alert being delivered.

use super::book::{IncidentBook, Outcome};
use super::config::{AutoAction, IncidentKind};
use crate::account::{Snapshot, TimeMs};
use crate::alerts::{AlertEngine, AlertSpec, Priority};
use crate::compliance::{Decision, Engine, Reason};
use serde::Serialize;

/// What [`declare`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declared {
    /// The incident opened.
    pub incident_id: u64,
    /// The engine's decision after the actions (the halt, when latched).
    pub decision: Decision,
    /// The alert queued for the chain, unless inhibited or not configured.
    pub alert_id: Option<u64>,
}

/// The parts an emergency response acts on.
#[derive(Debug)]
pub struct Responders<'a> {
    /// The compliance engine, which latches the halt.
    pub engine: &'a mut Engine,
    /// The alert engine, which notifies the chain.
    pub alerts: &'a mut AlertEngine,
    /// The incident book, which records everything.
    pub book: &'a mut IncidentBook,
}

#[derive(Serialize)]
struct Evidence<'a> {
    decision: Decision,
    rules: &'a [crate::compliance::RuleReport],
    snapshot: Option<EvidenceSnapshot>,
}

#[derive(Serialize)]
struct EvidenceSnapshot {
    time_ms: TimeMs,
    balance: f64,
    equity: f64,
    open_positions: u32,
    pending_orders: u32,
    connected: bool,
}

impl From<&Snapshot> for EvidenceSnapshot {
    fn from(s: &Snapshot) -> Self {
        EvidenceSnapshot {
            time_ms: s.time_ms,
            balance: s.balance,
            equity: s.equity,
            open_positions: s.open_positions,
            pending_orders: s.pending_orders,
            connected: s.connected,
        }
    }
}

/// Opens an incident of `kind` at `now_ms` and runs its automatic actions in order, recording
/// each with its result. `last_snapshot` is the latest account snapshot, if any.
pub fn declare(
    parts: Responders<'_>,
    kind: IncidentKind,
    summary: &str,
    details: &str,
    last_snapshot: Option<&Snapshot>,
    now_ms: TimeMs,
) -> Declared {
    let Responders {
        engine,
        alerts,
        book,
    } = parts;
    let id = book.open(kind, summary, now_ms);
    let policy = book.config().policy(kind);
    let mut alert_id = None;
    // Stopping trading comes first whatever the configured order, so nothing after it can
    // delay it.
    for action in policy.actions.iter().copied() {
        match action {
            AutoAction::HaltTrading => halt(engine, book, id, action, now_ms),
            AutoAction::StopTrading if engine.decision().may_trade_now() => {
                halt(engine, book, id, action, now_ms)
            }
            AutoAction::StopTrading => {
                let decision = engine.decision();
                let detail = format!(
                    "already stopped: verdict {:?}, reason {}",
                    decision.verdict,
                    decision.reason.as_str()
                );
                let _ = book.record(id, action.as_str(), Outcome::Done, &detail, now_ms);
            }
            _ => {}
        }
    }
    for action in policy.actions.iter().copied() {
        let name = action.as_str();
        let (outcome, detail) = match action {
            AutoAction::HaltTrading | AutoAction::StopTrading => continue,
            AutoAction::AssessPositions => match last_snapshot {
                Some(s) => (
                    Outcome::Done,
                    format!(
                        "{} open positions, {} pending orders, balance {:.2}, equity {:.2}, \
                         connected {}",
                        s.open_positions, s.pending_orders, s.balance, s.equity, s.connected
                    ),
                ),
                None => (
                    Outcome::Failed("no snapshot received yet".into()),
                    String::new(),
                ),
            },
            AutoAction::PreserveEvidence => {
                let evidence = Evidence {
                    decision: engine.decision(),
                    rules: engine.rules(),
                    snapshot: last_snapshot.map(EvidenceSnapshot::from),
                };
                match serde_json::to_string(&evidence) {
                    Ok(json) => {
                        let bytes = json.len();
                        let _ = book.set_evidence(id, json);
                        (
                            Outcome::Done,
                            format!("{bytes} bytes of rule and account state"),
                        )
                    }
                    Err(error) => (Outcome::Failed(error.to_string()), String::new()),
                }
            }
            AutoAction::PreserveLogs => {
                let _ = book.set_preserve_logs(id);
                (
                    Outcome::Requested,
                    "log rotation keeps the logs of this incident's day".into(),
                )
            }
            AutoAction::Notify => {
                let spec = AlertSpec {
                    key: format!("{}.incident.{id}", kind.category().as_str()),
                    priority: Priority::Critical,
                    category: kind.category(),
                    message: format!("{} incident {id}: {summary}", kind.as_str()),
                    details: details.to_owned(),
                    action: format!(
                        "respond within {} s and work through the recovery checklist",
                        policy.respond_within_ms / 1_000
                    ),
                };
                let raised = alerts.raise_with_path(spec, policy.chain.clone(), now_ms);
                let queued = raised.id();
                alert_id = Some(queued);
                let _ = book.set_alert(id, queued);
                let chain = policy.chain.join(", ");
                (
                    Outcome::Done,
                    format!("CRITICAL alert {queued} for {chain}"),
                )
            }
            AutoAction::NotifyBroker => {
                let role = book.config().broker_role.clone();
                let spec = AlertSpec {
                    key: format!("trading.broker.incident.{id}"),
                    priority: Priority::High,
                    category: kind.category(),
                    message: format!("trading interrupted: {summary}"),
                    details: details.to_owned(),
                    action: "check the trade server and the account's order flow".into(),
                };
                let raised = alerts.raise_with_path(spec, vec![role.clone()], now_ms);
                (
                    Outcome::Done,
                    format!("HIGH alert {} for {role}", raised.id()),
                )
            }
        };
        let _ = book.record(id, name, outcome, &detail, now_ms);
    }
    Declared {
        incident_id: id,
        decision: engine.decision(),
        alert_id,
    }
}

fn halt(engine: &mut Engine, book: &mut IncidentBook, id: u64, action: AutoAction, now_ms: TimeMs) {
    let (outcome, detail) = match engine.latch_block(Reason::Halted, now_ms) {
        Ok(decision) => (
            Outcome::Done,
            format!(
                "verdict {:?}, reason {}",
                decision.verdict,
                decision.reason.as_str()
            ),
        ),
        Err(error) => (Outcome::Failed(error.to_string()), String::new()),
    };
    let _ = book.record(id, action.as_str(), outcome, &detail, now_ms);
}

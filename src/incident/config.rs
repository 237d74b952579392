//! Incident kinds, their response policies, and the recovery checklist, with the documented
//! defaults as configuration.

use crate::alerts::Category;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The kinds of emergency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(i32)]
pub enum IncidentKind {
    /// The library, the terminal or the machine failed.
    SystemFailure = 0,
    /// Trading stopped working: no connection, orders not executing.
    TradingInterruption = 1,
    /// A prop-firm rule was breached.
    ComplianceViolation = 2,
    /// Unexpected access or tampering.
    SecurityIncident = 3,
}

impl IncidentKind {
    /// Every kind.
    pub const ALL: [IncidentKind; 4] = [
        IncidentKind::SystemFailure,
        IncidentKind::TradingInterruption,
        IncidentKind::ComplianceViolation,
        IncidentKind::SecurityIncident,
    ];

    /// Snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentKind::SystemFailure => "system_failure",
            IncidentKind::TradingInterruption => "trading_interruption",
            IncidentKind::ComplianceViolation => "compliance_violation",
            IncidentKind::SecurityIncident => "security_incident",
        }
    }

    /// The alert category its notifications use.
    pub fn category(self) -> Category {
        match self {
            IncidentKind::SystemFailure => Category::System,
            IncidentKind::TradingInterruption => Category::Trading,
            IncidentKind::ComplianceViolation => Category::Compliance,
            IncidentKind::SecurityIncident => Category::Security,
        }
    }

    /// The kind with the C ABI number `value`.
    pub fn from_i32(value: i32) -> Option<IncidentKind> {
        IncidentKind::ALL.into_iter().find(|k| *k as i32 == value)
    }
}

/// An action taken automatically when an incident opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoAction {
    /// Latch the halt: close positions, delete pending orders, reject new orders.
    HaltTrading,
    /// Stop new trading: when the engine already blocks trading (a caught panic, a failed
    /// save) the block is recorded as it is; otherwise the halt is latched.
    StopTrading,
    /// Record the open positions, pending orders and equity in the incident.
    AssessPositions,
    /// Record the rule floors, the verdict and the engine state in the incident.
    PreserveEvidence,
    /// Mark the incident so that log rotation keeps the logs of its day.
    PreserveLogs,
    /// Queue a CRITICAL alert for the first role of the escalation chain.
    Notify,
    /// Queue a HIGH alert for the broker contact role.
    NotifyBroker,
}

impl AutoAction {
    /// Snake-case name, as incident records show it.
    pub fn as_str(self) -> &'static str {
        match self {
            AutoAction::HaltTrading => "halt_trading",
            AutoAction::StopTrading => "stop_trading",
            AutoAction::AssessPositions => "assess_positions",
            AutoAction::PreserveEvidence => "preserve_evidence",
            AutoAction::PreserveLogs => "preserve_logs",
            AutoAction::Notify => "notify",
            AutoAction::NotifyBroker => "notify_broker",
        }
    }
}

/// How one kind of incident is handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Time within which someone must respond, milliseconds; past it the incident escalates.
    pub respond_within_ms: i64,
    /// Actions taken automatically, in order, when it opens.
    pub actions: Vec<AutoAction>,
    /// Roles notified in turn.
    pub chain: Vec<String>,
}

/// A recovery phase, timed from the incident's opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(i32)]
pub enum Phase {
    /// 0 to 5 minutes: find out what happened.
    Assess = 0,
    /// 5 to 15 minutes: contain it.
    Respond = 1,
    /// 15 to 60 minutes: restore normal operation.
    Recover = 2,
    /// 1 to 24 hours: learn from it.
    Review = 3,
}

impl Phase {
    /// Snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Assess => "assess",
            Phase::Respond => "respond",
            Phase::Recover => "recover",
            Phase::Review => "review",
        }
    }
}

/// One phase of the recovery checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseTemplate {
    /// The phase.
    pub phase: Phase,
    /// Start, milliseconds after the incident opened.
    pub starts_ms: i64,
    /// End, milliseconds after the incident opened.
    pub ends_ms: i64,
    /// Items to tick off.
    pub items: Vec<String>,
}

/// The `[incidents]` section of the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IncidentConfig {
    /// Policy per kind.
    pub policies: BTreeMap<IncidentKind, Policy>,
    /// The recovery checklist, phase by phase.
    pub checklist: Vec<PhaseTemplate>,
    /// Role notified by [`AutoAction::NotifyBroker`].
    pub broker_role: String,
    /// Closed incidents kept for reports.
    pub history: usize,
}

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;

fn roles(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

fn items(texts: &[&str]) -> Vec<String> {
    roles(texts)
}

impl Default for IncidentConfig {
    fn default() -> Self {
        use AutoAction::*;
        let policy = |seconds: i64, actions: Vec<AutoAction>, chain: &[&str]| Policy {
            respond_within_ms: seconds * SECOND,
            actions,
            chain: roles(chain),
        };
        let policies = BTreeMap::from([
            (
                IncidentKind::SystemFailure,
                policy(
                    60,
                    vec![StopTrading, PreserveLogs, Notify],
                    &["technical_lead", "system_admin", "management"],
                ),
            ),
            (
                IncidentKind::TradingInterruption,
                policy(
                    30,
                    vec![AssessPositions, StopTrading, NotifyBroker, Notify],
                    &["trading_desk", "risk_manager", "compliance_officer"],
                ),
            ),
            (
                IncidentKind::ComplianceViolation,
                policy(
                    15,
                    vec![HaltTrading, PreserveEvidence, Notify],
                    &["compliance_officer", "risk_manager", "legal"],
                ),
            ),
            (
                IncidentKind::SecurityIncident,
                policy(
                    10,
                    vec![HaltTrading, PreserveLogs, PreserveEvidence, Notify],
                    &["security_team", "system_admin", "management"],
                ),
            ),
        ]);
        let phase = |phase, starts_ms, ends_ms, texts: &[&str]| PhaseTemplate {
            phase,
            starts_ms,
            ends_ms,
            items: items(texts),
        };
        let checklist = vec![
            phase(
                Phase::Assess,
                0,
                5 * MINUTE,
                &[
                    "confirm the halt holds in the terminal",
                    "list open positions and pending orders",
                    "identify what triggered the incident",
                ],
            ),
            phase(
                Phase::Respond,
                5 * MINUTE,
                15 * MINUTE,
                &[
                    "close or hedge any position the halt could not close",
                    "inform the firm or broker if the rules require it",
                ],
            ),
            phase(
                Phase::Recover,
                15 * MINUTE,
                60 * MINUTE,
                &[
                    "fix the cause and verify the state and floors",
                    "lift the halt and confirm trading works",
                ],
            ),
            phase(
                Phase::Review,
                60 * MINUTE,
                24 * 60 * MINUTE,
                &[
                    "write down the timeline and the root cause",
                    "record the changes that prevent a repeat",
                ],
            ),
        ];
        IncidentConfig {
            policies,
            checklist,
            broker_role: "broker_contact".to_owned(),
            history: 200,
        }
    }
}

impl IncidentConfig {
    /// The policy for `kind`: the configured one, or the default when the section omits it.
    pub fn policy(&self, kind: IncidentKind) -> Policy {
        self.policies.get(&kind).cloned().unwrap_or_else(|| {
            IncidentConfig::default()
                .policies
                .remove(&kind)
                .unwrap_or(Policy {
                    respond_within_ms: 60 * SECOND,
                    actions: vec![AutoAction::HaltTrading, AutoAction::Notify],
                    chain: Vec::new(),
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_deadlines_match_the_table() {
        let config = IncidentConfig::default();
        let deadline = |kind| config.policy(kind).respond_within_ms;
        assert_eq!(deadline(IncidentKind::SystemFailure), 60_000);
        assert_eq!(deadline(IncidentKind::TradingInterruption), 30_000);
        assert_eq!(deadline(IncidentKind::ComplianceViolation), 15_000);
        assert_eq!(deadline(IncidentKind::SecurityIncident), 10_000);
    }

    #[test]
    fn compliance_chain_and_actions() {
        let policy = IncidentConfig::default().policy(IncidentKind::ComplianceViolation);
        assert_eq!(
            policy.chain,
            ["compliance_officer", "risk_manager", "legal"]
        );
        assert_eq!(policy.actions[0], AutoAction::HaltTrading);
    }

    #[test]
    fn empty_section_is_default() {
        let config: IncidentConfig = toml::from_str("").expect("empty section");
        assert_eq!(config, IncidentConfig::default());
    }

    #[test]
    fn partial_section_keeps_default_policies() {
        let text = "[policies.security_incident]\nrespond_within_ms = 5000\nactions = [\"notify\"]\nchain = [\"security_team\"]\n";
        let config: IncidentConfig = toml::from_str(text).expect("partial section");
        let security = config.policy(IncidentKind::SecurityIncident);
        assert_eq!(security.respond_within_ms, 5_000);
        let compliance = config.policy(IncidentKind::ComplianceViolation);
        assert_eq!(compliance.respond_within_ms, 15_000);
    }
}

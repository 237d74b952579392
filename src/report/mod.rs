//! Reports an operator reads: each as JSON, as readable text and as a
//! self-contained HTML page with inline SVG charts (no script, nothing fetched).
//!
//! - [`daily`]: the day's trades, result, rule room used and alerts.
//! - [`weekly`]: trading, system and XPWS figures with recommendations.
//! - [`monthly`]: the audit, with an overall assessment.

pub mod audit;
pub mod collect;
pub mod daily;
pub mod html;
pub mod monthly;
pub mod svg;
pub mod webhook;
pub mod weekly;

use html::Page;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use svg::BreachMark;

/// One rule's standing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleLine {
    /// The rule's snake_case name, such as `daily_loss`.
    pub rule: String,
    /// The floor (or goal), in account currency.
    pub floor: f64,
    /// Room left, in account currency.
    pub room: f64,
    /// Share of the room used, 0 to 1.
    pub used_share: f64,
    /// `ok`, `warning`, `breached`, or the goal's state.
    pub status: String,
    /// The latched breach, if any.
    pub breach: Option<BreachMark>,
}

/// One alert as reports list it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertLine {
    /// When it was raised (RFC 3339, UTC).
    pub time: String,
    /// `critical`, `high`, `medium` or `low`.
    pub priority: String,
    /// The category.
    pub category: String,
    /// The message.
    pub message: String,
    /// `open`, `acknowledged` or `resolved`.
    pub state: String,
}

/// Seriousness of a finding or recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Nothing to do.
    Ok,
    /// Worth a look.
    Low,
    /// Should be handled this week.
    Medium,
    /// Should be handled today.
    High,
    /// Needs action now.
    Critical,
}

impl Severity {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// A finding of an audit or a recommendation of a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The area, such as `cpu`, `security` or `signal_latency`.
    pub area: String,
    /// Its seriousness.
    pub severity: Severity,
    /// What was found and what to do, in sentences.
    pub text: String,
}

/// Formats an amount of account currency with two decimals.
pub fn money(value: f64) -> String {
    // An empty sum is -0.0, which would print as "-0.00".
    let value = if value == 0.0 { 0.0 } else { value };
    format!("{value:.2}")
}

/// Formats a share (0 to 1) as a percentage with one decimal.
pub fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn optional(value: Option<f64>, format: fn(f64) -> String) -> String {
    value.map_or_else(|| "n/a".to_owned(), format)
}

fn rules_text(rules: &[RuleLine]) -> String {
    let mut text = String::from("\nRules:\n");
    if rules.is_empty() {
        text.push_str("  no rule figures\n");
    }
    for rule in rules {
        let _ = writeln!(
            text,
            "  {:<18} floor {:>12}  room {:>12}  used {:>7}  {}",
            rule.rule,
            money(rule.floor),
            money(rule.room),
            percent(rule.used_share),
            rule.status
        );
    }
    text
}

fn rules_html(page: &mut Page, rules: &[RuleLine]) {
    let rows: Vec<Vec<String>> = rules
        .iter()
        .map(|rule| {
            vec![
                rule.rule.clone(),
                money(rule.floor),
                money(rule.room),
                percent(rule.used_share),
                rule.status.clone(),
            ]
        })
        .collect();
    page.heading("rules", "Rules").table(
        "rules-table",
        &["rule", "floor", "room", "used", "status"],
        &rows,
    );
}

fn alerts_text(alerts: &[AlertLine]) -> String {
    let mut text = format!("\nAlerts: {}\n", alerts.len());
    for alert in alerts {
        let _ = writeln!(
            text,
            "  {} {:<8} {:<12} {} ({})",
            alert.time, alert.priority, alert.category, alert.message, alert.state
        );
    }
    text
}

fn alerts_html(page: &mut Page, alerts: &[AlertLine]) {
    let rows: Vec<Vec<String>> = alerts
        .iter()
        .map(|a| {
            vec![
                a.time.clone(),
                a.priority.clone(),
                a.category.clone(),
                a.message.clone(),
                a.state.clone(),
            ]
        })
        .collect();
    page.heading("alerts", "Alerts").table(
        "alerts-table",
        &["time", "priority", "category", "message", "state"],
        &rows,
    );
}

fn findings_text(title: &str, findings: &[Finding]) -> String {
    let mut text = format!("\n{title}:\n");
    if findings.is_empty() {
        text.push_str("  none\n");
    }
    for finding in findings {
        let _ = writeln!(
            text,
            "  [{}] {}: {}",
            finding.severity.as_str(),
            finding.area,
            finding.text
        );
    }
    text
}

fn findings_html(page: &mut Page, id: &str, title: &str, findings: &[Finding]) {
    let rows: Vec<Vec<String>> = findings
        .iter()
        .map(|f| {
            vec![
                f.severity.as_str().to_owned(),
                f.area.clone(),
                f.text.clone(),
            ]
        })
        .collect();
    page.heading(id, title).table(
        &format!("{id}-table"),
        &["severity", "area", "finding"],
        &rows,
    );
}

//! Builds the daily, weekly and monthly reports from a state directory: the
//! journal's deals, snapshots, alerts and maintenance runs, the saved engine
//! state, and a fresh reading of the machine's vitals.

use super::daily::{DailyInput, DailyReport};
use super::monthly::{directory_size, permission_finding, Assessment, MonthlyAudit, WeekQuality};
use super::svg::{BreachMark, CurvePoint, EquityChart};
use super::weekly::{SystemFigures, TradingFigures, WeeklyReport, XpwsFigures};
use super::{AlertLine, Finding, RuleLine, Severity};
use crate::account::{Deal, Snapshot, TimeMs};
use crate::compliance::{Engine, EngineState};
use crate::config::Config;
use crate::health::{
    compare_targets, find_bottlenecks, HealthConfig, Performance, Probe, SampleHistory, Vitals,
};
use crate::maintenance::redact::Redactor;
use crate::maintenance::{MaintenanceRecord, RunStatus};
use crate::store::{RecordKind, StoreError, StoreReader};
use crate::time::{rfc3339, TimeError};
use chrono::{Datelike, Duration, NaiveDate};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::store::ENGINE_STATE_KEY;

/// Error for a report that cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The journal could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A date is out of range.
    #[error(transparent)]
    Time(#[from] TimeError),
}

/// The sources of a report's figures.
#[derive(Debug)]
pub struct Sources<'a> {
    /// The state directory.
    pub root: &'a Path,
    /// The configuration (its rules and firm clock).
    pub config: &'a Config,
    /// The configuration file's text, for the security checks.
    pub config_text: &'a str,
    /// The journal, when the state directory has one.
    pub reader: Option<&'a StoreReader>,
    /// Health thresholds, bottleneck rules and targets.
    pub health: &'a HealthConfig,
    /// The account label.
    pub account: String,
}

impl Sources<'_> {
    fn bodies<T: serde::de::DeserializeOwned>(
        &self,
        kind: RecordKind,
        from: TimeMs,
        to: TimeMs,
    ) -> Result<Vec<T>, CollectError> {
        let Some(reader) = self.reader else {
            return Ok(Vec::new());
        };
        Ok(reader
            .records_of(kind, from, to)?
            .iter()
            .filter_map(|record| serde_json::from_str(&record.body).ok())
            .collect())
    }

    fn deals(&self, from: TimeMs, to: TimeMs) -> Result<Vec<Deal>, CollectError> {
        self.bodies(RecordKind::Deal, from, to)
    }

    fn snapshots(&self, from: TimeMs, to: TimeMs) -> Result<Vec<Snapshot>, CollectError> {
        self.bodies(RecordKind::Snapshot, from, to)
    }

    fn alerts(&self, from: TimeMs, to: TimeMs) -> Result<Vec<AlertLine>, CollectError> {
        let values: Vec<serde_json::Value> = self.bodies(RecordKind::Alert, from, to)?;
        let text = |value: &serde_json::Value, key: &str| match &value[key] {
            serde_json::Value::String(text) => text.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        Ok(values
            .iter()
            .map(|value| AlertLine {
                time: value["time_ms"]
                    .as_i64()
                    .map(rfc3339)
                    .unwrap_or_else(|| text(value, "time")),
                priority: text(value, "priority"),
                category: text(value, "category"),
                message: text(value, "message"),
                state: text(value, "state"),
            })
            .collect())
    }

    fn maintenance(
        &self,
        from: TimeMs,
        to: TimeMs,
    ) -> Result<Vec<MaintenanceRecord>, CollectError> {
        self.bodies(RecordKind::Maintenance, from, to)
    }

    /// The engine restored from its saved state, when there is one that fits the rules.
    fn engine(&self) -> Option<Engine> {
        let state = self
            .reader?
            .load_state::<EngineState>(ENGINE_STATE_KEY)
            .ok()??;
        Engine::from_state(self.config.rules.clone(), state.value).ok()
    }

    fn rule_lines(&self) -> Vec<RuleLine> {
        let Some(engine) = self.engine() else {
            return Vec::new();
        };
        engine
            .rules()
            .iter()
            .map(|report| RuleLine {
                rule: report.rule.as_str().to_owned(),
                floor: report.floor,
                room: report.room,
                used_share: report.used_share,
                status: report.status.as_str().to_owned(),
                breach: report.breach.map(|breach| BreachMark {
                    time_ms: breach.time_ms,
                    rule: report.rule.as_str().to_owned(),
                    equity: breach.equity,
                    floor: breach.floor,
                }),
            })
            .collect()
    }

    fn span(&self, first: NaiveDate, days: i64) -> Result<(TimeMs, TimeMs), CollectError> {
        let clock = self.config.rules.clock;
        Ok((
            clock.day_start_ms(first)?,
            clock.day_start_ms(first + Duration::days(days))?,
        ))
    }
}

/// Builds the daily report of firm day `date`.
///
/// # Errors
///
/// [`CollectError`] when the journal cannot be read.
pub fn daily(sources: &Sources<'_>, date: NaiveDate) -> Result<DailyReport, CollectError> {
    let (start, end) = sources.span(date, 1)?;
    let deals = sources.deals(start, end)?;
    let snapshots = sources.snapshots(start, end)?;
    Ok(DailyReport::build(DailyInput {
        date,
        clock: sources.config.rules.clock,
        account: sources.account.clone(),
        deals: &deals,
        snapshots: &snapshots,
        rules: sources.rule_lines(),
        alerts: sources.alerts(start, end)?,
    })?)
}

/// Takes two samples of the machine's vitals a short time apart (CPU use needs two).
pub fn sample_vitals(root: &Path, health: &HealthConfig) -> Vitals {
    let mut probe = Probe::new(root);
    let mut history = SampleHistory::new(health.cpu_average_samples);
    let now_ms = || chrono::Utc::now().timestamp_millis();
    history.next(probe.refresh(), now_ms(), Instant::now());
    std::thread::sleep(std::time::Duration::from_millis(250));
    history.next(probe.refresh(), now_ms(), Instant::now())
}

/// Recommendations from the bottleneck rules and the optimisation targets.
pub fn recommendations(
    health: &HealthConfig,
    vitals: &Vitals,
    performance: &Performance,
) -> Vec<Finding> {
    let mut found: Vec<Finding> = find_bottlenecks(&health.bottlenecks, vitals, performance)
        .into_iter()
        .map(|b| Finding {
            area: b.resource.clone(),
            severity: match b.severity {
                crate::alerts::Priority::Critical => Severity::Critical,
                crate::alerts::Priority::High => Severity::High,
                crate::alerts::Priority::Medium => Severity::Medium,
                crate::alerts::Priority::Low => Severity::Low,
            },
            text: format!(
                "{} at {:.1}, above {:.1}: {}",
                b.resource, b.value, b.limit, b.recommendation
            ),
        })
        .collect();
    for target in compare_targets(&health.targets, vitals, performance) {
        let (severity, text) = match (target.met, target.actual) {
            (Some(false), Some(actual)) => (
                Severity::Medium,
                format!(
                    "{actual:.1} is above the target of {}; see the bottleneck advice",
                    target.target
                ),
            ),
            (Some(true), Some(actual)) => (
                Severity::Ok,
                format!("{actual:.1}, under the target of {}", target.target),
            ),
            _ => (
                Severity::Low,
                format!("not measured; the target is under {}", target.target),
            ),
        };
        found.push(Finding {
            area: target.name,
            severity,
            text,
        });
    }
    found
}

fn trading_figures(deals: &[Deal], start_balance: Option<f64>) -> TradingFigures {
    let figures = crate::stats::compute(deals, start_balance.unwrap_or(0.0));
    TradingFigures {
        total_trades: figures.trades,
        win_rate: (figures.trades > 0).then_some(figures.win_rate / 100.0),
        profit_factor: figures.profit_factor,
        sharpe_ratio: (figures.trades > 1).then_some(figures.sharpe_ratio),
        max_drawdown: figures.max_balance_drawdown,
        max_drawdown_share: start_balance.map(|_| figures.max_balance_drawdown_pct / 100.0),
        net_profit: figures.net_profit,
    }
}

fn chart(snapshots: &[Snapshot], rules: &[RuleLine], start: TimeMs, end: TimeMs) -> EquityChart {
    let floor = |name: &str| -> Vec<(TimeMs, f64)> {
        rules
            .iter()
            .filter(|r| r.rule == name)
            .map(|r| (start, r.floor))
            .collect()
    };
    EquityChart {
        points: snapshots
            .iter()
            .filter(|s| s.equity.is_finite())
            .map(|s| CurvePoint {
                time_ms: s.time_ms,
                balance: s.balance,
                equity: s.equity,
            })
            .collect(),
        daily_floor: floor("daily_loss"),
        max_floor: floor("max_loss"),
        breaches: rules
            .iter()
            .filter_map(|r| r.breach.clone())
            .filter(|b| (start..end).contains(&b.time_ms))
            .collect(),
    }
}

fn failed_share(records: &[MaintenanceRecord]) -> Option<f64> {
    let tasks: Vec<_> = records.iter().flat_map(|r| &r.tasks).collect();
    let failed = tasks
        .iter()
        .filter(|t| {
            matches!(
                t.status,
                crate::maintenance::TaskStatus::Failed | crate::maintenance::TaskStatus::Skipped
            )
        })
        .count();
    (!tasks.is_empty()).then(|| failed as f64 / tasks.len() as f64)
}

/// Builds the weekly review of the firm week starting on Monday `week_start`.
///
/// # Errors
///
/// [`CollectError`] when the journal cannot be read.
pub fn weekly(
    sources: &Sources<'_>,
    week_start: NaiveDate,
    vitals: &Vitals,
) -> Result<WeeklyReport, CollectError> {
    let (start, end) = sources.span(week_start, 7)?;
    let deals = sources.deals(start, end)?;
    let snapshots = sources.snapshots(start, end)?;
    let rules = sources.rule_lines();
    let connected = snapshots.iter().filter(|s| s.connected).count();
    let engine = sources.engine();
    let activations: Vec<_> = engine
        .as_ref()
        .map(|e| {
            e.xpws()
                .activations
                .iter()
                .filter(|a| a.week_start == week_start)
                .copied()
                .collect()
        })
        .unwrap_or_default();
    let mut report = WeeklyReport {
        week_start,
        account: sources.account.clone(),
        trading: trading_figures(&deals, snapshots.first().map(|s| s.balance)),
        system: SystemFigures {
            uptime_share: (!snapshots.is_empty())
                .then(|| connected as f64 / snapshots.len() as f64),
            // NOTE: the journal contains no latency summaries yet, so both averages stay unknown.
            avg_signal_ms: None,
            avg_execution_ms: None,
            error_rate: failed_share(&sources.maintenance(start, end)?),
        },
        xpws: XpwsFigures {
            activations: activations.len() as u32,
            extra_profit: engine.as_ref().map_or(0.0, |e| e.xpws().extra_profit_total),
            active_symbols: activations
                .iter()
                .map(|a| a.symbol.as_str().to_owned())
                .collect(),
        },
        recommendations: recommendations(sources.health, vitals, &Performance::default()),
        latency: Vec::new(),
        chart: chart(&snapshots, &rules, start, end),
        zone: sources.config.rules.clock.zone.name().to_owned(),
    };
    report.sort_recommendations();
    Ok(report)
}

fn finding(area: &str, severity: Severity, text: String) -> Finding {
    Finding {
        area: area.to_owned(),
        severity,
        text,
    }
}

/// Builds the monthly audit of the calendar month that contains `month`.
///
/// # Errors
///
/// [`CollectError`] when the journal cannot be read.
pub fn monthly(
    sources: &Sources<'_>,
    month: NaiveDate,
    vitals: &Vitals,
) -> Result<MonthlyAudit, CollectError> {
    let first = month.with_day(1).unwrap_or(month);
    let next = first + chrono::Months::new(1);
    let (start, end) = sources.span(first, (next - first).num_days())?;
    let rules = sources.rule_lines();
    let breaches: Vec<BreachMark> = rules
        .iter()
        .filter_map(|r| r.breach.clone())
        .filter(|b| (start..end).contains(&b.time_ms))
        .collect();
    let mut audit = MonthlyAudit {
        month: first,
        account: sources.account.clone(),
        architecture: architecture(sources),
        security: security(sources),
        performance: recommendations(sources.health, vitals, &Performance::default()),
        compliance: compliance(&rules, &breaches),
        breaches,
        quality: quality(sources, first, next)?,
        capacity: capacity(sources, vitals),
        updates: updates(sources),
        assessment: Assessment {
            severity: Severity::Ok,
            verdict: String::new(),
            reasons: Vec::new(),
        },
    };
    audit.assess();
    Ok(audit)
}

fn architecture(sources: &Sources<'_>) -> Vec<Finding> {
    let rules = &sources.config.rules;
    let mut found = vec![
        finding(
            "rules",
            Severity::Ok,
            format!(
                "rule set {} with initial capital {:.2}",
                rules.name, rules.initial_capital
            ),
        ),
        finding(
            "firm_clock",
            Severity::Ok,
            format!(
                "firm days start at {} in {}",
                rules.clock.reset,
                rules.clock.zone.name()
            ),
        ),
        finding(
            "server_clock",
            Severity::Ok,
            format!("server clock {}", sources.config.server.clock),
        ),
    ];
    match sources.reader {
        Some(reader) => match reader.integrity_check() {
            Ok(()) => found.push(finding("journal", Severity::Ok, "the journal passes SQLite's integrity check".into())),
            Err(error) => found.push(finding("journal", Severity::Critical, format!("{error}; restore the newest verified backup"))),
        },
        None => found.push(finding("journal", Severity::Medium, "no journal in the state directory; check that the EA runs the library with this directory".into())),
    }
    found
}

fn security(sources: &Sources<'_>) -> Vec<Finding> {
    let mut found = vec![permission_finding(&sources.root.join("mikrobot.toml"))];
    if let Ok(mut table) = sources.config_text.parse::<toml::Table>() {
        let secrets = Redactor::from_toml(&mut table).secret_count();
        if secrets > 0 {
            found.push(finding("secrets", Severity::Medium, format!(
                "{secrets} secret values are stored in the configuration in plain text; keep the file readable by the terminal's user only"
            )));
        } else {
            found.push(finding(
                "secrets",
                Severity::Ok,
                "no secret values in the configuration".into(),
            ));
        }
    }
    let journal: PathBuf = sources.root.join(crate::store::StoreConfig::default().file);
    if journal.exists() {
        found.push(permission_finding(&journal));
    }
    found
}

fn compliance(rules: &[RuleLine], breaches: &[BreachMark]) -> Vec<Finding> {
    let mut found: Vec<Finding> = breaches
        .iter()
        .map(|b| {
            finding(
                &b.rule,
                Severity::Critical,
                format!(
                    "breached at {}: equity {:.2} below floor {:.2}",
                    rfc3339(b.time_ms),
                    b.equity,
                    b.floor
                ),
            )
        })
        .collect();
    for rule in rules.iter().filter(|r| r.status == "warning") {
        found.push(finding(
            &rule.rule,
            Severity::High,
            format!("{:.1}% of the room used", rule.used_share * 100.0),
        ));
    }
    if rules.is_empty() {
        found.push(finding(
            "rules",
            Severity::Low,
            "no saved engine state, so no rule history".into(),
        ));
    }
    found
}

fn quality(
    sources: &Sources<'_>,
    first: NaiveDate,
    next: NaiveDate,
) -> Result<Vec<WeekQuality>, CollectError> {
    let mut weeks = Vec::new();
    let mut monday = first - Duration::days(i64::from(first.weekday().num_days_from_monday()));
    while monday < next {
        let (start, end) = sources.span(monday, 7)?;
        let deals = sources.deals(start, end)?;
        let figures = trading_figures(&deals, None);
        let failed_runs = sources
            .maintenance(start, end)?
            .iter()
            .filter(|r| matches!(r.status, RunStatus::Failed | RunStatus::PartlyFailed))
            .count();
        weeks.push(WeekQuality {
            week_start: monday,
            trades: figures.total_trades,
            win_rate: figures.win_rate,
            profit_factor: figures.profit_factor,
            net_profit: figures.net_profit,
            failed_runs,
        });
        monday += Duration::days(7);
    }
    Ok(weeks)
}

fn capacity(sources: &Sources<'_>, vitals: &Vitals) -> Vec<Finding> {
    let size = |name: &str| directory_size(&sources.root.join(name));
    let mut found = vec![finding(
        "state_dir",
        Severity::Ok,
        format!(
            "state directory {} bytes: journal {} bytes, backups {} bytes, logs {} bytes",
            directory_size(sources.root),
            size("journal.db"),
            size("backups"),
            size("logs")
        ),
    )];
    if let Some(disk) = vitals.disk_percent.value() {
        let severity = if disk >= 90.0 {
            Severity::Critical
        } else if disk >= 80.0 {
            Severity::High
        } else {
            Severity::Ok
        };
        found.push(finding(
            "disk",
            severity,
            format!("{disk:.1}% of the state volume in use"),
        ));
    }
    found
}

fn updates(sources: &Sources<'_>) -> Vec<Finding> {
    let mut found = vec![finding(
        "version",
        Severity::Ok,
        format!(
            "mikrobot {}, C ABI {}, configuration schema {}",
            env!("CARGO_PKG_VERSION"),
            crate::ffi::MB_ABI_VERSION,
            crate::config::SCHEMA_VERSION
        ),
    )];
    if let Some(reader) = sources.reader {
        if let Ok(version) = reader.schema_version() {
            let current = crate::store::schema::SCHEMA_VERSION;
            let severity = if version < current {
                Severity::Low
            } else {
                Severity::Ok
            };
            found.push(finding("journal_schema", severity, format!(
                "journal schema {version}, this build writes {current}; a journal opens and migrates itself"
            )));
        }
    }
    // NOTE: the audit has no network access, so it cannot look up newer releases.
    found.push(finding(
        "releases",
        Severity::Low,
        "newer releases are not checked; compare the version above with the project's release list"
            .into(),
    ));
    found
}

//! `mikrobot health`: a health reading of the machine and the state directory.

use crate::output::{CliError, Exit};
use crate::state::StateDir;
use crate::Context;
use mikrobot::health::{Check, HealthMonitor, Level};
use mikrobot::report::collect::{recommendations, sample_vitals};
use mikrobot::report::Severity;
use serde_json::json;

pub fn run(context: &Context) -> Result<Exit, CliError> {
    let state = StateDir::open(&context.state_dir)?;
    let config = state.health_config();
    let vitals = sample_vitals(state.root(), &config);
    let mut monitor = HealthMonitor::new(config.clone());
    monitor.observe_vitals(&vitals);
    let findings = recommendations(&config, &vitals, &Default::default());
    let journal = match state.reader() {
        Ok(reader) => match reader.integrity_check() {
            Ok(()) => "ok".to_owned(),
            Err(error) => format!("failed: {error}"),
        },
        Err(error) => format!("unavailable: {}", error.message),
    };
    // A single reading cannot confirm a level over several samples, so the
    // levels here compare the latest sample with the thresholds directly.
    let checks: Vec<serde_json::Value> = [Check::Cpu, Check::Memory, Check::Disk]
        .into_iter()
        .map(|check| {
            let value = monitor.value(check).value();
            let threshold = monitor.config().thresholds.clone();
            let level = level_of(&threshold, check, value);
            json!({ "check": check.as_str(), "value": value, "unit": check.unit(), "level": level.as_str() })
        })
        .collect();
    let worst = checks
        .iter()
        .map(|c| c["level"].as_str().unwrap_or("ok").to_owned())
        .max_by_key(|level| match level.as_str() {
            "critical" => 2,
            "warning" => 1,
            _ => 0,
        })
        .unwrap_or_else(|| "ok".to_owned());
    let overall = if journal.starts_with("failed") {
        "critical".to_owned()
    } else {
        worst
    };
    let value = json!({
        "overall": overall,
        "checks": checks,
        "journal": journal,
        "recommendations": findings,
    });
    context.printer.emit(&value, || {
        let mut text = format!("health: {overall}\n");
        for check in &checks {
            let shown = check["value"]
                .as_f64()
                .map_or("unknown".to_owned(), |v| format!("{v:.1}"));
            text.push_str(&format!(
                "  {:<8} {:>7} {:<3} {}\n",
                check["check"].as_str().unwrap_or_default(),
                shown,
                check["unit"].as_str().unwrap_or_default(),
                check["level"].as_str().unwrap_or_default()
            ));
        }
        text.push_str(&format!("  journal  {journal}\n"));
        for finding in findings.iter().filter(|f| f.severity >= Severity::Medium) {
            text.push_str(&format!(
                "  [{}] {}: {}\n",
                finding.severity.as_str(),
                finding.area,
                finding.text
            ));
        }
        text
    })?;
    Ok(if overall == "ok" {
        Exit::Ok
    } else {
        Exit::Findings
    })
}

fn level_of(
    thresholds: &mikrobot::health::HealthThresholds,
    check: Check,
    value: Option<f64>,
) -> Level {
    let threshold = match check {
        Check::Cpu => &thresholds.cpu,
        Check::Memory => &thresholds.memory,
        _ => &thresholds.disk,
    };
    let Some(value) = value else {
        return Level::Ok;
    };
    let past = |band: &Option<mikrobot::health::Band>| {
        band.is_some_and(|b| threshold.direction.is_past(value, b.enter))
    };
    if past(&threshold.critical) {
        Level::Critical
    } else if past(&threshold.warning) {
        Level::Warning
    } else {
        Level::Ok
    }
}

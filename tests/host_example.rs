//! The host example run as a program: `cargo run --example host`, on the bundled
//! sample, on the real exports, and on bad files. `cargo test` builds the example
//! before it runs these tests.

mod common;

use mikrobot::import::worksheet_to_csv;
use mikrobot::replay::sample::sample_report_csv;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Finds the host example next to this test binary (`target/<profile>/examples/host`).
fn host_binary() -> PathBuf {
    let test_binary = std::env::current_exe().expect("the test binary has a path");
    let profile_dir = test_binary
        .parent()
        .and_then(Path::parent)
        .expect("the test binary is in target/<profile>/deps");
    let host = profile_dir
        .join("examples")
        .join(format!("host{}", std::env::consts::EXE_SUFFIX));
    assert!(
        host.exists(),
        "{} is missing; build it with `cargo build --example host` or run the whole `cargo test`",
        host.display()
    );
    host
}

fn run_host(args: &[&str]) -> Output {
    Command::new(host_binary())
        .args(args)
        .output()
        .expect("the host example runs")
}

fn json_of(args: &[&str]) -> Value {
    let output = run_host(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{args:?} failed: {stderr}");
    common::json_stdout(&output)
}

/// Runs the host on a bad input and returns its error output, checking that it
/// failed with a message and without a panic.
fn failure_of(args: &[&str]) -> String {
    let output = run_host(args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{args:?} succeeded");
    assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    stderr
}

fn close(actual: &Value, expected: f64, tolerance: f64) -> bool {
    actual
        .as_f64()
        .is_some_and(|value| (value - expected).abs() <= tolerance)
}

fn data_path(name: &str) -> String {
    common::shared_data(name).display().to_string()
}

#[test]
fn host_replays_bundled_sample() {
    let output = run_host(&[]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("bundled sample"), "{text}");
    assert!(text.contains("Compliance: failed"), "{text}");
    assert!(text.contains("breach daily_loss"), "{text}");
    assert!(text.contains("Initial deposit"), "{text}");
    assert!(text.contains("EURUSD.Z     week of 2025-02-03"), "{text}");
}

#[test]
fn host_sample_json_fields() {
    let report = json_of(&["--json"]);
    assert_eq!(report["initial_balance"], 100000.0);
    assert_eq!(report["initial_balance_inferred"], true);
    assert_eq!(report["trades"], 10);
    assert_eq!(report["compliance"]["status"], "failed");
    assert_eq!(report["compliance"]["breaches"][0]["rule"], "daily_loss");
    assert_eq!(
        report["compliance"]["breaches"][0]["time"],
        "2025-02-11T13:45:18Z"
    );
    assert_eq!(report["cash_flows"][0]["amount"], 100000.0);
    assert_eq!(report["xpws"]["activations"][0]["symbol"], "EURUSD.Z");
    assert_eq!(report["evaluation"], "closed_balance_at_deals");
}

#[test]
fn host_sample_lists_watch_sections() {
    let report = json_of(&["--json"]);
    assert!(report["alerts"].is_array(), "{report}");
    assert!(report["incidents"].is_array(), "{report}");
    assert!(report["health"]["checks"].is_array(), "{report}");
    let output = run_host(&[]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Health: "), "{text}");
    assert!(text.contains("Alerts raised: "), "{text}");
    assert!(text.contains("Incidents: "), "{text}");
}

#[test]
fn host_rejects_unknown_rules() {
    let stderr = failure_of(&["--rules", "ftmo-3step"]);
    assert!(stderr.contains("ftmo-3step"), "{stderr}");
    assert!(stderr.contains("ftmo-2step, ftmo-1step"), "{stderr}");
}

#[test]
fn host_reads_rules_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.toml");
    let rules = mikrobot::compliance::RuleSet::ftmo_1step(100_000.0).to_toml_string();
    std::fs::write(&path, rules).unwrap();
    let report = json_of(&["--json", "--rules", path.to_str().unwrap()]);
    assert_eq!(report["rules"], "ftmo-1step");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "initial_capital = \"lots\"\n").unwrap();
    let stderr = failure_of(&["--rules", bad.to_str().unwrap()]);
    assert!(stderr.contains("bad.toml"), "{stderr}");
}

#[test]
fn host_rejects_unknown_server_clock() {
    let output = run_host(&["--server-clock", "Mars/Olympus"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Mars/Olympus"), "{stderr}");
}

#[test]
fn host_missing_file_is_error() {
    let stderr = failure_of(&["--report", "/nonexistent/report.xlsx"]);
    assert!(stderr.contains("/nonexistent/report.xlsx"), "{stderr}");
}

#[test]
fn host_bad_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let sample = sample_report_csv();
    let cases = [
        (
            "missing-column.csv",
            sample.replace("Profit,Balance,Comment", "Profit,Comment,"),
            "no \"Balance\" column",
        ),
        (
            "non-numeric.csv",
            sample.replace(",-2900.00,", ",-2900.OO,"),
            "expected a number in column Profit, found \"-2900.OO\"",
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let stderr = failure_of(&["--report", path.to_str().unwrap()]);
        assert!(stderr.contains(name), "{stderr}");
        assert!(stderr.contains("line "), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
}

#[test]
#[ignore = "reads ../shared/data"]
fn host_hfm_report_acceptance() {
    let report = json_of(&["--report", &data_path("mt5-report-hfm-demo.xlsx"), "--json"]);
    assert!(close(&report["initial_balance"], 50.61, 1e-9));
    assert_eq!(report["initial_balance_inferred"], true);
    assert_eq!(report["trades"], 9);
    assert!(close(&report["net_profit"], -49.67, 1e-9));
    assert!(close(&report["gross_profit"], 242.24, 1e-9));
    assert!(close(&report["gross_loss"], -291.91, 1e-9));
    assert!(close(&report["profit_factor"], 0.8298, 5e-5));
    assert!(close(&report["expected_payoff"], -5.5189, 5e-5));
    assert!(close(&report["sharpe_ratio"], 0.1500, 5e-5));
    assert!(close(&report["recovery_factor"], -0.170582, 5e-7));
    assert!(close(&report["win_rate"], 44.44, 0.005));
    assert!(close(&report["max_balance_drawdown"], 291.18, 1e-9));
    assert!(close(&report["max_balance_drawdown_pct"], 99.68, 1e-9));
    assert_eq!(report["trading_days"], 6);
    let cash_flows = report["cash_flows"].as_array().unwrap();
    assert_eq!(cash_flows.len(), 1);
    assert!(close(&cash_flows[0]["amount"], 50.0, 1e-9));
    assert_eq!(report["compliance"]["status"], "failed");
    let breaches = report["compliance"]["breaches"].as_array().unwrap();
    assert_eq!(breaches[0]["rule"], "daily_loss");
    assert_eq!(breaches[0]["time"], "2025-05-06T12:50:56Z");
    assert!(close(&breaches[0]["equity"], 282.57, 1e-9));
    assert!(close(&breaches[0]["floor"], 289.59, 1e-9));
    let max_loss = breaches
        .iter()
        .find(|breach| breach["rule"] == "max_loss")
        .expect("a max_loss breach");
    assert_eq!(max_loss["time"], "2025-05-06T22:10:38Z");
    assert!(close(&max_loss["equity"], 18.50, 1e-9));
    assert!(close(&max_loss["floor"], 45.55, 1e-9));
    // The stop-out after the breach left a balance of 0.94, the lowest equity seen.
    assert!(close(&max_loss["min_equity"], 0.94, 1e-9));
    let activations: Vec<(String, String, String)> = report["xpws"]["activations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["symbol"].as_str().unwrap().to_owned(),
                a["week_start"].as_str().unwrap().to_owned(),
                a["time"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let weeks_of = |symbol: &str| -> Vec<&str> {
        activations
            .iter()
            .filter(|a| a.0 == symbol)
            .map(|a| a.1.as_str())
            .collect()
    };
    assert_eq!(weeks_of("EURUSD.Z"), vec!["2025-04-14", "2025-04-21"]);
    let eurjpy: Vec<&str> = activations
        .iter()
        .filter(|a| a.0 == "EURJPY.Z")
        .map(|a| a.2.as_str())
        .collect();
    assert_eq!(eurjpy, vec!["2025-05-01T19:43:08Z"]);
}

#[test]
#[ignore = "reads ../shared/data"]
fn host_hfm_lists_alerts_and_incidents() {
    let report = json_of(&["--report", &data_path("mt5-report-hfm-demo.xlsx"), "--json"]);
    let incidents = report["incidents"].as_array().expect("incidents list");
    let violation = incidents
        .iter()
        .find(|incident| incident["kind"] == "compliance_violation")
        .expect("the breach opens a compliance-violation incident");
    assert_eq!(violation["opened"], "2025-05-06T12:50:56Z");
    let actions: Vec<&str> = violation["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(|action| action["action"].as_str())
        .collect();
    assert_eq!(
        actions[..4],
        [
            "open_incident",
            "halt_trading",
            "preserve_evidence",
            "notify"
        ]
    );
    let alerts = report["alerts"].as_array().expect("alerts list");
    let alert = alerts
        .iter()
        .find(|alert| alert["id"] == violation["alert_id"])
        .expect("the incident's alert");
    assert_eq!(alert["priority"], "CRITICAL");
    assert_eq!(alert["category"], "compliance");
    assert_eq!(alert["time"], "2025-05-06T12:50:56Z");
    assert!(alert["message"]
        .as_str()
        .is_some_and(|m| m.contains("daily_loss")));
    let escalations = alert["escalations"].as_array().expect("escalations");
    assert_eq!(escalations.len(), 2);
    assert_eq!(escalations[0]["role"], "risk_manager");
    assert_eq!(report["health"]["overall"], "critical");

    let text = run_host(&["--report", &data_path("mt5-report-hfm-demo.xlsx")]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Health: critical"), "{text}");
    assert!(text.contains("CRITICAL compliance.incident.1"), "{text}");
    assert!(
        text.contains("escalated to level 1 (risk_manager)"),
        "{text}"
    );
    assert!(text.contains("compliance_violation [open]"), "{text}");
}

#[test]
#[ignore = "reads ../shared/data"]
fn host_metrix_journal_acceptance() {
    let path = data_path("ftmo-metrix-journal.csv");
    let report = json_of(&["--report", &path, "--initial-balance", "100000", "--json"]);
    assert_eq!(report["trades"], 27);
    assert!(close(&report["net_profit"], 5158.02, 1e-9));
    assert_eq!(report["initial_balance_inferred"], false);
    assert_eq!(
        report["compliance"]["breaches"].as_array().unwrap().len(),
        0
    );
    assert_eq!(report["compliance"]["status"], "in_progress");
    assert_eq!(report["trading_days"], 5);
}

#[test]
#[ignore = "reads ../shared/data"]
fn host_metrix_one_step_best_day() {
    let path = data_path("ftmo-metrix-journal.csv");
    let args = [
        "--report",
        &path,
        "--initial-balance",
        "100000",
        "--rules",
        "ftmo-1step",
        "--json",
    ];
    let report = json_of(&args);
    let rules = report["compliance"]["rules"].as_array().unwrap();
    let best_day = rules
        .iter()
        .find(|rule| rule["rule"] == "best_day")
        .expect("a best_day rule");
    assert_eq!(best_day["status"], "not_met");
    assert!(close(&best_day["value"], 3479.50, 1e-9));
    assert!(close(&report["best_day"]["profit"], 3479.50, 1e-9));
    assert_eq!(report["best_day"]["date"], "2022-02-24");
    assert!(close(&report["best_day"]["share_pct"], 67.46, 1e-9));
    let output = run_host(&args[..6]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("best day 2022-02-24 with 3479.50, 67.5% of the total"),
        "{text}"
    );
    assert!(text.contains("best_day          not_met"), "{text}");
    assert!(
        text.contains(
            "Best Day Rule not met: best day 2022-02-24 made 3479.50, 67.5% of the total"
        ),
        "{text}"
    );
}

#[test]
#[ignore = "reads ../shared/data"]
fn host_metrix_needs_initial_balance() {
    let stderr = failure_of(&["--report", &data_path("ftmo-metrix-journal.csv")]);
    assert!(stderr.contains("--initial-balance"), "{stderr}");
}

#[test]
#[ignore = "reads ../shared/data"]
fn host_hfm_bad_copies_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(common::shared_data("mt5-report-hfm-demo.xlsx")).unwrap();
    let truncated = dir.path().join("truncated.xlsx");
    std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let stderr = failure_of(&["--report", truncated.to_str().unwrap()]);
    assert!(stderr.contains("truncated.xlsx"), "{stderr}");
    assert!(stderr.contains("truncated"), "{stderr}");

    let csv = worksheet_to_csv("hfm.xlsx", &bytes).unwrap();
    let missing = dir.path().join("missing-column.csv");
    std::fs::write(&missing, csv.replace("Swap,Profit,Balance", "Swap,Profit,")).unwrap();
    let stderr = failure_of(&["--report", missing.to_str().unwrap()]);
    assert!(stderr.contains("missing-column.csv: line 44"), "{stderr}");
    assert!(stderr.contains("no \"Balance\" column"), "{stderr}");

    let non_numeric = dir.path().join("non-numeric.csv");
    std::fs::write(
        &non_numeric,
        csv.replace(",-264.07,18.5,", ",-264.O7,18.5,"),
    )
    .unwrap();
    let stderr = failure_of(&["--report", non_numeric.to_str().unwrap()]);
    assert!(
        stderr.contains("non-numeric.csv: line 59, column 12"),
        "{stderr}"
    );
    assert!(
        stderr.contains("expected a number in column Profit"),
        "{stderr}"
    );

    let converted = dir.path().join("hfm.csv");
    std::fs::write(&converted, &csv).unwrap();
    let report = json_of(&["--report", converted.to_str().unwrap(), "--json"]);
    assert_eq!(report["format"], "mt5_report_csv");
    assert!(close(&report["net_profit"], -49.67, 1e-9));
}

#[test]
fn host_state_dir_resumes_second_run() {
    let state = tempfile::tempdir().unwrap();
    let dir = state.path().join("state");
    let dir = dir.to_str().unwrap();
    let first = json_of(&["--state-dir", dir, "--json"]);
    let second = json_of(&["--state-dir", dir, "--json"]);

    assert_eq!(first["state"]["restored"], false, "{}", first["state"]);
    assert_eq!(first["state"]["events_skipped"], 0);
    let fed = first["state"]["events_fed"].as_u64().unwrap();
    assert!(fed > 0, "{}", first["state"]);
    assert_eq!(first["state"]["anchor_balance"], 100_000.0);

    // The second run restores the saved engine instead of seeding a new one at the opening.
    assert_eq!(second["state"]["restored"], true, "{}", second["state"]);
    assert_eq!(second["state"]["events_skipped"].as_u64(), Some(fed));
    assert_eq!(second["state"]["events_fed"], 0);
    assert_eq!(second["state"]["first_load"], first["state"]["first_load"]);
    assert!(second["state"]["resumed_after"].is_string());
    assert_ne!(
        second["state"]["anchor_balance"], 100_000.0,
        "the second run re-seeded the day anchor from the initial balance"
    );
    assert_eq!(
        second["compliance"]["verdict"],
        first["compliance"]["verdict"]
    );
    assert_eq!(
        second["compliance"]["reason"],
        first["compliance"]["reason"]
    );
    // The floors and statuses carry over. The equity a rule reads is the one the history
    // load reports, so it may differ from the first run's last evaluation.
    let rules = |report: &Value| -> Vec<(Value, Value, Value)> {
        report["compliance"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|rule| {
                (
                    rule["rule"].clone(),
                    rule["floor"].clone(),
                    rule["status"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(rules(&second), rules(&first));
    // A breach latched by the first run is in the saved state, so the second run reports it.
    assert_eq!(second["compliance"]["status"], "failed");
    assert_eq!(
        second["compliance"]["breaches"],
        first["compliance"]["breaches"]
    );
    assert!(std::path::Path::new(dir).join("journal.db").exists());
}

#[test]
fn host_without_state_dir_has_no_state() {
    let report = json_of(&["--json"]);
    assert!(report.get("state").is_none(), "{}", report["state"]);
}

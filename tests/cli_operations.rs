//! `health`, `report`, `backup`, `logs` and `maintenance` through the built binary,
//! each with a success, a bad input and `--json`.

mod common;

use common::{json_stdout, mikrobot};
use mikrobot::account::Snapshot;
use mikrobot::store::{Journal, Record, RecordKind, StoreConfig, StoreReader};
use std::path::Path;
use std::time::Duration;

fn state_dir() -> tempfile::TempDir {
    let state = tempfile::tempdir().unwrap();
    std::fs::write(state.path().join("mikrobot.toml"), "schema_version = 1\n").unwrap();
    state
}

/// A journal with one snapshot on 2025-03-04 (Prague) so the reports have data.
fn with_journal(root: &Path) {
    let mut journal = Journal::open(&root.join("journal.db"), &StoreConfig::default()).unwrap();
    let time_ms = 1_741_082_400_000; // 2025-03-04T10:00:00Z
    let seq = journal
        .append(Record::Snapshot(Snapshot {
            time_ms,
            balance: 100_000.0,
            equity: 99_500.0,
            margin: 0.0,
            free_margin: 99_500.0,
            connected: true,
            open_positions: 1,
            pending_orders: 0,
        }))
        .unwrap();
    assert!(journal.wait_acked(seq, Duration::from_secs(10)));
    journal.close(Duration::from_secs(10)).unwrap();
}

fn missing_state(root: &Path) -> std::path::PathBuf {
    root.join("no-such-state")
}

#[test]
fn health_json_lists_checks() {
    let state = state_dir();
    let output = mikrobot(state.path())
        .args(["health", "--json"])
        .output()
        .unwrap();
    // The machine's own load decides between 0 and 1.
    assert!(matches!(output.status.code(), Some(0 | 1)), "{output:?}");
    let value = json_stdout(&output);
    let checks: Vec<&str> = value["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(checks, ["cpu", "memory", "disk"]);
    assert!(value["overall"].is_string());
}

#[test]
fn health_text_and_missing_state() {
    let state = state_dir();
    let output = mikrobot(state.path()).arg("health").output().unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("health: "));
    let output = mikrobot(&missing_state(state.path()))
        .arg("health")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
}

#[test]
fn daily_report_from_journal() {
    let state = state_dir();
    with_journal(state.path());
    let page = state.path().join("daily.html");
    let output = mikrobot(state.path())
        .args([
            "report",
            "daily",
            "--date",
            "2025-03-04",
            "--json",
            "--html",
        ])
        .arg(&page)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value = json_stdout(&output);
    assert_eq!(value["date"], "2025-03-04");
    assert_eq!(value["end_equity"], 99_500.0);
    assert!(std::fs::read_to_string(&page)
        .unwrap()
        .contains("id=\"equity-chart\""));
    let text = mikrobot(state.path())
        .args(["report", "daily", "--date", "2025-03-04"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("End equity:    99500.00"));
}

#[test]
fn weekly_and_monthly_reports() {
    let state = state_dir();
    with_journal(state.path());
    let weekly = mikrobot(state.path())
        .args(["report", "weekly", "--date", "2025-03-05", "--json"])
        .output()
        .unwrap();
    assert!(
        weekly.status.success(),
        "{}",
        String::from_utf8_lossy(&weekly.stderr)
    );
    let value = json_stdout(&weekly);
    assert_eq!(value["week_start"], "2025-03-03");
    assert_eq!(value["system"]["uptime_share"], 1.0);
    let monthly = mikrobot(state.path())
        .args(["report", "monthly", "--date", "2025-03-05"])
        .output()
        .unwrap();
    assert!(monthly.status.success());
    let text = String::from_utf8_lossy(&monthly.stdout);
    assert!(text.starts_with("Monthly audit 2025-03"), "{text}");
    assert!(text.contains("Overall: "));
}

#[test]
fn report_rejects_bad_date_and_config() {
    let state = state_dir();
    let output = mikrobot(state.path())
        .args(["report", "daily", "--date", "2025-13-01"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    std::fs::write(
        state.path().join("mikrobot.toml"),
        "schema_version = 1\n[rules]\ninitial_capital = -1.0\n",
    )
    .unwrap();
    let output = mikrobot(state.path())
        .args(["report", "daily", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let error: serde_json::Value = serde_json::from_slice(&output.stderr).unwrap();
    assert!(error["hint"].as_str().unwrap().contains("config validate"));
}

#[test]
fn backup_create_list_verify_prune() {
    let state = state_dir();
    with_journal(state.path());
    let created = mikrobot(state.path())
        .args(["backup", "create", "system", "--json"])
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let id = json_stdout(&created)["id"].as_str().unwrap().to_owned();
    let listed = json_stdout(
        &mikrobot(state.path())
            .args(["backup", "list", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(listed[0]["id"], id.as_str());
    let verified = mikrobot(state.path())
        .args(["backup", "verify", "--json"])
        .output()
        .unwrap();
    assert!(verified.status.success());
    assert_eq!(json_stdout(&verified)[0]["ok"], true);
    let text = mikrobot(state.path())
        .args(["backup", "verify", &id])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("ok"));
    let pruned = mikrobot(state.path())
        .args(["backup", "prune", "--json"])
        .output()
        .unwrap();
    assert!(pruned.status.success());
    assert_eq!(json_stdout(&pruned)["deleted"].as_array().unwrap().len(), 0);
}

#[test]
fn backup_verify_detects_tampering() {
    let state = state_dir();
    let created = mikrobot(state.path())
        .args(["backup", "create", "configuration", "--json"])
        .output()
        .unwrap();
    let dir = json_stdout(&created)["dir"].as_str().unwrap().to_owned();
    std::fs::write(
        Path::new(&dir).join("files/mikrobot.toml"),
        "schema_version = 9\n",
    )
    .unwrap();
    let output = mikrobot(state.path())
        .args(["backup", "verify", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json_stdout(&output)[0]["ok"], false);
}

#[test]
fn backup_rejects_unknown_kind_and_id() {
    let state = state_dir();
    let output = mikrobot(state.path())
        .args(["backup", "create", "weekly"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("system, trading or configuration"));
    let output = mikrobot(state.path())
        .args(["backup", "verify", "nope", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
}

#[test]
fn backup_restore_needs_stopped_terminal() {
    let state = state_dir();
    let created = mikrobot(state.path())
        .args(["backup", "create", "configuration", "--json"])
        .output()
        .unwrap();
    let id = json_stdout(&created)["id"].as_str().unwrap().to_owned();
    std::fs::write(
        state.path().join("mikrobot.toml"),
        "schema_version = 1\n# changed\n",
    )
    .unwrap();
    let refused = mikrobot(state.path())
        .args(["backup", "restore", &id])
        .output()
        .unwrap();
    assert_eq!(
        refused.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&refused.stdout)
    );
    assert!(std::fs::read_to_string(state.path().join("mikrobot.toml"))
        .unwrap()
        .contains("# changed"));
    let restored = mikrobot(state.path())
        .args(["backup", "restore", &id, "--terminal-stopped", "--json"])
        .output()
        .unwrap();
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stdout)
    );
    let value = json_stdout(&restored);
    assert_eq!(value["rolled_back"], false);
    assert!(value["pre_restore_backup"].is_string());
    assert_eq!(
        std::fs::read_to_string(state.path().join("mikrobot.toml")).unwrap(),
        "schema_version = 1\n"
    );
}

#[test]
fn logs_rotate_compresses_and_deletes() {
    let state = state_dir();
    let logs = state.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let old = logs.join("old.log");
    let middle = logs.join("middle.log");
    std::fs::write(&old, "x".repeat(1000)).unwrap();
    std::fs::write(&middle, "y".repeat(1000)).unwrap();
    let age = |path: &Path, days: u64| {
        let time = std::time::SystemTime::now() - Duration::from_secs(days * 86_400);
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(time)
            .unwrap();
    };
    age(&old, 40);
    age(&middle, 10);
    let output = mikrobot(state.path())
        .args(["logs", "rotate", "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value = json_stdout(&output);
    assert_eq!(value["deleted"].as_array().unwrap().len(), 1);
    assert_eq!(value["compressed"].as_array().unwrap().len(), 1);
    assert!(!old.exists());
    assert!(logs.join("middle.log.gz").exists());
    let text = mikrobot(state.path())
        .args(["logs", "rotate"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("rotated 0 files"));
}

#[test]
fn logs_rotate_rejects_bad_section() {
    let state = state_dir();
    std::fs::write(
        state.path().join("mikrobot.toml"),
        "schema_version = 1\n[logs]\ncompress_after_days = 40\ndelete_after_days = 30\n",
    )
    .unwrap();
    let output = mikrobot(state.path())
        .args(["logs", "rotate"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn maintenance_run_journals_record() {
    let state = state_dir();
    with_journal(state.path());
    let output = mikrobot(state.path())
        .args(["maintenance", "run", "daily", "--json"])
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let record = json_stdout(&output);
    assert_eq!(record["routine"], "daily");
    assert_eq!(record["trigger"], "manual");
    assert_eq!(record["tasks"].as_array().unwrap().len(), 5);
    let needs_alert = output.status.code() == Some(1);
    assert_eq!(
        needs_alert,
        matches!(record["status"].as_str(), Some("partly_failed" | "failed"))
    );
    let reader =
        StoreReader::open(&state.path().join("journal.db"), &StoreConfig::default()).unwrap();
    assert_eq!(reader.count(RecordKind::Maintenance).unwrap(), 1);
    assert_eq!(
        reader.count(RecordKind::Alert).unwrap(),
        u64::from(needs_alert)
    );
    assert!(state
        .path()
        .join("reports")
        .read_dir()
        .unwrap()
        .next()
        .is_some());
}

#[test]
fn maintenance_weekly_writes_review_page() {
    let state = state_dir();
    let output = mikrobot(state.path())
        .args(["maintenance", "run", "weekly"])
        .output()
        .unwrap();
    assert!(matches!(output.status.code(), Some(0 | 1)));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("weekly maintenance of "), "{text}");
    let pages: Vec<String> = std::fs::read_dir(state.path().join("reports"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        pages
            .iter()
            .any(|name| name.starts_with("weekly-") && name.ends_with(".html")),
        "{pages:?}"
    );
}

#[test]
fn maintenance_rejects_unknown_routine_and_schedule() {
    let state = state_dir();
    let output = mikrobot(state.path())
        .args(["maintenance", "run", "hourly"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    std::fs::write(
        state.path().join("mikrobot.toml"),
        "schema_version = 1\n[maintenance]\nmonthly_day = 30\n",
    )
    .unwrap();
    let output = mikrobot(state.path())
        .args(["maintenance", "run", "daily"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
}

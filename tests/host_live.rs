//! The host example's live mode run as a program, on the bundled bars and on the real
//! EURUSD one-minute file. `cargo test` builds the example before it runs these tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Finds the host example next to this test binary (`target/<profile>/examples/host`).
fn host_binary() -> PathBuf {
    let test_binary = std::env::current_exe().expect("the test binary has a path");
    let profile_dir = test_binary
        .parent()
        .and_then(Path::parent)
        .expect("the test binary is in target/<profile>/deps");
    profile_dir
        .join("examples")
        .join(format!("host{}", std::env::consts::EXE_SUFFIX))
}

fn run_host(args: &[&str]) -> Output {
    Command::new(host_binary())
        .args(args)
        .output()
        .expect("the host example runs")
}

/// The folder with the real exports: `$MIKROBOT_SHARED_DATA` when set, otherwise
/// `../shared/data` next to the crate.
fn shared_data(name: &str) -> PathBuf {
    match std::env::var_os("MIKROBOT_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
    }
    .join(name)
}

/// The count in a line such as `410 signals through the queue`, found after `label`.
fn number_before(text: &str, label: &str) -> u64 {
    let end = text
        .find(label)
        .unwrap_or_else(|| panic!("{label:?} missing in {text}"));
    let start = text[..end]
        .trim_end()
        .rfind(char::is_whitespace)
        .map_or(0, |space| space + 1);
    text[start..end].trim().parse().expect("a count")
}

fn check_latency_rows(text: &str, signals: u64) {
    for stage in ["signal, cumulative", "execution, cumulative"] {
        let row = text
            .lines()
            .find(|line| line.trim_start().starts_with(stage))
            .unwrap_or_else(|| panic!("no {stage} row in {text}"));
        let count: u64 = row[stage.len() + 2..]
            .split_whitespace()
            .next()
            .and_then(|field| field.parse().ok())
            .expect("a count");
        assert_eq!(count, signals, "{row}");
    }
}

#[test]
fn live_mode_replays_bundled_bars() {
    let output = run_host(&["--live"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("1438 bars, 2 gaps (2 missing minutes)"),
        "{text}"
    );
    let signals = number_before(&text, "signals through the queue");
    assert!(signals > 0, "{text}");
    check_latency_rows(&text, signals);
    assert!(text.contains("Per-day compliance status"), "{text}");
    assert!(text.contains("XPWS: EURUSD"), "{text}");
    assert!(text.contains("Health: ok"), "{text}");
    assert!(
        text.contains("execution_success  ok       100.00 %"),
        "{text}"
    );
    assert!(text.contains("Alerts raised: "), "{text}");
    assert!(text.contains("Incidents: 0"), "{text}");
}

#[test]
fn live_mode_rejects_bad_bars() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bars.csv");
    std::fs::write(&path, "20170301 000000;1.1;1.0;1.2;1.1;0\n").unwrap();
    let output = run_host(&["--live", "--bars", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 1"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
#[ignore = "reads ../shared/data"]
fn live_mode_replays_eurusd_file() {
    let path = shared_data("eurusd-m1-histdata-2017-03-01_10.csv");
    let output = run_host(&["--live", "--bars", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let text = String::from_utf8_lossy(&output.stdout);
    // The file has 11,092 lines; `wc -l` prints 11,091 because the last has no newline.
    assert_eq!(number_before(&text, "bars,"), 11_092, "{text}");
    let signals = number_before(&text, "signals through the queue");
    assert!(signals > 100, "{text}");
    check_latency_rows(&text, signals);
    // Firm days in Prague: 2017-03-01 to 2017-03-10, with the Sunday evening session
    // on 2017-03-05 and no Saturday.
    for date in ["2017-03-01", "2017-03-05", "2017-03-10"] {
        assert!(
            text.contains(&format!("  {date} ")),
            "{date} missing in {text}"
        );
    }
    assert!(!text.contains("  2017-03-04 "), "{text}");
    // Timer calls through the weekend gap keep the clock moving, so the first Sunday
    // snapshot is no clock jump and trading goes on in the next week.
    assert!(!text.contains("clock_mismatch"), "{text}");
}

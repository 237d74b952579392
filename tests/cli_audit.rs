//! `mikrobot audit` through the built binary: the replay report as the host example
//! prints it, and the HTML page rendered by headless Chromium.

mod common;

use common::chromium::{self, Image};
use common::{json_stdout, mikrobot, shared_data};
use mikrobot::replay::sample::sample_report_csv;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The host example next to this test binary (`target/<profile>/examples/host`),
/// which `cargo test` builds.
fn host_binary() -> PathBuf {
    let test_binary = std::env::current_exe().unwrap();
    let profile_dir = test_binary.parent().and_then(Path::parent).unwrap();
    profile_dir
        .join("examples")
        .join(format!("host{}", std::env::consts::EXE_SUFFIX))
}

fn host_json(report: &Path) -> Value {
    let output = Command::new(host_binary())
        .arg("--report")
        .arg(report)
        .arg("--json")
        .output()
        .expect("the host example runs; build it with `cargo build --example host`");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    json_stdout(&output)
}

fn sample_file(directory: &Path) -> PathBuf {
    let path = directory.join("sample-report.csv");
    std::fs::write(&path, sample_report_csv()).unwrap();
    path
}

#[test]
fn audit_json_equals_host_json() {
    let state = tempfile::tempdir().unwrap();
    let report = sample_file(state.path());
    let output = mikrobot(state.path())
        .arg("audit")
        .arg(&report)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(json_stdout(&output), host_json(&report));
}

#[test]
fn audit_text_and_html_page() {
    let state = tempfile::tempdir().unwrap();
    let report = sample_file(state.path());
    let page = state.path().join("audit.html");
    let output = mikrobot(state.path())
        .arg("audit")
        .arg(&report)
        .arg("--html")
        .arg(&page)
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("Trading statistics"), "{text}");
    assert!(text.contains("HTML page written to"));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("id=\"equity-chart\""));
    assert!(html.contains("class=\"floor-daily\""));
    assert!(!html.contains("<script"));
}

#[test]
fn audit_missing_file_is_input_error() {
    let state = tempfile::tempdir().unwrap();
    let output = mikrobot(state.path())
        .args(["audit", "no-such-report.xlsx", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let error: Value = serde_json::from_slice(&output.stderr).unwrap();
    assert!(error["error"]
        .as_str()
        .unwrap()
        .contains("no-such-report.xlsx"));
}

#[test]
fn audit_garbage_file_is_input_error() {
    let state = tempfile::tempdir().unwrap();
    let path = state.path().join("notes.csv");
    std::fs::write(&path, "hello;world\n1;2\n").unwrap();
    let output = mikrobot(state.path())
        .arg("audit")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");
}

#[cfg(unix)]
#[test]
fn audit_device_is_input_error() {
    let state = tempfile::tempdir().unwrap();
    let output = mikrobot(state.path())
        .args(["audit", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/dev/zero"), "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
}

#[test]
fn audit_unknown_rules_is_input_error() {
    let state = tempfile::tempdir().unwrap();
    let report = sample_file(state.path());
    let output = mikrobot(state.path())
        .arg("audit")
        .arg(&report)
        .args(["--rules", "ftmo-3step"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("ftmo-3step"));
}

fn close(value: &Value, expected: f64) -> bool {
    value
        .as_f64()
        .is_some_and(|actual| (actual - expected).abs() < 0.005)
}

#[test]
#[ignore = "reads ../shared/data and runs chromium"]
fn audit_page_of_hfm_report_shows_breaches() {
    let report = shared_data("mt5-report-hfm-demo.xlsx");
    let state = tempfile::tempdir().unwrap();
    let page = state.path().join("out.html");
    let output = mikrobot(state.path())
        .arg("audit")
        .arg(&report)
        .arg("--html")
        .arg(&page)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let audit = json_stdout(&output);
    let host = host_json(&report);
    assert_eq!(audit, host);
    let breaches = host["compliance"]["breaches"].as_array().unwrap();
    assert_eq!(breaches.len(), 2);
    assert!(close(&host["net_profit"], -49.67));

    let html = std::fs::read_to_string(&page).unwrap();
    for breach in breaches {
        for key in ["equity", "floor"] {
            let figure = format!("{:.2}", breach[key].as_f64().unwrap());
            assert!(
                html.contains(&format!(">{figure}<")),
                "{key} {figure} missing"
            );
        }
        assert!(html.contains(breach["time"].as_str().unwrap()));
    }
    for key in [
        "net_profit",
        "gross_profit",
        "gross_loss",
        "max_balance_drawdown",
    ] {
        let figure = format!("{:.2}", host[key].as_f64().unwrap());
        assert!(
            html.contains(&format!(">{figure}<")),
            "{key} {figure} missing"
        );
    }
    for key in ["profit_factor", "sharpe_ratio"] {
        let figure = format!("{:.6}", host[key].as_f64().unwrap());
        assert!(
            html.contains(&format!(">{figure}<")),
            "{key} {figure} missing"
        );
    }

    let Some(browser) = chromium::find() else {
        return;
    };
    let dom = chromium::dump_dom(&browser, &page);
    assert!(dom.contains("<svg id=\"equity-chart\""));
    for class in ["balance", "equity", "floor-daily", "floor-max"] {
        assert!(
            dom.contains(&format!("<polyline class=\"{class}\"")),
            "{class} missing"
        );
    }
    assert!(dom.contains("<g class=\"breach\" data-rule=\"daily_loss\""));
    assert!(dom.contains("<g class=\"breach\" data-rule=\"max_loss\""));
    assert!(dom.contains("id=\"breaches-table\""));
    assert!(dom.contains("id=\"drawdown-chart\""));

    let png = state.path().join("audit.png");
    chromium::screenshot(&browser, &page, &png, 1100, 1500);
    if let Some(keep) = std::env::var_os("MIKROBOT_KEEP_SCREENSHOT") {
        std::fs::copy(&png, keep).unwrap();
    }
    let image = Image::open(&png);
    assert_eq!((image.width, image.height), (1100, 1500));
    assert!(
        image.count_color("#079455", 40) > 500,
        "equity curve not visible"
    );
    assert!(
        image.count_color("#f79009", 40) > 300,
        "daily-loss floor not visible"
    );
    assert!(
        image.count_color("#b42318", 30) > 300,
        "maximum-loss floor not visible"
    );
    assert!(
        image.count_color("#d92d20", 30) > 100,
        "breach marks not visible"
    );
}

//! `mikrobot version` and `mikrobot alerts webhook-format` through the built binary.

mod common;

use common::{json_stdout, mikrobot};

#[test]
fn version_prints_crate_version() {
    let state = tempfile::tempdir().unwrap();
    let output = mikrobot(state.path()).arg("version").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains(env!("CARGO_PKG_VERSION")), "{text}");
}

#[test]
fn version_json_has_every_version() {
    let state = tempfile::tempdir().unwrap();
    let output = mikrobot(state.path())
        .args(["version", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let value = json_stdout(&output);
    assert_eq!(value["crate_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(value["abi_version"], mikrobot::ffi::MB_ABI_VERSION);
    assert_eq!(
        value["config_schema_version"],
        mikrobot::config::SCHEMA_VERSION
    );
    assert_eq!(
        value["journal_schema_version"],
        mikrobot::store::schema::SCHEMA_VERSION
    );
}

#[test]
fn version_rejects_extra_argument() {
    let state = tempfile::tempdir().unwrap();
    let output = mikrobot(state.path())
        .args(["version", "now"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn unknown_command_is_usage_error() {
    let state = tempfile::tempdir().unwrap();
    let output = mikrobot(state.path()).arg("frobnicate").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn webhook_format_documents_fields() {
    let state = tempfile::tempdir().unwrap();
    let output = mikrobot(state.path())
        .args(["alerts", "webhook-format"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("Alertmanager"));
    assert!(text.contains("alerts[].labels.severity"));
    assert!(text.contains("\"version\": \"4\""));
}

#[test]
fn webhook_format_json_is_payload() {
    let state = tempfile::tempdir().unwrap();
    let output = mikrobot(state.path())
        .args(["--json", "alerts", "webhook-format"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let value = json_stdout(&output);
    assert_eq!(value["version"], "4");
    assert_eq!(value["alerts"][0]["labels"]["severity"], "critical");
}

#[test]
fn webhook_format_rejects_unknown_subcommand() {
    let state = tempfile::tempdir().unwrap();
    let output = mikrobot(state.path())
        .args(["alerts", "webhook"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

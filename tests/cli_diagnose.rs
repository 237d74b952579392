//! `mikrobot diagnose` through the built binary: the bundle holds no secret.

mod common;

use common::{json_stdout, mikrobot};
use std::io::Read as _;
use std::path::Path;

const WEBHOOK_TOKEN: &str = "whk-4f9a8b7c6d5e";
const SMTP_PASSWORD: &str = "Smtp#Pass-7731";
const ACCOUNT_PASSWORD: &str = "MT5acct!pw-0912";

fn state_with_secrets(root: &Path) {
    let config = format!(
        "schema_version = 1\n\
         [alerts.webhook]\nurl = \"https://hooks.example.com/services/{WEBHOOK_TOKEN}\"\n\
         token = \"{WEBHOOK_TOKEN}\"\n\
         [alerts.email]\nsmtp_host = \"smtp.example.com\"\nsmtp_user = \"ops\"\n\
         smtp_password = \"{SMTP_PASSWORD}\"\n\
         [account]\nlogin = 5001234\npassword = \"{ACCOUNT_PASSWORD}\"\n"
    );
    std::fs::write(root.join("mikrobot.toml"), config).unwrap();
    for directory in ["logs", "error_logs", "mt5_logs"] {
        std::fs::create_dir_all(root.join(directory)).unwrap();
    }
    std::fs::write(
        root.join("logs/mikrobot-2025-03-04.log"),
        format!("00:30 health ok\n00:31 webhook post with token {WEBHOOK_TOKEN} failed\n"),
    )
    .unwrap();
    std::fs::write(
        root.join("error_logs/errors.log"),
        format!("smtp login ops:{SMTP_PASSWORD} rejected\npassword={ACCOUNT_PASSWORD}\n"),
    )
    .unwrap();
    std::fs::write(
        root.join("mt5_logs/20250304.log"),
        format!("terminal authorised with {ACCOUNT_PASSWORD}\n"),
    )
    .unwrap();
}

/// Unpacks every entry of the bundle as (name, text).
fn unpack(path: &Path) -> Vec<(String, String)> {
    let file = std::fs::File::open(path).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    archive
        .entries()
        .unwrap()
        .map(|entry| {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().display().to_string();
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            (name, text)
        })
        .collect()
}

#[test]
fn diagnose_bundle_contains_no_secret() {
    let state = tempfile::tempdir().unwrap();
    state_with_secrets(state.path());
    let bundle = state.path().join("out/bundle.tar.gz");
    let output = mikrobot(state.path())
        .args(["diagnose", "--output"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let entries = unpack(&bundle);
    let names: Vec<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();
    for expected in ["version.json", "config.toml", "system.json", "journal.json"] {
        assert!(
            names.iter().any(|name| name.ends_with(expected)),
            "{expected} missing: {names:?}"
        );
    }
    assert!(names
        .iter()
        .any(|name| name.ends_with("error_logs/errors.log")));
    for (name, text) in &entries {
        for secret in [WEBHOOK_TOKEN, SMTP_PASSWORD, ACCOUNT_PASSWORD] {
            assert!(!text.contains(secret), "{secret} found in {name}:\n{text}");
        }
    }
    let config = &entries
        .iter()
        .find(|(name, _)| name.ends_with("config.toml"))
        .unwrap()
        .1;
    assert!(config.contains("smtp.example.com"), "{config}");
    assert!(config.contains("5001234"), "{config}");
    let logs = &entries
        .iter()
        .find(|(name, _)| name.ends_with("logs/mikrobot-2025-03-04.log"))
        .unwrap()
        .1;
    assert!(logs.contains("00:30 health ok"));
}

#[test]
fn diagnose_json_lists_bundle() {
    let state = tempfile::tempdir().unwrap();
    state_with_secrets(state.path());
    let output = mikrobot(state.path())
        .args(["diagnose", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let value = json_stdout(&output);
    let bundle = value["bundle"].as_str().unwrap();
    assert!(bundle.ends_with(".tar.gz"));
    assert!(Path::new(bundle).is_file());
    assert_eq!(value["config_parsed"], true);
    assert!(value["secrets_redacted"].as_u64().unwrap() >= 3);
}

#[test]
fn diagnose_missing_state_dir_is_input_error() {
    let state = tempfile::tempdir().unwrap();
    let missing = state.path().join("nowhere");
    let output = mikrobot(&missing)
        .args(["diagnose", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let error: serde_json::Value = serde_json::from_slice(&output.stderr).unwrap();
    assert!(error["error"].as_str().unwrap().contains("not found"));
    assert!(error["hint"].as_str().unwrap().contains("--state-dir"));
}

#[test]
fn diagnose_unparsable_config_still_redacts_pairs() {
    let state = tempfile::tempdir().unwrap();
    std::fs::write(
        state.path().join("mikrobot.toml"),
        format!("[alerts\nsmtp_password = \"{SMTP_PASSWORD}\"\n"),
    )
    .unwrap();
    let bundle = state.path().join("bundle.tar.gz");
    let output = mikrobot(state.path())
        .args(["diagnose", "-o"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(output.status.success());
    for (name, text) in unpack(&bundle) {
        assert!(!text.contains(SMTP_PASSWORD), "{name}: {text}");
    }
}

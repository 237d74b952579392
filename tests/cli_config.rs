//! `mikrobot config validate` and `mikrobot config migrate` through the built binary.

mod common;

use common::{json_stdout, mikrobot};
use mikrobot::config::Config;
use std::collections::BTreeMap;
use std::path::Path;

/// A configuration as written before the schema carried a version, with a value
/// in every section this build reads, comments and an inline table.
const VERSION_ZERO: &str = "# terminal 7, FTMO challenge\n\
[server]\n\
clock = \"Europe/Athens\" # broker runs Athens time\n\
\n\
[rules]\n\
preset = \"ftmo-2step\"\n\
initial_capital = 50000.0\n\
\n\
[rules.safety]\n\
buffer_percent = 1.5\n\
\n\
[maintenance]\n\
health_check = \"00:35\"\n\
weekly_day = \"Sun\"\n\
monthly_day = 3\n";

fn write_config(root: &Path, text: &str) {
    std::fs::write(root.join("mikrobot.toml"), text).unwrap();
}

fn leaves(text: &str) -> BTreeMap<String, toml::Value> {
    fn walk(prefix: &str, value: &toml::Value, out: &mut BTreeMap<String, toml::Value>) {
        match value {
            toml::Value::Table(table) => {
                for (key, inner) in table {
                    walk(&format!("{prefix}.{key}"), inner, out);
                }
            }
            leaf => {
                out.insert(prefix.to_owned(), leaf.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk("", &toml::Value::Table(text.parse().unwrap()), &mut out);
    out
}

#[test]
fn validate_accepts_current_config() {
    let state = tempfile::tempdir().unwrap();
    write_config(
        state.path(),
        "schema_version = 1\n[maintenance]\ncleanup = \"01:10\"\n",
    );
    let output = mikrobot(state.path())
        .args(["config", "validate"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("is valid"));
}

#[test]
fn validate_json_reports_invalid_value() {
    let state = tempfile::tempdir().unwrap();
    write_config(
        state.path(),
        "schema_version = 1\n[maintenance]\ncleanup = \"00:05\"\n",
    );
    let output = mikrobot(state.path())
        .args(["config", "validate", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let value = json_stdout(&output);
    assert_eq!(value["valid"], false);
    assert!(
        value["error"].as_str().unwrap().contains("cleanup"),
        "{value}"
    );
}

#[test]
fn validate_missing_config_is_input_error() {
    let state = tempfile::tempdir().unwrap();
    let output = mikrobot(state.path())
        .args(["config", "validate"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("mikrobot.toml"));
}

#[test]
fn migrate_from_version_zero_keeps_every_value() {
    let state = tempfile::tempdir().unwrap();
    write_config(state.path(), VERSION_ZERO);
    assert_eq!(
        mikrobot(state.path())
            .args(["config", "validate"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(1)
    );
    let output = mikrobot(state.path())
        .args(["config", "migrate", "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json_stdout(&output);
    assert_eq!(report["from"], 0);
    assert_eq!(report["to"], mikrobot::config::SCHEMA_VERSION);
    let backup = report["backup"].as_str().unwrap();
    assert!(state.path().join("backups").join(backup).is_dir());

    let migrated = std::fs::read_to_string(state.path().join("mikrobot.toml")).unwrap();
    let (old, new) = (leaves(VERSION_ZERO), leaves(&migrated));
    assert_eq!(old.len() + 1, new.len());
    for (key, value) in &old {
        assert_eq!(new.get(key), Some(value), "{key}");
    }
    assert!(migrated.contains("# broker runs Athens time"));
    let config = Config::from_toml_str(&migrated).unwrap();
    assert_eq!(config.rules.initial_capital, 50_000.0);
    assert_eq!(config.rules.safety.buffer_percent, 1.5);
    assert_eq!(config.maintenance.monthly_day, 3);
    assert_eq!(config.server.clock.to_string(), "Europe/Athens");
    let backed_up = state
        .path()
        .join("backups")
        .join(backup)
        .join("files/mikrobot.toml");
    assert_eq!(std::fs::read_to_string(backed_up).unwrap(), VERSION_ZERO);
    assert!(mikrobot(state.path())
        .args(["config", "validate"])
        .output()
        .unwrap()
        .status
        .success());
}

#[test]
fn failed_migration_leaves_original_bytes() {
    let state = tempfile::tempdir().unwrap();
    // A daily time out of order: the migrated file cannot validate.
    let original = format!("{VERSION_ZERO}cleanup = \"00:01\"\n");
    write_config(state.path(), &original);
    let output = mikrobot(state.path())
        .args(["config", "migrate"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("original was kept unchanged"), "{stderr}");
    assert_eq!(
        std::fs::read(state.path().join("mikrobot.toml")).unwrap(),
        original.as_bytes()
    );
    let leftovers: Vec<String> = std::fs::read_dir(state.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn migrate_current_config_changes_nothing() {
    let state = tempfile::tempdir().unwrap();
    let text = "schema_version = 1 # current\n";
    write_config(state.path(), text);
    let output = mikrobot(state.path())
        .args(["config", "migrate"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("nothing to migrate"));
    assert_eq!(
        std::fs::read_to_string(state.path().join("mikrobot.toml")).unwrap(),
        text
    );
    assert!(!state.path().join("backups").exists());
}

#[test]
fn migrate_broken_toml_is_input_error() {
    let state = tempfile::tempdir().unwrap();
    let text = "[rules\ninitial_capital = 1\n";
    write_config(state.path(), text);
    let output = mikrobot(state.path())
        .args(["config", "migrate", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let error: serde_json::Value = serde_json::from_slice(&output.stderr).unwrap();
    assert!(error["error"].as_str().unwrap().contains("not valid TOML"));
    assert_eq!(
        std::fs::read_to_string(state.path().join("mikrobot.toml")).unwrap(),
        text
    );
}

//! Helpers for the integration tests: the built `mikrobot` binary, the real
//! exports, and an xlsx writer.
#![allow(dead_code)]

pub mod chromium;

use assert_cmd::Command;
use std::path::Path;

/// The built binary, with the state directory set to `state`.
pub fn mikrobot(state: &Path) -> Command {
    let mut command = Command::cargo_bin("mikrobot").expect("the mikrobot binary is built");
    command
        .arg("--state-dir")
        .arg(state)
        .env_remove("MIKROBOT_STATE_DIR");
    command
}

/// Parses stdout as JSON, failing with the output when it is not.
pub fn json_stdout(output: &std::process::Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}: {text}"))
}

pub mod xlsx;

use std::path::PathBuf;

/// The folder with the real exports: `$MIKROBOT_SHARED_DATA` when set, otherwise
/// `../shared/data` next to the crate.
pub fn shared_data_dir() -> PathBuf {
    match std::env::var_os("MIKROBOT_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
    }
}

/// A file in the folder with the real exports.
pub fn shared_data(name: &str) -> PathBuf {
    shared_data_dir().join(name)
}

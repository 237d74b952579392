//! Helpers for the tests that run the built `mikrobot` binary.
#![allow(dead_code)]

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

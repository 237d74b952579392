//! Exit codes, errors that say what to do, and printing as text or JSON.

use serde::Serialize;
use std::fmt;
use std::process::ExitCode;

/// The exit codes scripts can rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// The command did its work and found nothing wrong.
    Ok = 0,
    /// The command did its work and found a problem: health not ok, a backup that
    /// fails verification, an invalid configuration, a maintenance run that failed.
    Findings = 1,
    /// The command line is invalid (clap's own code).
    Usage = 2,
    /// An input is missing or unreadable: a file, the state directory, a value.
    Input = 3,
    /// The operation failed part-way, for example a write or a restore; what was
    /// changed is reported and rolled back where the command says so.
    Failed = 4,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// An error for the operator: what failed and what to do about it.
#[derive(Debug)]
pub struct CliError {
    /// The exit code.
    pub exit: Exit,
    /// What failed, with the value involved.
    pub message: String,
    /// What to do next.
    pub hint: String,
}

impl CliError {
    /// An unreadable or missing input.
    pub fn input(message: impl fmt::Display, hint: impl Into<String>) -> Self {
        CliError {
            exit: Exit::Input,
            message: message.to_string(),
            hint: hint.into(),
        }
    }

    /// An operation that failed part-way.
    pub fn failed(message: impl fmt::Display, hint: impl Into<String>) -> Self {
        CliError {
            exit: Exit::Failed,
            message: message.to_string(),
            hint: hint.into(),
        }
    }
}

/// Whether results print as JSON.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    /// `--json` was given.
    pub json: bool,
}

impl Printer {
    /// Prints `value` as pretty JSON, or `text` otherwise.
    pub fn emit<T: Serialize>(
        &self,
        value: &T,
        text: impl FnOnce() -> String,
    ) -> Result<(), CliError> {
        if self.json {
            let rendered = serde_json::to_string_pretty(value).map_err(|error| {
                CliError::failed(
                    format!("JSON output failed: {error}"),
                    "report this as a bug",
                )
            })?;
            write_stdout(&format!("{rendered}\n"))
        } else {
            write_stdout(&text())
        }
    }

    /// Prints an error to stderr, as JSON when `--json` is on.
    pub fn error(&self, error: &CliError) {
        if self.json {
            let value = serde_json::json!({
                "error": error.message,
                "hint": error.hint,
                "exit_code": error.exit as u8,
            });
            eprintln!("{value}");
        } else {
            eprintln!("error: {}\nhint: {}", error.message, error.hint);
        }
    }
}

/// Writes `text` to standard output. A reader that closed the pipe early (`| head`) is no
/// error, where `print!` would panic with exit code 101.
fn write_stdout(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(CliError::failed(
            format!("writing to standard output failed: {error}"),
            "check where standard output goes (a full disk or a closed file)",
        )),
    }
}

//! `mikrobot alerts webhook-format`.

use crate::output::{CliError, Exit};
use crate::Context;
use clap::Subcommand;
use mikrobot::report::webhook::{AlertmanagerPayload, FIELDS};
use std::fmt::Write as _;

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Document the webhook payload, which follows Alertmanager's webhook shape
    /// (version 4): every field, then an example. With --json, print the example only.
    WebhookFormat,
}

pub fn run(command: AlertsCommand, context: &Context) -> Result<Exit, CliError> {
    match command {
        AlertsCommand::WebhookFormat => {
            let example = AlertmanagerPayload::example();
            context.printer.emit(&example, || {
                let mut text = String::from(
                    "mikrobot posts alerts as JSON in Alertmanager's webhook shape (version 4),\n\
                     so receivers written for Alertmanager accept them unchanged.\n\nFields:\n",
                );
                for (name, meaning) in FIELDS {
                    let _ = writeln!(text, "  {name:<36} {meaning}");
                }
                let body = serde_json::to_string_pretty(&example).unwrap_or_default();
                let _ = write!(text, "\nExample:\n{body}\n");
                text
            })?;
            Ok(Exit::Ok)
        }
    }
}

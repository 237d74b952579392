//! `mikrobot version`.

use crate::output::{CliError, Exit};
use crate::Context;
use serde::Serialize;

/// The versions a support request and an update check need.
#[derive(Debug, Serialize)]
pub struct Versions {
    crate_version: &'static str,
    abi_version: u32,
    config_schema_version: u32,
    journal_schema_version: u32,
}

/// Collects the versions of this build.
pub fn versions() -> Versions {
    Versions {
        crate_version: env!("CARGO_PKG_VERSION"),
        abi_version: mikrobot::ffi::MB_ABI_VERSION,
        config_schema_version: mikrobot::config::SCHEMA_VERSION,
        journal_schema_version: mikrobot::store::schema::SCHEMA_VERSION,
    }
}

pub fn run(context: &Context) -> Result<Exit, CliError> {
    let versions = versions();
    context.printer.emit(&versions, || {
        format!(
            "mikrobot {}\nC ABI version {}\nconfiguration schema {}\njournal schema {}\n",
            versions.crate_version,
            versions.abi_version,
            versions.config_schema_version,
            versions.journal_schema_version
        )
    })?;
    Ok(Exit::Ok)
}

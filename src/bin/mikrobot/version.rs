//! `mikrobot version`.

use crate::output::{CliError, Exit};
use crate::Context;
use serde::Serialize;

#[derive(Debug, Serialize)]
struct Versions {
    crate_version: &'static str,
}

pub fn run(context: &Context) -> Result<Exit, CliError> {
    let versions = Versions {
        crate_version: env!("CARGO_PKG_VERSION"),
    };
    context.printer.emit(&versions, || {
        format!("mikrobot {}\n", versions.crate_version)
    })?;
    Ok(Exit::Ok)
}

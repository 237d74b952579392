//! `mikrobot diagnose`: the support bundle.

use crate::output::{CliError, Exit};
use crate::state::{StateDir, LOG_DIRS};
use crate::Context;
use mikrobot::maintenance::bundle::SupportBundle;
use mikrobot::maintenance::redact::Redactor;
use mikrobot::store::{RecordKind, StoreReader};
use serde::Serialize;
use serde_json::json;
use std::path::{Path, PathBuf};

/// The tail of each log file that goes into the bundle, in bytes.
const LOG_TAIL_BYTES: u64 = 64 * 1024;

/// Log files per directory that go into the bundle, newest first.
const LOG_FILES_PER_DIR: usize = 5;

/// Journal records of each kind that go into the bundle, newest last.
const RECENT_RECORDS: usize = 20;

#[derive(Debug, clap::Args)]
pub struct DiagnoseArgs {
    /// Output path of the bundle; default STATE/support/mikrobot-support-TIME.tar.gz.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct Summary {
    bundle: String,
    files: Vec<String>,
    secrets_redacted: usize,
    config_parsed: bool,
}

pub fn run(args: DiagnoseArgs, context: &Context) -> Result<Exit, CliError> {
    let state = StateDir::open(&context.state_dir)?;
    let (config_text, redactor, config_parsed) = sanitized_config(&state);
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let mut bundle = SupportBundle::new(&format!("mikrobot-support-{stamp}"), redactor);
    bundle.add_text("version.json", &pretty(&crate::version::versions()));
    bundle.add_text("config.toml", &config_text);
    bundle.add_text("system.json", &pretty(&system_info(&state)));
    match state.reader() {
        Ok(reader) => add_journal(&mut bundle, &reader),
        Err(error) => bundle.add_text("journal.json", &pretty(&json!({ "error": error.message }))),
    }
    add_logs(&mut bundle, &state);
    let metrics = state.root().join("metrics.prom");
    if let Ok(text) = std::fs::read_to_string(&metrics) {
        bundle.add_text("metrics.prom", &text);
    }
    let path = args.output.unwrap_or_else(|| {
        state
            .root()
            .join("support")
            .join(format!("mikrobot-support-{stamp}.tar.gz"))
    });
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|error| {
            CliError::failed(
                format!("cannot create {}: {error}", parent.display()),
                "choose another place with --output FILE",
            )
        })?;
    }
    bundle.write(&path).map_err(|error| {
        CliError::failed(
            format!("cannot write the bundle {}: {error}", path.display()),
            "check free space and permissions, or choose another place with --output FILE",
        )
    })?;
    let summary = Summary {
        bundle: path.display().to_string(),
        files: bundle.names().map(str::to_owned).collect(),
        secrets_redacted: redactor_count(&state),
        config_parsed,
    };
    context.printer.emit(&summary, || {
        format!(
            "support bundle written to {}\n{} files; {} secret values redacted\n",
            summary.bundle,
            summary.files.len(),
            summary.secrets_redacted
        )
    })?;
    Ok(Exit::Ok)
}

/// The configuration with its secrets redacted, the redactor that stores them, and
/// whether it parsed as TOML. An unparsable file is still included, with every
/// `key = value` pair whose key names a secret redacted.
fn sanitized_config(state: &StateDir) -> (String, Redactor, bool) {
    let Ok(text) = std::fs::read_to_string(state.config_path()) else {
        return (
            "# no configuration file\n".to_owned(),
            Redactor::default(),
            false,
        );
    };
    match text.parse::<toml::Table>() {
        Ok(mut table) => {
            let redactor = Redactor::from_toml(&mut table);
            let clean = toml::to_string(&table).unwrap_or_default();
            (clean, redactor, true)
        }
        Err(error) => {
            let note = format!(
                "# the configuration does not parse as TOML: {}\n",
                error.to_string().replace('\n', " ")
            );
            (format!("{note}{text}"), Redactor::default(), false)
        }
    }
}

fn redactor_count(state: &StateDir) -> usize {
    let text = std::fs::read_to_string(state.config_path()).unwrap_or_default();
    text.parse::<toml::Table>()
        .map(|mut table| Redactor::from_toml(&mut table).secret_count())
        .unwrap_or(0)
}

fn pretty<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

fn system_info(state: &StateDir) -> serde_json::Value {
    use sysinfo::{Disks, MemoryRefreshKind, RefreshKind, System};
    // Only memory is refreshed: a CPU refresh calls PDH on Windows, which Wine stubs out.
    let system = System::new_with_specifics(
        RefreshKind::nothing().with_memory(MemoryRefreshKind::everything()),
    )
    .ok();
    let root = state
        .root()
        .canonicalize()
        .unwrap_or_else(|_| state.root().to_owned());
    let disks = Disks::new_with_refreshed_list().ok();
    let disk = disks
        .iter()
        .flat_map(|disks| disks.iter())
        .filter(|disk| root.starts_with(disk.mount_point()))
        .max_by_key(|disk| disk.mount_point().as_os_str().len())
        .map(|disk| {
            json!({
                "mount_point": disk.mount_point().display().to_string(),
                "total_bytes": disk.total_space(),
                "available_bytes": disk.available_space(),
            })
        });
    json!({
        "collected_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "os": System::long_os_version().ok(),
        "kernel": System::kernel_version().ok(),
        "host_uptime_seconds": System::uptime().ok(),
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "memory_total_bytes": system.as_ref().map(System::total_memory),
        "memory_used_bytes": system.as_ref().map(System::used_memory),
        "memory_available_bytes": system.as_ref().map(System::available_memory),
        "state_dir": root.display().to_string(),
        "state_dir_bytes": mikrobot::report::monthly::directory_size(&root),
        "state_volume": disk,
    })
}

fn add_journal(bundle: &mut SupportBundle, reader: &StoreReader) {
    let mut counts = serde_json::Map::new();
    for kind in RecordKind::ALL {
        counts.insert(kind.as_str().to_owned(), json!(reader.count(kind).ok()));
    }
    let integrity = match reader.integrity_check() {
        Ok(()) => "ok".to_owned(),
        Err(error) => error.to_string(),
    };
    let journal = json!({
        "schema_version": reader.schema_version().ok(),
        "last_seq": reader.last_seq().ok(),
        "integrity_check": integrity,
        "records": counts,
    });
    bundle.add_text("journal.json", &pretty(&journal));
    for (kind, name) in [
        (RecordKind::Maintenance, "maintenance.json"),
        (RecordKind::Alert, "alerts.json"),
        (RecordKind::Incident, "incidents.json"),
    ] {
        let records = reader
            .records_of(kind, i64::MIN, i64::MAX)
            .unwrap_or_default();
        let start = records.len().saturating_sub(RECENT_RECORDS);
        let bodies: Vec<serde_json::Value> = records[start..]
            .iter()
            .map(|record| serde_json::from_str(&record.body).unwrap_or(json!(record.body)))
            .collect();
        bundle.add_text(name, &pretty(&bodies));
    }
}

fn add_logs(bundle: &mut SupportBundle, state: &StateDir) {
    for directory in LOG_DIRS {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> =
            std::fs::read_dir(state.root().join(directory))
                .into_iter()
                .flatten()
                .flatten()
                .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
                .filter(|entry| !entry.file_name().to_string_lossy().ends_with(".gz"))
                .filter_map(|entry| Some((entry.metadata().ok()?.modified().ok()?, entry.path())))
                .collect();
        files.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
        for (_, path) in files.into_iter().take(LOG_FILES_PER_DIR) {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            bundle.add_text(&format!("{directory}/{name}"), &tail(&path));
        }
    }
}

/// The last [`LOG_TAIL_BYTES`] of a file, decoded lossily, starting at a line.
fn tail(path: &Path) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    let length = file.metadata().map_or(0, |m| m.len());
    let start = length.saturating_sub(LOG_TAIL_BYTES);
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(start)).is_err() || file.read_to_end(&mut bytes).is_err() {
        return String::new();
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if start > 0 {
        text.split_once('\n')
            .map_or(text.clone(), |(_, rest)| rest.to_owned())
    } else {
        text
    }
}

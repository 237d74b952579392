//! Configuration schema migration: a backup first, every value kept, and the
//! original file left byte for byte when the migrated document does not validate.
//!
//! Migrations edit the document with `toml_edit`, so comments and layout survive.
//! Schema 0 is a file written before the configuration carried a version: it has
//! no `schema_version` key.

use crate::config::SCHEMA_VERSION;
use std::collections::BTreeMap;
use std::path::Path;
use toml_edit::DocumentMut;

/// One migration step from `from` to `from + 1`.
struct Migration {
    from: u32,
    describe: &'static str,
    apply: fn(&mut DocumentMut),
}

/// Every step, in order. A step lists the keys it sets in its description, and it
/// may only add keys or change `schema_version`: [`values_kept`] checks that every
/// other value of the old document is still there, unchanged.
const MIGRATIONS: &[Migration] = &[Migration {
    from: 0,
    describe: "adds schema_version = 1 to a file written before the schema was versioned",
    apply: |document| {
        document["schema_version"] = toml_edit::value(1);
    },
}];

/// Error for a migration that did not happen; the original file is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The file could not be read.
    #[error("cannot read {path}: {message}")]
    Read {
        /// The file.
        path: String,
        /// The OS error.
        message: String,
    },
    /// The file is not TOML.
    #[error("{path} is not valid TOML: {message}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// `schema_version` is not a whole number.
    #[error("schema_version in {0} is not a whole number; set it to the version the file was written for")]
    VersionType(String),
    /// A newer build wrote the file.
    #[error("the configuration has schema_version {found}, newer than this build's {supported}; install the newer mikrobot")]
    Newer {
        /// Version in the file.
        found: u32,
        /// Version this build writes.
        supported: u32,
    },
    /// No migration starts at this version.
    #[error(
        "no migration from schema_version {0}; edit the file by hand to version {SCHEMA_VERSION}"
    )]
    NoPath(u32),
    /// The backup before the migration failed.
    #[error("the backup before the migration failed, so nothing was changed: {0}")]
    Backup(String),
    /// A migration step dropped or changed a value.
    #[error("the migration would change {0}; nothing was written")]
    ValueChanged(String),
    /// The migrated document did not validate; nothing was written.
    #[error("the migrated configuration is invalid, so the original was kept unchanged: {0}")]
    Invalid(String),
    /// Writing the migrated file failed, or it did not validate once written; the
    /// original bytes were written back.
    #[error("writing the migrated configuration failed ({0}); the original was restored")]
    RolledBack(String),
}

/// The result of a migration.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MigrateReport {
    /// Version found in the file.
    pub from: u32,
    /// Version written.
    pub to: u32,
    /// Each step applied, as a sentence.
    pub steps: Vec<String>,
    /// The id the backup callback returned, when a backup was taken.
    pub backup: Option<String>,
    /// Values compared between the old and the new document.
    pub values_checked: usize,
}

/// The schema version of a document: its `schema_version`, or 0 without one.
///
/// # Errors
///
/// [`MigrateError::VersionType`] for a value that is not a whole number.
pub fn schema_version_of(document: &DocumentMut, path: &str) -> Result<u32, MigrateError> {
    match document.get("schema_version") {
        None => Ok(0),
        Some(item) => item
            .as_integer()
            .and_then(|version| u32::try_from(version).ok())
            .ok_or_else(|| MigrateError::VersionType(path.to_owned())),
    }
}

/// Migrates the configuration at `path` to [`SCHEMA_VERSION`].
///
/// `backup` runs first, before the document is migrated, and returns an id for
/// the report.
/// `validate` checks the migrated text. The new text replaces the file through a
/// temporary file and a rename, and is read back and validated again; if that
/// fails, the original bytes are written back.
///
/// # Errors
///
/// [`MigrateError`]; in every case but [`MigrateError::RolledBack`] the file was
/// never written, and in that case the original bytes were written back.
pub fn migrate_file(
    path: &Path,
    backup: impl FnOnce() -> Result<String, String>,
    validate: impl Fn(&str) -> Result<(), String>,
) -> Result<MigrateReport, MigrateError> {
    let shown = path.display().to_string();
    let original = std::fs::read(path).map_err(|error| MigrateError::Read {
        path: shown.clone(),
        message: error.to_string(),
    })?;
    let text = String::from_utf8_lossy(&original).into_owned();
    let parse_error = |message: String| MigrateError::Parse {
        path: shown.clone(),
        message: message.replace('\n', " "),
    };
    let mut document: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| parse_error(e.to_string()))?;
    let from = schema_version_of(&document, &shown)?;
    if from > SCHEMA_VERSION {
        return Err(MigrateError::Newer {
            found: from,
            supported: SCHEMA_VERSION,
        });
    }
    let mut report = MigrateReport {
        from,
        to: from,
        steps: Vec::new(),
        backup: None,
        values_checked: 0,
    };
    if from == SCHEMA_VERSION {
        return Ok(report);
    }
    report.backup = Some(backup().map_err(MigrateError::Backup)?);
    for version in from..SCHEMA_VERSION {
        let step = MIGRATIONS
            .iter()
            .find(|step| step.from == version)
            .ok_or(MigrateError::NoPath(version))?;
        (step.apply)(&mut document);
        report
            .steps
            .push(format!("{} to {}: {}", version, version + 1, step.describe));
    }
    report.to = SCHEMA_VERSION;
    let migrated = document.to_string();
    report.values_checked = values_kept(&text, &migrated).map_err(MigrateError::ValueChanged)?;
    validate(&migrated).map_err(MigrateError::Invalid)?;
    let written = crate::metrics::write_atomically(path, migrated.as_bytes())
        .map_err(|error| error.to_string())
        .and_then(|()| std::fs::read_to_string(path).map_err(|error| error.to_string()))
        .and_then(|read_back| validate(&read_back));
    if let Err(problem) = written {
        crate::metrics::write_atomically(path, &original).map_err(|error| {
            MigrateError::RolledBack(format!("{problem}; restoring also failed: {error}"))
        })?;
        return Err(MigrateError::RolledBack(problem));
    }
    Ok(report)
}

/// Checks that every value of `old` other than `schema_version` is in `new` at the
/// same key path with the same value; returns how many were compared, or the
/// first path that differs.
fn values_kept(old: &str, new: &str) -> Result<usize, String> {
    let leaves = |text: &str| -> Result<BTreeMap<String, toml::Value>, String> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
        let mut out = BTreeMap::new();
        flatten("", &toml::Value::Table(table), &mut out);
        Ok(out)
    };
    let (old, new) = (leaves(old)?, leaves(new)?);
    let mut checked = 0;
    for (key, value) in old
        .iter()
        .filter(|(key, _)| key.as_str() != "schema_version")
    {
        if new.get(key) != Some(value) {
            return Err(format!("{key} (was {value})"));
        }
        checked += 1;
    }
    Ok(checked)
}

fn flatten(prefix: &str, value: &toml::Value, out: &mut BTreeMap<String, toml::Value>) {
    match value {
        toml::Value::Table(table) => {
            for (key, inner) in table {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, inner, out);
            }
        }
        toml::Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{index}]"), inner, out);
            }
        }
        leaf => {
            out.insert(prefix.to_owned(), leaf.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "# terminal 7\n[server]\nclock = \"Europe/Athens\" # broker\n\
                       [rules]\npreset = \"ftmo-2step\"\ninitial_capital = 50000.0\n\
                       [maintenance]\nhealth_check = \"00:35\"\n";

    fn validate(text: &str) -> Result<(), String> {
        crate::config::Config::from_toml_str(text)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn version_zero_gains_schema_version() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("mikrobot.toml");
        std::fs::write(&path, OLD).unwrap();
        let report = migrate_file(&path, || Ok("b1".into()), validate).unwrap();
        assert_eq!((report.from, report.to), (0, SCHEMA_VERSION));
        assert_eq!(report.backup.as_deref(), Some("b1"));
        assert_eq!(report.values_checked, 4);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("# terminal 7"), "{text}");
        assert!(text.contains("# broker"), "{text}");
        assert!(validate(&text).is_ok());
    }

    #[test]
    fn current_version_is_left_alone() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("mikrobot.toml");
        std::fs::write(&path, "schema_version = 1\n").unwrap();
        let report =
            migrate_file(&path, || panic!("no backup for a current file"), validate).unwrap();
        assert!(report.steps.is_empty());
        assert_eq!(report.backup, None);
    }

    #[test]
    fn invalid_result_keeps_original_bytes() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("mikrobot.toml");
        let original = "[rules] # capital below zero\ninitial_capital = -5.0\n";
        std::fs::write(&path, original).unwrap();
        let error = migrate_file(&path, || Ok("b".into()), validate).unwrap_err();
        assert!(matches!(error, MigrateError::Invalid(_)), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), original.as_bytes());
    }

    #[test]
    fn failed_backup_changes_nothing() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("mikrobot.toml");
        std::fs::write(&path, OLD).unwrap();
        let error = migrate_file(&path, || Err("disk full".into()), validate).unwrap_err();
        assert!(matches!(error, MigrateError::Backup(_)));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), OLD);
    }

    #[test]
    fn newer_file_is_rejected() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("mikrobot.toml");
        std::fs::write(&path, "schema_version = 99\n").unwrap();
        let error = migrate_file(&path, || Ok("b".into()), validate).unwrap_err();
        assert!(matches!(error, MigrateError::Newer { found: 99, .. }));
    }

    #[test]
    fn changed_value_is_detected() {
        assert_eq!(
            values_kept("a = 1\n[b]\nc = 2\n", "a = 1\n[b]\nc = 3\n"),
            Err("b.c (was 2)".into())
        );
        assert_eq!(
            values_kept("a = [1, 2]\n", "a = [1, 2]\nschema_version = 1\n"),
            Ok(2)
        );
    }
}

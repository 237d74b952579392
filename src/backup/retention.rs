//! Retention and schedule: which backups to delete, and which kinds are due.

use super::create::{list_backups, read_manifest, TEMP_PREFIX};
use super::manifest::FileEntry;
use super::{BackupConfig, BackupError, BackupKind, Component, Layout};
use crate::account::TimeMs;
use crate::store::fsio;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// What retention needs to know about one backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionInput {
    /// The backup's id.
    pub id: String,
    /// Its kind.
    pub kind: BackupKind,
    /// When it was taken.
    pub created_ms: TimeMs,
    /// Whether it passed verification.
    pub verified: bool,
}

/// Returns the ids to delete: every backup older than its kind's retention, except
/// the newest verified backup of each kind, which is always kept.
pub fn plan_retention(
    backups: &[RetentionInput],
    config: &BackupConfig,
    now_ms: TimeMs,
) -> Vec<String> {
    let mut by_kind: BTreeMap<BackupKind, Vec<&RetentionInput>> = BTreeMap::new();
    for backup in backups {
        by_kind.entry(backup.kind).or_default().push(backup);
    }
    let mut delete = Vec::new();
    for (kind, mut group) in by_kind {
        // Newest first; the id breaks ties so the choice does not depend on input order.
        group.sort_by(|a, b| (b.created_ms, &b.id).cmp(&(a.created_ms, &a.id)));
        let protected = group
            .iter()
            .find(|backup| backup.verified)
            .map(|backup| backup.id.as_str());
        let keep_ms = config.keep_ms(kind);
        for backup in group {
            let expired = now_ms.saturating_sub(backup.created_ms) > keep_ms;
            if expired && Some(backup.id.as_str()) != protected {
                delete.push(backup.id.clone());
            }
        }
    }
    delete
}

/// What a prune did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PruneReport {
    /// Ids of the deleted backups.
    pub deleted: Vec<String>,
    /// The newest verified backup of each kind, kept whatever its age.
    pub protected: Vec<String>,
    /// Backups that failed verification while the newest verified one was sought.
    pub failed_verification: Vec<String>,
    /// Leftover temporary directories removed.
    pub temporary_removed: usize,
    /// Bytes freed.
    pub bytes_freed: u64,
}

/// Age after which a temporary backup directory counts as left over by a crash.
const STALE_TEMPORARY: Duration = Duration::from_secs(3_600);

/// Deletes the backups [`plan_retention`] selects, after verifying each kind's
/// backups from the newest down until one passes, and removes temporary
/// directories left by a crash more than an hour ago.
///
/// # Errors
///
/// [`BackupError::Io`] when the backup directory cannot be listed or a deletion
/// fails; the report of the deletions before the failure is logged.
pub fn prune_backups(
    layout: &Layout,
    config: &BackupConfig,
    now_ms: TimeMs,
) -> Result<PruneReport, BackupError> {
    let mut report = PruneReport::default();
    let backups = list_backups(layout)?;
    let mut inputs: Vec<RetentionInput> = backups
        .iter()
        .map(|backup| RetentionInput {
            id: backup.id.clone(),
            kind: backup.kind,
            created_ms: backup.created_ms,
            verified: false,
        })
        .collect();
    for kind in BackupKind::ALL {
        let mut newest_first: Vec<usize> = (0..inputs.len())
            .filter(|&i| inputs[i].kind == kind)
            .collect();
        newest_first.sort_by(|&a, &b| {
            (inputs[b].created_ms, &inputs[b].id).cmp(&(inputs[a].created_ms, &inputs[a].id))
        });
        for index in newest_first {
            let verify = super::verify_backup(&backups[index].dir)?;
            if verify.ok() {
                inputs[index].verified = true;
                report.protected.push(inputs[index].id.clone());
                break;
            }
            log::warn!(
                "backup {} failed verification: {}",
                inputs[index].id,
                verify.summary()
            );
            report.failed_verification.push(inputs[index].id.clone());
        }
    }
    for id in plan_retention(&inputs, config, now_ms) {
        let Some(backup) = backups.iter().find(|backup| backup.id == id) else {
            continue;
        };
        fsio::remove_dir_all(&backup.dir)
            .map_err(|e| BackupError::io(&backup.dir, "cannot delete an expired backup", e))?;
        report.bytes_freed += backup.total_size;
        report.deleted.push(id);
    }
    report.temporary_removed = remove_stale_temporaries(layout)?;
    if !report.deleted.is_empty() {
        log::info!(
            "pruned {} backups, {} bytes freed",
            report.deleted.len(),
            report.bytes_freed
        );
    }
    Ok(report)
}

fn remove_stale_temporaries(layout: &Layout) -> Result<usize, BackupError> {
    let dir = layout.backups_path();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(0);
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let age = entry
            .metadata()
            .and_then(|metadata| metadata.modified())
            .ok()
            .and_then(|modified| SystemTime::now().duration_since(modified).ok())
            .unwrap_or_default();
        if name.starts_with(TEMP_PREFIX) && age > STALE_TEMPORARY {
            fsio::remove_dir_all(&entry.path()).map_err(|e| {
                BackupError::io(&entry.path(), "cannot remove a stale temporary backup", e)
            })?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Returns the kinds due at `now_ms`: system and trading when their interval has
/// passed since the last one (or there is none), configuration when the
/// configuration files differ from the newest configuration backup.
pub fn schedule_due(
    config: &BackupConfig,
    last_system_ms: Option<TimeMs>,
    last_trading_ms: Option<TimeMs>,
    configuration_changed: bool,
    now_ms: TimeMs,
) -> Vec<BackupKind> {
    let due = |last: Option<TimeMs>, interval: TimeMs| {
        last.is_none_or(|last| now_ms.saturating_sub(last) >= interval)
    };
    let mut kinds = Vec::new();
    if due(last_system_ms, config.system_interval_ms) {
        kinds.push(BackupKind::System);
    }
    if due(last_trading_ms, config.trading_interval_ms) {
        kinds.push(BackupKind::Trading);
    }
    if configuration_changed {
        kinds.push(BackupKind::Configuration);
    }
    kinds
}

/// [`schedule_due`] for the state directory in `layout`, from the backups on disk
/// and the current configuration files.
///
/// # Errors
///
/// [`BackupError::Io`] when the backups cannot be listed or a configuration file
/// cannot be hashed.
pub fn due_kinds(
    layout: &Layout,
    config: &BackupConfig,
    now_ms: TimeMs,
) -> Result<Vec<BackupKind>, BackupError> {
    let backups = list_backups(layout)?;
    let last = |kind| {
        backups
            .iter()
            .filter(|b| b.kind == kind)
            .map(|b| b.created_ms)
            .max()
    };
    let newest_configuration = backups
        .iter()
        .filter(|b| b.kind == BackupKind::Configuration)
        .max_by_key(|b| (b.created_ms, b.id.clone()));
    let saved: Vec<FileEntry> = match newest_configuration {
        Some(backup) => read_manifest(&backup.dir)
            .map(|m| m.files)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let mut current = Vec::new();
    for file in &layout.config_files {
        let path = layout.root.join(file);
        if path.is_file() {
            let (size, digest) = fsio::hash_file(&path)
                .map_err(|e| BackupError::io(&path, "cannot hash a configuration file", e))?;
            current.push(FileEntry {
                path: file.clone(),
                component: Component::Config,
                size,
                sha256: hex::encode(digest),
            });
        }
    }
    current.sort_by(|a, b| a.path.cmp(&b.path));
    let changed = newest_configuration.is_none() && !current.is_empty()
        || newest_configuration.is_some() && saved != current;
    Ok(schedule_due(
        config,
        last(BackupKind::System),
        last(BackupKind::Trading),
        changed,
        now_ms,
    ))
}

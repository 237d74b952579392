//! Creating a backup and listing the ones on disk.

use super::manifest::{FileEntry, Manifest, FILES_DIR, FORMAT, MANIFEST_FILE, SEAL_FILE};
use super::{BackupError, BackupInfo, BackupKind, BackupReason, Component, Layout};
use crate::account::TimeMs;
use crate::store::{fsio, StoreConfig, StoreReader};
use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Prefix of a backup being written; such a directory is never a valid backup, and
/// pruning removes a leftover one.
pub(super) const TEMP_PREFIX: &str = ".tmp-";

/// Creates a backup of `kind` from the state directory in `layout`, verifies it,
/// and returns what was written.
///
/// # Errors
///
/// [`BackupError`] when a file cannot be read, copied or synced, when the database
/// copy fails, or when the written backup does not verify. A failed backup leaves
/// no directory under its id; at most a temporary directory that pruning removes.
pub fn create_backup(
    layout: &Layout,
    kind: BackupKind,
    reason: BackupReason,
    time_ms: TimeMs,
) -> Result<BackupInfo, BackupError> {
    let id = next_backup_id(layout, kind, time_ms);
    create_backup_as(layout, kind, reason, time_ms, &id)
}

/// Returns the id the next backup of `kind` taken at `time_ms` gets: the kind and the
/// UTC time, with a counter when that id is already taken. Only checks which names
/// exist, so a caller can hand the id out before the backup runs elsewhere.
pub fn next_backup_id(layout: &Layout, kind: BackupKind, time_ms: TimeMs) -> String {
    unique_id(&layout.backups_path(), kind, time_ms)
}

/// Creates a backup as [`create_backup`] does, under the id given (from
/// [`next_backup_id`]).
///
/// # Errors
///
/// As [`create_backup`], and [`BackupError::Io`] when a backup with this id exists.
pub fn create_backup_as(
    layout: &Layout,
    kind: BackupKind,
    reason: BackupReason,
    time_ms: TimeMs,
    id: &str,
) -> Result<BackupInfo, BackupError> {
    let backups = layout.backups_path();
    fsio::create_dir_all(&backups)
        .map_err(|e| BackupError::io(&backups, "cannot create the backup directory", e))?;
    let id = id.to_owned();
    if backups.join(&id).exists() {
        return Err(BackupError::Io {
            path: backups.join(&id),
            message: "a backup with this id already exists; take a new id".to_owned(),
        });
    }
    let temp = backups.join(format!("{TEMP_PREFIX}{id}"));
    if temp.exists() {
        fsio::remove_dir_all(&temp)
            .map_err(|e| BackupError::io(&temp, "cannot remove a stale temporary backup", e))?;
    }
    let result = write_backup(layout, kind, reason, time_ms, &id, &temp);
    let manifest = match result {
        Ok(manifest) => manifest,
        Err(error) => {
            // Best effort: the temporary directory is never mistaken for a backup.
            let _ = std::fs::remove_dir_all(&temp);
            log::error!("backup {id} failed: {error}");
            return Err(error);
        }
    };
    let dir = backups.join(&id);
    if let Err(error) = fsio::rename(&temp, &dir) {
        let _ = std::fs::remove_dir_all(&temp);
        return Err(BackupError::io(
            &dir,
            "cannot move the finished backup into place",
            error,
        ));
    }
    fsio::sync_dir(&backups)
        .map_err(|e| BackupError::io(&backups, "cannot sync the backup directory", e))?;
    let report = super::verify_backup(&dir)?;
    if !report.ok() {
        // A backup that fails its own verification must not stay listed.
        if let Err(error) = fsio::remove_dir_all(&dir) {
            log::error!(
                "cannot remove the unverified backup {}: {error}",
                dir.display()
            );
        }
        return Err(BackupError::Verify {
            id,
            summary: report.summary(),
        });
    }
    log::info!(
        "backup {id} written: {} files, {} bytes, verified",
        manifest.files.len(),
        manifest.total_size
    );
    Ok(BackupInfo {
        id: manifest.id.clone(),
        kind,
        reason,
        created_ms: time_ms,
        total_size: manifest.total_size,
        files: manifest.files.len(),
        dir,
    })
}

fn unique_id(backups: &Path, kind: BackupKind, time_ms: TimeMs) -> String {
    let stamp = crate::time::utc_from_ms(time_ms)
        .map(|time| time.format("%Y%m%dT%H%M%S%.3fZ").to_string())
        .unwrap_or_else(|_| time_ms.to_string());
    let base = format!("{}-{}", kind.as_str(), stamp.replace('.', ""));
    let mut id = base.clone();
    let mut counter = 1;
    while backups.join(&id).exists() || backups.join(format!("{TEMP_PREFIX}{id}")).exists() {
        counter += 1;
        id = format!("{base}-{counter}");
    }
    id
}

fn write_backup(
    layout: &Layout,
    kind: BackupKind,
    reason: BackupReason,
    time_ms: TimeMs,
    id: &str,
    temp: &Path,
) -> Result<Manifest, BackupError> {
    let files_root = temp.join(FILES_DIR);
    fsio::create_dir_all(&files_root)
        .map_err(|e| BackupError::io(&files_root, "cannot create the temporary backup", e))?;
    let mut entries = Vec::new();
    let mut dirs = vec![files_root.clone()];
    for &component in kind.components() {
        for relative in sources(layout, component)? {
            let target = files_root.join(&relative);
            if let Some(parent) = target.parent() {
                if !dirs.iter().any(|dir| dir == parent) {
                    fsio::create_dir_all(parent).map_err(|e| {
                        BackupError::io(parent, "cannot create a backup directory", e)
                    })?;
                    dirs.push(parent.to_owned());
                }
            }
            let (size, digest) = if component == Component::Data {
                copy_database(layout, &target)?
            } else {
                let source = layout.root.join(&relative);
                fsio::copy_synced(&source, &target)
                    .map_err(|e| BackupError::io(&source, "cannot copy into the backup", e))?
            };
            entries.push(FileEntry {
                path: slash_path(&relative),
                component,
                size,
                sha256: hex::encode(digest),
            });
        }
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    entries.dedup_by(|a, b| a.path == b.path);
    let manifest = Manifest {
        format: FORMAT,
        id: id.to_owned(),
        kind,
        reason,
        created_ms: time_ms,
        created: crate::time::rfc3339(time_ms),
        components: kind.components().to_vec(),
        total_size: entries.iter().map(|entry| entry.size).sum(),
        files: entries,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| BackupError::Io {
        path: temp.join(MANIFEST_FILE),
        message: format!("cannot serialize the manifest: {e}"),
    })?;
    let manifest_path = temp.join(MANIFEST_FILE);
    fsio::write_synced(&manifest_path, &json)
        .map_err(|e| BackupError::io(&manifest_path, "cannot write the manifest", e))?;
    let seal = format!("{}\n", hex::encode(Sha256::digest(&json)));
    let seal_path = temp.join(SEAL_FILE);
    fsio::write_synced(&seal_path, seal.as_bytes())
        .map_err(|e| BackupError::io(&seal_path, "cannot write the manifest seal", e))?;
    // Deepest directories first, so each parent is synced after its children.
    dirs.sort_by_key(|dir| std::cmp::Reverse(dir.components().count()));
    for dir in dirs.iter().chain(std::iter::once(&temp.to_owned())) {
        fsio::sync_dir(dir)
            .map_err(|e| BackupError::io(dir, "cannot sync a backup directory", e))?;
    }
    Ok(manifest)
}

/// The paths (relative to the root) a component copies; missing ones are skipped.
fn sources(layout: &Layout, component: Component) -> Result<Vec<PathBuf>, BackupError> {
    let mut out = Vec::new();
    match component {
        Component::Data => {
            if layout.store_path().is_file() {
                out.push(PathBuf::from(&layout.store_file));
            }
        }
        Component::Config => {
            for file in &layout.config_files {
                if layout.root.join(file).is_file() {
                    out.push(PathBuf::from(file));
                }
            }
        }
        Component::Logs => {
            for dir in &layout.log_dirs {
                list_files(&layout.root, Path::new(dir), &mut out)?;
            }
        }
        Component::Performance => {
            list_files(&layout.root, Path::new(&layout.performance_dir), &mut out)?;
        }
    }
    Ok(out)
}

/// Adds the regular files directly inside `root/dir`, skipping links and subdirectories.
fn list_files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), BackupError> {
    let full = root.join(dir);
    let Ok(entries) = std::fs::read_dir(&full) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry.map_err(|e| BackupError::io(&full, "cannot list a log directory", e))?;
        let file_type = entry
            .file_type()
            .map_err(|e| BackupError::io(&entry.path(), "cannot read a file type", e))?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            log::warn!(
                "skipping {} in the backup: its name is not UTF-8",
                entry.path().display()
            );
            continue;
        };
        if file_type.is_file() && super::paths::safe_relative_path(&name).is_ok() {
            out.push(dir.join(name));
        }
    }
    Ok(())
}

/// Copies the live database with the online backup API and returns the copy's size
/// and SHA-256.
fn copy_database(layout: &Layout, target: &Path) -> Result<(u64, [u8; 32]), BackupError> {
    let source = StoreReader::open(&layout.store_path(), &layout.store)?;
    let mut copy = open_copy(target, &layout.store)?;
    {
        let backup = rusqlite::backup::Backup::new(source.connection(), &mut copy)
            .map_err(crate::store::StoreError::from)?;
        backup
            .run_to_completion(layout.pages_per_step, Duration::ZERO, None)
            .map_err(crate::store::StoreError::from)?;
    }
    // The copy is a standalone file: no WAL beside it, so its hash covers everything.
    copy.pragma_update(None, "journal_mode", "DELETE")
        .map_err(crate::store::StoreError::from)?;
    copy.close()
        .map_err(|(_, e)| crate::store::StoreError::from(e))?;
    // SQLite may leave an empty WAL or journal behind when deleting it failed; the
    // copy is complete without them, and the manifest lists only the database.
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut side = target.as_os_str().to_owned();
        side.push(suffix);
        let side = std::path::PathBuf::from(side);
        if side.exists() {
            fsio::remove_file(&side).map_err(|e| {
                BackupError::io(&side, "cannot remove a side file of the database copy", e)
            })?;
        }
    }
    fsio::hash_file(target)
        .map_err(|e| BackupError::io(target, "cannot read back the database copy", e))
}

fn open_copy(target: &Path, store: &StoreConfig) -> Result<Connection, BackupError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match &store.vfs {
        Some(vfs) => {
            crate::store::register_vfs(vfs);
            Connection::open_with_flags_and_vfs(target, flags, vfs.as_str())
        }
        None => Connection::open_with_flags(target, flags),
    }
    .map_err(crate::store::StoreError::from)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(crate::store::StoreError::from)?;
    Ok(conn)
}

/// Lists the backups in `layout`'s backup directory, oldest first. Directories
/// whose manifest cannot be read are skipped with a warning; verification reports
/// them.
///
/// # Errors
///
/// [`BackupError::Io`] when the directory exists but cannot be listed.
pub fn list_backups(layout: &Layout) -> Result<Vec<BackupInfo>, BackupError> {
    let backups = layout.backups_path();
    let Ok(entries) = std::fs::read_dir(&backups) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| BackupError::io(&backups, "cannot list the backups", e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(TEMP_PREFIX) || !entry.path().is_dir() {
            continue;
        }
        match read_manifest(&entry.path()) {
            Ok(manifest) => out.push(BackupInfo {
                id: manifest.id,
                kind: manifest.kind,
                reason: manifest.reason,
                created_ms: manifest.created_ms,
                total_size: manifest.total_size,
                files: manifest.files.len(),
                dir: entry.path(),
            }),
            Err(error) => log::warn!("skipping backup directory {name}: {error}"),
        }
    }
    out.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
    Ok(out)
}

pub(super) fn read_manifest(dir: &Path) -> Result<Manifest, String> {
    let bytes = std::fs::read(dir.join(MANIFEST_FILE))
        .map_err(|e| format!("cannot read {MANIFEST_FILE}: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{MANIFEST_FILE} is invalid: {e}"))
}

pub(super) fn slash_path(path: &Path) -> String {
    path.components()
        .map(|component| component.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

//! Verification: recompute every hash and compare the directory with its manifest.

use super::create::slash_path;
use super::manifest::{Manifest, FILES_DIR, FORMAT, MANIFEST_FILE, SEAL_FILE};
use super::paths::safe_relative_path;
use super::BackupError;
use crate::store::fsio;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One problem verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyIssue {
    /// The manifest or its seal is missing or unreadable.
    ManifestMissing(String),
    /// The manifest's SHA-256 differs from the seal: the manifest was edited.
    ManifestEdited,
    /// The manifest does not parse or contradicts itself.
    ManifestInvalid(String),
    /// A listed file is not in the backup.
    Missing(String),
    /// A file has a different size than listed (a truncated or zero-length file).
    SizeMismatch {
        /// The file.
        path: String,
        /// Size in the manifest.
        expected: u64,
        /// Size on disk.
        found: u64,
    },
    /// A file's contents differ from its listed SHA-256 (a flipped bit).
    HashMismatch(String),
    /// A file in the backup that the manifest does not list.
    Extra(String),
    /// A symbolic link or other non-regular file in the backup.
    NotRegular(String),
    /// A listed path that could land outside a restore target.
    UnsafePath(String, &'static str),
    /// A file could not be read.
    Unreadable(String, String),
}

impl std::fmt::Display for VerifyIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VerifyIssue::ManifestMissing(why) => write!(f, "manifest missing: {why}"),
            VerifyIssue::ManifestEdited => write!(
                f,
                "{MANIFEST_FILE} does not match {SEAL_FILE}: the manifest was edited"
            ),
            VerifyIssue::ManifestInvalid(why) => write!(f, "manifest invalid: {why}"),
            VerifyIssue::Missing(path) => write!(f, "{path} is missing"),
            VerifyIssue::SizeMismatch {
                path,
                expected,
                found,
            } => {
                write!(
                    f,
                    "{path} is {found} bytes, but the manifest lists {expected}"
                )
            }
            VerifyIssue::HashMismatch(path) => write!(f, "{path} does not match its SHA-256"),
            VerifyIssue::Extra(path) => write!(f, "{path} is not in the manifest"),
            VerifyIssue::NotRegular(path) => write!(f, "{path} is a link or special file"),
            VerifyIssue::UnsafePath(path, why) => write!(f, "{path:?} is unsafe: {why}"),
            VerifyIssue::Unreadable(path, why) => write!(f, "{path} cannot be read: {why}"),
        }
    }
}

/// The result of verifying one backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// The backup's directory.
    pub dir: PathBuf,
    /// The id from the manifest, when it could be read.
    pub id: Option<String>,
    /// Files whose hash was recomputed.
    pub files_checked: usize,
    /// Bytes hashed.
    pub bytes_checked: u64,
    /// Every problem found; empty when the backup is intact.
    pub issues: Vec<VerifyIssue>,
}

impl VerifyReport {
    /// Whether the backup is intact.
    pub fn ok(&self) -> bool {
        self.issues.is_empty()
    }

    /// Returns the first three issues as one line.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = self
            .issues
            .iter()
            .take(3)
            .map(ToString::to_string)
            .collect();
        if self.issues.len() > 3 {
            parts.push(format!("and {} more", self.issues.len() - 3));
        }
        parts.join("; ")
    }
}

/// Verifies the backup in `dir`: the seal matches the manifest, every listed path
/// is safe, every listed file exists as a regular file with its size and SHA-256,
/// and no other file is present.
///
/// # Errors
///
/// Problems with the backup are issues in the report, not errors. The error is
/// [`BackupError::Io`] only when `dir` itself cannot be listed.
pub fn verify_backup(dir: &Path) -> Result<VerifyReport, BackupError> {
    let mut report = VerifyReport {
        dir: dir.to_owned(),
        id: None,
        files_checked: 0,
        bytes_checked: 0,
        issues: Vec::new(),
    };
    let Some(manifest) = read_sealed_manifest(dir, &mut report.issues) else {
        return Ok(report);
    };
    report.id = Some(manifest.id.clone());
    check_manifest_fields(dir, &manifest, &mut report.issues);
    let files_root = dir.join(FILES_DIR);
    let mut listed = BTreeSet::new();
    for entry in &manifest.files {
        let relative = match safe_relative_path(&entry.path) {
            Ok(relative) => relative,
            Err(error) => {
                report
                    .issues
                    .push(VerifyIssue::UnsafePath(entry.path.clone(), error.reason));
                continue;
            }
        };
        listed.insert(entry.path.clone());
        let path = files_root.join(&relative);
        let metadata = match std::fs::symlink_metadata(&path) {
            Ok(metadata) => metadata,
            Err(_) => {
                report.issues.push(VerifyIssue::Missing(entry.path.clone()));
                continue;
            }
        };
        if !metadata.file_type().is_file() {
            report
                .issues
                .push(VerifyIssue::NotRegular(entry.path.clone()));
            continue;
        }
        if metadata.len() != entry.size {
            report.issues.push(VerifyIssue::SizeMismatch {
                path: entry.path.clone(),
                expected: entry.size,
                found: metadata.len(),
            });
            continue;
        }
        match fsio::hash_file(&path) {
            Ok((size, digest)) => {
                report.files_checked += 1;
                report.bytes_checked += size;
                if hex::encode(digest) != entry.sha256 {
                    report
                        .issues
                        .push(VerifyIssue::HashMismatch(entry.path.clone()));
                }
            }
            Err(error) => report.issues.push(VerifyIssue::Unreadable(
                entry.path.clone(),
                error.to_string(),
            )),
        }
    }
    find_extra(dir, &files_root, &listed, &mut report.issues)?;
    Ok(report)
}

fn read_sealed_manifest(dir: &Path, issues: &mut Vec<VerifyIssue>) -> Option<Manifest> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let bytes = match read_all(&manifest_path) {
        Ok(bytes) => bytes,
        Err(error) => {
            issues.push(VerifyIssue::ManifestMissing(format!(
                "{MANIFEST_FILE}: {error}"
            )));
            return None;
        }
    };
    let seal = match read_all(&dir.join(SEAL_FILE)) {
        Ok(seal) => seal,
        Err(error) => {
            issues.push(VerifyIssue::ManifestMissing(format!(
                "{SEAL_FILE}: {error}"
            )));
            return None;
        }
    };
    let expected = String::from_utf8_lossy(&seal).trim().to_owned();
    if hex::encode(Sha256::digest(&bytes)) != expected {
        issues.push(VerifyIssue::ManifestEdited);
        return None;
    }
    match serde_json::from_slice::<Manifest>(&bytes) {
        Ok(manifest) => Some(manifest),
        Err(error) => {
            issues.push(VerifyIssue::ManifestInvalid(error.to_string()));
            None
        }
    }
}

fn read_all(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut file = fsio::open_read(path)?;
    let mut out = Vec::new();
    let mut buffer = [0u8; 64 * 1024];
    loop {
        let read = fsio::read_some(&mut file, path, &mut buffer)?;
        if read == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buffer[..read]);
    }
}

fn check_manifest_fields(dir: &Path, manifest: &Manifest, issues: &mut Vec<VerifyIssue>) {
    if manifest.format != FORMAT {
        issues.push(VerifyIssue::ManifestInvalid(format!(
            "format {} is not the supported {FORMAT}",
            manifest.format
        )));
    }
    let name = dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned());
    if name.as_deref() != Some(manifest.id.as_str())
        && !name
            .unwrap_or_default()
            .starts_with(super::create::TEMP_PREFIX)
    {
        issues.push(VerifyIssue::ManifestInvalid(format!(
            "id {:?} differs from the directory name",
            manifest.id
        )));
    }
    let total: u64 = manifest.files.iter().map(|entry| entry.size).sum();
    if total != manifest.total_size {
        issues.push(VerifyIssue::ManifestInvalid(format!(
            "total_size {} differs from the sum of the file sizes {total}",
            manifest.total_size
        )));
    }
    let unique: BTreeSet<&str> = manifest
        .files
        .iter()
        .map(|entry| entry.path.as_str())
        .collect();
    if unique.len() != manifest.files.len() {
        issues.push(VerifyIssue::ManifestInvalid(
            "a path is listed twice".to_owned(),
        ));
    }
}

/// Reports every file or link present in the backup but not in the manifest.
fn find_extra(
    dir: &Path,
    files_root: &Path,
    listed: &BTreeSet<String>,
    issues: &mut Vec<VerifyIssue>,
) -> Result<(), BackupError> {
    let top =
        std::fs::read_dir(dir).map_err(|e| BackupError::io(dir, "cannot list the backup", e))?;
    for entry in top.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != MANIFEST_FILE && name != SEAL_FILE && name != FILES_DIR {
            issues.push(VerifyIssue::Extra(name));
        }
    }
    let mut stack = vec![files_root.to_owned()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let relative = slash_path(path.strip_prefix(files_root).unwrap_or(&path));
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_dir() {
                stack.push(path);
            } else if file_type.is_symlink() || !file_type.is_file() {
                if !listed.contains(&relative) {
                    issues.push(VerifyIssue::NotRegular(relative));
                }
            } else if !listed.contains(&relative) {
                issues.push(VerifyIssue::Extra(relative));
            }
        }
    }
    Ok(())
}

//! Crash-safe gzip of one file, and deletion, both only while holding the file's lock.

use crate::store::fsio::{self, FaultWriter};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};
use std::fs::{File, FileTimes, TryLockError};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Suffix of a compression in progress.
pub(super) const TEMP_SUFFIX: &str = ".gz.tmp";

/// Opens `path` and takes its exclusive lock without waiting; `None` when another
/// process holds a lock on it (or, on Windows, has it open without sharing).
fn lock(path: &Path) -> io::Result<Option<File>> {
    let file = match fsio::open_read(path) {
        Ok(file) => file,
        Err(error) if is_sharing_violation(&error) => return Ok(None),
        Err(error) => return Err(error),
    };
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(error)) => Err(error),
    }
}

#[cfg(windows)]
fn is_sharing_violation(error: &io::Error) -> bool {
    // ERROR_SHARING_VIOLATION and ERROR_LOCK_VIOLATION.
    matches!(error.raw_os_error(), Some(32 | 33))
}

#[cfg(not(windows))]
fn is_sharing_violation(_error: &io::Error) -> bool {
    false
}

/// Deletes `path` unless another process holds it locked; returns whether it did.
///
/// # Errors
///
/// The OS error when the file cannot be opened or removed.
pub(super) fn delete_unlocked(path: &Path) -> io::Result<bool> {
    let Some(file) = lock(path)? else {
        return Ok(false);
    };
    // Windows cannot delete a file this process has open, so the lock is released
    // first; the window between the two calls is as short as std allows.
    drop(file);
    match fsio::remove_file(path) {
        Ok(()) => Ok(true),
        Err(error) if is_sharing_violation(&error) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Compresses `path` into `path.gz` with gzip at `level`, keeping its modification
/// time, and removes the original. Returns the sizes before and after, or `None`
/// when another process holds the file locked.
///
/// # Errors
///
/// The OS error, or a mismatch when the compressed file does not decompress to the
/// original; the original is then kept and the temporary file removed.
pub fn gzip_file(path: &Path, level: u32) -> io::Result<Option<(u64, u64)>> {
    let Some(mut source) = lock(path)? else {
        return Ok(None);
    };
    let modified = source.metadata()?.modified()?;
    let temp = with_suffix(path, TEMP_SUFFIX);
    let target = with_suffix(path, ".gz");
    let result = write_gzip(&mut source, path, &temp, level);
    let (before, after) = match result {
        Ok(sizes) => sizes,
        Err(error) => {
            let _ = std::fs::remove_file(&temp);
            return Err(error);
        }
    };
    File::options()
        .write(true)
        .open(&temp)?
        .set_times(FileTimes::new().set_modified(modified))?;
    fsio::rename(&temp, &target)?;
    let parent = path.parent().unwrap_or(Path::new("."));
    fsio::sync_dir(parent)?;
    drop(source);
    fsio::remove_file(path)?;
    fsio::sync_dir(parent)?;
    Ok(Some((before, after)))
}

/// Writes the gzip of `source` to `temp`, synced, and checks it decompresses to the
/// same SHA-256.
fn write_gzip(source: &mut File, path: &Path, temp: &Path, level: u32) -> io::Result<(u64, u64)> {
    let mut encoder = GzEncoder::new(FaultWriter::create(temp)?, Compression::new(level));
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 256 * 1024];
    let mut before = 0u64;
    loop {
        let read = fsio::read_some(source, path, &mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        encoder.write_all(&buffer[..read])?;
        before += read as u64;
    }
    let mut writer = encoder.finish()?;
    writer.sync()?;
    drop(writer);
    let mut decoder = GzDecoder::new(fsio::open_read(temp)?);
    let mut check = Sha256::new();
    loop {
        let read = decoder.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        check.update(&buffer[..read]);
    }
    if check.finalize() != hasher.finalize() {
        return Err(io::Error::other(format!(
            "{} does not decompress to the original; the original is kept",
            temp.display()
        )));
    }
    let after = std::fs::metadata(temp)?.len();
    Ok((before, after))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

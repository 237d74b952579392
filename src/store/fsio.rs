//! File-system steps of the backup, restore and janitor paths, each a fault point.
//!
//! Every helper asks [`fault::check`](super::fault::check) before the step it
//! names, so the fault tests can fail any one of them. Unarmed, the check is one
//! atomic load.

use super::fault::{self, FaultKind, FaultPoint};
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

/// A file writer whose every `write` call is a fault point.
#[derive(Debug)]
pub struct FaultWriter {
    file: File,
    path: std::path::PathBuf,
}

impl FaultWriter {
    /// Creates (or truncates) the file at `path`.
    ///
    /// # Errors
    ///
    /// The OS error, or the injected one.
    pub fn create(path: &Path) -> io::Result<FaultWriter> {
        fault::check_io(FaultPoint::Create, path)?;
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        Ok(FaultWriter {
            file,
            path: path.to_owned(),
        })
    }

    /// Flushes the file's data and metadata to the disk.
    ///
    /// # Errors
    ///
    /// The OS error, or the injected one.
    pub fn sync(&mut self) -> io::Result<()> {
        fault::check_io(FaultPoint::Sync, &self.path)?;
        self.file.sync_all()
    }
}

impl Write for FaultWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match fault::check(FaultPoint::Write, &self.path) {
            Some(FaultKind::ShortWrite) => {
                self.file.write_all(&buf[..buf.len() / 2])?;
                Err(FaultKind::ShortWrite.to_io_error())
            }
            Some(kind) => Err(kind.to_io_error()),
            None => self.file.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Writes `bytes` to a new file at `path` and syncs it.
///
/// # Errors
///
/// The OS error, or the injected one; the file may then hold a prefix of `bytes`.
pub fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut writer = FaultWriter::create(path)?;
    writer.write_all(bytes)?;
    writer.sync()
}

/// Copies `from` to a new file at `to`, syncs it, and returns its size and SHA-256.
///
/// # Errors
///
/// The OS error, or the injected one.
pub fn copy_synced(from: &Path, to: &Path) -> io::Result<(u64, [u8; 32])> {
    let mut source = open_read(from)?;
    let mut writer = FaultWriter::create(to)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 256 * 1024];
    let mut size = 0u64;
    loop {
        let read = read_some(&mut source, from, &mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        writer.write_all(&buffer[..read])?;
        size += read as u64;
    }
    writer.sync()?;
    Ok((size, hasher.finalize().into()))
}

/// Opens `path` for reading.
///
/// # Errors
///
/// The OS error, or the injected one.
pub fn open_read(path: &Path) -> io::Result<File> {
    fault::check_io(FaultPoint::Read, path)?;
    File::open(path)
}

/// One `read` call on `file`, as a fault point.
///
/// # Errors
///
/// The OS error, or the injected one.
pub fn read_some(file: &mut File, path: &Path, buffer: &mut [u8]) -> io::Result<usize> {
    fault::check_io(FaultPoint::Read, path)?;
    file.read(buffer)
}

/// Size and SHA-256 of the file at `path`.
///
/// # Errors
///
/// The OS error, or the injected one.
pub fn hash_file(path: &Path) -> io::Result<(u64, [u8; 32])> {
    let mut file = open_read(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 256 * 1024];
    let mut size = 0u64;
    loop {
        let read = read_some(&mut file, path, &mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
    Ok((size, hasher.finalize().into()))
}

/// Creates `path` and its missing parents.
///
/// # Errors
///
/// The OS error, or the injected one.
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    fault::check_io(FaultPoint::Create, path)?;
    fs::create_dir_all(path)
}

/// Flushes a directory's entries to the disk, so a rename or a new file in it
/// survives a power cut.
///
/// # Errors
///
/// The OS error, or the injected one.
pub fn sync_dir(path: &Path) -> io::Result<()> {
    fault::check_io(FaultPoint::Sync, path)?;
    sync_dir_os(path)
}

#[cfg(unix)]
fn sync_dir_os(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()
}

// NOTE: Windows offers no directory fsync through std; NTFS journals its metadata,
// so a rename is durable once the call returns, but a power cut may still lose it.
#[cfg(not(unix))]
fn sync_dir_os(_path: &Path) -> io::Result<()> {
    Ok(())
}

/// Renames `from` to `to`, replacing a file at `to`.
///
/// # Errors
///
/// The OS error, or the injected one.
pub fn rename(from: &Path, to: &Path) -> io::Result<()> {
    fault::check_io(FaultPoint::Rename, to)?;
    fs::rename(from, to)
}

/// Removes a file.
///
/// # Errors
///
/// The OS error, or the injected one.
pub fn remove_file(path: &Path) -> io::Result<()> {
    fault::check_io(FaultPoint::Remove, path)?;
    fs::remove_file(path)
}

/// Removes a directory and everything in it.
///
/// # Errors
///
/// The OS error, or the injected one.
pub fn remove_dir_all(path: &Path) -> io::Result<()> {
    fault::check_io(FaultPoint::Remove, path)?;
    fs::remove_dir_all(path)
}

//! Reading an import file with a size cap, so that a device or a FIFO given as the report
//! fails with a message instead of exhausting memory or waiting forever.

use super::error::{ImportError, Place};
use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

/// Largest file [`super::import_file`] reads: 256 MiB. An MT5 report row is a few
/// hundred bytes, so this is an estimate of over half a million deals, far beyond an
/// account's history.
pub const MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;

/// Reads the regular file at `path`, at most `max_bytes` of it.
///
/// # Errors
///
/// An [`ImportError`] naming the file when it cannot be opened or read, when it is not a
/// regular file (a directory, device, FIFO or socket), or when it is larger than
/// `max_bytes`.
pub fn read_import_file(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ImportError> {
    let source = path.display().to_string();
    let failed = |message: String| ImportError::new(&source, Place::File, message);
    let unreadable =
        |error: std::io::Error| failed(format!("cannot read the file ({error}); check the path"));

    // Checked before opening, because opening a FIFO with no writer waits for one.
    let metadata = std::fs::metadata(path).map_err(unreadable)?;
    if !metadata.is_file() {
        return Err(failed(not_regular(&metadata)));
    }
    let file = open_without_waiting(path).map_err(unreadable)?;
    // The path may have been replaced between the check and the open.
    let opened = file.metadata().map_err(unreadable)?;
    if !opened.is_file() {
        return Err(failed(not_regular(&opened)));
    }

    let too_large = |size: u64| {
        failed(format!(
            "the file is {size} bytes, over the import limit of {max_bytes} bytes; \
             an account history export is far smaller, so check that this is the report"
        ))
    };
    if opened.len() > max_bytes {
        return Err(too_large(opened.len()));
    }

    let mut bytes = Vec::new();
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    // A file that grew while it was read.
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

#[cfg(unix)]
fn open_without_waiting(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_waiting(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

fn not_regular(metadata: &Metadata) -> String {
    format!(
        "not a regular file but {}; export the report to a file and pass that file's path",
        kind(metadata)
    )
}

#[cfg(unix)]
fn kind(metadata: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let file_type = metadata.file_type();
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "another kind of file"
    }
}

#[cfg(not(unix))]
fn kind(metadata: &Metadata) -> &'static str {
    if metadata.is_dir() {
        "a directory"
    } else {
        "a device or another kind of file"
    }
}

//! Checks that keep every restored file inside its target directory.
//!
//! A manifest path is accepted only when it is relative, uses `/` as its only
//! separator, and every component is a plain name that means the same file on
//! Windows and on Unix: no `.` or `..`, no drive letter, no UNC or device prefix,
//! no backslash, colon (drive letters and NTFS alternate data streams), wildcard
//! or control character, no trailing dot or space (Windows strips them, so `.. `
//! would become `..`), and no reserved device name such as `CON` or `COM1`.
//! [`check_target`] then rejects a target whose existing components are links.

use std::path::{Path, PathBuf};

/// Why a path was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsafe path {path:?} in the backup: {reason}; the restore writes nothing")]
pub struct UnsafePath {
    /// The path as the manifest or the archive gave it.
    pub path: String,
    /// What makes it unsafe.
    pub reason: &'static str,
}

const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Longest component accepted, in bytes (NTFS and ext4 allow 255).
const MAX_COMPONENT: usize = 255;

/// Parses a manifest path into a relative path of plain components.
///
/// # Errors
///
/// [`UnsafePath`] naming the first rule the path breaks.
pub fn safe_relative_path(path: &str) -> Result<PathBuf, UnsafePath> {
    let reject = |reason| {
        Err(UnsafePath {
            path: path.to_owned(),
            reason,
        })
    };
    if path.is_empty() {
        return reject("the path is empty");
    }
    if path.starts_with('/') {
        return reject("the path is absolute");
    }
    if path.contains('\\') {
        return reject("the path contains a backslash, which Windows reads as a separator");
    }
    let mut out = PathBuf::new();
    for component in path.split('/') {
        if let Err(reason) = check_component(component) {
            return reject(reason);
        }
        out.push(component);
    }
    Ok(out)
}

fn check_component(component: &str) -> Result<(), &'static str> {
    if component.is_empty() {
        return Err("the path has an empty component");
    }
    if component == "." || component == ".." {
        return Err("the path has a `.` or `..` component");
    }
    if component.len() > MAX_COMPONENT {
        return Err("a component is longer than 255 bytes");
    }
    if component.chars().any(|c| c.is_control()) {
        return Err("the path contains a control character");
    }
    if component.contains([':', '*', '?', '"', '<', '>', '|']) {
        return Err("the path contains a character Windows reserves (: * ? \" < > |)");
    }
    if component.ends_with('.') || component.ends_with(' ') {
        return Err("a component ends in a dot or a space, which Windows strips");
    }
    let stem = component.split('.').next().unwrap_or(component).trim_end();
    if RESERVED.iter().any(|name| stem.eq_ignore_ascii_case(name)) {
        return Err("a component is a Windows device name");
    }
    Ok(())
}

/// Checks that `relative` resolves inside `target` without passing through a link:
/// every component of `target.join(relative)` that exists must be a plain
/// directory (or, for the last, a plain file).
///
/// # Errors
///
/// [`UnsafePath`] when a component is a symbolic link (or a Windows junction), or
/// an inner component is not a directory.
pub fn check_target(target: &Path, relative: &Path) -> Result<(), UnsafePath> {
    let mut current = target.to_owned();
    let components: Vec<_> = relative.components().collect();
    for (index, component) in components.iter().enumerate() {
        current.push(component);
        let Ok(metadata) = std::fs::symlink_metadata(&current) else {
            // Nothing exists from here on, so nothing can redirect the write.
            return Ok(());
        };
        let reject = |reason| {
            Err(UnsafePath {
                path: relative.to_string_lossy().into_owned(),
                reason,
            })
        };
        if metadata.file_type().is_symlink() || is_reparse_point(&metadata) {
            return reject("the target already holds a link on this path");
        }
        let last = index + 1 == components.len();
        if !last && !metadata.is_dir() {
            return reject("a parent component in the target is not a directory");
        }
        if last && metadata.is_dir() {
            return reject("the target holds a directory where the backup has a file");
        }
    }
    Ok(())
}

#[cfg(windows)]
fn is_reparse_point(metadata: &std::fs::Metadata) -> bool {
    use std::os::windows::fs::MetadataExt;
    const FILE_ATTRIBUTE_REPARSE_POINT: u32 = 0x400;
    metadata.file_attributes() & FILE_ATTRIBUTE_REPARSE_POINT != 0
}

#[cfg(not(windows))]
fn is_reparse_point(_metadata: &std::fs::Metadata) -> bool {
    false
}

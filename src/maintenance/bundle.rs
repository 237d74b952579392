//! The support bundle: one `.tar.gz` of text files, every one passed through the
//! [`Redactor`] before it is written.

use super::redact::Redactor;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write as _;
use std::path::Path;

/// A support bundle being assembled.
#[derive(Debug)]
pub struct SupportBundle {
    root: String,
    redactor: Redactor,
    entries: Vec<(String, String)>,
}

impl SupportBundle {
    /// An empty bundle whose files sit under the folder `root` inside the archive.
    pub fn new(root: &str, redactor: Redactor) -> Self {
        SupportBundle {
            root: root.to_owned(),
            redactor,
            entries: Vec::new(),
        }
    }

    /// Adds a text file at `name` (a relative path with `/` separators); its
    /// secrets are redacted now, so the bundle never holds them in memory either.
    pub fn add_text(&mut self, name: &str, text: &str) {
        let clean = self.redactor.redact_text(text);
        self.entries.push((name.to_owned(), clean));
    }

    /// The names added so far.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(name, _)| name.as_str())
    }

    /// Writes the bundle to `path` as gzip-compressed tar, through a temporary file
    /// and a rename. Entries are owner-readable only (mode 600).
    ///
    /// # Errors
    ///
    /// Any I/O error; the temporary file is removed.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut archive = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
        for (name, text) in &self.entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o600);
            header.set_mtime(0);
            header.set_entry_type(tar::EntryType::Regular);
            archive.append_data(
                &mut header,
                format!("{}/{name}", self.root),
                text.as_bytes(),
            )?;
        }
        let mut encoder = archive.into_inner()?;
        encoder.flush()?;
        let bytes = encoder.finish()?;
        crate::metrics::write_atomically(path, &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    #[test]
    fn bundle_round_trips_and_redacts() {
        let mut document: toml::Table = toml::from_str("token = \"tok-123456\"").unwrap();
        let redactor = Redactor::from_toml(&mut document);
        let mut bundle = SupportBundle::new("support", redactor);
        bundle.add_text("logs/a.log", "sent tok-123456 to the hook\n");
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("bundle.tar.gz");
        bundle.write(&path).unwrap();

        let file = std::fs::File::open(&path).unwrap();
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
        let mut entries = archive.entries().unwrap();
        let mut entry = entries.next().unwrap().unwrap();
        assert_eq!(entry.path().unwrap().to_str(), Some("support/logs/a.log"));
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        assert_eq!(text, "sent [redacted] to the hook\n");
    }
}

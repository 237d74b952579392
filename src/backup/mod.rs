//! Backups: placeholder until the backup module lands.

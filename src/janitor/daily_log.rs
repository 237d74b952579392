//! The library's own log: one file per UTC day, `mikrobot-YYYY-MM-DD.log`, written
//! by a background thread behind the `log` facade.
//!
//! One terminal process hosts every EA, so the logger is process-wide: the first
//! [`install_daily_log`] sets it up, later calls leave it as it is and say where it
//! writes, and a logger that the host installed first is left in place. Nothing
//! here panics. A call to a `log` macro formats the line and hands it to a bounded
//! channel without waiting; when the channel is full the line is dropped and
//! counted, and the count is written once the writer catches up.

use crossbeam_channel::{Receiver, Sender, TrySendError};
use parking_lot::Mutex;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// Lines the channel to the writer thread holds.
const QUEUE_LINES: usize = 16_384;

/// What [`install_daily_log`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DailyLogInstall {
    /// This call installed the logger, writing into the directory given.
    Installed(PathBuf),
    /// An earlier call installed it; it writes into this directory.
    AlreadyInstalled(PathBuf),
    /// Another logger was installed by the host process first; it stays.
    OtherLogger,
}

struct DailyLog {
    dir: PathBuf,
    tx: Sender<Line>,
    dropped: AtomicU64,
}

enum Line {
    Text { date: String, text: String },
    Flush(Sender<()>),
}

static LOGGER: OnceLock<Result<DailyLog, String>> = OnceLock::new();
static CURRENT: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Installs the process-wide daily-file logger writing into `dir` at `level`.
///
/// NOTE: the first call wins, so guards with other state directories in the same
/// process log into the first one's directory.
///
/// # Errors
///
/// A message when `dir` cannot be created or the writer thread cannot start; a
/// later call then reports the same failure.
pub fn install_daily_log(dir: &Path, level: log::LevelFilter) -> Result<DailyLogInstall, String> {
    let mut installed_here = false;
    let logger = LOGGER.get_or_init(|| {
        installed_here = true;
        start(dir)
    });
    let logger = logger.as_ref().map_err(Clone::clone)?;
    if !installed_here {
        return Ok(DailyLogInstall::AlreadyInstalled(logger.dir.clone()));
    }
    if log::set_logger(logger).is_err() {
        return Ok(DailyLogInstall::OtherLogger);
    }
    log::set_max_level(level);
    log::info!(
        "mikrobot {} logging to {}",
        env!("CARGO_PKG_VERSION"),
        dir.display()
    );
    Ok(DailyLogInstall::Installed(dir.to_owned()))
}

/// The file the logger is writing now, which the janitor must not touch.
pub fn current_file() -> Option<PathBuf> {
    CURRENT.lock().clone()
}

/// Returns the file name of the daily log for `date` (`YYYY-MM-DD`).
pub fn file_name(date: &str) -> String {
    format!("mikrobot-{date}.log")
}

fn start(dir: &Path) -> Result<DailyLog, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the log directory {}: {e}", dir.display()))?;
    let (tx, rx) = crossbeam_channel::bounded(QUEUE_LINES);
    let writer_dir = dir.to_owned();
    std::thread::Builder::new()
        .name("mikrobot-log".to_owned())
        .spawn(move || write_lines(&writer_dir, &rx))
        .map_err(|e| format!("cannot start the log writer thread: {e}"))?;
    Ok(DailyLog {
        dir: dir.to_owned(),
        tx,
        dropped: AtomicU64::new(0),
    })
}

fn write_lines(dir: &Path, rx: &Receiver<Line>) {
    let mut open: Option<(String, File)> = None;
    while let Ok(line) = rx.recv() {
        match line {
            Line::Text { date, text } => {
                if open
                    .as_ref()
                    .is_none_or(|(open_date, _)| *open_date != date)
                {
                    let path = dir.join(file_name(&date));
                    // A file that cannot be opened loses its lines; there is no
                    // other place to report that than standard error.
                    match OpenOptions::new().create(true).append(true).open(&path) {
                        Ok(file) => {
                            *CURRENT.lock() = Some(path);
                            open = Some((date, file));
                        }
                        Err(error) => {
                            eprintln!("mikrobot: cannot open {}: {error}", path.display());
                            open = None;
                        }
                    }
                }
                if let Some((_, file)) = open.as_mut() {
                    let _ = file.write_all(text.as_bytes());
                }
            }
            Line::Flush(done) => {
                if let Some((_, file)) = open.as_mut() {
                    let _ = file.flush();
                    let _ = file.sync_data();
                }
                let _ = done.send(());
            }
        }
    }
}

impl log::Log for DailyLog {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let now = chrono::Utc::now();
        let date = now.format("%Y-%m-%d").to_string();
        let mut text = String::new();
        let dropped = self.dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            text.push_str(&format!(
                "{} WARN  mikrobot::log: {dropped} lines dropped because the log queue was full\n",
                now.format("%Y-%m-%dT%H:%M:%S%.3fZ")
            ));
        }
        text.push_str(&format!(
            "{} {:<5} {}: {}\n",
            now.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
            record.level(),
            record.target(),
            record.args()
        ));
        match self.tx.try_send(Line::Text { date, text }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.dropped.fetch_add(dropped + 1, Ordering::Relaxed);
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }

    fn flush(&self) {
        let (done_tx, done_rx) = crossbeam_channel::bounded(1);
        if self.tx.try_send(Line::Flush(done_tx)).is_ok() {
            let _ = done_rx.recv_timeout(Duration::from_millis(500));
        }
    }
}

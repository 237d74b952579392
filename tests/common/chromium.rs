//! Headless Chromium for the tests that render HTML reports.
//!
//! Debian's `chromium` package provides the browser; `.ci/steps/05-chromium.sh`
//! installs it for CI. Every run gets a new empty profile and the flags that keep
//! the browser off the network, so a page can only show what it carries inline.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Flags for every run: no sandbox (tests run as root), no GPU, and no background
/// traffic of any kind.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

/// The Chromium binary, or `None` with the reason it is missing. Under CI
/// (`CI` set) a missing browser fails the calling test instead.
pub fn find() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser"]
        .into_iter()
        .find_map(|name| {
            let output = Command::new(name).arg("--version").output().ok()?;
            output.status.success().then(|| PathBuf::from(name))
        });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is missing under CI; .ci/steps/05-chromium.sh installs it"
        );
        println!("skipped: chromium is not installed (apt-get install chromium)");
    }
    found
}

fn run(browser: &Path, profile: &Path, extra: &[String]) -> std::process::Output {
    Command::new(browser)
        .args(FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .output()
        .expect("chromium starts")
}

fn file_url(page: &Path) -> String {
    format!(
        "file://{}",
        page.canonicalize().expect("page exists").display()
    )
}

/// Renders `page` at `width` x `height` CSS pixels and writes a PNG to `png`.
pub fn screenshot(browser: &Path, page: &Path, png: &Path, width: u32, height: u32) {
    let profile = tempfile::tempdir().expect("profile directory");
    let output = run(
        browser,
        profile.path(),
        &[
            format!("--screenshot={}", png.display()),
            format!("--window-size={width},{height}"),
            file_url(page),
        ],
    );
    assert!(
        png.exists(),
        "chromium wrote no screenshot: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Returns the DOM of `page` after Chromium parsed and laid it out.
pub fn dump_dom(browser: &Path, page: &Path) -> String {
    let profile = tempfile::tempdir().expect("profile directory");
    let output = run(
        browser,
        profile.path(),
        &["--dump-dom".to_owned(), file_url(page)],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the DOM is UTF-8")
}

/// An RGB image decoded from a PNG screenshot.
pub struct Image {
    pub width: u32,
    pub height: u32,
    rgb: Vec<[u8; 3]>,
}

impl Image {
    /// Decodes the PNG at `path`.
    pub fn open(path: &Path) -> Image {
        let decoder = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(path).expect("screenshot opens"),
        ));
        let mut reader = decoder.read_info().expect("PNG header");
        let mut buffer = vec![0; reader.output_buffer_size().expect("PNG size")];
        let info = reader.next_frame(&mut buffer).expect("PNG frame");
        let channels = info.color_type.samples();
        let rgb = buffer[..info.buffer_size()]
            .chunks(channels)
            .map(|px| [px[0], px[1], px[2]])
            .collect();
        Image {
            width: info.width,
            height: info.height,
            rgb,
        }
    }

    /// Counts pixels within `tolerance` per channel of `#rrggbb`.
    pub fn count_color(&self, hex: &str, tolerance: u8) -> usize {
        let value = u32::from_str_radix(hex.trim_start_matches('#'), 16).expect("hex colour");
        let target = [(value >> 16) as u8, (value >> 8) as u8, value as u8];
        self.rgb
            .iter()
            .filter(|px| (0..3).all(|i| px[i].abs_diff(target[i]) <= tolerance))
            .count()
    }
}

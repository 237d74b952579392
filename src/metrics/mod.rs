//! Prometheus metrics in the text exposition format, written as a file for
//! node_exporter's textfile collector.
//!
//! A desk running many terminals points each terminal's metrics file into the
//! collector's directory and watches the gauges in Prometheus and Grafana. The
//! file is replaced atomically (a temporary file, then a rename), so the collector
//! never reads half a file, and samples carry no timestamps, because the textfile
//! collector rejects them.

mod guard;

pub use guard::{GuardMetrics, HealthGauge, LatencyGauge, RuleGauge};

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// Error for a metric that cannot be written in the exposition format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetricsError {
    /// A metric name does not match `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    #[error(
        "invalid metric name {0:?}; use letters, digits, '_' and ':', not starting with a digit"
    )]
    MetricName(String),
    /// A label name does not match `[a-zA-Z_][a-zA-Z0-9_]*` or starts with `__`.
    #[error(
        "invalid label name {0:?}; use letters, digits and '_', not starting with a digit or '__'"
    )]
    LabelName(String),
    /// Two families share a name.
    #[error("metric {0:?} is declared twice; declare each family once and add samples to it")]
    DuplicateFamily(String),
    /// Two samples of one family share a label set.
    #[error("metric {name:?} already has a sample with labels {labels}; give each sample distinct labels")]
    DuplicateSample {
        /// The family.
        name: String,
        /// The repeated label set, rendered.
        labels: String,
    },
}

/// The metric types this crate writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    /// A value that goes up and down.
    Gauge,
    /// A value that only grows (reset on restart).
    Counter,
}

impl MetricType {
    fn as_str(self) -> &'static str {
        match self {
            MetricType::Gauge => "gauge",
            MetricType::Counter => "counter",
        }
    }
}

/// One family: a name, its help text, its type and its samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    name: String,
    help: String,
    kind: MetricType,
    samples: Vec<(String, f64)>,
}

impl Family {
    /// Adds a sample with `labels` (name, value pairs).
    ///
    /// # Errors
    ///
    /// [`MetricsError::LabelName`] for an invalid label name and
    /// [`MetricsError::DuplicateSample`] for a label set already present.
    pub fn sample(
        &mut self,
        labels: &[(&str, &str)],
        value: f64,
    ) -> Result<&mut Self, MetricsError> {
        let mut rendered = String::new();
        for (index, (name, value)) in labels.iter().enumerate() {
            if !is_label_name(name) {
                return Err(MetricsError::LabelName((*name).to_owned()));
            }
            let separator = if index == 0 { "{" } else { "," };
            let _ = write!(
                rendered,
                "{separator}{name}=\"{}\"",
                escape_label_value(value)
            );
        }
        if !rendered.is_empty() {
            rendered.push('}');
        }
        if self
            .samples
            .iter()
            .any(|(existing, _)| *existing == rendered)
        {
            return Err(MetricsError::DuplicateSample {
                name: self.name.clone(),
                labels: rendered,
            });
        }
        self.samples.push((rendered, value));
        Ok(self)
    }
}

/// A set of metric families, rendered in the text exposition format 0.0.4.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exposition {
    families: Vec<Family>,
}

impl Exposition {
    /// An empty exposition.
    pub fn new() -> Self {
        Exposition::default()
    }

    /// Declares a gauge family and returns it for samples.
    ///
    /// # Errors
    ///
    /// [`MetricsError::MetricName`] or [`MetricsError::DuplicateFamily`].
    pub fn gauge(&mut self, name: &str, help: &str) -> Result<&mut Family, MetricsError> {
        self.family(name, help, MetricType::Gauge)
    }

    /// Declares a counter family and returns it for samples.
    ///
    /// # Errors
    ///
    /// [`MetricsError::MetricName`] or [`MetricsError::DuplicateFamily`].
    pub fn counter(&mut self, name: &str, help: &str) -> Result<&mut Family, MetricsError> {
        self.family(name, help, MetricType::Counter)
    }

    fn family(
        &mut self,
        name: &str,
        help: &str,
        kind: MetricType,
    ) -> Result<&mut Family, MetricsError> {
        if !is_metric_name(name) {
            return Err(MetricsError::MetricName(name.to_owned()));
        }
        if self.families.iter().any(|family| family.name == name) {
            return Err(MetricsError::DuplicateFamily(name.to_owned()));
        }
        self.families.push(Family {
            name: name.to_owned(),
            help: help.to_owned(),
            kind,
            samples: Vec::new(),
        });
        let last = self.families.len() - 1;
        Ok(&mut self.families[last])
    }

    /// Renders every family: `# HELP`, `# TYPE`, then its samples, each line
    /// ending in a line feed. A family without samples is left out.
    pub fn render(&self) -> String {
        let mut text = String::new();
        for family in self
            .families
            .iter()
            .filter(|family| !family.samples.is_empty())
        {
            let _ = writeln!(text, "# HELP {} {}", family.name, escape_help(&family.help));
            let _ = writeln!(text, "# TYPE {} {}", family.name, family.kind.as_str());
            for (labels, value) in &family.samples {
                let _ = writeln!(text, "{}{labels} {}", family.name, format_value(*value));
            }
        }
        text
    }

    /// Writes the rendered text to `path` atomically: into a hidden temporary file
    /// in the same directory (which the textfile collector ignores, because its
    /// name does not end in `.prom`), flushed to disk, then renamed over `path`.
    ///
    /// # Errors
    ///
    /// Any I/O error, with the temporary file removed.
    pub fn write_textfile(&self, path: &Path) -> std::io::Result<()> {
        write_atomically(path, self.render().as_bytes())
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename, so a reader
/// sees either the old file or the new one.
///
/// # Errors
///
/// Any I/O error, with the temporary file removed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = path.file_name().map_or_else(
        || "metrics".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    let temporary = directory.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = std::fs::File::create(&temporary)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_' || first == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    !name.starts_with("__")
        && chars
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Escapes a label value: backslash, double quote and line feed.
fn escape_label_value(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Escapes help text: backslash and line feed.
fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Formats a sample value the way Prometheus parses it (Go's `ParseFloat`).
fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value == f64::INFINITY {
        "+Inf".to_owned()
    } else if value == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_help_type_and_samples() {
        let mut exposition = Exposition::new();
        exposition
            .gauge(
                "mikrobot_rule_room",
                "Room left before the floor, in account currency.",
            )
            .unwrap()
            .sample(&[("rule", "daily_loss")], 2500.5)
            .unwrap();
        let text = exposition.render();
        assert_eq!(
            text,
            "# HELP mikrobot_rule_room Room left before the floor, in account currency.\n\
             # TYPE mikrobot_rule_room gauge\n\
             mikrobot_rule_room{rule=\"daily_loss\"} 2500.5\n"
        );
    }

    #[test]
    fn label_values_and_help_are_escaped() {
        let mut exposition = Exposition::new();
        exposition
            .counter("mikrobot_errors_total", "Errors\\seen\nso far")
            .unwrap()
            .sample(&[("message", "a \"quoted\"\\path\nnext")], 1.0)
            .unwrap();
        let text = exposition.render();
        assert!(text.contains("# HELP mikrobot_errors_total Errors\\\\seen\\nso far\n"));
        assert!(text.contains("{message=\"a \\\"quoted\\\"\\\\path\\nnext\"} 1\n"));
    }

    #[test]
    fn special_values_use_go_spelling() {
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_value(-0.25), "-0.25");
    }

    #[test]
    fn invalid_names_are_rejected() {
        let mut exposition = Exposition::new();
        assert!(matches!(
            exposition.gauge("9lives", ""),
            Err(MetricsError::MetricName(_))
        ));
        let family = exposition.gauge("ok_name", "").unwrap();
        assert!(matches!(
            family.sample(&[("__reserved", "x")], 1.0),
            Err(MetricsError::LabelName(_))
        ));
        assert!(matches!(
            family.sample(&[("bad-name", "x")], 1.0),
            Err(MetricsError::LabelName(_))
        ));
        family.sample(&[("a", "x")], 1.0).unwrap();
        assert!(matches!(
            family.sample(&[("a", "x")], 2.0),
            Err(MetricsError::DuplicateSample { .. })
        ));
        assert!(matches!(
            exposition.gauge("ok_name", ""),
            Err(MetricsError::DuplicateFamily(_))
        ));
    }

    #[test]
    fn textfile_is_replaced_atomically() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("mikrobot.prom");
        std::fs::write(&path, "old").unwrap();
        let mut exposition = Exposition::new();
        exposition
            .gauge("up_value", "1 when up.")
            .unwrap()
            .sample(&[], 1.0)
            .unwrap();
        exposition.write_textfile(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), exposition.render());
        let leftovers: Vec<_> = std::fs::read_dir(directory.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1);
    }
}

//! The metrics file checked against the Prometheus text exposition format 0.0.4.
//!
//! The checker follows the format's grammar: `# HELP name text` and `# TYPE name type`
//! lines, samples `name{label="value",...} value [timestamp]`, label values escaped
//! with `\\`, `\"` and `\n`, each family's lines grouped together with its TYPE
//! before its first sample, and no family or label set repeated. The textfile
//! collector also rejects timestamps, so none may appear. Where `promtool` is
//! installed, the file is checked with `promtool check metrics` as well.

use mikrobot::metrics::{GuardMetrics, HealthGauge, LatencyGauge, RuleGauge};
use std::collections::{HashMap, HashSet};

type Labels = Vec<(String, String)>;
type Samples = HashMap<String, Vec<(Labels, f64)>>;

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses a Go `ParseFloat` value as Prometheus accepts it.
fn parse_value(text: &str) -> Result<f64, String> {
    match text {
        "NaN" => Ok(f64::NAN),
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        _ if text
            .chars()
            .all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) =>
        {
            text.parse::<f64>()
                .map_err(|e| format!("value {text:?}: {e}"))
        }
        _ => Err(format!("value {text:?} is not a float")),
    }
}

/// Parses `{a="x",b="y"}` at the start of `text`; returns the labels and the rest.
fn parse_labels(text: &str) -> Result<(Labels, &str), String> {
    let mut labels = Vec::new();
    let mut rest = &text[1..];
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((labels, after));
        }
        let equals = rest.find('=').ok_or("label without '='")?;
        let name = &rest[..equals];
        if !is_label_name(name) {
            return Err(format!("label name {name:?}"));
        }
        rest = rest[equals + 1..]
            .strip_prefix('"')
            .ok_or("label value must be quoted")?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next().ok_or("unterminated label value")? {
                (i, '"') => break i,
                (_, '\\') => match chars.next().ok_or("dangling escape")?.1 {
                    '\\' => value.push('\\'),
                    '"' => value.push('"'),
                    'n' => value.push('\n'),
                    other => return Err(format!("invalid escape \\{other}")),
                },
                (_, '\n') => return Err("raw line feed in label value".into()),
                (_, c) => value.push(c),
            }
        };
        labels.push((name.to_owned(), value));
        rest = &rest[end + 1..];
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
        } else if !rest.starts_with('}') {
            return Err("expected ',' or '}' after a label".into());
        }
    }
}

/// Checks `text` against the grammar and returns the samples by family.
fn check_exposition(text: &str) -> Result<Samples, String> {
    if !text.is_empty() && !text.ends_with('\n') {
        return Err("the last line must end with a line feed".into());
    }
    let mut types: HashMap<String, String> = HashMap::new();
    let mut samples: Samples = HashMap::new();
    let mut finished: HashSet<String> = HashSet::new();
    let mut current: Option<String> = None;
    let mut enter = |name: &str, current: &mut Option<String>| -> Result<(), String> {
        if current.as_deref() != Some(name) {
            if finished.contains(name) {
                return Err(format!("lines of {name} are not grouped"));
            }
            if let Some(previous) = current.take() {
                finished.insert(previous);
            }
            *current = Some(name.to_owned());
        }
        Ok(())
    };
    for (number, line) in text.lines().enumerate() {
        let fail = |message: String| format!("line {}: {message}: {line:?}", number + 1);
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let words: Vec<&str> = comment.trim_start().splitn(3, ' ').collect();
            match words.as_slice() {
                ["HELP", name, help] => {
                    if !is_metric_name(name) {
                        return Err(fail("HELP name".into()));
                    }
                    let unescaped = help.replace("\\\\", "").replace("\\n", "");
                    if unescaped.contains('\\') {
                        return Err(fail("HELP text has an invalid escape".into()));
                    }
                    enter(name, &mut current).map_err(fail)?;
                }
                ["TYPE", name, kind] => {
                    let known = ["counter", "gauge", "histogram", "summary", "untyped"];
                    if !is_metric_name(name) || !known.contains(kind) {
                        return Err(fail("TYPE line".into()));
                    }
                    if types
                        .insert((*name).to_owned(), (*kind).to_owned())
                        .is_some()
                    {
                        return Err(fail("second TYPE line".into()));
                    }
                    if samples.contains_key(*name) {
                        return Err(fail("TYPE after samples".into()));
                    }
                    enter(name, &mut current).map_err(fail)?;
                }
                _ => {}
            }
            continue;
        }
        let name_end = line
            .find(['{', ' '])
            .ok_or_else(|| fail("no value".into()))?;
        let name = &line[..name_end];
        if !is_metric_name(name) {
            return Err(fail("metric name".into()));
        }
        let (labels, rest) = if line[name_end..].starts_with('{') {
            parse_labels(&line[name_end..]).map_err(fail)?
        } else {
            (Vec::new(), &line[name_end..])
        };
        let fields: Vec<&str> = rest
            .strip_prefix(' ')
            .ok_or_else(|| fail("no space before the value".into()))?
            .split(' ')
            .collect();
        let value = match fields.as_slice() {
            [value] => parse_value(value).map_err(fail)?,
            [_, _] => {
                return Err(fail(
                    "timestamps are rejected by the textfile collector".into(),
                ))
            }
            _ => return Err(fail("extra fields".into())),
        };
        let mut label_names = HashSet::new();
        if !labels
            .iter()
            .all(|(label, _)| label_names.insert(label.clone()))
        {
            return Err(fail("repeated label name".into()));
        }
        enter(name, &mut current).map_err(fail)?;
        let family = samples.entry(name.to_owned()).or_default();
        if family.iter().any(|(existing, _)| *existing == labels) {
            return Err(fail("repeated label set".into()));
        }
        family.push((labels, value));
    }
    Ok(samples)
}

fn sample_metrics() -> GuardMetrics {
    GuardMetrics {
        account: "5001234 \"demo\"\\eu\nsecond".to_owned(),
        verdict: 2,
        reason: "daily_loss_breached".to_owned(),
        balance: 98_000.0,
        equity: f64::NAN,
        rules: vec![
            RuleGauge {
                rule: "daily_loss".into(),
                floor: 95_000.0,
                room: -120.5,
                used_share: 1.02,
                status: 2,
            },
            RuleGauge {
                rule: "max_loss".into(),
                floor: 90_000.0,
                room: 8_000.0,
                used_share: 0.2,
                status: 0,
            },
        ],
        latency: vec![LatencyGauge {
            stage: "signal".into(),
            count: 12_000,
            mean_ms: 3.25,
            quantiles: vec![
                (0.5, 2.0),
                (0.9, 4.5),
                (0.99, 20.0),
                (0.999, 60.0),
                (1.0, f64::INFINITY),
            ],
            under_target: 0.998,
        }],
        health: vec![
            HealthGauge {
                check: "cpu".into(),
                level: 0,
                value: 12.5,
            },
            HealthGauge {
                check: "disk".into(),
                level: 2,
                value: 93.0,
            },
        ],
        health_level: 2,
        active_alerts: 3,
    }
}

#[test]
fn guard_metrics_follow_text_format() {
    let text = sample_metrics().exposition().unwrap().render();
    let samples = check_exposition(&text).unwrap_or_else(|error| panic!("{error}\n{text}"));
    let verdict = &samples["mikrobot_verdict"][0];
    assert_eq!(verdict.0[0].1, "5001234 \"demo\"\\eu\nsecond");
    assert_eq!(verdict.1, 2.0);
    assert_eq!(samples["mikrobot_rule_room"].len(), 2);
    assert_eq!(samples["mikrobot_rule_room"][0].1, -120.5);
    assert_eq!(samples["mikrobot_latency_milliseconds"].len(), 5);
    assert!(samples["mikrobot_equity"][0].1.is_nan());
    assert_eq!(samples["mikrobot_health_check_value"][1].1, 93.0);
}

#[test]
fn checker_rejects_broken_text() {
    let cases = [
        "m{a=\"x\"} 1 1700000000000\n",
        "m{a=\"x} 1\n",
        "m{a=\"\\q\"} 1\n",
        "m 1\nn 2\nm 3\n",
        "m one\n",
        "1m 1\n",
        "m 1",
        "# TYPE m gauge\n# TYPE m gauge\nm 1\n",
        "m{a=\"x\"} 1\nm{a=\"x\"} 2\n",
    ];
    for case in cases {
        assert!(check_exposition(case).is_err(), "accepted {case:?}");
    }
}

#[test]
fn promtool_accepts_metrics_file() {
    let Ok(output) = std::process::Command::new("promtool")
        .arg("--version")
        .output()
    else {
        println!("skipped: promtool is not installed; the grammar test above covers the format");
        return;
    };
    assert!(output.status.success());
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("mikrobot.prom");
    sample_metrics()
        .exposition()
        .unwrap()
        .write_textfile(&path)
        .unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let check = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(file)
        .output()
        .unwrap();
    // promtool also lints naming conventions; only a parse error fails here.
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(!stderr.contains("error while linting"), "{stderr}");
}

//! The monthly audit: architecture and configuration, security, performance
//! against the targets, compliance history, quality trends, capacity and
//! available updates, with an overall assessment.

use super::html::Page;
use super::svg::BreachMark;
use super::{findings_html, findings_text, money, optional, percent, Finding, Severity};
use chrono::NaiveDate;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// One week's quality figures, for the trend table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekQuality {
    /// Monday that starts the week.
    pub week_start: NaiveDate,
    /// Closed trades.
    pub trades: usize,
    /// Win rate, 0 to 1.
    pub win_rate: Option<f64>,
    /// Profit factor.
    pub profit_factor: Option<f64>,
    /// Net profit.
    pub net_profit: f64,
    /// Maintenance runs that failed or partly failed.
    pub failed_runs: usize,
}

/// The overall assessment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// The worst severity among the findings.
    pub severity: Severity,
    /// `healthy`, `needs attention` or `critical`.
    pub verdict: String,
    /// The findings that decided it, one sentence each.
    pub reasons: Vec<String>,
}

/// The monthly audit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthlyAudit {
    /// First day of the audited month.
    pub month: NaiveDate,
    /// The account label.
    pub account: String,
    /// Architecture and configuration.
    pub architecture: Vec<Finding>,
    /// Secrets and permissions.
    pub security: Vec<Finding>,
    /// Performance against the optimisation targets.
    pub performance: Vec<Finding>,
    /// Breaches of the month.
    pub breaches: Vec<BreachMark>,
    /// Compliance findings: breaches, warnings, blocked periods.
    pub compliance: Vec<Finding>,
    /// Week-by-week quality figures.
    pub quality: Vec<WeekQuality>,
    /// Disk space and growth.
    pub capacity: Vec<Finding>,
    /// Versions and pending migrations.
    pub updates: Vec<Finding>,
    /// The overall assessment.
    pub assessment: Assessment,
}

impl MonthlyAudit {
    /// Fills in the assessment from every finding: healthy when nothing is above
    /// low, critical when anything is critical, and needs attention otherwise.
    pub fn assess(&mut self) {
        let all: Vec<&Finding> = [
            &self.architecture,
            &self.security,
            &self.performance,
            &self.compliance,
            &self.capacity,
            &self.updates,
        ]
        .into_iter()
        .flatten()
        .collect();
        let severity = all.iter().map(|f| f.severity).max().unwrap_or(Severity::Ok);
        let verdict = match severity {
            Severity::Ok | Severity::Low => "healthy",
            Severity::Critical => "critical",
            _ => "needs attention",
        };
        let reasons = all
            .iter()
            .filter(|f| f.severity >= Severity::Medium && f.severity == severity)
            .map(|f| format!("{}: {}", f.area, f.text))
            .collect();
        self.assessment = Assessment {
            severity,
            verdict: verdict.to_owned(),
            reasons,
        };
    }

    fn sections(&self) -> [(&'static str, &'static str, &[Finding]); 6] {
        [
            (
                "architecture",
                "Architecture and configuration",
                &self.architecture,
            ),
            ("security", "Security", &self.security),
            (
                "performance",
                "Performance against the targets",
                &self.performance,
            ),
            ("compliance", "Compliance history", &self.compliance),
            ("capacity", "Capacity", &self.capacity),
            ("updates", "Available updates", &self.updates),
        ]
    }

    fn quality_rows(&self) -> Vec<Vec<String>> {
        self.quality
            .iter()
            .map(|week| {
                vec![
                    week.week_start.to_string(),
                    week.trades.to_string(),
                    optional(week.win_rate, percent),
                    optional(week.profit_factor, |v| format!("{v:.2}")),
                    money(week.net_profit),
                    week.failed_runs.to_string(),
                ]
            })
            .collect()
    }

    /// Renders the audit as readable text.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "Monthly audit {}, account {}\nOverall: {}\n",
            self.month.format("%Y-%m"),
            self.account,
            self.assessment.verdict
        );
        for reason in &self.assessment.reasons {
            let _ = writeln!(text, "  - {reason}");
        }
        for (_, title, findings) in self.sections() {
            text.push_str(&findings_text(title, findings));
        }
        let _ = writeln!(text, "\nBreaches: {}", self.breaches.len());
        for breach in &self.breaches {
            let _ = writeln!(
                text,
                "  {} {}: equity {} below floor {}",
                crate::time::rfc3339(breach.time_ms),
                breach.rule,
                money(breach.equity),
                money(breach.floor)
            );
        }
        text.push_str("\nQuality by week (trades, win rate, profit factor, net, failed runs):\n");
        for row in self.quality_rows() {
            let _ = writeln!(text, "  {}", row.join("  "));
        }
        text
    }

    /// Renders the audit as a self-contained HTML page.
    pub fn to_html(&self) -> String {
        let mut page = Page::new(&format!(
            "Monthly audit {} - account {}",
            self.month.format("%Y-%m"),
            self.account
        ));
        page.heading("assessment", "Overall assessment")
            .paragraph(&format!("Overall: {}", self.assessment.verdict))
            .list("assessment-reasons", &self.assessment.reasons);
        for (id, title, findings) in self.sections() {
            findings_html(&mut page, id, title, findings);
        }
        let breaches: Vec<Vec<String>> = self
            .breaches
            .iter()
            .map(|b| {
                vec![
                    crate::time::rfc3339(b.time_ms),
                    b.rule.clone(),
                    money(b.equity),
                    money(b.floor),
                ]
            })
            .collect();
        page.heading("breaches", "Breaches").table(
            "breaches-table",
            &["time", "rule", "equity", "floor"],
            &breaches,
        );
        page.heading("quality", "Quality trends").table(
            "quality-table",
            &[
                "week",
                "trades",
                "win rate",
                "profit factor",
                "net profit",
                "failed runs",
            ],
            &self.quality_rows(),
        );
        page.finish()
    }
}

/// Checks that `path` is readable by its owner only; on Unix a file that the
/// group or others can read is a finding, because it may hold secrets.
pub fn permission_finding(path: &Path) -> Finding {
    let area = "permissions".to_owned();
    let Ok(metadata) = std::fs::metadata(path) else {
        return Finding {
            area,
            severity: Severity::Medium,
            text: format!("{} is missing or unreadable", path.display()),
        };
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Finding {
                area,
                severity: Severity::High,
                text: format!(
                    "{} has mode {mode:o}, so other users can read it; run chmod 600 on it",
                    path.display()
                ),
            };
        }
        Finding {
            area,
            severity: Severity::Ok,
            text: format!("{} has mode {mode:o}", path.display()),
        }
    }
    #[cfg(not(unix))]
    {
        // NOTE: Windows ACLs are not inspected; only the file's presence is checked.
        let _ = metadata;
        Finding {
            area,
            severity: Severity::Low,
            text: format!(
                "{} exists; check its access list with icacls, because this audit does not read Windows ACLs",
                path.display()
            ),
        }
    }
}

/// Total size in bytes of the files under `path` (0 when it does not exist).
pub fn directory_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return std::fs::metadata(path).map_or(0, |m| m.len());
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => directory_size(&entry.path()),
            _ => entry.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(area: &str, severity: Severity) -> Finding {
        Finding {
            area: area.into(),
            severity,
            text: format!("{area} text"),
        }
    }

    fn audit() -> MonthlyAudit {
        MonthlyAudit {
            month: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
            account: "1".into(),
            architecture: vec![finding("schema", Severity::Ok)],
            security: vec![finding("permissions", Severity::High)],
            performance: vec![finding("cpu", Severity::Medium)],
            breaches: Vec::new(),
            compliance: Vec::new(),
            quality: Vec::new(),
            capacity: Vec::new(),
            updates: Vec::new(),
            assessment: Assessment {
                severity: Severity::Ok,
                verdict: String::new(),
                reasons: Vec::new(),
            },
        }
    }

    #[test]
    fn assessment_takes_worst_finding() {
        let mut audit = audit();
        audit.assess();
        assert_eq!(audit.assessment.severity, Severity::High);
        assert_eq!(audit.assessment.verdict, "needs attention");
        assert_eq!(
            audit.assessment.reasons,
            vec!["permissions: permissions text".to_owned()]
        );
        assert!(audit.to_text().contains("Overall: needs attention"));
        assert!(audit.to_html().contains("id=\"security-table\""));
    }

    #[cfg(unix)]
    #[test]
    fn world_readable_file_is_high_finding() {
        use std::os::unix::fs::PermissionsExt;
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("mikrobot.toml");
        std::fs::write(&path, "x").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(permission_finding(&path).severity, Severity::High);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(permission_finding(&path).severity, Severity::Ok);
    }
}

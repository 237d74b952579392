//! The gauges of one guarded account: compliance, latency and health.

use super::{Exposition, MetricsError};

/// A gauge family drawn from one field: name, help text and the field's getter.
type Column<T> = (&'static str, &'static str, fn(&T) -> f64);

/// One compliance rule's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleGauge {
    /// The rule's snake_case name, such as `daily_loss`.
    pub rule: String,
    /// The equity floor, in account currency.
    pub floor: f64,
    /// Room left above the floor, in account currency.
    pub room: f64,
    /// Share of the rule's room used, 0 to 1 (above 1 once breached).
    pub used_share: f64,
    /// 0 ok, 1 warning, 2 breached.
    pub status: u8,
}

/// One latency stage's summary, in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyGauge {
    /// The stage, `signal` or `execution`.
    pub stage: String,
    /// Samples recorded.
    pub count: u64,
    /// Mean.
    pub mean_ms: f64,
    /// Quantiles as (quantile, value): 0.5, 0.9, 0.99, 0.999 and 1 for the maximum.
    pub quantiles: Vec<(f64, f64)>,
    /// Share of samples under the stage's target, 0 to 1.
    pub under_target: f64,
}

/// One health check's reading.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthGauge {
    /// The check's snake_case name, such as `cpu` or `connectivity`.
    pub check: String,
    /// 0 ok, 1 warning, 2 critical.
    pub level: u8,
    /// The measured value in the check's unit (percent, milliseconds, ratio).
    pub value: f64,
}

/// Everything one terminal exports, labelled by its account.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GuardMetrics {
    /// The account label, such as the MT5 login; never a secret.
    pub account: String,
    /// Compliance verdict: 0 may trade, 1 close all, 2 blocked.
    pub verdict: i32,
    /// Snake_case reason of the verdict.
    pub reason: String,
    /// Balance, in account currency.
    pub balance: f64,
    /// Equity, in account currency.
    pub equity: f64,
    /// Each rule.
    pub rules: Vec<RuleGauge>,
    /// Each latency stage.
    pub latency: Vec<LatencyGauge>,
    /// Each health check.
    pub health: Vec<HealthGauge>,
    /// Overall health: the worst check's level.
    pub health_level: u8,
    /// Active (unresolved) alerts.
    pub active_alerts: u64,
}

impl GuardMetrics {
    /// Builds the exposition of every gauge, named `mikrobot_*`.
    ///
    /// # Errors
    ///
    /// [`MetricsError`] when two rules, stages or checks share a name.
    pub fn exposition(&self) -> Result<Exposition, MetricsError> {
        let mut out = Exposition::new();
        let account = self.account.as_str();
        let account_only = [("account", account)];
        out.gauge(
            "mikrobot_verdict",
            "Compliance verdict: 0 may trade, 1 close all, 2 blocked.",
        )?
        .sample(
            &[("account", account), ("reason", &self.reason)],
            f64::from(self.verdict),
        )?;
        out.gauge("mikrobot_balance", "Account balance in account currency.")?
            .sample(&account_only, self.balance)?;
        out.gauge("mikrobot_equity", "Account equity in account currency.")?
            .sample(&account_only, self.equity)?;
        self.rule_families(&mut out)?;
        self.latency_families(&mut out)?;
        self.health_families(&mut out)?;
        out.gauge(
            "mikrobot_active_alerts",
            "Alerts raised and not yet resolved.",
        )?
        .sample(&account_only, self.active_alerts as f64)?;
        Ok(out)
    }

    fn rule_families(&self, out: &mut Exposition) -> Result<(), MetricsError> {
        let columns: [Column<RuleGauge>; 4] = [
            (
                "mikrobot_rule_floor",
                "Equity floor of each rule in account currency.",
                |r| r.floor,
            ),
            (
                "mikrobot_rule_room",
                "Room left above each rule's floor in account currency.",
                |r| r.room,
            ),
            (
                "mikrobot_rule_used_ratio",
                "Share of each rule's room used, 0 to 1.",
                |r| r.used_share,
            ),
            (
                "mikrobot_rule_status",
                "Rule status: 0 ok, 1 warning, 2 breached.",
                |r| f64::from(r.status),
            ),
        ];
        for (name, help, value) in columns {
            let family = out.gauge(name, help)?;
            for rule in &self.rules {
                family.sample(
                    &[("account", &self.account), ("rule", &rule.rule)],
                    value(rule),
                )?;
            }
        }
        Ok(())
    }

    fn latency_families(&self, out: &mut Exposition) -> Result<(), MetricsError> {
        let family = out.gauge(
            "mikrobot_latency_milliseconds",
            "Latency quantiles per stage in milliseconds; quantile 1 is the maximum.",
        )?;
        for stage in &self.latency {
            for (quantile, value) in &stage.quantiles {
                let quantile = quantile.to_string();
                family.sample(
                    &[
                        ("account", &self.account),
                        ("stage", &stage.stage),
                        ("quantile", &quantile),
                    ],
                    *value,
                )?;
            }
        }
        let columns: [Column<LatencyGauge>; 3] = [
            (
                "mikrobot_latency_mean_milliseconds",
                "Mean latency per stage in milliseconds.",
                |s| s.mean_ms,
            ),
            (
                "mikrobot_latency_samples",
                "Latency samples recorded per stage.",
                |s| s.count as f64,
            ),
            (
                "mikrobot_latency_under_target_ratio",
                "Share of samples under the stage's target.",
                |s| s.under_target,
            ),
        ];
        for (name, help, value) in columns {
            let family = out.gauge(name, help)?;
            for stage in &self.latency {
                family.sample(
                    &[("account", &self.account), ("stage", &stage.stage)],
                    value(stage),
                )?;
            }
        }
        Ok(())
    }

    fn health_families(&self, out: &mut Exposition) -> Result<(), MetricsError> {
        out.gauge(
            "mikrobot_health_level",
            "Overall health: 0 ok, 1 warning, 2 critical.",
        )?
        .sample(&[("account", &self.account)], f64::from(self.health_level))?;
        let level = out.gauge(
            "mikrobot_health_check_level",
            "Health level per check: 0 ok, 1 warning, 2 critical.",
        )?;
        for check in &self.health {
            level.sample(
                &[("account", &self.account), ("check", &check.check)],
                f64::from(check.level),
            )?;
        }
        let value = out.gauge(
            "mikrobot_health_check_value",
            "Measured value per health check, in the check's unit.",
        )?;
        for check in &self.health {
            value.sample(
                &[("account", &self.account), ("check", &check.check)],
                check.value,
            )?;
        }
        Ok(())
    }
}

impl RuleGauge {
    /// The gauge of one rule as the compliance engine reports it.
    pub fn from_report(report: &crate::compliance::RuleReport) -> Self {
        RuleGauge {
            rule: report.rule.as_str().to_owned(),
            floor: report.floor,
            room: report.room,
            used_share: report.used_share,
            status: match report.status {
                crate::compliance::RuleStatus::Warning => 1,
                crate::compliance::RuleStatus::Breached => 2,
                _ => 0,
            },
        }
    }
}

impl LatencyGauge {
    /// The gauge of one latency stage from the tracker's summary, in milliseconds.
    pub fn from_summary(stage: &str, summary: &crate::latency::StageSummary) -> Self {
        let ms = |us: u64| us as f64 / 1000.0;
        LatencyGauge {
            stage: stage.to_owned(),
            count: summary.count,
            mean_ms: summary.mean_us / 1000.0,
            quantiles: vec![
                (0.5, ms(summary.p50_us)),
                (0.9, ms(summary.p90_us)),
                (0.99, ms(summary.p99_us)),
                (0.999, ms(summary.p999_us)),
                (1.0, ms(summary.max_us)),
            ],
            under_target: summary.under_target_share,
        }
    }
}

impl GuardMetrics {
    /// Fills the compliance gauges from `engine`: the verdict, its reason and
    /// every rule.
    pub fn set_compliance(&mut self, engine: &crate::compliance::Engine) {
        let decision = engine.decision();
        self.verdict = decision.verdict as i32;
        self.reason = decision.reason.as_str().to_owned();
        self.rules = engine.rules().iter().map(RuleGauge::from_report).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compliance::{Engine, RuleSet};

    #[test]
    fn fresh_engine_exports_blocked_verdict() {
        let engine = Engine::new(RuleSet::ftmo_2step(100_000.0)).unwrap();
        let mut metrics = GuardMetrics {
            account: "1".into(),
            ..GuardMetrics::default()
        };
        metrics.set_compliance(&engine);
        assert_eq!(metrics.verdict, 2, "an engine without history blocks");
        assert_eq!(metrics.reason, "no_history");
        assert!(metrics.rules.iter().any(|rule| rule.rule == "daily_loss"));
        let text = metrics.exposition().unwrap().render();
        assert!(
            text.contains("mikrobot_verdict{account=\"1\",reason=\"no_history\"} 2\n"),
            "{text}"
        );
    }

    #[test]
    fn latency_summary_converts_to_milliseconds() {
        let summary = crate::latency::StageSummary {
            count: 3,
            p50_us: 1_500,
            max_us: 40_000,
            mean_us: 2_500.0,
            ..Default::default()
        };
        let gauge = LatencyGauge::from_summary("signal", &summary);
        assert_eq!(gauge.quantiles[0], (0.5, 1.5));
        assert_eq!(gauge.quantiles[4], (1.0, 40.0));
        assert_eq!(gauge.mean_ms, 2.5);
    }
}

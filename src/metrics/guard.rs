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

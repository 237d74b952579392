//! The weekly review: trading, system and XPWS figures, with recommendations from
//! the bottleneck rules and the optimisation targets.

use super::html::Page;
use super::svg::{drawdown_svg, latency_svg, EquityChart, LatencyBucket};
use super::{findings_html, findings_text, money, optional, percent, Finding};
use chrono::NaiveDate;
use serde::Serialize;
use std::fmt::Write as _;

/// Trading figures of the week.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct TradingFigures {
    /// Closed trades.
    pub total_trades: usize,
    /// Share of closed trades with a positive result, 0 to 1.
    pub win_rate: Option<f64>,
    /// Gross profit over gross loss.
    pub profit_factor: Option<f64>,
    /// Sharpe ratio of the trade results.
    pub sharpe_ratio: Option<f64>,
    /// Largest balance drawdown, in account currency.
    pub max_drawdown: f64,
    /// The same as a share of the peak, 0 to 1.
    pub max_drawdown_share: Option<f64>,
    /// Net profit.
    pub net_profit: f64,
}

/// System figures of the week.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct SystemFigures {
    /// Share of the week the terminal was connected, 0 to 1.
    pub uptime_share: Option<f64>,
    /// Mean signal latency, in milliseconds.
    pub avg_signal_ms: Option<f64>,
    /// Mean execution latency, in milliseconds.
    pub avg_execution_ms: Option<f64>,
    /// Failed operations over all operations, 0 to 1.
    pub error_rate: Option<f64>,
}

/// XPWS figures of the week.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct XpwsFigures {
    /// Symbols that entered XPWS mode.
    pub activations: u32,
    /// Profit earned above the 1:1 take profit while in XPWS mode.
    pub extra_profit: f64,
    /// Symbols in XPWS mode at the end of the week.
    pub active_symbols: Vec<String>,
}

/// A latency histogram for one stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyHistogram {
    /// `signal` or `execution`.
    pub stage: String,
    /// The stage's target, in milliseconds.
    pub target_ms: f64,
    /// The buckets, in ascending order of their bounds.
    pub buckets: Vec<LatencyBucket>,
}

/// The weekly review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeeklyReport {
    /// Monday that starts the week.
    pub week_start: NaiveDate,
    /// The account label.
    pub account: String,
    /// Trading figures.
    pub trading: TradingFigures,
    /// System figures.
    pub system: SystemFigures,
    /// XPWS figures.
    pub xpws: XpwsFigures,
    /// Recommendations, most serious first.
    pub recommendations: Vec<Finding>,
    /// Latency histograms.
    pub latency: Vec<LatencyHistogram>,
    /// The equity chart, drawn in the HTML page only.
    #[serde(skip)]
    pub chart: EquityChart,
    /// Zone for the chart's time labels.
    pub zone: String,
}

impl WeeklyReport {
    /// Sorts the recommendations, most serious first.
    pub fn sort_recommendations(&mut self) {
        self.recommendations
            .sort_by(|a, b| b.severity.cmp(&a.severity).then(a.area.cmp(&b.area)));
    }

    fn trading_rows(&self) -> Vec<(String, String)> {
        let t = &self.trading;
        vec![
            ("Total trades".into(), t.total_trades.to_string()),
            ("Win rate".into(), optional(t.win_rate, percent)),
            (
                "Profit factor".into(),
                optional(t.profit_factor, |v| format!("{v:.2}")),
            ),
            (
                "Sharpe ratio".into(),
                optional(t.sharpe_ratio, |v| format!("{v:.2}")),
            ),
            ("Maximum drawdown".into(), money(t.max_drawdown)),
            (
                "Maximum drawdown share".into(),
                optional(t.max_drawdown_share, percent),
            ),
            ("Net profit".into(), money(t.net_profit)),
        ]
    }

    fn system_rows(&self) -> Vec<(String, String)> {
        let s = &self.system;
        let ms = |v: f64| format!("{v:.1} ms");
        vec![
            ("Uptime".into(), optional(s.uptime_share, percent)),
            (
                "Average signal latency".into(),
                optional(s.avg_signal_ms, ms),
            ),
            (
                "Average execution latency".into(),
                optional(s.avg_execution_ms, ms),
            ),
            ("Error rate".into(), optional(s.error_rate, percent)),
        ]
    }

    fn xpws_rows(&self) -> Vec<(String, String)> {
        let symbols = if self.xpws.active_symbols.is_empty() {
            "none".to_owned()
        } else {
            self.xpws.active_symbols.join(", ")
        };
        vec![
            ("Activations".into(), self.xpws.activations.to_string()),
            ("Extra profit".into(), money(self.xpws.extra_profit)),
            ("Active symbols".into(), symbols),
        ]
    }

    /// Renders the review as readable text.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "Weekly review, week of {}, account {}\n",
            self.week_start, self.account
        );
        for (title, rows) in [
            ("Trading", self.trading_rows()),
            ("System", self.system_rows()),
            ("XPWS", self.xpws_rows()),
        ] {
            let _ = writeln!(text, "\n{title}:");
            for (name, value) in rows {
                let _ = writeln!(text, "  {:<28}{value}", format!("{name}:"));
            }
        }
        text.push_str(&findings_text("Recommendations", &self.recommendations));
        text
    }

    /// Renders the review as a self-contained HTML page.
    pub fn to_html(&self) -> String {
        let zone = crate::time::parse_zone(&self.zone).unwrap_or(chrono_tz::UTC);
        let mut page = Page::new(&format!(
            "Weekly review, week of {} - account {}",
            self.week_start, self.account
        ));
        page.heading("trading", "Trading")
            .facts("trading-table", &self.trading_rows())
            .heading("system", "System")
            .facts("system-table", &self.system_rows())
            .heading("xpws", "XPWS")
            .facts("xpws-table", &self.xpws_rows());
        findings_html(
            &mut page,
            "recommendations",
            "Recommendations",
            &self.recommendations,
        );
        page.heading("charts", "Charts")
            .figure(
                &self.chart.to_svg(zone),
                "Balance and equity with both loss floors.",
            )
            .figure(
                &drawdown_svg(&self.chart.points, zone),
                "Drawdown from the equity peak.",
            );
        for histogram in &self.latency {
            page.figure(
                &latency_svg(&histogram.stage, &histogram.buckets, histogram.target_ms),
                &format!("{} latency; bars past the target are red.", histogram.stage),
            );
        }
        page.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Severity;

    #[test]
    fn weekly_text_and_html_list_recommendations() {
        let mut report = WeeklyReport {
            week_start: NaiveDate::from_ymd_opt(2025, 3, 3).unwrap(),
            account: "1".into(),
            trading: TradingFigures {
                total_trades: 9,
                win_rate: Some(0.4444),
                ..Default::default()
            },
            system: SystemFigures::default(),
            xpws: XpwsFigures::default(),
            recommendations: vec![
                Finding {
                    area: "memory".into(),
                    severity: Severity::Medium,
                    text: "m".into(),
                },
                Finding {
                    area: "cpu".into(),
                    severity: Severity::High,
                    text: "<cpu>".into(),
                },
            ],
            latency: vec![LatencyHistogram {
                stage: "signal".into(),
                target_ms: 50.0,
                buckets: vec![LatencyBucket {
                    upper_ms: 10.0,
                    count: 4,
                }],
            }],
            chart: EquityChart::default(),
            zone: "Europe/Prague".into(),
        };
        report.sort_recommendations();
        assert_eq!(report.recommendations[0].area, "cpu");
        let text = report.to_text();
        assert!(text.contains("Win rate:                   44.4%"), "{text}");
        assert!(text.contains("[high] cpu"));
        let html = report.to_html();
        assert!(html.contains("&lt;cpu&gt;"));
        assert!(html.contains("id=\"latency-signal\""));
    }
}

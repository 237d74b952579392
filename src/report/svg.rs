//! Charts drawn as inline SVG: the equity curve with its floors and breaches, the
//! drawdown and the latency histogram.

use super::html::escape;
use crate::account::TimeMs;
use chrono_tz::Tz;
use serde::Serialize;
use std::fmt::Write as _;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 360.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 40.0;

/// One point of the account's curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    /// Time (UTC ms).
    pub time_ms: TimeMs,
    /// Balance.
    pub balance: f64,
    /// Equity.
    pub equity: f64,
}

/// A rule breach to mark on the curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreachMark {
    /// Time (UTC ms).
    pub time_ms: TimeMs,
    /// The rule, such as `daily_loss`.
    pub rule: String,
    /// Equity at the breach.
    pub equity: f64,
    /// The floor it went through.
    pub floor: f64,
}

/// Everything the equity chart draws.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EquityChart {
    /// The curve, in time order.
    pub points: Vec<CurvePoint>,
    /// The daily-loss floor as steps: each (time, floor) holds until the next.
    pub daily_floor: Vec<(TimeMs, f64)>,
    /// The maximum-loss floor as steps.
    pub max_floor: Vec<(TimeMs, f64)>,
    /// Breaches to mark.
    pub breaches: Vec<BreachMark>,
}

/// Maps data coordinates to the plot area.
struct Frame {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Frame {
    fn new(x: (f64, f64), y: (f64, f64)) -> Self {
        let (x0, mut x1) = x;
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        let (mut y0, mut y1) = y;
        if y1 <= y0 {
            y0 -= 1.0;
            y1 += 1.0;
        }
        let pad = (y1 - y0) * 0.05;
        Frame {
            x0,
            x1,
            y0: y0 - pad,
            y1: y1 + pad,
        }
    }

    fn x(&self, value: f64) -> f64 {
        LEFT + (value - self.x0) / (self.x1 - self.x0) * (WIDTH - LEFT - RIGHT)
    }

    fn y(&self, value: f64) -> f64 {
        HEIGHT - BOTTOM - (value - self.y0) / (self.y1 - self.y0) * (HEIGHT - TOP - BOTTOM)
    }
}

/// Tick values at a 1, 2 or 5 times a power of ten step, about `count` of them.
fn nice_ticks(low: f64, high: f64, count: usize) -> Vec<f64> {
    let raw = (high - low) / count.max(1) as f64;
    if raw <= 0.0 || !raw.is_finite() {
        return vec![low];
    }
    let power = 10_f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|factor| factor * power)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * power);
    let mut tick = (low / step).ceil() * step;
    let mut ticks = Vec::new();
    while tick <= high + step * 1e-9 && ticks.len() < 50 {
        ticks.push(tick);
        tick += step;
    }
    ticks
}

fn format_tick(value: f64) -> String {
    // A tick at zero computed as -0.0 would print as "-0".
    let value = if value == 0.0 { 0.0 } else { value };
    if value.abs() >= 100.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

fn open_svg(id: &str, title: &str) -> String {
    format!(
        "<svg id=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" aria-label=\"{}\" \
         font-family=\"sans-serif\" font-size=\"12\">\
         <rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"#ffffff\"/>\
         <text x=\"{LEFT}\" y=\"18\" font-size=\"14\" font-weight=\"600\">{}</text>",
        escape(id),
        escape(title),
        escape(title)
    )
}

fn y_axis(svg: &mut String, frame: &Frame) {
    for tick in nice_ticks(frame.y0, frame.y1, 6) {
        let y = frame.y(tick);
        let _ = write!(
            svg,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" \
             stroke=\"#eaecf0\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            escape(&format_tick(tick))
        );
    }
}

fn time_axis(svg: &mut String, frame: &Frame, zone: Tz) {
    let span_days = (frame.x1 - frame.x0) / 86_400_000.0;
    let format = if span_days > 2.0 {
        "%m-%d"
    } else {
        "%m-%d %H:%M"
    };
    for index in 0..=6 {
        let time = frame.x0 + (frame.x1 - frame.x0) * f64::from(index) / 6.0;
        let label = crate::time::utc_from_ms(time as TimeMs)
            .map(|utc| utc.with_timezone(&zone).format(format).to_string())
            .unwrap_or_default();
        let anchor = match index {
            0 => "start",
            6 => "end",
            _ => "middle",
        };
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
            frame.x(time),
            HEIGHT - BOTTOM + 18.0,
            escape(&label)
        );
    }
    let _ = write!(
        svg,
        "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#98a2b3\"/>",
        WIDTH - RIGHT,
        HEIGHT - BOTTOM,
        HEIGHT - BOTTOM
    );
}

fn polyline(svg: &mut String, class: &str, color: &str, dash: &str, points: &[(f64, f64)]) {
    if points.is_empty() {
        return;
    }
    let _ = write!(
        svg,
        "<polyline class=\"{class}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" \
         stroke-dasharray=\"{dash}\" points=\""
    );
    for (x, y) in points {
        let _ = write!(svg, "{x:.1},{y:.1} ");
    }
    svg.push_str("\"/>");
}

/// Turns (time, floor) steps into the corner points of a step line that holds
/// each value until the next one and the last until `end`.
fn steps(frame: &Frame, values: &[(TimeMs, f64)], end: f64) -> Vec<(f64, f64)> {
    let mut points = Vec::with_capacity(values.len() * 2);
    for (index, (time, floor)) in values.iter().enumerate() {
        let until = values.get(index + 1).map_or(end, |(next, _)| *next as f64);
        points.push((frame.x(*time as f64), frame.y(*floor)));
        points.push((frame.x(until), frame.y(*floor)));
    }
    points
}

fn legend(svg: &mut String, entries: &[(&str, &str)]) {
    let mut x = WIDTH - RIGHT - 130.0 * entries.len() as f64;
    for (label, color) in entries {
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"8\" width=\"14\" height=\"4\" fill=\"{color}\"/>\
             <text x=\"{:.1}\" y=\"14\">{}</text>",
            x + 18.0,
            escape(label)
        );
        x += 130.0;
    }
}

impl EquityChart {
    /// Draws the balance and equity curves, both floors as step lines, and each
    /// breach as a red circle with its rule beside it. Time labels are in `zone`.
    pub fn to_svg(&self, zone: Tz) -> String {
        let times = self
            .points
            .iter()
            .map(|p| p.time_ms)
            .chain(self.breaches.iter().map(|b| b.time_ms));
        let (first, last) = times.fold((TimeMs::MAX, TimeMs::MIN), |(lo, hi), t| {
            (lo.min(t), hi.max(t))
        });
        let values = self
            .points
            .iter()
            .flat_map(|p| [p.balance, p.equity])
            .chain(self.daily_floor.iter().map(|(_, floor)| *floor))
            .chain(self.max_floor.iter().map(|(_, floor)| *floor))
            .chain(self.breaches.iter().map(|b| b.equity))
            .filter(|value| value.is_finite());
        let (low, high) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let mut svg = open_svg("equity-chart", "Equity, balance and loss floors");
        if first > last || low > high {
            svg.push_str("<text x=\"480\" y=\"180\" text-anchor=\"middle\">no data</text></svg>");
            return svg;
        }
        let frame = Frame::new((first as f64, last as f64), (low, high));
        y_axis(&mut svg, &frame);
        time_axis(&mut svg, &frame, zone);
        let end = last as f64;
        polyline(
            &mut svg,
            "floor-max",
            "#b42318",
            "8 4",
            &steps(&frame, &self.max_floor, end),
        );
        polyline(
            &mut svg,
            "floor-daily",
            "#f79009",
            "4 3",
            &steps(&frame, &self.daily_floor, end),
        );
        let curve = |value: fn(&CurvePoint) -> f64| -> Vec<(f64, f64)> {
            self.points
                .iter()
                .map(|p| (frame.x(p.time_ms as f64), frame.y(value(p))))
                .collect()
        };
        polyline(
            &mut svg,
            "balance",
            "#1570ef",
            "none",
            &curve(|p| p.balance),
        );
        polyline(&mut svg, "equity", "#079455", "none", &curve(|p| p.equity));
        for breach in &self.breaches {
            self.mark_breach(&mut svg, &frame, breach);
        }
        legend(
            &mut svg,
            &[
                ("balance", "#1570ef"),
                ("equity", "#079455"),
                ("daily-loss floor", "#f79009"),
                ("maximum-loss floor", "#b42318"),
            ],
        );
        svg.push_str("</svg>");
        svg
    }

    fn mark_breach(&self, svg: &mut String, frame: &Frame, breach: &BreachMark) {
        let (x, y) = (frame.x(breach.time_ms as f64), frame.y(breach.equity));
        let label = format!(
            "{} breached at {}: equity {:.2} below floor {:.2}",
            breach.rule,
            crate::time::rfc3339(breach.time_ms),
            breach.equity,
            breach.floor
        );
        let _ = write!(
            svg,
            "<g class=\"breach\" data-rule=\"{}\"><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"7\" \
             fill=\"none\" stroke=\"#d92d20\" stroke-width=\"3\"/><title>{}</title>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#d92d20\" font-weight=\"600\" \
             stroke=\"#ffffff\" stroke-width=\"4\" paint-order=\"stroke\">{}</text></g>",
            escape(&breach.rule),
            escape(&label),
            (x + 10.0).min(WIDTH - 150.0),
            (y - 10.0).max(TOP + 12.0),
            escape(&format!("{} breach", breach.rule))
        );
    }
}

/// Draws the drawdown from the running equity peak, in percent of the peak, as an
/// area below zero.
pub fn drawdown_svg(points: &[CurvePoint], zone: Tz) -> String {
    let mut svg = open_svg("drawdown-chart", "Drawdown from the equity peak (%)");
    let mut peak = f64::MIN;
    let drawdown: Vec<(TimeMs, f64)> = points
        .iter()
        .filter(|p| p.equity.is_finite())
        .map(|p| {
            peak = peak.max(p.equity);
            let share = if peak > 0.0 {
                (p.equity - peak) / peak * 100.0
            } else {
                0.0
            };
            (p.time_ms, share)
        })
        .collect();
    let (Some(first), Some(last)) = (drawdown.first(), drawdown.last()) else {
        svg.push_str("<text x=\"480\" y=\"180\" text-anchor=\"middle\">no data</text></svg>");
        return svg;
    };
    let deepest = drawdown.iter().map(|(_, d)| *d).fold(0.0, f64::min);
    let frame = Frame::new((first.0 as f64, last.0 as f64), (deepest, 0.0));
    y_axis(&mut svg, &frame);
    time_axis(&mut svg, &frame, zone);
    let _ = write!(
        svg,
        "<polygon class=\"drawdown\" fill=\"#fda29b\" stroke=\"#d92d20\" points=\""
    );
    let _ = write!(svg, "{:.1},{:.1} ", frame.x(first.0 as f64), frame.y(0.0));
    for (time, share) in &drawdown {
        let _ = write!(svg, "{:.1},{:.1} ", frame.x(*time as f64), frame.y(*share));
    }
    let _ = write!(svg, "{:.1},{:.1}\"/>", frame.x(last.0 as f64), frame.y(0.0));
    svg.push_str("</svg>");
    svg
}

/// One bar of a latency histogram: samples with latency up to `upper_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LatencyBucket {
    /// Upper bound of the bucket, in milliseconds.
    pub upper_ms: f64,
    /// Samples in the bucket.
    pub count: u64,
}

/// Draws a latency histogram with one bar per bucket and a dashed line at the
/// target, labelled with `stage`.
pub fn latency_svg(stage: &str, buckets: &[LatencyBucket], target_ms: f64) -> String {
    let title = format!("{stage} latency (ms), target {target_ms} ms");
    let mut svg = open_svg(&format!("latency-{stage}"), &title);
    let tallest = buckets.iter().map(|b| b.count).max().unwrap_or(0);
    if buckets.is_empty() || tallest == 0 {
        svg.push_str("<text x=\"480\" y=\"180\" text-anchor=\"middle\">no samples</text></svg>");
        return svg;
    }
    let frame = Frame::new((0.0, buckets.len() as f64), (0.0, tallest as f64));
    y_axis(&mut svg, &frame);
    let width = (frame.x(1.0) - frame.x(0.0)) * 0.8;
    for (index, bucket) in buckets.iter().enumerate() {
        let x = frame.x(index as f64) + width * 0.125;
        let (top, base) = (frame.y(bucket.count as f64), frame.y(0.0));
        let color = if bucket.upper_ms <= target_ms {
            "#53b1fd"
        } else {
            "#f97066"
        };
        let _ = write!(
            svg,
            "<rect class=\"bar\" x=\"{x:.1}\" y=\"{top:.1}\" width=\"{width:.1}\" height=\"{:.1}\" \
             fill=\"{color}\"><title>{}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            base - top,
            escape(&format!("up to {} ms: {} samples", bucket.upper_ms, bucket.count)),
            x + width / 2.0,
            HEIGHT - BOTTOM + 18.0,
            escape(&format!("≤{}", bucket.upper_ms))
        );
    }
    if let Some(position) = buckets.iter().position(|b| b.upper_ms >= target_ms) {
        let x = frame.x(position as f64 + 1.0);
        let _ = write!(
            svg,
            "<line class=\"target\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{TOP}\" y2=\"{:.1}\" \
             stroke=\"#344054\" stroke-dasharray=\"6 4\"/>",
            HEIGHT - BOTTOM
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> EquityChart {
        let hour = 3_600_000;
        EquityChart {
            points: (0..48)
                .map(|i| CurvePoint {
                    time_ms: i * hour,
                    balance: 100_000.0 - i as f64 * 50.0,
                    equity: 100_000.0 - i as f64 * 120.0,
                })
                .collect(),
            daily_floor: vec![(0, 95_000.0), (24 * hour, 94_000.0)],
            max_floor: vec![(0, 90_000.0)],
            breaches: vec![BreachMark {
                time_ms: 40 * hour,
                rule: "daily_loss<&>".into(),
                equity: 93_900.0,
                floor: 94_000.0,
            }],
        }
    }

    #[test]
    fn equity_chart_draws_every_series() {
        let svg = chart().to_svg(chrono_tz::Europe::Prague);
        for class in ["balance", "equity", "floor-daily", "floor-max", "breach"] {
            assert!(
                svg.contains(&format!("class=\"{class}\"")),
                "{class} missing"
            );
        }
        assert!(svg.contains("daily_loss&lt;&amp;&gt;"));
        assert!(!svg.contains("daily_loss<&>"));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn floor_steps_hold_until_next_value() {
        let frame = Frame::new((0.0, 10.0), (0.0, 10.0));
        let points = steps(&frame, &[(0, 5.0), (4, 6.0)], 10.0);
        assert_eq!(points.len(), 4);
        assert_eq!(points[1].0, frame.x(4.0));
        assert_eq!(points[1].1, frame.y(5.0));
        assert_eq!(points[3].0, frame.x(10.0));
    }

    #[test]
    fn empty_chart_says_no_data() {
        let svg = EquityChart::default().to_svg(chrono_tz::UTC);
        assert!(svg.contains("no data"));
    }

    #[test]
    fn nice_ticks_use_round_steps() {
        assert_eq!(
            nice_ticks(0.0, 10.0, 5),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        assert_eq!(nice_ticks(93.0, 101.0, 4), vec![94.0, 96.0, 98.0, 100.0]);
    }

    #[test]
    fn drawdown_is_below_zero() {
        let svg = drawdown_svg(&chart().points, chrono_tz::UTC);
        assert!(svg.contains("class=\"drawdown\""));
    }

    #[test]
    fn latency_histogram_marks_target() {
        let buckets =
            [1.0, 5.0, 50.0, 100.0, 500.0].map(|upper_ms| LatencyBucket { upper_ms, count: 3 });
        let svg = latency_svg("signal", &buckets, 50.0);
        assert_eq!(svg.matches("class=\"bar\"").count(), 5);
        assert!(svg.contains("class=\"target\""));
    }
}

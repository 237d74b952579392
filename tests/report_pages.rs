//! The HTML reports rendered by headless Chromium: structure and what is visible.

mod common;

use common::chromium::{self, Image};
use mikrobot::account::Snapshot;
use mikrobot::report::daily::{DailyInput, DailyReport};
use mikrobot::report::svg::BreachMark;
use mikrobot::report::RuleLine;
use mikrobot::time::FirmClock;

fn daily_report() -> DailyReport {
    let clock = FirmClock::default();
    let date = chrono::NaiveDate::from_ymd_opt(2025, 3, 4).unwrap();
    let start = clock.day_start_ms(date).unwrap();
    let snapshots: Vec<Snapshot> = (0..96)
        .map(|i| {
            let dip = if (40..60).contains(&i) {
                5_600.0
            } else {
                900.0
            };
            Snapshot {
                time_ms: start + i * 15 * 60_000,
                balance: 100_000.0 - i as f64 * 10.0,
                equity: 100_000.0 - i as f64 * 10.0 - dip * ((i % 7) as f64 / 6.0),
                margin: 0.0,
                free_margin: 0.0,
                connected: true,
                open_positions: 1,
                pending_orders: 0,
            }
        })
        .collect();
    let breach = |minutes: i64, rule: &str, floor: f64| BreachMark {
        time_ms: start + minutes * 60_000,
        rule: rule.to_owned(),
        equity: floor - 200.0,
        floor,
    };
    let rules = vec![
        RuleLine {
            rule: "daily_loss".into(),
            floor: 95_000.0,
            room: -200.0,
            used_share: 1.04,
            status: "breached".into(),
            breach: Some(breach(600, "daily_loss", 95_000.0)),
        },
        RuleLine {
            rule: "max_loss".into(),
            floor: 94_000.0,
            room: -200.0,
            used_share: 1.03,
            status: "breached".into(),
            breach: Some(breach(840, "max_loss", 94_000.0)),
        },
    ];
    DailyReport::build(DailyInput {
        date,
        clock,
        account: "demo <&>".into(),
        deals: &[],
        snapshots: &snapshots,
        rules,
        alerts: Vec::new(),
    })
    .unwrap()
}

#[test]
#[ignore = "runs chromium"]
fn daily_page_shows_curve_floors_and_breaches() {
    let Some(browser) = chromium::find() else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    let page = directory.path().join("daily.html");
    std::fs::write(&page, daily_report().to_html()).unwrap();

    let dom = chromium::dump_dom(&browser, &page);
    assert!(dom.contains("id=\"equity-chart\""));
    assert!(dom.contains("class=\"equity\""));
    assert!(dom.contains("class=\"floor-daily\""));
    assert!(dom.contains("class=\"floor-max\""));
    assert_eq!(dom.matches("class=\"breach\"").count(), 2);
    assert!(dom.contains("demo &lt;&amp;&gt;"));

    let png = directory.path().join("daily.png");
    chromium::screenshot(&browser, &page, &png, 1100, 1400);
    if let Some(keep) = std::env::var_os("MIKROBOT_KEEP_SCREENSHOT") {
        std::fs::copy(&png, keep).unwrap();
    }
    let image = Image::open(&png);
    assert_eq!(image.width, 1100);
    assert!(
        image.count_color("#079455", 40) > 500,
        "equity line not visible"
    );
    assert!(
        image.count_color("#f79009", 40) > 300,
        "daily floor not visible"
    );
    assert!(
        image.count_color("#b42318", 30) > 300,
        "maximum floor not visible"
    );
    assert!(
        image.count_color("#d92d20", 30) > 60,
        "breach markers not visible"
    );
}

//! The maintenance scheduler over simulated months on a virtual clock.

use chrono::{NaiveDate, NaiveTime, TimeZone, Timelike};
use chrono_tz::Europe::Prague;
use chrono_tz::Tz;
use mikrobot::maintenance::{
    DueTask, MaintenanceConfig, MaintenanceRecord, Routine, RunStatus, Scheduler, SchedulerState,
    Task, TaskOutcome, TaskStatus, Trigger,
};
use std::collections::BTreeMap;

const MINUTE: i64 = 60_000;

fn local_ms(zone: Tz, y: i32, m: u32, d: u32, hour: u32, minute: u32) -> i64 {
    zone.with_ymd_and_hms(y, m, d, hour, minute, 0)
        .earliest()
        .unwrap()
        .timestamp_millis()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Drives a scheduler on a virtual clock and keeps every record and task call.
struct Simulation {
    scheduler: Scheduler,
    records: Vec<MaintenanceRecord>,
    calls: BTreeMap<(Task, NaiveDate), usize>,
    fail: Option<Task>,
}

impl Simulation {
    fn new(since_ms: i64) -> Self {
        let scheduler = Scheduler::new(
            Prague,
            MaintenanceConfig::default(),
            SchedulerState::new(since_ms),
        )
        .unwrap();
        Simulation {
            scheduler,
            records: Vec::new(),
            calls: BTreeMap::new(),
            fail: None,
        }
    }

    fn poll(&mut self, now_ms: i64) {
        let calls = &mut self.calls;
        let fail = self.fail;
        let run = |due: &DueTask| {
            *calls.entry((due.task, due.period)).or_default() += 1;
            if Some(due.task) == fail {
                TaskOutcome::failed("backup manifest missing", "create a new backup", 10)
            } else {
                TaskOutcome::ok(format!("{} done", due.task), 250)
            }
        };
        let records = self.scheduler.poll(now_ms, run).unwrap();
        self.records.extend(records);
    }

    /// Polls every `step` ms from `from_ms` (inclusive) to `to_ms` (exclusive).
    fn run(&mut self, from_ms: i64, to_ms: i64, step: i64) {
        let mut now = from_ms;
        while now < to_ms {
            self.poll(now);
            now += step;
        }
    }

    /// Replaces the scheduler by one rebuilt from its persisted state, as a restart does.
    fn restart(&mut self) {
        let saved = serde_json::to_string(self.scheduler.state()).unwrap();
        let state: SchedulerState = serde_json::from_str(&saved).unwrap();
        self.scheduler = Scheduler::new(Prague, MaintenanceConfig::default(), state).unwrap();
    }

    fn records_of(&self, routine: Routine) -> Vec<&MaintenanceRecord> {
        self.records
            .iter()
            .filter(|record| record.routine == routine)
            .collect()
    }
}

fn local_time(ms: i64) -> NaiveTime {
    let time = Prague.timestamp_millis_opt(ms).unwrap().time();
    NaiveTime::from_hms_opt(time.hour(), time.minute(), 0).unwrap()
}

fn check_month(year: i32, month: u32, days: u32, mondays: usize) {
    let start = local_ms(Prague, year, month, 1, 0, 0);
    let end = local_ms(Prague, year, month + 1, 1, 0, 0);
    let mut simulation = Simulation::new(start);
    simulation.run(start, end, 5 * MINUTE);

    let daily = simulation.records_of(Routine::Daily);
    assert_eq!(daily.len(), days as usize, "one daily record per day");
    assert_eq!(simulation.records_of(Routine::Weekly).len(), mondays);
    assert_eq!(simulation.records_of(Routine::Monthly).len(), 1);

    let config = MaintenanceConfig::default();
    for (day, record) in (1..=days).zip(&daily) {
        assert_eq!(record.date, date(year, month, day));
        assert_eq!(record.status, RunStatus::Success);
        assert_eq!(record.trigger, Trigger::Schedule);
        assert_eq!(record.tasks_completed().collect::<Vec<_>>(), Task::DAILY);
        for result in &record.tasks {
            assert_eq!(local_time(result.scheduled_ms), config.time_of(result.task));
            assert_eq!(result.started_ms, result.scheduled_ms, "{result:?}");
        }
        assert_eq!(record.duration_ms, 60 * MINUTE + 250);
    }
    for count in simulation.calls.values() {
        assert_eq!(*count, 1, "{:?}", simulation.calls);
    }
}

#[test]
fn march_with_23_hour_day_runs_each_routine_once() {
    // Prague moved its clocks forward on 2025-03-30; the Mondays are 3, 10, 17, 24 and 31.
    check_month(2025, 3, 31, 5);
}

#[test]
fn october_with_25_hour_day_runs_each_routine_once() {
    // Prague moved its clocks back on 2024-10-27; the Mondays are 7, 14, 21 and 28.
    check_month(2024, 10, 31, 4);
}

#[test]
fn irregular_ticks_run_each_task_once() {
    let start = local_ms(Prague, 2025, 3, 1, 0, 0);
    let end = local_ms(Prague, 2025, 4, 1, 0, 0);
    let mut simulation = Simulation::new(start);
    let (mut now, mut seed) = (start, 7_u64);
    while now < end {
        simulation.poll(now);
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        now += 1_000 + (seed >> 33) as i64 % (9 * MINUTE);
    }
    assert_eq!(simulation.records_of(Routine::Daily).len(), 31);
    assert!(simulation.calls.values().all(|count| *count == 1));
    for record in simulation.records_of(Routine::Daily) {
        for result in &record.tasks {
            let late = result.started_ms - result.scheduled_ms;
            assert!((0..9 * MINUTE + 1_000).contains(&late), "{result:?}");
        }
    }
}

#[test]
fn downtime_across_daily_window_is_caught_up_once() {
    let start = local_ms(Prague, 2025, 3, 1, 0, 0);
    let down = local_ms(Prague, 2025, 3, 10, 23, 50);
    let up = local_ms(Prague, 2025, 3, 11, 1, 30);
    let end = local_ms(Prague, 2025, 3, 13, 0, 0);
    let mut simulation = Simulation::new(start);
    simulation.run(start, down, 5 * MINUTE);
    simulation.restart();
    simulation.run(up, end, 5 * MINUTE);

    let day: Vec<_> = simulation
        .records_of(Routine::Daily)
        .into_iter()
        .filter(|record| record.date == date(2025, 3, 11))
        .collect();
    assert_eq!(day.len(), 1);
    assert_eq!(day[0].trigger, Trigger::CatchUp);
    assert_eq!(day[0].status, RunStatus::Success);
    assert_eq!(day[0].started_ms, up);
    assert_eq!(day[0].tasks.len(), 5);
    for task in Task::DAILY {
        assert_eq!(simulation.calls[&(task, date(2025, 3, 11))], 1);
    }
    assert_eq!(simulation.records_of(Routine::Daily).len(), 12);
}

#[test]
fn multi_day_downtime_lists_missed_days() {
    let start = local_ms(Prague, 2025, 3, 1, 0, 0);
    let down = local_ms(Prague, 2025, 3, 12, 23, 50);
    let up = local_ms(Prague, 2025, 3, 15, 1, 30);
    let mut simulation = Simulation::new(start);
    simulation.run(start, down, 5 * MINUTE);
    simulation.restart();
    simulation.poll(up);
    simulation.poll(up + MINUTE);

    let last = simulation.records.last().unwrap();
    assert_eq!(last.date, date(2025, 3, 15));
    assert_eq!(last.missed, vec![date(2025, 3, 13), date(2025, 3, 14)]);
    assert_eq!(last.trigger, Trigger::CatchUp);
    assert!(!simulation
        .calls
        .contains_key(&(Task::LogRotation, date(2025, 3, 13))));
    assert_eq!(simulation.records_of(Routine::Daily).len(), 13);
}

#[test]
fn interrupted_day_is_closed_partly_failed() {
    let start = local_ms(Prague, 2025, 3, 19, 23, 0);
    let down = local_ms(Prague, 2025, 3, 20, 0, 20);
    let up = local_ms(Prague, 2025, 3, 21, 0, 10);
    let mut simulation = Simulation::new(start);
    simulation.run(start, down, 5 * MINUTE);
    simulation.restart();
    simulation.run(up, up + 2 * 60 * MINUTE, 5 * MINUTE);

    let daily = simulation.records_of(Routine::Daily);
    assert_eq!(daily.len(), 2);
    assert_eq!(daily[0].date, date(2025, 3, 20));
    assert_eq!(daily[0].status, RunStatus::PartlyFailed);
    assert!(daily[0].needs_alert());
    let skipped = daily[0]
        .tasks
        .iter()
        .filter(|task| task.status == TaskStatus::Skipped)
        .count();
    assert_eq!(skipped, 3);
    assert_eq!(daily[1].date, date(2025, 3, 21));
    assert_eq!(daily[1].status, RunStatus::Success);
}

#[test]
fn failed_task_marks_run_for_alert() {
    let start = local_ms(Prague, 2025, 3, 4, 0, 0);
    let mut simulation = Simulation::new(start);
    simulation.fail = Some(Task::BackupVerification);
    simulation.run(start, start + 2 * 60 * MINUTE, 5 * MINUTE);

    let record = &simulation.records_of(Routine::Daily)[0];
    assert_eq!(record.status, RunStatus::PartlyFailed);
    assert!(record.needs_alert());
    assert_eq!(record.issues, vec!["backup manifest missing".to_owned()]);
}

#[test]
fn first_start_does_not_catch_up_before_it() {
    let start = local_ms(Prague, 2025, 3, 4, 0, 20);
    let mut simulation = Simulation::new(start);
    simulation.run(start, local_ms(Prague, 2025, 3, 5, 0, 0), 5 * MINUTE);
    assert!(simulation.records.is_empty());
    assert!(simulation.calls.is_empty());
}

#[test]
fn manual_run_leaves_schedule_alone() {
    let start = local_ms(Prague, 2025, 3, 4, 0, 0);
    let simulation = Simulation::new(start);
    let record = simulation
        .scheduler
        .run_now(Routine::Weekly, start + 3 * 60 * MINUTE, |_| {
            TaskOutcome::ok("review written", 5)
        })
        .unwrap();
    assert_eq!(record.trigger, Trigger::Manual);
    assert_eq!(record.date, date(2025, 3, 3));
    assert_eq!(
        simulation.scheduler.state().last_period(Routine::Weekly),
        None
    );
}

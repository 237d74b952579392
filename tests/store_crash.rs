//! Crash test: a child process appends journal records and saves a ledger state
//! while the parent kills it with SIGKILL at a random moment, over and over. After
//! every kill the parent reopens the store and checks that every acknowledged record
//! is present and byte-for-byte what the child wrote, that no record is corrupt, and
//! that the saved ledger equals a replay of the journaled deals before it.
//!
//! The child is this same binary started with `--child DIR`; it prints each new
//! acknowledged sequence number on stdout, and the parent trusts only the numbers
//! it has read before the kill. `MIKROBOT_CRASH_CYCLES` sets the number of cycles
//! (200 by default; the CI durability step runs 1,000).

use mikrobot::account::{Deal, DealEntry, DealType, ShortText, Snapshot};
use mikrobot::store::{AppendError, Journal, Record, RecordKind, Seq, StoreConfig, StoreReader};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Cycles that share one state directory before the test starts a fresh one, so
/// the database stays small enough to check in full.
const CYCLES_PER_DIR: u64 = 100;
const DAY_MS: i64 = 86_400_000;
const START_MS: i64 = 1_767_225_600_000;

/// A small ledger with a day anchor: what a restored engine must get back exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Ledger {
    balance: f64,
    deals: u64,
    day: i64,
    day_anchor: f64,
    last_ticket: u64,
}

impl Ledger {
    fn new() -> Ledger {
        Ledger {
            balance: 100_000.0,
            deals: 0,
            day: START_MS / DAY_MS,
            day_anchor: 100_000.0,
            last_ticket: 0,
        }
    }

    fn apply(&mut self, deal: &Deal) {
        let day = deal.time_ms / DAY_MS;
        if day != self.day {
            self.day = day;
            self.day_anchor = self.balance;
        }
        self.balance += deal.balance_change();
        self.deals += 1;
        self.last_ticket = deal.ticket;
    }
}

/// What the child writes at sequence number `seq`; the parent recomputes it.
enum Planned {
    Deal(Deal),
    State,
    Snapshot(Snapshot),
    Alert(String),
}

fn mix(seq: Seq) -> u64 {
    let mut x = seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 29)
}

fn time_of(seq: Seq) -> i64 {
    // About 40 records an hour, so a directory's records span several days.
    START_MS + seq as i64 * 90_000
}

fn plan(seq: Seq) -> Planned {
    let noise = mix(seq);
    match seq % 5 {
        0 => Planned::Deal(Deal {
            time_ms: time_of(seq),
            ticket: seq,
            position_id: seq,
            order: seq,
            symbol: ShortText::new("XAUUSD").unwrap(),
            deal_type: if noise & 1 == 0 {
                DealType::Buy
            } else {
                DealType::Sell
            },
            entry: DealEntry::Out,
            volume: 0.01 * ((noise >> 8) % 100 + 1) as f64,
            price: 2_000.0 + ((noise >> 16) % 10_000) as f64 / 100.0,
            profit: ((noise >> 24) % 40_000) as f64 / 100.0 - 200.0,
            commission: -0.5,
            swap: 0.0,
            fee: 0.0,
            magic: 42,
            comment: ShortText::EMPTY,
        }),
        1 => Planned::State,
        4 => Planned::Alert(format!(
            r#"{{"id":{seq},"priority":"high","message":"crash test alert {noise:x}"}}"#
        )),
        _ => Planned::Snapshot(Snapshot {
            time_ms: time_of(seq),
            balance: 100_000.0,
            equity: 100_000.0 + (noise % 1_000) as f64,
            margin: 10.0,
            free_margin: 99_990.0,
            connected: true,
            open_positions: (noise % 3) as u32,
            pending_orders: 0,
        }),
    }
}

fn ledger_before(seq: Seq) -> Ledger {
    let mut ledger = Ledger::new();
    for earlier in 1..seq {
        if let Planned::Deal(deal) = plan(earlier) {
            ledger.apply(&deal);
        }
    }
    ledger
}

fn config() -> StoreConfig {
    StoreConfig {
        snapshot_interval_ms: 0,
        ..StoreConfig::default()
    }
}

fn run_child(dir: &Path, seed: u64) {
    let path = dir.join("journal.db");
    let mut journal = Journal::open(&path, &config()).expect("child opens the store");
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "ready {}", journal.acked_seq()).unwrap();
    let mut ledger = ledger_before(journal.last_seq() + 1);
    let mut reported = journal.acked_seq();
    let mut rng = seed | 1;
    loop {
        let seq = journal.last_seq() + 1;
        let record = match plan(seq) {
            Planned::Deal(deal) => Record::Deal(deal),
            Planned::State => Record::State {
                key: ShortText::new("ledger").unwrap(),
                time_ms: time_of(seq),
                body: serde_json::to_string(&ledger).unwrap(),
            },
            Planned::Snapshot(snapshot) => Record::Snapshot(snapshot),
            Planned::Alert(body) => Record::Event {
                kind: RecordKind::Alert,
                time_ms: time_of(seq),
                body,
            },
        };
        let deal = match &record {
            Record::Deal(deal) => Some(*deal),
            _ => None,
        };
        match journal.append(record) {
            Ok(_) => {
                if let Some(deal) = deal {
                    ledger.apply(&deal);
                }
            }
            Err(AppendError::QueueFull { .. }) => std::thread::sleep(Duration::from_micros(200)),
            Err(error) => panic!("child append failed: {error}"),
        }
        let acked = journal.acked_seq();
        if acked != reported {
            writeln!(stdout, "ack {acked}").unwrap();
            stdout.flush().unwrap();
            reported = acked;
        }
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        if rng.is_multiple_of(64) {
            std::thread::sleep(Duration::from_micros(rng % 500));
        }
    }
}

/// One kill: returns the highest acknowledged number the child printed.
fn run_cycle(dir: &Path, delay: Duration) -> Seq {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .arg("--child")
        .arg(dir)
        .arg(delay.as_micros().to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the child");
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut acked = 0;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let (_, number) = line.split_once(' ').unwrap_or(("", "0"));
            acked = acked.max(number.parse::<Seq>().unwrap_or(0));
        }
        acked
    });
    std::thread::sleep(delay);
    child.kill().expect("SIGKILL the child");
    child.wait().unwrap();
    reader.join().unwrap()
}

/// Checks the store after a kill; `from` is the first sequence number to compare
/// in full.
fn check_store(dir: &Path, acked: Seq, from: Seq, full: bool) -> Seq {
    let path = dir.join("journal.db");
    if !path.exists() {
        // A child killed before it created the database acknowledged nothing, so nothing
        // can be missing.
        assert_eq!(
            acked, 0,
            "{acked} was acknowledged, but there is no database"
        );
        return 0;
    }
    let reader = StoreReader::open(&path, &config()).expect("reopen after kill");
    if full {
        reader
            .integrity_check()
            .expect("integrity check after kill");
    }
    let last = reader.last_seq().unwrap();
    assert!(
        last >= acked,
        "store ends at {last}, but {acked} was acknowledged"
    );
    let start = if full { 0 } else { from.saturating_sub(1) };
    let mut expected_seq = start + 1;
    let mut after = start;
    loop {
        let rows = reader.records_after(after, 10_000).unwrap();
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            while matches!(plan(expected_seq), Planned::State) {
                expected_seq += 1;
            }
            assert_eq!(
                row.seq, expected_seq,
                "journal row missing before {}",
                row.seq
            );
            assert_eq!(
                row.body,
                expected_body(row.seq),
                "row {} is corrupt",
                row.seq
            );
            assert_eq!(
                row.time_ms,
                time_of(row.seq),
                "row {} has the wrong time",
                row.seq
            );
            expected_seq += 1;
        }
        after = rows.last().unwrap().seq;
    }
    assert!(
        after >= last_journal_seq_at_or_below(acked),
        "acknowledged rows up to {acked} are missing; the journal ends at {after}"
    );
    check_ledger(&reader, acked, last);
    last
}

fn last_journal_seq_at_or_below(seq: Seq) -> Seq {
    (1..=seq)
        .rev()
        .find(|s| !matches!(plan(*s), Planned::State))
        .unwrap_or(0)
}

fn check_ledger(reader: &StoreReader, acked: Seq, last: Seq) {
    let newest_acked_state = (1..=acked)
        .rev()
        .find(|s| matches!(plan(*s), Planned::State));
    let stored = reader.load_state::<Ledger>("ledger").unwrap();
    let Some(stored) = stored else {
        assert!(
            newest_acked_state.is_none(),
            "state {newest_acked_state:?} was acknowledged but is gone"
        );
        return;
    };
    if let Some(state_seq) = newest_acked_state {
        assert!(
            stored.seq >= state_seq,
            "stored state {} is older than acknowledged state {state_seq}",
            stored.seq
        );
    }
    assert!(
        stored.seq <= last,
        "stored state {} is past the high-water mark {last}",
        stored.seq
    );
    // Replay the journaled deals before the state, as a restart would.
    let mut replayed = Ledger::new();
    for deal in reader.deals_since(i64::MIN).unwrap() {
        if deal.ticket < stored.seq {
            replayed.apply(&deal);
        }
    }
    assert_eq!(
        stored.value, replayed,
        "ledger at {} differs from the replay of the journal",
        stored.seq
    );
    assert_eq!(
        stored.value,
        ledger_before(stored.seq),
        "ledger at {} differs from the reference",
        stored.seq
    );
}

fn expected_body(seq: Seq) -> String {
    match plan(seq) {
        Planned::Deal(deal) => serde_json::to_string(&deal).unwrap(),
        Planned::Snapshot(snapshot) => serde_json::to_string(&snapshot).unwrap(),
        Planned::Alert(body) => body,
        Planned::State => unreachable!("states are not journal rows"),
    }
}

fn run_parent(cycles: u64) {
    let root = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut rng: u64 = 0x5DEE_CE66_D1CE_4E5B ^ u64::from(std::process::id());
    let mut dir = PathBuf::new();
    let mut checked = 0;
    let mut total_acked = 0;
    let mut kills_before_ready = 0;
    for cycle in 0..cycles {
        if cycle % CYCLES_PER_DIR == 0 {
            dir = root.path().join(format!("state-{cycle}"));
            std::fs::create_dir_all(&dir).unwrap();
            checked = 0;
        }
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let delay = Duration::from_micros(2_000 + rng % 40_000);
        let acked = run_cycle(&dir, delay);
        if acked == 0 && checked == 0 {
            kills_before_ready += 1;
        }
        let full = cycle % 25 == 24 || cycle + 1 == cycles;
        let last = check_store(&dir, acked.max(checked), checked + 1, full);
        total_acked += acked.saturating_sub(checked);
        checked = last;
    }
    println!(
        "crash test: {cycles} kills, {total_acked} acknowledged records checked, \
         {kills_before_ready} kills before the first commit, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        let seed = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
        run_child(Path::new(&args[2]), seed);
        return;
    }
    // `cargo test -- --ignored` runs only ignored tests, and this test is not one;
    // a name filter that does not match skips it too.
    let filters: Vec<&String> = args[1..].iter().filter(|a| !a.starts_with('-')).collect();
    if args.iter().any(|a| a == "--ignored" || a == "--list")
        || !filters.is_empty()
            && !filters
                .iter()
                .any(|f| "store_crash kill".contains(f.as_str()))
    {
        return;
    }
    let cycles = std::env::var("MIKROBOT_CRASH_CYCLES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(200);
    run_parent(cycles);
}

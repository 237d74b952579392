//! Crash test: a child process runs a real guard (compliance engine, journal and state
//! store) over a planned stream of snapshots and deals while the parent kills it with
//! SIGKILL at a random moment, over and over. After every kill the parent reopens the
//! store and checks that every acknowledged record is present and byte-for-byte what
//! the child wrote, that no record is corrupt, and that the saved engine state equals a
//! reference replay of the journaled events through a fresh compliance engine.
//!
//! A restart restores the newest saved engine state and then reloads the deal history,
//! so events journaled after that save reach the restored engine only through the
//! history. The child journals a restart marker before each history load, naming the
//! state it restored and the account figures it loaded, and the reference replays the
//! same restart at that marker.
//!
//! The child is this same binary started with `--child DIR`; it prints the acknowledged
//! sequence number, the newest acknowledged event and the newest acknowledged state
//! save on stdout, and the parent trusts only what it has read before the kill.
//! `MIKROBOT_CRASH_CYCLES` sets the number of cycles (200 by default; the CI durability
//! step runs 1,000).

use mikrobot::account::{Deal, DealEntry, DealType, ShortText, Snapshot, TimeMs};
use mikrobot::compliance::{Engine, EngineState, History};
use mikrobot::config::Config;
use mikrobot::guard::Guard;
use mikrobot::store::{
    Record, RecordKind, Seq, StoreConfig, StoreReader, StoredRecord, ENGINE_STATE_KEY,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Cycles that share one state directory before the test starts a fresh one, so
/// the database stays small enough to replay in full after every kill.
const CYCLES_PER_DIR: u64 = 50;
const START_MS: i64 = 1_767_225_600_000;
const INITIAL_BALANCE: f64 = 100_000.0;
/// Records the child lets the writer fall behind by before it waits, so the journal
/// queue never fills (a full queue latches a persistence block the replay cannot see).
const MAX_UNACKED: u64 = 2_000;

/// What the child journals before it loads the history at a restart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Restart {
    /// Sequence number of the engine state the guard restored, 0 for a new engine.
    restored_seq: Seq,
    time_ms: TimeMs,
    balance: f64,
    equity: f64,
    open_positions: u32,
}

/// Event `n` of the planned stream (numbered from 1); the parent recomputes it.
enum Planned {
    Deal(Deal),
    Snapshot(Snapshot),
}

fn mix(n: u64) -> u64 {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 29)
}

fn time_of(n: u64) -> TimeMs {
    // One event every 20 seconds, so a directory's events span more than one firm day.
    START_MS + n as i64 * 20_000
}

fn deal_of(n: u64) -> Deal {
    let noise = mix(n);
    Deal {
        time_ms: time_of(n),
        ticket: n,
        position_id: n,
        order: n,
        symbol: ShortText::new("XAUUSD").unwrap(),
        deal_type: if noise & 1 == 0 {
            DealType::Buy
        } else {
            DealType::Sell
        },
        entry: DealEntry::Out,
        volume: 0.01 * ((noise >> 8) % 100 + 1) as f64,
        price: 2_000.0 + ((noise >> 16) % 10_000) as f64 / 100.0,
        // Small results keep the account far from its floors, so no breach incident
        // adds a halt that a bare engine would not latch.
        profit: ((noise >> 24) % 6_000) as f64 / 100.0 - 30.0,
        commission: -0.5,
        swap: 0.0,
        fee: 0.0,
        magic: 42,
        comment: ShortText::EMPTY,
    }
}

/// Balance after events `1..n`, recomputed from the plan.
fn balance_before(n: u64) -> f64 {
    // Summed in event order from the initial balance, as the child and the replay do, so
    // the rounding matches to the bit.
    let mut balance = INITIAL_BALANCE;
    for earlier in (1..n).filter(|earlier| earlier.is_multiple_of(4)) {
        balance += deal_of(earlier).balance_change();
    }
    balance
}

fn plan(n: u64, balance: f64) -> Planned {
    if n.is_multiple_of(4) {
        return Planned::Deal(deal_of(n));
    }
    let noise = mix(n);
    Planned::Snapshot(Snapshot {
        time_ms: time_of(n),
        balance,
        equity: balance + (noise % 400) as f64 - 200.0,
        margin: 10.0,
        free_margin: balance - 10.0,
        connected: true,
        open_positions: (noise % 3) as u32,
        pending_orders: 0,
    })
}

fn store_config() -> StoreConfig {
    StoreConfig {
        snapshot_interval_ms: 0,
        ..StoreConfig::default()
    }
}

fn guard_config() -> Config {
    Config {
        store: store_config(),
        ..Config::default()
    }
}

fn history_of<'a>(deals: &'a [Deal], restart: &Restart) -> History<'a> {
    History {
        deals,
        covered_from_ms: START_MS,
        account_start_ms: Some(START_MS),
        balance: restart.balance,
        equity: restart.equity,
        open_positions: restart.open_positions,
        time_ms: restart.time_ms,
    }
}

/// Reads what a restart needs from the store: the sequence number of the saved engine
/// state, the journaled deals and the number of journaled events.
fn read_restart_inputs(path: &Path) -> (Seq, Vec<Deal>, u64) {
    if !path.exists() {
        return (0, Vec::new(), 0);
    }
    let reader = StoreReader::open(path, &store_config()).expect("child reads the store");
    let restored = reader
        .load_state::<EngineState>(ENGINE_STATE_KEY)
        .unwrap()
        .map_or(0, |state| state.seq);
    let deals = reader.deals_since(i64::MIN).unwrap();
    let events =
        reader.count(RecordKind::Snapshot).unwrap() + reader.count(RecordKind::Deal).unwrap();
    (restored, deals, events)
}

fn run_child(dir: &Path, seed: u64) {
    let path = dir.join(&store_config().file);
    let (restored_seq, deals, events) = read_restart_inputs(&path);
    let mut guard = Guard::open(guard_config(), dir).expect("child opens the guard");
    let mut n = events + 1;
    let mut balance = balance_before(n);
    let restart = Restart {
        restored_seq,
        time_ms: time_of(n) - 1_000,
        balance,
        equity: balance,
        open_positions: 0,
    };
    guard
        .persistence_mut()
        .journal_mut()
        .append(Record::Event {
            kind: RecordKind::Maintenance,
            time_ms: restart.time_ms,
            body: serde_json::to_string(&restart).unwrap(),
        })
        .expect("child journals the restart");
    guard.load_history(&history_of(&deals, &restart));

    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "ready 0 0 0").unwrap();
    // Events and state saves not yet acknowledged: (sequence number, event, is a state).
    let mut pending: VecDeque<(Seq, u64, bool)> = VecDeque::new();
    let (mut reported, mut acked_event, mut acked_state) = (0, 0, 0);
    let mut rng = seed | 1;
    loop {
        let before = guard.persistence().journal().last_seq();
        let saved_before = guard.persistence().last_engine_save_seq();
        match plan(n, balance) {
            Planned::Deal(deal) => {
                guard.on_deal(&deal);
                balance += deal.balance_change();
            }
            Planned::Snapshot(snapshot) => {
                guard.on_snapshot(&snapshot);
            }
        }
        let after = guard.persistence().journal().last_seq();
        assert!(after > before, "event {n} was not journaled");
        pending.push_back((before + 1, n, false));
        let saved = guard.persistence().last_engine_save_seq();
        if saved != saved_before {
            pending.push_back((saved, n, true));
        }
        n += 1;

        let journal = guard.persistence().journal();
        while journal.last_seq() - journal.acked_seq() > MAX_UNACKED {
            std::thread::sleep(Duration::from_micros(200));
        }
        let acked = journal.acked_seq();
        while pending.front().is_some_and(|(seq, _, _)| *seq <= acked) {
            let (seq, event, is_state) = pending.pop_front().unwrap();
            if is_state {
                acked_state = seq;
            } else {
                acked_event = event;
            }
        }
        if acked != reported {
            writeln!(stdout, "ack {acked} {acked_event} {acked_state}").unwrap();
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

/// What the child had acknowledged when it was killed.
#[derive(Debug, Clone, Copy, Default)]
struct Acked {
    seq: Seq,
    event: u64,
    state_seq: Seq,
}

/// When the parent kills the child.
#[derive(Debug, Clone, Copy)]
enum KillAt {
    /// This long after the spawn, possibly while the guard opens or loads the history.
    AfterSpawn(Duration),
    /// This long after the child reported that the guard is open and the history loaded.
    AfterReady(Duration),
}

/// One kill: returns the newest acknowledgement the child printed.
fn run_cycle(dir: &Path, kill_at: KillAt, seed: u64) -> Acked {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .arg("--child")
        .arg(dir)
        .arg(seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the child");
    let stdout = child.stdout.take().unwrap();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut acked = Acked::default();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.starts_with("ready") {
                let _ = ready_tx.send(());
            }
            let fields: Vec<u64> = line
                .split(' ')
                .skip(1)
                .map(|field| field.parse().unwrap_or(0))
                .collect();
            if let [seq, event, state_seq] = fields[..] {
                acked.seq = acked.seq.max(seq);
                acked.event = acked.event.max(event);
                acked.state_seq = acked.state_seq.max(state_seq);
            }
        }
        acked
    });
    match kill_at {
        KillAt::AfterSpawn(delay) => std::thread::sleep(delay),
        KillAt::AfterReady(delay) => {
            // A child that dies before it is ready closes the channel, which ends the wait.
            let _ = ready_rx.recv_timeout(Duration::from_secs(30));
            std::thread::sleep(delay);
        }
    }
    child.kill().expect("SIGKILL the child");
    child.wait().unwrap();
    reader.join().unwrap()
}

fn expected_body(n: u64, balance: f64) -> String {
    match plan(n, balance) {
        Planned::Deal(deal) => serde_json::to_string(&deal).unwrap(),
        Planned::Snapshot(snapshot) => serde_json::to_string(&snapshot).unwrap(),
    }
}

/// The reference: a fresh compliance engine fed the journal rows of one directory,
/// restarted at every marker as the guard was. It checks each event row against the
/// plan (its body byte for byte and its time) and keeps the engine state at the
/// sequence numbers a restart may restore.
struct Reference {
    engine: Engine,
    deals: Vec<Deal>,
    balance: f64,
    events: u64,
    restarts: u64,
    /// Sequence number of the last row replayed.
    after: Seq,
    /// The reference state after every row below each requested sequence number.
    states: BTreeMap<Seq, EngineState>,
}

impl Reference {
    fn new() -> Reference {
        Reference {
            engine: Engine::new(guard_config().rules).unwrap(),
            deals: Vec::new(),
            balance: INITIAL_BALANCE,
            events: 0,
            restarts: 0,
            after: 0,
            states: BTreeMap::new(),
        }
    }

    /// Replays the rows after the last one replayed, keeping the state at each
    /// sequence number in `wanted`.
    fn advance(&mut self, reader: &StoreReader, mut wanted: Vec<Seq>) {
        wanted.sort_unstable();
        wanted.dedup();
        let mut wanted = wanted.into_iter().peekable();
        loop {
            let rows = reader.records_after(self.after, 10_000).unwrap();
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                while let Some(seq) = wanted.next_if(|seq| *seq < row.seq) {
                    self.keep_state(seq);
                }
                self.apply(row);
                self.after = row.seq;
            }
        }
        for seq in wanted {
            self.keep_state(seq);
        }
    }

    /// Keeps the current state as the one saved at `seq`, unless an earlier replay
    /// already kept it, because a sequence number names one save, taken before the rows that
    /// came after it.
    fn keep_state(&mut self, seq: Seq) {
        if !self.states.contains_key(&seq) {
            self.states.insert(seq, self.engine.state().clone());
        }
    }

    fn apply(&mut self, row: &StoredRecord) {
        let rules = guard_config().rules;
        if row.kind == RecordKind::Maintenance {
            let restart: Restart = serde_json::from_str(&row.body).expect("restart marker");
            self.engine = match restart.restored_seq {
                0 => Engine::new(rules).unwrap(),
                seq => {
                    let saved = self.states.get(&seq).unwrap_or_else(|| {
                        panic!(
                            "row {} restores state {seq}, which was never saved",
                            row.seq
                        )
                    });
                    Engine::from_state(rules, saved.clone()).unwrap()
                }
            };
            self.engine.load_history(&history_of(&self.deals, &restart));
            self.restarts += 1;
            return;
        }
        let n = self.events + 1;
        assert_eq!(
            row.body,
            expected_body(n, self.balance),
            "row {} (event {n}) is corrupt",
            row.seq
        );
        assert_eq!(
            row.time_ms,
            time_of(n),
            "row {} has the wrong time",
            row.seq
        );
        match plan(n, self.balance) {
            Planned::Deal(deal) => {
                self.engine.on_deal(&deal);
                self.balance += deal.balance_change();
                self.deals.push(deal);
            }
            Planned::Snapshot(snapshot) => {
                self.engine.on_snapshot(&snapshot);
            }
        }
        self.events = n;
    }
}

/// Sequence numbers of the states the restart markers in the store restored.
fn restored_seqs(reader: &StoreReader) -> Vec<Seq> {
    reader
        .records_of(RecordKind::Maintenance, i64::MIN, i64::MAX)
        .unwrap()
        .iter()
        .map(|row| {
            serde_json::from_str::<Restart>(&row.body)
                .unwrap()
                .restored_seq
        })
        .filter(|seq| *seq != 0)
        .collect()
}

/// Checks the store after a kill against the acknowledgements and the reference, which
/// replays only the rows added since the last check unless `full` requests an
/// integrity check and a replay of the whole journal.
fn check_store(dir: &Path, acked: Acked, reference: &mut Reference, full: bool) {
    let path = dir.join(&store_config().file);
    if !path.exists() {
        // A child killed before it created the database acknowledged nothing, so nothing
        // can be missing.
        assert_eq!(
            acked.seq, 0,
            "{acked:?} was acknowledged, but there is no database"
        );
        return;
    }
    let reader = StoreReader::open(&path, &store_config()).expect("reopen after kill");
    let last = reader.last_seq().unwrap();
    assert!(
        last >= acked.seq,
        "store ends at {last}, but {} was acknowledged",
        acked.seq
    );
    let stored = reader.load_state::<EngineState>(ENGINE_STATE_KEY).unwrap();
    let mut wanted = Vec::new();
    if full {
        reader
            .integrity_check()
            .expect("integrity check after kill");
        *reference = Reference::new();
        wanted = restored_seqs(&reader);
    }
    wanted.extend(stored.as_ref().map(|state| state.seq));
    reference.advance(&reader, wanted);
    assert!(
        reference.events >= acked.event,
        "event {} was acknowledged, but the journal ends at event {}",
        acked.event,
        reference.events
    );
    let Some(stored) = stored else {
        assert_eq!(
            acked.state_seq, 0,
            "state {} was acknowledged but is gone",
            acked.state_seq
        );
        return;
    };
    assert!(
        stored.seq >= acked.state_seq,
        "stored state {} is older than acknowledged state {}",
        stored.seq,
        acked.state_seq
    );
    assert!(
        stored.seq <= last,
        "stored state {} is past the high-water mark {last}",
        stored.seq
    );
    assert_eq!(
        &stored.value, &reference.states[&stored.seq],
        "engine state at {} differs from the replay of {} events and {} restarts",
        stored.seq, reference.events, reference.restarts
    );
}

fn run_parent(cycles: u64) {
    let root = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut rng: u64 = 0x5DEE_CE66_D1CE_4E5B ^ u64::from(std::process::id());
    let mut dir = PathBuf::new();
    let mut reference = Reference::new();
    let mut total_acked = 0;
    let mut kills_before_ack = 0;
    let mut checking = Duration::ZERO;
    for cycle in 0..cycles {
        if cycle % CYCLES_PER_DIR == 0 {
            dir = root.path().join(format!("state-{cycle}"));
            std::fs::create_dir_all(&dir).unwrap();
            reference = Reference::new();
        }
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        // One kill in eight lands at any moment of the start: the open, the history load or
        // the first commits. The others land while the child appends.
        let kill_at = if rng.is_multiple_of(8) {
            KillAt::AfterSpawn(Duration::from_micros(rng % 80_000))
        } else {
            KillAt::AfterReady(Duration::from_micros(5_000 + rng % 40_000))
        };
        let acked = run_cycle(&dir, kill_at, rng >> 3);
        let events_before = reference.events;
        if acked.event <= events_before {
            kills_before_ack += 1;
        }
        let full = cycle % 25 == 24 || cycle + 1 == cycles;
        let check_started = Instant::now();
        check_store(&dir, acked, &mut reference, full);
        checking += check_started.elapsed();
        total_acked += acked.event.saturating_sub(events_before);
    }
    println!(
        "crash test: {cycles} kills, {total_acked} acknowledged events checked against the \
         engine replay, {kills_before_ack} kills before a new acknowledgement, {:.1} s \
         ({:.1} s checking)",
        started.elapsed().as_secs_f64(),
        checking.as_secs_f64()
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

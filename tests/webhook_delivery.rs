//! Webhook delivery against a small HTTP server that the test starts on 127.0.0.1. The tests check
//! the retries with exponential backoff, the JSON body and the final acknowledgment to the outbox.
//! Against a server that never accepts, the item is reported failed and stays in the outbox.

mod watch_support;

use mikrobot::alerts::{
    AckOutcome, AlertConfig, AlertEngine, AlertSpec, Category, Contact, ContactsConfig, Priority,
    WebhookConfig, WebhookDelivery,
};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the server received.
#[derive(Debug, Clone)]
struct Received {
    at: Instant,
    path: String,
    content_type: Option<String>,
    body: String,
}

/// A server on 127.0.0.1 that returns 500 to the first `failures` requests and 200 after them.
struct Server {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Server {
    fn start(failures: usize) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("loopback port binds");
        let url = format!("http://{}/hook", listener.local_addr().expect("address"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let request = read_request(&stream);
                let count = {
                    let mut log = log.lock().expect("log lock");
                    log.push(request);
                    log.len()
                };
                let status = if count <= failures {
                    "500 Internal Server Error"
                } else {
                    "200 OK"
                };
                respond(stream, status);
            }
        });
        Server { url, received }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("log lock").clone()
    }
}

fn read_request(stream: &TcpStream) -> Received {
    let at = Instant::now();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).expect("request line");
    let path = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let mut length = 0;
    let mut content_type = None;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).expect("header line");
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap_or((header, ""));
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().expect("length"),
            "content-type" => content_type = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    Received {
        at,
        path,
        content_type,
        body: String::from_utf8(body).expect("UTF-8 body"),
    }
}

fn respond(mut stream: TcpStream, status: &str) {
    let response = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let _ = stream.write_all(response.as_bytes());
}

/// Builds an alert engine that sends every alert's notifications to the webhook `url` only.
fn engine(url: &str) -> AlertEngine {
    let mut config = AlertConfig::default();
    for channels in config.channels.values_mut() {
        channels.retain(|channel| *channel == mikrobot::alerts::Channel::Webhook);
    }
    let mut contacts = ContactsConfig::default();
    for role in config.escalation_paths.values().flatten() {
        contacts.roles.insert(
            role.clone(),
            vec![Contact {
                name: role.clone(),
                email: None,
                sms: None,
                webhook: Some(url.to_owned()),
            }],
        );
    }
    AlertEngine::new(config, contacts)
}

fn spec(priority: Priority) -> AlertSpec {
    AlertSpec {
        key: "system.disk".into(),
        priority,
        category: Category::System,
        message: "disk 97% full".into(),
        details: "the state directory's volume".into(),
        action: "free space on the volume".into(),
    }
}

/// Pumps until the worker has acknowledged one item, at most 20 s.
fn pump_until_acknowledged(
    delivery: &mut WebhookDelivery,
    alerts: &mut AlertEngine,
    now_ms: i64,
) -> (mikrobot::alerts::WebhookResult, AckOutcome) {
    let started = Instant::now();
    let sent = delivery.pump(alerts, now_ms).sent;
    assert_eq!(sent, 1, "one webhook item is handed to the worker");
    while started.elapsed() < Duration::from_secs(20) {
        if delivery.wait_result(Duration::from_millis(100)) {
            let mut pumped = delivery.pump(alerts, now_ms);
            assert_eq!(pumped.acknowledged.len(), 1);
            return pumped.acknowledged.remove(0);
        }
    }
    panic!("the worker did not finish within 20 s");
}

const BASE_MS: u64 = 100;

fn webhook_config(attempts: u32) -> WebhookConfig {
    WebhookConfig {
        attempts,
        base_delay_ms: BASE_MS,
        max_delay_ms: 250,
        timeout_ms: 2_000,
    }
}

#[test]
fn retries_then_delivers_with_backoff() {
    let server = Server::start(3);
    let mut alerts = engine(&server.url);
    let id = alerts.raise(spec(Priority::High), 1_000).id();
    let item = alerts.state().dispatch.outbox.items().next().cloned();
    let item = item.expect("a webhook item is queued");
    let mut delivery = WebhookDelivery::start(webhook_config(5)).expect("worker starts");

    let (result, outcome) = pump_until_acknowledged(&mut delivery, &mut alerts, 2_000);
    assert!(result.delivered, "{result:?}");
    assert_eq!(result.attempts, 4, "three failures, then success");
    assert_eq!(outcome, AckOutcome::Delivered);
    assert!(alerts.state().dispatch.outbox.is_empty());
    assert_eq!(alerts.state().dispatch.outbox.stats().delivered, 1);
    assert_eq!(delivery.in_flight(), 0);

    let received = server.received();
    assert_eq!(received.len(), 4);
    // Waits of 100, 200 and then 250 ms (the cap), each within 1 s of slack for a loaded machine.
    let expected = [100, 200, 250];
    for (pair, wait_ms) in received.windows(2).zip(expected) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(
            gap >= Duration::from_millis(wait_ms),
            "gap {gap:?} < {wait_ms} ms"
        );
        assert!(gap < Duration::from_millis(wait_ms + 1_000), "gap {gap:?}");
    }
    for request in &received {
        assert_eq!(request.path, "/hook");
        assert_eq!(request.content_type.as_deref(), Some("application/json"));
        assert_eq!(request.body, item.text, "the item's JSON, unchanged");
    }
    let body: serde_json::Value = serde_json::from_str(&received[0].body).expect("JSON body");
    assert_eq!(body["alert_id"], id);
    assert_eq!(body["priority"], "HIGH");
    assert_eq!(body["key"], "system.disk");
    assert_eq!(body["kind"], "raised");
    assert_eq!(body["message"], "disk 97% full");
}

#[test]
fn failing_server_keeps_high_item() {
    let server = Server::start(usize::MAX);
    let mut alerts = engine(&server.url);
    alerts.raise(spec(Priority::High), 1_000);
    let mut delivery = WebhookDelivery::start(webhook_config(3)).expect("worker starts");

    let (result, outcome) = pump_until_acknowledged(&mut delivery, &mut alerts, 2_000);
    assert!(!result.delivered);
    assert_eq!(result.attempts, 3);
    let error = result.error.expect("the failure is reported");
    assert!(error.contains("500"), "{error}");
    assert_eq!(server.received().len(), 3);
    let retry_at = alerts.config().delivery.retry_base_ms + 2_000;
    assert_eq!(outcome, AckOutcome::RetryAt(retry_at));
    let outbox = &alerts.state().dispatch.outbox;
    assert_eq!(outbox.len(), 1, "nothing lost");
    let item = outbox.items().next().expect("item");
    assert_eq!(item.attempts, 1);
    assert_eq!(item.leased_until_ms, None);
    assert_eq!(outbox.stats().failed_attempts, 1);
    // Until the outbox's own backoff passes, the pump offers nothing.
    assert_eq!(delivery.pump(&mut alerts, 2_001).sent, 0);
}

#[test]
fn refused_connection_keeps_critical_item() {
    // Bind and drop a listener so the port is closed: every connection is refused.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("loopback port")
        .port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let mut alerts = engine(&url);
    alerts.raise(spec(Priority::Critical), 1_000);
    let config = alerts.config().delivery.clone();
    let mut delivery = WebhookDelivery::start(webhook_config(2)).expect("worker starts");

    let mut now = 2_000;
    for round in 1..=config.max_attempts + 1 {
        let (result, outcome) = pump_until_acknowledged(&mut delivery, &mut alerts, now);
        assert!(!result.delivered, "round {round}");
        assert_eq!(result.attempts, 2);
        let AckOutcome::RetryAt(at) = outcome else {
            panic!("round {round}: a CRITICAL item is never given up: {outcome:?}");
        };
        now = at;
    }
    let outbox = &alerts.state().dispatch.outbox;
    assert_eq!(outbox.len(), 1, "the CRITICAL item stays");
    assert_eq!(outbox.stats().given_up, 0);
}

#[test]
fn https_url_fails_without_retries() {
    let mut alerts = engine("https://127.0.0.1:9/hook");
    alerts.raise(spec(Priority::High), 1_000);
    let mut delivery = WebhookDelivery::start(webhook_config(3)).expect("worker starts");
    let (result, outcome) = pump_until_acknowledged(&mut delivery, &mut alerts, 2_000);
    assert!(!result.delivered);
    assert_eq!(result.attempts, 0, "no request is made");
    let error = result.error.expect("the failure is reported");
    assert!(error.contains("only http:// URLs"), "{error}");
    assert!(matches!(outcome, AckOutcome::RetryAt(_)), "{outcome:?}");
}

#[test]
fn invalid_settings_are_rejected() {
    let cases = [
        WebhookConfig {
            attempts: 0,
            ..WebhookConfig::default()
        },
        WebhookConfig {
            timeout_ms: 0,
            ..WebhookConfig::default()
        },
        WebhookConfig {
            base_delay_ms: 5_000,
            max_delay_ms: 1_000,
            ..WebhookConfig::default()
        },
    ];
    for config in cases {
        let error = WebhookDelivery::start(config.clone()).expect_err("invalid");
        assert!(error.to_string().contains("invalid"), "{config:?}: {error}");
    }
}

#[test]
fn delay_doubles_up_to_cap() {
    let config = WebhookConfig {
        base_delay_ms: 100,
        max_delay_ms: 1_000,
        ..WebhookConfig::default()
    };
    let delays: Vec<u128> = (1..=6).map(|n| config.delay_after(n).as_millis()).collect();
    assert_eq!(delays, [100, 200, 400, 800, 1_000, 1_000]);
    assert_eq!(config.delay_after(u32::MAX).as_millis(), 1_000);
}

#[test]
fn guard_delivery_survives_reopen() {
    use mikrobot::guard::Guard;
    use watch_support::{empty_history, snapshot, START};

    let server = Server::start(1);
    let mut config = watch_support::config_with(&["compliance_officer"], |role| Contact {
        name: role.into(),
        email: None,
        sms: None,
        webhook: Some(server.url.clone()),
    });
    config.alerts.webhook = webhook_config(3);
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut guard = Guard::open(config.clone(), dir.path()).expect("guard opens");
    guard.load_history(&empty_history(START, 100_000.0));
    guard.on_snapshot(&snapshot(START + 60_000, 94_000.0));
    let webhook_items = |guard: &Guard| {
        let outbox = &guard.watch().alerts().state().dispatch.outbox;
        let items = outbox.items();
        items
            .filter(|item| item.channel == mikrobot::alerts::Channel::Webhook)
            .count()
    };
    let queued = webhook_items(&guard);
    assert!(queued > 0, "the breach queues a webhook item");

    let mut delivery = WebhookDelivery::start(config.alerts.webhook.clone()).expect("starts");
    let mut delivered = 0;
    let started = Instant::now();
    while delivered < queued && started.elapsed() < Duration::from_secs(20) {
        delivery.wait_result(Duration::from_millis(50));
        let pumped = delivery.pump(&mut guard, START + 61_000);
        for (result, outcome) in &pumped.acknowledged {
            assert_eq!(*outcome, AckOutcome::Delivered, "{result:?}");
            delivered += 1;
        }
    }
    assert_eq!(delivered, queued);
    assert_eq!(webhook_items(&guard), 0);
    // A crash after the acknowledgments: only what the writer committed is read back.
    guard.persistence().flush().expect("writer commits");
    std::mem::forget(guard);

    let guard = Guard::open(config, dir.path()).expect("guard reopens");
    assert_eq!(
        webhook_items(&guard),
        0,
        "delivered webhooks are not sent again"
    );
    assert_eq!(
        server.received().len(),
        queued + 1,
        "one failure, then each item once"
    );
}

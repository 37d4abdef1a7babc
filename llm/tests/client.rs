//! The client against a real HTTP server on 127.0.0.1: structured replies, every fault
//! class, budgets, the run store, and the API key kept out of everything written.

mod support;

use schemars::JsonSchema;
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{Reply, TestServer};
use vouch_llm::{
    ApiKey, BudgetKind, Cache, CacheMode, Client, LlmConfig, LlmError, Prompt, Store, StoreError,
};

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
struct Answer {
    answer: i64,
    reason: String,
}

fn prompt(k: usize) -> Prompt {
    Prompt {
        template: "test.answer@1".into(),
        system: "You answer questions.".into(),
        user: format!("question {k}"),
    }
}

fn config(server: &TestServer) -> LlmConfig {
    LlmConfig {
        base_url: Some(server.url.clone()),
        model: Some("test-model".into()),
        timeout_secs: 2,
        ..LlmConfig::default()
    }
}

fn client(server: &TestServer, store: &Path, mode: CacheMode, cfg: LlmConfig) -> Client {
    let _ = server;
    let cache = Cache::new(Some(Store::open(store).expect("store")), mode);
    Client::new(cfg, Some(ApiKey::new("sk-vouch-test-SECRET-4242")), cache).expect("client")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_structured_call_sends_the_schema_and_is_recorded() {
    let server = TestServer::start().await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    let c = client(&server, &db, CacheMode::ReadWrite, config(&server));
    let (a, usage) = c.call::<Answer>("test", &prompt(7)).await.expect("call");
    assert_eq!(
        a,
        Answer {
            answer: 7,
            reason: "because".into()
        }
    );
    assert_eq!(
        (
            usage.calls,
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.cache_hits
        ),
        (1, 50, 10, 0)
    );
    let body = &server.bodies()[0];
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert!(body["response_format"]["json_schema"]["schema"]["properties"]["answer"].is_object());
    assert_eq!(
        server.shared.auth.lock().expect("lock")[0].as_deref(),
        Some("Bearer sk-vouch-test-SECRET-4242")
    );

    // A second client on the same store makes no call.
    let c2 = client(&server, &db, CacheMode::ReadWrite, config(&server));
    let (a2, usage2) = c2.call::<Answer>("test", &prompt(7)).await.expect("cached");
    assert_eq!(a2.answer, 7);
    assert_eq!((usage2.calls, usage2.cache_hits), (0, 1));
    assert_eq!(server.calls(), 1);
    let report = c2.usage();
    assert_eq!(report.by_stage["test"].cache_hits, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_and_server_errors_are_retried() {
    let server = TestServer::start().await;
    let tmp = tempfile::tempdir().expect("tempdir");
    server.push(Reply::Status(429, Some("1")));
    server.push(Reply::Status(500, None));
    server.push(Reply::Status(503, None));
    let c = client(
        &server,
        &tmp.path().join("db"),
        CacheMode::ReadWrite,
        config(&server),
    );
    let started = Instant::now();
    let (a, usage) = c
        .call::<Answer>("test", &prompt(3))
        .await
        .expect("recovers");
    assert_eq!(a.answer, 3);
    assert_eq!(usage.retries, 3);
    assert_eq!(server.calls(), 4);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was not honoured"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hung_connection_times_out_and_is_retried() {
    let server = TestServer::start().await;
    let tmp = tempfile::tempdir().expect("tempdir");
    server.push(Reply::Hang(Duration::from_secs(10)));
    let cfg = LlmConfig {
        timeout_secs: 1,
        ..config(&server)
    };
    let c = client(&server, &tmp.path().join("db"), CacheMode::ReadWrite, cfg);
    let (a, usage) = c
        .call::<Answer>("test", &prompt(5))
        .await
        .expect("recovers");
    assert_eq!((a.answer, usage.retries), (5, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_that_persist_end_as_typed_errors() {
    let server = TestServer::start().await;
    let tmp = tempfile::tempdir().expect("tempdir");
    for _ in 0..3 {
        server.push(Reply::Status(500, None));
    }
    let cfg = LlmConfig {
        max_retries: 2,
        ..config(&server)
    };
    let c = client(&server, &tmp.path().join("db"), CacheMode::ReadWrite, cfg);
    let err = c
        .call::<Answer>("test", &prompt(1))
        .await
        .expect_err("gives up");
    assert!(matches!(err, LlmError::Http { status: 500, .. }), "{err}");
    assert_eq!(c.usage().total.failures, 1);

    server.push(Reply::Status(401, None));
    let err = c
        .call::<Answer>("test", &prompt(2))
        .await
        .expect_err("unauthorized");
    assert!(
        matches!(err, LlmError::Unauthorized { status: 401, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("OPENAI_API_KEY"));
    assert!(!err.to_string().contains("SECRET"));
}

#[tokio::test(flavor = "multi_thread")]
async fn truncated_and_invalid_json_is_repaired_once_then_an_error() {
    let server = TestServer::start().await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let c = client(
        &server,
        &tmp.path().join("db"),
        CacheMode::ReadWrite,
        config(&server),
    );
    server.push(Reply::Content("{\"answer\": 4, \"rea".into()));
    let (a, usage) = c
        .call::<Answer>("test", &prompt(4))
        .await
        .expect("repaired");
    assert_eq!((a.answer, usage.repairs, usage.calls), (4, 1, 2));
    let repair = &server.bodies()[1];
    let last = repair["messages"]
        .as_array()
        .and_then(|m| m.last())
        .expect("messages");
    assert!(
        last["content"]
            .as_str()
            .is_some_and(|t| t.contains("truncated")),
        "{last}"
    );

    server.push(Reply::Content("{\"answer\": \"many\"}".into()));
    server.push(Reply::Content("not json at all".into()));
    let err = c
        .call::<Answer>("test", &prompt(9))
        .await
        .expect_err("still invalid");
    assert!(matches!(err, LlmError::InvalidReply { .. }), "{err}");

    server.push(Reply::Content(
        "```json\n{\"answer\": 6, \"reason\": \"fenced\"}\n```".into(),
    ));
    let (a, usage) = c.call::<Answer>("test", &prompt(6)).await.expect("fenced");
    assert_eq!((a.reason.as_str(), usage.repairs), ("fenced", 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_json_schema_falls_back_to_json_object_for_the_endpoint() {
    let server = TestServer::start().await;
    let tmp = tempfile::tempdir().expect("tempdir");
    server.push(Reply::RefuseSchema);
    let c = client(
        &server,
        &tmp.path().join("db"),
        CacheMode::ReadWrite,
        config(&server),
    );
    let (a, _) = c
        .call::<Answer>("test", &prompt(8))
        .await
        .expect("falls back");
    assert_eq!(a.answer, 8);
    c.call::<Answer>("test", &prompt(9))
        .await
        .expect("second call");
    let kinds: Vec<String> = server
        .bodies()
        .iter()
        .map(|b| {
            b["response_format"]["type"]
                .as_str()
                .unwrap_or("none")
                .to_string()
        })
        .collect();
    assert_eq!(kinds, ["json_schema", "json_object", "json_object"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn with_max_calls_k_exactly_k_calls_reach_the_server() {
    let server = TestServer::start().await;
    server
        .shared
        .latency_ms
        .store(50, std::sync::atomic::Ordering::SeqCst);
    let tmp = tempfile::tempdir().expect("tempdir");
    let cfg = LlmConfig {
        max_calls: Some(3),
        ..config(&server)
    };
    let c = Arc::new(client(
        &server,
        &tmp.path().join("db"),
        CacheMode::ReadWrite,
        cfg,
    ));
    let mut tasks = Vec::new();
    for k in 0..10 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            c.call::<Answer>("test", &prompt(k)).await
        }));
    }
    let mut ok = 0;
    let mut exhausted = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => ok += 1,
            Err(LlmError::BudgetExhausted(BudgetKind::Calls)) => exhausted += 1,
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!((ok, exhausted, server.calls()), (3, 7, 3));
    assert_eq!(c.usage().budget_spent, Some(BudgetKind::Calls));
    // What was done is saved.
    assert_eq!(
        c.cache()
            .store()
            .expect("store")
            .stats()
            .expect("stats")
            .replies,
        3
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_mode_uses_only_recorded_replies() {
    let server = TestServer::start().await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    client(&server, &db, CacheMode::ReadWrite, config(&server))
        .call::<Answer>("test", &prompt(1))
        .await
        .expect("record");
    let replay = client(&server, &db, CacheMode::Replay, config(&server));
    assert_eq!(
        replay
            .call::<Answer>("test", &prompt(1))
            .await
            .expect("replayed")
            .0
            .answer,
        1
    );
    let err = replay
        .call::<Answer>("test", &prompt(2))
        .await
        .expect_err("miss");
    assert!(
        matches!(err, LlmError::Store(StoreError::ReplayMiss { .. })),
        "{err}"
    );
    assert_eq!(server.calls(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_probe_turns_a_wrong_url_or_key_into_one_clear_error() {
    let server = TestServer::start().await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let c = client(
        &server,
        &tmp.path().join("db"),
        CacheMode::Off,
        config(&server),
    );
    assert_eq!(c.probe().await.expect("models"), ["test-model"]);
    // Nothing listens on port 9 of loopback.
    let cfg = LlmConfig {
        base_url: Some("http://127.0.0.1:9/v1".into()),
        ..config(&server)
    };
    let c = client(&server, &tmp.path().join("db"), CacheMode::Off, cfg);
    let err = c.probe().await.expect_err("unreachable");
    assert!(matches!(err, LlmError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("127.0.0.1:9"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_key_is_never_written() {
    let server = TestServer::start().await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    let c = client(&server, &db, CacheMode::ReadWrite, config(&server));
    for k in 0..5 {
        c.call::<Answer>("test", &prompt(k)).await.expect("call");
    }
    let debug = format!("{c:?} {:?}", ApiKey::new("sk-vouch-test-SECRET-4242"));
    assert!(!debug.contains("SECRET"), "{debug}");
    drop(c);
    for entry in std::fs::read_dir(tmp.path()).expect("dir") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        assert!(
            !bytes.windows(6).any(|w| w == b"SECRET"),
            "the key is in {}",
            path.display()
        );
    }
}

//! A run of N calls killed with SIGKILL midway, restarted, makes exactly the calls it
//! had not finished (counted at the server); a third run makes none.

mod support;

use schemars::JsonSchema;
use serde::Deserialize;
use std::sync::atomic::Ordering;
use std::time::Duration;
use support::TestServer;
use vouch_llm::{ApiKey, Cache, CacheMode, Client, LlmConfig, Prompt, Store};

const N: usize = 40;

#[derive(Debug, Deserialize, JsonSchema)]
struct Answer {
    answer: i64,
    reason: String,
}

async fn run(url: &str, db: &std::path::Path) -> u64 {
    let config = LlmConfig {
        base_url: Some(url.to_string()),
        model: Some("test-model".into()),
        max_concurrency: 4,
        ..LlmConfig::default()
    };
    let cache = Cache::new(Some(Store::open(db).expect("store")), CacheMode::ReadWrite);
    let client =
        std::sync::Arc::new(Client::new(config, Some(ApiKey::new("k")), cache).expect("client"));
    let mut tasks = Vec::new();
    for k in 0..N {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let prompt = Prompt {
                template: "test.resume@1".into(),
                system: "s".into(),
                user: format!("question {k}"),
            };
            let (a, _) = client.call::<Answer>("test", &prompt).await.expect("call");
            assert_eq!(a.answer, k as i64);
            assert!(!a.reason.is_empty());
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    client.usage().total.calls
}

/// Run only as a child of `a_killed_run_resumes_without_repeating_finished_calls`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a helper process for the resume test"]
async fn child_run() {
    let (Some(url), Some(db)) = (
        std::env::var_os("VOUCH_TEST_URL"),
        std::env::var_os("VOUCH_TEST_DB"),
    ) else {
        return;
    };
    run(&url.to_string_lossy(), std::path::Path::new(&db)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_run_resumes_without_repeating_finished_calls() {
    let server = TestServer::start().await;
    server.shared.latency_ms.store(30, Ordering::SeqCst);
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    let mut child = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args(["--ignored", "--exact", "child_run", "--nocapture"])
        .env("VOUCH_TEST_URL", &server.url)
        .env("VOUCH_TEST_DB", &db)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    while server.calls() < (N / 2) as u64 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let first = server.calls();
    assert!(
        first < N as u64,
        "the first run finished before it was killed"
    );
    let recorded = Store::open(&db)
        .expect("store")
        .stats()
        .expect("stats")
        .replies;
    assert!(
        recorded >= (N / 2 - 4) as u64 && recorded <= first,
        "recorded {recorded} of {first} calls"
    );

    // The restart makes exactly the calls that were not recorded.
    let made = run(&server.url, &db).await;
    assert_eq!(made, N as u64 - recorded);
    assert_eq!(server.calls() - first, made);
    // A third run on the same store makes none.
    assert_eq!(run(&server.url, &db).await, 0);
    assert_eq!(server.calls() - first, made);
}

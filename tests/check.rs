//! `vouch check` on a seeded-bug corpus function: a run recorded in the run store
//! against the stand-in model, then replayed from the store alone, with the same
//! verdicts, evidence lines and deciders.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/rb1.rs"]
mod rb1;
#[path = "../specgen/tests/stand_in/mod.rs"]
mod stand_in;
#[path = "../llm/tests/support/mod.rs"]
mod support;

use cli::vouch;
use rb1::finds_rb1;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Output;
use support::TestServer;

fn verdicts(out: &Output) -> Vec<Value> {
    report(out)["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            json!({
                "id": r["id"], "verdict": r["verdict"], "violations": r["violations"],
            })
        })
        .collect()
}

/// The JSON report a `vouch check --format json` run printed.
fn report(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recorded_check_replays_with_the_same_verdicts() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpora/c-ringbuf");
    let corpus = corpus.to_str().expect("utf-8");
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("vouch.db");
    let store = store.to_str().expect("utf-8");
    let server = TestServer::start().await;
    server.respond_with(finds_rb1);
    let args = [
        "check",
        corpus,
        "--model",
        "test-model",
        "--store",
        store,
        "--format",
        "json",
    ];
    let mut recorded_args = args.to_vec();
    recorded_args.extend([
        "--base-url",
        server.url.as_str(),
        "--function",
        "pkt_encode",
        "--function",
        "rb_push",
    ]);
    let first = vouch(&recorded_args, &[]).await;
    assert_eq!(
        first.status.code(),
        Some(1),
        "a violation: {}",
        String::from_utf8_lossy(&first.stderr)
    );
    let recorded = verdicts(&first);
    assert_eq!(recorded.len(), 2);
    let rb1 = recorded
        .iter()
        .find(|v| {
            v["id"]
                .as_str()
                .is_some_and(|id| id.contains("::pkt_encode#"))
        })
        .expect("pkt_encode");
    assert_eq!(rb1["verdict"], "violated");
    let broken = rb1["violations"].as_array().expect("violations");
    assert_eq!(broken.len(), 1, "{rb1:#}");
    assert_eq!(broken[0]["evidence_lines"], json!([50, 51]));
    assert_eq!(broken[0]["decided_by"], "model");
    let push = recorded
        .iter()
        .find(|v| v["id"].as_str().is_some_and(|id| id.contains("::rb_push#")))
        .expect("rb_push");
    assert_eq!(push["verdict"], "verified");
    let calls = server.calls();
    drop(server);

    // Replay: no model at all, only the store.
    let mut replay_args = args.to_vec();
    replay_args.extend([
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--cache",
        "replay",
        "--function",
        "pkt_encode",
        "--function",
        "rb_push",
    ]);
    let again = vouch(&replay_args, &[]).await;
    assert_eq!(
        again.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(verdicts(&again), recorded);
    let report = report(&again);
    assert_eq!(report["usage"]["total"]["calls"], 0);
    assert!(
        report["usage"]["total"]["cache_hits"]
            .as_u64()
            .is_some_and(|h| h >= calls),
        "{}",
        report["usage"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn test_code_is_left_out_unless_asked_for() {
    // c-ringbuf's tests/test_ringbuf.c holds `main` and seven test functions: their
    // calls shape the library's specs, but they are checked only with --check-tests.
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpora/c-ringbuf");
    let corpus = corpus.to_str().expect("utf-8");
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("vouch.db");
    let server = TestServer::start().await;
    server.respond_with(finds_rb1);
    let store = store.to_str().expect("utf-8");
    let base = [
        "check",
        corpus,
        "--model",
        "test-model",
        "--store",
        store,
        "--base-url",
        server.url.as_str(),
        "--format",
        "json",
    ];
    let in_tests = |report: &Value| {
        report["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|r| r["file"].as_str().is_some_and(|f| f.starts_with("tests/")))
            .count()
    };

    let default = report(&vouch(&base, &[]).await);
    assert_eq!(
        default["summary"]["tests_not_checked"], 8,
        "{}",
        default["summary"]
    );
    assert_eq!(in_tests(&default), 0);

    let all = report(&vouch(&[&base[..], &["--check-tests"]].concat(), &[]).await);
    assert_eq!(all["summary"]["tests_not_checked"], 0, "{}", all["summary"]);
    assert_eq!(in_tests(&all), 8);
    assert_eq!(
        all["results"].as_array().map(Vec::len),
        default["results"].as_array().map(|r| r.len() + 8)
    );
}

//! End-to-end tests of `vouch cache` over a store seeded through the library.

use serde_json::json;
use std::process::{Command, Output};
use vouch_llm::{RequestKey, Store, StoredReply, TokenUsage};

fn vouch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vouch"))
        .args(args)
        .output()
        .expect("run vouch")
}

fn seed(root: &std::path::Path, n: usize) {
    let store = Store::open(&Store::path_for(root)).expect("open");
    for i in 0..n {
        let messages = json!([{"role": "user", "content": format!("q{i}")}]);
        let (schema, params) = (json!({}), json!({"temperature": 0}));
        let key = RequestKey {
            model: "small",
            template: "specgen.callee@1",
            messages: &messages,
            schema: &schema,
            params: &params,
        };
        let reply = StoredReply {
            content: "{}".into(),
            usage: TokenUsage {
                prompt_tokens: 10,
                completion_tokens: 3,
            },
            latency_ms: 5,
            model: "small".into(),
            system_fingerprint: None,
        };
        store.put(&key, &reply).expect("put");
    }
}

#[test]
fn stats_export_import_and_clear() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    seed(a.path(), 3);
    let root_a = a.path().to_str().expect("utf-8");
    let out = vouch(&["cache", "--root", root_a, "stats", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(stats["replies"], 3);
    assert_eq!(stats["prompt_tokens"], 30);

    let file = a.path().join("shared.db");
    let out = vouch(&[
        "cache",
        "--root",
        root_a,
        "export",
        file.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let root_b = b.path().to_str().expect("utf-8");
    let out = vouch(&[
        "cache",
        "--root",
        root_b,
        "import",
        file.to_str().expect("utf-8"),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("imported 3 new replies"));
    let out = vouch(&["cache", "--root", root_b, "stats"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("specgen.callee@1  3"));

    let out = vouch(&["cache", "--root", root_b, "clear"]);
    assert!(out.status.success());
    let stats: serde_json::Value =
        serde_json::from_slice(&vouch(&["cache", "--root", root_b, "stats", "--json"]).stdout)
            .expect("json");
    assert_eq!(stats["replies"], 0);
}

#[test]
fn a_missing_store_is_a_clear_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = vouch(&[
        "cache",
        "--root",
        tmp.path().to_str().expect("utf-8"),
        "stats",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no run store at"));
}

//! `vouch eval` on two seeded-bug corpora: recorded against the stand-in model (which
//! finds c-ringbuf's rb-1 and nothing else), then replayed from the run store twice with
//! the same scores; `--compare` against itself shows no change.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/rb1.rs"]
mod rb1;
#[path = "../specgen/tests/stand_in/mod.rs"]
mod stand_in;
#[path = "../llm/tests/support/mod.rs"]
mod support;

use cli::{repo, vouch_in};
use serde_json::Value;
use std::process::Output;
use support::TestServer;

/// The scores without the wall-clock times.
fn scores(stdout: &[u8]) -> Value {
    let mut v: Value = serde_json::from_slice(stdout).expect("eval JSON");
    for c in v["corpora"].as_array_mut().expect("corpora") {
        c["seconds"] = Value::Null;
        c["calls"] = Value::Null;
        c["cache_hits"] = Value::Null;
    }
    v["total"]["seconds"] = Value::Null;
    v["total"]["calls"] = Value::Null;
    v["total"]["cache_hits"] = Value::Null;
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recorded_eval_replays_to_the_same_scores() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("vouch.db");
    let store = store.to_str().expect("utf-8");
    let server = TestServer::start().await;
    server.respond_with(rb1::finds_rb1);
    let base = [
        "eval",
        "corpora/c-ringbuf",
        "corpora/rust-lru",
        "--json",
        "-q",
        "--model",
        "test-model",
        "--store",
        store,
    ];
    let mut args = base.to_vec();
    args.extend(["--base-url", server.url.as_str()]);
    let first = vouch_in(&repo(), &args, &[]).await;
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let recorded = scores(&first.stdout);
    let ring = &recorded["corpora"][0];
    assert_eq!(ring["corpus"], "c-ringbuf");
    assert_eq!(ring["found_bugs"], serde_json::json!(["rb-1"]));
    assert_eq!(ring["false_positives"], 0);
    assert_eq!(ring["precision"], 1.0);
    // The stand-in's specs have clauses, none formal; Z3 had little to decide.
    assert!(ring["clauses"].as_u64().is_some_and(|n| n > 0), "{ring:#}");
    assert_eq!(ring["formal_clauses"], 0);
    assert_eq!(ring["z3_findings"], 0);
    let bugs = ring["bugs"].as_u64().expect("bugs");
    assert!(bugs >= 7, "c-ringbuf's manifest has its bugs: {bugs}");
    assert!((ring["recall"].as_f64().expect("recall") - 1.0 / bugs as f64).abs() < 1e-9);
    assert_eq!(recorded["corpora"][1]["corpus"], "rust-lru");
    assert_eq!(recorded["corpora"][1]["found"], 0);
    assert_eq!(
        recorded["total"]["bugs"].as_u64(),
        Some(bugs + recorded["corpora"][1]["bugs"].as_u64().expect("lru bugs"))
    );
    assert_eq!(recorded["by_kind"]["off-by-one"]["found"], 1);
    assert!(
        recorded["total"]["prompt_tokens"]
            .as_u64()
            .is_some_and(|t| t > 0)
    );
    drop(server);

    let mut replay = base.to_vec();
    replay.extend(["--base-url", "http://127.0.0.1:9/v1", "--cache", "replay"]);
    let a = vouch_in(&repo(), &replay, &[]).await;
    let b = vouch_in(&repo(), &replay, &[]).await;
    assert_eq!(
        a.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&a.stderr)
    );
    let (sa, sb) = (scores(&a.stdout), scores(&b.stdout));
    assert_eq!(sa, sb, "two replays score the same");
    // Replayed usage is counted as cache hits, so tokens are the only usage to compare.
    for key in [
        "recall",
        "precision",
        "precision_confirmed",
        "found_bugs",
        "missed_bugs",
        "false_positive_findings",
        // What the run's requests cost: the replay counts the recorded tokens.
        "requests",
        "request_prompt_tokens",
        "request_completion_tokens",
    ] {
        assert_eq!(sa["corpora"][0][key], recorded["corpora"][0][key], "{key}");
    }
    assert!(
        sa["corpora"][0]["request_prompt_tokens"]
            .as_u64()
            .is_some_and(|t| t > 0)
    );
    let raw: Value = serde_json::from_slice(&a.stdout).expect("json");
    assert_eq!(raw["total"]["calls"], 0);

    // The table, compared with the replay itself: the same numbers, no change shown.
    let previous = tmp.path().join("previous.json");
    std::fs::write(&previous, &a.stdout).expect("write");
    let mut table = replay.clone();
    table.retain(|a| *a != "--json");
    table.extend(["--compare", previous.to_str().expect("utf-8")]);
    let t = vouch_in(&repo(), &table, &[]).await;
    let text = String::from_utf8_lossy(&t.stdout);
    assert!(
        text.contains("c-ringbuf") && text.contains("rust-lru") && text.contains("total"),
        "{text}"
    );
    assert!(text.contains("off-by-one"), "{text}");
    assert!(
        !text.contains("recall +") && !text.contains("recall -"),
        "{text}"
    );
    assert!(text.contains("compared with test-model"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_folder_without_a_manifest_is_a_clear_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = vouch_in(tmp.path(), &["eval", ".", "--cache", "off"], &[]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bugs.toml"));
}

/// A replay whose recording lacks replies is no repetition of a run: the eval prints
/// its scores, says how many requests were missing, and fails (`--confirm-truth` as
/// well); an audit marks the run partial and says so in findings.json and summary.md.
/// A missing store is an error.
/// `vouch CMD corpora/c-ringbuf`, replaying from `store`, with `extra` arguments.
async fn replay_ringbuf(cmd: &str, store: &std::path::Path, extra: &[&str]) -> Output {
    let store = store.to_str().expect("utf-8");
    let mut args = vec![
        cmd,
        "corpora/c-ringbuf",
        "--cache",
        "replay",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--model",
        "test-model",
        "--store",
        store,
        "-q",
    ];
    args.extend_from_slice(extra);
    vouch_in(&repo(), &args, &[]).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replay_of_missing_replies_fails_and_says_how_many() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("empty.db");
    let missing = replay_ringbuf("eval", &store, &[]).await;
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        err.contains("no run store") && err.contains("empty.db"),
        "{err}"
    );

    vouch_llm::Store::open(&store).expect("an empty store");
    let out = replay_ringbuf("eval", &store, &["--json"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("had no recorded reply") && err.contains("c-ringbuf ("),
        "{err}"
    );
    let scored: Value = serde_json::from_slice(&out.stdout).expect("the scores are printed");
    let misses = scored["total"]["replay_misses"]
        .as_u64()
        .expect("replay_misses");
    assert!(misses > 0, "{scored:#}");
    assert_eq!(scored["corpora"][0]["replay_misses"], misses);
    assert_eq!(scored["total"]["calls"], 0);

    // The same for the confirming stage scored on the ground truth.
    let truth = replay_ringbuf("eval", &store, &["--confirm-truth"]).await;
    assert_eq!(truth.status.code(), Some(2));
    let err = String::from_utf8_lossy(&truth.stderr);
    assert!(err.contains("had no recorded reply"), "{err}");

    let report = tmp.path().join("report");
    let report_arg = report.to_str().expect("utf-8");
    let audit = replay_ringbuf("audit", &store, &["--no-confirm", "-o", report_arg]).await;
    assert_eq!(
        audit.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&audit.stderr)
    );
    let findings: Value = serde_json::from_str(
        &std::fs::read_to_string(report.join("findings.json")).expect("findings.json"),
    )
    .expect("json");
    assert!(
        findings["run"]["replay_misses"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
    let summary = std::fs::read_to_string(report.join("summary.md")).expect("summary.md");
    assert!(
        summary.contains("had no recorded reply to replay"),
        "{summary}"
    );
}

/// The offline model through the whole eval, on a program small enough for it: it runs
/// to the end and scores (what SmolLM2 finds is not asserted: it cannot judge code),
/// and `--no-solver` over the recorded replies needs no model at all.
#[tokio::test(flavor = "multi_thread")]
async fn the_local_model_runs_an_eval_end_to_end() {
    if vouch_llm::local::installed(vouch_llm::LocalModel::SmolLm2).is_err() {
        assert!(
            std::env::var_os("VOUCH_REQUIRE_LOCAL_MODEL").is_none_or(|v| v != "1"),
            "the local model is required here: run scripts/install-model smollm2"
        );
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("vouch.db");
    let store = store.to_str().expect("utf-8");
    // One harness per finding, no repairs: SmolLM2's rarely build, and each costs minutes.
    let base = [
        "eval",
        "tests/data/eval-tiny",
        "--json",
        "-q",
        "--max-repairs",
        "0",
        "--store",
        store,
    ];
    let mut args = base.to_vec();
    args.extend(["--provider", "local", "--max-reply-tokens", "512"]);
    let out = vouch_in(&repo(), &args, &[]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let with: Value = serde_json::from_slice(&out.stdout).expect("eval JSON");
    let tiny = &with["corpora"][0];
    assert_eq!(tiny["corpus"], "eval-tiny");
    assert_eq!(tiny["bugs"], 1);
    assert_eq!(
        tiny["found_bugs"].as_array().map(Vec::len).unwrap_or(0)
            + tiny["missed_bugs"].as_array().map(Vec::len).unwrap_or(0),
        1
    );
    assert!(
        with["total"]["calls"].as_u64().is_some_and(|c| c >= 1),
        "{with}"
    );
    assert!(with["model"].as_str().is_some_and(|m| !m.is_empty()));

    let mut args = base.to_vec();
    args.extend([
        "--provider",
        "local",
        "--max-reply-tokens",
        "512",
        "--cache",
        "replay",
        "--no-solver",
    ]);
    let again = vouch_in(&repo(), &args, &[]).await;
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let without: Value = serde_json::from_slice(&again.stdout).expect("eval JSON");
    assert_eq!(without["solver"], false);
    assert_eq!(
        without["total"]["calls"], 0,
        "the same replies, from the store"
    );
    assert_eq!(without["corpora"][0]["bugs"], 1);
}

/// The manifests' triggers by function, from `corpora/<name>/bugs.toml`.
fn triggers(corpora: &[&str]) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    for c in corpora {
        let text = std::fs::read_to_string(repo().join("corpora").join(c).join("bugs.toml"))
            .expect("bugs.toml");
        let m: toml::Value = toml::from_str(&text).expect("manifest");
        for b in m["bug"].as_array().expect("bugs") {
            out.insert(
                b["function"].as_str().expect("function").to_string(),
                b["trigger"].as_str().expect("trigger").to_string(),
            );
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn confirm_truth_scores_the_tests_against_the_ground_truth() {
    // A stand-in that answers a bug's test request with the manifest's own trigger and a
    // look-alike's with a test that passes: every bug is confirmed, every look-alike
    // refuted, through the real sandbox, gcc and cargo.
    let corpora = ["c-ringbuf", "rust-lru"];
    let known = triggers(&corpora);
    let server = TestServer::start().await;
    server.respond_with(move |body: &Value| {
        let d = stand_in::data(body);
        let function = d["function"].as_str().unwrap_or("");
        // The manifest's triggers check the claim with `assert`; a test checks it with
        // the clause's own assertion, so `assert` is made that one.
        let code = match (stand_in::kind(body), known.get(function)) {
            ("harness", Some(t)) => format!(
                "#include <assert.h>\n#undef assert\n#define assert(c) VOUCH_CHECK((c), #c)\nint main(void)\n{{\n{t}\n    return 0;\n}}"
            ),
            ("probe", Some(t)) => format!(
                "macro_rules! assert {{ ($c:expr $(, $($m:tt)*)?) => {{ if !$c {{ panic!(\"vouch-assert: violated: {{}}\", stringify!($c)); }} }}; }}\n\
                 macro_rules! assert_eq {{ ($a:expr, $b:expr $(, $($m:tt)*)?) => {{ match (&$a, &$b) {{ (l, r) => if !(*l == *r) {{ panic!(\"vouch-assert: violated: {{}} == {{}}\", stringify!($a), stringify!($b)); }} }} }}; }}\n{t}"
            ),
            _ => return stand_in::scripted(body),
        };
        serde_json::json!({ "code": code }).to_string()
    });
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("vouch.db");
    let args = [
        "eval",
        "corpora/c-ringbuf",
        "corpora/rust-lru",
        "--confirm-truth",
        "--json",
        "-q",
        "--model",
        "test-model",
        "--base-url",
        server.url.as_str(),
        "--max-repairs",
        "0",
        "--test-timeout",
        "240",
        "--store",
        store.to_str().expect("utf-8"),
    ];
    let run = vouch_in(&repo(), &args, &[]).await;
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let v: Value = serde_json::from_slice(&run.stdout).expect("JSON");
    assert_eq!(v["mode"], "confirm-truth");
    for c in corpora {
        let s = &v["corpora"][c];
        assert_eq!(
            s["missing"], 0,
            "{c}: every manifest function is in the tree"
        );
        assert_eq!(s["bugs_confirmed"], s["bugs"], "{c}: {s:#}");
        assert_eq!(s["lookalikes_refuted"], s["lookalikes"], "{c}: {s:#}");
        assert_eq!(s["lookalikes_confirmed"], 0);
    }
    let total = &v["total"];
    assert_eq!(total["bugs"], 15);
    assert!(total["lookalikes"].as_u64().expect("lookalikes") >= 10);
}

//! End-to-end tests of `vouch specs`: against the stand-in model server, from the run
//! store alone, and with the real local model when it is installed.

#![allow(clippy::print_stderr)]

#[path = "support/cli.rs"]
mod cli;
#[path = "../specgen/tests/stand_in/mod.rs"]
mod stand_in;
#[path = "../llm/tests/support/mod.rs"]
mod support;

use cli::vouch;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use support::TestServer;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specgen/test_data")
        .join(name)
}

/// A copy of a fixture in a temporary directory (the run store goes inside it).
fn copy(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    for e in std::fs::read_dir(fixture(name)).expect("fixture") {
        let p = e.expect("entry").path();
        std::fs::copy(&p, tmp.path().join(p.file_name().expect("name"))).expect("copy");
    }
    tmp
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn specs_are_written_top_down_and_a_second_run_makes_no_calls() {
    let server = TestServer::start().await;
    server.respond_with(stand_in::scripted);
    let tree = copy("walk_c");
    let dir = tree.path().to_str().expect("utf-8");
    let env = [("OPENAI_BASE_URL", server.url.as_str())];
    let out = vouch(&["specs", dir, "--model", "test-model"], &env).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    let functions = report["functions"].as_array().expect("functions");
    assert_eq!(functions.len(), 9);
    for f in functions {
        assert_eq!(f["outcome"]["status"], "spec", "{f}");
        assert_eq!(f["outcome"]["format"], 1);
    }
    let read_number = functions
        .iter()
        .find(|f| f["name"] == "read_number")
        .expect("read_number");
    assert_eq!(read_number["outcome"]["origin"]["kind"], "callers");
    assert_eq!(
        read_number["outcome"]["provenance"][0]["sites"][0]["line"],
        19
    );
    assert!(
        report["expectations"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );
    let calls = server.calls();
    assert_eq!(report["usage"]["total"]["calls"], calls);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("9 functions, 9 specified, 0 unknown"),
        "{stderr}"
    );

    // Unchanged tree: everything comes from the run store.
    let md = tree.path().join("specs.md");
    let out = vouch(
        &[
            "specs",
            dir,
            "--model",
            "test-model",
            "--format",
            "md",
            "-o",
            md.to_str().expect("utf-8"),
        ],
        &env,
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(server.calls(), calls, "a second run made model calls");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(" 0 model calls"), "{stderr}");
    let text = std::fs::read_to_string(&md).expect("markdown written");
    assert!(
        text.contains("## `read_number`") && text.contains("**Preconditions**"),
        "{text}"
    );

    // One function: only it is printed.
    let out = vouch(
        &[
            "specs",
            dir,
            "--model",
            "test-model",
            "--function",
            "read_number",
        ],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0));
    let report = json(&out);
    assert_eq!(report["functions"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["functions"][0]["name"], "read_number");
    assert_eq!(server.calls(), calls);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_run_resumes_and_a_body_edit_re_asks_nothing_for_the_spec() {
    let server = TestServer::start().await;
    server.respond_with(stand_in::scripted);
    let tree = copy("walk_c");
    let dir = tree.path().to_str().expect("utf-8");
    let env = [("OPENAI_BASE_URL", server.url.as_str())];
    // A budget of 4 calls stops the run part-way: partial, exit 3.
    let out = vouch(
        &["specs", dir, "--model", "test-model", "--max-calls", "4"],
        &env,
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("max_calls budget was spent"));
    assert_eq!(server.calls(), 4);
    // The next run reuses the 4 recorded replies and finishes.
    let out = vouch(&["specs", dir, "--model", "test-model"], &env).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let full = server.calls();
    let fresh = TestServer::start().await;
    fresh.respond_with(stand_in::scripted);
    let other = copy("walk_c");
    let fresh_env = [("OPENAI_BASE_URL", fresh.url.as_str())];
    let out = vouch(
        &[
            "specs",
            other.path().to_str().expect("utf-8"),
            "--model",
            "test-model",
        ],
        &fresh_env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        full,
        fresh.calls(),
        "the resumed run repeated finished calls"
    );

    // Editing a leaf's body changes none of the spec requests (they never hold a body),
    // and the leaf calls nothing, so nothing is asked again.
    let lex = tree.path().join("lex.c");
    let text = std::fs::read_to_string(&lex).expect("lex.c");
    std::fs::write(&lex, text.replace("return ch - '0';", "return ch - 48;")).expect("edit");
    let out = vouch(&["specs", dir, "--model", "test-model"], &env).await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(server.calls(), full, "a body edit re-asked for a spec");
}

#[tokio::test(flavor = "multi_thread")]
async fn z3_flags_a_spec_whose_preconditions_contradict_each_other() {
    let server = TestServer::start().await;
    server.respond_with(|body: &Value| {
        let d = stand_in::data(body);
        if stand_in::kind(body) == "spec" && d["functions"][0]["name"] == "read_number" {
            return serde_json::json!({"specs": [{
                "function": d["functions"][0]["id"],
                "summary": "Reads a number.",
                "preconditions": [
                    {"text": "the cursor is past 10", "formal": "c->pos > 10"},
                    {"text": "the cursor is before 5", "formal": "c->pos < 5"}
                ]
            }]})
            .to_string();
        }
        stand_in::scripted(body)
    });
    let tree = copy("walk_c");
    let dir = tree.path().to_str().expect("utf-8");
    let smt = tree.path().join("smt");
    let out = vouch(
        &[
            "specs",
            dir,
            "--model",
            "test-model",
            "--dump-smt",
            smt.to_str().expect("utf-8"),
        ],
        &[("OPENAI_BASE_URL", server.url.as_str())],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    let functions = report["functions"].as_array().expect("functions");
    let rn = functions
        .iter()
        .find(|f| f["name"] == "read_number")
        .expect("read_number");
    assert!(rn["diagnostics"].to_string().contains("vacuous"), "{rn}");
    for f in functions.iter().filter(|f| f["name"] != "read_number") {
        assert!(!f["diagnostics"].to_string().contains("vacuous"), "{f}");
    }
    let dumped: Vec<_> = std::fs::read_dir(&smt).expect("smt dir").collect();
    assert_eq!(
        dumped.len(),
        1,
        "one query: the only spec with formal preconditions"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_function_or_recording_is_a_clear_error_or_unknown() {
    let tree = copy("walk_c");
    let dir = tree.path().to_str().expect("utf-8");
    let out = vouch(
        &["specs", dir, "--model", "m", "--function", "read_numbr"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no function named `read_numbr`") && stderr.contains("read_number"),
        "{stderr}"
    );

    // Replay with nothing recorded: every function is unknown with the reason; exit 3.
    let out = vouch(
        &[
            "specs",
            dir,
            "--model",
            "m",
            "--base-url",
            "http://127.0.0.1:9/v1",
            "--cache",
            "replay",
        ],
        &[],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    for f in report["functions"].as_array().expect("functions") {
        assert_eq!(f["outcome"]["status"], "unknown");
        assert!(
            f["outcome"]["reason"]
                .as_str()
                .is_some_and(|r| r.contains("recorded")),
            "{f}"
        );
    }

    // An unreachable model is one clear error before any work.
    let out = vouch(
        &[
            "specs",
            dir,
            "--model",
            "m",
            "--base-url",
            "http://127.0.0.1:9/v1",
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach the model endpoint"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_local_model_writes_specs_or_says_why_not() {
    if vouch_llm::local::installed(vouch_llm::LocalModel::SmolLm2).is_err() {
        assert!(
            std::env::var_os("VOUCH_REQUIRE_LOCAL_MODEL").is_none_or(|v| v != "1"),
            "the local model is required here: run scripts/install-model smollm2"
        );
        eprintln!("skipping: no local model installed");
        return;
    }
    let tree = copy("tiny_c");
    let dir = tree.path().to_str().expect("utf-8");
    let out = vouch(
        &[
            "specs",
            dir,
            "--provider",
            "local",
            "--max-reply-tokens",
            "1024",
        ],
        &[],
    )
    .await;
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    let functions = report["functions"].as_array().expect("functions");
    assert_eq!(functions.len(), 2);
    for f in functions {
        match f["outcome"]["status"].as_str() {
            Some("spec") => {
                assert!(f["outcome"]["summary"].is_string(), "{f}");
                for section in ["preconditions", "postconditions", "side_effects", "errors"] {
                    assert!(f["outcome"][section].is_array(), "{f}");
                }
            }
            Some("unknown") => assert!(
                f["outcome"]["reason"]
                    .as_str()
                    .is_some_and(|r| !r.is_empty()),
                "{f}"
            ),
            other => panic!("{other:?}: {f}"),
        }
    }
    assert!(
        report["usage"]["total"]["calls"]
            .as_u64()
            .is_some_and(|c| c >= 1)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn check_verifies_with_the_stand_in_and_reports_unknown_when_replies_are_garbage() {
    let server = TestServer::start().await;
    server.respond_with(stand_in::scripted);
    let tree = copy("walk_c");
    let dir = tree.path().to_str().expect("utf-8");
    let env = [("OPENAI_BASE_URL", server.url.as_str())];
    let out = vouch(&["check", dir, "--model", "test-model"], &env).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("verified  read_number  lex.c:"), "{stdout}");
    assert!(stdout.contains("verified          9"), "{stdout}");

    // One function, JSON; the verdict requests are answered with garbage now.
    let garbage = TestServer::start().await;
    garbage.respond_with(|body: &Value| {
        if stand_in::kind(body) == "verdict" {
            "I think it is fine.".into()
        } else {
            stand_in::scripted(body)
        }
    });
    let tree = copy("walk_c");
    let dir = tree.path().to_str().expect("utf-8");
    let out = vouch(
        &[
            "check",
            dir,
            "--model",
            "test-model",
            "--function",
            "read_number",
            "--format",
            "json",
        ],
        &[("OPENAI_BASE_URL", garbage.url.as_str())],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    assert_eq!(report["results"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["results"][0]["verdict"], "unknown");
    assert!(
        report["results"][0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("verdict request failed"))
    );
    assert_eq!(report["summary"]["unknown"], 1);
}

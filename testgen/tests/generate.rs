//! Model-written harnesses against a real HTTP server standing in for the model: a
//! passing harness refutes the finding, a harness that never builds is sent back with
//! the compiler's errors until the repairs run out, and then the finding is
//! inconclusive. A test's result is kept in the run store and reused while the test and
//! the code are unchanged.

#[path = "../../llm/tests/support/mod.rs"]
mod support;

use serde_json::{Value, json};
use std::time::Duration;
use support::TestServer;
use vouch_llm::{Cache, CacheMode, Client, Store};
use vouch_testgen::{CProject, Confirmer, Limits, Outcome, Sandbox, Violation};

const UNIT: &str = "int twice(int x)\n{\n    return x + x;\n}\n\nint main(void)\n{\n    return twice(1) == 2 ? 0 : 1;\n}\n";

fn setup() -> (tempfile::TempDir, CProject, Sandbox) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("twice.c"), UNIT).expect("write");
    let project = CProject::infer(dir.path(), &[("twice.c".into(), UNIT.into())]);
    let sandbox = Sandbox::new(
        Limits {
            time: Duration::from_secs(60),
            ..Limits::default()
        },
        false,
    )
    .expect("bwrap");
    (dir, project, sandbox)
}

fn violation() -> Violation {
    Violation {
        function: "twice".into(),
        signature: "int twice(int x)".into(),
        file: "twice.c".into(),
        preconditions: vec![],
        clause: "returns 2 * x".into(),
        formal: Some("result == 2 * x".into()),
        counterexample: vec![("x".into(), "3".into())],
        explanation: "claimed wrong".into(),
        source: "1| int twice(int x)\n2| {\n3|     return x + x;\n4| }".into(),
        declarations: Vec::new(),
        related: Vec::new(),
        confirm_by: None,
        callee_source: None,
        function_id: "twice.c::twice".into(),
        function_hash: Some("0123".into()),
        start_line: 1,
        end_line: 4,
        also: Vec::new(),
        also_breaks: Vec::new(),
    }
}

fn client(server: &TestServer) -> Client {
    server.client(Cache::new(None, CacheMode::Off))
}

fn data(body: &Value) -> Value {
    let user = body["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_string();
    user.find("\n{")
        .and_then(|i| serde_json::from_str(&user[i + 1..]).ok())
        .unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_passing_harness_refutes_the_finding() {
    let (run, server) = confirm_c_answered(json!({"code": "```c\nint main(void)\n{\n    VOUCH_CHECK(twice(3) == 6, \"returns 2 * x\");\n    return 0;\n}\n```"})).await;
    assert_eq!(
        run.confirmation.outcome,
        Outcome::Refuted,
        "{}",
        run.confirmation.output
    );
    assert_eq!(run.attempts, 1);
    assert_eq!(server.calls(), 1);
    let sent = data(&server.bodies()[0]);
    assert_eq!(sent["function"], "twice");
    assert_eq!(sent["clause"], "returns 2 * x");
    // The unit defines `main`, so the request names what it is renamed to.
    assert_eq!(sent["unit_main_renamed_to"], "vouch_unit_main");
}

/// `confirm_c` of [`violation`] with the stand-in answering every request with `reply`.
async fn confirm_c_answered(reply: Value) -> (vouch_testgen::TestRun, TestServer) {
    confirm_c_of(&violation(), reply).await
}

/// `confirm_c` of `v` with the stand-in answering every request with `reply`.
async fn confirm_c_of(v: &Violation, reply: Value) -> (vouch_testgen::TestRun, TestServer) {
    let (_dir, project, sandbox) = setup();
    let server = TestServer::start().await;
    let text = reply.to_string();
    server.respond_with(move |_| text.clone());
    let client = client(&server);
    let confirmer = Confirmer {
        client: &client,
        sandbox: &sandbox,
        project: &project,
        max_repairs: 3,
        tree_hash: String::new(),
    };
    let run = confirmer.confirm_c(v).await.expect("run");
    (run, server)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_precondition_claim_needs_a_failure_not_a_check_of_the_precondition() {
    // The claim: `twice` calls another function without its precondition. A harness
    // that checks the precondition on the state it built itself shows nothing.
    let v = Violation {
        clause: "`half` requires: x is even".into(),
        confirm_by: Some("only a failure inside `half` or `twice` confirms it".into()),
        callee_source: Some("    1| int half(int x) { return x / 2; }".into()),
        ..violation()
    };
    let (run, server) = confirm_c_of(
        &v,
        json!({"code": "int main(void)\n{\n    int x = 3;\n    VOUCH_CHECK(x % 2 == 0, \"`half` requires: x is even\");\n    return twice(x) == 6 ? 0 : 1;\n}\n"}),
    )
    .await;
    match &run.confirmation.outcome {
        Outcome::Inconclusive { why } => assert!(why.contains("its own set-up made"), "{why}"),
        other => panic!("{other:?}"),
    }
    let asked = data(&server.bodies()[0]);
    assert_eq!(
        asked["confirm_by"],
        "only a failure inside `half` or `twice` confirms it"
    );
    // The called function's source goes with it, where the consequence shows.
    assert_eq!(
        asked["callee_source"],
        "    1| int half(int x) { return x / 2; }"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_test_writer_may_answer_without_a_test() {
    // The claim cannot hold: refuted, with the reason, and nothing built.
    let (run, server) = confirm_c_answered(
        json!({"code": "", "claim_false": "x + x is 2 * x for every x the preconditions allow"}),
    )
    .await;
    match &run.confirmation.outcome {
        Outcome::Disputed { why } => assert!(why.contains("2 * x for every x"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(run.confirmation.source.is_empty(), "no test was written");
    assert_eq!(server.calls(), 1);
    // The reply schema offers both answers.
    let schema = &server.bodies()[0]["response_format"]["json_schema"]["schema"];
    assert!(schema["properties"]["claim_false"].is_object(), "{schema}");
    assert!(schema["properties"]["cannot_test"].is_object(), "{schema}");

    // No test can show it: inconclusive, with the reason, and nothing built.
    let (run, server) = confirm_c_answered(
        json!({"code": "", "cannot_test": "it is about the exit status of the whole program"}),
    )
    .await;
    match &run.confirmation.outcome {
        Outcome::Inconclusive { why } => assert!(
            why.contains("no test can show it") && why.contains("exit status"),
            "{why}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(run.confirmation.source.is_empty(), "no test was written");
    assert_eq!(server.calls(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn compiler_errors_go_back_to_the_model_until_the_repairs_run_out() {
    let (_dir, project, sandbox) = setup();
    let server = TestServer::start().await;
    server.respond_with(|_| json!({"code": "int main(void) { return thrice(3); }"}).to_string());
    let client = client(&server);
    let confirmer = Confirmer {
        client: &client,
        sandbox: &sandbox,
        project: &project,
        max_repairs: 2,
        tree_hash: String::new(),
    };
    let run = confirmer.confirm_c(&violation()).await.expect("run");
    match &run.confirmation.outcome {
        Outcome::Inconclusive { why } => assert!(why.contains("did not build"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(run.attempts, 3, "the first harness and two repairs");
    let bodies = server.bodies();
    assert_eq!(bodies.len(), 3);
    assert!(data(&bodies[0])["compiler_errors"].is_null());
    let repair = data(&bodies[1]);
    assert!(
        repair["compiler_errors"]
            .as_str()
            .expect("errors")
            .contains("thrice"),
        "{repair}"
    );
    assert_eq!(
        repair["previous_code"],
        "int main(void) { return thrice(3); }"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rust_probe_from_the_model_confirms_a_planted_panic() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data");
    let project = CProject {
        root,
        ..CProject::default()
    };
    let sandbox = Sandbox::new(
        Limits {
            time: Duration::from_secs(120),
            ..Limits::default()
        },
        false,
    )
    .expect("bwrap");
    let server = TestServer::start().await;
    server.respond_with(|_| {
        json!({"code": "        let xs = [4u32, 7];\n        assert!(second(&xs) == 7, \"vouch-assert: violated: {}\", \"returns the second value\");"}).to_string()
    });
    let client = client(&server);
    let confirmer = Confirmer {
        client: &client,
        sandbox: &sandbox,
        project: &project,
        max_repairs: 1,
        tree_hash: String::new(),
    };
    let v = Violation {
        function: "stats::second".into(),
        signature: "pub(crate) fn second(xs: &[u32]) -> u32".into(),
        file: "probe_crate/src/stats.rs".into(),
        preconditions: vec!["xs holds at least two values".into()],
        clause: "returns the second value".into(),
        formal: None,
        counterexample: vec![("xs".into(), "[4, 7]".into())],
        explanation: "reads xs[2]".into(),
        source: String::new(),
        declarations: Vec::new(),
        related: Vec::new(),
        confirm_by: None,
        callee_source: None,
        function_id: "probe_crate/src/stats.rs::stats::second".into(),
        function_hash: None,
        start_line: 7,
        end_line: 9,
        also: Vec::new(),
        also_breaks: Vec::new(),
    };
    let run = confirmer.confirm_rust(&v).await.expect("run");
    match &run.confirmation.outcome {
        Outcome::Confirmed { why } => assert!(why.contains("index out of bounds"), "{why}"),
        other => panic!("{other:?}\n{}", run.confirmation.output),
    }
    assert!(stand_in_user(&server.bodies()[0]).starts_with("Write the test"));
}

fn stand_in_user(body: &Value) -> String {
    body["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_string()
}

fn stored_client(server: &TestServer, store: &std::path::Path) -> Client {
    server.client(Cache::new(
        Some(Store::open(store).expect("store")),
        CacheMode::ReadWrite,
    ))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kept_result_is_reused_until_the_code_changes() {
    let (dir, project, sandbox) = setup();
    let server = TestServer::start().await;
    server.respond_with(|_| {
        json!({"code": "int main(void)\n{\n    VOUCH_CHECK(twice(3) == 6, \"returns 2 * x\");\n    return 0;\n}"}).to_string()
    });
    let client = stored_client(&server, &dir.path().join(".vouch/vouch.db"));
    let mut confirmer = Confirmer {
        client: &client,
        sandbox: &sandbox,
        project: &project,
        max_repairs: 0,
        tree_hash: "tree-1".into(),
    };
    let first = confirmer.confirm_c(&violation()).await.expect("run");
    assert_eq!(first.confirmation.outcome, Outcome::Refuted);
    assert_eq!(first.reused, 0);
    let again = confirmer.confirm_c(&violation()).await.expect("run");
    assert_eq!(again.reused, 1, "the same test against the same code");
    assert_eq!(again.confirmation.outcome, Outcome::Refuted);
    assert_eq!(again.confirmation.output, first.confirmation.output);
    assert_eq!(server.calls(), 1, "the reply came from the store too");

    // The same test against an edited tree is built and run again.
    confirmer.tree_hash = "tree-2".into();
    let edited = confirmer.confirm_c(&violation()).await.expect("run");
    assert_eq!(edited.reused, 0);
    // And against an edited function.
    confirmer.tree_hash = "tree-1".into();
    let mut v = violation();
    v.function_hash = Some("4567".into());
    assert_eq!(confirmer.confirm_c(&v).await.expect("run").reused, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_stopped_at_its_time_limit_is_not_kept() {
    let (dir, project, _) = setup();
    let sandbox = Sandbox::new(
        Limits {
            time: Duration::from_secs(2),
            ..Limits::default()
        },
        false,
    )
    .expect("bwrap");
    let server = TestServer::start().await;
    server.respond_with(|_| json!({"code": "int main(void) { for (;;) {} }"}).to_string());
    let client = stored_client(&server, &dir.path().join(".vouch/vouch.db"));
    let confirmer = Confirmer {
        client: &client,
        sandbox: &sandbox,
        project: &project,
        max_repairs: 0,
        tree_hash: String::new(),
    };
    for _ in 0..2 {
        let run = confirmer.confirm_c(&violation()).await.expect("run");
        assert!(
            run.confirmation.outcome.at_limit(),
            "{:?}",
            run.confirmation.outcome
        );
        assert_eq!(run.reused, 0);
    }
}

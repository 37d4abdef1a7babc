//! The check of one function against a real HTTP server standing in for the model and
//! real Z3: who decides what, and when the answer is Unknown.

#[path = "../../llm/tests/support/mod.rs"]
mod support;

use serde_json::{Value, json};
use std::collections::HashMap;
use support::TestServer;
use vouch_callgraph::CallGraph;
use vouch_frontend::FnIdx;
use vouch_hoare::{CheckOptions, Checker, DecidedBy, Solver, Verdict};
use vouch_llm::{Cache, CacheMode, Client, LlmConfig};
use vouch_specgen::spec::{Clause, Origin, Spec, SpecDraft, env_of};

const SRC: &str = "/* Divides a by b. */\nint divide(int a, int b) {\n    if (b == 0)\n        return -1;\n    return a / b;\n}\n";

fn clause(text: &str, formal: Option<&str>) -> Clause {
    Clause {
        text: text.into(),
        formal: formal.map(str::to_string),
        from: Vec::new(),
    }
}

fn user(body: &Value) -> String {
    body["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_string()
}

/// A stand-in that answers step requests with `exit_state` at line 5 and verdict
/// requests with `verdict` for clause p1.
fn stand_in(server: &TestServer, exit_state: Value, verdict: Value) {
    server.respond_with(move |body: &Value| {
        let u = user(body);
        if u.starts_with("Reason forward") {
            json!({"postcondition": [{"text": "b is not 0", "formal": "b != 0"}],
                   "calls": [],
                   "exits": [{"line": 5, "kind": "return", "state": exit_state}]})
            .to_string()
        } else if u.starts_with("Decide every clause") {
            json!({"clauses": [verdict]}).to_string()
        } else {
            "{}".into()
        }
    });
}

async fn check(server: &TestServer, pre: Vec<Clause>) -> (vouch_hoare::CheckResult, u64) {
    check_with(server, pre, CheckOptions::default()).await
}

async fn check_with(
    server: &TestServer,
    pre: Vec<Clause>,
    options: CheckOptions,
) -> (vouch_hoare::CheckResult, u64) {
    let program = vouch_frontend::parse_source("d.c", SRC);
    let graph = CallGraph::build(&program);
    let f = program
        .functions
        .iter()
        .position(|f| f.name == "divide")
        .expect("divide");
    let func = &program.functions[f];
    let draft = SpecDraft {
        summary: "Divides a by b.".into(),
        preconditions: pre,
        postconditions: vec![clause(
            "returns the quotient of a by b",
            Some("result == a / b"),
        )],
        side_effects: Vec::new(),
        errors: Vec::new(),
        confidence: 1.0,
    };
    let (spec, diags) = Spec::from_draft(func.id.as_str(), Origin::Root, draft, &env_of(func), &[]);
    assert!(diags.is_empty(), "{diags:?}");
    let config = LlmConfig {
        base_url: Some(server.url.clone()),
        model: Some("test-model".into()),
        max_retries: 0,
        ..LlmConfig::default()
    };
    let client = Client::new(config, None, Cache::new(None, CacheMode::Off)).expect("client");
    let checker = Checker {
        program: &program,
        graph: &graph,
        client: &client,
        solver: Solver::default(),
        options,
    };
    let result = checker.check(FnIdx(f as u32), &spec, &HashMap::new()).await;
    (result, server.calls())
}

fn b_nonzero() -> Vec<Clause> {
    vec![clause("b is not 0", Some("b != 0"))]
}

#[tokio::test]
async fn z3_proves_a_clause_the_model_calls_broken() {
    let server = TestServer::start().await;
    stand_in(
        &server,
        json!([{"text": "returns a / b", "formal": "result == a / b"}]),
        json!({"clause": "p1", "holds": false, "counterexample": [{"name": "a", "value": "1"}], "explanation": "wrong"}),
    );
    let (r, calls) = check(&server, b_nonzero()).await;
    assert_eq!(r.verdict, Verdict::Verified, "{r:?}");
    assert_eq!(
        calls, 2,
        "one step request (one block) and one verdict request"
    );
    assert_eq!(r.blocks, 1);
    assert!(r.z3_decided >= 2, "vacuity and the proof: {r:?}");
    assert!(
        r.notes.iter().any(|n| n.contains("Z3 wins")),
        "{:?}",
        r.notes
    );
}

#[tokio::test]
async fn without_the_solver_the_model_alone_judges() {
    let server = TestServer::start().await;
    stand_in(
        &server,
        json!([{"text": "returns a / b", "formal": "result == a / b"}]),
        json!({"clause": "p1", "holds": false, "counterexample": [{"name": "a", "value": "7"}, {"name": "b", "value": "0"}], "explanation": "wrong"}),
    );
    let options = CheckOptions {
        use_solver: false,
        ..CheckOptions::default()
    };
    let (r, _) = check_with(&server, b_nonzero(), options).await;
    // With Z3 this is proved (and b = 0 would be rejected); the model alone reports it.
    assert!(
        matches!(
            &r.verdict,
            Verdict::Violated {
                decided_by: DecidedBy::Model,
                ..
            }
        ),
        "{r:?}"
    );
    assert_eq!(r.z3_decided, 0);
}

#[tokio::test]
async fn z3_refutes_a_clause_the_model_passes() {
    let server = TestServer::start().await;
    stand_in(
        &server,
        json!([{"text": "returns a / b plus one", "formal": "result == a / b + 1"}]),
        json!({"clause": "p1", "holds": true}),
    );
    let (r, _) = check(&server, b_nonzero()).await;
    match &r.verdict {
        Verdict::Violated {
            decided_by,
            counterexample,
            ..
        } => {
            assert_eq!(*decided_by, DecidedBy::Z3);
            assert!(
                counterexample.iter().any(|b| b.name == "b"),
                "{counterexample:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_counterexample_that_breaks_a_precondition_is_rejected() {
    let server = TestServer::start().await;
    stand_in(
        &server,
        json!([{"text": "returns something"}]),
        json!({"clause": "p1", "holds": false, "counterexample": [{"name": "a", "value": "7"}, {"name": "b", "value": "0"}], "lines": [4], "explanation": "returns -1"}),
    );
    let (r, _) = check(&server, b_nonzero()).await;
    assert!(
        matches!(&r.verdict, Verdict::Unknown { reason } if reason.contains("rejected")),
        "{r:?}"
    );
    assert!(
        r.notes.iter().any(|n| n.contains("Z3 rejects it")),
        "{:?}",
        r.notes
    );
}

#[tokio::test]
async fn an_admitted_counterexample_is_a_violation_by_the_model() {
    let server = TestServer::start().await;
    stand_in(
        &server,
        json!([{"text": "returns something"}]),
        json!({"clause": "p1", "holds": false, "counterexample": [{"name": "a", "value": "7"}, {"name": "b", "value": "2"}], "lines": [5], "explanation": "rounds"}),
    );
    let (r, _) = check(&server, b_nonzero()).await;
    match &r.verdict {
        Verdict::Violated {
            decided_by,
            evidence_lines,
            steps,
            section,
            formal,
            ..
        } => {
            assert_eq!(*decided_by, DecidedBy::Model);
            assert_eq!(evidence_lines, &[5]);
            assert_eq!(steps.len(), 1);
            assert!(
                steps[0].start_line <= 5 && 5 <= steps[0].end_line,
                "{steps:?}"
            );
            assert_eq!(*section, vouch_specgen::spec::Section::Postcondition);
            assert!(formal.is_some());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn vacuous_specs_garbage_and_silence_are_unknown() {
    let server = TestServer::start().await;
    stand_in(&server, json!([]), json!({"clause": "p1", "holds": true}));
    let (r, calls) = check(
        &server,
        vec![
            clause("b is big", Some("b > 10")),
            clause("b is small", Some("b < 5")),
        ],
    )
    .await;
    assert!(
        matches!(&r.verdict, Verdict::Unknown { reason } if reason.contains("vacuous")),
        "{r:?}"
    );
    assert_eq!(calls, 0, "a vacuous spec is not sent to the model");

    let server = TestServer::start().await;
    server.respond_with(|_| "no idea".into());
    let (r, _) = check(&server, b_nonzero()).await;
    assert!(
        matches!(&r.verdict, Verdict::Unknown { reason } if reason.contains("lines 2-6") || reason.contains("failed")),
        "{r:?}"
    );

    let server = TestServer::start().await;
    stand_in(&server, json!([]), json!({"clause": "p9", "holds": true}));
    let (r, _) = check(&server, b_nonzero()).await;
    assert!(
        matches!(&r.verdict, Verdict::Unknown { reason } if reason.contains("says nothing of p1")),
        "{r:?}"
    );
}

#[tokio::test]
async fn without_an_exit_state_z3_proves_nothing() {
    // The model reports no exit: Z3 has no state to prove the clause from, so the
    // model's counterexample stands instead of a vacuous proof.
    let server = TestServer::start().await;
    server.respond_with(move |body: &Value| {
        let u = user(body);
        if u.starts_with("Reason forward") {
            json!({"postcondition": [{"text": "b is not 0", "formal": "b != 0"}], "calls": [], "exits": []})
                .to_string()
        } else if u.starts_with("Decide every clause") {
            json!({"clauses": [{"clause": "p1", "holds": false,
                                "counterexample": [{"name": "a", "value": "7"}, {"name": "b", "value": "2"}],
                                "explanation": "rounds the wrong way"}]})
            .to_string()
        } else {
            "{}".into()
        }
    });
    let (r, _) = check(&server, b_nonzero()).await;
    match &r.verdict {
        Verdict::Violated { decided_by, .. } => assert_eq!(*decided_by, DecidedBy::Model),
        other => panic!("{other:?}"),
    }
}

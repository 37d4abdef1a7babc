//! The check of one function against a real HTTP server standing in for the model and
//! real Z3: who decides what, and when the answer is Unknown.

#[path = "../../llm/tests/support/mod.rs"]
mod support;

use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use support::TestServer;
use vouch_callgraph::CallGraph;
use vouch_frontend::FnIdx;
use vouch_hoare::{CheckOptions, Checker, DecidedBy, Solver, Verdict, Violation};
use vouch_llm::{Cache, CacheMode};
use vouch_specgen::spec::{Clause, Origin, Spec, SpecDraft, env_of};
use vouch_specgen::types::Types;

const SRC: &str = "/* Divides a by b. */\nint divide(int a, int b) {\n    if (b == 0)\n        return -1;\n    return a / b;\n}\n";

fn clause(text: &str, formal: Option<&str>) -> Clause {
    Clause {
        text: text.into(),
        formal: formal.map(str::to_string),
        from: Vec::new(),
    }
}

/// `draft` as the spec of `func`; every formal fragment must be kept.
fn validated(func: &vouch_frontend::Function, draft: SpecDraft) -> Spec {
    let (spec, diags) = Spec::from_draft(
        func.id.as_str(),
        Origin::Root,
        draft,
        &env_of(func, &Default::default()),
        &[],
    );
    assert!(diags.is_empty(), "{diags:?}");
    spec
}

/// The spec of `func` with these preconditions and one postcondition.
fn spec_for(func: &vouch_frontend::Function, pre: Vec<Clause>, post: Clause) -> Spec {
    let draft = SpecDraft {
        summary: String::new(),
        preconditions: pre,
        postconditions: vec![post],
        side_effects: Vec::new(),
        errors: Vec::new(),
        confidence: 1.0,
    };
    validated(func, draft)
}

fn user(body: &Value) -> String {
    body["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_string()
}

/// A stand-in that answers every step request with `step` and every verdict request
/// with `verdict` as the one clause verdict.
fn answering(server: &TestServer, step: Value, verdict: Value) {
    server.respond_with(move |body: &Value| {
        let u = user(body);
        if u.starts_with("Reason forward") {
            step.to_string()
        } else if u.starts_with("Decide every clause") {
            json!({"clauses": [verdict]}).to_string()
        } else {
            "{}".into()
        }
    });
}

/// A stand-in that answers step requests with `exit_state` at line 5 and verdict
/// requests with `verdict` for clause p1.
fn stand_in(server: &TestServer, exit_state: Value, verdict: Value) {
    answering(
        server,
        json!({"postcondition": [{"text": "b is not 0", "formal": "b != 0"}],
               "calls": [],
               "exits": [{"line": 5, "kind": "return", "state": exit_state}]}),
        verdict,
    );
}

/// Checks the function named `name` of the C source `src` against a spec of
/// preconditions `pre` and one postcondition `post`.
async fn check_source(
    server: &TestServer,
    src: &str,
    name: &str,
    pre: Vec<Clause>,
    post: Clause,
) -> vouch_hoare::CheckResult {
    let program = vouch_frontend::parse_source("s.c", src);
    let f = program
        .functions
        .iter()
        .position(|f| f.name == name)
        .expect(name);
    let spec = spec_for(&program.functions[f], pre, post);
    run_check(
        server,
        &program,
        f,
        &spec,
        &HashMap::new(),
        CheckOptions::default(),
    )
    .await
}

/// Checks function `f` of `program` against `spec` with the stand-in as the model.
async fn run_check(
    server: &TestServer,
    program: &vouch_frontend::Program,
    f: usize,
    spec: &Spec,
    callee_specs: &HashMap<String, Spec>,
    options: CheckOptions,
) -> vouch_hoare::CheckResult {
    let graph = CallGraph::build(program);
    let client = server.client(Cache::new(None, CacheMode::Off));
    let checker = Checker {
        program,
        types: Arc::new(Types::of(&program.types)),
        graph: &graph,
        client: &client,
        solver: Solver::default(),
        options,
    };
    checker.check(FnIdx(f as u32), spec, callee_specs).await
}

async fn check(server: &TestServer, pre: Vec<Clause>) -> (vouch_hoare::CheckResult, u64) {
    check_with(server, pre, CheckOptions::default()).await
}

async fn check_with(
    server: &TestServer,
    pre: Vec<Clause>,
    options: CheckOptions,
) -> (vouch_hoare::CheckResult, u64) {
    let draft = divide_spec(
        pre,
        vec![clause(
            "returns the quotient of a by b",
            Some("result == a / b"),
        )],
    );
    let result = check_divide(server, draft, options).await;
    (result, server.calls())
}

/// Checks `divide` of [`SRC`] against the spec `draft` makes (which must be valid).
async fn check_divide(
    server: &TestServer,
    draft: SpecDraft,
    options: CheckOptions,
) -> vouch_hoare::CheckResult {
    let program = vouch_frontend::parse_source("d.c", SRC);
    let f = program
        .functions
        .iter()
        .position(|f| f.name == "divide")
        .expect("divide");
    let func = &program.functions[f];
    let spec = validated(func, draft);
    run_check(server, &program, f, &spec, &HashMap::new(), options).await
}

fn b_nonzero() -> Vec<Clause> {
    vec![clause("b is not 0", Some("b != 0"))]
}

/// A spec of `divide` with these preconditions and postconditions.
fn divide_spec(pre: Vec<Clause>, post: Vec<Clause>) -> SpecDraft {
    SpecDraft {
        summary: "Divides a by b.".into(),
        preconditions: pre,
        postconditions: post,
        side_effects: Vec::new(),
        errors: Vec::new(),
        confidence: 1.0,
    }
}

/// `b != 0`, and a postcondition the body (`return a / b`) breaks for every a and b.
fn plus_one() -> SpecDraft {
    divide_spec(
        b_nonzero(),
        vec![clause(
            "returns a / b plus one",
            Some("result == a / b + 1"),
        )],
    )
}

/// The one violation of a verdict that must have exactly one.
fn only(r: &vouch_hoare::CheckResult) -> &Violation {
    match &r.verdict {
        Verdict::Violated { violations, .. } if violations.len() == 1 => &violations[0],
        other => panic!("one violation expected: {other:?}\nnotes: {:?}", r.notes),
    }
}

#[tokio::test]
async fn a_proof_from_the_models_exit_state_does_not_overrule_its_counterexample() {
    // Z3 proves the clause from the exit state the model wrote; the model's verdict
    // traces a counterexample all the same. Both are the model's words: the finding
    // stands on the counterexample, with a note, and the test decides.
    let server = TestServer::start().await;
    stand_in(
        &server,
        json!([{"text": "returns a / b", "formal": "result == a / b"}]),
        json!({"clause": "p1", "holds": false, "counterexample": [{"name": "a", "value": "1"}], "lines": [5], "explanation": "wrong"}),
    );
    let (r, calls) = check(&server, b_nonzero()).await;
    assert_eq!(only(&r).decided_by, DecidedBy::Model);
    assert_eq!(
        calls, 2,
        "one step request (one block) and one verdict request"
    );
    assert_eq!(r.blocks, 1);
    assert!(r.z3_decided >= 2, "vacuity and the proof: {r:?}");
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("p1: Z3 proves it from the exit states the model gave")),
        "{:?}",
        r.notes
    );
}

#[tokio::test]
async fn a_proof_from_the_preconditions_alone_overrules_the_model() {
    // `b != 0` after the call follows from the precondition `b != 0` (a parameter is
    // the value passed): no state the model wrote is needed, so Z3 wins.
    let server = TestServer::start().await;
    stand_in(
        &server,
        json!([{"text": "returns a / b", "formal": "result == a / b"}]),
        json!({"clause": "p1", "holds": false, "counterexample": [{"name": "a", "value": "1"}], "lines": [5], "explanation": "wrong"}),
    );
    let draft = divide_spec(b_nonzero(), vec![clause("b was not 0", Some("b != 0"))]);
    let r = check_divide(&server, draft, CheckOptions::default()).await;
    assert_eq!(r.verdict, Verdict::Verified, "{r:?}");
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("from the formal preconditions alone (Z3 wins)")),
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
        json!({"clause": "p1", "holds": false, "counterexample": [{"name": "a", "value": "7"}, {"name": "b", "value": "0"}], "lines": [5], "explanation": "wrong"}),
    );
    let options = CheckOptions {
        use_solver: false,
        ..CheckOptions::default()
    };
    let (r, _) = check_with(&server, b_nonzero(), options).await;
    // With Z3, b = 0 would be rejected; the model alone reports it.
    assert_eq!(only(&r).decided_by, DecidedBy::Model);
    assert_eq!(r.z3_decided, 0);
}

#[tokio::test]
async fn a_pinned_refutation_against_the_models_holds_is_undecided_not_a_finding() {
    // The exit state fixes `result` for every a and b, and it breaks the clause; the
    // model says the clause holds. The exit state is the model's partial account of
    // the body, so Z3 reports no violation from it: the clause is undecided.
    let server = TestServer::start().await;
    stand_in(
        &server,
        json!([{"text": "returns a / b", "formal": "result == a / b"}]),
        json!({"clause": "p1", "holds": true}),
    );
    let r = check_divide(&server, plus_one(), CheckOptions::default()).await;
    assert!(
        matches!(&r.verdict, Verdict::Unknown { reason } if reason.contains("pins it false") && reason.contains("b = ")),
        "{r:?}"
    );
}

#[tokio::test]
async fn a_state_that_does_not_pin_the_clause_is_no_counterexample() {
    // `result > 0` allows `result == a / b` to be false without forcing it: the
    // absence of a proof is no violation, and the model's "holds" stands.
    let server = TestServer::start().await;
    stand_in(
        &server,
        json!([{"text": "positive", "formal": "result > 0"}]),
        json!({"clause": "p1", "holds": true}),
    );
    let (r, _) = check(&server, b_nonzero()).await;
    assert_eq!(r.verdict, Verdict::Verified, "{r:?}");
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("allows it to be false without forcing it")),
        "{:?}",
        r.notes
    );
}

#[tokio::test]
async fn a_pinned_refutation_backs_the_models_counterexample() {
    let server = TestServer::start().await;
    stand_in(
        &server,
        json!([{"text": "returns a / b", "formal": "result == a / b"}]),
        json!({"clause": "p1", "holds": false, "counterexample": [{"name": "a", "value": "4"}, {"name": "b", "value": "2"}], "lines": [5], "explanation": "off by one"}),
    );
    let r = check_divide(&server, plus_one(), CheckOptions::default()).await;
    let v = only(&r);
    assert_eq!(v.decided_by, DecidedBy::Z3);
    assert_eq!(v.id, "p1");
    assert!(
        r.notes.iter().any(|n| n.contains("p1: Z3 agrees")),
        "{:?}",
        r.notes
    );
}

#[tokio::test]
async fn every_broken_clause_is_its_own_violation() {
    // Two clauses broken and one the verdict leaves out: two violations, neither
    // hiding the other, and the missing one said in the notes.
    let server = TestServer::start().await;
    server.respond_with(|body: &Value| {
        let u = user(body);
        if u.starts_with("Reason forward") {
            json!({"postcondition": [], "calls": [], "exits": [{"line": 5, "kind": "return", "state": []}]}).to_string()
        } else {
            json!({"clauses": [
                {"clause": "p1", "holds": false, "counterexample": [{"name": "a", "value": "7"}, {"name": "b", "value": "2"}], "lines": [5], "explanation": "rounds"},
                {"clause": "r1", "holds": false, "counterexample": [{"name": "a", "value": "1"}, {"name": "b", "value": "3"}], "lines": [4], "explanation": "no error"},
            ]}).to_string()
        }
    });
    let draft = SpecDraft {
        summary: "Divides a by b.".into(),
        preconditions: b_nonzero(),
        postconditions: vec![
            clause("rounds up", None),
            clause("never returns a negative number", None),
        ],
        side_effects: Vec::new(),
        errors: vec![clause("reports an inexact division", None)],
        confidence: 1.0,
    };
    let r = check_divide(&server, draft, CheckOptions::default()).await;
    match &r.verdict {
        Verdict::Violated { violations, steps } => {
            let ids: Vec<&str> = violations.iter().map(|v| v.id.as_str()).collect();
            assert_eq!(ids, ["p1", "r1"]);
            assert_eq!(violations[1].section, vouch_specgen::spec::Section::Error);
            assert_eq!(steps.len(), 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        r.notes
            .iter()
            .any(|n| n.starts_with("undecided: the verdict says nothing of p2")),
        "{:?}",
        r.notes
    );
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
async fn a_counterexample_is_read_as_the_model_writes_its_values() {
    // The value the precondition `b != 0` excludes, as models write it: Z3 reads
    // each and rejects the counterexample.
    for b in ["0x0", "0 (no divisor)", "ZERO (0)", "INT_MAX - INT_MAX"] {
        let server = TestServer::start().await;
        stand_in(
            &server,
            json!([{"text": "returns something"}]),
            json!({"clause": "p1", "holds": false, "counterexample": [{"name": "a", "value": "i32::MAX (the largest int)"}, {"name": "b", "value": b}], "lines": [4], "explanation": "returns -1"}),
        );
        let (r, _) = check(&server, b_nonzero()).await;
        assert!(
            matches!(&r.verdict, Verdict::Unknown { reason } if reason.contains("rejected")),
            "b = {b}: {r:?}"
        );
    }
    // Prose that only mentions a number fixes nothing: the model's verdict stands.
    let server = TestServer::start().await;
    stand_in(
        &server,
        json!([{"text": "returns something"}]),
        json!({"clause": "p1", "holds": false, "counterexample": [{"name": "a", "value": "7"}, {"name": "b", "value": "a divisor that is not 0"}], "lines": [5], "explanation": "rounds"}),
    );
    let (r, _) = check(&server, b_nonzero()).await;
    assert_eq!(only(&r).decided_by, DecidedBy::Model);
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
    let v = only(&r);
    assert_eq!(v.decided_by, DecidedBy::Model);
    assert_eq!(v.evidence_lines, [5]);
    assert_eq!(v.section, vouch_specgen::spec::Section::Postcondition);
    assert!(v.formal.is_some());
    match &r.verdict {
        Verdict::Violated { steps, .. } => {
            assert_eq!(steps.len(), 1);
            assert!(
                steps[0].start_line <= 5 && 5 <= steps[0].end_line,
                "{steps:?}"
            );
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
    answering(
        &server,
        json!({"postcondition": [{"text": "b is not 0", "formal": "b != 0"}], "calls": [], "exits": []}),
        json!({"clause": "p1", "holds": false,
               "counterexample": [{"name": "a", "value": "7"}, {"name": "b", "value": "2"}],
               "explanation": "rounds the wrong way"}),
    );
    let (r, _) = check(&server, b_nonzero()).await;
    assert_eq!(only(&r).decided_by, DecidedBy::Model);
}

const CALLER: &str = "/* The element at i. */\nint get(int *a, int n, int i) {\n    return a[i];\n}\n\n/* The last element. */\nint last(int *a, int n) {\n    return get(a, n, n - 1);\n}\n";

/// Checks `last` (which calls `get(a, n, n - 1)`) with the caller precondition `pre`,
/// `get` requiring `0 <= i < n`, and a stand-in that reports the call at line 8 with
/// `holds` and the state `state` before it.
async fn check_call(pre: &str, holds: bool, state: &str) -> vouch_hoare::CheckResult {
    check_call_with(pre, holds, state, json!([])).await
}

/// `check_call`, with the model's counterexample for a failed call precondition.
async fn check_call_with(
    pre: &str,
    holds: bool,
    state: &str,
    counterexample: Value,
) -> vouch_hoare::CheckResult {
    let verdict = json!({"clause": "p1", "holds": true});
    let call = json!({"line": 8, "callee": "get", "holds": holds, "because": "n may be 0",
                      "state": [{"text": "before the call", "formal": state}],
                      "counterexample": counterexample});
    check_call_verdict(pre, call, verdict, CheckOptions::default()).await
}

/// Checks `last` as `check_call` does, with the stand-in's `call` check and its
/// verdict `verdict` on `last`'s one postcondition.
async fn check_call_verdict(
    pre: &str,
    call: Value,
    verdict: Value,
    options: CheckOptions,
) -> vouch_hoare::CheckResult {
    let server = TestServer::start().await;
    answering(
        &server,
        json!({"postcondition": [],
               "calls": [call],
               "exits": [{"line": 8, "kind": "return", "state": [{"text": "some element", "formal": "result == result"}]}]}),
        verdict,
    );
    let program = vouch_frontend::parse_source("c.c", CALLER);
    let at = |name: &str| {
        program
            .functions
            .iter()
            .position(|f| f.name == name)
            .expect(name)
    };
    let get = spec_for(
        &program.functions[at("get")],
        vec![clause("i is an index below n", Some("0 <= i && i < n"))],
        clause("returns a[i]", None),
    );
    let last = spec_for(
        &program.functions[at("last")],
        vec![clause("the caller's bound", Some(pre))],
        clause("returns the last element", None),
    );
    let specs = HashMap::from([(program.functions[at("get")].id.to_string(), get)]);
    run_check(&server, &program, at("last"), &last, &specs, options).await
}

#[tokio::test]
async fn z3_decides_a_callee_precondition_at_the_call() {
    // `n >= 0` allows n = 0, where `get(a, n, n - 1)` passes i = -1: the model's state
    // does not prove the precondition. That is a note: the absence of a proof from
    // the model's own state is no violation.
    let r = check_call("n >= 0", true, "n >= 0").await;
    assert!(
        r.notes.iter().any(|n| n.contains(
            "line 8: the state the model gives at the call allows the precondition `0 <= i && i < n` of `get` to fail"
        ) && n.contains("n = 0")),
        "{:?}",
        r.notes
    );
    assert_eq!(r.verdict, Verdict::Verified, "{r:?}");

    // With `n >= 1` it holds: the model's doubt is overruled.
    let r = check_call("n >= 1", false, "n >= 1").await;
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("Z3 proves them all") && n.contains("Z3 wins")),
        "{:?}",
        r.notes
    );
    assert!(
        !r.notes
            .iter()
            .any(|n| n.contains("the model says a precondition of `get` does not hold:")),
        "{:?}",
        r.notes
    );
    assert_eq!(r.verdict, Verdict::Verified, "{r:?}");

    // A contradictory state proves nothing: the model's word stands, and without a
    // counterexample it is no finding.
    let r = check_call("n >= 0", false, "n > 5 && n < 3").await;
    assert!(
        r.notes.iter().any(|n| n.contains("the model says a precondition of `get` does not hold: n may be 0 (without a counterexample")),
        "{:?}",
        r.notes
    );
    assert_eq!(r.verdict, Verdict::Verified, "{r:?}");
}

#[tokio::test]
async fn a_call_without_its_callees_precondition_is_a_violation_at_the_call() {
    // The model traces n = 0 to the call `get(a, n, n - 1)`: the caller does not
    // establish `0 <= i < n`. A finding at the call, naming `get`.
    let r = check_call_with(
        "n >= 0",
        false,
        "n >= 0",
        json!([{"name": "n", "value": "0"}]),
    )
    .await;
    let v = only(&r);
    assert_eq!(v.section, vouch_specgen::spec::Section::Precondition);
    assert_eq!(v.evidence_lines, [8]);
    assert!(
        v.clause
            .starts_with("`get` requires: i is an index below n"),
        "{}",
        v.clause
    );
    assert!(
        v.callee.as_deref().is_some_and(|c| c.ends_with("::get#0")),
        "{v:?}"
    );
    assert_eq!(v.id, "call8");
    // A counterexample the caller's own preconditions exclude is rejected (the state
    // here is not formal, so Z3 has only the counterexample to decide).
    let r = check_call_with(
        "n >= 1",
        false,
        "n is what it was",
        json!([{"name": "n", "value": "0"}]),
    )
    .await;
    assert!(
        !matches!(r.verdict, Verdict::Violated { .. }),
        "n = 0 breaks the caller's n >= 1: {r:?}"
    );
    assert!(
        r.notes.iter().any(|n| n.contains("Z3 rejects it")),
        "{:?}",
        r.notes
    );
}

#[tokio::test]
async fn a_clause_broken_only_through_a_call_without_its_precondition_is_that_calls_finding() {
    // `last(a, 0)` calls `get(a, 0, -1)` outside `0 <= i < n`, and the model says that
    // breaks `last`'s postcondition too, on the same line, in the same state. What
    // `get` does there no spec says: the call's finding stands for the clause.
    let call = json!({"line": 8, "callee": "get", "holds": false, "because": "n may be 0",
                      "state": [{"text": "before the call", "formal": "n >= 0"}],
                      "counterexample": [{"name": "n", "value": "0"}]});
    let broken = |lines: Value, n: &str| {
        json!({"clause": "p1", "holds": false, "lines": lines,
               "counterexample": [{"name": "n", "value": n}, {"name": "a", "value": "0x1000"}],
               "explanation": "get reads a[-1]"})
    };
    let r = check_call_verdict(
        "n >= 0",
        call.clone(),
        broken(json!([8]), "0"),
        CheckOptions::default(),
    )
    .await;
    let v = only(&r);
    assert_eq!(v.id, "call8", "{r:?}");
    assert_eq!(v.also_breaks, ["returns the last element"]);
    assert!(
        r.notes.iter().any(|n| n.starts_with("call8: this call also breaks p1")
            && n.contains("no spec says")),
        "{:?}",
        r.notes
    );

    // Another state (n = 3) is evidence of its own: two findings.
    let r = check_call_verdict(
        "n >= 0",
        call.clone(),
        broken(json!([8]), "3"),
        CheckOptions::default(),
    )
    .await;
    let Verdict::Violated { violations, .. } = &r.verdict else {
        panic!("{r:?}")
    };
    assert_eq!(
        violations.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(),
        ["p1", "call8"]
    );

    // So is evidence on a line that is no such call.
    let r = check_call_verdict(
        "n >= 0",
        call.clone(),
        broken(json!([8, 9]), "0"),
        CheckOptions::default(),
    )
    .await;
    assert!(
        matches!(&r.verdict, Verdict::Violated { violations, .. } if violations.len() == 2),
        "{r:?}"
    );

    // Without the solver the model's verdicts stand as given.
    let r = check_call_verdict(
        "n >= 0",
        call,
        broken(json!([8]), "0"),
        CheckOptions {
            use_solver: false,
            ..CheckOptions::default()
        },
    )
    .await;
    assert!(
        matches!(&r.verdict, Verdict::Violated { violations, .. } if violations.len() == 2),
        "{r:?}"
    );
}

#[tokio::test]
async fn a_contradictory_exit_state_proves_nothing() {
    // From `result > 5 && result < 3` anything follows; Z3 must not call that a proof.
    let server = TestServer::start().await;
    stand_in(
        &server,
        json!([{"text": "impossible", "formal": "result > 5 && result < 3"}]),
        json!({"clause": "p1", "holds": false, "counterexample": [{"name": "a", "value": "7"}, {"name": "b", "value": "2"}], "explanation": "wrong"}),
    );
    let (r, _) = check(&server, b_nonzero()).await;
    assert_eq!(only(&r).decided_by, DecidedBy::Model);
    assert!(
        !r.notes.iter().any(|n| n.contains("Z3 proves")),
        "{:?}",
        r.notes
    );
}

#[tokio::test]
async fn a_proof_that_needs_arithmetic_not_to_wrap_is_not_verified() {
    // `a - b` on unsigned wraps when a < b: the model's "holds" and Z3's mathematical
    // proof both miss it; the wrapping reading finds it, so the verdict is Unknown.
    let src = "/* The distance from b up to a. */\nunsigned gap(unsigned a, unsigned b) {\n    return a - b;\n}\n";
    let server = TestServer::start().await;
    answering(
        &server,
        json!({"postcondition": [], "calls": [],
               "exits": [{"line": 3, "kind": "return", "state": [{"text": "a - b", "formal": "result == a - b"}]}]}),
        json!({"clause": "p1", "holds": true}),
    );
    let r = check_source(
        &server,
        src,
        "gap",
        Vec::new(),
        clause("at most a", Some("result <= a")),
    )
    .await;
    assert!(
        matches!(&r.verdict, Verdict::Unknown { reason } if reason.contains("p1: at the exit on line 3, it holds only if the arithmetic does not wrap")),
        "{r:?}"
    );
}

#[tokio::test]
async fn the_values_that_wrap_are_named_as_the_formula_language_writes_them() {
    // `c->n + 1` on a `size_t` field wraps at SIZE_MAX; the reason names the field
    // read at entry as a reader writes it, not as the solver does.
    let src = "#include <stddef.h>\nstruct ctr { size_t n; };\n/* Counts one. */\nvoid bump(struct ctr *c) {\n    c->n += 1;\n}\n";
    let server = TestServer::start().await;
    answering(
        &server,
        json!({"postcondition": [], "calls": [],
               "exits": [{"line": 6, "kind": "end of body", "state": [{"text": "one more", "formal": "c->n == old(c->n) + 1"}]}]}),
        json!({"clause": "p1", "holds": true}),
    );
    let r = check_source(
        &server,
        src,
        "bump",
        Vec::new(),
        clause("counts up", Some("c->n > old(c->n)")),
    )
    .await;
    let Verdict::Unknown { reason } = &r.verdict else {
        panic!("{r:?}")
    };
    assert!(
        reason.contains("does not wrap (") && reason.contains("old(c.n) = 18446744073709551615"),
        "{reason}"
    );
    assert!(!reason.contains('!'), "{reason}");
}

#[tokio::test]
async fn a_side_effect_is_a_clause_the_verdict_decides() {
    // A function whose spec promises only a side effect still has something to be
    // checked against: the side effect is clause s1 of the verdict request.
    let server = TestServer::start().await;
    stand_in(
        &server,
        json!([]),
        json!({"clause": "s1", "holds": false, "counterexample": [{"name": "a", "value": "4"}, {"name": "b", "value": "2"}], "lines": [5], "explanation": "nothing is logged"}),
    );
    let draft = SpecDraft {
        summary: "Divides a by b and logs it.".into(),
        preconditions: b_nonzero(),
        postconditions: Vec::new(),
        side_effects: vec![clause("the division is logged", None)],
        errors: Vec::new(),
        confidence: 1.0,
    };
    let r = check_divide(&server, draft, CheckOptions::default()).await;
    let v = only(&r);
    assert_eq!(v.section, vouch_specgen::spec::Section::SideEffect);
    assert_eq!(v.clause, "the division is logged");
    let verdict_request = server
        .bodies()
        .into_iter()
        .map(|b| user(&b))
        .find(|u| u.starts_with("Decide every clause"))
        .expect("a verdict request");
    assert!(verdict_request.contains("\"s1\""), "{verdict_request}");
}

#[tokio::test]
async fn a_broken_verdict_must_bring_its_counterexample_in_the_schema() {
    // Under a grammar, a model that may leave the counterexample out does so, and its
    // "broken" is then Unknown: the schema asks for it whenever `holds` is false.
    let server = TestServer::start().await;
    stand_in(&server, json!([]), json!({"clause": "p1", "holds": true}));
    check(&server, b_nonzero()).await;
    let body = server
        .bodies()
        .into_iter()
        .find(|b| user(b).starts_with("Decide every clause"))
        .expect("a verdict request");
    let schema = &body["response_format"]["json_schema"]["schema"];
    let entry = schema["properties"]["clauses"]["items"]["$ref"]
        .as_str()
        .and_then(|r| schema.pointer(r.trim_start_matches('#')))
        .expect("the entries are a definition");
    let shapes = entry["anyOf"].as_array().expect("two shapes");
    let broken = shapes
        .iter()
        .find(|s| s["properties"]["holds"]["const"] == json!(false))
        .expect("a broken shape");
    for field in ["counterexample", "lines", "explanation"] {
        assert!(
            broken["required"]
                .as_array()
                .is_some_and(|r| r.contains(&json!(field))),
            "{broken}"
        );
    }
    assert_eq!(broken["properties"]["counterexample"]["minItems"], 1);
    assert_eq!(broken["properties"]["clause"]["enum"], json!(["p1"]));
    let holds = shapes
        .iter()
        .find(|s| s["properties"]["holds"]["const"] == json!(true))
        .expect("a holds shape");
    assert_eq!(holds["required"], json!(["clause", "holds"]));
}

#[tokio::test]
async fn a_precondition_about_memory_speaks_of_its_entry_value() {
    // `p->n >= 1` before the call says nothing of `p->n` after it: a function that may
    // set it to 0 is not proved to keep it from its precondition alone.
    let src = "struct box { int n; };\n/* Sets the count. */\nvoid set(struct box *p, int v) {\n    p->n = v;\n}\n";
    let server = TestServer::start().await;
    answering(
        &server,
        json!({"postcondition": [{"text": "the count is v", "formal": "p->n == v"}], "calls": [], "exits": []}),
        json!({"clause": "p1", "holds": false, "counterexample": [{"name": "v", "value": "0"}],
               "lines": [4], "explanation": "v = 0 sets the count to 0"}),
    );
    let r = check_source(
        &server,
        src,
        "set",
        vec![clause("the count is at least 1", Some("p->n >= 1"))],
        clause("keeps the count at least 1", Some("p->n >= 1")),
    )
    .await;
    // Read at entry, the precondition proves nothing of the exit: the state `p->n == v`
    // pins the clause false for v = 0, which backs the model's counterexample.
    assert_eq!(only(&r).decided_by, DecidedBy::Z3, "{r:?}");
    assert!(
        !r.notes.iter().any(|n| n.contains("preconditions alone")),
        "{:?}",
        r.notes
    );
}

#[tokio::test]
async fn a_struct_value_fixes_its_fields() {
    // `p = box { n: 0 }` or `p = n = 0, ...` fixes `p->n`, which the precondition
    // `p->n >= 1` excludes: the counterexample is rejected.
    let src = "struct box { int n; int m; };\n/* Reads the count. */\nint get(struct box *p) {\n    return p->n;\n}\n";
    for value in [
        "box { n: 0, m: 7 } (an empty box)",
        "n = 0, m = a big number",
    ] {
        let server = TestServer::start().await;
        answering(
            &server,
            json!({"postcondition": [{"text": "the count"}], "calls": [], "exits": [{"line": 4, "kind": "return", "state": [{"text": "result is p->n"}]}]}),
            json!({"clause": "p1", "holds": false, "counterexample": [{"name": "p", "value": value}],
                   "lines": [4], "explanation": "returns 0"}),
        );
        let r = check_source(
            &server,
            src,
            "get",
            vec![clause("the count is at least 1", Some("p->n >= 1"))],
            clause("returns a positive count", Some("result >= 1")),
        )
        .await;
        assert!(
            matches!(&r.verdict, Verdict::Unknown { reason } if reason.contains("rejected")),
            "p = {value}: {r:?}"
        );
    }
}

#[tokio::test]
async fn a_later_block_says_which_lines_came_before_it() {
    // A long body is reasoned through in blocks; the second block's request says that
    // earlier lines exist and that the precondition is what holds after them.
    let src = "int sum(int a, int b)\n{\n    int x = a;\n    x = x + 1;\n    x = x + 2;\n    x = x + 3;\n    x = x + 4;\n    x = x + b;\n    x = x - 10;\n    return x;\n}\n";
    let program = vouch_frontend::parse_source("s.c", src);
    let server = TestServer::start().await;
    answering(
        &server,
        json!({"postcondition": [{"text": "x is a + 10"}], "calls": [], "exits": []}),
        json!({"clause": "r1", "holds": true}),
    );
    let spec = spec_for(
        &program.functions[0],
        Vec::new(),
        clause("returns a + b", None),
    );
    let options = CheckOptions {
        block_lines: 3,
        ..CheckOptions::default()
    };
    run_check(&server, &program, 0, &spec, &HashMap::new(), options).await;
    let steps: Vec<Value> = server
        .bodies()
        .iter()
        .map(user)
        .filter(|u| u.starts_with("Reason forward"))
        .map(|u| {
            let json = &u[u.find('{').expect("data")..];
            serde_json::from_str(json).expect("the step's data")
        })
        .collect();
    assert!(steps.len() >= 2, "{steps:?}");
    assert!(steps[0].get("earlier").is_none(), "{:?}", steps[0]);
    let first = steps[0]["block"]["lines"].as_str().expect("lines");
    let start = first.split('-').next().expect("start");
    let second = steps[1]["block"]["lines"].as_str().expect("lines");
    let before = second
        .split('-')
        .next()
        .expect("start")
        .parse::<u32>()
        .expect("n")
        - 1;
    let earlier = steps[1]["earlier"].as_str().expect("earlier");
    assert!(
        earlier.starts_with(&format!("lines {start}-{before} of the body")),
        "{earlier}"
    );
    assert!(
        earlier.contains("`precondition` is what holds after them"),
        "{earlier}"
    );
}

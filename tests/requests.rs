//! What the model is shown, end to end through `vouch check` against a real HTTP
//! server standing in for the model: every resolved call of a body is asked about
//! (`let .. else` constructors, turbofish calls inside macros); a spec request quotes
//! what a function's macros expand to and what its doc names; the reply schemas let a
//! model answer truthfully (up to 24 caller references, a block that never falls
//! through, a failed call precondition with its counterexample); a function passed as
//! a value is specified from where it is passed; a type's invariants reach the checks
//! of its functions.

#[path = "support/cli.rs"]
mod cli;
#[path = "../specgen/tests/stand_in/mod.rs"]
mod stand_in;
#[path = "../llm/tests/support/mod.rs"]
mod support;

use cli::{repo, vouch_in};
use serde_json::{Value, json};
use support::TestServer;

/// Runs `vouch check` on a fixture under tests/data and returns every request body.
async fn requests(fixture: &str, respond: fn(&Value) -> String) -> Vec<Value> {
    let server = TestServer::start().await;
    server.respond_with(respond);
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = tmp.path().join("vouch.db");
    let dir = repo().join("tests/data").join(fixture);
    let out = vouch_in(
        &repo(),
        &[
            "check",
            dir.to_str().expect("utf-8"),
            "-q",
            "--model",
            "test-model",
            "--base-url",
            server.url.as_str(),
            "--store",
            store.to_str().expect("utf-8"),
        ],
        &[],
    )
    .await;
    assert!(
        matches!(out.status.code(), Some(0 | 1 | 3)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    server.bodies()
}

/// The data of the requests of one kind.
fn of_kind<'a>(bodies: &'a [Value], kind: &str) -> Vec<(&'a Value, Value)> {
    bodies
        .iter()
        .filter(|b| stand_in::kind(b) == kind)
        .map(|b| (b, stand_in::data(b)))
        .collect()
}

/// The stand-in, stating one invariant of every type: its functions that take
/// `&mut self` keep it, those that return a new value create it, the rest read it.
fn with_invariants(body: &Value) -> String {
    if stand_in::kind(body) != "invariants" {
        return stand_in::scripted(body);
    }
    let d = stand_in::data(body);
    let functions: Vec<Value> = d["functions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let sig = f["signature"].as_str().unwrap_or("");
            let role = if f["self_param"] == "result" {
                "creates"
            } else if sig.contains("&mut self") {
                "keeps"
            } else {
                "reads"
            };
            json!({"function": f["id"], "role": role})
        })
        .collect();
    json!({"invariants": [{"text": "there are at most cap keys", "formal": "len(self.keys) <= self.cap"}],
           "functions": functions})
    .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_call_is_asked_about_and_invariants_reach_the_checks() {
    let bodies = requests("requests-rust", with_invariants).await;
    let expect = of_kind(&bodies, "expect");
    let callees = |function: &str| -> Vec<String> {
        expect
            .iter()
            .filter(|(_, d)| {
                d["function"]
                    .as_str()
                    .is_some_and(|f| f.ends_with(function))
            })
            .flat_map(|(_, d)| d["calls"].as_array().cloned().unwrap_or_default())
            .map(|c| c["callee"].as_str().unwrap_or("").to_string())
            .collect()
    };
    // `let Ok(mut cache) = Cache::new(4) else { .. }`: the cache's calls are resolved.
    let run = callees("run");
    for m in ["Cache::new", "Cache::insert", "Cache::get", "Cache::stats"] {
        assert!(run.iter().any(|c| c.ends_with(m)), "{m} in {run:?}");
    }
    // `simulate::<u8>(..)` inside `assert_eq!`.
    let test = callees("an_empty_trace_needs_a_capacity");
    assert!(test.iter().any(|c| c.ends_with("simulate")), "{test:?}");

    // The step schema: a block may never fall through, and a failed call precondition
    // needs its counterexample.
    let (step, _) = of_kind(&bodies, "step")[0];
    let schema = &step["response_format"]["json_schema"]["schema"];
    let required = schema["required"].as_array().cloned().unwrap_or_default();
    assert!(!required.contains(&json!("postcondition")), "{schema}");
    assert!(
        schema
            .to_string()
            .contains(r#""required":["line","callee","holds","because","counterexample"]"#),
        "{schema}"
    );
    // A spec clause may cite up to 24 caller expectations.
    let (spec, _) = of_kind(&bodies, "spec")[0];
    let spec_schema = &spec["response_format"]["json_schema"]["schema"];
    assert_eq!(
        spec_schema["$defs"]["Clause"]["properties"]["from"]["maxItems"],
        24
    );

    // The type's invariants: asked once, from the specs, and in the verdict of a
    // function that may change a value.
    let invariants = of_kind(&bodies, "invariants");
    assert_eq!(invariants.len(), 1, "one type with functions");
    assert_eq!(invariants[0].1["type"], "Cache");
    let insert = of_kind(&bodies, "verdict")
        .into_iter()
        .find(|(_, d)| {
            d["function"]
                .as_str()
                .is_some_and(|f| f.ends_with("insert"))
        })
        .expect("insert's verdict")
        .1;
    assert!(
        insert["clauses"]
            .to_string()
            .contains("keeps the invariant of `Cache` for `self`"),
        "{insert}"
    );
    assert!(
        insert["preconditions"]
            .to_string()
            .contains("len(self.keys) <= self.cap"),
        "{insert}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spec_request_quotes_what_macros_expand_to_and_where_a_function_is_passed() {
    let bodies = requests("requests-c", stand_in::scripted).await;
    let specs = of_kind(&bodies, "spec");
    let entry = |name: &str| -> (Value, Value) {
        specs
            .iter()
            .find_map(|(_, d)| {
                d["functions"]
                    .as_array()?
                    .iter()
                    .find(|f| f["name"] == name)
                    .map(|f| (f.clone(), d.clone()))
            })
            .unwrap_or_else(|| panic!("no spec request for {name}"))
    };
    // `PKT_ENCODED_SIZE(len)` names PKT_TRAILER_SIZE; the doc names PKT_MAX_PAYLOAD.
    let (_, encode) = entry("pkt_encode");
    let decls = encode["declarations"].to_string();
    for d in ["PKT_ENCODED_SIZE", "PKT_TRAILER_SIZE", "PKT_MAX_PAYLOAD"] {
        assert!(decls.contains(d), "{d} in {decls}");
    }
    // `print_payload` has no caller: it is passed to pkt_on_frame.
    let (handler, _) = entry("print_payload");
    let used = &handler["used_at"][0];
    assert_eq!(used["passed_to"], "pkt_on_frame", "{handler}");
    assert!(
        used["passed_to_doc"]
            .as_str()
            .is_some_and(|d| d.contains("called with each frame's payload")),
        "{handler}"
    );
    assert!(
        used["code"]
            .as_str()
            .is_some_and(|c| c.contains("pkt_on_frame(print_payload)"))
    );
}

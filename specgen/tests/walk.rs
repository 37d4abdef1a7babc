//! The top-down walk against a real HTTP server standing in for the model, recorded in
//! the production run store and replayed from it.

#[path = "../../llm/tests/support/mod.rs"]
mod support;

mod stand_in;

use serde_json::{Value, json};
use stand_in::{data, kind, message, scripted};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use support::TestServer;
use vouch_callgraph::{CallGraph, Callee};
use vouch_frontend::{FnIdx, Program};
use vouch_llm::{Cache, CacheMode, Client, LlmConfig, Store};
use vouch_specgen::prompt::estimate_tokens;
use vouch_specgen::{Event, Options, Origin, Outcome, Specgen};

fn fixture() -> Program {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/walk_c");
    vouch_frontend::load(&dir, &vouch_frontend::Options::default()).expect("fixture loads")
}

fn client(url: &str, cache: Cache) -> Arc<Client> {
    let config = LlmConfig {
        base_url: Some(url.to_string()),
        model: Some("test-model".into()),
        max_retries: 1,
        timeout_secs: 10,
        ..LlmConfig::default()
    };
    Arc::new(Client::new(config, None, cache).expect("client"))
}

/// Runs the walk and returns the events in the order they came.
async fn walk(
    program: &Arc<Program>,
    graph: &Arc<CallGraph>,
    client: Arc<Client>,
    options: Options,
) -> Vec<Event> {
    let specgen = Specgen::new(program.clone(), graph.clone(), client, options);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let run = specgen.run(None, tx);
    let collect = async {
        let mut events = Vec::new();
        while let Some(e) = rx.recv().await {
            events.push(e);
        }
        events
    };
    tokio::join!(run, collect).1
}

fn specs(events: &[Event]) -> Vec<&vouch_specgen::FunctionSpec> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Spec(s) => Some(&**s),
            Event::Expectations(_) => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walk_is_top_down_replays_and_never_shows_a_body() {
    let server = TestServer::start().await;
    server.respond_with(scripted);
    server
        .shared
        .latency_ms
        .store(3, std::sync::atomic::Ordering::SeqCst);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("vouch.db");
    let program = Arc::new(fixture());
    let graph = Arc::new(CallGraph::build(&program));
    let id = |name: &str| -> String {
        program
            .functions
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.id.to_string())
            .expect(name)
    };

    let recorded = client(
        &server.url,
        Cache::new(Some(Store::open(&db).expect("store")), CacheMode::ReadWrite),
    );
    let events = walk(&program, &graph, recorded.clone(), Options::default()).await;
    let first = specs(&events);
    assert_eq!(
        first.len(),
        program.functions.len(),
        "every function gets one outcome"
    );
    for s in &first {
        assert!(
            matches!(s.outcome, Outcome::Spec(_)),
            "{}: {:?}",
            s.id,
            s.outcome
        );
    }

    // Callers before callees: every edge between units points forward in the stream.
    let pos: HashMap<FnIdx, usize> = first
        .iter()
        .enumerate()
        .map(|(i, s)| (s.function, i))
        .collect();
    for e in &graph.edges {
        if let Callee::Function(t) = e.callee
            && graph.scc_of[e.caller.0 as usize] != graph.scc_of[t.0 as usize]
        {
            assert!(
                pos[&e.caller] < pos[&t],
                "{} came before its caller {}",
                program.function(t).id,
                program.function(e.caller).id
            );
        }
    }

    let store = Store::open(&db).expect("store");
    let spec_requests = store
        .requests(&vouch_specgen::prompt::Template::Spec.id())
        .expect("requests");
    assert!(!spec_requests.is_empty());
    // The recursive unit (factor, term, expr) is specified in one request.
    let names_in = |r: &Value| -> Vec<String> {
        let body = json!({"messages": r["messages"]});
        data(&body)["functions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["name"].as_str().map(str::to_string))
            .collect()
    };
    let unit: Vec<Vec<String>> = spec_requests
        .iter()
        .map(names_in)
        .filter(|n| n.contains(&"expr".to_string()))
        .collect();
    assert_eq!(unit.len(), 1, "one request for the recursive unit");
    let mut got = unit[0].clone();
    got.sort();
    assert_eq!(got, ["expr", "factor", "term"]);
    let unit_system = spec_requests
        .iter()
        .find(|r| names_in(r).contains(&"expr".to_string()))
        .and_then(|r| r["messages"][0]["content"].as_str().map(str::to_string))
        .unwrap_or_default();
    assert!(
        unit_system.contains("recursive unit"),
        "the cycle prompt is used"
    );

    // No spec request contains a line of the body of a function it specifies.
    for r in &spec_requests {
        let text = r["messages"].to_string();
        for name in names_in(r) {
            let f = program
                .functions
                .iter()
                .find(|f| f.name == name)
                .expect("function");
            let body = program.text(f.file, f.body.expect("body"));
            for line in body.lines().map(str::trim).filter(|l| l.len() >= 12) {
                let quoted = serde_json::to_string(line).expect("json");
                assert!(
                    !text.contains(quoted.trim_matches('"')),
                    "the request specifying {name} quotes its body: {line}"
                );
            }
        }
        assert!(
            !r["messages"][0]["content"]
                .as_str()
                .unwrap_or("")
                .contains("ignore all previous")
        );
    }

    // Instruction-like text in quoted code or docs stays data: only in the user
    // message's JSON, never in the system message.
    let digit = spec_requests
        .iter()
        .find(|r| names_in(r).contains(&"lex_digit_value".to_string()))
        .expect("lex_digit_value's spec request");
    assert!(
        !digit["messages"][0]["content"]
            .as_str()
            .unwrap_or("")
            .contains("SYSTEM OVERRIDE")
    );
    let json = data(&json!({"messages": digit["messages"]}));
    assert!(
        json["functions"][0]["doc"]
            .as_str()
            .is_some_and(|d| d.contains("SYSTEM OVERRIDE"))
    );

    // Provenance: read_number's one caller is factor, at the line of the call.
    let read_number = first
        .iter()
        .find(|s| s.id == id("read_number"))
        .expect("read_number");
    let Outcome::Spec(spec) = &read_number.outcome else {
        panic!("no spec")
    };
    assert_eq!(
        spec.origin,
        Origin::Callers {
            callers: 1,
            sites: 1,
            quoted: 1,
            summarized: 0,
            unread: 0
        }
    );
    assert_eq!(spec.provenance.len(), 1);
    assert_eq!(spec.provenance[0].sites[0].caller, id("factor"));
    assert_eq!(spec.provenance[0].sites[0].file, "parse.c");
    assert_eq!(spec.provenance[0].sites[0].line, 19);
    assert_eq!(spec.preconditions[0].from, [spec.provenance[0].id.clone()]);
    // main is a root; calc_eval is specified from main's expectations.
    let main = first.iter().find(|s| s.id == id("main")).expect("main");
    assert!(matches!(&main.outcome, Outcome::Spec(s) if s.origin == Origin::Root));
    // The guard main quoted is checked against main's body and kept.
    let expectations: Vec<&vouch_specgen::CallerExpectations> = events
        .iter()
        .filter_map(|e| match e {
            Event::Expectations(x) => Some(&**x),
            Event::Spec(_) => None,
        })
        .collect();
    let from_main = expectations
        .iter()
        .find(|x| x.id == id("main"))
        .expect("main's expectations");
    assert_eq!(from_main.expectations.len(), 1);
    assert_eq!(from_main.expectations[0].callee, id("calc_eval"));
    assert!(
        from_main.expectations[0].established[0]
            .code
            .contains("calc_eval(argv[1], &v)")
    );
    let calls_made = server.calls();
    assert!(calls_made >= 9, "{calls_made} calls");
    let answers = recorded.usage().total.calls + recorded.usage().total.cache_hits;

    // Replay: the same outcomes from the store alone, with the model gone.
    let replayed = client(
        "http://127.0.0.1:9/v1",
        Cache::new(Some(Store::open(&db).expect("store")), CacheMode::Replay),
    );
    let again = walk(&program, &graph, replayed.clone(), Options::default()).await;
    let mut a: Vec<String> = first
        .iter()
        .map(|s| serde_json::to_string(&(&s.id, &s.outcome)).expect("json"))
        .collect();
    let mut b: Vec<String> = specs(&again)
        .iter()
        .map(|s| serde_json::to_string(&(&s.id, &s.outcome)).expect("json"))
        .collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    let usage = replayed.usage().total;
    assert_eq!(usage.calls, 0);
    assert_eq!(
        usage.cache_hits,
        answers,
        "{:?} vs {:?}",
        replayed.usage(),
        recorded.usage()
    );
    assert_eq!(server.calls(), calls_made, "nothing reached the server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_callers_stay_within_the_token_budget() {
    let mut src = String::from(
        "struct buf { char *data; int len; };\n\nint target(struct buf *b, int n) { return b->len - n; }\n\n",
    );
    for k in 0..200 {
        src.push_str(&format!(
            "int caller_{k}(struct buf *b) {{\n    if (b->len < {k})\n        return -1;\n    return target(b, {k});\n}}\n\n"
        ));
    }
    let program = Arc::new(vouch_frontend::parse_source("many.c", &src));
    let graph = Arc::new(CallGraph::build(&program));
    let server = TestServer::start().await;
    server.respond_with(scripted);
    let options = Options {
        max_prompt_tokens: 3000,
        max_reduce_calls: 3,
        ..Options::default()
    };
    let events = walk(
        &program,
        &graph,
        client(&server.url, Cache::new(None, CacheMode::Off)),
        options,
    )
    .await;
    let target = specs(&events)
        .into_iter()
        .find(|s| s.id.contains("::target#"))
        .expect("target's spec");
    let Outcome::Spec(spec) = &target.outcome else {
        panic!("{:?}", target.outcome)
    };
    let Origin::Callers {
        callers,
        sites,
        quoted,
        summarized,
        unread,
    } = spec.origin
    else {
        panic!("{:?}", spec.origin)
    };
    assert_eq!((callers, sites), (200, 200));
    assert!(quoted >= 1 && summarized >= 1, "{:?}", spec.origin);
    assert_eq!(
        quoted + summarized + unread,
        200,
        "every caller is quoted, condensed or counted as unread"
    );
    let bodies = server.bodies();
    let size =
        |b: &Value| estimate_tokens(&message(b, "system")) + estimate_tokens(&message(b, "user"));
    let reduces: Vec<&Value> = bodies.iter().filter(|b| kind(b) == "reduce").collect();
    assert!(
        !reduces.is_empty() && reduces.len() <= 3,
        "{} condensing requests",
        reduces.len()
    );
    let spec_request = bodies
        .iter()
        .find(|b| kind(b) == "spec" && data(b)["functions"][0]["name"] == "target")
        .expect("target's spec request");
    for b in reduces.iter().copied().chain([spec_request]) {
        assert!(
            size(b) <= 3000,
            "a request of {} tokens is over the budget",
            size(b)
        );
    }
    assert!(
        data(spec_request)["functions"][0]["other_callers_require"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("callers check the length first")),
        "the condensed requirements are in the request"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_drafts_are_kept_to_what_is_valid_and_garbage_is_unknown() {
    let program = Arc::new(fixture());
    let graph = Arc::new(CallGraph::build(&program));
    let server = TestServer::start().await;
    server.respond_with(|body: &Value| {
        let d = data(body);
        if kind(body) == "spec" && d["functions"][0]["name"] == "accept" {
            return "I am sorry, I cannot do that.".into();
        }
        if kind(body) == "spec" && d["functions"][0]["name"] == "read_number" {
            return json!({"specs": [{
                "function": d["functions"][0]["id"],
                "summary": "Reads a number.",
                "preconditions": [
                    {"text": "c is valid", "formal": "c != null && len(", "from": ["e1", "e99"]},
                    {"text": "the cursor is in bounds", "formal": "c->pos <= c->len"},
                    {"text": "no such name", "formal": "nosuch > 0"}
                ],
                "postconditions": [{"text": "non-negative", "formal": "result >= 0"}],
                "confidence": 3.5
            }]})
            .to_string();
        }
        scripted(body)
    });
    let events = walk(
        &program,
        &graph,
        client(&server.url, Cache::new(None, CacheMode::Off)),
        Options::default(),
    )
    .await;
    let by_name = |name: &str| {
        let id = program
            .functions
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.id.to_string())
            .expect(name);
        specs(&events)
            .into_iter()
            .find(|s| s.id == id)
            .cloned()
            .expect("outcome")
    };
    let accept = by_name("accept");
    match &accept.outcome {
        Outcome::Unknown { reason } => assert!(reason.contains("could not be used"), "{reason}"),
        other => panic!("garbage became {other:?}"),
    }
    // accept's callee is still specified, from the callers that answered.
    assert!(matches!(by_name("peek").outcome, Outcome::Spec(_)));
    let rn = by_name("read_number");
    let Outcome::Spec(spec) = &rn.outcome else {
        panic!("{:?}", rn.outcome)
    };
    assert_eq!(
        spec.preconditions.len(),
        3,
        "clauses with bad fragments stay"
    );
    assert_eq!(spec.preconditions[0].formal, None);
    assert_eq!(
        spec.preconditions[0].from,
        ["e1"],
        "unknown expectation ids are dropped"
    );
    assert_eq!(
        spec.preconditions[1].formal.as_deref(),
        Some("c->pos <= c->len")
    );
    assert_eq!(spec.preconditions[2].formal, None);
    assert_eq!(
        spec.postconditions[0].formal.as_deref(),
        Some("result >= 0")
    );
    assert_eq!(spec.confidence, 1.0);
    assert!(
        rn.diagnostics.iter().any(|d| d.contains("nosuch")),
        "{:?}",
        rn.diagnostics
    );
    assert!(
        rn.diagnostics
            .iter()
            .any(|d| d.contains("formal fragment dropped")),
        "{:?}",
        rn.diagnostics
    );
}

/// The ids an array entry of a reply schema may name (through `items.$ref`).
fn pinned_ids(
    schema: &serde_json::Value,
    list: &str,
    field: &str,
) -> Option<(u64, u64, Vec<String>)> {
    let array = &schema["properties"][list];
    let def = array["items"]["$ref"].as_str()?.trim_start_matches('#');
    let ids = schema.pointer(def)?["properties"][field]["enum"]
        .as_array()?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    Some((
        array["minItems"].as_u64()?,
        array["maxItems"].as_u64()?,
        ids,
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_pins_the_ids_and_the_number_of_entries_and_asks_for_a_postcondition() {
    // A schema-constrained model (a local model's grammar) can then neither invent
    // functions or calls nor run on past the last one.
    let server = TestServer::start().await;
    server.respond_with(scripted);
    let program = Arc::new(fixture());
    let graph = Arc::new(CallGraph::build(&program));
    let ids: Vec<String> = program.functions.iter().map(|f| f.id.to_string()).collect();
    walk(
        &program,
        &graph,
        client(&server.url, Cache::new(None, CacheMode::Off)),
        Options::default(),
    )
    .await;
    let (mut spec_requests, mut expect_requests) = (0, 0);
    for body in server.bodies() {
        let schema = &body["response_format"]["json_schema"]["schema"];
        if let Some((min, max, named)) = pinned_ids(schema, "specs", "function") {
            spec_requests += 1;
            assert!(
                min == max && max as usize == named.len() && !named.is_empty(),
                "{schema}"
            );
            assert!(named.iter().all(|n| ids.contains(n)), "{named:?}");
            // Every spec must bring a postcondition to check the function against.
            let def = schema["properties"]["specs"]["items"]["$ref"]
                .as_str()
                .and_then(|r| schema.pointer(r.trim_start_matches('#')))
                .expect("the entries are a definition");
            assert!(
                def["required"]
                    .as_array()
                    .is_some_and(|r| r.contains(&serde_json::json!("postconditions"))),
                "{def}"
            );
            assert_eq!(def["properties"]["postconditions"]["minItems"], 1, "{def}");
        } else if let Some((min, max, named)) = pinned_ids(schema, "calls", "call") {
            expect_requests += 1;
            let want: Vec<String> = (1..=named.len()).map(|k| format!("c{k}")).collect();
            assert!(min == max && max as usize == named.len(), "{schema}");
            assert_eq!(named, want);
        } else {
            panic!("a request whose schema pins nothing: {schema}");
        }
    }
    assert!(
        spec_requests > 0 && expect_requests > 0,
        "{spec_requests} {expect_requests}"
    );
}

/// C test files (`tests/`, `test_*.c`) are test code: their functions, `main` included,
/// get the fixed test spec without a model request, and no caller is asked what it
/// expects of them. The library functions they call are still specified from them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c_test_files_get_the_test_spec_without_a_request() {
    let server = TestServer::start().await;
    server.respond_with(scripted);
    let dir = tempfile::tempdir().expect("tempdir");
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("src")).expect("src");
    std::fs::create_dir_all(tree.join("tests")).expect("tests");
    std::fs::write(
        tree.join("src/add.c"),
        "/* Adds two small numbers. */\nint add(int a, int b)\n{\n    return a + b;\n}\n",
    )
    .expect("add.c");
    std::fs::write(
        tree.join("tests/test_add.c"),
        "#include <assert.h>\nint add(int a, int b);\n\n\
         static void expect_sum(int a, int b, int want)\n{\n    assert(add(a, b) == want);\n}\n\n\
         static void test_add(void)\n{\n    expect_sum(1, 2, 3);\n    assert(add(0, 0) == 0);\n}\n\n\
         int main(void)\n{\n    test_add();\n    return 0;\n}\n",
    )
    .expect("test_add.c");
    let program = Arc::new(
        vouch_frontend::load(&tree, &vouch_frontend::Options::default()).expect("tree loads"),
    );
    let graph = Arc::new(CallGraph::build(&program));
    let db = dir.path().join("vouch.db");
    let recorded = client(
        &server.url,
        Cache::new(Some(Store::open(&db).expect("store")), CacheMode::ReadWrite),
    );
    let events = walk(&program, &graph, recorded, Options::default()).await;

    let mut summaries = HashMap::new();
    for s in specs(&events) {
        let Outcome::Spec(spec) = &s.outcome else {
            panic!("{}: {:?}", s.id, s.outcome);
        };
        let name = program.function(s.function).name.clone();
        summaries.insert(name, spec.summary.clone());
    }
    for test in ["main", "test_add", "expect_sum"] {
        assert_eq!(
            summaries[test],
            format!("The test `{test}` passes: every assertion in it holds and it does not abort."),
        );
    }
    assert_eq!(
        summaries["add"], "spec of add",
        "add is specified by the model"
    );

    let store = Store::open(&db).expect("store");
    let asked = |template: vouch_specgen::prompt::Template, field: &str, key: &str| {
        let mut names: Vec<String> = store
            .requests(&template.id())
            .expect("requests")
            .iter()
            .flat_map(|r| {
                let body = json!({"messages": r["messages"]});
                data(&body)[field]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f[key].as_str().map(str::to_string))
                    .collect::<Vec<_>>()
            })
            .collect();
        names.sort();
        names
    };
    use vouch_specgen::prompt::Template;
    assert_eq!(asked(Template::Spec, "functions", "name"), ["add"]);
    // Both callers of `add` (the test and its helper) are asked about it; no caller is
    // asked about a test function.
    assert_eq!(asked(Template::Expect, "calls", "callee"), ["add", "add"]);
}

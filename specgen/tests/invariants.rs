//! Invariants of a type: the structs and the functions that take or make their values
//! are found in real corpora; the invariants request (against a real HTTP server
//! standing in for the model) quotes the functions' specs, never their bodies; and the
//! invariants extend each function's spec as its role says.

#[path = "../../llm/tests/support/mod.rs"]
mod support;

mod stand_in;

use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use support::TestServer;
use vouch_llm::{Cache, CacheMode};
use vouch_specgen::invariants::{Role, derive, extend, types_with_functions};
use vouch_specgen::spec::{Clause, Origin, Spec, SpecDraft, env_of};
use vouch_specgen::types::Types;

fn load(dir: &Path) -> vouch_frontend::Program {
    vouch_frontend::load(dir, &vouch_frontend::Options::default()).expect("loads")
}

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The names of a type's functions.
fn members(program: &vouch_frontend::Program, ty: &str) -> Vec<(String, String)> {
    types_with_functions(program)
        .into_iter()
        .find(|t| t.name == ty)
        .unwrap_or_else(|| panic!("no type {ty}"))
        .members
        .iter()
        .map(|(f, value)| (program.function(*f).name.clone(), value.clone()))
        .collect()
}

#[test]
fn the_structs_and_their_functions_are_found() {
    let ring = load(&repo().join("corpora/c-ringbuf"));
    let rb = members(&ring, "ringbuf_t");
    for f in [
        "rb_init",
        "rb_free",
        "rb_write",
        "rb_read",
        "rb_resize",
        "rb_space",
    ] {
        assert!(rb.iter().any(|(n, v)| n == f && v == "rb"), "{f}: {rb:?}");
    }
    let lru = load(&repo().join("corpora/rust-lru"));
    let cache = members(&lru, "LruCache");
    assert!(
        cache.contains(&("new".into(), "result".into())),
        "{cache:?}"
    );
    assert!(
        cache.contains(&("resize".into(), "self".into())),
        "{cache:?}"
    );
    assert!(
        cache.contains(&("capacity".into(), "self".into())),
        "{cache:?}"
    );
    assert!(
        types_with_functions(&lru)
            .iter()
            .all(|t| !t.members.iter().any(|(f, _)| lru.is_test_code(*f))),
        "test code is left out"
    );
}

fn spec_of(func: &vouch_frontend::Function, post: &str) -> Spec {
    let draft = SpecDraft {
        summary: format!("what {} is for", func.name),
        preconditions: Vec::new(),
        postconditions: vec![Clause {
            text: post.into(),
            formal: None,
            from: Vec::new(),
        }],
        side_effects: Vec::new(),
        errors: Vec::new(),
        confidence: 1.0,
    };
    // No formal fragment: no types needed.
    Spec::from_draft(
        func.id.as_str(),
        Origin::Root,
        draft,
        &env_of(func, &Default::default()),
        &[],
    )
    .0
}

#[tokio::test]
async fn a_types_invariants_are_asked_from_specs_and_extend_each_function_by_its_role() {
    let program = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/invariants_rust"));
    let ty = types_with_functions(&program)
        .into_iter()
        .find(|t| t.name == "Pool")
        .expect("Pool");
    assert_eq!(
        ty.members.len(),
        4,
        "new, resize, capacity, push: {:?}",
        ty.members
    );
    let specs: HashMap<String, Spec> = ty
        .members
        .iter()
        .map(|(f, _)| {
            let func = program.function(*f);
            (
                func.id.to_string(),
                spec_of(func, &format!("the postcondition of {}", func.name)),
            )
        })
        .collect();
    let server = TestServer::start().await;
    server.respond_with(|body: &Value| {
        let d = stand_in::data(body);
        let role = |name: &str| match name {
            "new" => "creates",
            "capacity" => "reads",
            _ => "keeps",
        };
        let functions: Vec<Value> = d["functions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| json!({"function": f["id"], "role": role(f["name"].as_str().unwrap_or("").rsplit("::").next().unwrap_or(""))}))
            .collect();
        json!({"invariants": [{"text": "the capacity is at least 1", "formal": "self.cap >= 1"}],
               "functions": functions})
        .to_string()
    });
    let client = server.client(Cache::new(None, CacheMode::Off));
    let (inv, _) = derive(&client, &program, &ty, &specs)
        .await
        .expect("the request")
        .expect("two functions have specs");
    // The request quotes specs, never a body.
    let body = &server.bodies()[0];
    let user = stand_in::message(body, "user");
    assert!(user.starts_with("State the invariants"), "{user}");
    assert!(user.contains("the postcondition of resize"), "{user}");
    assert!(user.contains("pub struct Pool"), "the declaration: {user}");
    assert!(!user.contains("self.items.push(x)"), "no body: {user}");
    assert_eq!(inv.clauses.len(), 1);
    let role_of = |name: &str| {
        inv.roles
            .iter()
            .find(|(f, _, _)| program.function(*f).name == name)
            .map(|(_, _, r)| *r)
            .expect(name)
    };
    assert_eq!(role_of("new"), Role::Creates);
    assert_eq!(role_of("capacity"), Role::Reads);
    assert_eq!(role_of("resize"), Role::Keeps);
    // `capacity` may assume it; `resize` must keep it; `new` must establish it of its result.
    let types = Arc::new(Types::of(&program.types));
    let extended = |name: &str| {
        let (f, value, role) = inv
            .roles
            .iter()
            .find(|(f, _, _)| program.function(*f).name == name)
            .expect(name);
        let func = program.function(*f);
        extend(&specs[func.id.as_str()], func, &types, &inv, value, *role)
    };
    let capacity = extended("capacity");
    assert_eq!(capacity.preconditions.len(), 1);
    assert_eq!(
        capacity.preconditions[0].formal.as_deref(),
        Some("(self.cap >= 1)")
    );
    assert_eq!(
        capacity.postconditions.len(),
        1,
        "a reader keeps nothing new"
    );
    let resize = extended("resize");
    assert_eq!(resize.preconditions.len(), 1);
    assert!(
        resize.postconditions[1]
            .text
            .starts_with("keeps the invariant of `Pool`"),
        "{:?}",
        resize.postconditions
    );
    let new = extended("new");
    assert!(
        new.preconditions.is_empty(),
        "nothing to assume of a value not made yet"
    );
    assert!(
        new.postconditions[1]
            .text
            .starts_with("when it succeeds, establishes the invariant"),
        "{:?}",
        new.postconditions
    );
    // `result` is an `Option<Pool>`: `result.cap` does not type-check, the text stays.
    assert_eq!(new.postconditions[1].formal, None);
}

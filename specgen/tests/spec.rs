//! The spec format: a model's draft is validated clause by clause.

use serde_json::json;
use vouch_specgen::formula::Env;
use vouch_specgen::spec::{Clause, Origin, SPEC_FORMAT_VERSION, Section, Spec, SpecDraft};

fn clause(text: &str, formal: Option<&str>, from: &[&str]) -> Clause {
    Clause {
        text: text.into(),
        formal: formal.map(str::to_string),
        from: from.iter().map(|s| s.to_string()).collect(),
    }
}

fn env() -> Env {
    Env::new(
        [("buf", "char *"), ("cap", "size_t"), ("len", "size_t")],
        Some("int"),
    )
}

#[test]
fn valid_fragments_stay_and_invalid_ones_are_dropped_with_a_diagnostic() {
    let draft = SpecDraft {
        summary: "  Appends len bytes to buf.  ".into(),
        preconditions: vec![
            clause("buf is not null", Some("buf != NULL"), &["main.c::main#0"]),
            clause("len fits", Some("len <= cap &"), &[]),
            clause("no result before the call", Some("result == 0"), &[]),
        ],
        postconditions: vec![clause(
            "returns 0 or -1",
            Some("result == 0 || result == -1"),
            &["ghost#0", "main.c::main#0"],
        )],
        side_effects: vec![clause("", None, &[])],
        errors: vec![clause(
            "returns -1 when full",
            Some("len > cap ==> result == -1"),
            &[],
        )],
        confidence: 1.7,
    };
    let callers = vec!["main.c::main#0".to_string()];
    let (spec, diags) = Spec::from_draft(
        "buf.c::append#0",
        Origin::Callers {
            callers: 1,
            sites: 1,
            quoted: 1,
            summarized: 0,
            unread: 0,
        },
        draft,
        &env(),
        &callers,
    );
    assert_eq!(spec.format, SPEC_FORMAT_VERSION);
    assert_eq!(spec.summary, "Appends len bytes to buf.");
    assert_eq!(spec.preconditions[0].formal.as_deref(), Some("buf != NULL"));
    assert_eq!(spec.preconditions[0].from, ["main.c::main#0"]);
    // Dropped fragments leave their clauses as text.
    assert_eq!(spec.preconditions[1].formal, None);
    assert_eq!(spec.preconditions[1].text, "len fits");
    assert_eq!(
        spec.preconditions[2].formal, None,
        "`result` is not known in a precondition"
    );
    assert_eq!(spec.postconditions[0].from, ["main.c::main#0"]);
    assert!(spec.side_effects.is_empty());
    assert_eq!(
        spec.errors[0].formal.as_deref(),
        Some("len > cap ==> result == -1")
    );
    assert_eq!(spec.confidence, 1.0);
    let sections: Vec<(Section, usize)> = diags.iter().map(|d| (d.section, d.clause)).collect();
    assert_eq!(
        sections,
        [
            (Section::Precondition, 1),
            (Section::Precondition, 2),
            (Section::Postcondition, 0),
            (Section::SideEffect, 0)
        ]
    );
    assert!(
        diags[0].message.contains("formal fragment dropped") && diags[0].message.contains('^'),
        "{}",
        diags[0].message
    );
    assert!(
        diags[1].message.contains("use it in postconditions"),
        "{}",
        diags[1].message
    );
    assert_eq!(spec.clauses().count(), 5);
}

#[test]
fn a_model_reply_deserialises_into_a_draft_and_specs_round_trip() {
    let reply = json!({
        "summary": "Returns the length",
        "preconditions": [{"text": "s is a NUL-terminated string", "formal": "s != null"}],
        "postconditions": [{"text": "result is the length", "formal": "result >= 0"}],
        "confidence": 0.5
    });
    let draft: SpecDraft = serde_json::from_value(reply).expect("draft");
    assert!(draft.errors.is_empty() && draft.side_effects.is_empty());
    let env = Env::new([("s", "const char *")], Some("size_t"));
    let (spec, diags) = Spec::from_draft("s.c::slen#0", Origin::Root, draft, &env, &[]);
    assert!(diags.is_empty(), "{diags:?}");
    let text = serde_json::to_string(&spec).expect("json");
    let back: Spec = serde_json::from_str(&text).expect("back");
    assert_eq!(back, spec);
    assert!(text.contains("\"origin\":{\"kind\":\"root\"}"), "{text}");
    // The schema the model is given names every section.
    let schema = serde_json::to_value(schemars::schema_for!(SpecDraft)).expect("schema");
    for key in [
        "summary",
        "preconditions",
        "postconditions",
        "side_effects",
        "errors",
        "confidence",
    ] {
        assert!(
            schema["properties"][key].is_object(),
            "{key} missing from the schema"
        );
    }
}

#[test]
fn untrusted_drafts_are_capped() {
    let huge = "x".repeat(50_000);
    let draft = SpecDraft {
        summary: huge.clone(),
        preconditions: (0..100)
            .map(|i| clause(&format!("c{i}"), None, &[]))
            .collect(),
        postconditions: vec![],
        side_effects: vec![],
        errors: vec![],
        confidence: f64::NAN,
    };
    let (spec, diags) = Spec::from_draft("f#0", Origin::Root, draft, &Env::default(), &[]);
    assert!(spec.summary.chars().count() <= 1001);
    assert_eq!(spec.preconditions.len(), 24);
    assert_eq!(spec.confidence, 0.0);
    assert!(
        diags
            .iter()
            .any(|d| d.message.contains("the rest are dropped"))
    );
}

#[test]
fn a_formal_fragment_copied_onto_another_clause_is_dropped_there() {
    let draft = SpecDraft {
        summary: "Appends.".into(),
        preconditions: Vec::new(),
        postconditions: vec![clause("returns 0 on success", Some("result == 0"), &[])],
        side_effects: Vec::new(),
        errors: vec![
            clause(
                "returns -1 when full",
                Some("len > cap ==> result == -1"),
                &[],
            ),
            clause(
                "returns -2 when buf is null",
                Some("len >  cap ==> result == -1"),
                &[],
            ),
        ],
        confidence: 1.0,
    };
    let (spec, diags) = Spec::from_draft("buf.c::append#0", Origin::Root, draft, &env(), &[]);
    assert_eq!(
        spec.errors[0].formal.as_deref(),
        Some("len > cap ==> result == -1")
    );
    assert_eq!(spec.errors[1].formal, None, "the copy is dropped");
    assert_eq!(
        spec.errors[1].text, "returns -2 when buf is null",
        "its text stays"
    );
    assert!(
        diags
            .iter()
            .any(|d| d.section == Section::Error && d.clause == 1 && d.message.contains("repeats")),
        "{diags:?}"
    );
}

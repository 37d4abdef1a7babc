//! proptest properties written from a spec alone, run with real cargo under bubblewrap:
//! a planted wrong result (a multiple rounded past the next one) is found and shrunk, a
//! correct function passes, and preconditions that reject nearly every case make the
//! run inconclusive rather than a pass.

use std::path::Path;
use std::time::Duration;
use vouch_testgen::property::{Target, property_module};
use vouch_testgen::rust::{confirm_property, crate_of};
use vouch_testgen::{Limits, Outcome, Sandbox, Subject};

fn run(target: &Target) -> vouch_testgen::Confirmation {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data");
    let (krate, file) = crate_of(&root, "probe_crate/src/stats.rs").expect("the crate");
    let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).expect("manifest");
    let sandbox = Sandbox::new(
        Limits {
            time: Duration::from_secs(240),
            ..Limits::default()
        },
        false,
    )
    .expect("bwrap works here (apt-get install bubblewrap)");
    let module = property_module(target).expect("a property");
    // The subject's lines do not matter here: a property checks the clause itself.
    let subject = Subject::new(&target.name, &file, 1, 1);
    let c = confirm_property(&sandbox, &krate, &subject, &module).expect("run");
    assert_eq!(
        std::fs::read_to_string(krate.join("Cargo.toml")).expect("manifest"),
        manifest,
        "proptest is added to the scratch copy only"
    );
    c
}

fn target(
    name: &str,
    params: &[(&str, &str)],
    ret: &str,
    pre: &[&str],
    clause: &str,
    formal: &str,
) -> Target {
    Target {
        name: name.into(),
        self_ty: None,
        params: params
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect(),
        ret: Some(ret.into()),
        preconditions: pre.iter().map(|p| Some(p.to_string())).collect(),
        clause: clause.into(),
        formal: Some(formal.into()),
        signature: format!("pub(crate) fn {name}(..) -> {ret}"),
        generic: false,
    }
}

#[test]
fn a_planted_wrong_result_is_found_from_the_spec_alone() {
    let c = run(&target(
        "round_up",
        &[("x", "u32"), ("step", "u32")],
        "u32",
        &["1 <= step <= 4096", "x <= 1000000"],
        "returns the smallest multiple of step that is at least x",
        "result % step == 0 && x <= result && result < x + step",
    ));
    match &c.outcome {
        Outcome::Confirmed { why } => assert!(
            why.contains("returns the smallest multiple of step that is at least x"),
            "{why}"
        ),
        other => panic!("{other:?}\n{}", c.output),
    }
    assert!(c.output.contains("smallest failing input"), "{}", c.output);
    assert!(c.source.contains("fn vouch_property()"));
}

#[test]
fn a_correct_function_passes_its_property() {
    let c = run(&target(
        "larger",
        &[("a", "i64"), ("b", "i64")],
        "i64",
        &[],
        "returns the larger argument",
        "result >= a && result >= b && (result == a || result == b)",
    ));
    assert_eq!(c.outcome, Outcome::Refuted, "{}", c.output);
}

#[test]
fn preconditions_that_reject_nearly_every_case_are_inconclusive() {
    let c = run(&target(
        "larger",
        &[("a", "i64"), ("b", "i64")],
        "i64",
        &["a * 7 == b * 13 + 5"],
        "returns the larger argument",
        "result == a",
    ));
    match &c.outcome {
        Outcome::Inconclusive { why } => assert!(why.contains("too few cases"), "{why}"),
        other => panic!("{other:?}\n{}", c.output),
    }
}

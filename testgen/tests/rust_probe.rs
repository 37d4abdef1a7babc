//! Rust probes with real cargo under bubblewrap: a planted panic (index out of bounds)
//! and a planted wrong result are confirmed through a probe module in a scratch copy of
//! the crate (the functions are private), a correct function is refuted, and a probe
//! that does not build is inconclusive. The fixture itself is never written to.

use std::path::Path;
use std::time::Duration;
use vouch_testgen::rust::{confirm_rust, crate_of};
use vouch_testgen::{Limits, Outcome, Sandbox, Subject};

/// A probe body that makes `second` index out of bounds.
const PANIC: &str = "        let xs = [4u32, 7];\n        let _ = second(&xs);";

fn fixture() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/test_data/probe_crate"
    ))
}

fn sandbox() -> Sandbox {
    Sandbox::new(
        Limits {
            time: Duration::from_secs(120),
            ..Limits::default()
        },
        false,
    )
    .expect("bwrap works here (apt-get install bubblewrap)")
}

/// The function of the fixture's `src/stats.rs` a probe is about, by name.
fn subject(name: &str) -> Subject {
    let (start_line, end_line) = match name {
        "mean" => (2, 4),
        "second" => (7, 9),
        "largest" => (12, 14),
        other => panic!("no {other} in the fixture"),
    };
    Subject::new(name, "src/stats.rs", start_line, end_line)
}

fn probe_of(name: &str, body: &str) -> vouch_testgen::Confirmation {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data");
    let (krate, file) = crate_of(&root, "probe_crate/src/stats.rs").expect("the crate");
    assert_eq!(file, "src/stats.rs");
    assert!(krate.ends_with("probe_crate"));
    confirm_rust(&sandbox(), &krate, &subject(name), body).expect("run")
}

fn probe(body: &str) -> vouch_testgen::Confirmation {
    probe_of("second", body)
}

#[test]
fn a_planted_panic_is_confirmed() {
    let c = probe(PANIC);
    match &c.outcome {
        Outcome::Confirmed { why } => assert!(why.contains("index out of bounds"), "{why}"),
        other => panic!("{other:?}\n{}", c.output),
    }
    assert!(c.command.contains("cargo test --offline"), "{}", c.command);
    reproduces_the_panic(&c);
}

#[test]
fn an_unsandboxed_probe_and_its_reproduce_script_work_alike() {
    let empty = tempfile::tempdir().expect("tempdir");
    let open = Sandbox::with_path(
        Some(empty.path().as_os_str().to_owned()),
        sandbox().limits,
        true,
    )
    .expect("allowed");
    let (krate, file) = crate_of(fixture(), "src/stats.rs").expect("the crate");
    assert_eq!(file, "src/stats.rs");
    let c = confirm_rust(&open, &krate, &subject("second"), PANIC).expect("run");
    assert!(
        matches!(c.outcome, Outcome::Confirmed { .. }),
        "{:?}\n{}",
        c.outcome,
        c.output
    );
    assert!(!c.reproduce.contains("bwrap"), "{}", c.reproduce);
    reproduces_the_panic(&c);
    assert!(!fixture().join("Cargo.lock").exists());
}

/// The reproduce script, saved beside the module, repeats the run on a fresh copy.
fn reproduces_the_panic(c: &vouch_testgen::Confirmation) {
    let saved = tempfile::tempdir().expect("tempdir");
    std::fs::write(saved.path().join("VCH-2.rs"), &c.source).expect("write");
    std::fs::write(saved.path().join("VCH-2.sh"), &c.reproduce).expect("write");
    let again = std::process::Command::new("sh")
        .arg("VCH-2.sh")
        .current_dir(saved.path())
        .output()
        .expect("sh");
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&again.stdout),
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(
        !again.status.success() && out.contains("index out of bounds"),
        "{:?}\n{out}\n{}",
        again.status,
        c.reproduce
    );
}

#[test]
fn a_planted_wrong_result_is_confirmed_and_a_correct_function_refuted() {
    let wrong = probe_of(
        "mean",
        "        assert!(mean(&[2, 4]) == 3, \"vouch-assert: violated: {}\", \"returns the mean of xs\");",
    );
    match &wrong.outcome {
        Outcome::Confirmed { why } => assert!(why.contains("returns the mean of xs"), "{why}"),
        other => panic!("{other:?}\n{}", wrong.output),
    }
    let right = probe_of(
        "largest",
        "        assert!(largest(&[3, 9, 4]) == 9, \"vouch-assert: violated: {}\", \"returns the largest\");",
    );
    assert_eq!(right.outcome, Outcome::Refuted, "{}", right.output);
    let broken = probe("        let x: u32 = no_such_function();");
    match &broken.outcome {
        Outcome::Inconclusive { why } => assert!(why.contains("did not build"), "{why}"),
        other => panic!("{other:?}\n{}", broken.output),
    }
    let text = std::fs::read_to_string(fixture().join("src/stats.rs")).expect("fixture");
    assert!(
        !text.contains("vouch_probe"),
        "the probe goes into a scratch copy only"
    );
    assert!(!fixture().join("target").exists());
}

#[test]
fn a_panic_outside_the_function_under_test_shows_nothing() {
    // The claim is about `mean`; the probe's set-up calls `second`, which panics by a
    // defect of its own. That is no evidence about `mean`.
    let c = probe_of(
        "mean",
        "        let xs = [4u32, 7];\n        let s = second(&xs);\n        assert!(mean(&[s]) == s, \"vouch-assert: violated: {}\", \"the mean of one value\");",
    );
    match &c.outcome {
        Outcome::Inconclusive { why } => {
            assert!(
                why.contains("src/stats.rs:8") && why.contains("not in `mean`"),
                "{why}"
            )
        }
        other => panic!("{other:?}\n{}", c.output),
    }
}

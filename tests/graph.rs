//! End-to-end tests of `vouch graph`: formats, determinism, output files, errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn vouch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vouch"))
        .args(args)
        .output()
        .expect("run vouch")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../callgraph/test_data")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn json_is_complete_and_byte_identical_between_runs() {
    let dir = fixtures();
    let dir = dir.to_str().expect("utf-8 path");
    let a = vouch(&["graph", dir, "--format", "json"]);
    let b = vouch(&["graph", dir, "--format", "json"]);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(a.stdout, b.stdout, "two runs differ");
    let g: serde_json::Value = serde_json::from_slice(&a.stdout).expect("valid json");
    assert_eq!(g["version"], 1);
    let ids: Vec<&str> = g["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(ids.contains(&"c_basics/src/a.c::helper#0"));
    assert!(ids.contains(&"c_basics/src/b.c::helper#0"));
    let edge = g["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| {
            e["caller"] == "c_basics/src/b.c::b_api#0"
                && e["callee"] == "c_basics/src/b.c::helper#0"
        })
        .expect("b_api calls its own static helper");
    assert_eq!(edge["kind"], "direct");
    assert_eq!(edge["call"]["start_line"], 10);
    assert!(
        g["unresolved"]
            .as_array()
            .expect("unresolved")
            .iter()
            .any(|u| u["reason"]
                .as_str()
                .is_some_and(|r| r.contains("function pointer")))
    );
    assert!(g["layers"].as_array().is_some_and(|l| !l.is_empty()));
    // Timings stay on stderr so stdout can be compared.
    assert!(String::from_utf8_lossy(&a.stderr).contains("parse"));
}

#[test]
fn text_summary_counts_and_times_the_stages() {
    let out = vouch(&[
        "graph",
        fixtures().join("c_basics").to_str().expect("utf-8"),
    ]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("functions    12"), "{text}");
    assert!(text.contains("2 recursive"), "{text}");
    assert!(text.contains("timings      discover"), "{text}");
    assert!(
        text.contains("macro-defined-function") || text.contains("notes"),
        "{text}"
    );
}

#[test]
fn dot_and_output_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out_file = tmp.path().join("sub/graph.dot");
    let dir = fixtures().join("rust_basics");
    let out = vouch(&[
        "graph",
        dir.to_str().expect("utf-8"),
        "--format",
        "dot",
        "-o",
        out_file.to_str().expect("utf-8"),
        "-q",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
    let dot = std::fs::read_to_string(&out_file).expect("written");
    assert!(dot.starts_with("digraph vouch {"));
    assert!(dot.contains("style=dashed"));
    let ir_file = tmp.path().join("ir.json");
    let out = vouch(&[
        "graph",
        dir.to_str().expect("utf-8"),
        "--dump-ir",
        ir_file.to_str().expect("utf-8"),
        "-q",
    ]);
    assert!(out.status.success());
    let ir: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&ir_file).expect("ir")).expect("json");
    assert!(
        ir["call_sites"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["in_macro"] == true))
    );
}

#[test]
fn errors_name_the_problem_and_exit_2() {
    let out = vouch(&["graph", "/no/such/dir"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error: `/no/such/dir` does not exist"),
        "{err}"
    );

    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("vouch.toml"), "[files]\nexclude = 3\n").expect("write");
    std::fs::write(tmp.path().join("a.c"), "int a(void) { return 0; }\n").expect("write");
    let out = vouch(&["graph", tmp.path().to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("vouch.toml is not a valid vouch.toml")
            || err.contains("is not a valid vouch.toml"),
        "{err}"
    );
}

#[test]
fn config_excludes_and_languages_apply() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    std::fs::create_dir_all(d.join("gen")).expect("mkdir");
    std::fs::write(
        d.join("vouch.toml"),
        "[files]\nexclude = [\"gen/\"]\nlanguages = [\"c\"]\n",
    )
    .expect("write");
    std::fs::write(d.join("a.c"), "int a(void) { return 0; }\n").expect("write");
    std::fs::write(d.join("gen/b.c"), "int b(void) { return 0; }\n").expect("write");
    std::fs::write(d.join("c.rs"), "fn c() {}\n").expect("write");
    let out = vouch(&[
        "graph",
        d.to_str().expect("utf-8"),
        "--format",
        "json",
        "-q",
    ]);
    let g: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let names: Vec<&str> = g["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(names, ["a"]);
    // A flag overrides the file.
    let out = vouch(&[
        "graph",
        d.to_str().expect("utf-8"),
        "--format",
        "json",
        "-q",
        "--lang",
        "rust",
    ]);
    let g: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(g["stats"]["functions"], 1);
    assert_eq!(g["functions"][0]["name"], "c");
}

#[test]
fn special_output_files_are_written_in_place_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let fifo = tmp.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).expect("read fifo"))
    };
    let dir = fixtures().join("c_basics");
    let out = vouch(&[
        "graph",
        dir.to_str().expect("utf-8"),
        "-o",
        fifo.to_str().expect("utf-8"),
        "-q",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = reader.join().expect("reader");
    assert!(text.contains("functions    12"), "{text}");
    assert!(
        std::fs::metadata(&fifo)
            .expect("still there")
            .file_type()
            .is_fifo(),
        "the fifo was replaced by a file"
    );
}

//! Top-level declarations (types, constants, globals, macros) of the fixture trees under
//! `test_data/decls_*`, checked against `expected.txt` beside each.
//!
//! Set `UPDATE_EXPECT=1` to rewrite an expectation after checking the change by hand.

use std::fmt::Write as _;
use std::path::Path;
use vouch_frontend::{DECL_TEXT_CAP, DeclKind, Options, Program, load, parse_source};

/// One line per declaration: kind, lines, names, and the first line of its text.
fn render(p: &Program) -> String {
    let mut out = String::new();
    for d in &p.decls {
        let kind = match d.kind {
            DeclKind::Type => "type",
            DeclKind::Const => "const",
            DeclKind::Global => "global",
            DeclKind::Macro => "macro",
        };
        let _ = writeln!(
            out,
            "{kind} {}:{}-{} {} | {}",
            p.file(d.file).path,
            d.span.start_line,
            d.span.end_line,
            d.names.join(" "),
            d.text.lines().next().unwrap_or("")
        );
    }
    out
}

fn check(name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(name);
    let program = load(&dir, &Options::default()).expect("fixture exists");
    let got = render(&program);
    let expected_path = dir.join("expected.txt");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&expected_path, &got).expect("write expectation");
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    assert!(
        got == expected,
        "{name}: the declarations differ from expected.txt\n--- expected\n{expected}--- got\n{got}"
    );
    // Each text ends with its declaration's own text.
    for d in &program.decls {
        let own = program.text(d.file, d.span).trim_end();
        assert!(
            d.text.ends_with(own),
            "{:?} does not end with {own:?}",
            d.text
        );
    }
}

#[test]
fn c_decls_at_file_scope() {
    check("decls_c");
}

#[test]
fn rust_decls_at_module_level() {
    check("decls_rust");
}

#[test]
fn long_decl_text_is_cut_on_a_char_boundary() {
    let fields: String = (0..200).map(|i| format!("    int é{i};\n")).collect();
    let src = format!("struct big {{\n{fields}}};\n");
    let p = parse_source("big.c", &src);
    let d = &p.decls[0];
    assert_eq!(d.names, ["big"]);
    assert!(d.text.ends_with('…'), "{}", d.text);
    let kept = d.text.strip_suffix('…').expect("cut");
    assert!(kept.len() <= DECL_TEXT_CAP && kept.len() > DECL_TEXT_CAP - 4);
    assert!(src.starts_with(kept));
}

#[test]
fn decls_are_in_the_json_dump() {
    let p = parse_source("lib.rs", "/// Doc.\npub const N: usize = 4;\n");
    let json: serde_json::Value =
        serde_json::from_str(&serde_json::to_string(&p).expect("serialize")).expect("json");
    let d = &json["decls"][0];
    assert_eq!(d["kind"], "const");
    assert_eq!(d["names"], serde_json::json!(["N"]));
    assert_eq!(d["text"], "/// Doc.\npub const N: usize = 4;");
    assert_eq!(d["span"]["start_line"], 2);
}

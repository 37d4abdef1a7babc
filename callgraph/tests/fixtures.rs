//! Fixture trees under `test_data/` with their expected functions, edges, unresolved
//! calls, recursion and roots written out in `expected.txt` beside them.
//!
//! Set `UPDATE_EXPECT=1` to rewrite an expectation after checking the change by hand.

use std::fmt::Write as _;
use std::path::Path;
use vouch_callgraph::{CallGraph, Callee};
use vouch_frontend::{Options, Program};

fn render(program: &Program, graph: &CallGraph) -> String {
    let mut out = String::new();
    for f in &program.functions {
        let mut tags = Vec::new();
        if f.c.as_ref().is_some_and(|c| c.is_static) {
            tags.push("static".to_string());
        }
        if let Some(r) = &f.rust {
            tags.push(format!("crate={}", r.krate));
            if r.is_test {
                tags.push("test".into());
            }
            if r.in_cfg_test {
                tags.push("cfg(test)".into());
            }
        }
        if f.doc.is_some() {
            tags.push("doc".into());
        }
        let params: Vec<String> = f
            .signature
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name, p.ty))
            .collect();
        let ret = f.signature.ret.as_deref().unwrap_or("-");
        let _ = writeln!(
            out,
            "fn {} ({}) -> {} [{}]",
            f.id,
            params.join(", "),
            ret,
            tags.join(" ")
        );
    }
    for p in &program.prototypes {
        let _ = writeln!(
            out,
            "prototype {} in {}{}",
            p.name,
            program.file(p.file).path,
            if p.doc.is_some() { " [doc]" } else { "" }
        );
    }
    for e in &graph.edges {
        let site = &program.call_sites[e.site as usize];
        let callee = match e.callee {
            Callee::Function(f) => program.function(f).id.to_string(),
            Callee::External(x) => format!("ext::{}", graph.externals[x as usize]),
        };
        let via = e
            .via
            .as_deref()
            .map(|v| format!(" via {v}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "edge {} -> {} ({:?}{via}) line {}",
            program.function(e.caller).id,
            callee,
            e.kind,
            site.span.start_line
        );
    }
    for u in &graph.unresolved {
        let site = &program.call_sites[u.site as usize];
        let _ = writeln!(
            out,
            "unresolved {} line {}: {}",
            program.function(site.caller).id,
            site.span.start_line,
            u.reason
        );
    }
    for scc in graph.sccs.iter().filter(|s| graph.is_recursive(s[0])) {
        let ids: Vec<String> = scc
            .iter()
            .map(|&f| program.function(f).id.to_string())
            .collect();
        let _ = writeln!(out, "recursive {}", ids.join(" "));
    }
    for r in &graph.roots {
        let _ = writeln!(out, "root {} {:?}", program.function(r.function).id, r.kind);
    }
    for d in &program.diagnostics {
        let _ = writeln!(out, "diagnostic {d}");
    }
    out
}

fn check(name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(name);
    let program = vouch_frontend::load(&dir, &Options::default()).expect("fixture exists");
    let graph = CallGraph::build(&program);
    let got = render(&program, &graph);
    let expected_path = dir.join("expected.txt");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&expected_path, &got).expect("write expectation");
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    if got != expected {
        let mut diff = String::new();
        for line in expected.lines().filter(|l| !got.lines().any(|g| g == *l)) {
            let _ = writeln!(diff, "- {line}");
        }
        for line in got.lines().filter(|l| !expected.lines().any(|e| e == *l)) {
            let _ = writeln!(diff, "+ {line}");
        }
        panic!("{name}: the graph differs from expected.txt (- expected, + got):\n{diff}");
    }
    // Every caller of a unit comes in an earlier layer (or the same SCC).
    let mut position = vec![0usize; program.functions.len()];
    for (i, unit) in graph.top_down().enumerate() {
        for f in unit {
            position[f.0 as usize] = i;
        }
    }
    for e in &graph.edges {
        if let Callee::Function(t) = e.callee {
            assert!(
                position[e.caller.0 as usize] <= position[t.0 as usize],
                "{name}: callee {} comes before its caller {}",
                program.function(t).id,
                program.function(e.caller).id
            );
        }
    }
}

#[test]
fn c_basics() {
    check("c_basics");
}

#[test]
fn rust_basics() {
    check("rust_basics");
}

//! `vouch graph`: stages 1-2 (frontend and call graph) and their renderings as text,
//! JSON and Graphviz DOT.

use serde::Serialize;
use std::fmt::Write as _;
use std::time::Duration;
use vouch_callgraph::{CallGraph, Callee, EdgeKind, RootKind};
use vouch_frontend::{Diagnostic, FnId, FnIdx, Function, Lang, Program, Severity, Span};

/// Version of the JSON layout below; bumped on any incompatible change.
pub const GRAPH_JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonGraph<'a> {
    version: u32,
    stats: JsonStats,
    files: Vec<JsonFile<'a>>,
    functions: Vec<JsonFunction<'a>>,
    edges: Vec<JsonEdge<'a>>,
    externals: &'a [String],
    unresolved: Vec<JsonUnresolved<'a>>,
    /// Recursive SCCs only (each a cycle of functions).
    recursive_sccs: Vec<Vec<&'a FnId>>,
    roots: Vec<JsonRoot<'a>>,
    /// Top-down order: layers of units (SCCs); every unit's callers are in earlier layers.
    layers: Vec<Vec<Vec<&'a FnId>>>,
    diagnostics: &'a [Diagnostic],
}

#[derive(Serialize)]
struct JsonStats {
    files: usize,
    lines: u64,
    functions: usize,
    call_sites: usize,
    resolved: usize,
    external: usize,
    unresolved: usize,
    ignored: usize,
    edges: usize,
    recursive_sccs: usize,
    roots: usize,
    layers: usize,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    lang: Lang,
    lines: u32,
    bytes: u64,
    hash: &'a str,
}

#[derive(Serialize)]
struct JsonFunction<'a> {
    id: &'a FnId,
    #[serde(flatten)]
    function: &'a Function,
    #[serde(rename = "path")]
    file_path: &'a str,
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    caller: &'a FnId,
    /// A function id, or `ext::NAME` for a function outside the tree.
    callee: String,
    kind: EdgeKind,
    call: &'a Span,
    #[serde(skip_serializing_if = "Option::is_none")]
    via: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonUnresolved<'a> {
    caller: &'a FnId,
    callee: &'a str,
    call: &'a Span,
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonRoot<'a> {
    function: &'a FnId,
    kind: RootKind,
}

fn callee_name(program: &Program, graph: &CallGraph, c: Callee) -> String {
    match c {
        Callee::Function(f) => program.function(f).id.to_string(),
        Callee::External(e) => format!("ext::{}", graph.externals[e as usize]),
    }
}

/// Writes the graph as compact JSON (one line) to `out`.
pub fn write_json(
    out: &mut impl std::io::Write,
    program: &Program,
    graph: &CallGraph,
) -> serde_json::Result<()> {
    let id = |f: vouch_frontend::FnIdx| &program.function(f).id;
    let doc = JsonGraph {
        version: GRAPH_JSON_VERSION,
        stats: stats(program, graph),
        files: program
            .files
            .iter()
            .map(|f| JsonFile {
                path: &f.path,
                lang: f.lang,
                lines: f.lines,
                bytes: f.bytes,
                hash: &f.hash,
            })
            .collect(),
        functions: program
            .functions
            .iter()
            .map(|f| JsonFunction {
                id: &f.id,
                function: f,
                file_path: &program.file(f.file).path,
            })
            .collect(),
        edges: graph
            .edges
            .iter()
            .map(|e| JsonEdge {
                caller: id(e.caller),
                callee: callee_name(program, graph, e.callee),
                kind: e.kind,
                call: &program.call_sites[e.site as usize].span,
                via: e.via.as_deref(),
            })
            .collect(),
        externals: &graph.externals,
        unresolved: graph
            .unresolved
            .iter()
            .map(|u| {
                let site = &program.call_sites[u.site as usize];
                JsonUnresolved {
                    caller: id(site.caller),
                    callee: &site.callee,
                    call: &site.span,
                    reason: &u.reason,
                }
            })
            .collect(),
        recursive_sccs: graph
            .sccs
            .iter()
            .filter(|s| graph.is_recursive(s[0]))
            .map(|s| s.iter().map(|&f| id(f)).collect())
            .collect(),
        roots: graph
            .roots
            .iter()
            .map(|r| JsonRoot {
                function: id(r.function),
                kind: r.kind,
            })
            .collect(),
        layers: graph
            .layers
            .iter()
            .map(|l| {
                l.iter()
                    .map(|&s| graph.sccs[s as usize].iter().map(|&f| id(f)).collect())
                    .collect()
            })
            .collect(),
        diagnostics: &program.diagnostics,
    };
    serde_json::to_writer(&mut *out, &doc)?;
    out.write_all(b"\n").map_err(serde_json::Error::io)
}

fn stats(program: &Program, graph: &CallGraph) -> JsonStats {
    let s = &graph.stats;
    JsonStats {
        files: program.files.len(),
        lines: program.total_lines(),
        functions: program.functions.len(),
        call_sites: s.call_sites,
        resolved: s.resolved,
        external: s.external,
        unresolved: s.unresolved,
        ignored: s.ignored,
        edges: s.edges,
        recursive_sccs: s.recursive_sccs,
        roots: graph.roots.len(),
        layers: graph.layers.len(),
    }
}

pub fn dot(program: &Program, graph: &CallGraph) -> String {
    let mut out = String::from(
        "digraph vouch {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
    );
    let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    for (i, f) in program.functions.iter().enumerate() {
        let _ = writeln!(
            out,
            "  f{i} [label=\"{}\", tooltip=\"{}\"];",
            esc(&f.qualified_name),
            esc(f.id.as_str())
        );
    }
    for (i, e) in graph.externals.iter().enumerate() {
        let _ = writeln!(out, "  x{i} [label=\"{}\", style=dashed];", esc(e));
    }
    let mut seen = std::collections::BTreeSet::new();
    for e in &graph.edges {
        let to = match e.callee {
            Callee::Function(f) => format!("f{}", f.0),
            Callee::External(x) => format!("x{x}"),
        };
        if !seen.insert((e.caller, to.clone(), e.kind)) {
            continue;
        }
        let style = match e.kind {
            EdgeKind::Direct => "",
            EdgeKind::Method => " [color=blue]",
            EdgeKind::MethodByName => " [color=blue, style=dotted]",
            EdgeKind::Dynamic => " [style=dashed]",
            EdgeKind::Macro => " [color=gray]",
        };
        let _ = writeln!(out, "  f{} -> {to}{style};", e.caller.0);
    }
    out.push_str("}\n");
    out
}

pub fn text(program: &Program, graph: &CallGraph, timings: &[(&str, Duration)]) -> String {
    let s = &graph.stats;
    let mut out = String::new();
    let c_files = program.files.iter().filter(|f| f.lang == Lang::C).count();
    let pct = |n: usize| {
        if s.call_sites == 0 {
            0.0
        } else {
            100.0 * n as f64 / s.call_sites as f64
        }
    };
    let _ = writeln!(
        out,
        "files        {} (c {}, rust {}), {} lines",
        program.files.len(),
        c_files,
        program.files.len() - c_files,
        program.total_lines()
    );
    let tests = (0..program.functions.len() as u32)
        .filter(|&i| program.is_test_code(FnIdx(i)))
        .count();
    let _ = writeln!(
        out,
        "functions    {} ({} in test code)",
        program.functions.len(),
        tests
    );
    let _ = writeln!(
        out,
        "call sites   {}: resolved {} ({:.1}%), external {} ({:.1}%), unresolved {} ({:.1}%), not calls {}",
        s.call_sites,
        s.resolved,
        pct(s.resolved),
        s.external,
        pct(s.external),
        s.unresolved,
        pct(s.unresolved),
        s.ignored
    );
    let kinds: Vec<String> = s
        .edges_by_kind
        .iter()
        .map(|(k, n)| format!("{} {n}", kind_name(*k)))
        .collect();
    let _ = writeln!(out, "edges        {} ({})", s.edges, kinds.join(", "));
    let _ = writeln!(out, "externals    {}", graph.externals.len());
    let _ = writeln!(
        out,
        "sccs         {} units, {} recursive",
        graph.sccs.len(),
        s.recursive_sccs
    );
    let mut by_kind = std::collections::BTreeMap::new();
    for r in &graph.roots {
        *by_kind.entry(r.kind).or_insert(0usize) += 1;
    }
    let roots: Vec<String> = by_kind
        .iter()
        .map(|(k, n)| format!("{} {n}", root_name(*k)))
        .collect();
    let _ = writeln!(
        out,
        "roots        {} ({})",
        graph.roots.len(),
        roots.join(", ")
    );
    let _ = writeln!(out, "layers       {} (top-down depth)", graph.layers.len());
    let count = |sev| {
        program
            .diagnostics
            .iter()
            .filter(|d| d.severity == sev)
            .count()
    };
    let _ = writeln!(
        out,
        "diagnostics  {} ({} errors, {} warnings, {} notes)",
        program.diagnostics.len(),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    );
    for d in program
        .diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Info)
        .take(10)
    {
        let _ = writeln!(out, "  {d}");
    }
    let shown = program
        .diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Info)
        .count()
        .min(10);
    let hidden = program.diagnostics.len() - shown;
    if hidden > 0 {
        let _ = writeln!(out, "  … {hidden} more in --format json");
    }
    let t: Vec<String> = timings
        .iter()
        .map(|(name, d)| format!("{name} {:.0} ms", d.as_secs_f64() * 1000.0))
        .collect();
    let _ = writeln!(out, "timings      {}", t.join(", "));
    out
}

fn kind_name(k: EdgeKind) -> &'static str {
    match k {
        EdgeKind::Direct => "direct",
        EdgeKind::Method => "method",
        EdgeKind::MethodByName => "method by name",
        EdgeKind::Dynamic => "dynamic",
        EdgeKind::Macro => "through macro",
    }
}

fn root_name(k: RootKind) -> &'static str {
    match k {
        RootKind::Main => "main",
        RootKind::Test => "test",
        RootKind::Public => "public",
        RootKind::Uncalled => "uncalled",
    }
}

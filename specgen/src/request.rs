//! What goes into each request: the data of spec, expectation and reduce requests,
//! built from the IR, the call graph and what earlier requests returned.
//!
//! A spec request never holds the body of a function it specifies. It holds the
//! function's name, signature and doc, the declarations it uses, its callers'
//! expectations (deduplicated, the most informative quoted within the token budget, the
//! rest condensed) and, for roots, the module's documentation and the README.

use crate::expect::{Expectation, Guarded};
use crate::prompt::estimate_tokens;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use vouch_callgraph::{CallGraph, RootKind};
use vouch_frontend::{FnIdx, Function, Lang, Program};

/// A caller expectation as quoted in a spec request.
#[derive(Clone, Debug, Serialize)]
pub struct QuotedExpectation {
    /// `e1`, `e2`, ...: what a clause's `from` refers to.
    pub id: String,
    /// The caller's name.
    pub caller: String,
    /// The caller's own spec summary.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub caller_summary: String,
    /// `file:line` of the call.
    pub at: String,
    /// The statement around the call.
    pub call: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub established: Vec<Guarded>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub relies_on: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub handles_errors: Vec<String>,
    /// Other call sites that expect exactly the same.
    #[serde(skip_serializing_if = "is_zero")]
    pub same_at_other_sites: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One condensed requirement from callers whose expectations were not quoted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Requirement {
    /// The requirement in plain language.
    #[schemars(length(max = 300))]
    pub text: String,
    /// How many of the listed expectations state it.
    #[serde(default)]
    pub count: usize,
}

/// The reply to a reduce request.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ReduceReply {
    #[schemars(length(max = 8))]
    pub requirements: Vec<Requirement>,
}

/// One function in a spec request.
#[derive(Clone, Debug, Serialize)]
pub struct FunctionEntry {
    pub id: String,
    pub name: String,
    pub signature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    pub file: String,
    /// How the program reaches it: how many callers, or why it is a root.
    pub role: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expectations: Vec<QuotedExpectation>,
    /// Condensed requirements of the callers not quoted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_callers_require: Vec<Requirement>,
    /// For a function no one calls by name: where the program uses it as a value (a
    /// function pointer passed on or stored in a table).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub used_at: Vec<UseSite>,
}

/// A place that uses a function as a value.
#[derive(Clone, Debug, Serialize)]
pub struct UseSite {
    /// `file:line`.
    pub at: String,
    /// The line.
    pub code: String,
    /// The function it is passed to on that line, and that function's doc comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passed_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passed_to_doc: Option<String>,
}

/// Most uses quoted for one function.
pub const MAX_USES: usize = 3;

/// Where each function that no one calls by name is used as a value: lines of the
/// program, outside the function itself, that name it other than in a call or a
/// declaration (`dispatch_register(&d, 1, "text", on_text, &s)`, `{ "text", on_text }`),
/// with the function a use passes it to; at most [`MAX_USES`] each, in file and line
/// order. Only free functions whose name is not a common word (a method's name says
/// too little to find its uses by). One pass over the program's text, made once.
pub fn uses_index(program: &Program, graph: &CallGraph) -> HashMap<FnIdx, Vec<UseSite>> {
    // The functions to look for, by name.
    let mut wanted: HashMap<&str, Vec<FnIdx>> = HashMap::new();
    for (i, func) in program.functions.iter().enumerate() {
        let f = FnIdx(i as u32);
        let is_method = func.rust.as_ref().is_some_and(|r| r.self_ty.is_some());
        let name = func.name.as_str();
        if is_method || name.len() < 4 || name == "main" || graph.callers(f).next().is_some() {
            continue;
        }
        wanted.entry(name).or_default().push(f);
    }
    let mut out: HashMap<FnIdx, Vec<UseSite>> = HashMap::new();
    if wanted.is_empty() {
        return out;
    }
    // Call sites by the lines they cover, and the function each one calls.
    let mut sites_at: HashMap<(usize, u32), Vec<usize>> = HashMap::new();
    for (k, cs) in program.call_sites.iter().enumerate() {
        let file = program.function(cs.caller).file.0 as usize;
        for n in cs.span.start_line..=cs.span.end_line {
            sites_at.entry((file, n)).or_default().push(k);
        }
    }
    let mut callee_of: HashMap<usize, FnIdx> = HashMap::new();
    for e in &graph.edges {
        if let vouch_callgraph::Callee::Function(t) = e.callee {
            callee_of.entry(e.site as usize).or_insert(t);
        }
    }
    for (fi, file) in program.files.iter().enumerate() {
        let lang = if file.path.ends_with(".c") {
            Lang::C
        } else if file.path.ends_with(".rs") {
            Lang::Rust
        } else {
            continue;
        };
        for (i, line) in file.text.lines().enumerate() {
            let n = i as u32 + 1;
            let t = line.trim();
            if t.starts_with("//")
                || t.starts_with("/*")
                || t.starts_with('*')
                || t.starts_with('#')
            {
                continue;
            }
            for word in identifiers(t) {
                let Some(fs) = wanted.get(word) else { continue };
                if !names_as_value(t, word) {
                    continue;
                }
                let passed = sites_at
                    .get(&(fi, n))
                    .into_iter()
                    .flatten()
                    .filter(|&&k| {
                        program.call_sites[k]
                            .args
                            .iter()
                            .any(|a| a.trim().trim_start_matches('&') == word)
                    })
                    .find_map(|k| callee_of.get(k).copied());
                for &f in fs {
                    let func = program.function(f);
                    let own = fi == func.file.0 as usize
                        && (func.span.start_line..=func.span.end_line).contains(&n);
                    let uses = out.entry(f).or_default();
                    if func.lang != lang || own || uses.len() >= MAX_USES {
                        continue;
                    }
                    uses.push(UseSite {
                        at: format!("{}:{n}", file.path),
                        code: cap_bytes(t, 200),
                        passed_to: passed.map(|p| program.function(p).qualified_name.clone()),
                        passed_to_doc: passed
                            .and_then(|p| doc(program, program.function(p)))
                            .map(|d| cap_bytes(&d, 400)),
                    });
                }
            }
        }
    }
    out.retain(|_, uses| !uses.is_empty());
    out
}

/// Whether `line` names `name` as a whole identifier, not called (`name(`) there.
fn names_as_value(line: &str, name: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(name).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + name.len()..].trim_start();
        !before.is_some_and(|c| ident(c) || c == '.')
            && !after.starts_with(|c: char| ident(c) || c == '(')
    })
}

/// A declaration quoted in a request.
#[derive(Clone, Debug, Serialize)]
pub struct DeclEntry {
    pub file: String,
    pub text: String,
}

/// The data of a spec request.
#[derive(Clone, Debug, Serialize)]
pub struct SpecData {
    pub functions: Vec<FunctionEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub declarations: Vec<DeclEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module_doc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readme: Option<String>,
}

/// One call in an expectation request.
#[derive(Clone, Debug, Serialize)]
pub struct CallEntry {
    pub id: String,
    pub line: u32,
    pub callee: String,
    pub callee_signature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callee_doc: Option<String>,
    pub statement: String,
}

/// The data of an expectation request.
#[derive(Clone, Debug, Serialize)]
pub struct ExpectData {
    pub function: String,
    pub signature: String,
    /// The function's own spec, as written a moment ago.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub spec_summary: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spec_preconditions: Vec<String>,
    pub file: String,
    /// The body with line numbers (long bodies: the lines around each call).
    pub body: String,
    pub calls: Vec<CallEntry>,
}

/// Callers whose expectations say the same thing, as one group.
#[derive(Clone, Debug)]
pub struct Group {
    pub first: Expectation,
    pub caller_summary: String,
    /// Every (caller, site) in the group.
    pub members: Vec<(String, u32)>,
}

/// Groups identical expectations and ranks the groups, most informative first.
pub fn group(expectations: Vec<(Expectation, String)>) -> Vec<Group> {
    let mut by_key: BTreeMap<String, Group> = BTreeMap::new();
    for (e, summary) in expectations {
        let key = e.content_key();
        match by_key.get_mut(&key) {
            Some(g) => g.members.push((e.caller.clone(), e.site)),
            None => {
                let members = vec![(e.caller.clone(), e.site)];
                by_key.insert(
                    key,
                    Group {
                        first: e,
                        caller_summary: summary,
                        members,
                    },
                );
            }
        }
    }
    let mut groups: Vec<Group> = by_key.into_values().collect();
    groups.sort_by(|a, b| {
        (b.first.weight(), b.members.len())
            .cmp(&(a.first.weight(), a.members.len()))
            .then_with(|| (&a.first.caller, a.first.site).cmp(&(&b.first.caller, b.first.site)))
    });
    groups
}

pub fn quote(g: &Group, id: String, program_name: &str) -> QuotedExpectation {
    let e = &g.first;
    QuotedExpectation {
        id,
        caller: program_name.to_string(),
        caller_summary: g.caller_summary.clone(),
        at: format!("{}:{}", e.file, e.line),
        call: e.statement.clone(),
        established: e.established.clone(),
        relies_on: e.relies_on.clone(),
        handles_errors: e.handles_errors.clone(),
        same_at_other_sites: g.members.len() - 1,
    }
}

/// Estimated tokens of a value as it appears in a request.
pub fn tokens_of(v: &impl Serialize) -> usize {
    estimate_tokens(&serde_json::to_string(v).unwrap_or_default())
}

/// How the program reaches a function, for the model.
pub fn role(graph: &CallGraph, f: FnIdx, callers: usize) -> (String, bool) {
    if callers > 0 {
        let s = if callers == 1 { "" } else { "s" };
        return (
            format!("called from {callers} call site{s} in the program"),
            false,
        );
    }
    let kind = graph.roots.iter().find(|r| r.function == f).map(|r| r.kind);
    let text = match kind {
        Some(RootKind::Main) => "root: the program's entry point",
        Some(RootKind::Test) => "root: a test",
        Some(RootKind::Public) => {
            "root: public API or an exported symbol, no caller in the program"
        }
        _ => "root: no caller in the program (reached through a pointer, a macro or from outside)",
    };
    (text.to_string(), true)
}

/// The doc comment of a function, or of its C prototype in a header.
pub fn doc(program: &Program, f: &Function) -> Option<String> {
    f.doc.clone().or_else(|| {
        (f.lang == Lang::C)
            .then(|| {
                program
                    .prototypes
                    .iter()
                    .find(|p| p.name == f.name && p.doc.is_some())
                    .and_then(|p| p.doc.clone())
            })
            .flatten()
    })
}

/// A doc comment's first paragraph (up to its first blank line), joined into one line.
pub fn first_paragraph(doc: &str) -> String {
    doc.lines()
        .map(str::trim)
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Identifiers in a text (for choosing the declarations a function uses).
pub fn identifiers(text: &str) -> HashSet<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
        })
        .collect()
}

/// The declarations the functions use, within `budget` tokens. Only the declarations
/// are quoted, never a body. Used means named in a signature, a body or the doc comment
/// (a doc naming `PKT_MAX_PAYLOAD` is about it), and, through what those name, by the
/// declarations picked: a macro the body uses quotes the constants it expands to
/// (`PKT_ENCODED_SIZE(n)` → `PKT_TRAILER_SIZE`), [`DECL_HOPS`] step away. The
/// nearest come first (named directly before reached through another), and of those
/// the same file's.
pub fn declarations(program: &Program, functions: &[FnIdx], budget: usize) -> Vec<DeclEntry> {
    let mut used: HashSet<&str> = HashSet::new();
    let mut files = HashSet::new();
    let docs: Vec<String> = functions
        .iter()
        .filter_map(|&f| doc(program, program.function(f)))
        .collect();
    for &f in functions {
        let func = program.function(f);
        files.insert(func.file);
        used.extend(identifiers(&func.signature.text));
        // A method's `self` is of its impl's type, which the signature does not name.
        if let Some(ty) = func.rust.as_ref().and_then(|r| r.self_ty.as_deref()) {
            used.insert(ty);
        }
        if let Some(body) = func.body {
            used.extend(identifiers(program.text(func.file, body)));
        }
    }
    for d in &docs {
        used.extend(identifiers(d));
    }
    // (hops, in another file, index) of every declaration reached.
    let mut picked: Vec<(usize, bool, usize)> = Vec::new();
    let mut seen: HashSet<usize> = HashSet::new();
    for hop in 0..=DECL_HOPS {
        let mut reached = Vec::new();
        for (i, d) in program.decls.iter().enumerate() {
            if !seen.contains(&i) && d.names.iter().any(|n| used.contains(n.as_str())) {
                reached.push(i);
            }
        }
        if reached.is_empty() {
            break;
        }
        for &i in &reached {
            seen.insert(i);
            let d = &program.decls[i];
            picked.push((hop, !files.contains(&d.file), i));
        }
        for &i in &reached {
            used.extend(identifiers(&program.decls[i].text));
        }
    }
    picked.sort();
    let mut out = Vec::new();
    let mut spent = 0;
    for (_, _, i) in picked {
        let d = &program.decls[i];
        let entry = DeclEntry {
            file: program.file(d.file).path.clone(),
            text: d.text.clone(),
        };
        let t = tokens_of(&entry);
        if spent + t > budget {
            continue;
        }
        spent += t;
        out.push(entry);
    }
    out
}

/// How far [`declarations`] follows what a quoted declaration names.
pub const DECL_HOPS: usize = 1;

/// The leading documentation of a file: Rust `//!` lines, or a C file's first comment.
pub fn module_doc(program: &Program, f: &Function) -> Option<String> {
    let text = &program.file(f.file).text;
    let doc = match f.lang {
        Lang::Rust => text
            .lines()
            .take_while(|l| l.trim_start().starts_with("//!") || l.trim().is_empty())
            .filter_map(|l| l.trim_start().strip_prefix("//!"))
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("\n"),
        Lang::C => {
            let t = text.trim_start();
            if let Some(rest) = t.strip_prefix("/*") {
                rest.split_once("*/").map_or("", |(c, _)| c).to_string()
            } else {
                t.lines()
                    .take_while(|l| l.trim_start().starts_with("//"))
                    .map(|l| l.trim_start().trim_start_matches('/').trim())
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        }
    };
    let doc = doc.trim();
    (!doc.is_empty()).then(|| cap_bytes(doc, 1500))
}

/// The start of the tree's README, if it has one.
pub fn readme(root: &Path) -> Option<String> {
    ["README.md", "README", "README.txt", "readme.md"]
        .iter()
        .find_map(|n| std::fs::read(root.join(n)).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map(|s| cap_bytes(s.trim(), 2000))
        .filter(|s| !s.is_empty())
}

/// The body with line numbers; a body over `budget` tokens is cut down to the lines
/// around the given call lines (with `…` between the pieces).
pub fn numbered_body(program: &Program, f: &Function, call_lines: &[u32], budget: usize) -> String {
    let Some(body) = f.body else {
        return String::new();
    };
    let text = program.text(f.file, body);
    let first = body.start_line;
    let lines: Vec<(u32, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (first + i as u32, l))
        .collect();
    let render = |keep: &dyn Fn(u32) -> bool| {
        let mut out = String::new();
        let mut gap = false;
        for &(n, l) in &lines {
            if keep(n) {
                if gap {
                    out.push_str("   …\n");
                    gap = false;
                }
                out.push_str(&format!("{n:>5}| {l}\n"));
            } else {
                gap = true;
            }
        }
        out
    };
    let whole = render(&|_| true);
    if estimate_tokens(&whole) <= budget {
        return whole;
    }
    for radius in [12u32, 6, 3, 1, 0] {
        let near = |n: u32| {
            call_lines
                .iter()
                .any(|&c| n + radius >= c && n <= c + radius)
                || n == first
        };
        let cut = render(&near);
        if estimate_tokens(&cut) <= budget || radius == 0 {
            return cut;
        }
    }
    whole
}

pub fn cap_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

//! Small helpers over tree-sitter nodes shared by the C and Rust lowerings.
//!
//! This is the only place besides `c.rs` and `rust.rs` that sees tree-sitter types;
//! nothing here is public outside the crate.

use crate::ir::{Diagnostic, Severity, Span};
use tree_sitter::{Node, Parser, Tree};

/// Longest callee, argument or statement text kept in the IR.
pub(crate) const MAX_SNIPPET: usize = 400;

pub(crate) fn parse(lang: &tree_sitter::Language, text: &str) -> Option<Tree> {
    let mut parser = Parser::new();
    parser.set_language(lang).ok()?;
    parser.parse(text, None)
}

pub(crate) fn span(node: Node<'_>) -> Span {
    let s = node.start_position();
    let e = node.end_position();
    Span {
        start_byte: node.start_byte() as u32,
        end_byte: node.end_byte() as u32,
        start_line: s.row as u32 + 1,
        start_col: s.column as u32 + 1,
        end_line: e.row as u32 + 1,
        end_col: e.column as u32 + 1,
    }
}

pub(crate) fn text<'a>(node: Node<'_>, src: &'a str) -> &'a str {
    src.get(node.start_byte()..node.end_byte()).unwrap_or("")
}

/// Folds runs of white space into one space and caps the length (on a char boundary).
pub(crate) fn fold(s: &str, cap: usize) -> String {
    let mut out = String::with_capacity(s.len().min(cap + 4));
    let mut space = false;
    for ch in s.chars() {
        if ch.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(ch);
        if out.len() >= cap {
            out.push('…');
            break;
        }
    }
    out
}

pub(crate) fn hash_hex(bytes: &[u8]) -> String {
    let h = blake3::hash(bytes);
    let mut s = String::with_capacity(32);
    for b in &h.as_bytes()[..16] {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Reports the syntax errors of a tree, one diagnostic per top-level error region
/// (at most `limit`, then one summary line).
pub(crate) fn syntax_errors(
    root: Node<'_>,
    path: &str,
    line_offset: u32,
    out: &mut Vec<Diagnostic>,
) {
    if !root.has_error() {
        return;
    }
    const LIMIT: usize = 20;
    let mut found = 0usize;
    let mut stack = vec![root];
    let mut first_lines = Vec::new();
    while let Some(node) = stack.pop() {
        if !node.has_error() {
            continue;
        }
        if node.is_error() || node.is_missing() {
            found += 1;
            if first_lines.len() < LIMIT {
                first_lines.push((
                    node.start_position().row as u32 + 1 + line_offset,
                    node.is_missing(),
                    node.kind().to_string(),
                ));
            }
            continue;
        }
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            stack.push(child);
        }
    }
    first_lines.sort();
    for (line, missing, kind) in &first_lines {
        let message = if *missing {
            format!("syntax error: missing `{kind}`; the rest of the file is still read")
        } else {
            "syntax error; the code around it may be read in part".to_string()
        };
        out.push(Diagnostic {
            path: path.to_string(),
            line: Some(*line),
            severity: Severity::Warning,
            code: "syntax-error",
            message,
        });
    }
    if found > LIMIT {
        out.push(Diagnostic {
            path: path.to_string(),
            line: None,
            severity: Severity::Warning,
            code: "syntax-error",
            message: format!("{} more syntax errors not listed", found - LIMIT),
        });
    }
}

/// The statement around a call, and the part of it that is its body (for control flow).
pub(crate) type Stmt<'t> = Option<(Node<'t>, Option<Node<'t>>)>;

/// The statement text to quote for a call: the whole statement, or, for a call in the
/// head of a control-flow statement, only the head (up to the start of its body).
pub(crate) fn call_statement(stmt: Stmt<'_>, call: Node<'_>, src: &str) -> String {
    let Some((s, body)) = stmt else {
        return fold(text(call, src), MAX_SNIPPET);
    };
    let end = match body {
        Some(b) if b.start_byte() > call.start_byte() && b.start_byte() > s.start_byte() => {
            b.start_byte()
        }
        _ => s.end_byte(),
    };
    fold(src.get(s.start_byte()..end).unwrap_or(""), MAX_SNIPPET)
}

/// Doc comment text from comment nodes: markers stripped, one line per source line.
pub(crate) fn clean_comment(raw: &str) -> String {
    let mut lines = Vec::new();
    for line in raw.lines() {
        let mut l = line.trim();
        for prefix in ["///", "//!", "//", "/**", "/*!", "/*"] {
            if let Some(rest) = l.strip_prefix(prefix) {
                l = rest;
                break;
            }
        }
        let l = l.strip_suffix("*/").unwrap_or(l).trim();
        let l = l
            .strip_prefix("* ")
            .unwrap_or(if l == "*" { "" } else { l });
        lines.push(l.trim_end().to_string());
    }
    while lines.first().is_some_and(|l| l.is_empty()) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// The named children of `node`, each with the run of trivia (comments, attributes)
/// directly before it. tree-sitter's `prev_sibling` re-walks from the parent, which is
/// quadratic over a file of many items; this is one pass.
pub(crate) fn children_with_trivia<'t>(
    node: Node<'t>,
    is_trivia: fn(&str) -> bool,
) -> Vec<(Node<'t>, Vec<Node<'t>>)> {
    let mut out = Vec::new();
    let mut pending = Vec::new();
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        if is_trivia(child.kind()) {
            pending.push(child);
        } else {
            out.push((child, std::mem::take(&mut pending)));
        }
    }
    out
}

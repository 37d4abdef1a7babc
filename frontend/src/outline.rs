//! The statement outline of one function body, made on demand for the checker: each
//! statement's kind and lines, and the statements nested in its blocks. The checker
//! splits bodies into blocks along it, so a block never cuts a statement.
//!
//! The function's own text is parsed again (one small parse per checked function keeps
//! the IR of the whole tree lean). Walks use explicit stacks.

use crate::ir::{FnIdx, Lang, Program};
use crate::syntax;
use serde::Serialize;
use tree_sitter::Node;

/// What a statement does to the flow of control.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StmtKind {
    /// Declarations, assignments, calls, expressions.
    Simple,
    /// `if`, `switch`, `match`.
    Branch,
    /// `for`, `while`, `do`, `loop`.
    Loop,
    /// `return`, `break`, `continue`, `goto` (and Rust's `return` expression).
    Exit,
    /// A nested `{ }` block of its own.
    Block,
}

/// One statement of a body, with absolute line numbers of its file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StmtOutline {
    pub kind: StmtKind,
    pub start_line: u32,
    pub end_line: u32,
    /// The statements of the blocks inside it (an `if`'s branches, a loop's body), in order.
    pub children: Vec<StmtOutline>,
}

/// The top-level statements of a function's body; empty for a function without a body.
/// A body that does not parse on its own is one `Simple` statement over its lines.
pub fn outline(program: &Program, f: FnIdx) -> Vec<StmtOutline> {
    let func = program.function(f);
    let Some(body) = func.body else {
        return Vec::new();
    };
    let text = program.text(func.file, func.span);
    let whole = || {
        vec![StmtOutline {
            kind: StmtKind::Simple,
            start_line: body.start_line,
            end_line: body.end_line,
            children: Vec::new(),
        }]
    };
    let lang = match func.lang {
        Lang::C => tree_sitter_c::LANGUAGE.into(),
        Lang::Rust => tree_sitter_rust::LANGUAGE.into(),
    };
    let Some(tree) = syntax::parse(&lang, text) else {
        return whole();
    };
    let block_kind = match func.lang {
        Lang::C => "compound_statement",
        Lang::Rust => "block",
    };
    // The first block of the function definition is its body.
    let Some(body_node) = first_block(tree.root_node(), block_kind) else {
        return whole();
    };
    let offset = func.span.start_line - 1;
    let stmts = statements(body_node, block_kind, func.lang, offset);
    if stmts.is_empty() && body.end_line > body.start_line + 1 {
        return whole();
    }
    stmts
}

fn first_block<'t>(root: Node<'t>, block_kind: &str) -> Option<Node<'t>> {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.kind() == block_kind {
            return Some(n);
        }
        let mut cursor = n.walk();
        let children: Vec<Node<'t>> = n.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    None
}

fn is_comment(kind: &str) -> bool {
    matches!(kind, "comment" | "line_comment" | "block_comment")
}

fn kind_of(node: Node<'_>, lang: Lang) -> StmtKind {
    // A Rust expression statement takes the kind of its expression.
    let n = if lang == Lang::Rust && node.kind() == "expression_statement" {
        node.named_child(0).unwrap_or(node)
    } else {
        node
    };
    match n.kind() {
        "if_statement" | "switch_statement" | "if_expression" | "match_expression" => {
            StmtKind::Branch
        }
        "for_statement" | "while_statement" | "do_statement" | "for_expression"
        | "while_expression" | "loop_expression" => StmtKind::Loop,
        "return_statement"
        | "break_statement"
        | "continue_statement"
        | "goto_statement"
        | "return_expression"
        | "break_expression"
        | "continue_expression" => StmtKind::Exit,
        "compound_statement" | "block" => StmtKind::Block,
        _ => StmtKind::Simple,
    }
}

/// The statements of `block` with their nested statements, built without recursion:
/// each pending entry is a block node and the index of the statement it belongs to.
fn statements(block: Node<'_>, block_kind: &str, lang: Lang, offset: u32) -> Vec<StmtOutline> {
    // Flat arena: (outline without children, parent index).
    let mut arena: Vec<(StmtOutline, Option<usize>)> = Vec::new();
    let mut pending: Vec<(Node<'_>, Option<usize>)> = vec![(block, None)];
    while let Some((b, parent)) = pending.pop() {
        let mut cursor = b.walk();
        for stmt in b
            .named_children(&mut cursor)
            .filter(|c| !is_comment(c.kind()))
        {
            let span = syntax::span(stmt);
            arena.push((
                StmtOutline {
                    kind: kind_of(stmt, lang),
                    start_line: span.start_line + offset,
                    end_line: span.end_line + offset,
                    children: Vec::new(),
                },
                parent,
            ));
            let me = arena.len() - 1;
            // The nearest blocks inside this statement hold its children.
            let mut search: Vec<Node<'_>> = {
                let mut c = stmt.walk();
                stmt.named_children(&mut c).collect()
            };
            if stmt.kind() == block_kind {
                pending.push((stmt, Some(me)));
                continue;
            }
            while let Some(n) = search.pop() {
                // A `match`'s arms are statements of their own, like a block's.
                if n.kind() == block_kind || n.kind() == "match_block" {
                    pending.push((n, Some(me)));
                } else {
                    let mut c = n.walk();
                    search.extend(n.named_children(&mut c));
                }
            }
        }
    }
    // Attach children to parents, last first so that every child is complete when moved.
    let mut slots: Vec<Option<StmtOutline>> = Vec::with_capacity(arena.len());
    let mut parents = Vec::with_capacity(arena.len());
    for (s, p) in arena {
        slots.push(Some(s));
        parents.push(p);
    }
    let mut top = Vec::new();
    for i in (0..slots.len()).rev() {
        let Some(s) = slots[i].take() else { continue };
        match parents[i] {
            Some(p) => {
                if let Some(parent) = slots[p].as_mut() {
                    parent.children.push(s);
                }
            }
            None => top.push(s),
        }
    }
    // Children were pushed in reverse order of creation; put every list in line order.
    let mut stack: Vec<&mut Vec<StmtOutline>> = vec![&mut top];
    while let Some(list) = stack.pop() {
        list.sort_by_key(|s| (s.start_line, s.end_line));
        for s in list.iter_mut() {
            stack.push(&mut s.children);
        }
    }
    top
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(stmts: &[StmtOutline], depth: usize, out: &mut String) {
        for s in stmts {
            out.push_str(&format!(
                "{}{:?} {}-{}\n",
                "  ".repeat(depth),
                s.kind,
                s.start_line,
                s.end_line
            ));
            render(&s.children, depth + 1, out);
        }
    }

    fn check(path: &str, src: &str, name: &str, expected: &str) {
        let program = crate::parse_source(path, src);
        let f = program
            .functions
            .iter()
            .position(|f| f.name == name)
            .expect("function");
        let mut out = String::new();
        render(&outline(&program, FnIdx(f as u32)), 0, &mut out);
        assert_eq!(out.trim(), expected.trim(), "\n{out}");
    }

    #[test]
    fn c_statements_nest_through_branches_and_loops() {
        let src = "int x;\n\nint f(int n) {\n    int s = 0;\n    for (int i = 0; i < n; i++) {\n        if (i % 2)\n            continue;\n        else if (i > 8) {\n            s += i;\n            break;\n        }\n        s++;\n    }\n    /* done */\n    return s;\n}\n";
        check(
            "a.c",
            src,
            "f",
            "Simple 4-4\nLoop 5-13\n  Branch 6-11\n    Simple 9-9\n    Exit 10-10\n  Simple 12-12\nExit 15-15",
        );
    }

    #[test]
    fn rust_statements_take_their_expression_kind() {
        let src = "impl A {\n    fn f(&self, v: &[u8]) -> usize {\n        let mut n = 0;\n        for b in v {\n            match b {\n                0 => return n,\n                _ => n += 1,\n            }\n        }\n        n\n    }\n}\n";
        check(
            "a.rs",
            src,
            "f",
            "Simple 3-3\nLoop 4-9\n  Branch 5-8\n    Simple 6-6\n    Simple 7-7\nSimple 10-10",
        );
    }
}

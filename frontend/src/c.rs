//! Lowering of C syntax trees (tree-sitter-c) to the IR: definitions, prototypes,
//! `#define`s, file-scope declarations and call sites.

use crate::ir::{
    CInfo, CallKind, CallSite, Decl, DeclKind, FileId, FnId, FnIdx, Function, Lang, Macro, Param,
    Prototype, Signature, Span, TypeDef, TypeShape,
};
use crate::lower::{FileFacts, decl_text};
use crate::syntax::{self, MAX_SNIPPET, Stmt, clean_comment, fold, hash_hex};
use std::collections::HashSet;
use tree_sitter::Node;

/// Lowers one C file, or one chunk of it starting at `byte_off` / `line_off`.
pub(crate) fn lower(
    src: &str,
    file: FileId,
    path: &str,
    byte_off: u32,
    line_off: u32,
) -> FileFacts {
    let mut cx = Cx {
        src,
        file,
        path,
        byte_off,
        line_off,
        facts: FileFacts::default(),
        static_macros: HashSet::new(),
    };
    let Some(tree) = syntax::parse(&tree_sitter_c::LANGUAGE.into(), src) else {
        cx.facts.diagnostics.push(crate::diag(
            path,
            None,
            crate::ir::Severity::Error,
            "parse-failed",
            "the C parser gave up on this file".into(),
        ));
        return cx.facts;
    };
    let root = tree.root_node();
    syntax::syntax_errors(root, path, line_off, &mut cx.facts.diagnostics);
    cx.defines();
    cx.items(root);
    cx.facts
}

struct Cx<'a> {
    src: &'a str,
    file: FileId,
    path: &'a str,
    byte_off: u32,
    line_off: u32,
    facts: FileFacts,
    /// Object-like macros whose whole value is `static` (e.g. `#define SQLITE_PRIVATE static`).
    static_macros: HashSet<String>,
}

impl<'a> Cx<'a> {
    fn span(&self, node: Node<'_>) -> Span {
        syntax::span(node).offset(self.byte_off, self.line_off)
    }

    fn text(&self, node: Node<'_>) -> &'a str {
        syntax::text(node, self.src)
    }

    /// Walks file-scope items, descending into preprocessor conditionals,
    /// `extern "C"` blocks and error regions.
    fn items(&mut self, root: Node<'_>) {
        let mut stack = vec![(root, Vec::new())];
        while let Some((node, trivia)) = stack.pop() {
            match node.kind() {
                "function_definition" => self.function(node, &trivia),
                "declaration" => self.declaration(node, &trivia),
                "type_definition" => self.type_definition(node, &trivia),
                "struct_specifier" | "union_specifier" | "enum_specifier" => {
                    self.layout(node, Vec::new());
                    let mut names = Vec::new();
                    if type_body_names(node, self.src, &mut names) {
                        self.decl(node, &trivia, names, DeclKind::Type);
                    }
                }
                "preproc_def" | "preproc_function_def" => self.define(node, &trivia),
                "expression_statement" => self.top_level_invocation(node),
                "translation_unit"
                | "preproc_if"
                | "preproc_ifdef"
                | "preproc_else"
                | "preproc_elif"
                | "preproc_elifdef"
                | "linkage_specification"
                | "declaration_list"
                | "ERROR" => {
                    let children = syntax::children_with_trivia(node, |k| k == "comment");
                    stack.extend(children.into_iter().rev());
                }
                _ => {}
            }
        }
    }

    fn function(&mut self, node: Node<'_>, trivia: &[Node<'_>]) {
        let Some(decl) = node.child_by_field_name("declarator") else {
            return;
        };
        let Some(fd) = function_declarator(decl) else {
            let end = node
                .child_by_field_name("body")
                .map_or(node.end_byte(), |b| b.start_byte());
            let head = fold(self.src.get(node.start_byte()..end).unwrap_or(""), 80);
            let by_macro = decl.kind() == "parenthesized_declarator"
                && node
                    .child_by_field_name("type")
                    .is_some_and(|t| t.kind() == "type_identifier");
            let (code, message) = if by_macro {
                (
                    "macro-defined-function",
                    format!("`{head}` defines a function through a macro; not analysed"),
                )
            } else {
                (
                    "unrecognised-function",
                    format!(
                        "cannot find the name of the function defined by `{head}`; not analysed"
                    ),
                )
            };
            let line = self.span(node).start_line;
            self.facts.diagnostics.push(crate::diag(
                self.path,
                Some(line),
                crate::ir::Severity::Info,
                code,
                message,
            ));
            return;
        };
        let name = self.text(fd.name).to_string();
        let mut info = CInfo::default();
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            match child.kind() {
                "storage_class_specifier" => match self.text(child) {
                    "static" => info.is_static = true,
                    "inline" | "__inline" | "__inline__" => info.is_inline = true,
                    _ => {}
                },
                "type_identifier"
                | "identifier"
                | "ERROR"
                | "primitive_type"
                | "macro_type_specifier"
                    if self.static_macros.contains(self.text(child).trim()) =>
                {
                    info.is_static = true;
                }
                _ => {}
            }
        }
        if let Some(ty) = node.child_by_field_name("type")
            && self.static_macros.contains(self.text(ty))
        {
            info.is_static = true;
        }
        let body = node.child_by_field_name("body");
        let signature = self.signature(node, &fd, body);
        let locals: HashSet<&str> = signature
            .params
            .iter()
            .map(|p| p.name.as_str())
            .filter(|n| !n.is_empty())
            .collect();
        let locals: HashSet<String> = locals.into_iter().map(str::to_string).collect();
        let idx = FnIdx(self.facts.functions.len() as u32);
        self.facts.functions.push(Function {
            id: FnId(String::new()),
            name: name.clone(),
            qualified_name: name,
            file: self.file,
            lang: Lang::C,
            span: self.span(node),
            signature,
            doc: self.doc(node, trivia),
            body: body.map(|b| self.span(b)),
            body_hash: body.map(|b| hash_hex(self.text(b).as_bytes())),
            c: Some(info),
            rust: None,
        });
        if let Some(body) = body {
            self.calls(idx, body, locals);
        }
    }

    fn signature(&self, def: Node<'_>, fd: &FnDecl<'_>, body: Option<Node<'_>>) -> Signature {
        let (pointers, params) = (fd.pointers, fd.params);
        let mut ret = def
            .child_by_field_name("type")
            .map(|t| self.text(t).to_string())
            .unwrap_or_else(|| "int".into());
        if let Some(suffix) = fd.type_suffix {
            ret = format!("{ret} {}", self.text(suffix));
        }
        // Qualifiers such as `const` stand beside the type, not inside it.
        let mut cursor = def.walk();
        let quals: Vec<&str> = def
            .children(&mut cursor)
            .filter(|c| c.kind() == "type_qualifier")
            .map(|c| self.text(c))
            .collect();
        if !quals.is_empty() {
            ret = format!("{} {ret}", quals.join(" "));
        }
        if pointers > 0 {
            ret = format!("{ret} {}", "*".repeat(pointers));
        }
        let mut out = Vec::new();
        let mut variadic = false;
        let mut cursor = params.walk();
        for p in params.named_children(&mut cursor) {
            match p.kind() {
                "parameter_declaration" => {
                    let full = self.text(p);
                    let name_node = p
                        .child_by_field_name("declarator")
                        .and_then(innermost_identifier);
                    let (name, ty) = match name_node {
                        Some(n) => {
                            let start = n.start_byte() - p.start_byte();
                            let end = n.end_byte() - p.start_byte();
                            let ty = format!("{}{}", &full[..start], &full[end..]);
                            (self.text(n).to_string(), fold(&ty, MAX_SNIPPET))
                        }
                        None => (String::new(), fold(full, MAX_SNIPPET)),
                    };
                    if name.is_empty() && ty == "void" {
                        continue;
                    }
                    out.push(Param { name, ty });
                }
                "variadic_parameter" => variadic = true,
                _ => {}
            }
        }
        let end = body.map_or(def.end_byte(), |b| b.start_byte());
        let text = fold(
            self.src.get(def.start_byte()..end).unwrap_or(""),
            2 * MAX_SNIPPET,
        );
        let ret = fold(&ret, MAX_SNIPPET);
        Signature {
            params: out,
            ret: (ret != "void").then_some(ret),
            variadic,
            text,
        }
    }

    /// The comments directly above a node (no blank line between them and the node).
    fn doc(&self, node: Node<'_>, trivia: &[Node<'_>]) -> Option<String> {
        let mut parts = Vec::new();
        let mut next_row = node.start_position().row;
        for c in trivia.iter().rev() {
            if c.end_position().row + 1 < next_row {
                break;
            }
            parts.push(clean_comment(self.text(*c)));
            next_row = c.start_position().row;
        }
        parts.reverse();
        let doc = parts.join("\n");
        (!doc.trim().is_empty()).then_some(doc)
    }

    /// A file-scope declaration: its function declarators are prototypes, the rest
    /// (variables, a struct, union or enum with a body) a [`Decl`].
    fn declaration(&mut self, node: Node<'_>, trivia: &[Node<'_>]) {
        let mut is_static = false;
        let mut is_const = false;
        let mut cursor = node.walk();
        for c in node.children(&mut cursor) {
            let t = self.text(c);
            match c.kind() {
                "storage_class_specifier" if t == "static" => is_static = true,
                "type_qualifier" if t == "const" => is_const = true,
                _ => is_static |= self.static_macros.contains(t),
            }
        }
        let mut names = Vec::new();
        let ty = node.child_by_field_name("type");
        if let Some(t) = ty {
            self.layout(t, Vec::new());
        }
        let has_body = ty.is_some_and(|t| type_body_names(t, self.src, &mut names));
        let mut cursor = node.walk();
        let decls: Vec<Node<'_>> = node
            .children_by_field_name("declarator", &mut cursor)
            .collect();
        for d in decls {
            let Some(fd) = function_declarator(d) else {
                names.extend(declared_name(d).map(|n| self.text(n).to_string()));
                continue;
            };
            let signature = self.signature(node, &fd, None);
            self.facts.prototypes.push(Prototype {
                name: self.text(fd.name).to_string(),
                file: self.file,
                span: self.span(node),
                signature,
                doc: self.doc(node, trivia),
                is_static,
            });
        }
        let kind = if has_body {
            DeclKind::Type
        } else if is_const {
            DeclKind::Const
        } else {
            DeclKind::Global
        };
        self.decl(node, trivia, names, kind);
    }

    /// `typedef`: the new type names, and the tag and enumerators of a type with a body.
    fn type_definition(&mut self, node: Node<'_>, trivia: &[Node<'_>]) {
        let mut names = Vec::new();
        if let Some(t) = node.child_by_field_name("type") {
            type_body_names(t, self.src, &mut names);
        }
        let mut cursor = node.walk();
        let decls: Vec<Node<'_>> = node
            .children_by_field_name("declarator", &mut cursor)
            .collect();
        for &d in &decls {
            names.extend(declared_name(d).map(|n| self.text(n).to_string()));
        }
        self.decl(node, trivia, names, DeclKind::Type);
        self.typedef(node, &decls);
    }

    /// What a `typedef` makes its names stand for: a struct or union with a body is
    /// known by them too (`typedef struct { .. } rb_t`); any other type is an alias
    /// (`typedef uint32_t rb_size`, `typedef struct rb *rb_ref`).
    fn typedef(&mut self, node: Node<'_>, decls: &[Node<'_>]) {
        let Some(t) = node.child_by_field_name("type") else {
            return;
        };
        let base = self.type_text(node, t);
        let mut direct = Vec::new();
        for &d in decls {
            let Some((name, pointers)) = self.declarator_shape(d) else {
                continue;
            };
            if pointers == 0 && t.child_by_field_name("body").is_some() {
                direct.push(name);
            } else if let Some(base) = &base {
                self.facts.types.push(TypeDef {
                    file: self.file,
                    names: vec![name],
                    shape: TypeShape::Alias {
                        target: pointed(base, pointers),
                    },
                });
            }
        }
        self.layout(t, direct);
    }

    /// A struct or union with a body, known by its tag (`struct rb`) and `also`
    /// (typedef names); nested named ones are recorded too.
    fn layout(&mut self, node: Node<'_>, also: Vec<String>) {
        if !matches!(node.kind(), "struct_specifier" | "union_specifier") {
            return;
        }
        let Some(body) = node.child_by_field_name("body") else {
            return;
        };
        let mut names: Vec<String> = node
            .child_by_field_name("name")
            .map(|n| format!("{} {}", keyword(node), self.text(n)))
            .into_iter()
            .collect();
        names.extend(also);
        let mut fields = Vec::new();
        self.fields(body, &mut fields);
        if !names.is_empty() {
            self.facts.types.push(TypeDef {
                file: self.file,
                names,
                shape: TypeShape::Fields { fields },
            });
        }
    }

    /// The fields of a struct or union body with their types; an anonymous member's
    /// fields count as the body's own. A function pointer or a member of a type
    /// without a name is left out.
    fn fields(&mut self, body: Node<'_>, out: &mut Vec<(String, String)>) {
        let mut cursor = body.walk();
        let members: Vec<Node<'_>> = body.named_children(&mut cursor).collect();
        for m in members {
            if m.kind() != "field_declaration" {
                continue;
            }
            let Some(t) = m.child_by_field_name("type") else {
                continue;
            };
            let mut cursor = m.walk();
            let decls: Vec<Node<'_>> = m
                .children_by_field_name("declarator", &mut cursor)
                .collect();
            if decls.is_empty() {
                // An anonymous struct or union member.
                if let Some(inner) = t.child_by_field_name("body")
                    && t.child_by_field_name("name").is_none()
                {
                    self.fields(inner, out);
                }
                continue;
            }
            self.layout(t, Vec::new());
            let Some(base) = self.type_text(m, t) else {
                continue;
            };
            for d in decls {
                if let Some((name, pointers)) = self.declarator_shape(d) {
                    out.push((name, pointed(&base, pointers)));
                }
            }
        }
    }

    /// The type a declaration's type node names, with the declaration's qualifiers
    /// (`const uint8_t`, `struct rb`); `None` for a struct or union without a name.
    fn type_text(&self, decl: Node<'_>, t: Node<'_>) -> Option<String> {
        let base = match t.kind() {
            "struct_specifier" | "union_specifier" | "enum_specifier" => {
                format!(
                    "{} {}",
                    keyword(t),
                    self.text(t.child_by_field_name("name")?)
                )
            }
            _ => self
                .text(t)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        };
        let mut cursor = decl.walk();
        let quals: Vec<&str> = decl
            .children(&mut cursor)
            .filter(|c| c.kind() == "type_qualifier")
            .map(|c| self.text(c))
            .collect();
        Some(if quals.is_empty() {
            base
        } else {
            format!("{} {base}", quals.join(" "))
        })
    }

    /// The name a field or typedef declarator declares and how many pointer or array
    /// levels it adds; `None` for a function (pointer) declarator.
    fn declarator_shape(&self, mut d: Node<'_>) -> Option<(String, usize)> {
        let mut pointers = 0;
        loop {
            match d.kind() {
                "field_identifier" | "type_identifier" | "identifier" => {
                    return Some((self.text(d).to_string(), pointers));
                }
                "pointer_declarator" | "array_declarator" => {
                    pointers += 1;
                    d = d.child_by_field_name("declarator")?;
                }
                "parenthesized_declarator" | "attributed_declarator" => d = d.named_child(0)?,
                _ => return None,
            }
        }
    }

    /// A file-scope `#define`, as a [`Decl`] (the [`Macro`]s come from [`scan_defines`]).
    fn define(&mut self, node: Node<'_>, trivia: &[Node<'_>]) {
        let Some(name) = node.child_by_field_name("name") else {
            return;
        };
        let names = vec![self.text(name).to_string()];
        let mut span = self.span(node);
        // The node ends after the line break; the span ends with the definition.
        let last = ["value", "parameters"]
            .iter()
            .find_map(|f| node.child_by_field_name(f))
            .unwrap_or(name);
        let end = self.span(last);
        (span.end_byte, span.end_line, span.end_col) = (end.end_byte, end.end_line, end.end_col);
        self.push_decl(node, trivia, names, DeclKind::Macro, span);
    }

    /// Records a declaration that names something.
    fn decl(&mut self, node: Node<'_>, trivia: &[Node<'_>], names: Vec<String>, kind: DeclKind) {
        let span = self.span(node);
        self.push_decl(node, trivia, names, kind, span);
    }

    /// Pushes a [`Decl`] whose text runs from the comments directly above `node` to
    /// the end of `span`.
    fn push_decl(
        &mut self,
        node: Node<'_>,
        trivia: &[Node<'_>],
        names: Vec<String>,
        kind: DeclKind,
        span: Span,
    ) {
        if names.is_empty() {
            return;
        }
        let start = self.doc_start(node, trivia);
        let end = (span.end_byte - self.byte_off) as usize;
        let text = decl_text(self.src.get(start..end).unwrap_or(""));
        self.facts.decls.push(Decl {
            file: self.file,
            names,
            kind,
            span,
            text,
        });
    }

    /// Where the comments directly above a node begin (as in [`Cx::doc`], but only
    /// comments that start their line: `int a; // about a` says nothing of the next line).
    fn doc_start(&self, node: Node<'_>, trivia: &[Node<'_>]) -> usize {
        let mut start = node.start_byte();
        let mut next_row = node.start_position().row;
        for c in trivia.iter().rev() {
            let line_start =
                memchr::memrchr(b'\n', &self.src.as_bytes()[..c.start_byte()]).map_or(0, |i| i + 1);
            let starts_line = self
                .src
                .get(line_start..c.start_byte())
                .is_some_and(|s| s.trim().is_empty());
            if c.end_position().row + 1 < next_row || !starts_line {
                break;
            }
            start = c.start_byte();
            next_row = c.start_position().row;
        }
        start
    }

    /// Records the `#define`s of the text. They are read by [`scan_defines`], not from
    /// the syntax tree: tree-sitter-c loses multi-line macros whose continuation lines
    /// carry comments.
    fn defines(&mut self) {
        for d in scan_defines(self.src) {
            if d.params.is_none() && d.body.trim() == "static" {
                self.static_macros.insert(d.name.clone());
            }
            let mut calls = called_names(&d.body);
            let mut param_calls = Vec::new();
            if let Some(ps) = &d.params {
                param_calls = calls
                    .iter()
                    .filter_map(|c| ps.iter().position(|p| p == c))
                    .collect();
                calls.retain(|c| !ps.contains(c));
            }
            self.facts.macros.push(Macro {
                name: d.name,
                file: self.file,
                line: d.line + self.line_off,
                params: d.params,
                calls,
                param_calls,
            });
        }
    }

    /// `NAME(args);` at file scope is a macro that may define functions vouch cannot see.
    fn top_level_invocation(&mut self, node: Node<'_>) {
        let Some(call) = node
            .named_child(0)
            .filter(|c| c.kind() == "call_expression")
        else {
            return;
        };
        if call
            .child_by_field_name("function")
            .is_none_or(|f| f.kind() != "identifier")
        {
            return;
        }
        let line = self.span(node).start_line;
        let message = format!(
            "`{}` at file scope is a macro invocation; any functions it defines are not analysed",
            fold(self.text(call), 80)
        );
        self.facts.diagnostics.push(crate::diag(
            self.path,
            Some(line),
            crate::ir::Severity::Info,
            "macro-defined-function",
            message,
        ));
    }

    /// Collects every call in a body, in source order.
    fn calls(&mut self, caller: FnIdx, body: Node<'_>, mut locals: HashSet<String>) {
        // (node, the enclosing statement, the part of it that is its body)
        let mut stack: Vec<(Node<'_>, Stmt<'_>)> = vec![(body, None)];
        while let Some((node, stmt)) = stack.pop() {
            let stmt = if is_statement(node.kind()) {
                Some((node, statement_body(node)))
            } else {
                stmt
            };
            match node.kind() {
                "declaration" => {
                    let mut cursor = node.walk();
                    for d in node.children_by_field_name("declarator", &mut cursor) {
                        if let Some(id) = innermost_identifier(d) {
                            locals.insert(self.text(id).to_string());
                        }
                    }
                }
                "call_expression" => self.call(caller, node, stmt, &locals),
                _ => {}
            }
            let mut cursor = node.walk();
            let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
            stack.extend(children.into_iter().rev().map(|c| (c, stmt)));
        }
    }

    fn call(&mut self, caller: FnIdx, node: Node<'_>, stmt: Stmt<'_>, locals: &HashSet<String>) {
        let Some(f) = node.child_by_field_name("function") else {
            return;
        };
        let (kind, name, receiver) = match f.kind() {
            "identifier" => {
                let name = self.text(f).to_string();
                let kind = if locals.contains(&name) {
                    CallKind::Indirect
                } else {
                    CallKind::Plain
                };
                (kind, name, None)
            }
            "field_expression" => {
                let name = f
                    .child_by_field_name("field")
                    .map_or("", |n| self.text(n))
                    .to_string();
                let recv = f
                    .child_by_field_name("argument")
                    .map(|a| fold(self.text(a), MAX_SNIPPET));
                (CallKind::Indirect, name, recv)
            }
            _ => {
                let name = innermost_identifier(f)
                    .map_or("", |n| self.text(n))
                    .to_string();
                (CallKind::Indirect, name, None)
            }
        };
        let args = node
            .child_by_field_name("arguments")
            .map(|a| {
                let mut cursor = a.walk();
                a.named_children(&mut cursor)
                    .filter(|c| c.kind() != "comment")
                    .map(|c| fold(self.text(c), MAX_SNIPPET))
                    .collect()
            })
            .unwrap_or_default();
        let statement = syntax::call_statement(stmt, node, self.src);
        self.facts.calls.push(CallSite {
            caller,
            callee: fold(self.text(f), MAX_SNIPPET),
            path: vec![name.clone()],
            name,
            kind,
            receiver,
            receiver_ty: None,
            args,
            span: self.span(node),
            statement,
            in_macro: false,
        });
    }
}

fn is_statement(kind: &str) -> bool {
    (kind.ends_with("_statement") && kind != "compound_statement") || kind == "declaration"
}

/// The part of a control-flow statement that is its body, so that its head can be quoted.
fn statement_body(node: Node<'_>) -> Option<Node<'_>> {
    match node.kind() {
        "if_statement" => node.child_by_field_name("consequence"),
        "while_statement" | "for_statement" | "switch_statement" => {
            node.child_by_field_name("body")
        }
        _ => None,
    }
}

/// A function's declarator, taken apart.
struct FnDecl<'t> {
    name: Node<'t>,
    params: Node<'t>,
    /// Pointer levels of the return type (`char **f(void)` has 2).
    pointers: usize,
    /// A word the parser took for the name when a macro stood before the type
    /// (`LUA_API lua_Integer f(..)`): it belongs to the return type.
    type_suffix: Option<Node<'t>>,
}

/// Finds the function declarator inside a declarator. A pointer *to* a function
/// (`int (*fp)(int)`) is not a function and yields `None`.
fn function_declarator(mut node: Node<'_>) -> Option<FnDecl<'_>> {
    let mut pointers = 0;
    loop {
        match node.kind() {
            "pointer_declarator" => {
                pointers += 1;
                node = node.child_by_field_name("declarator")?;
            }
            "attributed_declarator" | "parenthesized_declarator" if pointers == 0 => {
                node = node.named_child(0)?;
            }
            "function_declarator" => {
                let inner = strip_attributes(node.child_by_field_name("declarator")?);
                let params = node.child_by_field_name("parameters")?;
                let name = match inner.kind() {
                    "identifier" => inner,
                    // `int (foo)(int)` names a function too.
                    "parenthesized_declarator" => {
                        inner.named_child(0).filter(|n| n.kind() == "identifier")?
                    }
                    _ => return None,
                };
                // `MACRO type name(..)`: tree-sitter reads `type` as the name and puts
                // the real name in an error node just before the parameters.
                let mut cursor = node.walk();
                let misread = node
                    .children(&mut cursor)
                    .find(|c| {
                        c.is_error()
                            && c.start_byte() >= name.end_byte()
                            && c.end_byte() <= params.start_byte()
                    })
                    .and_then(|e| {
                        let n = e.named_child(
                            u32::try_from(e.named_child_count().checked_sub(1)?).ok()?,
                        )?;
                        (n.kind() == "identifier").then_some(n)
                    });
                return Some(match misread {
                    Some(real) => FnDecl {
                        name: real,
                        params,
                        pointers,
                        type_suffix: Some(name),
                    },
                    None => FnDecl {
                        name,
                        params,
                        pointers,
                        type_suffix: None,
                    },
                });
            }
            _ => return None,
        }
    }
}

fn strip_attributes(mut node: Node<'_>) -> Node<'_> {
    while node.kind() == "attributed_declarator" {
        match node.named_child(0) {
            Some(n) => node = n,
            None => break,
        }
    }
    node
}

/// The name a (non-function) declarator declares: a variable's identifier, or a
/// typedef's type identifier.
fn declared_name(mut node: Node<'_>) -> Option<Node<'_>> {
    loop {
        match node.kind() {
            "identifier" | "type_identifier" => return Some(node),
            _ => {
                node = node
                    .child_by_field_name("declarator")
                    .or_else(|| node.named_child(0))?
            }
        }
    }
}

/// For a struct, union or enum specifier with a body, pushes its tag and (for an enum)
/// its enumerators to `names` and returns true.
fn type_body_names(node: Node<'_>, src: &str, names: &mut Vec<String>) -> bool {
    if !matches!(
        node.kind(),
        "struct_specifier" | "union_specifier" | "enum_specifier"
    ) {
        return false;
    }
    let Some(body) = node.child_by_field_name("body") else {
        return false;
    };
    if let Some(tag) = node.child_by_field_name("name") {
        names.push(syntax::text(tag, src).to_string());
    }
    if node.kind() == "enum_specifier" {
        // Enumerators may stand inside preprocessor conditionals; keep source order.
        let mut stack = vec![body];
        while let Some(n) = stack.pop() {
            match n.kind() {
                "enumerator" => names.extend(
                    n.child_by_field_name("name")
                        .map(|id| syntax::text(id, src).to_string()),
                ),
                k if k == "enumerator_list" || k.starts_with("preproc_") => {
                    let mut cursor = n.walk();
                    let children: Vec<Node<'_>> = n.named_children(&mut cursor).collect();
                    stack.extend(children.into_iter().rev());
                }
                _ => {}
            }
        }
    }
    true
}

/// `struct`, `union` or `enum`, as the type name of a specifier begins.
fn keyword(node: Node<'_>) -> &'static str {
    match node.kind() {
        "union_specifier" => "union",
        "enum_specifier" => "enum",
        _ => "struct",
    }
}

/// `base` with `pointers` levels of pointer (an array counts as one).
fn pointed(base: &str, pointers: usize) -> String {
    if pointers == 0 {
        base.to_string()
    } else {
        format!("{base} {}", "*".repeat(pointers))
    }
}

/// The identifier at the bottom of a declarator or expression.
fn innermost_identifier(node: Node<'_>) -> Option<Node<'_>> {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n.kind() == "identifier" {
            return Some(n);
        }
        if let Some(d) = n.child_by_field_name("declarator") {
            stack.push(d);
            continue;
        }
        let mut cursor = n.walk();
        let children: Vec<Node<'_>> = n.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    None
}

const NOT_CALLS: &[&str] = &[
    "if",
    "while",
    "for",
    "switch",
    "return",
    "sizeof",
    "defined",
    "__typeof__",
    "typeof",
    "_Alignof",
    "alignof",
    "__attribute__",
    "__declspec",
    "_Static_assert",
    "do",
    "case",
    "_Generic",
    "offsetof",
    "__builtin_expect",
    "__builtin_offsetof",
    "void",
    "int",
    "char",
    "long",
    "unsigned",
    "signed",
    "short",
    "float",
    "double",
    "const",
    "volatile",
    "struct",
    "union",
    "enum",
    "else",
];

/// Names followed by `(` in a macro body, skipping literals and token pasting.
pub(crate) fn called_names(body: &str) -> Vec<String> {
    let b = body.as_bytes();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\'' {
            i += 1;
            while i < b.len() && b[i] != c {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        if c == b'_' || c.is_ascii_alphabetic() {
            let start = i;
            while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            let pasted_before = start >= 2 && &b[start - 2..start] == b"##";
            let mut j = i;
            while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
                j += 1;
            }
            let pasted_after = b.get(j..j + 2) == Some(b"##");
            let member = start >= 1
                && (b[start - 1] == b'.' || (start >= 2 && &b[start - 2..start] == b"->"));
            if j < b.len() && b[j] == b'(' && !pasted_before && !pasted_after && !member {
                let name = &body[start..i];
                if !NOT_CALLS.contains(&name) && !out.iter().any(|o| o == name) {
                    out.push(name.to_string());
                }
            }
            continue;
        }
        if c.is_ascii_digit() {
            while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    out
}

/// A `#define` as written: its name, its parameters if function-like, its body
/// (continuation lines joined, comments removed) and its 1-based line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RawDefine {
    pub name: String,
    pub params: Option<Vec<String>>,
    pub body: String,
    pub line: u32,
}

/// Finds the `#define` directives of a C text, skipping those inside block comments.
pub(crate) fn scan_defines(text: &str) -> Vec<RawDefine> {
    let mut out = Vec::new();
    let mut in_comment = false;
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        let starts_in_comment = in_comment;
        in_comment = ends_in_comment(line, in_comment);
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix('#') else {
            continue;
        };
        let rest = rest.trim_start();
        let Some(rest) = rest.strip_prefix("define") else {
            continue;
        };
        if starts_in_comment || !rest.starts_with([' ', '\t']) {
            continue;
        }
        // Join continuation lines.
        let mut logical = rest.to_string();
        while logical.trim_end().ends_with('\\') {
            let trimmed = logical.trim_end();
            logical.truncate(trimmed.len() - 1);
            logical.push(' ');
            match lines.next() {
                Some((_, next)) => {
                    in_comment = ends_in_comment(next, in_comment);
                    logical.push_str(next);
                }
                None => break,
            }
        }
        let logical = strip_comments(&logical);
        let logical = logical.trim_start();
        let name_len = logical
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if name_len == 0 {
            continue;
        }
        let name = logical[..name_len].to_string();
        let after = &logical[name_len..];
        let (params, body) = match after.strip_prefix('(') {
            Some(p) => match p.find(')') {
                Some(close) => {
                    let params = p[..close]
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect();
                    (Some(params), p[close + 1..].trim().to_string())
                }
                None => continue,
            },
            None => (None, after.trim().to_string()),
        };
        out.push(RawDefine {
            name,
            params,
            body,
            line: i as u32 + 1,
        });
    }
    out
}

/// Whether a block comment is open at the end of `line`, given whether one was open
/// at its start (string literals are skipped).
fn ends_in_comment(line: &str, mut open: bool) -> bool {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if open {
            if b[i..].starts_with(b"*/") {
                open = false;
                i += 2;
                continue;
            }
        } else if b[i..].starts_with(b"/*") {
            open = true;
            i += 2;
            continue;
        } else if b[i..].starts_with(b"//") {
            break;
        } else if b[i] == b'"' || b[i] == b'\'' {
            let q = b[i];
            i += 1;
            while i < b.len() && b[i] != q {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
        }
        i += 1;
    }
    open
}

/// Removes `/* */` and `//` comments (outside string and character literals).
fn strip_comments(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut start = 0;
    while i < b.len() {
        if b[i..].starts_with(b"/*") {
            out.push_str(&s[start..i]);
            out.push(' ');
            i = s[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
            start = i;
            continue;
        }
        if b[i..].starts_with(b"//") {
            out.push_str(&s[start..i]);
            return out;
        }
        if b[i] == b'"' || b[i] == b'\'' {
            let q = b[i];
            i += 1;
            while i < b.len() && b[i] != q {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
        }
        i += 1;
    }
    out.push_str(&s[start.min(s.len())..]);
    out
}

/// Byte offsets at which a large C file can be cut into chunks that parse on their own:
/// just after a line that is exactly `}` (the end of a file-scope definition) and not
/// inside a preprocessor conditional that began in the same chunk.
pub(crate) fn chunk_points(src: &str, target: usize) -> Vec<usize> {
    let mut points = Vec::new();
    let mut last = 0usize;
    let mut depth = 0i32;
    let mut pos = 0usize;
    for line in src.split_inclusive('\n') {
        let end = pos + line.len();
        let t = line.trim_end();
        if let Some(rest) = t.strip_prefix('#') {
            let d = rest.trim_start();
            if d.starts_with("if") {
                depth += 1;
            } else if d.starts_with("endif") {
                depth -= 1;
            }
        } else if t == "}" && depth <= 0 && end - last >= target {
            points.push(end);
            last = end;
        }
        pos = end;
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_bodies_yield_called_names() {
        assert_eq!(
            called_names("(luaC_step(L), foo (x), \"bar(\", a.b(c), p->q(r), x##y(z))"),
            ["luaC_step", "foo"]
        );
        assert_eq!(called_names("if (x) do_it(sizeof(int))"), ["do_it"]);
    }

    #[test]
    fn defines_are_read_with_continuations_and_comments() {
        let src = "#define A 1\n/* #define HIDDEN 2\n*/\n#define F(L,t,f) \\\n  (x ? g(t)  /* 'note' */ \\\n   : f(t, L))  /* done */\n  #  define  S static\n#defined_not\n";
        let got = scan_defines(src);
        let names: Vec<&str> = got.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["A", "F", "S"]);
        assert_eq!(
            got[1].params,
            Some(vec!["L".into(), "t".into(), "f".into()])
        );
        assert_eq!(called_names(&got[1].body), ["g", "f"]);
        assert!(
            !got[1].body.contains("note") && !got[1].body.contains("done"),
            "{}",
            got[1].body
        );
        assert_eq!((got[0].line, got[1].line, got[2].line), (1, 4, 7));
        assert_eq!(got[2].body, "static");
    }

    #[test]
    fn chunks_cut_after_top_level_braces_only() {
        let src =
            "int a(void) {\n  return 1;\n}\n#if X\nint b(void) {\n}\n#endif\nint c(void) {\n}\n";
        let points = chunk_points(src, 1);
        let cuts: Vec<&str> = points.iter().map(|&p| &src[..p]).collect();
        assert_eq!(cuts.len(), 2);
        assert!(cuts[0].ends_with("return 1;\n}\n"));
        assert!(cuts[1].ends_with("int c(void) {\n}\n"));
    }
}

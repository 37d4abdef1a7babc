//! Lowering of Rust syntax trees (tree-sitter-rust) to the IR: functions with their
//! module path, impl and trait context, `use` declarations, struct fields, module-level
//! declarations and call sites, including calls written inside macro invocations.

use crate::ir::{
    CallKind, CallSite, Decl, DeclKind, FileId, FnId, FnIdx, Function, Lang, Param, RustInfo,
    Signature, Span, StructDecl, TypeDef, TypeHint, TypeShape, UseDecl,
};
use crate::lower::{FileFacts, decl_text};
use crate::syntax::{self, MAX_SNIPPET, Stmt, clean_comment, fold, hash_hex};
use std::collections::HashMap;
use tree_sitter::Node;

/// Lowers one Rust file whose module path in crate `krate` is `module`.
pub(crate) fn lower(
    src: &str,
    file: FileId,
    path: &str,
    krate: &str,
    module: &[String],
) -> FileFacts {
    let mut cx = Cx {
        src,
        file,
        krate,
        facts: FileFacts::default(),
    };
    let Some(tree) = syntax::parse(&tree_sitter_rust::LANGUAGE.into(), src) else {
        cx.facts.diagnostics.push(crate::diag(
            path,
            None,
            crate::ir::Severity::Error,
            "parse-failed",
            "the Rust parser gave up on this file".into(),
        ));
        return cx.facts;
    };
    let root = tree.root_node();
    syntax::syntax_errors(root, path, 0, &mut cx.facts.diagnostics);
    let scope = Scope {
        module: module.to_vec(),
        ..Scope::default()
    };
    cx.items(root, &scope);
    cx.facts
}

/// Where an item stands: its module, the impl or trait around it, `#[cfg(test)]`.
#[derive(Clone, Default)]
struct Scope {
    module: Vec<String>,
    self_ty: Option<String>,
    trait_name: Option<String>,
    in_trait_decl: bool,
    in_cfg_test: bool,
    impl_bounds: Vec<(String, Vec<String>)>,
    parent_fn: Option<String>,
    /// Inside a function body, however deep (a `mod` there drops `parent_fn`).
    in_fn_body: bool,
}

struct Cx<'a> {
    src: &'a str,
    file: FileId,
    krate: &'a str,
    facts: FileFacts,
}

/// What the lowering knows of a body's local names.
#[derive(Default, Clone)]
struct Locals {
    /// Local name → type hint, if one could be read off the declaration.
    vars: HashMap<String, Option<TypeHint>>,
    bounds: Vec<(String, Vec<String>)>,
}

impl<'a> Cx<'a> {
    fn span(&self, node: Node<'_>) -> Span {
        syntax::span(node)
    }

    fn text(&self, node: Node<'_>) -> &'a str {
        syntax::text(node, self.src)
    }

    /// Walks the items of a source file, module, impl or trait body.
    fn items(&mut self, container: Node<'_>, scope: &Scope) {
        let mut work = Vec::new();
        push_children(&mut work, container, scope);
        self.drain(work);
    }

    /// Lowers items from a work list (not recursion: nesting depth comes from input).
    fn drain<'t>(&mut self, mut work: Work<'t>) {
        while let Some((node, scope, trivia)) = work.pop() {
            self.item(node, &scope, &trivia, &mut work);
        }
    }

    fn item<'t>(
        &mut self,
        node: Node<'t>,
        scope: &Scope,
        trivia: &[Node<'t>],
        work: &mut Work<'t>,
    ) {
        let attrs = attributes(trivia, self.src);
        let in_cfg_test = scope.in_cfg_test || attrs.iter().any(|a| is_cfg_test(a));
        let inner = |s: Scope| Scope { in_cfg_test, ..s };
        match node.kind() {
            "function_item" | "function_signature_item" => {
                self.function(node, scope, &attrs, in_cfg_test, trivia)
            }
            "mod_item" => {
                let (Some(name), Some(body)) = (
                    node.child_by_field_name("name"),
                    node.child_by_field_name("body"),
                ) else {
                    return;
                };
                let mut module = scope.module.clone();
                module.push(self.text(name).to_string());
                push_children(
                    work,
                    body,
                    &inner(Scope {
                        module,
                        in_fn_body: scope.in_fn_body,
                        ..Scope::default()
                    }),
                );
            }
            "impl_item" => {
                let Some(body) = node.child_by_field_name("body") else {
                    return;
                };
                let s = Scope {
                    module: scope.module.clone(),
                    self_ty: node
                        .child_by_field_name("type")
                        .map(|t| type_name(t, self.src)),
                    trait_name: node
                        .child_by_field_name("trait")
                        .map(|t| type_name(t, self.src)),
                    impl_bounds: generic_bounds(node, self.src),
                    parent_fn: scope.parent_fn.clone(),
                    in_fn_body: scope.in_fn_body,
                    ..Scope::default()
                };
                push_children(work, body, &inner(s));
            }
            "trait_item" => {
                let (Some(name), Some(body)) = (
                    node.child_by_field_name("name"),
                    node.child_by_field_name("body"),
                ) else {
                    return;
                };
                let s = Scope {
                    module: scope.module.clone(),
                    trait_name: Some(self.text(name).to_string()),
                    in_trait_decl: true,
                    impl_bounds: generic_bounds(node, self.src),
                    parent_fn: scope.parent_fn.clone(),
                    in_fn_body: scope.in_fn_body,
                    ..Scope::default()
                };
                push_children(work, body, &inner(s));
            }
            "use_declaration" => {
                if let Some(arg) = node.child_by_field_name("argument") {
                    self.use_tree(arg, &[], &scope.module);
                }
            }
            "struct_item" => {
                self.decl(node, scope, trivia, DeclKind::Type);
                self.struct_item(node, scope);
            }
            "type_item" => {
                self.decl(node, scope, trivia, DeclKind::Type);
                // An associated type (`type Item = &'a T;` in an impl) names a type
                // only through its trait: it is no alias of the program.
                if scope.self_ty.is_none()
                    && !scope.in_trait_decl
                    && let (Some(name), Some(target)) = (
                        node.child_by_field_name("name"),
                        node.child_by_field_name("type"),
                    )
                {
                    self.type_def(
                        name,
                        TypeShape::Alias {
                            target: self.text(target).to_string(),
                        },
                    );
                }
            }
            "enum_item" | "union_item" => self.decl(node, scope, trivia, DeclKind::Type),
            "const_item" => self.decl(node, scope, trivia, DeclKind::Const),
            "static_item" => self.decl(node, scope, trivia, DeclKind::Global),
            "macro_definition" => self.decl(node, scope, trivia, DeclKind::Macro),
            "ERROR" | "declaration_list" => push_children(work, node, scope),
            _ => {}
        }
    }

    fn function(
        &mut self,
        node: Node<'_>,
        scope: &Scope,
        attrs: &[String],
        in_cfg_test: bool,
        trivia: &[Node<'_>],
    ) {
        let Some(name_node) = node.child_by_field_name("name") else {
            return;
        };
        let name = self.text(name_node).to_string();
        let body = node.child_by_field_name("body");
        // A trait method without a default body is a declaration: it becomes a
        // function only inside a trait, where specs attach to it.
        if body.is_none() && !scope.in_trait_decl {
            return;
        }
        let mut qualified: Vec<String> = scope.module.clone();
        if let Some(parent) = &scope.parent_fn {
            qualified.push(parent.clone());
        }
        match (&scope.self_ty, &scope.trait_name) {
            (Some(ty), Some(tr)) => qualified.push(format!("<{ty} as {tr}>")),
            (Some(ty), None) => qualified.push(ty.clone()),
            (None, Some(tr)) => qualified.push(tr.clone()),
            (None, None) => {}
        }
        qualified.push(name.clone());
        let is_pub = {
            let mut cursor = node.walk();
            node.children(&mut cursor)
                .any(|c| c.kind() == "visibility_modifier")
        };
        let mut bounds = scope.impl_bounds.clone();
        bounds.extend(generic_bounds(node, self.src));
        let signature = self.signature(node, body);
        let mut locals = Locals {
            bounds: bounds.clone(),
            ..Locals::default()
        };
        for p in &signature.params {
            let hint = if p.name == "self" {
                scope.self_ty.clone().map(TypeHint::Named)
            } else {
                type_hint_text(&p.ty, &bounds)
            };
            locals.vars.insert(p.name.clone(), hint);
        }
        let idx = FnIdx(self.facts.functions.len() as u32);
        let qualified_name = qualified.join("::");
        self.facts.functions.push(Function {
            id: FnId(String::new()),
            name: name.clone(),
            qualified_name,
            file: self.file,
            lang: Lang::Rust,
            span: self.span(node),
            signature,
            doc: self.doc(trivia),
            body: body.map(|b| self.span(b)),
            body_hash: body.map(|b| hash_hex(self.text(b).as_bytes())),
            c: None,
            rust: Some(RustInfo {
                krate: self.krate.to_string(),
                module: scope.module.clone(),
                self_ty: scope.self_ty.clone(),
                trait_name: scope.trait_name.clone(),
                in_trait_decl: scope.in_trait_decl,
                is_pub,
                is_test: attrs.iter().any(|a| is_test_attr(a)),
                in_cfg_test,
                generic_bounds: bounds,
                parent_fn: scope.parent_fn.clone(),
            }),
        });
        if let Some(body) = body {
            let nested_scope = Scope {
                module: scope.module.clone(),
                in_cfg_test,
                parent_fn: Some(match &scope.parent_fn {
                    Some(p) => format!("{p}::{name}"),
                    None => name.clone(),
                }),
                in_fn_body: true,
                ..Scope::default()
            };
            self.body(idx, body, locals, scope, &nested_scope);
        }
    }

    fn signature(&self, node: Node<'_>, body: Option<Node<'_>>) -> Signature {
        let mut params = Vec::new();
        if let Some(ps) = node.child_by_field_name("parameters") {
            let mut cursor = ps.walk();
            for p in ps.named_children(&mut cursor) {
                match p.kind() {
                    "self_parameter" => params.push(Param {
                        name: "self".into(),
                        ty: fold(self.text(p), MAX_SNIPPET),
                    }),
                    "parameter" => {
                        let name = p
                            .child_by_field_name("pattern")
                            .map_or(String::new(), |n| pattern_name(n, self.src));
                        let ty = p
                            .child_by_field_name("type")
                            .map_or(String::new(), |t| fold(self.text(t), MAX_SNIPPET));
                        params.push(Param { name, ty });
                    }
                    _ => {}
                }
            }
        }
        let ret = node
            .child_by_field_name("return_type")
            .map(|t| fold(self.text(t), MAX_SNIPPET))
            .filter(|t| t != "()");
        let end = body.map_or(node.end_byte(), |b| b.start_byte());
        let text = fold(
            self.src.get(node.start_byte()..end).unwrap_or(""),
            2 * MAX_SNIPPET,
        );
        Signature {
            params,
            ret,
            variadic: false,
            text,
        }
    }

    /// `///` and `/** */` comments above the item (attributes may stand between).
    fn doc(&self, trivia: &[Node<'_>]) -> Option<String> {
        let mut parts = Vec::new();
        for &c in trivia.iter().rev() {
            match c.kind() {
                "attribute_item" => {}
                "line_comment" | "block_comment" => {
                    let t = self.text(c);
                    if !is_doc_comment(t) {
                        break;
                    }
                    parts.push(clean_comment(t));
                }
                _ => break,
            }
        }
        parts.reverse();
        let doc = parts.join("\n");
        (!doc.trim().is_empty()).then_some(doc)
    }

    /// Records a module-level declaration (not one in a function body, `impl` or
    /// `trait`); its text starts at the doc comments and attributes above it.
    fn decl(&mut self, node: Node<'_>, scope: &Scope, trivia: &[Node<'_>], kind: DeclKind) {
        if scope.in_fn_body || scope.self_ty.is_some() || scope.trait_name.is_some() {
            return;
        }
        let Some(name) = node.child_by_field_name("name") else {
            return;
        };
        let mut start = node.start_byte();
        for &c in trivia.iter().rev() {
            if c.kind() != "attribute_item" && !is_doc_comment(self.text(c)) {
                break;
            }
            start = c.start_byte();
        }
        self.facts.decls.push(Decl {
            file: self.file,
            names: vec![self.text(name).to_string()],
            kind,
            span: self.span(node),
            text: decl_text(self.src.get(start..node.end_byte()).unwrap_or("")),
        });
    }

    fn use_tree(&mut self, node: Node<'_>, prefix: &[String], module: &[String]) {
        let push = |path: Vec<String>, alias: Option<String>, facts: &mut FileFacts| {
            facts.uses.push(UseDecl {
                file: self.file,
                krate: self.krate.to_string(),
                module: module.to_vec(),
                path,
                alias,
            });
        };
        match node.kind() {
            "identifier" | "crate" | "self" | "super" | "scoped_identifier" | "metavariable" => {
                let mut path = prefix.to_vec();
                path.extend(path_segments(node, self.src));
                // `use a::{self}` imports `a` itself.
                if path.last().is_some_and(|s| s == "self") && path.len() > 1 {
                    path.pop();
                }
                let alias = path.last().cloned();
                push(path, alias, &mut self.facts);
            }
            "use_as_clause" => {
                let (Some(p), Some(a)) = (
                    node.child_by_field_name("path"),
                    node.child_by_field_name("alias"),
                ) else {
                    return;
                };
                let mut path = prefix.to_vec();
                path.extend(path_segments(p, self.src));
                push(path, Some(self.text(a).to_string()), &mut self.facts);
            }
            "use_wildcard" => {
                let mut path = prefix.to_vec();
                if let Some(p) = node.named_child(0) {
                    path.extend(path_segments(p, self.src));
                }
                push(path, None, &mut self.facts);
            }
            "scoped_use_list" => {
                let mut path = prefix.to_vec();
                if let Some(p) = node.child_by_field_name("path") {
                    path.extend(path_segments(p, self.src));
                }
                if let Some(list) = node.child_by_field_name("list") {
                    self.use_tree(list, &path, module);
                }
            }
            "use_list" => {
                let mut cursor = node.walk();
                let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
                for c in children {
                    self.use_tree(c, prefix, module);
                }
            }
            _ => {}
        }
    }

    fn struct_item(&mut self, node: Node<'_>, scope: &Scope) {
        let (Some(name), Some(body)) = (
            node.child_by_field_name("name"),
            node.child_by_field_name("body"),
        ) else {
            return;
        };
        if body.kind() == "ordered_field_declaration_list" {
            // A newtype (`struct Handle(usize)`) stands for its one field.
            let mut cursor = body.walk();
            let types: Vec<Node<'_>> = body
                .named_children(&mut cursor)
                .filter(|c| c.kind() != "visibility_modifier" && c.kind() != "attribute_item")
                .collect();
            if let [t] = types[..] {
                self.type_def(
                    name,
                    TypeShape::Alias {
                        target: self.text(t).to_string(),
                    },
                );
            }
            return;
        }
        if body.kind() != "field_declaration_list" {
            return;
        }
        let bounds = generic_bounds(node, self.src);
        let mut fields = Vec::new();
        let mut layout = Vec::new();
        let mut cursor = body.walk();
        for f in body.named_children(&mut cursor) {
            if f.kind() != "field_declaration" {
                continue;
            }
            let (Some(n), Some(t)) = (f.child_by_field_name("name"), f.child_by_field_name("type"))
            else {
                continue;
            };
            layout.push((self.text(n).to_string(), self.text(t).to_string()));
            if let Some(hint) = type_hint(t, self.src, &bounds) {
                fields.push((self.text(n).to_string(), hint));
            }
        }
        self.type_def(name, TypeShape::Fields { fields: layout });
        self.facts.structs.push(StructDecl {
            krate: self.krate.to_string(),
            module: scope.module.clone(),
            name: self.text(name).to_string(),
            fields,
        });
    }

    fn type_def(&mut self, name: Node<'_>, shape: TypeShape) {
        self.facts.types.push(TypeDef {
            file: self.file,
            names: vec![self.text(name).to_string()],
            shape,
        });
    }

    /// Collects the calls of a body; nested fn items become functions of their own.
    fn body(
        &mut self,
        caller: FnIdx,
        body: Node<'_>,
        mut locals: Locals,
        scope: &Scope,
        nested: &Scope,
    ) {
        let mut stack: Vec<(Node<'_>, Stmt<'_>, Vec<Node<'_>>)> = vec![(body, None, Vec::new())];
        let mut nested_items = Vec::new();
        while let Some((node, stmt, trivia)) = stack.pop() {
            let kind = node.kind();
            let stmt = if is_statement(kind) {
                Some((node, statement_body(node)))
            } else {
                stmt
            };
            match kind {
                "function_item" | "impl_item" | "trait_item" | "mod_item" | "struct_item"
                | "use_declaration" => {
                    nested_items.push((node, nested.clone(), trivia));
                    continue;
                }
                "let_declaration" => self.let_binding(node, &mut locals),
                "closure_expression" => {
                    if let Some(ps) = node.child_by_field_name("parameters") {
                        let mut cursor = ps.walk();
                        for p in ps.named_children(&mut cursor) {
                            let pat = if p.kind() == "parameter" {
                                p.child_by_field_name("pattern").unwrap_or(p)
                            } else {
                                p
                            };
                            let name = pattern_name(pat, self.src);
                            if !name.is_empty() {
                                locals.vars.insert(name, None);
                            }
                        }
                    }
                }
                "call_expression" => self.call(caller, node, stmt, &locals, scope),
                "macro_invocation" => {
                    if let Some(tt) = node
                        .named_children(&mut node.walk())
                        .find(|c| c.kind() == "token_tree")
                    {
                        self.macro_calls(
                            caller,
                            tt,
                            stmt.map(|s| s.0).unwrap_or(node),
                            scope,
                            &locals,
                        );
                    }
                    continue;
                }
                _ => {}
            }
            let children = syntax::children_with_trivia(node, is_trivia);
            // A block's tail expression is a statement of its own.
            let tail = (kind == "block")
                .then(|| children.last().map(|(c, _)| *c))
                .flatten()
                .filter(|t| {
                    !t.kind().ends_with("_statement")
                        && !t.kind().ends_with("_item")
                        && t.kind() != "let_declaration"
                });
            stack.extend(children.into_iter().rev().map(|(c, t)| {
                if tail.is_some_and(|tail| tail.id() == c.id()) {
                    (c, Some((c, statement_body(c))), t)
                } else {
                    (c, stmt, t)
                }
            }));
        }
        // Items nested in the body (helper fns, impls) are lowered on their own.
        nested_items.reverse();
        self.drain(nested_items);
    }

    fn let_binding(&self, node: Node<'_>, locals: &mut Locals) {
        let Some(pat) = node.child_by_field_name("pattern") else {
            return;
        };
        let mut name = pattern_name(pat, self.src);
        if name.is_empty()
            && let Some(inner) = unwrapped_binding(pat, self.src)
        {
            // `let Ok(x) = T::new(..) else { .. }`: x is what `T::new` makes.
            name = pattern_name(inner, self.src);
        }
        if name.is_empty() {
            // Destructuring: every bound identifier is a local of unknown type.
            for id in identifiers(pat) {
                locals.vars.insert(self.text(id).to_string(), None);
            }
            return;
        }
        let hint = if let Some(t) = node.child_by_field_name("type") {
            type_hint(t, self.src, &locals.bounds)
        } else {
            node.child_by_field_name("value")
                .and_then(|v| self.value_hint(v, locals))
        };
        locals.vars.insert(name, hint);
    }

    /// A type hint for an initialiser: `T { .. }`, `T::new(..)` (and `?`, `.unwrap()`,
    /// `.expect(..)` on it), `&x`, or another local.
    fn value_hint(&self, mut v: Node<'_>, locals: &Locals) -> Option<TypeHint> {
        loop {
            match v.kind() {
                "try_expression" | "reference_expression" | "parenthesized_expression" => {
                    v = last_named_child(v)?
                }
                "call_expression" => {
                    let f = v.child_by_field_name("function")?;
                    if f.kind() == "field_expression" {
                        let m = f.child_by_field_name("field").map(|n| self.text(n))?;
                        if matches!(m, "unwrap" | "expect" | "unwrap_or_default" | "clone") {
                            v = f.child_by_field_name("value")?;
                            continue;
                        }
                        return None;
                    }
                    let segs = path_segments(strip_generic_fn(f), self.src);
                    if segs.len() >= 2 {
                        let ty = &segs[segs.len() - 2];
                        if ty.chars().next().is_some_and(char::is_uppercase) && ty != "Self" {
                            return Some(TypeHint::Named(ty.clone()));
                        }
                    }
                    return None;
                }
                "struct_expression" => {
                    let n = v.child_by_field_name("name")?;
                    return Some(TypeHint::Named(type_name(n, self.src)));
                }
                "identifier" => return locals.vars.get(self.text(v)).cloned().flatten(),
                _ => return None,
            }
        }
    }

    fn call(
        &mut self,
        caller: FnIdx,
        node: Node<'_>,
        stmt: Stmt<'_>,
        locals: &Locals,
        scope: &Scope,
    ) {
        let Some(f) = node.child_by_field_name("function") else {
            return;
        };
        let f = strip_generic_fn(f);
        let mut receiver = None;
        let mut receiver_ty = None;
        let (kind, path) = match f.kind() {
            "identifier" => {
                let name = self.text(f).to_string();
                let kind = if locals.vars.contains_key(&name) {
                    CallKind::Indirect
                } else if is_constructor_name(&name) {
                    CallKind::Constructor
                } else {
                    CallKind::Plain
                };
                (kind, vec![name])
            }
            "scoped_identifier" => {
                let segs = path_segments(f, self.src);
                let last = segs.last().cloned().unwrap_or_default();
                let kind = if is_constructor_name(&last) {
                    CallKind::Constructor
                } else if segs.first().is_some_and(|s| s == "Self") {
                    CallKind::SelfPath
                } else {
                    CallKind::Path
                };
                (kind, segs)
            }
            "field_expression" => {
                let name = f
                    .child_by_field_name("field")
                    .map_or(String::new(), |n| self.text(n).to_string());
                if let Some(value) = f.child_by_field_name("value") {
                    receiver = Some(fold(self.text(value), MAX_SNIPPET));
                    receiver_ty = self.receiver_hint(value, locals, scope);
                }
                (CallKind::Method, vec![name])
            }
            _ => (CallKind::Indirect, vec![innermost_name(f, self.src)]),
        };
        let args = node
            .child_by_field_name("arguments")
            .map(|a| {
                let mut cursor = a.walk();
                a.named_children(&mut cursor)
                    .filter(|c| {
                        !matches!(
                            c.kind(),
                            "line_comment" | "block_comment" | "attribute_item"
                        )
                    })
                    .map(|c| fold(self.text(c), MAX_SNIPPET))
                    .collect()
            })
            .unwrap_or_default();
        let statement = syntax::call_statement(stmt, node, self.src);
        self.facts.calls.push(CallSite {
            caller,
            callee: fold(self.text(f), MAX_SNIPPET),
            name: path.last().cloned().unwrap_or_default(),
            path,
            kind,
            receiver,
            receiver_ty,
            args,
            span: self.span(node),
            statement,
            in_macro: false,
        });
    }

    fn receiver_hint(&self, value: Node<'_>, locals: &Locals, scope: &Scope) -> Option<TypeHint> {
        match value.kind() {
            "self" => scope.self_ty.clone().map(TypeHint::Named),
            "identifier" => locals.vars.get(self.text(value)).cloned().flatten(),
            "field_expression" => {
                let base = value.child_by_field_name("value")?;
                let field = value.child_by_field_name("field")?;
                (base.kind() == "self").then(|| TypeHint::SelfField(self.text(field).to_string()))
            }
            "reference_expression" | "parenthesized_expression" => {
                let inner = last_named_child(value)?;
                self.receiver_hint(inner, locals, scope)
            }
            _ => self.value_hint(value, locals),
        }
    }

    /// Calls inside a macro invocation's token tree: `f(..)`, `a::b(..)`, `x.m(..)`.
    fn macro_calls(
        &mut self,
        caller: FnIdx,
        tt: Node<'_>,
        stmt: Node<'_>,
        scope: &Scope,
        locals: &Locals,
    ) {
        let statement = fold(self.text(stmt), MAX_SNIPPET);
        let mut stack = vec![tt];
        while let Some(tree) = stack.pop() {
            let mut cursor = tree.walk();
            let toks = without_turbofish(tree.children(&mut cursor).collect(), self.src);
            for (i, tok) in toks.iter().enumerate() {
                if tok.kind() == "token_tree" {
                    stack.push(*tok);
                    continue;
                }
                if tok.kind() != "identifier" {
                    continue;
                }
                let Some(next) = toks.get(i + 1) else {
                    continue;
                };
                if next.kind() != "token_tree" || !self.text(*next).starts_with('(') {
                    continue;
                }
                let name = self.text(*tok).to_string();
                let prev = |k: usize| {
                    i.checked_sub(k)
                        .and_then(|j| toks.get(j))
                        .map(|n| self.text(*n))
                };
                if prev(1) == Some("fn") || prev(1) == Some("!") || prev(1) == Some("$") {
                    continue;
                }
                let (kind, path, receiver, receiver_ty) = if prev(1) == Some(".") {
                    let recv = prev(2).map(str::to_string);
                    let hint = match prev(2) {
                        Some("self") => scope.self_ty.clone().map(TypeHint::Named),
                        Some(r) => locals.vars.get(r).cloned().flatten(),
                        None => None,
                    };
                    (CallKind::Method, vec![name.clone()], recv, hint)
                } else if prev(1) == Some("::") {
                    let mut segs = vec![name.clone()];
                    let mut j = i;
                    while j >= 2
                        && self.text(toks[j - 1]) == "::"
                        && matches!(
                            toks[j - 2].kind(),
                            "identifier" | "crate" | "self" | "super"
                        )
                    {
                        segs.insert(0, self.text(toks[j - 2]).to_string());
                        j -= 2;
                    }
                    let kind = if is_constructor_name(&name) {
                        CallKind::Constructor
                    } else if segs[0] == "Self" {
                        CallKind::SelfPath
                    } else {
                        CallKind::Path
                    };
                    (kind, segs, None, None)
                } else if locals.vars.contains_key(&name) {
                    (CallKind::Indirect, vec![name.clone()], None, None)
                } else if is_constructor_name(&name) {
                    (CallKind::Constructor, vec![name.clone()], None, None)
                } else {
                    (CallKind::Plain, vec![name.clone()], None, None)
                };
                let args = split_args(self.text(*next));
                let span = Span {
                    end_byte: next.end_byte() as u32,
                    end_line: next.end_position().row as u32 + 1,
                    end_col: next.end_position().column as u32 + 1,
                    ..self.span(*tok)
                };
                self.facts.calls.push(CallSite {
                    caller,
                    callee: path.join("::"),
                    name,
                    path,
                    kind,
                    receiver,
                    receiver_ty,
                    args,
                    span,
                    statement: statement.clone(),
                    in_macro: true,
                });
            }
        }
    }
}

/// A macro's tokens without turbofish arguments (`f::<u8>(..)`, `T::<K, V>::new(..)`
/// read as `f(..)`, `T::new(..)`), so that the calls in them are found.
fn without_turbofish<'t>(toks: Vec<Node<'t>>, src: &str) -> Vec<Node<'t>> {
    let text = |n: &Node<'_>| syntax::text(*n, src);
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        if text(&toks[i]) == "::" && toks.get(i + 1).is_some_and(|n| text(n) == "<") {
            let mut depth = 0i32;
            let mut j = i + 1;
            while j < toks.len() {
                match text(&toks[j]) {
                    "<" => depth += 1,
                    ">" => depth -= 1,
                    ">>" => depth -= 2,
                    _ => {}
                }
                if depth <= 0 {
                    break;
                }
                j += 1;
            }
            i = j + 1;
            continue;
        }
        out.push(toks[i]);
        i += 1;
    }
    out
}

fn last_named_child(node: Node<'_>) -> Option<Node<'_>> {
    node.named_child(u32::try_from(node.named_child_count().checked_sub(1)?).ok()?)
}

/// Items still to lower, with the scope they stand in and their leading trivia.
type Work<'t> = Vec<(Node<'t>, Scope, Vec<Node<'t>>)>;

fn is_trivia(kind: &str) -> bool {
    matches!(kind, "line_comment" | "block_comment" | "attribute_item")
}

fn push_children<'t>(work: &mut Work<'t>, node: Node<'t>, scope: &Scope) {
    let children = syntax::children_with_trivia(node, is_trivia);
    work.extend(
        children
            .into_iter()
            .rev()
            .map(|(c, t)| (c, scope.clone(), t)),
    );
}

/// `///` and `/** */` (not `////` or `/***`, which are plain comments).
fn is_doc_comment(t: &str) -> bool {
    (t.starts_with("///") && !t.starts_with("////"))
        || (t.starts_with("/**") && !t.starts_with("/***"))
}

fn is_statement(kind: &str) -> bool {
    matches!(kind, "let_declaration" | "expression_statement")
}

fn statement_body(node: Node<'_>) -> Option<Node<'_>> {
    let inner = if node.kind() == "expression_statement" {
        node.named_child(0)?
    } else {
        node
    };
    match inner.kind() {
        "if_expression" => inner.child_by_field_name("consequence"),
        "while_expression" | "for_expression" | "loop_expression" => {
            inner.child_by_field_name("body")
        }
        "match_expression" => inner.child_by_field_name("body"),
        _ => None,
    }
}

/// Rust names tuple structs and enum variants in UpperCamelCase, functions in snake_case.
fn is_constructor_name(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase)
}

fn strip_generic_fn(f: Node<'_>) -> Node<'_> {
    if f.kind() == "generic_function" {
        f.child_by_field_name("function").unwrap_or(f)
    } else {
        f
    }
}

/// Segments of a path (`a::b::<T>::c` → `[a, b, c]`); `<T as Trait>::f` → `[Trait, f]`.
fn path_segments(node: Node<'_>, src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = Some(node);
    while let Some(n) = cur {
        match n.kind() {
            "scoped_identifier" | "scoped_type_identifier" => {
                if let Some(name) = n.child_by_field_name("name") {
                    out.push(syntax::text(name, src).to_string());
                }
                cur = n.child_by_field_name("path");
            }
            "generic_type" | "generic_function" => {
                cur = n
                    .child_by_field_name("type")
                    .or_else(|| n.child_by_field_name("function"));
            }
            "bracketed_type" => {
                // `<T as Trait>` names the trait; `<T>` names T.
                let inner = n.named_child(0);
                match inner {
                    Some(q) if q.kind() == "qualified_type" => {
                        if let Some(t) = q.child_by_field_name("alias") {
                            out.push(type_name(t, src));
                        }
                    }
                    Some(t) => out.push(type_name(t, src)),
                    None => {}
                }
                cur = None;
            }
            _ => {
                out.push(syntax::text(n, src).to_string());
                cur = None;
            }
        }
    }
    out.reverse();
    out
}

/// The last segment of a type, without generics, references or `dyn`.
fn type_name(node: Node<'_>, src: &str) -> String {
    let mut n = node;
    loop {
        match n.kind() {
            "generic_type" => match n.child_by_field_name("type") {
                Some(t) => n = t,
                None => break,
            },
            "reference_type" | "pointer_type" => match n.child_by_field_name("type") {
                Some(t) => n = t,
                None => break,
            },
            "scoped_type_identifier" => match n.child_by_field_name("name") {
                Some(t) => n = t,
                None => break,
            },
            _ => break,
        }
    }
    syntax::text(n, src).to_string()
}

/// A type hint from a type node: a named type, or the traits of `dyn`/`impl`/a bounded generic.
fn type_hint(node: Node<'_>, src: &str, bounds: &[(String, Vec<String>)]) -> Option<TypeHint> {
    type_hint_text(syntax::text(node, src), bounds)
}

/// A type hint from type text (parameters are kept as text in the IR).
fn type_hint_text(ty: &str, bounds: &[(String, Vec<String>)]) -> Option<TypeHint> {
    let mut t = ty.trim();
    loop {
        let before = t;
        t = t.trim_start_matches('&').trim_start();
        if let Some(rest) = t.strip_prefix('\'') {
            t = rest
                .split_once(char::is_whitespace)
                .map_or("", |(_, r)| r)
                .trim_start();
        }
        t = t.strip_prefix("mut ").unwrap_or(t).trim_start();
        for wrapper in ["Box<", "Rc<", "Arc<", "RefCell<", "Mutex<"] {
            if let Some(rest) = t.strip_prefix(wrapper) {
                t = rest.strip_suffix('>').unwrap_or(rest).trim();
            }
        }
        if t == before {
            break;
        }
    }
    if let Some(rest) = t.strip_prefix("dyn ").or_else(|| t.strip_prefix("impl ")) {
        let traits: Vec<String> = rest
            .split('+')
            .map(|s| last_segment(s.trim()))
            .filter(|s| !s.is_empty() && !s.starts_with('\''))
            .collect();
        return (!traits.is_empty()).then_some(TypeHint::Traits(traits));
    }
    // A slice or an array: std's methods.
    if t.starts_with('[') {
        return Some(TypeHint::Named("slice".into()));
    }
    let name = last_segment(t);
    if name.is_empty()
        || !name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
    {
        return None;
    }
    if let Some((_, traits)) = bounds.iter().find(|(g, _)| *g == name)
        && !traits.is_empty()
    {
        return Some(TypeHint::Traits(traits.clone()));
    }
    Some(TypeHint::Named(name))
}

fn last_segment(t: &str) -> String {
    let base = t.split('<').next().unwrap_or("").trim();
    base.rsplit("::").next().unwrap_or("").trim().to_string()
}

/// Generic parameters and their trait bounds, from `<T: A + B>` and `where T: C`.
fn generic_bounds(node: Node<'_>, src: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut add = |name: String, bound_text: &str| {
        let traits: Vec<String> = bound_text
            .split('+')
            .map(|s| last_segment(s.trim().trim_start_matches('?')))
            .filter(|s| !s.is_empty() && !s.starts_with('\''))
            .collect();
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, ts)) => ts.extend(traits),
            None => out.push((name, traits)),
        }
    };
    if let Some(tp) = node.child_by_field_name("type_parameters") {
        let mut cursor = tp.walk();
        for p in tp.named_children(&mut cursor) {
            let name = p
                .child_by_field_name("name")
                .map(|n| syntax::text(n, src).to_string());
            let bounds = p
                .child_by_field_name("bounds")
                .map(|b| syntax::text(b, src).trim_start_matches(':').to_string());
            if let Some(name) = name {
                add(name, bounds.as_deref().unwrap_or(""));
            }
        }
    }
    let mut cursor = node.walk();
    let where_clause = node
        .children(&mut cursor)
        .find(|c| c.kind() == "where_clause");
    if let Some(w) = where_clause {
        let mut cursor = w.walk();
        for pred in w.named_children(&mut cursor) {
            let (Some(left), Some(b)) = (
                pred.child_by_field_name("left"),
                pred.child_by_field_name("bounds"),
            ) else {
                continue;
            };
            add(
                syntax::text(left, src).to_string(),
                syntax::text(b, src).trim_start_matches(':'),
            );
        }
    }
    out
}

/// The attributes directly above an item, as text (`#[cfg(test)]` → `cfg(test)`).
fn attributes(trivia: &[Node<'_>], src: &str) -> Vec<String> {
    trivia
        .iter()
        .filter(|c| c.kind() == "attribute_item")
        .map(|c| {
            let t = syntax::text(*c, src);
            t.trim_start_matches("#[")
                .trim_end_matches(']')
                .replace(char::is_whitespace, "")
        })
        .collect()
}

fn is_cfg_test(attr: &str) -> bool {
    attr == "cfg(test)"
        || (attr.starts_with("cfg(") && attr.contains("test") && !attr.contains("not(test)"))
}

fn is_test_attr(attr: &str) -> bool {
    let path = attr.split('(').next().unwrap_or("");
    path == "test" || path.ends_with("::test") || path == "rstest" || path == "proptest"
}

/// The bound name of a simple pattern (`x`, `mut x`, `ref x`, `x: T`); empty otherwise.
/// The one binding of `Ok(x)` or `Some(x)` (`x` may be `mut x`), the pattern of a
/// `let .. else` that unwraps a constructor's result.
fn unwrapped_binding<'t>(pat: Node<'t>, src: &str) -> Option<Node<'t>> {
    if pat.kind() != "tuple_struct_pattern" {
        return None;
    }
    let ty = pat.child_by_field_name("type")?;
    if !matches!(syntax::text(ty, src), "Ok" | "Some") {
        return None;
    }
    let mut cursor = pat.walk();
    let inner: Vec<Node<'t>> = pat
        .named_children(&mut cursor)
        .filter(|c| c.id() != ty.id())
        .collect();
    match inner.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

fn pattern_name(node: Node<'_>, src: &str) -> String {
    match node.kind() {
        "identifier" | "self" => syntax::text(node, src).to_string(),
        "mut_pattern" | "ref_pattern" | "reference_pattern" => {
            last_named_child(node).map_or(String::new(), |n| pattern_name(n, src))
        }
        _ => String::new(),
    }
}

fn identifiers(node: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n.kind() == "identifier" {
            out.push(n);
            continue;
        }
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
    }
    out
}

fn innermost_name(node: Node<'_>, src: &str) -> String {
    let mut stack = vec![node];
    let mut last = String::new();
    while let Some(n) = stack.pop() {
        if matches!(n.kind(), "identifier" | "field_identifier") {
            last = syntax::text(n, src).to_string();
        }
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
    }
    last
}

/// Splits `(a, f(b, c), d)` into top-level argument texts.
fn split_args(tt: &str) -> Vec<String> {
    let inner = tt
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(tt);
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut in_str = false;
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if in_str {
            if c == b'\\' {
                i += 1;
            } else if c == b'"' {
                in_str = false;
            }
        } else {
            match c {
                b'"' => in_str = true,
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                b',' if depth == 0 => {
                    out.push(fold(&inner[start..i], MAX_SNIPPET));
                    start = i + 1;
                }
                _ => {}
            }
        }
        i += 1;
    }
    let last = fold(inner.get(start..).unwrap_or(""), MAX_SNIPPET);
    if !last.is_empty() {
        out.push(last);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_hints_see_through_references_and_boxes() {
        assert_eq!(
            type_hint_text("&[K]", &[]),
            Some(TypeHint::Named("slice".into()))
        );
        assert_eq!(
            type_hint_text("&mut Parser<'a>", &[]),
            Some(TypeHint::Named("Parser".into()))
        );
        assert_eq!(
            type_hint_text("&'a crate::lex::Lexer", &[]),
            Some(TypeHint::Named("Lexer".into()))
        );
        assert_eq!(
            type_hint_text("Box<dyn Shape + Send>", &[]),
            Some(TypeHint::Traits(vec!["Shape".into(), "Send".into()]))
        );
        let bounds = vec![("T".to_string(), vec!["Shape".to_string()])];
        assert_eq!(
            type_hint_text("&T", &bounds),
            Some(TypeHint::Traits(vec!["Shape".into()]))
        );
        assert_eq!(type_hint_text("(u8, u8)", &[]), None);
    }

    #[test]
    fn macro_arguments_split_at_top_level_commas() {
        assert_eq!(
            split_args("(\"{}, {}\", f(a, b), x)"),
            ["\"{}, {}\"", "f(a, b)", "x"]
        );
    }
}

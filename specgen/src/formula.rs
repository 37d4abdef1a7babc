//! The formula language of specs' formal fragments: a small C-like expression
//! language that vouch parses itself (models write C-like expressions far more
//! reliably than SMT-LIB), and its type checker. Lowering to Z3 lives in `hoare`.
//!
//! ```text
//! formula  := implies
//! implies  := or ("==>" implies)?                       right-associative
//! or       := and ("||" and)*
//! and      := cmp ("&&" cmp)*
//! cmp      := sum (("=="|"!="|"<"|"<="|">"|">=") sum)*   a chain `0 <= i < n` means `0 <= i && i < n`
//! sum      := term (("+"|"-") term)*
//! term     := unary (("*"|"/"|"%") unary)*
//! unary    := ("!"|"-") unary | "*" unary | postfix    `*p` is `p[0]`
//! postfix  := primary ("." name | "->" name | "[" formula "]")*
//! primary  := integer | "true" | "false" | "null" | "NULL" | "None" | name | "result"
//!           | "old" "(" formula ")" | "len" "(" formula ")" | "(" formula ")"
//!             (`old` and `len` not followed by `(` are names, e.g. a parameter `len`)
//!           | "forall" name "in" sum ".." sum ":" formula
//! ```

use crate::types::{FieldTy, Types};
use std::fmt;
use std::sync::Arc;

/// Byte range in the fragment's text.
pub type Span = (usize, usize);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Implies,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
            BinOp::Implies => "==>",
        }
    }

    fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    Int(i128),
    Bool(bool),
    Null,
    Var(String),
    Result,
    Old(Box<Expr>),
    Len(Box<Expr>),
    Field(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Forall {
        var: String,
        lo: Box<Expr>,
        hi: Box<Expr>,
        body: Box<Expr>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl fmt::Display for Expr {
    /// A fully parenthesised rendering (stable, for tests and prompts).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Int(n) => write!(f, "{n}"),
            ExprKind::Bool(b) => write!(f, "{b}"),
            ExprKind::Null => f.write_str("null"),
            ExprKind::Var(v) => f.write_str(v),
            ExprKind::Result => f.write_str("result"),
            ExprKind::Old(e) => write!(f, "old({e})"),
            ExprKind::Len(e) => write!(f, "len({e})"),
            ExprKind::Field(e, name) => write!(f, "{e}.{name}"),
            ExprKind::Index(a, i) => write!(f, "{a}[{i}]"),
            ExprKind::Not(e) => write!(f, "!{e}"),
            ExprKind::Neg(e) => write!(f, "-{e}"),
            ExprKind::Binary(op, a, b) => write!(f, "({a} {} {b})", op.symbol()),
            ExprKind::Forall { var, lo, hi, body } => {
                write!(f, "(forall {var} in {lo}..{hi}: {body})")
            }
        }
    }
}

/// A fragment that does not parse or type-check, with where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormulaError {
    pub message: String,
    pub span: Span,
}

impl FormulaError {
    fn new(message: impl Into<String>, span: Span) -> FormulaError {
        FormulaError {
            message: message.into(),
            span,
        }
    }

    /// The message with the fragment and a caret line under the offending part.
    pub fn render(&self, text: &str) -> String {
        let start = self.span.0.min(text.len());
        let end = self.span.1.clamp(start, text.len());
        let pad = text[..start].chars().count();
        let width = text[start..end].chars().count().max(1);
        format!(
            "{}\n  {text}\n  {}{}",
            self.message,
            " ".repeat(pad),
            "^".repeat(width)
        )
    }
}

impl fmt::Display for FormulaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.span.0)
    }
}

impl std::error::Error for FormulaError {}

// ---------------------------------------------------------------------------
// Lexing

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Int(i128),
    Name(String),
    Sym(&'static str),
    End,
}

const SYMBOLS: &[&str] = &[
    "==>", "->", "..", "==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "%", "<", ">", "!",
    "(", ")", "[", "]", ".", ",", ":",
];

/// Longest formula accepted, in bytes: a fragment is a clause, not a program.
pub const MAX_FORMULA_BYTES: usize = 4096;
/// Deepest nesting accepted (the parser recurses).
const MAX_DEPTH: usize = 64;

fn lex(text: &str) -> Result<Vec<(Tok, Span)>, FormulaError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() {
            let (value, len) = lex_int(&text[i..])
                .ok_or_else(|| FormulaError::new("number out of range", (i, i + 1)))?;
            i += len;
            // C integer suffixes (`10u`, `0xffUL`) change nothing here.
            while i < b.len() && matches!(b[i], b'u' | b'U' | b'l' | b'L') {
                i += 1;
            }
            if i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                return Err(FormulaError::new("malformed number", (start, i + 1)));
            }
            out.push((Tok::Int(value), (start, i)));
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Name(text[start..i].to_string()), (start, i)));
            continue;
        }
        match SYMBOLS.iter().find(|s| text[i..].starts_with(**s)) {
            Some(s) => {
                i += s.len();
                out.push((Tok::Sym(s), (start, i)));
            }
            None => {
                let ch = text[i..].chars().next().unwrap_or('?');
                let hint = match ch {
                    '&' => " (use `&&` for logical and; addresses are not part of the language)",
                    '|' => " (use `||` for logical or)",
                    '=' => " (use `==` to compare)",
                    '?' => " (write `c ==> a` and `!c ==> b` instead of `c ? a : b`)",
                    _ => "",
                };
                return Err(FormulaError::new(
                    format!("unexpected character `{ch}`{hint}"),
                    (i, i + ch.len_utf8()),
                ));
            }
        }
    }
    out.push((Tok::End, (text.len(), text.len())));
    Ok(out)
}

fn lex_int(s: &str) -> Option<(i128, usize)> {
    let b = s.as_bytes();
    if s.starts_with("0x") || s.starts_with("0X") {
        let len = 2 + b[2..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit() || **c == b'_')
            .count();
        let digits: String = s[2..len].chars().filter(|c| *c != '_').collect();
        return i128::from_str_radix(&digits, 16).ok().map(|v| (v, len));
    }
    let len = b
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b'_')
        .count();
    let digits: String = s[..len].chars().filter(|c| *c != '_').collect();
    digits.parse().ok().map(|v| (v, len))
}

// ---------------------------------------------------------------------------
// Parsing

struct Parser {
    toks: Vec<(Tok, Span)>,
    pos: usize,
    depth: usize,
}

/// `e` with each free name in `map` replaced by its expression: a callee's
/// precondition seen at a call, its parameters replaced by the call's arguments.
/// A `forall` variable shadows a name of the same spelling; `None` when a replacement
/// would be captured by one (the caller's `i` under the callee's `forall i`).
pub fn substitute(e: &Expr, map: &std::collections::HashMap<String, Expr>) -> Option<Expr> {
    let sub = |x: &Expr| substitute(x, map).map(Box::new);
    let kind = match &e.kind {
        ExprKind::Var(v) => match map.get(v) {
            Some(r) => return Some(r.clone()),
            None => ExprKind::Var(v.clone()),
        },
        ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Null | ExprKind::Result => e.kind.clone(),
        ExprKind::Old(x) => ExprKind::Old(sub(x)?),
        ExprKind::Len(x) => ExprKind::Len(sub(x)?),
        ExprKind::Field(x, name) => ExprKind::Field(sub(x)?, name.clone()),
        ExprKind::Index(a, i) => ExprKind::Index(sub(a)?, sub(i)?),
        ExprKind::Not(x) => ExprKind::Not(sub(x)?),
        ExprKind::Neg(x) => ExprKind::Neg(sub(x)?),
        ExprKind::Binary(op, a, b) => ExprKind::Binary(*op, sub(a)?, sub(b)?),
        ExprKind::Forall { var, lo, hi, body } => {
            let mut inner = map.clone();
            inner.remove(var);
            if inner.values().any(|r| mentions(r, var)) {
                return None;
            }
            ExprKind::Forall {
                var: var.clone(),
                lo: sub(lo)?,
                hi: sub(hi)?,
                body: Box::new(substitute(body, &inner)?),
            }
        }
    };
    Some(Expr { kind, span: e.span })
}

/// Whether `name` occurs free in `e`.
fn mentions(e: &Expr, name: &str) -> bool {
    match &e.kind {
        ExprKind::Var(v) => v == name,
        ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Null | ExprKind::Result => false,
        ExprKind::Old(x)
        | ExprKind::Len(x)
        | ExprKind::Field(x, _)
        | ExprKind::Not(x)
        | ExprKind::Neg(x) => mentions(x, name),
        ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => mentions(a, name) || mentions(b, name),
        ExprKind::Forall { var, lo, hi, body } => {
            mentions(lo, name) || mentions(hi, name) || (var != name && mentions(body, name))
        }
    }
}

/// Parses a formula.
pub fn parse(text: &str) -> Result<Expr, FormulaError> {
    if text.len() > MAX_FORMULA_BYTES {
        return Err(FormulaError::new(
            format!("formula longer than {MAX_FORMULA_BYTES} bytes"),
            (0, 0),
        ));
    }
    if text.trim().is_empty() {
        return Err(FormulaError::new("empty formula", (0, text.len())));
    }
    let mut p = Parser {
        toks: lex(text)?,
        pos: 0,
        depth: 0,
    };
    let e = p.implies()?;
    match p.peek() {
        Tok::End => Ok(e),
        _ => Err(FormulaError::new(
            format!("unexpected {} after a complete formula", p.describe()),
            p.span(),
        )),
    }
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }

    fn span(&self) -> Span {
        self.toks[self.pos].1
    }

    fn describe(&self) -> String {
        match self.peek() {
            Tok::Int(n) => format!("number `{n}`"),
            Tok::Name(n) => format!("name `{n}`"),
            Tok::Sym(s) => format!("`{s}`"),
            Tok::End => "end of formula".to_string(),
        }
    }

    fn bump(&mut self) -> (Tok, Span) {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn eat(&mut self, sym: &str) -> bool {
        if matches!(self.peek(), Tok::Sym(s) if *s == sym) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, sym: &str, context: &str) -> Result<Span, FormulaError> {
        let span = self.span();
        if self.eat(sym) {
            Ok(span)
        } else {
            Err(FormulaError::new(
                format!("expected `{sym}` {context}, found {}", self.describe()),
                span,
            ))
        }
    }

    fn enter(&mut self) -> Result<(), FormulaError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FormulaError::new(
                format!("formula nested deeper than {MAX_DEPTH} levels"),
                self.span(),
            ));
        }
        Ok(())
    }

    fn binary(op: BinOp, a: Expr, b: Expr) -> Expr {
        let span = (a.span.0, b.span.1);
        Expr {
            kind: ExprKind::Binary(op, Box::new(a), Box::new(b)),
            span,
        }
    }

    fn implies(&mut self) -> Result<Expr, FormulaError> {
        self.enter()?;
        let a = self.or()?;
        let e = if self.eat("==>") {
            Parser::binary(BinOp::Implies, a, self.implies()?)
        } else {
            a
        };
        self.depth -= 1;
        Ok(e)
    }

    fn or(&mut self) -> Result<Expr, FormulaError> {
        let mut a = self.and()?;
        while self.eat("||") {
            a = Parser::binary(BinOp::Or, a, self.and()?);
        }
        Ok(a)
    }

    fn and(&mut self) -> Result<Expr, FormulaError> {
        let mut a = self.cmp()?;
        while self.eat("&&") {
            a = Parser::binary(BinOp::And, a, self.cmp()?);
        }
        Ok(a)
    }

    fn cmp_op(&self) -> Option<BinOp> {
        match self.peek() {
            Tok::Sym("==") => Some(BinOp::Eq),
            Tok::Sym("!=") => Some(BinOp::Ne),
            Tok::Sym("<") => Some(BinOp::Lt),
            Tok::Sym("<=") => Some(BinOp::Le),
            Tok::Sym(">") => Some(BinOp::Gt),
            Tok::Sym(">=") => Some(BinOp::Ge),
            _ => None,
        }
    }

    /// Comparisons; a chain `a < b <= c` is the conjunction of its links.
    fn cmp(&mut self) -> Result<Expr, FormulaError> {
        let first = self.sum()?;
        let mut links: Vec<Expr> = Vec::new();
        let mut left = first.clone();
        while let Some(op) = self.cmp_op() {
            self.bump();
            let right = self.sum()?;
            links.push(Parser::binary(op, left, right.clone()));
            left = right;
        }
        let mut it = links.into_iter();
        let Some(mut e) = it.next() else {
            return Ok(first);
        };
        for link in it {
            e = Parser::binary(BinOp::And, e, link);
        }
        Ok(e)
    }

    fn sum(&mut self) -> Result<Expr, FormulaError> {
        let mut a = self.term()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("+") => BinOp::Add,
                Tok::Sym("-") => BinOp::Sub,
                _ => return Ok(a),
            };
            self.bump();
            a = Parser::binary(op, a, self.term()?);
        }
    }

    fn term(&mut self) -> Result<Expr, FormulaError> {
        let mut a = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("*") => BinOp::Mul,
                Tok::Sym("/") => BinOp::Div,
                Tok::Sym("%") => BinOp::Rem,
                _ => return Ok(a),
            };
            self.bump();
            a = Parser::binary(op, a, self.unary()?);
        }
    }

    fn unary(&mut self) -> Result<Expr, FormulaError> {
        let span = self.span();
        if self.eat("!") {
            self.enter()?;
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(Expr {
                span: (span.0, e.span.1),
                kind: ExprKind::Not(Box::new(e)),
            });
        }
        if self.eat("*") {
            // A dereference reads the first element: `*out` is `out[0]`.
            self.enter()?;
            let e = self.unary()?;
            self.depth -= 1;
            let zero = Expr {
                kind: ExprKind::Int(0),
                span: (span.0, span.0),
            };
            return Ok(Expr {
                span: (span.0, e.span.1),
                kind: ExprKind::Index(Box::new(e), Box::new(zero)),
            });
        }
        if self.eat("-") {
            self.enter()?;
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(match e.kind {
                ExprKind::Int(n) => Expr {
                    span: (span.0, e.span.1),
                    kind: ExprKind::Int(-n),
                },
                _ => Expr {
                    span: (span.0, e.span.1),
                    kind: ExprKind::Neg(Box::new(e)),
                },
            });
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Result<Expr, FormulaError> {
        let mut e = self.primary()?;
        loop {
            if self.eat(".") || self.eat("->") {
                let (tok, span) = self.bump();
                let Tok::Name(name) = tok else {
                    return Err(FormulaError::new(
                        "expected a field name after `.` or `->`",
                        span,
                    ));
                };
                e = Expr {
                    span: (e.span.0, span.1),
                    kind: ExprKind::Field(Box::new(e), name),
                };
            } else if self.eat("[") {
                let i = self.implies()?;
                let end = self.expect("]", "to close the index")?;
                e = Expr {
                    span: (e.span.0, end.1),
                    kind: ExprKind::Index(Box::new(e), Box::new(i)),
                };
            } else {
                return Ok(e);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, FormulaError> {
        let (tok, span) = self.bump();
        let e = |kind| Ok(Expr { kind, span });
        match tok {
            Tok::Int(n) => e(ExprKind::Int(n)),
            Tok::Sym("(") => {
                let inner = self.implies()?;
                let end = self.expect(")", "to close `(`")?;
                Ok(Expr {
                    span: (span.0, end.1),
                    ..inner
                })
            }
            Tok::Name(n) => match n.as_str() {
                "true" => e(ExprKind::Bool(true)),
                "false" => e(ExprKind::Bool(false)),
                "null" | "NULL" | "None" | "nullptr" => e(ExprKind::Null),
                "result" => e(ExprKind::Result),
                // `len` and `old` are also common parameter names: they are the
                // builtins only when called.
                "old" | "len" if matches!(self.peek(), Tok::Sym("(")) => {
                    self.expect("(", &format!("after `{n}`"))?;
                    let inner = self.implies()?;
                    let end = self.expect(")", &format!("to close `{n}(`"))?;
                    let kind = if n == "old" {
                        ExprKind::Old(Box::new(inner))
                    } else {
                        ExprKind::Len(Box::new(inner))
                    };
                    Ok(Expr {
                        kind,
                        span: (span.0, end.1),
                    })
                }
                "forall" => self.forall(span),
                "exists" => Err(FormulaError::new(
                    "`exists` is not part of the language; state it as a natural-language clause",
                    span,
                )),
                _ => e(ExprKind::Var(n)),
            },
            Tok::End => Err(FormulaError::new("the formula ends too early", span)),
            Tok::Sym(s) => Err(FormulaError::new(
                format!("expected a value, found `{s}`"),
                span,
            )),
        }
    }

    fn forall(&mut self, start: Span) -> Result<Expr, FormulaError> {
        let (tok, span) = self.bump();
        let Tok::Name(var) = tok else {
            return Err(FormulaError::new(
                "expected a variable name after `forall`",
                span,
            ));
        };
        match self.bump() {
            (Tok::Name(n), _) if n == "in" => {}
            (_, span) => {
                return Err(FormulaError::new(
                    "expected `in` after the forall variable (`forall i in 0..n: ...`)",
                    span,
                ));
            }
        }
        let lo = self.sum()?;
        self.expect(
            "..",
            "between the bounds of the range (`lo..hi`, hi excluded)",
        )?;
        let hi = self.sum()?;
        self.expect(":", "after the range")?;
        let body = self.implies()?;
        let span = (start.0, body.span.1);
        Ok(Expr {
            kind: ExprKind::Forall {
                var,
                lo: Box::new(lo),
                hi: Box::new(hi),
                body: Box::new(body),
            },
            span,
        })
    }
}

// ---------------------------------------------------------------------------
// Types

/// An integer's machine type. `bits = 0` is a mathematical integer (a literal, a length).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IntTy {
    pub bits: u16,
    pub signed: bool,
}

impl IntTy {
    pub const MATH: IntTy = IntTy {
        bits: 0,
        signed: true,
    };

    /// The values of this type, or `None` for a mathematical integer.
    pub fn range(self) -> Option<(i128, i128)> {
        match (self.bits, self.signed) {
            (0, _) => None,
            (b, true) => Some((-(1i128 << (b - 1)), (1i128 << (b - 1)) - 1)),
            (b, false) => Some((0, (1i128 << b) - 1)),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    Int(IntTy),
    Bool,
    /// A pointer, array, slice, string or vector: it has a length and elements.
    Seq(Box<Ty>),
    /// A struct or anything else whose fields are not known here.
    Opaque(String),
    /// `null`: compares with any pointer.
    Null,
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Int(IntTy { bits: 0, .. }) => f.write_str("integer"),
            Ty::Int(t) => write!(f, "{}{}", if t.signed { "i" } else { "u" }, t.bits),
            Ty::Bool => f.write_str("bool"),
            Ty::Seq(e) => write!(f, "sequence of {e}"),
            Ty::Opaque(n) => write!(f, "`{n}`"),
            Ty::Null => f.write_str("null"),
        }
    }
}

/// The machine type named by a C or Rust type as written in a signature.
pub fn type_of(text: &str) -> Ty {
    let t = text.trim();
    let t = t.trim_start_matches('&').trim_start_matches("mut ").trim();
    let t = t.strip_prefix("const ").unwrap_or(t).trim();
    let t = t.strip_suffix(" const").unwrap_or(t).trim();
    if let Some(inner) = t.strip_suffix('*') {
        let inner = inner.trim();
        let elem = if inner == "void" {
            Ty::Int(IntTy {
                bits: 8,
                signed: false,
            })
        } else {
            type_of(inner)
        };
        return Ty::Seq(Box::new(elem));
    }
    if let Some(inner) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        let elem = inner.split(';').next().unwrap_or(inner);
        return Ty::Seq(Box::new(type_of(elem)));
    }
    for (prefix, elem) in [
        ("Vec<", None),
        ("Box<[", None),
        ("&str", Some("u8")),
        ("str", Some("u8")),
        ("String", Some("u8")),
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            let inner = elem.unwrap_or_else(|| rest.trim_end_matches('>').trim_end_matches(']'));
            if elem.is_some() && !rest.is_empty() {
                continue;
            }
            return Ty::Seq(Box::new(type_of(inner)));
        }
    }
    let int = |bits, signed| Ty::Int(IntTy { bits, signed });
    match t {
        "bool" | "_Bool" => Ty::Bool,
        "i8" | "int8_t" | "signed char" => int(8, true),
        "u8" | "uint8_t" | "unsigned char" | "char" => {
            int(8, t != "u8" && t != "uint8_t" && t != "unsigned char")
        }
        "i16" | "int16_t" | "short" | "short int" => int(16, true),
        "u16" | "uint16_t" | "unsigned short" => int(16, false),
        "i32" | "int32_t" | "int" | "signed" | "signed int" => int(32, true),
        "u32" | "uint32_t" | "unsigned" | "unsigned int" => int(32, false),
        "i64" | "int64_t" | "long" | "long int" | "long long" | "ssize_t" | "ptrdiff_t"
        | "off_t" | "intptr_t" => int(64, true),
        "u64" | "uint64_t" | "unsigned long" | "unsigned long long" | "size_t" | "uintptr_t" => {
            int(64, false)
        }
        "isize" => int(64, true),
        "usize" => int(64, false),
        "i128" => int(128, true),
        "u128" => int(128, false),
        other => Ty::Opaque(other.to_string()),
    }
}

/// Where a formula stands: preconditions may not mention `result` or `old`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    Pre,
    Post,
}

/// The names a formula may use and their types.
#[derive(Clone, Debug, Default)]
pub struct Env {
    pub vars: Vec<(String, Ty)>,
    /// The return type, for `result`; `None` when the function returns nothing.
    pub result: Option<Ty>,
    /// The program's struct layouts and aliases (none: every field is of unknown layout).
    pub types: Arc<Types>,
}

impl Env {
    /// Parameters and return type from their written types.
    pub fn new<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>, ret: Option<&str>) -> Env {
        Env::typed(params, ret, Arc::default())
    }

    /// Parameters and return type from their written types, through the program's
    /// aliases, with its struct layouts for field access.
    pub fn typed<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
        ret: Option<&str>,
        types: Arc<Types>,
    ) -> Env {
        Env {
            vars: params
                .into_iter()
                .filter(|(n, _)| !n.is_empty())
                .map(|(n, t)| (n.to_string(), types.type_of(t)))
                .collect(),
            result: ret.map(|t| types.type_of(t)),
            types,
        }
    }

    fn lookup(&self, name: &str) -> Option<&Ty> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t)
    }
}

/// Type-checks a formula; it must be boolean.
pub fn check(e: &Expr, env: &Env, pos: Position) -> Result<(), FormulaError> {
    let mut env = env.clone();
    let ty = type_expr(e, &mut env, pos)?;
    if ty != Ty::Bool {
        return Err(FormulaError::new(
            format!("a clause must be true or false, but this is {ty}"),
            e.span,
        ));
    }
    Ok(())
}

/// The type of `e` (a part of a formula that type-checks), where `result` and `old`
/// may stand; `None` where it does not type-check.
pub fn type_of_expr(e: &Expr, env: &Env) -> Option<Ty> {
    type_expr(e, &mut env.clone(), Position::Post).ok()
}

/// Parses and type-checks in one step.
pub fn parse_checked(text: &str, env: &Env, pos: Position) -> Result<Expr, FormulaError> {
    let e = parse(text)?;
    check(&e, env, pos)?;
    Ok(e)
}

fn type_expr(e: &Expr, env: &mut Env, pos: Position) -> Result<Ty, FormulaError> {
    let err = |m: String| Err(FormulaError::new(m, e.span));
    match &e.kind {
        ExprKind::Int(_) => Ok(Ty::Int(IntTy::MATH)),
        ExprKind::Bool(_) => Ok(Ty::Bool),
        ExprKind::Null => Ok(Ty::Null),
        ExprKind::Var(v) => match env.lookup(v) {
            Some(t) => Ok(t.clone()),
            None => {
                let known: Vec<&str> = env.vars.iter().map(|(n, _)| n.as_str()).collect();
                err(format!(
                    "unknown name `{v}`; a formula may use the parameters ({}){}",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    },
                    if pos == Position::Post {
                        ", `result` and `old(..)`"
                    } else {
                        ""
                    }
                ))
            }
        },
        ExprKind::Result => match (pos, &env.result) {
            (Position::Pre, _) => {
                err("`result` is only known after the call: use it in postconditions".into())
            }
            (Position::Post, None) => err("`result` used, but the function returns nothing".into()),
            (Position::Post, Some(t)) => Ok(t.clone()),
        },
        ExprKind::Old(inner) => {
            if pos == Position::Pre {
                return err("`old(..)` names a value at entry: use it in postconditions".into());
            }
            type_expr(inner, env, pos)
        }
        ExprKind::Len(inner) => match type_expr(inner, env, pos)? {
            Ty::Seq(_) => Ok(Ty::Int(IntTy::MATH)),
            // A field's type is not known here (`len(self.keys)`): it may be a buffer.
            t if of_unknown_layout(&t, inner) => Ok(t),
            t => err(format!(
                "`len` takes a pointer, array, slice or string, not {t}"
            )),
        },
        ExprKind::Field(base, field) => {
            let t = type_expr(base, env, pos)?;
            match env.types.field(&t, field) {
                FieldTy::Known(t) => return Ok(t),
                FieldTy::Missing { layout, fields } => {
                    return err(format!(
                        "`{layout}` has no field `{field}` (its fields: {})",
                        fields.join(", ")
                    ));
                }
                FieldTy::Unknown => {}
            }
            match t {
                // A layout not known here: the field is an integer of unknown width,
                // which may as well be a pointer or a struct (`rb->data[i]`,
                // `self.list.len`).
                Ty::Opaque(_) | Ty::Seq(_) => Ok(Ty::Int(IntTy::MATH)),
                t if of_unknown_layout(&t, base) => Ok(t),
                t => err(format!("{t} has no fields")),
            }
        }
        ExprKind::Index(a, i) => {
            let elem = match type_expr(a, env, pos)? {
                Ty::Seq(elem) => *elem,
                t if of_unknown_layout(&t, a) => t,
                t => {
                    return err(format!(
                        "only a pointer, array, slice or string can be indexed, not {t}"
                    ));
                }
            };
            expect_int(i, env, pos, "an index")?;
            Ok(elem)
        }
        ExprKind::Not(inner) => {
            expect_bool(inner, env, pos, "`!`")?;
            Ok(Ty::Bool)
        }
        ExprKind::Neg(inner) => expect_int(inner, env, pos, "`-`"),
        ExprKind::Binary(op, a, b) => match op {
            BinOp::And | BinOp::Or | BinOp::Implies => {
                expect_bool(a, env, pos, &format!("`{}`", op.symbol()))?;
                expect_bool(b, env, pos, &format!("`{}`", op.symbol()))?;
                Ok(Ty::Bool)
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => {
                let ta = expect_int(a, env, pos, &format!("`{}`", op.symbol()))?;
                let tb = expect_int(b, env, pos, &format!("`{}`", op.symbol()))?;
                // The wider machine type wins; literals adapt.
                Ok(match (ta, tb) {
                    (Ty::Int(x), Ty::Int(y)) if x.bits >= y.bits => Ty::Int(x),
                    (_, t) => t,
                })
            }
            _ if op.is_comparison() => {
                let ta = type_expr(a, env, pos)?;
                let tb = type_expr(b, env, pos)?;
                // A field of a layout not known here compares with null, a pointer or
                // a value as the pointer or value it may be (`rb->data != null`).
                let ok = match (&ta, &tb) {
                    (Ty::Int(_), Ty::Int(_)) | (Ty::Bool, Ty::Bool) => true,
                    (_, Ty::Null | Ty::Seq(_) | Ty::Opaque(_)) if of_unknown_layout(&ta, a) => {
                        matches!(op, BinOp::Eq | BinOp::Ne)
                    }
                    (Ty::Null | Ty::Seq(_) | Ty::Opaque(_), _) if of_unknown_layout(&tb, b) => {
                        matches!(op, BinOp::Eq | BinOp::Ne)
                    }
                    (Ty::Seq(_) | Ty::Opaque(_), Ty::Null)
                    | (Ty::Null, Ty::Seq(_) | Ty::Opaque(_)) => {
                        matches!(op, BinOp::Eq | BinOp::Ne)
                    }
                    (Ty::Seq(x), Ty::Seq(y)) => x == y && matches!(op, BinOp::Eq | BinOp::Ne),
                    (Ty::Opaque(_), Ty::Opaque(_)) => matches!(op, BinOp::Eq | BinOp::Ne),
                    _ => false,
                };
                if !ok {
                    return err(format!(
                        "cannot compare {ta} with {tb} using `{}`",
                        op.symbol()
                    ));
                }
                Ok(Ty::Bool)
            }
            _ => err(format!("`{}` is not supported here", op.symbol())),
        },
        ExprKind::Forall { var, lo, hi, body } => {
            expect_int(lo, env, pos, "a range bound")?;
            expect_int(hi, env, pos, "a range bound")?;
            env.vars.push((var.clone(), Ty::Int(IntTy::MATH)));
            let r = expect_bool(body, env, pos, "`forall`");
            env.vars.pop();
            r?;
            Ok(Ty::Bool)
        }
    }
}

/// Whether `e`, of type `ty`, reads a field, or an element or field of one, whose type
/// the formula language does not know (struct layouts are not known here): it is typed
/// as an integer, but may be a pointer, a buffer or a struct.
fn of_unknown_layout(ty: &Ty, e: &Expr) -> bool {
    fn reads_field(e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Field(..) => true,
            ExprKind::Index(base, _) | ExprKind::Old(base) => reads_field(base),
            _ => false,
        }
    }
    *ty == Ty::Int(IntTy::MATH) && reads_field(e)
}

/// Whether `s` is a name of the formula language (and of C and Rust): a letter or `_`,
/// then letters, digits and `_`.
pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn expect_int(e: &Expr, env: &mut Env, pos: Position, what: &str) -> Result<Ty, FormulaError> {
    match type_expr(e, env, pos)? {
        t @ Ty::Int(_) => Ok(t),
        Ty::Seq(_) => Err(FormulaError::new(
            format!(
                "{what} needs an integer, but this is a pointer or sequence (use `len(..)` or compare it with null)"
            ),
            e.span,
        )),
        t => Err(FormulaError::new(
            format!("{what} needs an integer, but this is {t}"),
            e.span,
        )),
    }
}

fn expect_bool(e: &Expr, env: &mut Env, pos: Position, what: &str) -> Result<(), FormulaError> {
    match type_expr(e, env, pos)? {
        Ty::Bool => Ok(()),
        Ty::Seq(_) | Ty::Opaque(_) => Err(FormulaError::new(
            format!(
                "{what} needs true or false, but this is a pointer or value (write `x != null`)"
            ),
            e.span,
        )),
        t => Err(FormulaError::new(
            format!("{what} needs true or false, but this is {t} (write `x != 0`)"),
            e.span,
        )),
    }
}

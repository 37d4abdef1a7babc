//! Errors of every stage, each with the byte span of the input it is about.

use std::fmt;

/// A half-open byte range `start..end` of the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The span covering both `self` and `other`.
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    UnexpectedChar(char),
    BadNumber(String),
    UnexpectedToken(String),
    UnexpectedEof,
    UnknownVariable(String),
    UnknownFunction(String),
    Arity { name: String, expected: usize, got: usize },
    DivisionByZero,
    Overflow,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalcError {
    pub kind: ErrorKind,
    pub span: Span,
}

impl CalcError {
    pub fn new(kind: ErrorKind, span: Span) -> Self {
        CalcError { kind, span }
    }

    /// Render the error with the offending part of `src` underlined:
    ///
    /// ```text
    /// 1 + $
    ///     ^ unexpected character '$'
    /// ```
    ///
    /// Spans that reach past the end of `src` (errors at end of input) are
    /// clamped, so any error produced for `src` can be rendered.
    pub fn render(&self, src: &str) -> String {
        let start = self.span.start.min(src.len());
        let shown = &src[start..self.span.end];
        let width = shown.chars().count().max(1);
        let pad = src[..start].chars().count();
        format!("{src}\n{}{} {}", " ".repeat(pad), "^".repeat(width), self)
    }
}

impl fmt::Display for CalcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::UnexpectedChar(c) => write!(f, "unexpected character {c:?}"),
            ErrorKind::BadNumber(text) => write!(f, "bad number literal {text:?}"),
            ErrorKind::UnexpectedToken(tok) => write!(f, "unexpected {tok}"),
            ErrorKind::UnexpectedEof => write!(f, "unexpected end of input"),
            ErrorKind::UnknownVariable(name) => write!(f, "unknown variable {name}"),
            ErrorKind::UnknownFunction(name) => write!(f, "unknown function {name}"),
            ErrorKind::Arity { name, expected, got } => {
                write!(f, "{name} takes {expected} argument(s), got {got}")
            }
            ErrorKind::DivisionByZero => write!(f, "division by zero"),
            ErrorKind::Overflow => write!(f, "arithmetic overflow"),
        }
    }
}

impl std::error::Error for CalcError {}

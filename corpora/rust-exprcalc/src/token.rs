//! The lexer: turns source text into tokens with spans.

use crate::error::{CalcError, ErrorKind, Span};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    Number(i64),
    Ident(String),
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Caret,
    LParen,
    RParen,
    Comma,
    Assign,
    Eof,
}

impl TokenKind {
    /// A short description for error messages.
    pub fn describe(&self) -> String {
        match self {
            TokenKind::Number(n) => format!("number {n}"),
            TokenKind::Ident(name) => format!("identifier {name}"),
            TokenKind::Eof => "end of input".to_string(),
            other => format!("{:?}", other).to_lowercase(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

pub struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        Lexer { src, bytes: src.as_bytes(), pos: 0 }
    }

    fn skip_whitespace(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    /// Read a decimal literal (`42`, `1_000`) or a hexadecimal one (`0xff`).
    fn read_number(&mut self) -> Result<Token, CalcError> {
        let start = self.pos;
        let is_hex = self.bytes[start] == b'0'
            && matches!(self.bytes.get(start + 1), Some(b'x') | Some(b'X'));
        let (digits, radix) = if is_hex {
            self.pos += 2;
            while self.pos < self.bytes.len() && (self.bytes[self.pos].is_ascii_hexdigit() || self.bytes[self.pos] == b'_') {
                self.pos += 1;
            }
            (&self.src[start + 1..self.pos], 16)
        } else {
            while self.pos < self.bytes.len() && (self.bytes[self.pos].is_ascii_digit() || self.bytes[self.pos] == b'_') {
                self.pos += 1;
            }
            (&self.src[start..self.pos], 10)
        };
        let span = Span::new(start, self.pos);
        let cleaned: String = digits.chars().filter(|&c| c != '_').collect();
        match i64::from_str_radix(&cleaned, radix) {
            Ok(value) => Ok(Token { kind: TokenKind::Number(value), span }),
            Err(_) => Err(CalcError::new(ErrorKind::BadNumber(self.src[start..self.pos].to_string()), span)),
        }
    }

    fn read_ident(&mut self) -> Token {
        let start = self.pos;
        while self.pos < self.bytes.len() && (self.bytes[self.pos].is_ascii_alphanumeric() || self.bytes[self.pos] == b'_') {
            self.pos += 1;
        }
        Token { kind: TokenKind::Ident(self.src[start..self.pos].to_string()), span: Span::new(start, self.pos) }
    }

    /// The next token, or `None` once the input is exhausted.
    fn next_token(&mut self) -> Result<Option<Token>, CalcError> {
        self.skip_whitespace();
        let Some(&b) = self.bytes.get(self.pos) else {
            return Ok(None);
        };
        if b.is_ascii_digit() {
            return self.read_number().map(Some);
        }
        if b.is_ascii_alphabetic() || b == b'_' {
            return Ok(Some(self.read_ident()));
        }
        let kind = match b {
            b'+' => TokenKind::Plus,
            b'-' => TokenKind::Minus,
            b'*' => TokenKind::Star,
            b'/' => TokenKind::Slash,
            b'%' => TokenKind::Percent,
            b'^' => TokenKind::Caret,
            b'(' => TokenKind::LParen,
            b')' => TokenKind::RParen,
            b',' => TokenKind::Comma,
            b'=' => TokenKind::Assign,
            _ => {
                let c = self.src[self.pos..].chars().next().unwrap_or('\u{fffd}');
                return Err(CalcError::new(ErrorKind::UnexpectedChar(c), Span::new(self.pos, self.pos + c.len_utf8())));
            }
        };
        self.pos += 1;
        Ok(Some(Token { kind, span: Span::new(self.pos - 1, self.pos) }))
    }
}

/// Tokenize `src`. The returned list always ends with exactly one
/// `TokenKind::Eof` token (spanning the end of the input), which the parser
/// relies on to stop.
pub fn tokenize(src: &str) -> Result<Vec<Token>, CalcError> {
    let mut lexer = Lexer::new(src);
    let mut tokens = Vec::new();
    while lexer.pos < lexer.bytes.len() {
        match lexer.next_token()? {
            Some(token) => tokens.push(token),
            // Only whitespace was left.
            None => return Ok(tokens),
        }
    }
    tokens.push(Token { kind: TokenKind::Eof, span: Span::new(src.len(), src.len() + 1) });
    Ok(tokens)
}

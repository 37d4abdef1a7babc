//! A Pratt parser from tokens to an expression tree.

use crate::error::{CalcError, ErrorKind, Span};
use crate::token::{Token, TokenKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Num(i64, Span),
    Var(String, Span),
    Neg(Box<Expr>, Span),
    Binary(BinOp, Box<Expr>, Box<Expr>, Span),
    Call(String, Vec<Expr>, Span),
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Num(_, s) | Expr::Var(_, s) | Expr::Neg(_, s) | Expr::Binary(_, _, _, s) | Expr::Call(_, _, s) => *s,
        }
    }
}

/// A parsed line: either an expression or an assignment `name = expr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    Expr(Expr),
    Assign(String, Expr),
}

/// Binding powers `(left, right)` of an infix operator. All operators are
/// left-associative (`8 - 3 - 2` is `(8 - 3) - 2`) except `^`, which is
/// right-associative (`2 ^ 3 ^ 2` is `2 ^ (3 ^ 2)`).
pub fn infix_binding_power(kind: &TokenKind) -> Option<(u8, u8, BinOp)> {
    let bp = match kind {
        TokenKind::Plus => (10, 11, BinOp::Add),
        TokenKind::Minus => (10, 9, BinOp::Sub),
        TokenKind::Star => (20, 21, BinOp::Mul),
        TokenKind::Slash => (20, 21, BinOp::Div),
        TokenKind::Percent => (20, 21, BinOp::Rem),
        TokenKind::Caret => (31, 30, BinOp::Pow),
        _ => return None,
    };
    Some(bp)
}

/// Binding power of prefix minus: tighter than `*`, looser than `^`
/// (`-2 ^ 2` is `-(2 ^ 2)`).
const PREFIX_MINUS_BP: u8 = 25;

pub struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    /// `tokens` must come from `token::tokenize`, so it ends with `Eof`.
    pub fn new(tokens: Vec<Token>) -> Self {
        Parser { tokens, pos: 0 }
    }

    fn peek(&self) -> &Token {
        // Never out of bounds: the list ends with Eof and we never move past it.
        &self.tokens[self.pos]
    }

    fn advance(&mut self) -> Token {
        let token = self.tokens[self.pos].clone();
        if token.kind != TokenKind::Eof {
            self.pos += 1;
        }
        token
    }

    fn unexpected(token: &Token) -> CalcError {
        let kind = if token.kind == TokenKind::Eof {
            ErrorKind::UnexpectedEof
        } else {
            ErrorKind::UnexpectedToken(token.kind.describe())
        };
        CalcError::new(kind, token.span)
    }

    fn expect(&mut self, kind: TokenKind) -> Result<Token, CalcError> {
        if self.peek().kind == kind {
            Ok(self.advance())
        } else {
            Err(Self::unexpected(self.peek()))
        }
    }

    /// Parse a whole line as a statement; the line must be fully consumed.
    pub fn parse_statement(&mut self) -> Result<Statement, CalcError> {
        let is_assign = matches!(self.peek().kind, TokenKind::Ident(_))
            && self.tokens.get(self.pos + 1).map(|t| &t.kind) == Some(&TokenKind::Assign);
        let stmt = if is_assign {
            let name = match self.advance().kind {
                TokenKind::Ident(name) => name,
                _ => unreachable!("checked above"),
            };
            self.advance();
            Statement::Assign(name, self.parse_expr(0)?)
        } else {
            Statement::Expr(self.parse_expr(0)?)
        };
        self.expect(TokenKind::Eof)?;
        Ok(stmt)
    }

    /// Parse an expression whose operators bind tighter than `min_bp`.
    pub fn parse_expr(&mut self, min_bp: u8) -> Result<Expr, CalcError> {
        let mut lhs = self.parse_prefix()?;
        loop {
            let Some((left_bp, right_bp, op)) = infix_binding_power(&self.peek().kind) else {
                break;
            };
            if left_bp < min_bp {
                break;
            }
            self.advance();
            let rhs = self.parse_expr(right_bp)?;
            let span = lhs.span().join(rhs.span());
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs), span);
        }
        Ok(lhs)
    }

    fn parse_prefix(&mut self) -> Result<Expr, CalcError> {
        let token = self.advance();
        match token.kind {
            TokenKind::Number(n) => Ok(Expr::Num(n, token.span)),
            TokenKind::Minus => {
                let operand = self.parse_expr(PREFIX_MINUS_BP)?;
                let span = token.span.join(operand.span());
                Ok(Expr::Neg(Box::new(operand), span))
            }
            TokenKind::LParen => {
                let inner = self.parse_expr(0)?;
                self.expect(TokenKind::RParen)?;
                Ok(inner)
            }
            TokenKind::Ident(name) => {
                if self.peek().kind != TokenKind::LParen {
                    return Ok(Expr::Var(name, token.span));
                }
                self.advance();
                let args = self.parse_args()?;
                let close = self.expect(TokenKind::RParen)?;
                Ok(Expr::Call(name, args, token.span.join(close.span)))
            }
            _ => Err(Self::unexpected(&token)),
        }
    }

    /// Comma-separated arguments up to (not including) `)`; possibly none.
    fn parse_args(&mut self) -> Result<Vec<Expr>, CalcError> {
        let mut args = Vec::new();
        if self.peek().kind == TokenKind::RParen {
            return Ok(args);
        }
        loop {
            args.push(self.parse_expr(0)?);
            if self.peek().kind != TokenKind::Comma {
                return Ok(args);
            }
            self.advance();
        }
    }
}

/// Parse one line of tokens.
pub fn parse(tokens: Vec<Token>) -> Result<Statement, CalcError> {
    Parser::new(tokens).parse_statement()
}

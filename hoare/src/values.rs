//! What a counterexample's bindings fix, read from the model's words as formula
//! facts, so that Z3 can check a counterexample against the function's preconditions.
//!
//! The model writes values the way people do: `9 (not registered)`, `0x7F`,
//! `18446744073709551615 (u64::MAX)`, `NEVER (u64::MAX)`, `SIZE_MAX / 2 + 1`, `'/'`,
//! `Stats { hits: u64::MAX, misses: 1 }`. Each is read as the constant it states; what
//! states no constant (`a 44-character name`, `malloc(4)`, `&n`) is prose, left to
//! the model. A value is read only when the whole of it (or the whole of its remark)
//! is a constant, so a number inside prose (`5000 bytes all 0xFF`) is never taken
//! for the value.

use vouch_specgen::formula::{self, BinOp, ExprKind, is_name};

/// The limits of integer types on the machines vouch targets (LP64: `int` 32 bits,
/// `long`, `size_t` and pointers 64), by the names C and Rust give them.
fn limit(name: &str) -> Option<i128> {
    let bits = |b: u32, signed: bool, max: bool| -> i128 {
        match (signed, max) {
            (true, true) => (1i128 << (b - 1)) - 1,
            (true, false) => -(1i128 << (b - 1)),
            (false, true) => (1i128 << b) - 1,
            (false, false) => 0,
        }
    };
    if let Some((ty, which)) = name.split_once("::") {
        let max = match which {
            "MAX" => true,
            "MIN" => false,
            _ => return None,
        };
        let (signed, width) = match ty.as_bytes().first()? {
            b'u' => (false, &ty[1..]),
            b'i' => (true, &ty[1..]),
            _ => return None,
        };
        let b = match width {
            "size" => 64,
            w => w
                .parse::<u32>()
                .ok()
                .filter(|b| [8, 16, 32, 64, 128].contains(b))?,
        };
        // i128::MAX and u128::MAX do not fit the arithmetic below; nobody needs them.
        return (b < 128).then(|| bits(b, signed, max));
    }
    let v = match name {
        "CHAR_BIT" => 8,
        "SCHAR_MAX" | "CHAR_MAX" | "INT8_MAX" => bits(8, true, true),
        "SCHAR_MIN" | "CHAR_MIN" | "INT8_MIN" => bits(8, true, false),
        "UCHAR_MAX" | "UINT8_MAX" => bits(8, false, true),
        "SHRT_MAX" | "INT16_MAX" => bits(16, true, true),
        "SHRT_MIN" | "INT16_MIN" => bits(16, true, false),
        "USHRT_MAX" | "UINT16_MAX" => bits(16, false, true),
        "INT_MAX" | "INT32_MAX" => bits(32, true, true),
        "INT_MIN" | "INT32_MIN" => bits(32, true, false),
        "UINT_MAX" | "UINT32_MAX" => bits(32, false, true),
        "LONG_MAX" | "LLONG_MAX" | "INT64_MAX" | "SSIZE_MAX" | "INTPTR_MAX" | "PTRDIFF_MAX" => {
            bits(64, true, true)
        }
        "LONG_MIN" | "LLONG_MIN" | "INT64_MIN" | "INTPTR_MIN" | "PTRDIFF_MIN" => {
            bits(64, true, false)
        }
        "ULONG_MAX" | "ULLONG_MAX" | "UINT64_MAX" | "SIZE_MAX" | "UINTPTR_MAX" => {
            bits(64, false, true)
        }
        _ => return None,
    };
    Some(v)
}

/// `text` with each type limit (`u64::MAX`, `SIZE_MAX`) and each character literal
/// (`'/'`, `'\n'`) replaced by its number; `None` when a character literal is not one.
fn numbers(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\'' {
            let close = rest[1..].find('\'')? + 1;
            let code = match &rest[1..close] {
                "\\n" => '\n' as u32,
                "\\t" => '\t' as u32,
                "\\r" => '\r' as u32,
                "\\0" => 0,
                "\\\\" => '\\' as u32,
                "\\'" => '\'' as u32,
                lit => {
                    let mut chars = lit.chars();
                    match (chars.next(), chars.next()) {
                        (Some(ch), None) => ch as u32,
                        _ => return None,
                    }
                }
            };
            out.push_str(&code.to_string());
            rest = &rest[close + 1..];
        } else if c.is_ascii_alphabetic() || c == '_' {
            let len = rest
                .char_indices()
                .find(|&(i, ch)| {
                    !(ch.is_ascii_alphanumeric()
                        || ch == '_'
                        || (ch == ':' && rest[i..].starts_with("::"))
                        || (ch == ':' && rest[..i].ends_with(':')))
                })
                .map_or(rest.len(), |(i, _)| i);
            let word = &rest[..len];
            match limit(word) {
                Some(v) if v < 0 => out.push_str(&format!("({v})")),
                Some(v) => out.push_str(&v.to_string()),
                None => out.push_str(word),
            }
            rest = &rest[len..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Some(out)
}

/// Whether `e` is a constant: numbers, `true`, `false`, `null` and arithmetic on them.
fn constant(e: &formula::Expr) -> bool {
    match &e.kind {
        ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Null => true,
        ExprKind::Neg(x) => constant(x),
        ExprKind::Binary(op, a, b) => {
            matches!(
                op,
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem
            ) && constant(a)
                && constant(b)
        }
        _ => false,
    }
}

/// The formula text of `text` when the whole of it is a constant.
fn constant_text(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let lowered = numbers(text)?;
    let e = formula::parse(&lowered).ok()?;
    constant(&e).then_some(lowered)
}

/// Splits `value (remark)` into the value and the remark, when the parenthesis that
/// opens after a space closes at the end.
fn with_remark(text: &str) -> Option<(&str, &str)> {
    let text = text.trim();
    if !text.ends_with(')') {
        return None;
    }
    let mut depth = 0usize;
    for (i, c) in text.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    let head = &text[..i];
                    return head
                        .ends_with(' ')
                        .then(|| (head.trim_end(), &text[i + 1..text.len() - 1]));
                }
            }
            _ => {}
        }
    }
    None
}

/// The formula text of a binding's value, or `None` when it is prose.
///
/// - the whole value is a constant: `7`, `-1`, `0x7F`, `NULL`, `'/'`, `u64::MAX`,
///   `SIZE_MAX / 2 + 1`;
/// - a constant followed by a remark in parentheses: `9 (not registered)`;
/// - a name (a constant's) followed by its value in parentheses: `NEVER (u64::MAX)`,
///   `PKT_TYPE_PING (0x02)`.
pub fn value_text(value: &str) -> Option<String> {
    if let Some(v) = constant_text(value) {
        return Some(v);
    }
    let (head, remark) = with_remark(value)?;
    if let Some(v) = constant_text(head) {
        return Some(v);
    }
    if is_name(head) {
        return constant_text(remark);
    }
    None
}

/// The fields a value gives one by one: a Rust struct literal (`Stats { hits: 3,
/// misses: 1 }`, a trailing remark allowed) or a list of assignments (`len = 5, cap =
/// 6`), as (field, value) pairs. Values that are prose are kept; the caller reads each.
pub fn fields(value: &str) -> Vec<(String, String)> {
    let value = value.trim();
    let value = with_remark(value).map_or(value, |(head, _)| head);
    let (inner, sep) = match (value.find('{'), value.ends_with('}')) {
        (Some(open), true) if is_name(value[..open].trim()) || value[..open].trim().is_empty() => {
            (&value[open + 1..value.len() - 1], ':')
        }
        _ => (value, '='),
    };
    let mut out = Vec::new();
    for part in split_top(inner) {
        let Some((field, v)) = part.split_once(sep) else {
            // One part that is not `field: value` makes the whole prose.
            return Vec::new();
        };
        let field = field.trim().trim_start_matches('.');
        if !is_name(field) || v.starts_with('=') {
            return Vec::new();
        }
        out.push((field.to_string(), v.trim().to_string()));
    }
    out
}

/// `text` split at the commas outside brackets and quotes.
pub(crate) fn split_top(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, None::<char>, 0);
    for (i, c) in text.char_indices() {
        match (quoted, c) {
            (Some(q), c) if c == q => quoted = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quoted = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = text[start..].trim();
    if !last.is_empty() {
        parts.push(&text[start..]);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_read_only_when_it_states_a_constant() {
        for (value, want) in [
            ("7", Some("7")),
            ("-1", Some("-1")),
            ("0x7F", Some("0x7F")),
            ("0xFF", Some("0xFF")),
            ("NULL", Some("NULL")),
            ("true", Some("true")),
            ("'/'", Some("47")),
            ("'\\n'", Some("10")),
            ("u64::MAX", Some("18446744073709551615")),
            ("i32::MIN", Some("(-2147483648)")),
            ("usize::MAX", Some("18446744073709551615")),
            ("INT_MAX", Some("2147483647")),
            ("SIZE_MAX / 2 + 1", Some("18446744073709551615 / 2 + 1")),
            ("9 (not registered)", Some("9")),
            ("0x7F (no handler registered)", Some("0x7F")),
            (
                "18446744073709551615 (u64::MAX)",
                Some("18446744073709551615"),
            ),
            (
                "NULL (e.g. getenv(\"X\") with the variable unset)",
                Some("NULL"),
            ),
            (
                "SIZE_MAX / 2 + 1 (2^63 on 64-bit)",
                Some("18446744073709551615 / 2 + 1"),
            ),
            ("NEVER (u64::MAX)", Some("18446744073709551615")),
            ("PKT_TYPE_PING (0x02)", Some("0x02")),
            // Prose: a number inside words, a call, an address, a name alone.
            ("5000 bytes all 0xFF", None),
            ("5000 bytes (all 0xFF)", None),
            ("malloc(4)", None),
            ("&n (valid size_t)", None),
            ("NEVER", None),
            ("n + 1", None),
            ("u64::MAXIMUM", None),
            ("a valid handler function", None),
            ("\"abcdef\"", None),
            ("'ab'", None),
            ("", None),
        ] {
            assert_eq!(value_text(value).as_deref(), want, "{value:?}");
        }
    }

    #[test]
    fn a_struct_value_gives_its_fields() {
        assert_eq!(
            fields("Stats { hits: u64::MAX, misses: 1, evictions: 0 } (all fields are pub)"),
            [
                ("hits".to_string(), "u64::MAX".to_string()),
                ("misses".into(), "1".into()),
                ("evictions".into(), "0".into()),
            ]
        );
        assert_eq!(
            fields("data = heap \"a, b\" (6-byte block), len = 5, cap = 6"),
            [
                (
                    "data".to_string(),
                    "heap \"a, b\" (6-byte block)".to_string()
                ),
                ("len".into(), "5".into()),
                ("cap".into(), "6".into()),
            ]
        );
        assert_eq!(
            fields("{ .count = 5 }").len(),
            0,
            "a C initializer's `=` is not Rust's `:`"
        );
        for prose in [
            "an empty list, e.g. List::new(): len 0, head None",
            "TtlCache::new(4) (empty)",
            "malloc(4)",
            "7",
            "x == 5",
        ] {
            assert!(fields(prose).is_empty(), "{prose:?}: {:?}", fields(prose));
        }
    }
}

//! The formula language: what parses to what, what type-checks, and the messages for
//! what does not.

use proptest::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;
use vouch_specgen::formula::{
    Env, Position, parse, parse_checked, substitute, type_of, type_of_expr,
};
use vouch_specgen::spec::env_of;
use vouch_specgen::types::Types;

/// Parses `input` and compares its fully parenthesised rendering with `expected`.
fn check(input: &str, expected: &str) {
    match parse(input) {
        Ok(e) => assert_eq!(e.to_string(), expected, "{input}"),
        Err(err) => panic!("{input}: {}", err.render(input)),
    }
}

/// Parses and type-checks `input` against `env`; the error, rendered with its caret,
/// must contain `expected`.
fn check_err(input: &str, env: &Env, pos: Position, expected: &str) {
    match parse_checked(input, env, pos) {
        Ok(e) => panic!("{input}: accepted as {e}"),
        Err(err) => {
            let shown = err.render(input);
            assert!(
                shown.contains(expected),
                "{input}:\n{shown}\n(expected to contain {expected:?})"
            );
        }
    }
}

fn c_env() -> Env {
    Env::new(
        [
            ("buf", "char *"),
            ("cap", "size_t"),
            ("n", "int"),
            ("len", "size_t"),
            ("s", "struct ring *"),
            ("ok", "bool"),
        ],
        Some("int"),
    )
}

#[test]
fn precedence_and_associativity() {
    check("a + b * c", "(a + (b * c))");
    check("a - b - c", "((a - b) - c)");
    check("a && b || c && d", "((a && b) || (c && d))");
    check("a ==> b ==> c", "(a ==> (b ==> c))");
    check("!a && -b < 3", "(!a && (-b < 3))");
    check("(a + b) % 4 == 0", "(((a + b) % 4) == 0)");
    check("-5 + x", "(-5 + x)");
}

#[test]
fn chained_comparisons_are_conjunctions() {
    check("0 <= i < n", "((0 <= i) && (i < n))");
    check(
        "0 <= i <= j < len(a)",
        "(((0 <= i) && (i <= j)) && (j < len(a)))",
    );
}

#[test]
fn the_constructs_of_the_language() {
    check("result == old(count) + 1", "(result == (old(count) + 1))");
    check("s->head.next != NULL", "(s.head.next != null)");
    check(
        "forall i in 0..len(a): a[i] >= 0",
        "(forall i in 0..len(a): (a[i] >= 0))",
    );
    check(
        "n > 0 ==> forall i in 0..n - 1: a[i] <= a[i + 1]",
        "((n > 0) ==> (forall i in 0..(n - 1): (a[i] <= a[(i + 1)])))",
    );
    check(
        "x == 0x7fffffff && y == 10u && z == 1_000UL",
        "(((x == 2147483647) && (y == 10)) && (z == 1000))",
    );
    check("p == None || p == nullptr", "((p == null) || (p == null))");
    check("*out == 2 * *p", "(out[0] == (2 * p[0]))");
    check("**pp == -*p", "(pp[0][0] == -p[0])");
}

#[test]
fn syntax_errors_point_at_the_problem() {
    let env = Env::default();
    check_err("a +", &env, Position::Pre, "the formula ends too early");
    check_err("a & b", &env, Position::Pre, "use `&&` for logical and");
    check_err("a = b", &env, Position::Pre, "use `==` to compare");
    check_err("c ? a : b", &env, Position::Pre, "instead of `c ? a : b`");
    check_err("(a + b", &env, Position::Pre, "expected `)` to close `(`");
    check_err("forall i 0..n: a", &env, Position::Pre, "expected `in`");
    check_err(
        "forall i in 0..n a[i]",
        &env,
        Position::Pre,
        "expected `:` after the range",
    );
    check_err(
        "exists i in 0..n: a[i] == 0",
        &env,
        Position::Pre,
        "`exists` is not part of the language",
    );
    check_err(
        "a b",
        &env,
        Position::Pre,
        "unexpected name `b` after a complete formula",
    );
    check_err(
        "99999999999999999999999999999999999999999",
        &env,
        Position::Pre,
        "number out of range",
    );
    check_err("", &env, Position::Pre, "empty formula");
    // The caret sits under the offending character.
    let err = parse("n >= 0 & n < 10").expect_err("error");
    assert_eq!(
        err.render("n >= 0 & n < 10").lines().last(),
        Some("         ^")
    );
}

#[test]
fn well_typed_clauses_check() {
    let env = c_env();
    for ok in [
        "buf != NULL && cap > 0",
        "n >= 0 ==> len <= cap",
        "forall i in 0..len: buf[i] != 0",
        "s != null && s->count <= s->cap",
        "ok || n == -1",
        "len(buf) >= cap",
    ] {
        if let Err(e) = parse_checked(ok, &env, Position::Pre) {
            panic!("{ok}: {}", e.render(ok));
        }
    }
    for ok in [
        "result >= -1 && result <= n",
        "result == 0 ==> len == old(len)",
    ] {
        if let Err(e) = parse_checked(ok, &env, Position::Post) {
            panic!("{ok}: {}", e.render(ok));
        }
    }
}

#[test]
fn a_field_may_be_a_pointer_a_buffer_or_a_struct() {
    // Struct layouts are not known to the formula language: a field is read as the
    // pointer, buffer, struct or integer the formula uses it as.
    let env = c_env();
    for ok in [
        "s->data != null",
        "null == s->data",
        "s->data == buf",
        "s->data[s->head] == 0",
        "forall i in 0..s->count: s->data[i] != 0",
        "s->list.len == 0 && s->list.head == null",
        "s->nodes[n].next == null",
        "len(s->nodes[0].key) <= cap",
    ] {
        if let Err(e) = parse_checked(ok, &env, Position::Pre) {
            panic!("{ok}: {}", e.render(ok));
        }
    }
    for ok in [
        "s->data == old(s->data)",
        "old(s->data) != null ==> result == 0",
    ] {
        if let Err(e) = parse_checked(ok, &env, Position::Post) {
            panic!("{ok}: {}", e.render(ok));
        }
    }
    // What is known stays checked: a parameter, a literal or an element of a typed
    // buffer is no pointer, and a field is compared with null only for equality.
    check_err("n == null", &env, Position::Pre, "cannot compare");
    check_err("0 == null", &env, Position::Pre, "cannot compare");
    check_err("buf[0] == null", &env, Position::Pre, "cannot compare");
    check_err("s->data < null", &env, Position::Pre, "cannot compare");
    check_err("buf[0].x == 1", &env, Position::Pre, "has no fields");
    check_err("cap[0] == 1", &env, Position::Pre, "can be indexed");
}

/// The types of a C program's layouts and typedefs, as a function of it sees them.
fn typed_env(src: &str, function: &str) -> Env {
    let program = vouch_frontend::parse_source("t.c", src);
    let types = Arc::new(Types::of(&program.types));
    let f = program
        .functions
        .iter()
        .find(|f| f.name == function)
        .expect(function);
    env_of(f, &types)
}

const RING: &str = r#"
typedef unsigned short rb_len;
typedef struct ringbuf {
    uint8_t *data;
    size_t count;
    rb_len small;
    bool full;
    struct stats { unsigned long hits; } stats;
} ringbuf_t;
int rb_push(ringbuf_t *rb, rb_len n, uint8_t *out) { return 0; }
"#;

#[test]
fn a_field_of_a_known_layout_has_its_declared_type() {
    let env = typed_env(RING, "rb_push");
    let ty = |e: &str| {
        let e = parse(e).expect(e);
        type_of_expr(&e, &env).map(|t| t.to_string())
    };
    assert_eq!(ty("rb->count").as_deref(), Some("u64"));
    assert_eq!(
        ty("rb->small").as_deref(),
        Some("u16"),
        "through the typedef"
    );
    assert_eq!(ty("n").as_deref(), Some("u16"), "a typedef'd parameter");
    assert_eq!(ty("rb->full").as_deref(), Some("bool"));
    assert_eq!(ty("rb->data[0]").as_deref(), Some("u8"));
    assert_eq!(
        ty("rb->stats.hits").as_deref(),
        Some("u64"),
        "a nested struct"
    );
    assert_eq!(ty("*out").as_deref(), Some("u8"), "a dereference");
    for ok in [
        "rb->data != null && rb->count <= len(rb->data)",
        "rb->full ==> rb->count > 0",
        "!rb->full || *out == 0",
    ] {
        if let Err(e) = parse_checked(ok, &env, Position::Pre) {
            panic!("{ok}: {}", e.render(ok));
        }
    }
    // What the layout says is checked: a field it lacks, a counter compared with null.
    check_err(
        "rb->size > 0",
        &env,
        Position::Pre,
        "`ringbuf_t` has no field `size` (its fields: data, count, small, full, stats)",
    );
    check_err("rb->count != null", &env, Position::Pre, "cannot compare");
    check_err("rb->full + 1 > 0", &env, Position::Pre, "");
}

#[test]
fn a_method_s_self_has_its_type_s_layout() {
    let program = vouch_frontend::parse_source(
        "lib.rs",
        "pub struct Handle(usize);\n\
         pub struct Stats { pub hits: u64, on: bool, map: HashMap<u8, u8> }\n\
         impl Stats { pub fn get(&self, h: Handle) -> Self { todo!() } }\n",
    );
    let types = Arc::new(Types::of(&program.types));
    let f = program
        .functions
        .iter()
        .find(|f| f.name == "get")
        .expect("get");
    let env = env_of(f, &types);
    let ty = |e: &str| type_of_expr(&parse(e).expect(e), &env).map(|t| t.to_string());
    assert_eq!(ty("self.hits").as_deref(), Some("u64"));
    assert_eq!(
        ty("result.hits").as_deref(),
        Some("u64"),
        "`Self` is the type"
    );
    assert_eq!(ty("h").as_deref(), Some("u64"), "a newtype is its field");
    assert_eq!(ty("self.on").as_deref(), Some("bool"));
    // A field of a type not known here is read as the formula uses it.
    assert_eq!(ty("len(self.map)").as_deref(), Some("integer"));
}

#[test]
fn type_errors_say_what_to_write_instead() {
    let env = c_env();
    check_err("buf && cap > 0", &env, Position::Pre, "write `x != null`");
    check_err("n && cap", &env, Position::Pre, "write `x != 0`");
    check_err("len(n) > 0", &env, Position::Pre, "`len` takes a pointer");
    check_err(
        "cap + 1",
        &env,
        Position::Pre,
        "a clause must be true or false",
    );
    check_err(
        "size > 0",
        &env,
        Position::Pre,
        "unknown name `size`; a formula may use the parameters (buf, cap, n, len, s, ok)",
    );
    check_err(
        "result > 0",
        &env,
        Position::Pre,
        "use it in postconditions",
    );
    check_err(
        "old(n) == n",
        &env,
        Position::Pre,
        "`old(..)` names a value at entry",
    );
    check_err(
        "n[0] == 1",
        &env,
        Position::Pre,
        "only a pointer, array, slice or string can be indexed",
    );
    check_err(
        "buf + 1 == buf",
        &env,
        Position::Pre,
        "use `len(..)` or compare it with null",
    );
    check_err("buf < null", &env, Position::Pre, "cannot compare");
    let void = Env::new([("x", "int")], None);
    check_err(
        "result == 0",
        &void,
        Position::Post,
        "the function returns nothing",
    );
    // The forall variable is only in scope inside its body.
    check_err(
        "(forall i in 0..n: i >= 0) && i == 0",
        &env,
        Position::Pre,
        "unknown name `i`",
    );
}

#[test]
fn signature_types_map_to_machine_types() {
    let show = |t: &str| type_of(t).to_string();
    assert_eq!(show("int"), "i32");
    assert_eq!(show("unsigned int"), "u32");
    assert_eq!(show("size_t"), "u64");
    assert_eq!(show("uint8_t"), "u8");
    assert_eq!(show("char"), "i8");
    assert_eq!(show("const char *"), "sequence of i8");
    assert_eq!(show("char **"), "sequence of sequence of i8");
    assert_eq!(show("&[u8]"), "sequence of u8");
    assert_eq!(show("&mut Vec<u32>"), "sequence of u32");
    assert_eq!(show("&str"), "sequence of u8");
    assert_eq!(show("String"), "sequence of u8");
    assert_eq!(show("usize"), "u64");
    assert_eq!(show("Option<u32>"), "`Option<u32>`");
    assert_eq!(
        vouch_specgen::formula::IntTy {
            bits: 8,
            signed: true
        }
        .range(),
        Some((-128, 127))
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}x{}", "(".repeat(2_000), ")".repeat(2_000));
    let err = parse(&deep).expect_err("too deep");
    assert!(
        err.message.contains("nested deeper than"),
        "{}",
        err.message
    );
    let nots = format!("{}x", "!".repeat(4_000));
    assert!(
        parse(&nots)
            .expect_err("too deep")
            .message
            .contains("nested deeper than")
    );
    let long = "x == 1 && ".repeat(500) + "true";
    assert!(
        parse(&long)
            .expect_err("too long")
            .message
            .contains("longer than")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn any_text_parses_or_errors_without_panicking(s in "\\PC{0,80}") {
        let env = c_env();
        if let Err(e) = parse_checked(&s, &env, Position::Post) {
            let _ = e.render(&s);
            prop_assert!(e.span.0 <= s.len());
        }
    }

    #[test]
    fn rendering_round_trips(s in "[a-c0-9 +*<=!&|()-]{1,30}") {
        if let Ok(e) = parse(&s) {
            let again = parse(&e.to_string()).expect("a rendering parses");
            prop_assert_eq!(again.to_string(), e.to_string());
        }
    }
}

/// Replaces `map`'s names in `input` by the parsed expressions.
fn substituted(input: &str, map: &[(&str, &str)]) -> Option<String> {
    let map: HashMap<String, _> = map
        .iter()
        .map(|(k, v)| (k.to_string(), parse(v).expect("argument parses")))
        .collect();
    substitute(&parse(input).expect("formula parses"), &map).map(|e| e.to_string())
}

#[test]
fn a_callee_precondition_takes_the_call_arguments() {
    assert_eq!(
        substituted(
            "0 <= idx < len(buf)",
            &[("idx", "n - 1"), ("buf", "rb->data")]
        )
        .as_deref(),
        Some("((0 <= (n - 1)) && ((n - 1) < len(rb.data)))")
    );
    // The bound variable shadows a parameter of the same name...
    assert_eq!(
        substituted("forall i in 0..n: a[i] > i", &[("n", "cap"), ("i", "7")]).as_deref(),
        Some("(forall i in 0..cap: (a[i] > i))")
    );
    // ...and an argument that mentions it would be captured, so nothing is made.
    assert_eq!(
        substituted("forall i in 0..n: a[i] > 0", &[("a", "buf + i")]),
        None
    );
    // `result` and names outside the map stay.
    assert_eq!(
        substituted("result == x + y", &[("x", "2")]).as_deref(),
        Some("(result == (2 + y))")
    );
}

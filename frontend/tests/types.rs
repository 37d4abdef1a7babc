//! Struct layouts and type aliases: what a formula's field access and a typedef'd
//! parameter are typed by.

use vouch_frontend::{TypeShape, parse_source};

/// One line per definition: its names, then `{field: type, ..}` or `= target`.
fn render(path: &str, src: &str) -> Vec<String> {
    parse_source(path, src)
        .types
        .iter()
        .map(|t| {
            let shape = match &t.shape {
                TypeShape::Fields { fields } => {
                    let fields: Vec<String> =
                        fields.iter().map(|(n, ty)| format!("{n}: {ty}")).collect();
                    format!("{{{}}}", fields.join(", "))
                }
                TypeShape::Alias { target } => format!("= {target}"),
            };
            format!("{} {shape}", t.names.join(" | "))
        })
        .collect()
}

fn check(path: &str, src: &str, expected: &[&str]) {
    let got = render(path, src);
    assert_eq!(got, expected, "{path}:\n{}", got.join("\n"));
}

#[test]
fn c_structs_are_known_by_their_tag_and_their_typedef_names() {
    check(
        "t.c",
        r#"
typedef unsigned int rb_size;
typedef rb_size rb_index;
struct node;
typedef struct node *node_ref;
typedef struct ringbuf {
    const uint8_t *data;
    rb_size capacity, head;
    char name[16];
    char **argv;
    void (*on_full)(struct ringbuf *rb);
    unsigned flag : 1;
    union { int as_int; float as_float; };
    struct stats { unsigned long hits; } stats;
    struct node *next;
} ringbuf_t, *ringbuf_ptr;
struct node { int value; struct node *next; };
union word { uint32_t u; int32_t i; };
struct { int x; } anonymous_global;
"#,
        &[
            "rb_size = unsigned int",
            "rb_index = rb_size",
            "node_ref = struct node *",
            "ringbuf_ptr = struct ringbuf *",
            "struct stats {hits: unsigned long}",
            "struct ringbuf | ringbuf_t {data: const uint8_t *, capacity: rb_size, head: rb_size, \
             name: char *, argv: char **, flag: unsigned, as_int: int, as_float: float, \
             stats: struct stats, next: struct node *}",
            "struct node {value: int, next: struct node *}",
            "union word {u: uint32_t, i: int32_t}",
        ],
    );
}

#[test]
fn rust_structs_newtypes_and_aliases() {
    check(
        "lib.rs",
        r#"
pub struct Handle(usize);
pub struct Pair(u8, u8);
type Count = u64;
pub struct Stats { pub hits: Count, misses: u64, flag: bool }
pub struct List<T> { nodes: Vec<Option<Node<T>>>, head: Option<Handle>, len: usize }
mod inner { pub struct Deep { pub list: &'static List<u8> } }
impl Iterator for Deep { type Item = u8; fn next(&mut self) -> Option<u8> { None } }
"#,
        &[
            "Handle = usize",
            "Count = u64",
            "Stats {hits: Count, misses: u64, flag: bool}",
            "List {nodes: Vec<Option<Node<T>>>, head: Option<Handle>, len: usize}",
            "Deep {list: &'static List<u8>}",
        ],
    );
}

#[test]
fn broken_code_still_yields_what_parses() {
    let got = render("b.c", "struct ok { int a; };\nstruct broken { int b\n");
    assert!(got.iter().any(|l| l == "struct ok {a: int}"), "{got:?}");
}

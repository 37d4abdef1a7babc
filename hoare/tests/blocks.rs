//! Block splitting over the outline of real parsed bodies.

#[test]
fn a_real_body_splits_along_its_statements() {
    let mut src =
        String::from("int f(int *a, int n) {\n    int s = 0;\n    for (int i = 0; i < n; i++) {\n");
    for k in 0..50 {
        src.push_str(&format!("        s += a[i] * {k};\n"));
    }
    src.push_str("    }\n    return s;\n}\n");
    let program = vouch_frontend::parse_source("f.c", &src);
    let stmts = vouch_frontend::outline(&program, vouch_frontend::FnIdx(0));
    let blocks = vouch_hoare::split(&stmts, 35);
    let ranges: Vec<(u32, u32)> = blocks.iter().map(|b| (b.start_line, b.end_line)).collect();
    // The loop (lines 3-54) is opened; its head stays with its first statements.
    assert_eq!(ranges, [(2, 36), (37, 55)]);
}

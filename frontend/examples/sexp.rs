//! Prints a file's tree-sitter syntax tree (a debugging aid for the lowering).
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        return;
    };
    let Ok(src) = std::fs::read_to_string(&path) else {
        return;
    };
    let mut p = tree_sitter::Parser::new();
    let lang: tree_sitter::Language = if path.ends_with(".rs") {
        tree_sitter_rust::LANGUAGE.into()
    } else {
        tree_sitter_c::LANGUAGE.into()
    };
    if p.set_language(&lang).is_err() {
        return;
    }
    if let Some(tree) = p.parse(&src, None) {
        #[allow(clippy::print_stdout)]
        {
            println!("{}", tree.root_node().to_sexp());
        }
    }
}

//! Times a bare tree-sitter parse of one file (a measuring aid).
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        return;
    };
    let Ok(src) = std::fs::read(&path) else {
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
    let t = std::time::Instant::now();
    let tree = p.parse(&src, None);
    #[allow(clippy::print_stdout)]
    {
        println!("parse {:?} ok {}", t.elapsed(), tree.is_some());
    }
}

//! Debugging aids for the lowering: prints a file's tree-sitter syntax tree, or with
//! `--time` only how long the bare parse took (the floor under `vouch graph`'s time).
//!
//! `cargo run --release -p vouch-frontend --example sexp -- [--time] FILE`
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let time_only = args.iter().any(|a| a == "--time");
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        return;
    };
    let Ok(src) = std::fs::read(path) else { return };
    let mut p = tree_sitter::Parser::new();
    let lang: tree_sitter::Language = if path.ends_with(".rs") {
        tree_sitter_rust::LANGUAGE.into()
    } else {
        tree_sitter_c::LANGUAGE.into()
    };
    if p.set_language(&lang).is_err() {
        return;
    }
    let started = std::time::Instant::now();
    let tree = p.parse(&src, None);
    let elapsed = started.elapsed();
    #[allow(clippy::print_stdout)]
    match tree {
        Some(_) if time_only => println!(
            "parsed {} bytes in {:.3} s",
            src.len(),
            elapsed.as_secs_f64()
        ),
        Some(t) => println!("{}", t.root_node().to_sexp()),
        None => println!("no tree"),
    }
}

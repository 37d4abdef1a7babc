//! `vouch cache`: look into, empty, export and import the run store of a tree.

use anyhow::{Context, Result};
use std::path::PathBuf;
use vouch_llm::Store;

#[derive(clap::Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub action: CacheAction,
    /// The store file, instead of ROOT/.vouch/vouch.db
    #[arg(long, value_name = "FILE", global = true)]
    pub store: Option<PathBuf>,
    /// The audited tree whose store to use
    #[arg(long, value_name = "ROOT", default_value = ".", global = true)]
    pub root: PathBuf,
}

#[derive(clap::Subcommand)]
pub enum CacheAction {
    /// Show how many replies are recorded, their tokens, and per model and template
    Stats {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Delete every recorded reply and result (generated tests' runs)
    Clear,
    /// Write the recorded replies to FILE (one SQLite file), e.g. to share between CI jobs
    Export { file: PathBuf },
    /// Add the replies recorded in FILE (made by `vouch cache export`); replies already here stay
    Import { file: PathBuf },
}

pub fn run(args: CacheArgs) -> Result<()> {
    let path = args
        .store
        .clone()
        .unwrap_or_else(|| Store::path_for(&args.root));
    if matches!(
        args.action,
        CacheAction::Stats { .. } | CacheAction::Clear | CacheAction::Export { .. }
    ) && !path.exists()
    {
        anyhow::bail!(
            "no run store at {} (a run with a model creates it; pass --root or --store)",
            path.display()
        );
    }
    let store = Store::open(&path)?;
    match args.action {
        CacheAction::Stats { json } => {
            let stats = store.stats()?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&stats).context("cannot serialise the stats")?
                );
            } else {
                println!("store              {}", path.display());
                println!("replies            {}", stats.replies);
                println!("prompt tokens      {}", stats.prompt_tokens);
                println!("completion tokens  {}", stats.completion_tokens);
                println!("size               {} bytes", stats.file_bytes);
                for (model, template, n) in &stats.by_template {
                    println!("  {model}  {template}  {n}");
                }
                for (kind, n) in &stats.results {
                    println!("results ({kind})  {n}");
                }
            }
        }
        CacheAction::Clear => {
            let n = store.clear()?;
            eprintln!("removed {n} replies from {}", path.display());
        }
        CacheAction::Export { file } => {
            let n = store.export(&file)?;
            eprintln!("exported {n} replies to {}", file.display());
        }
        CacheAction::Import { file } => {
            let n = store.import(&file)?;
            eprintln!("imported {n} new replies into {}", path.display());
        }
    }
    Ok(())
}

//! `vouch view DIR`: serves a report directory on 127.0.0.1 (the viewer needs no server;
//! this is for remote shells and browsers that restrict `file://`), or prints its path.

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ViewArgs {
    /// A report directory written by `vouch audit` [default: .vouch/report]
    dir: Option<PathBuf>,
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Print the path of index.html instead of serving it
    #[arg(long)]
    print: bool,
}

pub fn run(args: ViewArgs) -> Result<ExitCode> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(".vouch/report"));
    let index = dir.join("index.html");
    if !index.is_file() {
        bail!(
            "no report in {}: write one with `vouch audit PATH -o {}`",
            dir.display(),
            dir.display()
        );
    }
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot read {}", dir.display()))?;
    if args.print {
        println!("{}", dir.join("index.html").display());
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(serve(dir, args.port))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(dir: PathBuf, port: u16) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{port} (pick another --port)"))?;
    let addr = listener.local_addr()?;
    println!("http://{addr}/");
    eprintln!(
        "serving {} on http://{addr}/ (Ctrl-C to stop)",
        dir.display()
    );
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let app = Router::new()
        .route("/", get(index))
        .route("/{*path}", get(file))
        .with_state(dir);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the report server stopped")
}

async fn index(State(dir): State<PathBuf>) -> Response {
    send(&dir, "index.html").await
}

async fn file(State(dir): State<PathBuf>, UrlPath(path): UrlPath<String>) -> Response {
    send(&dir, &path).await
}

/// A file of the report: only plain relative paths inside the directory.
async fn send(dir: &Path, rel: &str) -> Response {
    let rel = Path::new(rel);
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let path = dir.join(rel);
    // A symlink in the report could point outside it.
    match path.canonicalize() {
        Ok(p) if p.starts_with(dir) && p.is_file() => {}
        _ => return (StatusCode::NOT_FOUND, "not found").into_response(),
    }
    let Ok(bytes) = tokio::fs::read(&path).await else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let kind = match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("json") | Some("sarif") => "application/json",
        Some("md") => "text/markdown; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    };
    ([(header::CONTENT_TYPE, kind)], bytes).into_response()
}

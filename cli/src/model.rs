//! `vouch model check`: reach the configured model (an endpoint, or the local one that
//! vouch starts), make one structured call, and show what it used.

use crate::config::Config;
use anyhow::{Context, Result};
use schemars::JsonSchema;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Instant;
use vouch_llm::{ApiKey, Cache, CacheMode, Client, LlmConfig, LocalModel, Prompt, Provider};

#[derive(clap::Args)]
pub struct ModelArgs {
    #[command(subcommand)]
    pub action: ModelAction,
}

#[derive(clap::Subcommand)]
pub enum ModelAction {
    /// Reach the configured model, make one structured call, and show the reply and usage
    #[command(
        long_about = "Reach the configured model and make one structured call.\n\n\
The model is [llm] of the nearest vouch.toml at or above PATH, then OPENAI_BASE_URL / OPENAI_API_BASE, \
then these flags; the key is OPENAI_API_KEY (empty for local servers). With --provider local, vouch starts \
llama.cpp's llama-server with a model installed by scripts/install-model and stops it afterwards."
    )]
    Check(CheckArgs),
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Where to look for vouch.toml
    #[arg(default_value = ".")]
    path: PathBuf,
    #[command(flatten)]
    endpoint: EndpointFlags,
    /// Read this configuration file instead of the nearest vouch.toml
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// Which model to talk to: the flags every command that calls a model shares.
#[derive(clap::Args)]
pub struct EndpointFlags {
    /// OpenAI-compatible endpoint, up to and including /v1 [default: llm.base_url, OPENAI_BASE_URL]
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Model name to ask for [default: llm.model]
    #[arg(long)]
    model: Option<String>,
    /// remote (an endpoint) or local (llama-server started by vouch)
    #[arg(long, value_parser = ["remote", "local"])]
    provider: Option<String>,
    /// With --provider local: smollm2, qwen-0.5b or qwen-1.5b
    #[arg(long, value_name = "NAME")]
    local_model: Option<LocalModel>,
}

impl EndpointFlags {
    /// These flags over `[llm]` and the environment.
    pub fn apply(&self, mut config: LlmConfig) -> LlmConfig {
        if let Some(u) = &self.base_url {
            config.base_url = Some(u.clone());
        }
        if let Some(m) = &self.model {
            config.model = Some(m.clone());
        }
        if let Some(p) = self.provider.as_deref() {
            config.provider = if p == "local" {
                Provider::Local
            } else {
                Provider::Remote
            };
        }
        if let Some(m) = self.local_model {
            config.local_model = m;
        }
        config
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Sum {
    /// The sum.
    answer: i64,
    /// One short sentence.
    reason: String,
}

pub fn run(args: ModelArgs) -> Result<()> {
    let ModelAction::Check(args) = args.action;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(check(args))
}

async fn check(args: CheckArgs) -> Result<()> {
    let file = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::find(&args.path)?,
    };
    let mut config: LlmConfig = args.endpoint.apply(file.llm.clone().with_env());
    config.timeout_secs = config.timeout_secs.min(300);
    if config.provider == Provider::Local {
        eprintln!(
            "starting llama-server with the {} model",
            config.local_model.name()
        );
    }
    let connected =
        vouch_llm::local::connect(config, ApiKey::from_env(), Cache::new(None, CacheMode::Off))
            .await?;
    let result = ask(&connected.client).await;
    connected.close().await;
    result
}

async fn ask(client: &Client) -> Result<()> {
    let models = client.probe().await?;
    println!(
        "endpoint serves  {}",
        if models.is_empty() {
            "(no list)".to_string()
        } else {
            models.join(", ")
        }
    );
    let prompt = Prompt {
        template: "model.check@1".into(),
        system: "You are a careful calculator.".into(),
        user: "What is 2 + 3? Put the sum in `answer`.".into(),
    };
    let started = Instant::now();
    let (reply, usage) = client.call::<Sum>("check", &prompt).await?;
    println!("model            {}", client.model());
    println!(
        "reply            answer = {}, reason = {:?}",
        reply.answer, reply.reason
    );
    println!(
        "usage            {} call(s), {} prompt + {} completion tokens, {} retries, {} repairs, {:.1} s",
        usage.calls,
        usage.prompt_tokens,
        usage.completion_tokens,
        usage.retries,
        usage.repairs,
        started.elapsed().as_secs_f64()
    );
    if reply.answer != 5 {
        println!(
            "note             the structured reply is valid, but the sum is wrong: a small model cannot be trusted to judge code alone"
        );
    }
    Ok(())
}

//! Model configuration: `[llm]` of vouch.toml, then the environment, then flags.
//! The API key comes only from the environment and is never printed or stored.

use crate::local::LocalModel;
use crate::store::CacheMode;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// Default endpoint when neither vouch.toml nor the environment names one.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// Price of a model, in US dollars per million tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub prompt_per_mtok: f64,
    pub completion_per_mtok: f64,
}

/// Where the model runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Any OpenAI-compatible endpoint at `base_url`.
    #[default]
    Remote,
    /// vouch starts llama.cpp's `llama-server` with `local_model` and stops it at exit.
    Local,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmConfig {
    pub provider: Provider,
    /// With `provider = "local"`: which installed model (`scripts/install-model`).
    pub local_model: LocalModel,
    /// With `provider = "local"`: the context size given to llama-server, in tokens.
    pub local_context: u32,
    /// OpenAI-compatible endpoint, up to and including `/v1`.
    pub base_url: Option<String>,
    pub model: Option<String>,
    /// Requests in flight at once, over the whole run.
    pub max_concurrency: usize,
    /// Time limit of one request, in seconds.
    pub timeout_secs: u64,
    /// Retries of one request after connection errors, 408, 409, 429 and 5xx.
    pub max_retries: usize,
    /// Budgets: when one is spent no new call starts and the run ends as partial.
    pub max_tokens_total: Option<u64>,
    pub max_calls: Option<u64>,
    pub max_cost_usd: Option<f64>,
    /// Prices per model name, for cost estimates and `max_cost_usd`.
    pub prices: BTreeMap<String, Price>,
    pub cache: CacheMode,
    pub temperature: f32,
    /// Longest reply asked for, in tokens.
    pub max_reply_tokens: u32,
    /// Longest reply accepted, in bytes; a longer one is an invalid reply.
    pub max_reply_bytes: usize,
}

impl Default for LlmConfig {
    fn default() -> LlmConfig {
        LlmConfig {
            provider: Provider::Remote,
            local_model: LocalModel::SmolLm2,
            local_context: 8192,
            base_url: None,
            model: None,
            max_concurrency: 16,
            timeout_secs: 120,
            max_retries: 5,
            max_tokens_total: None,
            max_calls: None,
            max_cost_usd: None,
            prices: BTreeMap::new(),
            cache: CacheMode::ReadWrite,
            temperature: 0.0,
            max_reply_tokens: 2048,
            max_reply_bytes: 256 * 1024,
        }
    }
}

impl LlmConfig {
    /// Applies `OPENAI_BASE_URL` / `OPENAI_API_BASE` over the file's `base_url`.
    pub fn with_env(mut self) -> LlmConfig {
        for var in ["OPENAI_BASE_URL", "OPENAI_API_BASE"] {
            if let Ok(v) = std::env::var(var)
                && !v.trim().is_empty()
            {
                self.base_url = Some(v.trim().to_string());
                break;
            }
        }
        self
    }

    pub fn base_url(&self) -> String {
        self.base_url
            .clone()
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string())
            .trim_end_matches('/')
            .to_string()
    }
}

/// An API key. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// `OPENAI_API_KEY`; an empty or missing key is `None` (local servers need none).
    pub fn from_env() -> Option<ApiKey> {
        std::env::var("OPENAI_API_KEY")
            .ok()
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .map(ApiKey)
    }

    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

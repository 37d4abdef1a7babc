//! The client for any OpenAI-compatible chat-completions endpoint, and typed
//! structured calls over it.
//!
//! A call goes: run store (a recorded reply is used as is) → budget → concurrency
//! limit → request with `response_format: json_schema` (stepping down to `json_object`
//! and then plain text, once per endpoint, when the server refuses it) → retries with
//! exponential backoff and jitter on connection errors, timeouts, 408, 409, 429
//! (honouring `Retry-After`) and 5xx → the reply is recorded before it is used →
//! parsed (code fences stripped) into the caller's type, with one repair request if it
//! does not fit. Whatever still fails is an error value, never a panic or a pass.
//!
//! Requests and replies are async-openai's chat types; the transport is reqwest
//! directly, so that status codes and `Retry-After` are ours to read.

use crate::config::{ApiKey, LlmConfig};
use crate::store::{Cache, RequestKey, StoreError, StoredReply, TokenUsage};
use crate::usage::{BudgetKind, Ledger, Usage, UsageReport};
use async_openai::types::chat::CreateChatCompletionResponse;
use backon::{ExponentialBuilder, Retryable};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// One prompt: a versioned template's rendering.
#[derive(Clone, Debug)]
pub struct Prompt {
    /// Template id and version, e.g. `specgen.callee@1`; part of the cache key.
    pub template: String,
    pub system: String,
    pub user: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error(
        "cannot reach the model endpoint {url}: {detail}; check [llm] base_url or OPENAI_BASE_URL"
    )]
    Unreachable { url: String, detail: String },
    #[error("the model endpoint {url} refused the request (HTTP {status}); check OPENAI_API_KEY")]
    Unauthorized { url: String, status: u16 },
    #[error("the model endpoint {url} answered HTTP {status}: {body}")]
    Http {
        url: String,
        status: u16,
        body: String,
    },
    #[error("the model endpoint {url} did not answer within {secs} s")]
    Timeout { url: String, secs: u64 },
    #[error("the {0} budget is spent: no new model calls are made")]
    BudgetExhausted(BudgetKind),
    #[error("the model's reply to a `{template}` request could not be used: {detail}")]
    InvalidReply { template: String, detail: String },
    #[error("no model is configured: set [llm] model in vouch.toml or pass --model")]
    NoModel,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A transport fault of one attempt, before retries are decided.
#[derive(Debug)]
enum Fault {
    Connect(String),
    Timeout,
    Status {
        status: u16,
        retry_after: Option<Duration>,
        body: String,
    },
    /// The server does not accept this `response_format`.
    FormatRefused,
    /// A 2xx whose body is not a chat completion.
    BadBody(String),
}

impl Fault {
    fn of(e: &reqwest::Error) -> Fault {
        if e.is_timeout() {
            Fault::Timeout
        } else {
            Fault::Connect(error_chain(e))
        }
    }

    fn retryable(&self) -> bool {
        match self {
            Fault::Connect(_) | Fault::Timeout => true,
            Fault::Status { status, .. } => matches!(status, 408 | 409 | 429) || *status >= 500,
            Fault::FormatRefused | Fault::BadBody(_) => false,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Fault::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Structured-output modes, strongest first.
const FORMAT_SCHEMA: u8 = 0;
const FORMAT_JSON_OBJECT: u8 = 1;
const FORMAT_TEXT: u8 = 2;

pub struct Client {
    http: reqwest::Client,
    base: String,
    key: Option<ApiKey>,
    model: String,
    config: LlmConfig,
    cache: Cache,
    limit: tokio::sync::Semaphore,
    ledger: Ledger,
    /// The strongest `response_format` this endpoint accepted so far.
    format: AtomicU8,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

struct Sent {
    content: String,
    usage: TokenUsage,
    model: String,
    system_fingerprint: Option<String>,
}

impl Client {
    pub fn new(config: LlmConfig, key: Option<ApiKey>, cache: Cache) -> Result<Client, LlmError> {
        let model = config.model.clone().ok_or(LlmError::NoModel)?;
        let base = config.base_url();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs.max(1)))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| LlmError::Unreachable {
                url: base.clone(),
                detail: e.to_string(),
            })?;
        Ok(Client {
            http,
            limit: tokio::sync::Semaphore::new(config.max_concurrency.max(1)),
            ledger: Ledger::new(&config, &model),
            base,
            key,
            model,
            config,
            cache,
            format: AtomicU8::new(FORMAT_SCHEMA),
        })
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// Requests in flight at once, at most.
    pub fn max_concurrency(&self) -> usize {
        self.config.max_concurrency.max(1)
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    pub fn usage(&self) -> UsageReport {
        self.ledger.report()
    }

    /// Asks the endpoint which models it serves, so that a wrong URL or key is one
    /// clear error before any work starts.
    pub async fn probe(&self) -> Result<Vec<String>, LlmError> {
        let url = format!("{}/models", self.base);
        let mut req = self.http.get(&url);
        if let Some(k) = &self.key {
            req = req.bearer_auth(k.expose());
        }
        let resp = req.send().await.map_err(|e| self.transport_error(&e))?;
        let status = resp.status().as_u16();
        if status == 401 || status == 403 {
            return Err(LlmError::Unauthorized { url, status });
        }
        let body = resp.text().await.map_err(|e| self.transport_error(&e))?;
        if !(200..300).contains(&status) {
            return Err(LlmError::Http {
                url,
                status,
                body: cap(&body, 300),
            });
        }
        let parsed: Value = serde_json::from_str(&body).map_err(|e| LlmError::Http {
            url: url.clone(),
            status,
            body: format!("not a model list ({e})"),
        })?;
        Ok(parsed["data"].as_array().map_or_else(Vec::new, |a| {
            a.iter()
                .filter_map(|m| m["id"].as_str().map(str::to_string))
                .collect()
        }))
    }

    fn transport_error(&self, e: &reqwest::Error) -> LlmError {
        if e.is_timeout() {
            LlmError::Timeout {
                url: self.base.clone(),
                secs: self.config.timeout_secs,
            }
        } else {
            LlmError::Unreachable {
                url: self.base.clone(),
                detail: error_chain(e),
            }
        }
    }

    /// Asks for a reply of type `T` and returns it with what the call used.
    pub async fn call<T: JsonSchema + DeserializeOwned>(
        &self,
        stage: &str,
        prompt: &Prompt,
    ) -> Result<(T, Usage), LlmError> {
        self.call_narrowed(stage, prompt, |_| {}).await
    }

    /// `call`, with `T`'s JSON schema narrowed for this request by `narrow` (the
    /// ids a reply may name, how many entries it must have). The narrowed schema is
    /// what the server constrains its output with (a local model's grammar) and what
    /// the request is recorded under; the reply is still read as `T`.
    pub async fn call_narrowed<T: JsonSchema + DeserializeOwned>(
        &self,
        stage: &str,
        prompt: &Prompt,
        narrow: impl FnOnce(&mut Value),
    ) -> Result<(T, Usage), LlmError> {
        let mut schema = serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null);
        narrow(&mut schema);
        let system = format!(
            "{}\n\nReply with one JSON object and nothing else. It must match this JSON schema:\n{}",
            prompt.system,
            serde_json::to_string(&crate::schema::for_prompt(&schema)).unwrap_or_default()
        );
        let mut messages = vec![
            json!({"role": "system", "content": system}),
            json!({"role": "user", "content": prompt.user}),
        ];
        let mut usage = Usage::default();
        let result = self
            .call_inner::<T>(prompt, &schema, &mut messages, &mut usage)
            .await;
        if result.is_err() {
            usage.failures += 1;
        }
        self.ledger.record(stage, usage);
        result.map(|v| (v, usage))
    }

    async fn call_inner<T: DeserializeOwned>(
        &self,
        prompt: &Prompt,
        schema: &Value,
        messages: &mut Vec<Value>,
        usage: &mut Usage,
    ) -> Result<T, LlmError> {
        let content = self
            .complete(&prompt.template, messages, schema, usage)
            .await?;
        let detail = match parse_reply::<T>(&content, self.config.max_reply_bytes) {
            Ok(v) => return Ok(v),
            Err(detail) => detail,
        };
        tracing::debug!(template = %prompt.template, %detail, "asking the model to repair its reply");
        usage.repairs += 1;
        messages.push(json!({"role": "assistant", "content": cap(&content, 8000)}));
        messages.push(json!({"role": "user", "content": format!(
            "That reply could not be used: {detail}. Reply again with only the corrected JSON object, matching the schema."
        )}));
        let content = self
            .complete(&prompt.template, messages, schema, usage)
            .await?;
        parse_reply::<T>(&content, self.config.max_reply_bytes).map_err(|detail| {
            LlmError::InvalidReply {
                template: prompt.template.clone(),
                detail,
            }
        })
    }

    /// One completion: from the run store, or from the model (then recorded).
    async fn complete(
        &self,
        template: &str,
        messages: &[Value],
        schema: &Value,
        usage: &mut Usage,
    ) -> Result<String, LlmError> {
        let messages_value = Value::Array(messages.to_vec());
        let params = json!({"temperature": self.config.temperature, "max_tokens": self.config.max_reply_tokens});
        let key = RequestKey {
            model: &self.model,
            template,
            messages: &messages_value,
            schema,
            params: &params,
        };
        if let Some(hit) = self.cache.lookup(&key)? {
            usage.cache_hits += 1;
            usage.replayed_prompt_tokens += hit.usage.prompt_tokens;
            usage.replayed_completion_tokens += hit.usage.completion_tokens;
            return Ok(hit.content);
        }
        self.ledger.reserve().map_err(LlmError::BudgetExhausted)?;
        let _permit = self
            .limit
            .acquire()
            .await
            .map_err(|_| LlmError::Unreachable {
                url: self.base.clone(),
                detail: "the client is shutting down".into(),
            })?;
        let started = Instant::now();
        let retries = AtomicU64::new(0);
        let sent = self.send(&messages_value, schema, &retries).await;
        usage.retries += retries.load(Ordering::Relaxed);
        let sent = sent?;
        usage.calls += 1;
        usage.prompt_tokens += sent.usage.prompt_tokens;
        usage.completion_tokens += sent.usage.completion_tokens;
        usage.cost_usd += self
            .ledger
            .cost(sent.usage.prompt_tokens, sent.usage.completion_tokens);
        let reply = StoredReply {
            content: sent.content,
            usage: sent.usage,
            latency_ms: started.elapsed().as_millis() as u64,
            model: sent.model,
            system_fingerprint: sent.system_fingerprint,
        };
        // Recorded before it is used: a run killed from here on does not repeat it.
        self.cache.record(&key, &reply)?;
        Ok(reply.content)
    }

    /// Sends with retries, stepping the response format down when it is refused.
    async fn send(
        &self,
        messages: &Value,
        schema: &Value,
        retries: &AtomicU64,
    ) -> Result<Sent, LlmError> {
        loop {
            let format = self.format.load(Ordering::Relaxed);
            let body = self.request_body(messages, schema, format);
            let attempt = || self.send_once(&body);
            let result = attempt
                .retry(
                    ExponentialBuilder::default()
                        .with_min_delay(Duration::from_millis(250))
                        .with_max_delay(Duration::from_secs(30))
                        .with_max_times(self.config.max_retries)
                        .with_jitter(),
                )
                .sleep(tokio::time::sleep)
                .when(Fault::retryable)
                .adjust(|fault, delay| {
                    delay.map(|d| {
                        fault
                            .retry_after()
                            .map_or(d, |ra| ra.min(Duration::from_secs(120)))
                    })
                })
                .notify(|fault, delay| {
                    retries.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        ?delay,
                        "model request failed ({}); retrying",
                        fault_summary(fault)
                    );
                })
                .await;
            match result {
                Ok(sent) => return Ok(sent),
                Err(Fault::FormatRefused) if format < FORMAT_TEXT => {
                    tracing::info!(
                        format,
                        "the endpoint refused this response_format; trying a simpler one"
                    );
                    self.format.fetch_max(format + 1, Ordering::Relaxed);
                }
                Err(fault) => return Err(self.fault_error(fault)),
            }
        }
    }

    fn request_body(&self, messages: &Value, schema: &Value, format: u8) -> Value {
        let mut body = json!({
            "model": self.model,
            "messages": messages,
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_reply_tokens,
        });
        let response_format = match format {
            FORMAT_SCHEMA => Some(
                json!({"type": "json_schema", "json_schema": {"name": "reply", "schema": schema}}),
            ),
            FORMAT_JSON_OBJECT => Some(json!({"type": "json_object"})),
            _ => None,
        };
        if let Some(rf) = response_format {
            body["response_format"] = rf;
        }
        body
    }

    async fn send_once(&self, body: &Value) -> Result<Sent, Fault> {
        let url = format!("{}/chat/completions", self.base);
        let mut req = self.http.post(&url).json(body);
        if let Some(k) = &self.key {
            req = req.bearer_auth(k.expose());
        }
        let resp = req.send().await.map_err(|e| Fault::of(&e))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        let text = resp.text().await.map_err(|e| Fault::of(&e))?;
        if !(200..300).contains(&status) {
            let lower = text.to_ascii_lowercase();
            if status == 400
                && body.get("response_format").is_some()
                && (lower.contains("response_format") || lower.contains("json_schema"))
            {
                return Err(Fault::FormatRefused);
            }
            return Err(Fault::Status {
                status,
                retry_after,
                body: cap(&text, 500),
            });
        }
        let parsed: CreateChatCompletionResponse = serde_json::from_str(&text).map_err(|e| {
            Fault::BadBody(format!("not a chat completion ({e}): {}", cap(&text, 200)))
        })?;
        let content = parsed
            .choices
            .first()
            .and_then(|c| c.message.content.clone())
            .ok_or_else(|| Fault::BadBody("the completion has no message content".into()))?;
        let usage = parsed.usage.map_or(TokenUsage::default(), |u| TokenUsage {
            prompt_tokens: u64::from(u.prompt_tokens),
            completion_tokens: u64::from(u.completion_tokens),
        });
        // Deprecated upstream, but servers still send it and it is worth keeping
        // beside a recorded reply.
        #[allow(deprecated)]
        let system_fingerprint = parsed.system_fingerprint;
        Ok(Sent {
            content,
            usage,
            model: parsed.model,
            system_fingerprint,
        })
    }

    fn fault_error(&self, fault: Fault) -> LlmError {
        let url = self.base.clone();
        match fault {
            Fault::Connect(detail) => LlmError::Unreachable { url, detail },
            Fault::Timeout => LlmError::Timeout {
                url,
                secs: self.config.timeout_secs,
            },
            Fault::Status {
                status: status @ (401 | 403),
                ..
            } => LlmError::Unauthorized { url, status },
            Fault::Status { status, body, .. } => LlmError::Http { url, status, body },
            Fault::FormatRefused => LlmError::Http {
                url,
                status: 400,
                body: "the endpoint refuses every response format".into(),
            },
            Fault::BadBody(detail) => LlmError::Http {
                url,
                status: 200,
                body: detail,
            },
        }
    }
}

fn fault_summary(f: &Fault) -> String {
    match f {
        Fault::Connect(d) => format!("connection: {d}"),
        Fault::Timeout => "timed out".into(),
        Fault::Status { status, .. } => format!("HTTP {status}"),
        Fault::FormatRefused => "response_format refused".into(),
        Fault::BadBody(d) => d.clone(),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

fn cap(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Parses a reply into `T`: code fences and text around the JSON object are stripped.
pub fn parse_reply<T: DeserializeOwned>(content: &str, max_bytes: usize) -> Result<T, String> {
    if content.len() > max_bytes {
        return Err(format!(
            "the reply is {} bytes, over the limit of {max_bytes}",
            content.len()
        ));
    }
    let mut text = content.trim();
    if let Some(rest) = text.strip_prefix("```") {
        let rest = rest.split_once('\n').map_or("", |(_, r)| r);
        text = rest.trim_end().strip_suffix("```").unwrap_or(rest).trim();
    }
    if !text.starts_with('{')
        && let (Some(a), Some(b)) = (text.find('{'), text.rfind('}'))
        && a < b
    {
        text = &text[a..=b];
    }
    serde_json::from_str::<T>(text).map_err(|e| {
        if text.is_empty() {
            "the reply is empty".to_string()
        } else if e.is_eof() {
            format!("the JSON ends early (truncated?): {e}")
        } else {
            format!("it does not match the schema: {e}")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct A {
        n: i64,
    }

    #[test]
    fn replies_parse_through_fences_and_chatter() {
        assert_eq!(parse_reply::<A>("{\"n\": 1}", 100), Ok(A { n: 1 }));
        assert_eq!(
            parse_reply::<A>("```json\n{\"n\": 2}\n```", 100),
            Ok(A { n: 2 })
        );
        assert_eq!(
            parse_reply::<A>("Sure! Here it is: {\"n\": 3} Hope it helps.", 100),
            Ok(A { n: 3 })
        );
        assert!(
            parse_reply::<A>("{\"n\": ", 100)
                .expect_err("an error")
                .contains("truncated")
        );
        assert!(
            parse_reply::<A>("{\"m\": 1}", 100)
                .expect_err("an error")
                .contains("schema")
        );
        assert!(
            parse_reply::<A>("{\"n\": 1}", 3)
                .expect_err("an error")
                .contains("over the limit")
        );
    }
}

//! A real HTTP server on 127.0.0.1 that speaks the chat-completions API, with scripted
//! replies and injected faults, counting what reaches it.

#![allow(dead_code)]

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One scripted answer.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A completion whose message content is this text.
    Content(String),
    /// An error status, optionally with `Retry-After` (seconds).
    Status(u16, Option<&'static str>),
    /// Wait this long before answering with the default reply (a hung connection).
    Hang(Duration),
    /// Refuse `json_schema` (400) and answer normally otherwise.
    RefuseSchema,
}

#[derive(Default)]
pub struct Shared {
    pub script: Mutex<VecDeque<Reply>>,
    pub calls: AtomicU64,
    pub bodies: Mutex<Vec<Value>>,
    pub auth: Mutex<Vec<Option<String>>>,
    pub latency_ms: AtomicU64,
    /// With a responder: the reply is also delayed by its completion tokens at this
    /// rate, as a model generating them would be (0: no delay).
    pub tokens_per_s: AtomicU64,
    /// Refuse every `json_schema` request (a server without structured output).
    pub refuse_schema_always: std::sync::atomic::AtomicBool,
    /// Answers requests the script does not cover, from the request body.
    pub responder: Mutex<Option<Responder>>,
}

/// A function from a request body to a reply's message content.
pub type Responder = Arc<dyn Fn(&Value) -> String + Send + Sync>;

pub struct TestServer {
    pub url: String,
    pub shared: Arc<Shared>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/v1/chat/completions", post(chat))
            .route("/v1/models", get(models))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        TestServer {
            url: format!("http://{addr}/v1"),
            shared,
            _shutdown: tx,
        }
    }

    pub fn push(&self, reply: Reply) {
        self.shared.script.lock().expect("lock").push_back(reply);
    }

    pub fn calls(&self) -> u64 {
        self.shared.calls.load(Ordering::SeqCst)
    }

    /// Answers every unscripted request with `f(body)`.
    pub fn respond_with(&self, f: impl Fn(&Value) -> String + Send + Sync + 'static) {
        *self.shared.responder.lock().expect("lock") = Some(Arc::new(f));
    }

    pub fn bodies(&self) -> Vec<Value> {
        self.shared.bodies.lock().expect("lock").clone()
    }

    /// A client of this server (model `test-model`, no retries) over `cache`.
    pub fn client(&self, cache: vouch_llm::Cache) -> vouch_llm::Client {
        let config = vouch_llm::LlmConfig {
            base_url: Some(self.url.clone()),
            model: Some("test-model".into()),
            max_retries: 0,
            ..vouch_llm::LlmConfig::default()
        };
        vouch_llm::Client::new(config, None, cache).expect("client")
    }
}

/// The default reply: `{"answer": K, "reason": "…"}` when the first user message is `question K`.
pub fn default_content(body: &Value) -> String {
    let user = body["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or("");
    let k: i64 = user
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    json!({"answer": k, "reason": "because"}).to_string()
}

pub fn completion(content: &str) -> Value {
    json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000u32,
        "model": "test-model",
        "system_fingerprint": "fp-test",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": "stop",
            "logprobs": null
        }],
        "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60}
    })
}

async fn models() -> impl IntoResponse {
    axum::Json(
        json!({"object": "list", "data": [{"id": "test-model", "object": "model", "created": 0, "owned_by": "test"}]}),
    )
}

async fn chat(State(s): State<Arc<Shared>>, headers: HeaderMap, body: String) -> Response {
    s.calls.fetch_add(1, Ordering::SeqCst);
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    s.bodies.lock().expect("lock").push(body.clone());
    s.auth.lock().expect("lock").push(
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    );
    let latency = s.latency_ms.load(Ordering::SeqCst);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let wants_schema = body["response_format"]["type"] == "json_schema";
    if wants_schema && s.refuse_schema_always.load(Ordering::SeqCst) {
        return refuse();
    }
    let next = s.script.lock().expect("lock").pop_front();
    match next {
        Some(Reply::Content(c)) => axum::Json(completion(&c)).into_response(),
        Some(Reply::Status(code, retry_after)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut resp = (
                status,
                axum::Json(json!({"error": {"message": "injected fault"}})),
            )
                .into_response();
            if let Some(ra) = retry_after {
                resp.headers_mut()
                    .insert("retry-after", ra.parse().expect("header"));
            }
            resp
        }
        Some(Reply::Hang(d)) => {
            tokio::time::sleep(d).await;
            axum::Json(completion(&default_content(&body))).into_response()
        }
        Some(Reply::RefuseSchema) if wants_schema => {
            s.refuse_schema_always.store(true, Ordering::SeqCst);
            refuse()
        }
        Some(Reply::RefuseSchema) | None => {
            let responder = s.responder.lock().expect("lock").clone();
            let Some(f) = responder else {
                return axum::Json(completion(&default_content(&body))).into_response();
            };
            let content = f(&body);
            // A responder's usage is counted as a real server would, about 3 bytes a token.
            let mut reply = completion(&content);
            let prompt = body["messages"].to_string().len().div_ceil(3);
            let done = content.len().div_ceil(3);
            reply["usage"] = json!({"prompt_tokens": prompt, "completion_tokens": done, "total_tokens": prompt + done});
            let rate = s.tokens_per_s.load(Ordering::SeqCst);
            if rate > 0 {
                tokio::time::sleep(Duration::from_secs_f64(done as f64 / rate as f64)).await;
            }
            axum::Json(reply).into_response()
        }
    }
}

fn refuse() -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(
            json!({"error": {"message": "response_format of type json_schema is not supported"}}),
        ),
    )
        .into_response()
}

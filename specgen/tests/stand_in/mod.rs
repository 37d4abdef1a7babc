//! A deterministic stand-in for the model in spec generation: it answers each spec,
//! expectation and condensing request from the request's own data, with valid replies.

#![allow(dead_code)]

use serde_json::{Value, json};

pub fn message(body: &Value, role: &str) -> String {
    body["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["role"] == role))
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_string()
}

/// The JSON document at the end of a request's user message.
pub fn data(body: &Value) -> Value {
    let user = message(body, "user");
    user.find("\n{")
        .and_then(|i| serde_json::from_str(&user[i + 1..]).ok())
        .unwrap_or(Value::Null)
}

pub fn kind(body: &Value) -> &'static str {
    let user = message(body, "user");
    if user.starts_with("Write the specification") {
        "spec"
    } else if user.starts_with("Say what") {
        "expect"
    } else if user.starts_with("Condense") {
        "reduce"
    } else if user.starts_with("Reason forward") {
        "step"
    } else if user.starts_with("Decide every clause") {
        "verdict"
    } else if user.starts_with("Write the harness") {
        "harness"
    } else if user.starts_with("Write the test") {
        "probe"
    } else if user.starts_with("State the invariants") {
        "invariants"
    } else {
        "other"
    }
}

/// A deterministic stand-in for the model: answers each request from its data.
pub fn scripted(body: &Value) -> String {
    let d = data(body);
    match kind(body) {
        "spec" => {
            let specs: Vec<Value> = d["functions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| {
                    let from: Vec<Value> = f["expectations"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|e| e["id"].clone())
                        .collect();
                    json!({
                        "function": f["id"],
                        "summary": format!("spec of {}", f["name"].as_str().unwrap_or("")),
                        "preconditions": [{"text": "what the callers establish holds", "from": from}],
                        "postconditions": [{"text": "returns what the callers use"}],
                        "confidence": 0.8
                    })
                })
                .collect();
            json!({ "specs": specs }).to_string()
        }
        "expect" => {
            let calls: Vec<Value> = d["calls"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    json!({
                        "call": c["id"],
                        "established": [{"text": format!("guarded before {}", c["statement"].as_str().unwrap_or("")), "code": c["statement"]}],
                        "relies_on": [format!("uses the result of {}", c["callee"].as_str().unwrap_or(""))],
                    })
                })
                .collect();
            json!({ "calls": calls }).to_string()
        }
        "reduce" => {
            let n = d["expectations"].as_array().map_or(0, Vec::len);
            json!({"requirements": [{"text": format!("{n} callers check the length first"), "count": n}]}).to_string()
        }
        "step" => json!({"postcondition": [{"text": "the block ran"}], "calls": [], "exits": []})
            .to_string(),
        "verdict" => {
            let clauses: Vec<Value> = d["clauses"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| json!({"clause": c["id"], "holds": true}))
                .collect();
            json!({ "clauses": clauses }).to_string()
        }
        // A harness that calls nothing: the test passes, the finding is refuted.
        "harness" => json!({"code": "int main(void)\n{\n    return 0;\n}"}).to_string(),
        "probe" => {
            json!({"code": "        let checked = true;\n        assert!(checked);"}).to_string()
        }
        // No invariant, and every function only reads.
        "invariants" => {
            let functions: Vec<Value> = d["functions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| json!({"function": f["id"], "role": "reads"}))
                .collect();
            json!({"invariants": [], "functions": functions}).to_string()
        }
        _ => "{}".into(),
    }
}

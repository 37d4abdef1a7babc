//! The stand-in model with one planted bug found: c-ringbuf's rb-1, with a harness
//! that triggers it (after a first one that does not build, to exercise the repair).

use serde_json::{Value, json};

/// The stand-in model (`stand_in::scripted`), except that it finds the planted
/// off-by-one of `pkt_encode` (c-ringbuf's bug rb-1) with a counterexample on lines 50-51.
pub fn finds_rb1(body: &Value) -> String {
    let d = crate::stand_in::data(body);
    if crate::stand_in::kind(body) == "verdict" && d["function"] == "pkt_encode" {
        let clauses: Vec<Value> = d["clauses"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 {
                    json!({"clause": c["id"], "holds": false,
                           "counterexample": [{"name": "cap", "value": "64"}, {"name": "p->len", "value": "60"}],
                           "lines": [50, 51],
                           "explanation": "the space check leaves out the checksum byte: 65 bytes are written into 64"})
                } else {
                    json!({"clause": c["id"], "holds": true})
                }
            })
            .collect();
        return json!({ "clauses": clauses }).to_string();
    }
    if crate::stand_in::kind(body) == "harness" && d["function"] == "pkt_encode" {
        if d["compiler_errors"].is_null() {
            return json!({"code": "int main(void)\n{\n    return pkt_encode_missing();\n}"})
                .to_string();
        }
        // bugs.toml's trigger of rb-1.
        let code = "int main(void)\n{\n    uint8_t payload[60];\n    memset(payload, 'x', sizeof payload);\n    packet_t p = { .type = 2, .len = sizeof payload, .payload = payload };\n    uint8_t out[64];\n    int n = pkt_encode(&p, out, sizeof out);\n    VOUCH_CHECK(n == PKT_ERR_SPACE, \"returns PKT_ERR_SPACE when the frame does not fit\");\n    return 0;\n}";
        return json!({ "code": code }).to_string();
    }
    crate::stand_in::scripted(body)
}

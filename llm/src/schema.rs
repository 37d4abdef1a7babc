//! Narrowing a reply's JSON schema to one request: the server constrains its output
//! with the schema (a local model's grammar), so a schema that lists the ids a reply
//! may name, and how many entries it must have, keeps a model from inventing entries
//! or running on past the last one.

use serde_json::{Value, json};

/// Makes the array property `list` of `schema` hold exactly one entry per id, each
/// entry's `field` one of `ids`. The entries' type is found through the array's
/// `items` (inline or a `$ref` into `$defs`); a schema of another shape is left as
/// it is, which only loses the constraint.
pub fn one_entry_per_id(schema: &mut Value, list: &str, field: &str, ids: &[String]) {
    let Some(array) = schema.pointer_mut(&format!("/properties/{list}")) else {
        return;
    };
    array["minItems"] = json!(ids.len());
    array["maxItems"] = json!(ids.len());
    let item = match array["items"]["$ref"].as_str() {
        Some(r) => r.strip_prefix('#').unwrap_or(r).to_string(),
        None => format!("/properties/{list}/items"),
    };
    if let Some(f) = schema
        .pointer_mut(&item)
        .and_then(|def| def.pointer_mut(&format!("/properties/{field}")))
    {
        f["enum"] = json!(ids);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_ids_are_pinned_through_a_ref_or_inline() {
        let mut by_ref = json!({
            "properties": {"specs": {"type": "array", "items": {"$ref": "#/$defs/Draft"}, "maxItems": 64}},
            "$defs": {"Draft": {"properties": {"function": {"type": "string"}}}}
        });
        let ids = vec!["a.c::f".to_string(), "a.c::g".to_string()];
        one_entry_per_id(&mut by_ref, "specs", "function", &ids);
        assert_eq!(by_ref["properties"]["specs"]["minItems"], 2);
        assert_eq!(by_ref["properties"]["specs"]["maxItems"], 2);
        assert_eq!(
            by_ref["$defs"]["Draft"]["properties"]["function"]["enum"],
            json!(ids)
        );

        let mut inline = json!({
            "properties": {"calls": {"type": "array", "items": {"properties": {"call": {"type": "string"}}}}}
        });
        one_entry_per_id(&mut inline, "calls", "call", &["c1".to_string()]);
        assert_eq!(
            inline["properties"]["calls"]["items"]["properties"]["call"]["enum"],
            json!(["c1"])
        );

        // Another shape is left alone.
        let mut other = json!({"type": "string"});
        one_entry_per_id(&mut other, "specs", "function", &ids);
        assert_eq!(other, json!({"type": "string"}));
    }
}

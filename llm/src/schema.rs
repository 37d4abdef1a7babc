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
    if let Some(f) =
        entry_mut(schema, list).and_then(|e| e.pointer_mut(&format!("/properties/{field}")))
    {
        f["enum"] = json!(ids);
    }
}

/// Makes the array `field` of every entry of the array property `list` required and
/// non-empty: a field the type fills with a default when it is missing (so that a
/// reply without it still parses) is one a small model under a grammar leaves out.
pub fn entries_require(schema: &mut Value, list: &str, field: &str) {
    let Some(entry) = entry_mut(schema, list) else {
        return;
    };
    let Some(f) = entry.pointer_mut(&format!("/properties/{field}")) else {
        return;
    };
    f["minItems"] = json!(1);
    match entry["required"].as_array_mut() {
        Some(required) if required.iter().any(|r| r == field) => {}
        Some(required) => required.push(json!(field)),
        None => entry["required"] = json!([field]),
    }
}

/// The schema of one entry of the array property `list`, found through its `items`
/// (inline or a `$ref` into `$defs`).
pub fn entry_mut<'s>(schema: &'s mut Value, list: &str) -> Option<&'s mut Value> {
    let items = schema.pointer(&format!("/properties/{list}/items"))?;
    let path = match items["$ref"].as_str() {
        Some(r) => r.strip_prefix('#').unwrap_or(r).to_string(),
        None => format!("/properties/{list}/items"),
    };
    schema.pointer_mut(&path)
}

/// The schema as the system message quotes it: without what only a validator or a
/// generator reads (`$schema`, `title`, `format`, `default`) and without the field
/// descriptions, which every template states in its instructions. The request's
/// `response_format` keeps the whole schema; this only keeps each request's prompt
/// short (a spec request's schema is a fifth of its prompt).
pub fn for_prompt(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "$schema" | "title" | "format" | "default" | "description"
                    )
                })
                .map(|(k, v)| {
                    // A property named like a keyword is a field, not a keyword.
                    let v = if k == "properties" {
                        match v {
                            Value::Object(props) => Value::Object(
                                props
                                    .iter()
                                    .map(|(p, s)| (p.clone(), for_prompt(s)))
                                    .collect(),
                            ),
                            other => other.clone(),
                        }
                    } else {
                        for_prompt(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(for_prompt).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompts_schema_keeps_the_shape_and_drops_the_prose() {
        let full = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Reply",
            "description": "The reply.",
            "type": "object",
            "properties": {
                "description": {"type": "string", "description": "a field named description", "maxLength": 9},
                "n": {"type": "integer", "format": "uint32", "minimum": 0, "default": 0}
            },
            "required": ["description"]
        });
        assert_eq!(
            for_prompt(&full),
            json!({
                "type": "object",
                "properties": {
                    "description": {"type": "string", "maxLength": 9},
                    "n": {"type": "integer", "minimum": 0}
                },
                "required": ["description"]
            })
        );
    }

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
        entries_require(&mut other, "specs", "postconditions");
        assert_eq!(other, json!({"type": "string"}));
    }

    #[test]
    fn a_required_field_is_listed_once_and_must_not_be_empty() {
        let mut schema = json!({
            "properties": {"specs": {"type": "array", "items": {"$ref": "#/$defs/Draft"}}},
            "$defs": {"Draft": {
                "properties": {"summary": {"type": "string"}, "post": {"type": "array"}},
                "required": ["summary"]
            }}
        });
        entries_require(&mut schema, "specs", "post");
        entries_require(&mut schema, "specs", "post");
        let draft = &schema["$defs"]["Draft"];
        assert_eq!(draft["required"], json!(["summary", "post"]));
        assert_eq!(draft["properties"]["post"]["minItems"], 1);

        let mut inline = json!({
            "properties": {"specs": {"type": "array", "items": {"properties": {"post": {"type": "array"}}}}}
        });
        entries_require(&mut inline, "specs", "post");
        assert_eq!(
            inline["properties"]["specs"]["items"]["required"],
            json!(["post"])
        );
        // A field the entries do not have is not invented.
        entries_require(&mut inline, "specs", "absent");
        assert_eq!(
            inline["properties"]["specs"]["items"]["required"],
            json!(["post"])
        );
    }
}

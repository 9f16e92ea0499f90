//! Input schemas as an agent pays for them: every tool definition is sent in every conversation,
//! so what schemars writes for the Rust side and says nothing to a caller goes.
//!
//! - `$schema`: 2020-12 is MCP's default dialect.
//! - `additionalProperties: false` at the top: unknown keys are refused all the same, by name.
//! - `null` alternatives of optional parameters: optional is already "not in `required`", and a
//!   null still deserializes to "not given".
//! - `$defs`: a definition used once, or smaller than a reference to it costs, is inlined; a type's
//!   own doc comment, written for Rust readers, is dropped (the parameter's description stays).

use serde_json::{Map, Value};

/// Compacts a tool's input schema in place.
pub fn compact_input(schema: &mut Map<String, Value>) {
    schema.remove("$schema");
    let mut defs = match schema.remove("$defs") {
        Some(Value::Object(defs)) => defs,
        _ => Map::new(),
    };
    // References from the properties and from other definitions alike.
    let text = format!(
        "{}{}",
        Value::Object(schema.clone()),
        Value::Object(defs.clone())
    );
    let (inline, shared): (Map<String, Value>, Map<String, Value>) = std::mem::take(&mut defs)
        .into_iter()
        .partition(|(name, def)| {
            let uses = text.matches(&format!("\"#/$defs/{name}\"")).count();
            uses <= 1 || def.to_string().len() <= 80
        });
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        for prop in props.values_mut() {
            compact(prop, &inline);
        }
    }
    if !shared.is_empty() {
        let shared = shared
            .into_iter()
            .map(|(name, mut def)| {
                if let Value::Object(map) = &mut def {
                    map.remove("description");
                }
                compact(&mut def, &inline);
                (name, def)
            })
            .collect();
        schema.insert("$defs".into(), Value::Object(shared));
    }
    // Unknown keys are still refused, with an error naming them; saying so costs every tool.
    schema.remove("additionalProperties");
}

fn compact(value: &mut Value, defs: &Map<String, Value>) {
    let Value::Object(map) = value else { return };
    inline_ref(map, defs);
    drop_null(map, defs);
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = map.get_mut(key) {
            compact(inner, defs);
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = map.get_mut(key) {
            alts.iter_mut().for_each(|alt| compact(alt, defs));
        }
    }
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        props.values_mut().for_each(|p| compact(p, defs));
    }
}

/// Replaces `{"$ref": "#/$defs/X", ...}` by X's content, keeping the referring keys (the
/// parameter's description wins over the type's).
fn inline_ref(map: &mut Map<String, Value>, defs: &Map<String, Value>) {
    let Some(Value::String(r)) = map.get("$ref") else {
        return;
    };
    let Some(Value::Object(def)) = r.strip_prefix("#/$defs/").and_then(|n| defs.get(n)) else {
        return;
    };
    map.remove("$ref");
    for (k, v) in def {
        if k != "description" && !map.contains_key(k) {
            map.insert(k.clone(), v.clone());
        }
    }
}

/// `"type": ["integer", "null"]` becomes `"integer"`; `anyOf: [X, {"type": "null"}]` becomes X.
fn drop_null(map: &mut Map<String, Value>, defs: &Map<String, Value>) {
    if let Some(Value::Array(types)) = map.get("type") {
        let real: Vec<Value> = types
            .iter()
            .filter(|t| t.as_str() != Some("null"))
            .cloned()
            .collect();
        let single = (real.len() == 1).then(|| real[0].clone());
        map.insert("type".into(), single.unwrap_or(Value::Array(real)));
    }
    if let Some(Value::Array(alts)) = map.get("anyOf") {
        let real: Vec<&Value> = alts
            .iter()
            .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"))
            .collect();
        if real.len() == 1 && alts.len() == 2 {
            let Value::Object(only) = real[0].clone() else {
                return;
            };
            map.remove("anyOf");
            for (k, v) in only {
                if !map.contains_key(&k) {
                    map.insert(k, v);
                }
            }
            inline_ref(map, defs);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn optional_enums_and_integers_lose_their_nulls_and_refs() {
        let mut schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": {"Kind": {"description": "Rust doc", "enum": ["a", "b"], "type": "string"}},
            "type": "object",
            "required": ["n"],
            "properties": {
                "kind": {"anyOf": [{"$ref": "#/$defs/Kind"}, {"type": "null"}], "description": "Which."},
                "n": {"type": ["integer", "null"], "minimum": 1},
                "list": {"type": ["array", "null"], "items": {"$ref": "#/$defs/Kind"}}
            }
        });
        compact_input(schema.as_object_mut().unwrap());
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "required": ["n"],
                "properties": {
                    "kind": {"description": "Which.", "enum": ["a", "b"], "type": "string"},
                    "n": {"type": "integer", "minimum": 1},
                    "list": {"type": "array", "items": {"enum": ["a", "b"], "type": "string"}}
                }
            })
        );
    }
}

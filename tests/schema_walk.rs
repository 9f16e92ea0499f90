//! Every constraint a tool's input schema declares is enforced: the schemas are read from
//! `tools/list` of the real binary, and for each constrained parameter a value just past each
//! bound, one breaking its pattern, one padded with whitespace and one outside its enum is sent.
//! Every tool also gets a wrong type, an unknown property and a 100 KB string. Each answer must
//! be a tool error naming the parameter, and no request may reach any backend.

mod common;

use common::{MEDIUM, connect, stack, text};
use serde_json::{Map, Value, json};

/// A schema with `$ref`s into the tool's `$defs` resolved and `null` alternatives dropped.
fn resolve<'a>(schema: &'a Value, defs: &'a Value) -> &'a Value {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        return resolve(&defs[name], defs);
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        let real: Vec<&Value> = any
            .iter()
            .filter(|s| s.get("type") != Some(&json!("null")))
            .collect();
        if real.len() == 1 {
            return resolve(real[0], defs);
        }
    }
    schema
}

/// The schema's JSON type, ignoring `null`.
fn kind(schema: &Value) -> Option<&str> {
    match schema.get("type")? {
        Value::String(t) => Some(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

/// A value the schema accepts. Patterns are ours and few: an unknown one fails the test, so a
/// new pattern gets a sample here.
fn valid(schema: &Value, defs: &Value) -> Value {
    let schema = resolve(schema, defs);
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        return e[0].clone();
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        return one[0]["const"].clone();
    }
    match kind(schema) {
        Some("string") => match schema.get("pattern").and_then(Value::as_str) {
            Some(r"^\d{1,20}$") => json!("1"),
            Some(r"^\d{4}-\d{2}-\d{2}$") => json!("2026-01-01"),
            Some(p) if p.starts_with(r"^\d{4}-\d{2}-\d{2}(T") => json!("2026-01-01"),
            Some(p) if p.starts_with("^[A-Za-z]+") => json!("titleSort"),
            Some(p) => panic!("no sample for pattern {p}"),
            None => json!(
                "x".repeat(schema.get("minLength").and_then(Value::as_u64).unwrap_or(1) as usize)
            ),
        },
        Some("integer") | Some("number") => schema.get("minimum").cloned().unwrap_or(json!(1)),
        Some("boolean") => json!(false),
        Some("array") => json!([]),
        Some("object") => baseline(schema, defs),
        _ => json!("x"),
    }
}

/// An object with a valid value for every required property.
fn baseline(schema: &Value, defs: &Value) -> Value {
    let mut out = Map::new();
    let required = schema.get("required").and_then(Value::as_array);
    for name in required.into_iter().flatten().filter_map(Value::as_str) {
        out.insert(name.into(), valid(&schema["properties"][name], defs));
    }
    Value::Object(out)
}

/// A value of another JSON type than the schema's.
fn wrong_type(schema: &Value) -> Value {
    match kind(schema) {
        Some("string") => json!(12345),
        Some("array") | Some("object") | Some("boolean") => json!("not-this-type"),
        _ => json!("ten"),
    }
}

/// Values that break the property's declared constraints, each with what it tests.
fn breaking(schema: &Value, defs: &Value) -> Vec<(String, Value)> {
    let schema = resolve(schema, defs);
    let mut out = Vec::new();
    let int = kind(schema) == Some("integer");
    let step = if int { json!(1) } else { json!(0.5) };
    let num = |v: &Value| v.as_f64().unwrap();
    if let Some(min) = schema.get("minimum") {
        let below = if int {
            json!(min.as_i64().unwrap() - 1)
        } else {
            json!(num(min) - num(&step))
        };
        out.push(("below minimum".into(), below));
    }
    if let Some(max) = schema.get("maximum") {
        let above = if int {
            json!(max.as_i64().unwrap() + 1)
        } else {
            json!(num(max) + num(&step))
        };
        out.push(("above maximum".into(), above));
    }
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
        && min > 0
    {
        out.push((
            "below minLength".into(),
            json!("x".repeat(min as usize - 1)),
        ));
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
        out.push((
            "above maxLength".into(),
            json!("x".repeat(max as usize + 1)),
        ));
    }
    if schema.get("pattern").is_some() {
        out.push(("breaking the pattern".into(), json!("1/../x")));
        let good = valid(schema, defs);
        let padded = format!(" {} ", good.as_str().unwrap());
        out.push(("padded with whitespace".into(), json!(padded)));
    }
    if schema.get("enum").is_some() || schema.get("oneOf").is_some() {
        out.push(("outside the enum".into(), json!("no-such-choice")));
    }
    if kind(schema) == Some("array")
        && let Some(items) = schema.get("items")
    {
        for (what, bad) in breaking(items, defs) {
            out.push((format!("item {what}"), json!([bad])));
        }
    }
    out
}

/// Every (path, name to find in the error, arguments) case of one tool.
fn cases(schema: &Value, defs: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    let base = baseline(schema, defs);
    let props = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (name, prop) in &props {
        let with = |v: Value| {
            let mut args = base.clone();
            args[name.as_str()] = v;
            args
        };
        for (what, bad) in breaking(prop, defs) {
            out.push((format!("{name} {what}"), name.clone(), with(bad)));
        }
        let resolved = resolve(prop, defs);
        // One level down: the fields of an object argument (update_metadata_from_json).
        if kind(resolved) == Some("object") {
            let inner_base = baseline(resolved, defs);
            for (inner, inner_prop) in resolved["properties"].as_object().into_iter().flatten() {
                for (what, bad) in breaking(inner_prop, defs) {
                    let mut v = inner_base.clone();
                    v[inner.as_str()] = bad;
                    out.push((format!("{name}.{inner} {what}"), inner.clone(), with(v)));
                }
            }
        }
        out.push((
            format!("{name} of the wrong type"),
            name.clone(),
            with(wrong_type(resolved)),
        ));
        if kind(resolved) == Some("string") && resolved.get("enum").is_none() {
            out.push((
                format!("{name} of 100 KB"),
                name.clone(),
                with(json!("a".repeat(100_000))),
            ));
        }
    }
    let mut unknown = base.clone();
    unknown["bogusArgument"] = json!(1);
    out.push((
        "an unknown property".into(),
        "bogusArgument".into(),
        unknown,
    ));
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn every_declared_constraint_is_enforced_before_any_backend_is_asked() {
    let stack = stack(MEDIUM, 11).await;
    let s = connect(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let tools = s.tools().await;
    assert_eq!(tools.len(), 73, "every family, writes included");
    stack.control.clear_requests();
    let mut checked = 0;
    let mut constrained = 0;
    for tool in &tools {
        let schema = Value::Object((*tool.input_schema).clone());
        // Not declared (it would cost every definition), but refused all the same: see the
        // unknown-property case below.
        assert_ne!(schema["additionalProperties"], json!(true), "{}", tool.name);
        let defs = schema.get("$defs").cloned().unwrap_or(json!({}));
        for (what, name, args) in cases(&schema, &defs) {
            let result = s.call(&tool.name, args.clone()).await;
            let message = text(&result);
            assert_eq!(
                result.is_error,
                Some(true),
                "{}: {what} was accepted: {args} → {message}",
                tool.name
            );
            assert!(
                message.contains(&name),
                "{}: the error for {what} does not name `{name}`: {message}",
                tool.name
            );
            assert!(
                message.len() < 2_000,
                "{}: the error for {what} echoes the input",
                tool.name
            );
            checked += 1;
            constrained += usize::from(!what.contains("wrong type") && !what.contains("unknown"));
        }
        let reached = stack.control.requests();
        assert!(
            reached.is_empty(),
            "{}: invalid calls reached a backend: {reached:?}",
            tool.name
        );
    }
    eprintln!("{checked} cases, {constrained} of declared constraints");
    // Guards against a walk that silently finds nothing to check.
    assert!(constrained > 150, "only {constrained} constraint cases");
    assert!(checked > 300, "only {checked} cases");
    s.close().await;
}

//! Values an assistant reads right: no output schema declares an epoch, a millisecond or a unitless
//! length, and no result of the demo stack carries one; times are ISO 8601 in `PLEX_MCP_TZ`.

mod common;

use common::{ZONE, at, connect, stack};
use plex_mcp::fake::FakeStack;
use plex_mcp::fake::data::Scale;
use serde_json::{Value, json};

/// Names of time fields: a camelCase word `at`, `time` or `date` (`viewedAt`, `timeLeft`,
/// `airDate`; not `updated`).
fn is_time_name(name: &str) -> bool {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        word.push(c.to_ascii_lowercase());
    }
    words.push(word);
    words
        .iter()
        .any(|w| matches!(w.as_str(), "at" | "time" | "date"))
}

/// Fields that would carry a length or size without saying its unit.
fn is_unitless(name: &str) -> bool {
    matches!(
        name,
        "duration" | "viewOffset" | "size" | "sizeleft" | "sizeOnDisk" | "runtime" | "freeSpace"
    ) || name.ends_with("Ms")
        || name.to_ascii_lowercase().contains("milli")
}

fn schema_type(schema: &Value) -> Vec<String> {
    let mut types = Vec::new();
    match &schema["type"] {
        Value::String(t) => types.push(t.clone()),
        Value::Array(ts) => types.extend(ts.iter().filter_map(|t| t.as_str().map(String::from))),
        _ => {}
    }
    for alt in schema["anyOf"].as_array().into_iter().flatten() {
        types.extend(schema_type(alt));
    }
    types
}

/// Every property of a schema, anywhere in it (including `$defs`), with its schema.
fn properties<'a>(schema: &'a Value, out: &mut Vec<(&'a str, &'a Value)>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                for (name, prop) in props {
                    out.push((name, prop));
                }
            }
            for v in map.values() {
                properties(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| properties(v, out)),
        _ => {}
    }
}

/// Every (field, value) pair of a result, at any depth.
fn fields<'a>(value: &'a Value, out: &mut Vec<(&'a str, &'a Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.push((k, v));
                fields(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| fields(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn no_output_schema_declares_epochs_or_unitless_lengths() {
    let stack = stack(Scale::DEMO, 1).await;
    let s = connect(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let tools = s.tools().await;
    assert!(tools.len() >= 58, "every family is configured");
    let mut bad = Vec::new();
    for tool in &tools {
        let Some(schema) = &tool.output_schema else {
            bad.push(format!("{}: no output schema", tool.name));
            continue;
        };
        let schema = Value::Object(schema.as_ref().clone());
        let mut props = Vec::new();
        properties(&schema, &mut props);
        for (name, prop) in props {
            let types = schema_type(prop);
            let numeric = types.iter().any(|t| t == "integer" || t == "number");
            let counted = ["Minutes", "Seconds", "Hours", "Days"]
                .iter()
                .any(|unit| name.ends_with(unit));
            if is_time_name(name) && numeric && !counted {
                bad.push(format!("{}.{name}: an integer time", tool.name));
            }
            if is_unitless(name) && numeric {
                bad.push(format!("{}.{name}: no unit in the name", tool.name));
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

async fn demo_results(stack: &FakeStack) -> Vec<(String, Value)> {
    let s = connect(
        stack,
        &[(
            "TRAKT_ACCESS_TOKEN",
            &stack.trakt.state.issue_access_token(),
        )],
    )
    .await;
    let libraries = s.ok("get_libraries", json!({})).await;
    let library = libraries["libraries"][0]["key"]
        .as_str()
        .unwrap()
        .to_string();
    let watched = stack
        .data
        .items
        .iter()
        .find(|i| i.kind == "movie" && i.last_viewed_at.is_some())
        .expect("a watched movie");
    let playlists = s.ok("get_playlists", json!({})).await;
    let playlist = playlists["playlists"][0]["ratingKey"].clone();
    let word = watched.title.split(' ').next().unwrap().to_string();
    let mut out = vec![
        ("get_libraries".to_string(), libraries),
        ("get_playlists".to_string(), playlists),
    ];
    let calls = [
        (
            "get_media_details",
            json!({"ratingKey": watched.rating_key}),
        ),
        ("get_library_items", json!({"libraryKey": library})),
        ("get_recommendations", json!({"libraryKey": library})),
        ("get_playlist_items", json!({"playlistId": playlist})),
        ("search_media", json!({"query": word})),
        ("sonarr_search", json!({"query": word})),
        ("radarr_search", json!({"query": word})),
        ("trakt_search", json!({"query": word})),
        ("trakt_sync_to_trakt", json!({"dryRun": true})),
    ];
    for (name, args) in calls {
        out.push((name.to_string(), s.ok(name, args).await));
    }
    for tool in s.tools().await {
        let read_only = tool.annotations.as_ref().and_then(|a| a.read_only_hint) == Some(true);
        let needs_args = tool
            .input_schema
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| !r.is_empty());
        if read_only && !needs_args && !out.iter().any(|(n, _)| n == tool.name.as_ref()) {
            let name = tool.name.to_string();
            let got = s.ok(&name, json!({})).await;
            out.push((name, got));
        }
    }
    out
}

#[tokio::test]
async fn demo_results_carry_iso_times_in_the_configured_zone() {
    let stack = stack(Scale::DEMO, 2).await;
    let results = demo_results(&stack).await;
    assert!(results.len() > 30, "{} results", results.len());
    let offset = at(0).as_str().unwrap()[19..].to_string();
    assert_eq!(offset, "+05:30", "{ZONE} in 1970");
    let mut bad = Vec::new();
    let mut times = 0;
    for (tool, result) in &results {
        let mut all = Vec::new();
        fields(result, &mut all);
        for (name, value) in all {
            if let Some(n) = value.as_i64()
                && is_time_name(name)
                && n.abs() > 1_000_000_000
            {
                bad.push(format!("{tool}.{name} = {n}"));
            }
            if is_unitless(name) && value.is_number() {
                bad.push(format!("{tool}.{name}: no unit"));
            }
            // Every full date-time is written with the zone's offset today (+05:45).
            if let Some(text) = value.as_str()
                && text.len() >= 20
                && text.as_bytes()[10] == b'T'
                && text.as_bytes()[4] == b'-'
            {
                times += 1;
                if !text.ends_with("+05:45") {
                    bad.push(format!("{tool}.{name} = {text}: not in {ZONE}"));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
    assert!(times > 100, "only {times} times seen");
}

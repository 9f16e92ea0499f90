//! Tool definitions an agent reads in every conversation: within a byte budget, and saying what
//! the schema cannot (where ids come from, that writes need enabling, what is destructive).

mod common;

use common::{connect, stack};
use plex_mcp::fake::data::Scale;
use rmcp::model::Tool;
use serde_json::{Value, json};

/// Average bytes per tool of name, description, input schema and annotations as compact JSON.
const BUDGET: usize = 640;

fn definition_bytes(t: &Tool) -> usize {
    json!({
        "name": t.name,
        "description": t.description,
        "inputSchema": t.input_schema,
        "annotations": t.annotations,
    })
    .to_string()
    .len()
}

#[tokio::test]
async fn definitions_fit_the_budget_and_say_what_the_schema_cannot() {
    let stack = stack(Scale::DEMO, 1).await;
    let s = connect(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let tools = s.tools().await;
    assert_eq!(tools.len(), 73, "every family, writes included");
    let read_only: Vec<String> = {
        let plain = connect(&stack, &[]).await;
        plain
            .tools()
            .await
            .iter()
            .map(|t| t.name.to_string())
            .collect()
    };

    let mut sizes: Vec<(usize, &str)> = tools
        .iter()
        .map(|t| (definition_bytes(t), t.name.as_ref()))
        .collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    let total: usize = sizes.iter().map(|(n, _)| n).sum();
    let average = total / tools.len();
    eprintln!(
        "definitions: {total} bytes, {average} per tool; largest {:?}",
        &sizes[..5]
    );
    assert!(
        average <= BUDGET,
        "{average} bytes per tool is over {BUDGET}; the five largest: {:?}",
        &sizes[..5]
    );

    let mut bad = Vec::new();
    for t in &tools {
        let name = t.name.as_ref();
        let description = t.description.as_deref().unwrap_or_default();
        let ann = t.annotations.clone().unwrap_or_default();
        if description.contains("Read-only") {
            bad.push(format!("{name}: restates readOnlyHint"));
        }
        // A Plex write is listed only when writes are on; it says so.
        if !read_only.iter().any(|r| r == name) && !description.contains("Needs writes enabled") {
            bad.push(format!("{name}: does not say writes must be enabled"));
        }
        let removes = ["cannot be undone", "eplaces", "clearing"]
            .iter()
            .any(|w| description.contains(w));
        if removes && ann.destructive_hint != Some(true) {
            bad.push(format!(
                "{name}: replaces or removes data but is not destructive"
            ));
        }
        let schema = Value::Object((*t.input_schema).clone());
        for (param, prop) in schema["properties"].as_object().into_iter().flatten() {
            let says = prop["description"].as_str().unwrap_or_default();
            if says.contains("(default") {
                bad.push(format!(
                    "{name}.{param}: a default in prose, not in the schema"
                ));
            }
            // An id says which tool supplies it.
            let is_id = param.ends_with("Id") || param.ends_with("Key") || param == "plexGuid";
            let ignored = says.starts_with("Ignored");
            let sourced = tools.iter().any(|o| says.contains(o.name.as_ref()));
            if is_id && !sourced && !ignored {
                bad.push(format!(
                    "{name}.{param}: does not name the tool its id comes from"
                ));
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

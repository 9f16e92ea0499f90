//! `plex-mcp call TOOL key=value ...`: runs one tool through a real MCP client connected to the
//! server in-process, so it behaves exactly as it would for Claude Desktop.

use std::{process::ExitCode, sync::Arc};

use clap::Args;
use rmcp::{
    ServiceExt,
    model::{CallToolRequestParams, JsonObject, Tool},
};
use serde_json::Value;

use crate::mcp::server::{Context, PlexMcp};

#[derive(Debug, Args)]
pub struct CallArgs {
    /// The tool to run (see `plex-mcp tools`).
    pub tool: String,
    /// Arguments as key=value; values are read as the tool's schema types them.
    pub args: Vec<String>,
    /// Arguments as one JSON object (merged with key=value pairs, which win).
    #[arg(long)]
    pub json: Option<String>,
}

pub async fn run(ctx: Arc<Context>, args: CallArgs) -> ExitCode {
    let server = PlexMcp::new(ctx);
    if let Some(message) = server.unlisted_tool(&args.tool) {
        eprintln!("{message}");
        return ExitCode::FAILURE;
    }
    let Some(tool) = server.tools().into_iter().find(|t| t.name == args.tool) else {
        eprintln!(
            "plex-mcp: unknown tool {:?}; `plex-mcp tools` lists the available ones",
            args.tool
        );
        return ExitCode::from(2);
    };
    let arguments = match parse_arguments(&tool, args.json.as_deref(), &args.args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("plex-mcp: {e}");
            return ExitCode::from(2);
        }
    };
    let (server_io, client_io) = tokio::io::duplex(1 << 16);
    let server_task = tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    let outcome = async {
        let client = ().serve(client_io).await.map_err(|e| e.to_string())?;
        let result = client
            .call_tool(CallToolRequestParams::new(tool.name.clone()).with_arguments(arguments))
            .await
            .map_err(|e| e.to_string());
        let _ = client.cancel().await;
        result
    }
    .await;
    server_task.abort();
    let result = match outcome {
        Ok(r) => r,
        Err(e) => {
            eprintln!("plex-mcp: {e}");
            return ExitCode::FAILURE;
        }
    };
    if result.is_error == Some(true) {
        for block in &result.content {
            if let Some(text) = block.as_text() {
                eprintln!("{}", text.text);
            }
        }
        return ExitCode::FAILURE;
    }
    let value = result.structured_content.unwrap_or(Value::Null);
    match serde_json::to_string_pretty(&value) {
        Ok(text) => {
            outln!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("plex-mcp: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Builds the argument object from `--json` and `key=value` pairs. A value is taken as a string
/// when the schema says string, and parsed as JSON otherwise (`limit=5`, `smart=true`).
fn parse_arguments(
    tool: &Tool,
    json: Option<&str>,
    pairs: &[String],
) -> Result<JsonObject, String> {
    let mut args = match json {
        None => JsonObject::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err("--json must be a JSON object, like '{\"limit\": 5}'".into()),
            Err(e) => return Err(format!("--json is not valid JSON: {e}")),
        },
    };
    let properties = tool
        .input_schema
        .get("properties")
        .and_then(Value::as_object);
    for pair in pairs {
        let Some((key, raw)) = pair.split_once('=') else {
            return Err(format!("argument {pair:?} is not key=value"));
        };
        let declared = properties
            .and_then(|p| p.get(key))
            .and_then(|s| s.get("type"))
            .map(|t| match t {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            })
            .unwrap_or_default();
        let value = if declared.contains(&"string") {
            Value::String(raw.to_string())
        } else {
            serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
        };
        args.insert(key.to_string(), value);
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc as StdArc;

    fn tool() -> Tool {
        let schema = serde_json::json!({
            "type": "object",
            "properties": {
                "ratingKey": {"type": "string"},
                "limit": {"type": ["integer", "null"]},
                "query": {"type": "string"}
            }
        });
        let Value::Object(schema) = schema else {
            unreachable!()
        };
        Tool::new("t", "test", StdArc::new(schema))
    }

    #[test]
    fn values_follow_the_schema() {
        let args = parse_arguments(
            &tool(),
            Some(r#"{"limit": 1, "extra": true}"#),
            &["ratingKey=123".into(), "limit=5".into(), "query=a=b".into()],
        )
        .unwrap();
        assert_eq!(args["ratingKey"], Value::String("123".into()));
        assert_eq!(args["limit"], Value::from(5));
        assert_eq!(args["query"], Value::String("a=b".into()));
        assert_eq!(args["extra"], Value::Bool(true));
        assert!(parse_arguments(&tool(), None, &["novalue".into()]).is_err());
        assert!(parse_arguments(&tool(), Some("[1]"), &[]).is_err());
    }
}

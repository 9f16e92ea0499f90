//! What a message must be before rmcp sees it, for both transports: JSON, a JSON-RPC object, and
//! for a tool call an `arguments` object. rmcp drops or mislabels the rest (a silent line on
//! stdio, a 415 over HTTP, -32601 for bad arguments); these get the error JSON-RPC specifies.

use serde_json::{Value, json};

/// The parts of a JSON-RPC message the guard decides on.
pub struct Peeked {
    pub method: Option<String>,
}

/// Why a body is not a usable JSON-RPC message, answered as JSON-RPC says: -32700 for one that
/// is not JSON, -32600 for JSON that is not a request, notification or response, -32602 for a
/// tool call whose `arguments` is not an object.
pub enum Refusal {
    Parse(String),
    Invalid(&'static str),
    /// Longer than this many bytes.
    TooLarge(usize),
    /// Bad `arguments` in the request with this id.
    Arguments(Value),
}

impl Refusal {
    /// Whether the refused message had an id to answer to.
    pub fn has_id(&self) -> bool {
        matches!(self, Refusal::Arguments(_))
    }

    /// The JSON-RPC error response.
    pub fn to_json(&self) -> Value {
        let (id, code, message) = match self {
            Refusal::Parse(e) => (
                Value::Null,
                -32700,
                format!("Parse error: the message is not JSON ({e})"),
            ),
            Refusal::Invalid(why) => (Value::Null, -32600, format!("Invalid Request: {why}")),
            Refusal::TooLarge(max) => (
                Value::Null,
                -32600,
                format!("Invalid Request: a message may be at most {max} bytes"),
            ),
            Refusal::Arguments(id) => (
                id.clone(),
                -32602,
                "Invalid params: `arguments` must be an object of the tool's parameters".into(),
            ),
        };
        error(id, code, &message)
    }
}

/// A JSON-RPC error response.
pub fn error(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

pub fn check_message(bytes: &[u8]) -> Result<Peeked, Refusal> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| Refusal::Parse(e.to_string()))?;
    let Some(obj) = value.as_object() else {
        return Err(Refusal::Invalid("expected one JSON-RPC message object"));
    };
    if obj.get("jsonrpc").and_then(|v| v.as_str()) != Some("2.0") {
        return Err(Refusal::Invalid("\"jsonrpc\" must be \"2.0\""));
    }
    let method = match obj.get("method") {
        None if obj.contains_key("result") || obj.contains_key("error") => None,
        Some(Value::String(m)) => Some(m.clone()),
        _ => return Err(Refusal::Invalid("\"method\" must be a string")),
    };
    if method.as_deref() == Some("tools/call")
        && let Some(args) = obj.get("params").and_then(|p| p.get("arguments"))
        // Absent arguments are fine; `null` is not an object (MCP: `arguments?: object`).
        && !args.is_object()
    {
        let id = obj.get("id").cloned().unwrap_or(Value::Null);
        return Err(Refusal::Arguments(id));
    }
    Ok(Peeked { method })
}

//! Tool arguments: like rmcp's `Parameters`, but a value that does not fit the schema is reported
//! with the argument's name ("`limit`: invalid type: string \"ten\", expected u32"), so an agent
//! can correct the call. rmcp turns the error into an `isError` result.

use std::borrow::Cow;

use rmcp::{
    ErrorData,
    handler::server::{common::FromContextPart, tool::ToolCallContext},
};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// rmcp recognises this prefix and answers a tool error rather than a protocol error.
pub const ARGUMENT_ERROR_PREFIX: &str = "failed to deserialize parameters: ";

pub struct Parameters<T>(pub T);

impl<T: JsonSchema> JsonSchema for Parameters<T> {
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

impl<S, T: DeserializeOwned> FromContextPart<ToolCallContext<'_, S>> for Parameters<T> {
    fn from_context_part(context: &mut ToolCallContext<S>) -> Result<Self, ErrorData> {
        let arguments = Value::Object(context.arguments.take().unwrap_or_default());
        serde_path_to_error::deserialize(arguments)
            .map(Parameters)
            .map_err(|e| {
                let path = e.path().to_string();
                let message = if path == "." {
                    e.inner().to_string()
                } else {
                    format!("`{path}`: {}", e.inner())
                };
                ErrorData::invalid_params(format!("{ARGUMENT_ERROR_PREFIX}{message}"), None)
            })
    }
}

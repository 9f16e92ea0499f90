//! The error every tool returns: rendered as an MCP tool result with `isError: true` and one text
//! block whose message names the service and says what to do.

use std::fmt;

use rmcp::model::{ContentBlock, IntoContents};

use crate::backend::BackendError;

#[derive(Debug)]
pub enum ToolError {
    /// An argument value the schema cannot express as invalid (an id that is not numeric, a
    /// limit out of range, a path outside the exports directory).
    InvalidArgument {
        name: &'static str,
        reason: String,
    },
    /// The thing asked for does not exist.
    NotFound(String),
    Backend(BackendError),
    /// A local failure (writing an export file).
    Local(String),
    /// A service the tool needs is not set up; the message says which variable to set.
    NotConfigured(String),
}

impl ToolError {
    /// A backend 404 means what the caller named does not exist: say so in their terms.
    pub fn not_found_as(what: impl FnOnce() -> String) -> impl FnOnce(BackendError) -> Self {
        move |e| {
            if e.is_not_found() {
                ToolError::NotFound(what())
            } else {
                ToolError::Backend(e)
            }
        }
    }

    pub fn invalid(name: &'static str, reason: impl Into<String>) -> Self {
        ToolError::InvalidArgument {
            name,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolError::InvalidArgument { name, reason } => {
                write!(f, "Invalid argument `{name}`: {reason}")
            }
            ToolError::NotFound(what) => f.write_str(what),
            ToolError::Backend(e) => e.fmt(f),
            ToolError::Local(what) | ToolError::NotConfigured(what) => f.write_str(what),
        }
    }
}

impl From<BackendError> for ToolError {
    fn from(e: BackendError) -> Self {
        ToolError::Backend(e)
    }
}

impl IntoContents for ToolError {
    fn into_contents(self) -> Vec<ContentBlock> {
        vec![ContentBlock::text(self.to_string())]
    }
}

//! The error every tool returns: rendered as an MCP tool result with `isError: true` and one text
//! block whose message names the service and says what to do.

use std::fmt;

use rmcp::model::{ContentBlock, IntoContents};

use crate::{
    backend::{BackendError, ErrorKind, Service},
    services,
    trakt::TraktError,
};

/// What to say when a library key names nothing.
pub fn no_library(key: &str) -> String {
    format!("No Plex library has key {key}. Call get_libraries for the valid keys.")
}

/// How to sign in to Trakt from an MCP client.
pub const TRAKT_SIGN_IN: &str = "Call trakt_authenticate, then trakt_complete_auth (or run \
`plex-mcp trakt login` in a terminal).";

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
            ToolError::Backend(e) => {
                e.fmt(f)?;
                if e.service == Service::Trakt && matches!(e.kind, ErrorKind::Unauthorized(_)) {
                    write!(f, " {TRAKT_SIGN_IN}")?;
                }
                Ok(())
            }
            ToolError::Local(what) | ToolError::NotConfigured(what) => f.write_str(what),
        }
    }
}

impl From<BackendError> for ToolError {
    fn from(e: BackendError) -> Self {
        ToolError::Backend(e)
    }
}

/// A service's errors, with the tool-level hints.
impl From<services::Error> for ToolError {
    fn from(e: services::Error) -> Self {
        match e {
            services::Error::Backend(e) => ToolError::Backend(e),
            services::Error::Trakt(e) => e.into(),
            services::Error::Store(m) | services::Error::Io(m) | services::Error::Busy(m) => {
                ToolError::Local(m)
            }
            services::Error::NotFound(m) => ToolError::NotFound(m),
            services::Error::NoLibrary(key) => ToolError::NotFound(no_library(&key)),
            services::Error::NoAccount(id) => ToolError::invalid(
                "accountId",
                format!(
                    "no Plex account has id {id}; get_user_stats lists the accounts with their ids"
                ),
            ),
            services::Error::Invalid { name, reason } => {
                ToolError::InvalidArgument { name, reason }
            }
        }
    }
}

/// Trakt's errors, with what to call next.
impl From<TraktError> for ToolError {
    fn from(e: TraktError) -> Self {
        match e {
            TraktError::Backend(e) => ToolError::Backend(e),
            TraktError::NotSignedIn(_) => ToolError::NotConfigured(format!("{e} {TRAKT_SIGN_IN}")),
            TraktError::AppRejected(_) => ToolError::NotConfigured(e.to_string()),
            TraktError::NoPendingDevice => ToolError::NotFound(format!(
                "{e} Call trakt_authenticate first (or pass the authorization `code` from the code flow)."
            )),
            TraktError::DeviceFailed(_) => {
                ToolError::NotFound(format!("{e} Call trakt_authenticate to start again."))
            }
            TraktError::CodeRefused => ToolError::invalid(
                "code",
                format!("{e} Call trakt_authenticate for a new one."),
            ),
            TraktError::Store(why) => ToolError::Local(why),
        }
    }
}

impl IntoContents for ToolError {
    fn into_contents(self) -> Vec<ContentBlock> {
        vec![ContentBlock::text(self.to_string())]
    }
}

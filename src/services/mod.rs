//! Domain work apart from MCP: the Trakt sync, the scrobbler, the analytics play log and the
//! library export. Each takes the backend clients and the store it needs and returns typed
//! results and its own errors; none knows about tools or transports, so each can be tested and
//! reused without a server.

pub mod analytics;
pub mod export;
pub mod jobs;
pub mod playback;
pub mod scrobbler;
pub mod sync;
#[cfg(test)]
mod tests;

use std::fmt;

use crate::{
    backend::BackendError,
    plex::{client::PlexClient, models::Item},
    trakt::TraktError,
};

/// Why a service could not do its work. Messages name the service and what to do; how to reach
/// a tool is for the caller to add.
#[derive(Debug)]
pub enum Error {
    Backend(BackendError),
    Trakt(TraktError),
    /// The local state (SQLite) failed.
    Store(String),
    /// A local file could not be written.
    Io(String),
    /// What was named does not exist.
    NotFound(String),
    /// No Plex library has this key.
    NoLibrary(String),
    /// No Plex account has this id.
    NoAccount(u32),
    /// A value the caller gave cannot be used.
    Invalid {
        name: &'static str,
        reason: String,
    },
    /// The same job is already running.
    Busy(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Backend(e) => e.fmt(f),
            Error::Trakt(e) => e.fmt(f),
            Error::Invalid { name, reason } => write!(f, "Invalid `{name}`: {reason}"),
            Error::NoLibrary(key) => write!(f, "No Plex library has key {key}."),
            Error::NoAccount(id) => write!(f, "No Plex account has id {id}."),
            Error::Store(m) | Error::Io(m) | Error::NotFound(m) | Error::Busy(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

/// One Plex item's full metadata, or a clear error when the key names nothing.
pub async fn item(plex: &PlexClient, rating_key: &str) -> Result<Item, Error> {
    plex.item(rating_key).await?.ok_or_else(|| {
        Error::NotFound(format!(
            "No Plex item has ratingKey {rating_key}. Take ratingKeys from list or search results."
        ))
    })
}

impl From<BackendError> for Error {
    fn from(e: BackendError) -> Self {
        Error::Backend(e)
    }
}

impl From<TraktError> for Error {
    fn from(e: TraktError) -> Self {
        match e {
            TraktError::Backend(b) => Error::Backend(b),
            other => Error::Trakt(other),
        }
    }
}

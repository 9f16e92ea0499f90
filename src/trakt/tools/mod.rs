//! The `trakt_*` tools, one file per concern: sign-in, stats and search, the two syncs, and the
//! playback scrobbler. What they share lives here.

mod auth;
mod info;
pub mod scrobble;
pub mod sync;

use super::client::TraktClient;
use crate::mcp::{error::ToolError, server::PlexMcp};

pub const NOT_CONFIGURED: &str = "TRAKT_CLIENT_ID and TRAKT_CLIENT_SECRET environment variables are \
required. Create an application at https://trakt.tv/oauth/applications (redirect URI \
urn:ietf:wg:oauth:2.0:oob), set both variables, then sign in with trakt_authenticate or \
`plex-mcp trakt login`.";

impl PlexMcp {
    pub(crate) fn trakt(&self) -> Result<&TraktClient, ToolError> {
        self.ctx
            .trakt
            .as_ref()
            .ok_or_else(|| ToolError::NotConfigured(NOT_CONFIGURED.into()))
    }

    /// The Trakt client, for tools that act for the signed-in user.
    pub(crate) async fn signed_in_trakt(&self) -> Result<&TraktClient, ToolError> {
        let trakt = self.trakt()?;
        match trakt.sign_in().await {
            Some(_) => Ok(trakt),
            None => Err(ToolError::NotConfigured(super::client::SIGN_IN_HINT.into())),
        }
    }
}

/// RFC 3339 (UTC, seconds) of unix seconds.
pub fn iso(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

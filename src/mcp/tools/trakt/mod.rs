//! The `trakt_*` tools, one file per concern: sign-in, stats and search, the two syncs, and the
//! playback scrobbler. What they share lives here.

mod auth;
mod info;
mod scrobble;
mod sync;

use std::sync::Arc;

use crate::{
    mcp::{
        error::{TRAKT_SIGN_IN, ToolError},
        server::PlexMcp,
    },
    trakt::{NOT_CONFIGURED, SignedOut, TraktError, client::TraktClient},
};

/// What to do when the Trakt application is not set up.
pub fn not_configured() -> String {
    format!("{NOT_CONFIGURED} Then sign in: {TRAKT_SIGN_IN}")
}

impl PlexMcp {
    pub(crate) fn trakt(&self) -> Result<&Arc<TraktClient>, ToolError> {
        self.ctx
            .trakt
            .as_ref()
            .ok_or_else(|| ToolError::NotConfigured(not_configured()))
    }

    /// The Trakt client, for tools that act for the signed-in user.
    pub(crate) async fn signed_in_trakt(&self) -> Result<&Arc<TraktClient>, ToolError> {
        let trakt = self.trakt()?;
        match trakt.sign_in().await {
            Some(_) => Ok(trakt),
            None => Err(TraktError::NotSignedIn(SignedOut::Never).into()),
        }
    }
}

//! Trakt.tv: the API client (sign-in, rate limits), its models, and its errors.

pub mod api;
pub mod client;
pub mod models;

use std::fmt;

use crate::backend::{BackendError, ErrorKind};

/// The Trakt application is not set up (no client id and secret).
pub const NOT_CONFIGURED: &str = "TRAKT_CLIENT_ID and TRAKT_CLIENT_SECRET environment variables are \
required. Create an application at https://trakt.tv/oauth/applications (redirect URI \
urn:ietf:wg:oauth:2.0:oob) and set both variables.";

/// Why there is no usable sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedOut {
    Never,
    /// Expired with no refresh token to renew it.
    Expired,
    /// Trakt refused to renew it (revoked, or renewed elsewhere).
    Revoked,
}

/// A failed Trakt operation. Messages say what happened and what to set; how to sign in again is
/// for the caller to add (a tool or a command).
#[derive(Debug)]
pub enum TraktError {
    Backend(BackendError),
    NotSignedIn(SignedOut),
    /// The client id or secret was refused (HTTP status).
    AppRejected(u16),
    /// A device poll with no device sign-in started.
    NoPendingDevice,
    /// The device sign-in ended without approval.
    DeviceFailed(&'static str),
    /// The authorization code was wrong, expired or already used.
    CodeRefused,
    /// The sign-in could not be saved in the data directory.
    Store(String),
}

impl TraktError {
    /// Whether signing in (again) is the fix.
    pub fn needs_sign_in(&self) -> bool {
        match self {
            TraktError::Backend(e) => matches!(e.kind, ErrorKind::Unauthorized(401)),
            TraktError::NotSignedIn(_)
            | TraktError::NoPendingDevice
            | TraktError::DeviceFailed(_)
            | TraktError::CodeRefused => true,
            TraktError::AppRejected(_) | TraktError::Store(_) => false,
        }
    }
}

impl fmt::Display for TraktError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraktError::Backend(e) => e.fmt(f),
            TraktError::NotSignedIn(SignedOut::Never) => f.write_str("Not signed in to Trakt."),
            TraktError::NotSignedIn(SignedOut::Expired) => {
                f.write_str("The Trakt sign-in has expired and there is no refresh token.")
            }
            TraktError::NotSignedIn(SignedOut::Revoked) => f.write_str(
                "Trakt refused to renew the sign-in (it was revoked, or renewed elsewhere).",
            ),
            TraktError::AppRejected(code) => write!(
                f,
                "Trakt rejected the application credentials (HTTP {code}). Check TRAKT_CLIENT_ID and \
                 TRAKT_CLIENT_SECRET against your app at https://trakt.tv/oauth/applications."
            ),
            TraktError::NoPendingDevice => f.write_str("No Trakt device sign-in is waiting."),
            TraktError::DeviceFailed(why) => write!(f, "Trakt sign-in failed: {why}."),
            TraktError::CodeRefused => f.write_str(
                "Trakt refused this authorization code: it is wrong, expired or already used.",
            ),
            TraktError::Store(why) => write!(f, "Could not save the Trakt sign-in: {why}"),
        }
    }
}

impl std::error::Error for TraktError {}

impl From<BackendError> for TraktError {
    fn from(e: BackendError) -> Self {
        TraktError::Backend(e)
    }
}

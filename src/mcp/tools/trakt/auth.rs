//! Signing in to Trakt: `trakt_authenticate`, `trakt_complete_auth`, `trakt_get_auth_status`.

use std::time::Duration;

use crate::mcp::answer::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::not_configured;
use crate::mcp::args::{Int, OrDefault, Text};
use crate::time::Iso;
use crate::{
    backend::{BackendError, ErrorKind},
    mcp::tools::NoArgs,
    mcp::{error::ToolError, params::Parameters, server::PlexMcp},
    trakt::{
        SignedOut, TraktError,
        client::{DevicePoll, TokenSource},
        models::User,
    },
};

const DEFAULT_WAIT: usize = 30;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthenticateArgs {
    /// Echoed by the code flow.
    pub state: Option<Text<0, 200>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticateOutput {
    /// Page where the user enters `userCode`.
    pub verification_url: String,
    pub user_code: String,
    /// Seconds the code stays valid.
    pub expires_in_seconds: u64,
    /// Alternative for clients that prefer the authorization-code flow: open it, approve, and
    /// pass the code shown to trakt_complete_auth.
    pub auth_url: String,
    pub next: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CompleteAuthArgs {
    /// Code from authUrl; omit for the device code.
    pub code: Option<Text<1, 500>>,
    /// Wait for approval; call again on pending.
    #[schemars(extend("default" = 30))]
    pub wait_seconds: Option<Int<1, 600>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompleteAuthOutput {
    /// `signed_in`, or `pending` when the user has not approved the device code yet.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<TraktUser>,
    /// When the access token expires (it is renewed automatically before then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Iso>,
    /// For `pending`: seconds left to approve.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_expires_in_seconds: Option<u64>,
    pub message: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TraktUser {
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vip: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub joined_at: Option<Iso>,
}

impl From<User> for TraktUser {
    fn from(u: User) -> Self {
        Self {
            username: u.username,
            name: u.name,
            vip: u.vip,
            joined_at: u.joined_at.as_deref().map(Iso::rfc3339),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthStatusOutput {
    pub authenticated: bool,
    /// Whether TRAKT_CLIENT_ID and TRAKT_CLIENT_SECRET are set.
    pub client_configured: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<TraktUser>,
    /// `stored` (data directory) or `environment` (TRAKT_ACCESS_TOKEN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Iso>,
    pub base_url: String,
    pub message: String,
}

#[tool_router(router = trakt_auth_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Start a Trakt sign-in: returns a code and URL to show the user; then call trakt_complete_auth. Needs \
 TRAKT_CLIENT_ID and TRAKT_CLIENT_SECRET.",
        annotations(
            title = "Trakt Authenticate",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn trakt_authenticate(
        &self,
        Parameters(args): Parameters<AuthenticateArgs>,
    ) -> Result<Json<AuthenticateOutput>, ToolError> {
        let trakt = self.trakt()?;
        let device = trakt.start_device().await?;
        let state = args
            .state
            .map_or_else(|| "plex-mcp".into(), Text::into_string);
        Ok(Json(AuthenticateOutput {
            next: format!(
                "Ask the user to open {} and enter {}, then call trakt_complete_auth (no arguments) \
                 to wait for the approval.",
                device.verification_url, device.user_code
            ),
            verification_url: device.verification_url,
            user_code: device.user_code,
            expires_in_seconds: device.expires_in,
            auth_url: trakt.authorize_url(&state),
        }))
    }

    #[tool(
        description = "Finish the sign-in begun by trakt_authenticate: waits for approval, or exchanges `code`. Stores the \
tokens, replacing an earlier sign-in; answers who signed in, or pending.",
        annotations(
            title = "Trakt Complete Auth",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn trakt_complete_auth(
        &self,
        Parameters(args): Parameters<CompleteAuthArgs>,
    ) -> Result<Json<CompleteAuthOutput>, ToolError> {
        let trakt = self.trakt()?;
        let signed_in = |user: User, expires_at: i64| CompleteAuthOutput {
            status: "signed_in".into(),
            message: format!(
                "Signed in to Trakt as {}. The sign-in is stored and renewed automatically.",
                user.username
            ),
            user: Some(user.into()),
            expires_at: Some(Iso::unix(expires_at)),
            code_expires_in_seconds: None,
        };
        if let Some(code) = args.code.as_deref().map(str::trim) {
            let (user, expires_at) = trakt.exchange_code(code).await?;
            return Ok(Json(signed_in(user, expires_at)));
        }
        let wait = Duration::from_secs(args.wait_seconds.value_or(DEFAULT_WAIT) as u64);
        Ok(Json(match trakt.poll_device(wait).await? {
            DevicePoll::SignedIn { user, expires_at } => signed_in(user, expires_at),
            DevicePoll::Pending { expires_in } => CompleteAuthOutput {
                status: "pending".into(),
                user: None,
                expires_at: None,
                code_expires_in_seconds: Some(expires_in),
                message: format!(
                    "Not approved yet. The user must enter the code at the verification URL within \
                     {expires_in} s; call trakt_complete_auth again to keep waiting."
                ),
            },
        }))
    }

    #[tool(
        description = "Whether plex-mcp is signed in to Trakt, as whom, until when. Check before other trakt_* tools.",
        annotations(
            title = "Trakt Get Auth Status",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn trakt_get_auth_status(
        &self,
        Parameters(_): Parameters<NoArgs>,
    ) -> Result<Json<AuthStatusOutput>, ToolError> {
        let base_url = self.ctx.config.trakt.url.clone();
        let Some(trakt) = self.ctx.trakt.as_ref() else {
            return Ok(Json(AuthStatusOutput {
                authenticated: false,
                client_configured: false,
                user: None,
                source: None,
                expires_at: None,
                base_url,
                message: not_configured(),
            }));
        };
        let not_signed_in = |message: String| AuthStatusOutput {
            authenticated: false,
            client_configured: true,
            user: None,
            source: None,
            expires_at: None,
            base_url: base_url.clone(),
            message,
        };
        if trakt.sign_in().await.is_none() {
            return Ok(Json(not_signed_in(
                ToolError::from(TraktError::NotSignedIn(SignedOut::Never)).to_string(),
            )));
        }
        let user = match trakt.me().await {
            Ok(user) => user,
            Err(
                e @ (TraktError::NotSignedIn(_)
                | TraktError::Backend(BackendError {
                    kind: ErrorKind::Unauthorized(_),
                    ..
                })),
            ) => return Ok(Json(not_signed_in(ToolError::from(e).to_string()))),
            Err(e) => return Err(e.into()),
        };
        let (source, _, expires_at) =
            trakt
                .sign_in()
                .await
                .unwrap_or((TokenSource::Stored, None, 0));
        Ok(Json(AuthStatusOutput {
            authenticated: true,
            client_configured: true,
            message: format!("Signed in to Trakt as {}.", user.username),
            user: Some(user.into()),
            source: Some(
                match source {
                    TokenSource::Stored => "stored",
                    TokenSource::Environment => "environment",
                }
                .into(),
            ),
            expires_at: (expires_at > 0).then(|| Iso::unix(expires_at)),
            base_url,
        }))
    }
}

//! What plays where: for now, ending a stream (another viewer's too), with a message they see.

use rmcp::{Json, Peer, RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::confirm::Confirmed;
use crate::backend::ErrorKind;
use crate::mcp::args::Text;
use crate::mcp::{error::ToolError, params::Parameters, server::PlexMcp};

const DEFAULT_REASON: &str = "The server's owner stopped this stream.";

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StopStreamArgs {
    /// sessionId from get_active_sessions (not its sessionKey).
    pub session_id: Text<1, 200>,
    /// Shown to the viewer.
    pub reason: Option<Text<1, 500>>,
    /// true: act now. Omitted: ask the user (else preview). false: preview.
    pub confirm: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StopStreamOutput {
    pub stopped: bool,
    /// True when nothing was done and the call must be repeated with confirm: true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub preview: bool,
    /// The user was asked and said no.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub declined: bool,
    /// What was playing, and for whom.
    pub stream: String,
}

#[tool_router(router = playback_write_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "End a playback stream (anyone's) and show the viewer a reason; cannot be undone. Asks the user \
to confirm when the client can, else previews until called with confirm: true. Needs writes enabled and Plex Pass.",
        annotations(
            title = "Stop Stream",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn stop_stream(
        &self,
        Parameters(args): Parameters<StopStreamArgs>,
        peer: Peer<RoleServer>,
    ) -> Result<Json<StopStreamOutput>, ToolError> {
        let plex = &self.ctx.plex;
        let id = args.session_id.into_string();
        let sessions = plex.sessions().await?;
        let ids: Vec<String> = sessions
            .iter()
            .filter_map(|s| s.session.as_ref()?.id.clone())
            .collect();
        let Some(session) = sessions
            .iter()
            .find(|s| s.session.as_ref().and_then(|l| l.id.as_deref()) == Some(id.as_str()))
        else {
            return Err(ToolError::NotFound(format!(
                "No stream has sessionId {id}; playing now: {}. Call get_active_sessions.",
                if ids.is_empty() {
                    "nothing".into()
                } else {
                    ids.join(", ")
                }
            )));
        };
        let viewer = session
            .user
            .as_ref()
            .and_then(|u| u.title.clone())
            .unwrap_or_else(|| "someone".into());
        let stream = format!("{} for {viewer}", session.title);
        let question = format!("Stop \"{stream}\"?");
        let reason = args
            .reason
            .map_or_else(|| DEFAULT_REASON.to_string(), Text::into_string);
        let act = || async {
            plex.terminate_session(&id, &reason).await.map_err(|e| {
                if matches!(e.kind, ErrorKind::Unauthorized(_)) {
                    ToolError::Local(
                        "Plex refused to stop the stream: ending streams needs a Plex Pass on the \
                         server's owner account."
                            .into(),
                    )
                } else {
                    e.into()
                }
            })
        };
        let answer = self
            .when_confirmed(&peer, args.confirm, question, act)
            .await?;
        Ok(Json(StopStreamOutput {
            stopped: answer == Confirmed::Done,
            preview: answer == Confirmed::Preview,
            declined: answer == Confirmed::Declined,
            stream,
        }))
    }
}

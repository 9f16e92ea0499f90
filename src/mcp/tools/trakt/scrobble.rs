//! `trakt_start_scrobbling`: starts or stops the scrobbler service and can report one item as
//! being watched now.

use crate::mcp::answer::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{
    mcp::{
        args::{Int, Num, PlexId, Text},
        error::ToolError,
        params::Parameters,
        server::PlexMcp,
    },
    services::scrobbler::{self, NowPlaying},
    trakt::api::Scrobble,
};

const DEFAULT_POLL: u64 = 15;

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScrobbleAction {
    // Start watching Plex playback (not doc comments: the values say it).
    #[default]
    Start,
    // Stop the background scrobbler.
    Stop,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Movie,
    Episode,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScrobbleArgs {
    #[schemars(extend("default" = "start"))]
    pub action: Option<ScrobbleAction>,
    #[schemars(extend("default" = 15))]
    pub poll_seconds: Option<Int<1, 300>>,
    /// Plex account id (get_user_stats); 1 is the owner.
    #[schemars(extend("default" = 1))]
    pub account_id: Option<Int<1, { u32::MAX }>>,
    /// Also report this item (ratingKey from search_media) as watching now.
    pub rating_key: Option<PlexId>,
    // The reference server's informational parameters: accepted and checked, not used (Plex
    // says what the item is and how long).
    /// Ignored.
    #[serde(rename = "title")]
    pub _title: Option<Text<0, 500>>,
    /// Ignored.
    #[serde(rename = "type")]
    pub _kind: Option<MediaKind>,
    /// Percent of ratingKey watched.
    pub progress: Option<Num<0, 100>>,
    /// Ignored.
    #[serde(rename = "duration")]
    pub _duration: Option<u64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScrobbleOutput {
    pub running: bool,
    /// Whether this call changed anything (started or stopped the watcher).
    pub changed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_seconds: Option<u64>,
    /// The item reported with ratingKey, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scrobbled: Option<NowPlaying>,
    pub message: String,
}

#[tool_router(router = trakt_scrobble_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Report Plex playback to Trakt as it happens (a stop at 80 % or more records a play) until action: \
stop or exit; state in trakt_get_sync_status. Needs a Trakt sign-in.",
        annotations(
            title = "Trakt Start Scrobbling",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn trakt_start_scrobbling(
        &self,
        Parameters(args): Parameters<ScrobbleArgs>,
    ) -> Result<Json<ScrobbleOutput>, ToolError> {
        let scrobbler = &self.ctx.jobs.scrobbler;
        if let ScrobbleAction::Stop = args.action.unwrap_or_default() {
            let changed = scrobbler.stop();
            return Ok(Json(ScrobbleOutput {
                running: false,
                changed,
                poll_seconds: None,
                scrobbled: None,
                message: if changed {
                    "Stopped scrobbling Plex playback to Trakt.".into()
                } else {
                    "The scrobbler was not running.".into()
                },
            }));
        }
        let trakt = self.signed_in_trakt().await?;
        let progress = args.progress.map_or(0.0, Num::get);
        let scrobbled = match &args.rating_key {
            Some(rk) => {
                let what = scrobbler::resolve(&self.ctx.plex, rk).await?;
                what.send(trakt, Scrobble::Start, progress).await?;
                Some(NowPlaying {
                    title: what.title,
                    state: "playing".into(),
                    progress,
                })
            }
            None => None,
        };
        let poll_seconds = args
            .poll_seconds
            .map_or(DEFAULT_POLL, |s| u64::from(s.get()));
        let account = args.account_id.map_or(1, Int::get).to_string();
        let (changed, poll_seconds) = scrobbler.start(
            self.ctx.plex.clone(),
            trakt.clone(),
            self.ctx.store.clone(),
            account,
            poll_seconds,
        );
        Ok(Json(ScrobbleOutput {
            running: true,
            changed,
            poll_seconds: Some(poll_seconds),
            scrobbled,
            message: if changed {
                format!(
                    "Scrobbling Plex playback to Trakt, checking every {poll_seconds} s. Call with action: stop to end it."
                )
            } else {
                "The scrobbler was already running; nothing changed.".into()
            },
        }))
    }
}

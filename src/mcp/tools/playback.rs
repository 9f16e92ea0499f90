//! What plays where: the players, starting media on one, the remote control, and ending a
//! stream (anyone's) with a message the viewer sees. The work is in `services::playback`.

use crate::mcp::answer::Json;
use rmcp::{Peer, RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{NoArgs, confirm::Confirmed};
use crate::backend::ErrorKind;
use crate::mcp::args::{Int, PlexId, Text};
use crate::mcp::{error::ToolError, params::Parameters, server::PlexMcp};
use crate::services::playback::{self, Action, Player, Playing, Route, Start};
use crate::time::minutes;

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlayersOutput {
    /// Controllable ones first.
    pub players: Vec<PlayerRow>,
    /// Sources that could not be read: their players may be missing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlayerRow {
    pub name: String,
    /// Machine identifier: play_media and control_playback take it or the name.
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    pub controllable: bool,
    /// Why it cannot be controlled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why_not: Option<String>,
    /// control_playback actions it accepts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playing: Option<NowPlaying>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NowPlaying {
    pub title: String,
    pub rating_key: String,
    /// playing, paused or buffering.
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<i64>,
    /// Account watching.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

impl From<Playing> for NowPlaying {
    fn from(p: Playing) -> Self {
        NowPlaying {
            title: p.title,
            rating_key: p.rating_key,
            state: p.state,
            position_minutes: p.offset_ms.map(minutes),
            duration_minutes: p.duration_ms.map(minutes),
            user: p.user,
        }
    }
}

impl From<Player> for PlayerRow {
    fn from(p: Player) -> Self {
        PlayerRow {
            actions: if p.controllable() {
                Action::ALL
                    .into_iter()
                    .filter(|a| p.supports(*a))
                    .map(Action::name)
                    .collect()
            } else {
                Vec::new()
            },
            controllable: p.controllable(),
            name: p.name,
            id: p.id,
            product: p.product,
            platform: p.platform,
            why_not: p.why_not,
            playing: p.playing.map(NowPlaying::from),
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PlayMediaArgs {
    /// From search_media: a movie, episode, show (plays its next episode), season or music.
    pub rating_key: PlexId,
    /// Player name (loose: "living room") or id from get_players.
    pub player: Text<1, 200>,
    /// Start this many seconds in.
    pub offset_seconds: Option<Int<0, 86_400>>,
    /// true: start where the user stopped last time.
    pub resume: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlayMediaOutput {
    /// The server shows the player playing it.
    pub started: bool,
    pub player: String,
    /// What was started (the next episode when a show was asked for).
    pub title: String,
    pub rating_key: String,
    pub from_minute: i64,
    /// direct, or server (relayed by the Plex server).
    pub via: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ControlArgs {
    /// Player name (loose) or id from get_players.
    pub player: Text<1, 200>,
    pub action: Action,
    /// seek: 1:05:30, 95 (s) or +30/-10; volume: 0-100; audio/subtitle_stream: language, stream
    /// id, or off.
    pub value: Option<Text<1, 100>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ControlOutput {
    pub player: String,
    pub action: &'static str,
    /// direct, or server (relayed by the Plex server).
    pub via: &'static str,
    /// The server shows the effect; absent when it cannot (volume, streams).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<bool>,
    /// What it plays now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playing: Option<NowPlaying>,
}

fn via(route: &Route) -> (&'static str, Option<String>) {
    match route {
        Route::Direct => ("direct", None),
        Route::Server {
            direct_failed: None,
        } => ("server", None),
        Route::Server {
            direct_failed: Some(why),
        } => (
            "server",
            Some(format!(
                "The player did not take it directly ({why}); the server relayed it."
            )),
        ),
    }
}

#[tool_router(router = playback_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "The players (TVs, phones, apps) that could play: what each plays now, whether play_media and control_playback can drive it and which actions it accepts, or why not. get_active_sessions: the streams instead.",
        annotations(title = "Players", read_only_hint = true, open_world_hint = true)
    )]
    pub async fn get_players(
        &self,
        Parameters(_): Parameters<NoArgs>,
    ) -> Result<Json<PlayersOutput>, ToolError> {
        let found = playback::players(&self.ctx.plex).await?;
        Ok(Json(PlayersOutput {
            players: found.players.into_iter().map(PlayerRow::from).collect(),
            warnings: found.warnings,
        }))
    }
}

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
        description = "Start an item on a player (a show starts at its next episode), from the start, offsetSeconds in, or where the user stopped (resume); waits until the server shows it playing. Needs writes enabled.",
        annotations(
            title = "Play Media",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn play_media(
        &self,
        Parameters(args): Parameters<PlayMediaArgs>,
    ) -> Result<Json<PlayMediaOutput>, ToolError> {
        let start = match (args.offset_seconds, args.resume) {
            (Some(_), Some(true)) => {
                return Err(ToolError::invalid(
                    "resume",
                    "give offsetSeconds or resume: true, not both",
                ));
            }
            (Some(s), _) => Start::At(std::time::Duration::from_secs(s.get().into())),
            (None, Some(true)) => Start::Resume,
            (None, _) => Start::Beginning,
        };
        let plex = &self.ctx.plex;
        let (item, players) =
            futures::join!(self.fetch_item(&args.rating_key), playback::players(plex));
        let (item, players) = (item?, players?);
        let player = playback::resolve(&players.players, &args.player)?;
        let wait = self.ctx.config.play_wait;
        let started = playback::play(plex, player, &item, start, wait).await?;
        let (via, mut note) = via(&started.route);
        let title = match &started.playing {
            Some(p) => p.title.clone(),
            None if started.rating_key == item.rating_key => item.title.clone(),
            None => format!("{} (ratingKey {})", item.title, started.rating_key),
        };
        if started.playing.is_none() {
            note = Some(format!(
                "{} accepted the command but the server shows nothing playing on it after {} s: the                  app may be closed, asleep or showing a prompt. Check the screen, then call                  get_players.",
                player.name,
                wait.as_secs()
            ));
        }
        Ok(Json(PlayMediaOutput {
            started: started.playing.is_some(),
            player: player.name.clone(),
            title,
            rating_key: started.rating_key,
            from_minute: minutes(started.offset_ms),
            via,
            note,
        }))
    }

    #[tool(
        description = "Remote control for a player; says whether the server shows the effect. get_players lists \
what each player accepts. Needs writes enabled.",
        annotations(
            title = "Control Playback",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn control_playback(
        &self,
        Parameters(args): Parameters<ControlArgs>,
    ) -> Result<Json<ControlOutput>, ToolError> {
        let plex = &self.ctx.plex;
        let players = playback::players(plex).await?;
        let player = playback::resolve(&players.players, &args.player)?;
        let action = args.action;
        let done = playback::control(plex, player, action, args.value.as_deref()).await?;
        Ok(Json(ControlOutput {
            player: player.name.clone(),
            action: action.name(),
            via: via(&done.route).0,
            confirmed: done.confirmed,
            playing: done.playing.map(NowPlaying::from),
        }))
    }

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

//! Real scrobbling: a background task that polls Plex's playback sessions and tells Trakt when
//! the user starts, pauses and stops watching (`trakt_start_scrobbling`).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use rmcp::{Json, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::mcp::args::{Int, Num, PlexId, Text};
use crate::time::iso;
use crate::{
    mcp::{error::ToolError, params::Parameters, server::PlexMcp},
    trakt::lock,
    trakt::{
        api::Scrobble,
        models::{Ids, ScrobbleBody, ScrobbleEpisode, ScrobbleMedia},
    },
};

const DEFAULT_POLL: u64 = 15;
const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The scrobbler, when one runs.
#[derive(Default)]
pub struct ScrobblerSlot(Mutex<Option<Running>>);

struct Running {
    cancel: CancellationToken,
    shared: Arc<Mutex<Shared>>,
}

#[derive(Default)]
struct Shared {
    since: i64,
    poll_seconds: u64,
    sent: u64,
    now_playing: Vec<NowPlaying>,
    last_error: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NowPlaying {
    pub title: String,
    /// `playing` or `paused`.
    pub state: String,
    pub progress: f64,
}

#[derive(Debug, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScrobblerStatus {
    pub running: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_seconds: Option<u64>,
    /// Scrobbles (start, pause, stop) sent to Trakt since it started.
    pub scrobbles_sent: u64,
    pub now_playing: Vec<NowPlaying>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl ScrobblerSlot {
    pub fn status(&self) -> ScrobblerStatus {
        let slot = lock(&self.0);
        let Some(r) = slot.as_ref() else {
            return ScrobblerStatus::default();
        };
        let s = lock(&r.shared);
        ScrobblerStatus {
            running: true,
            since: Some(iso(s.since)),
            poll_seconds: Some(s.poll_seconds),
            scrobbles_sent: s.sent,
            now_playing: s.now_playing.clone(),
            last_error: s.last_error.clone(),
        }
    }

    fn stop(&self) -> bool {
        match lock(&self.0).take() {
            Some(r) => {
                r.cancel.cancel();
                true
            }
            None => false,
        }
    }
}

impl Drop for ScrobblerSlot {
    fn drop(&mut self) {
        self.stop();
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScrobbleAction {
    /// Start watching Plex playback (default).
    #[default]
    Start,
    /// Stop the background scrobbler.
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
    /// `start` (default) runs the playback watcher; `stop` ends it.
    pub action: Option<ScrobbleAction>,
    /// Seconds between polls of Plex's sessions, 1-300 (default 15).
    pub poll_seconds: Option<Int<1, 300>>,
    /// Whose playback to scrobble (default 1, the server owner).
    pub account_id: Option<Int<1, { u32::MAX }>>,
    /// Optionally also report one item as being watched right now: its Plex ratingKey.
    pub rating_key: Option<PlexId>,
    /// Title of that item (informational; the ids come from Plex).
    pub title: Option<Text<0, 500>>,
    /// Kind of that item (informational; Plex says what it is).
    #[serde(rename = "type")]
    pub kind: Option<MediaKind>,
    /// Percent watched of that item, 0-100 (default 0).
    pub progress: Option<Num<0, 100>>,
    /// Length in ms (informational).
    pub duration: Option<u64>,
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

/// What a Plex item is on Trakt, ready for a scrobble body.
#[derive(Clone)]
struct Scrobblable {
    title: String,
    movie: Option<ScrobbleMedia>,
    show: Option<ScrobbleMedia>,
    episode: Option<ScrobbleEpisode>,
}

impl Scrobblable {
    fn body(&self, progress: f64) -> ScrobbleBody {
        ScrobbleBody {
            movie: self.movie.clone(),
            show: self.show.clone(),
            episode: self.episode.clone(),
            progress: (progress * 100.0).round() / 100.0,
            app_version: APP_VERSION,
        }
    }
}

/// Looks up the Trakt identity of a Plex movie or episode (the episode by its show's ids).
async fn resolve(mcp: &PlexMcp, rating_key: &str) -> Result<Scrobblable, ToolError> {
    let item = mcp.fetch_item(rating_key).await?;
    match item.kind.as_str() {
        "movie" => {
            let ids = Ids::from(item.external_ids());
            if ids.is_empty() {
                return Err(ToolError::NotFound(format!(
                    "{} has no IMDb/TMDB/TVDB id in Plex, so Trakt cannot match it (refresh its metadata in Plex).",
                    item.title
                )));
            }
            Ok(Scrobblable {
                title: item.title.clone(),
                movie: Some(ScrobbleMedia {
                    ids,
                    title: item.title,
                    year: item.year,
                }),
                show: None,
                episode: None,
            })
        }
        "episode" => {
            let (Some(show_key), Some(season), Some(number)) =
                (&item.grandparent_rating_key, item.parent_index, item.index)
            else {
                return Err(ToolError::NotFound(format!(
                    "Episode {} lacks its show or numbers in Plex.",
                    item.title
                )));
            };
            let show = mcp.fetch_item(show_key).await?;
            let ids = Ids::from(show.external_ids());
            if ids.is_empty() {
                return Err(ToolError::NotFound(format!(
                    "{} has no IMDb/TMDB/TVDB id in Plex, so Trakt cannot match it.",
                    show.title
                )));
            }
            Ok(Scrobblable {
                title: format!("{} S{season:02}E{number:02}", show.title),
                movie: None,
                show: Some(ScrobbleMedia {
                    ids,
                    title: show.title,
                    year: show.year,
                }),
                episode: Some(ScrobbleEpisode { season, number }),
            })
        }
        other => Err(ToolError::invalid(
            "ratingKey",
            format!("only movies and episodes can be scrobbled (this is a {other})"),
        )),
    }
}

async fn send(
    mcp: &PlexMcp,
    action: Scrobble,
    what: &Scrobblable,
    progress: f64,
) -> Result<(), ToolError> {
    Ok(mcp.trakt()?.scrobble(action, &what.body(progress)).await?)
}

struct Tracked {
    /// What the session plays on Trakt, or why it cannot be scrobbled (not looked up again).
    what: Result<Scrobblable, String>,
    playing: bool,
    progress: f64,
}

/// One poll: compare Plex's sessions with what is tracked and tell Trakt what changed. A failure
/// for one session is recorded and the others go on; only failing to read Plex ends the poll.
async fn poll(
    mcp: &PlexMcp,
    account: &str,
    tracked: &mut HashMap<String, Tracked>,
    shared: &Mutex<Shared>,
) -> Result<Option<String>, ToolError> {
    let plex = &mcp.ctx.plex;
    let sessions = plex.sessions().await?;
    let mut present = Vec::new();
    let mut problem = None;
    let mut changes: Vec<(Scrobble, Scrobblable, f64)> = Vec::new();
    for s in sessions {
        let mine = s
            .user
            .as_ref()
            .and_then(|u| u.id.as_deref())
            .is_some_and(|id| id == account);
        let Some(key) = s.session_key.clone().filter(|_| mine) else {
            continue;
        };
        if !matches!(s.kind.as_str(), "movie" | "episode") {
            continue;
        }
        let progress = match (s.view_offset, s.duration) {
            (Some(o), Some(d)) if d > 0 => (o as f64 / d as f64 * 100.0).clamp(0.0, 100.0),
            _ => 0.0,
        };
        let playing = s
            .player
            .as_ref()
            .and_then(|p| p.state.as_deref())
            .is_none_or(|st| st != "paused");
        present.push(key.clone());
        let action = if playing {
            Scrobble::Start
        } else {
            Scrobble::Pause
        };
        match tracked.get_mut(&key) {
            Some(t) => {
                t.progress = progress;
                if t.playing != playing {
                    t.playing = playing;
                    changes.extend(t.what.clone().ok().map(|w| (action, w, progress)));
                }
            }
            None => {
                let what = resolve(mcp, &s.rating_key).await.map_err(|e| e.to_string());
                changes.extend(what.clone().ok().map(|w| (action, w, progress)));
                tracked.insert(
                    key,
                    Tracked {
                        what,
                        playing,
                        progress,
                    },
                );
            }
        }
    }
    let ended: Vec<String> = tracked
        .keys()
        .filter(|k| !present.contains(k))
        .cloned()
        .collect();
    for key in ended {
        // Trakt marks the item watched when the stop comes at 80 % or more.
        if let Some(Tracked {
            what: Ok(what),
            progress,
            ..
        }) = tracked.remove(&key)
        {
            changes.push((Scrobble::Stop, what, progress));
        }
    }
    for (action, what, progress) in changes {
        match send(mcp, action, &what, progress).await {
            Ok(()) => lock(shared).sent += 1,
            Err(e) => problem = Some(e.to_string()),
        }
    }
    lock(shared).now_playing = tracked
        .values()
        .filter_map(|t| {
            Some(NowPlaying {
                title: t.what.as_ref().ok()?.title.clone(),
                state: if t.playing { "playing" } else { "paused" }.into(),
                progress: (t.progress * 10.0).round() / 10.0,
            })
        })
        .collect();
    // An item that cannot be scrobbled stays reported while it plays.
    Ok(problem.or_else(|| {
        tracked
            .values()
            .find_map(|t| t.what.as_ref().err().cloned())
    }))
}

async fn watch(
    mcp: PlexMcp,
    account: String,
    every: Duration,
    cancel: CancellationToken,
    shared: Arc<Mutex<Shared>>,
) {
    let mut tracked = HashMap::new();
    loop {
        let problem = match poll(&mcp, &account, &mut tracked, &shared).await {
            Ok(problem) => problem,
            Err(e) => Some(e.to_string()),
        };
        if let Some(p) = &problem {
            tracing::warn!("scrobbler: {p}");
        }
        lock(&shared).last_error = problem;
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

#[tool_router(router = trakt_scrobble_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Scrobble Plex playback to Trakt in real time: starts a background watcher that polls Plex's \
sessions every pollSeconds and sends Trakt start, pause and stop (with progress; Trakt records a play when stopped \
at 80 % or more) for the account's movies and episodes. `action: stop` ends it; trakt_get_sync_status shows it. \
With ratingKey it also reports that item as being watched now at `progress`. Runs until stopped or the server \
exits. Needs a Trakt sign-in.",
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
        let slot = &self.ctx.trakt_jobs.scrobbler;
        if let ScrobbleAction::Stop = args.action.unwrap_or_default() {
            let changed = slot.stop();
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
        self.signed_in_trakt().await?;
        let progress = args.progress.map_or(0.0, Num::get);
        let scrobbled = match &args.rating_key {
            Some(rk) => {
                // fetch_item checks the key and says when there is no such item.
                let what = resolve(self, rk).await?;
                send(self, Scrobble::Start, &what, progress).await?;
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
        let mut running = lock(&slot.0);
        let changed = running.is_none();
        let poll_seconds = match running.as_ref() {
            Some(r) => lock(&r.shared).poll_seconds,
            None => {
                let cancel = CancellationToken::new();
                let shared = Arc::new(Mutex::new(Shared {
                    since: chrono::Utc::now().timestamp(),
                    poll_seconds,
                    ..Default::default()
                }));
                tokio::spawn(watch(
                    self.clone(),
                    account,
                    Duration::from_secs(poll_seconds),
                    cancel.clone(),
                    shared.clone(),
                ));
                *running = Some(Running { cancel, shared });
                poll_seconds
            }
        };
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

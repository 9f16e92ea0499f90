//! Watch history and what is playing now.
//!
//! Plex's history rows carry only ids (item, account, device) and a timestamp, so the rows are
//! joined with `/accounts`, `/devices` and the items' metadata (fetched in batches) to give the
//! names, years and durations a person expects.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use crate::mcp::answer::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ItemHeader, Window};
use super::{NoArgs, PAGE, preview, progress};
use crate::mcp::args::{Int, OrDefault, PlexId, When};
use crate::plex::api::HistoryFilter;
use crate::services::analytics;
use crate::time::{Iso, minutes};
use crate::{
    mcp::{error::ToolError, params::Parameters, server::PlexMcp},
    plex::models::{HistoryRow, Item},
};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum HistoryMediaType {
    Movie,
    // Episodes of shows: history records episodes, never whole shows.
    Show,
    Episode,
    #[default]
    All,
}

impl HistoryMediaType {
    fn keeps(self, kind: &str) -> bool {
        match self {
            HistoryMediaType::All => true,
            HistoryMediaType::Movie => kind == "movie",
            HistoryMediaType::Show | HistoryMediaType::Episode => kind == "episode",
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WatchHistoryArgs {
    #[schemars(extend("default" = 30))]
    pub limit: Option<Int<1, 10000>>,
    /// Account id from get_user_stats.
    pub user_id: Option<PlexId>,
    #[schemars(extend("default" = "all"))]
    pub media_type: Option<HistoryMediaType>,
    /// From this date or date-time (inclusive).
    pub since: Option<When>,
    /// Before this date or date-time (exclusive).
    pub until: Option<When>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RecentlyWatchedArgs {
    #[schemars(extend("default" = 30))]
    pub limit: Option<Int<1, 10000>>,
    #[schemars(extend("default" = "all"))]
    pub media_type: Option<HistoryMediaType>,
    /// From this date or date-time (inclusive).
    pub since: Option<When>,
    /// Before this date or date-time (exclusive).
    pub until: Option<When>,
}

/// One play.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Play {
    #[serde(flatten)]
    pub item: ItemHeader,
    pub viewed_at: Iso,
    /// Account name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Device (player) name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<i64>,
    /// Library name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub library: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WatchHistoryOutput {
    pub watch_history: Vec<Play>,
    /// Plays returned.
    pub total_sessions: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecentlyWatchedOutput {
    pub recently_watched: Vec<Play>,
    pub total_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more: Option<String>,
    pub note: &'static str,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SessionPlayer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// playing, paused or buffering.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SessionLocation {
    /// lan or wan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionTranscode {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_decision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_decision: Option<String>,
    /// Why, in plain words, from the source file and what the player gets.
    pub reasons: Vec<String>,
    /// hardware, partly hardware, or software.
    pub done_in: &'static str,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionMedia {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_resolution: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_codec: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_codec: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActiveSession {
    pub rating_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_key: Option<String>,
    /// What stop_stream takes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grandparent_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<i64>,
    /// Position reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view_offset_minutes: Option<i64>,
    /// Percent played.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<u8>,
    /// Account name of the viewer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub player: Option<SessionPlayer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionLocation>,
    /// Present only while Plex transcodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcode: Option<SessionTranscode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<SessionMedia>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActiveSessionsOutput {
    pub active_sessions: Vec<ActiveSession>,
    pub session_count: usize,
}

#[tool_router(router = history_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Plays, newest first: item, account, device, library. Filter by account, type and window (\"last \
month\" is one call). For totals use get_watch_stats.",
        annotations(
            title = "Watch History",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_watch_history(
        &self,
        Parameters(args): Parameters<WatchHistoryArgs>,
    ) -> Result<Json<WatchHistoryOutput>, ToolError> {
        let limit = args.limit.value_or(PAGE);
        let user = args.user_id.map(PlexId::into_string);
        let window = Window::new(None, None, args.since, args.until)?;
        let (plays, more) = self
            .plays(limit, user, args.media_type.unwrap_or_default(), window)
            .await?;
        Ok(Json(WatchHistoryOutput {
            total_sessions: plays.len(),
            more,
            watch_history: plays,
        }))
    }

    #[tool(
        description = "The latest plays on the server, all accounts, newest first. To filter by account use \
get_watch_history.",
        annotations(
            title = "Recently Watched",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_recently_watched(
        &self,
        Parameters(args): Parameters<RecentlyWatchedArgs>,
    ) -> Result<Json<RecentlyWatchedOutput>, ToolError> {
        let limit = args.limit.value_or(PAGE);
        let (plays, more) = self
            .plays(
                limit,
                None,
                args.media_type.unwrap_or_default(),
                Window::new(None, None, args.since, args.until)?,
            )
            .await?;
        Ok(Json(RecentlyWatchedOutput {
            total_count: plays.len(),
            more,
            recently_watched: plays,
            note: "Retrieved from watch history data",
        }))
    }

    #[tool(
        description = "What is playing now: item, viewer, player and state, progress, LAN or WAN, transcoding. Empty when \
nothing plays.",
        annotations(
            title = "Active Sessions",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_active_sessions(
        &self,
        _args: Parameters<NoArgs>,
    ) -> Result<Json<ActiveSessionsOutput>, ToolError> {
        let plex = &self.ctx.plex;
        let sessions = plex.sessions().await?;
        // The source files of what is transcoded: the sessions describe only the output.
        let transcoded: Vec<String> = sessions
            .iter()
            .filter(|s| s.transcode_session.is_some())
            .map(|s| s.rating_key.clone())
            .collect();
        let sources = plex
            .metadata_batch::<Item>(&transcoded, &[])
            .await
            .unwrap_or_default();
        let active_sessions: Vec<ActiveSession> = sessions
            .into_iter()
            .map(|s| ActiveSession {
                session_id: s.session.as_ref().and_then(|l| l.id.clone()),
                progress: progress(s.view_offset, s.duration),
                summary: preview(&s.summary),
                user: s.user.and_then(|u| u.title),
                player: s.player.map(|p| SessionPlayer {
                    title: p.title,
                    state: p.state,
                    platform: p.platform,
                }),
                session: s.session.as_ref().map(|l| SessionLocation {
                    location: l.location.clone(),
                }),
                transcode: s.transcode_session.map(|t| {
                    let source = sources.iter().find(|i| i.rating_key == s.rating_key);
                    let location = s.session.as_ref().and_then(|l| l.location.as_deref());
                    let (reasons, done_in) = super::transcode::explain(&t, source, location);
                    SessionTranscode {
                        video_decision: t.video_decision,
                        audio_decision: t.audio_decision,
                        reasons,
                        done_in,
                    }
                }),
                media: s.media.into_iter().next().map(|m| SessionMedia {
                    video_resolution: m.video_resolution,
                    video_codec: m.video_codec,
                    audio_codec: m.audio_codec,
                }),
                rating_key: s.rating_key,
                session_key: s.session_key,
                title: s.title,
                kind: s.kind,
                grandparent_title: s.grandparent_title,
                parent_title: s.parent_title,
                duration_minutes: s.duration.map(minutes),
                view_offset_minutes: s.view_offset.map(minutes),
            })
            .collect();
        Ok(Json(ActiveSessionsOutput {
            session_count: active_sessions.len(),
            active_sessions,
        }))
    }
}

impl PlexMcp {
    /// The newest `limit` plays in `window` matching `media`, joined with account, device and
    /// item details.
    async fn plays(
        &self,
        limit: usize,
        user: Option<String>,
        media: HistoryMediaType,
        window: Window,
    ) -> Result<(Vec<Play>, Option<String>), ToolError> {
        let plex = &self.ctx.plex;
        let filter = HistoryFilter {
            account: user,
            since: window.from,
            until: window.until,
            ..Default::default()
        };
        let how = |_| "raise limit (up to 10000) or narrow since/until".to_string();
        let (rows, more): (Vec<HistoryRow<'static>>, _) = if media == HistoryMediaType::All {
            let page = plex.history(&filter, limit).await?;
            let more = super::more(page.total, page.items.len(), how);
            (page.items, more)
        } else {
            // History cannot be filtered by type on the server, so page until enough match.
            let mut kept = Vec::new();
            let mut start = 0;
            let exhausted = loop {
                let page = plex.history_page(&filter, start).await?;
                let n = page.items.len();
                kept.extend(page.items.into_iter().filter(|r| media.keeps(&r.kind)));
                start += n;
                let exhausted = n == 0 || page.total.is_some_and(|t| start >= t);
                if kept.len() >= limit || exhausted {
                    break exhausted;
                }
            };
            let more = (kept.len() > limit || !exhausted)
                .then(|| format!("more plays may match; {}", how(0)));
            kept.truncate(limit);
            (kept, more)
        };
        let keys: Vec<String> = {
            let mut seen = HashSet::new();
            rows.iter()
                .filter(|r| seen.insert(&*r.rating_key))
                .map(|r| r.rating_key.to_string())
                .collect()
        };
        let (names, items) = tokio::join!(
            analytics::names(&self.ctx.plex),
            plex.metadata_batch::<Item>(&keys, &[])
        );
        let items: HashMap<String, Item> = items?
            .into_iter()
            .map(|it| (it.rating_key.clone(), it))
            .collect();
        let plays = rows
            .into_iter()
            .map(|r| {
                let item = items.get(&*r.rating_key);
                let device = r.device_id.and_then(|d| names.devices.get(&d));
                Play {
                    item: ItemHeader::new(
                        r.rating_key.into_owned(),
                        r.title.into_owned(),
                        r.kind.into_owned(),
                        r.grandparent_title.map(Cow::into_owned),
                        (r.parent_index, r.index),
                        item.and_then(|i| i.year),
                    ),
                    duration_minutes: item.and_then(|i| i.duration).map(minutes),
                    library: item.and_then(|i| i.library_section_title.clone()),
                    user: r.account_id.and_then(|a| names.accounts.get(&a).cloned()),
                    user_id: r.account_id.map(|a| a.to_string()),
                    device: device.map(|d| d.0.clone()),
                    platform: device.and_then(|d| d.1.clone()),
                    viewed_at: Iso::unix(r.viewed_at),
                }
            })
            .collect();
        Ok((plays, more))
    }
}

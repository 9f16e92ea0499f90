//! The two syncs and their status: `trakt_sync_to_trakt` (Plex plays → Trakt history, batched,
//! deduplicated against Trakt and resumable through the ledger), `trakt_sync_from_trakt` (the
//! comparison, optionally marking watched in Plex) and `trakt_get_sync_status`.

use std::{
    collections::{HashMap, HashSet, hash_map::DefaultHasher},
    hash::{Hash, Hasher},
    sync::Mutex,
    time::Instant,
};

use futures::StreamExt;
use rmcp::{
    Json, RoleServer, model::ProgressNotificationParam, service::RequestContext, tool, tool_router,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::scrobble::ScrobblerStatus;
use crate::mcp::args::{Int, OrDefault};
use crate::plex::api::HistoryFilter;
use crate::time::iso;
use crate::{
    mcp::{error::ToolError, params::Parameters, server::PlexMcp, tools::NoArgs},
    plex::{
        client::PAGE_CONCURRENCY,
        models::{GuidRef, HistoryRow, external_ids, opt_string_or_number, string_or_number},
    },
    store::LedgerState,
    trakt::api::HistoryKind,
    trakt::lock,
    trakt::models::{
        HistoryEntry, HistoryPost, Ids, PostEpisode, PostMovie, PostSeason, PostShow,
        parse_trakt_time, trakt_time,
    },
};

const DEFAULT_BATCH: usize = 500;
/// Titles listed per category in a result; the counts are always complete.
const TITLES_SHOWN: usize = 50;
const ERRORS_SHOWN: usize = 10;
const DEFAULT_PREVIEW: usize = 100;
/// Plex numbers the server owner's account 1.
const OWNER_ACCOUNT: u32 = 1;

// ---- runtime state ----

/// What the syncs and the scrobbler are doing, for `trakt_get_sync_status`.
#[derive(Default)]
pub struct TraktJobs {
    pub(crate) sync: Mutex<SyncState>,
    pub(crate) scrobbler: super::scrobble::ScrobblerSlot,
}

#[derive(Default)]
pub(crate) struct SyncState {
    running: Option<RunningSync>,
    last: Option<LastSync>,
}

#[derive(Clone)]
struct RunningSync {
    id: String,
    started: i64,
    phase: &'static str,
    done: usize,
    total: usize,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LastSync {
    pub sync_id: String,
    pub finished_at: String,
    pub dry_run: bool,
    pub added: u64,
    pub already_on_trakt: usize,
    pub failed: usize,
}

/// Marks the sync finished however the tool call ends (an error, a cancelled request).
struct SyncGuard<'a>(&'a Mutex<SyncState>);

impl Drop for SyncGuard<'_> {
    fn drop(&mut self) {
        lock(self.0).running = None;
    }
}

// ---- arguments and results ----

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    /// One Trakt history entry per Plex play, at its date.
    #[default]
    Plays,
    /// One entry per watched item, at its last view.
    Items,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SyncToArgs {
    /// Count what would be sent without sending anything (default false).
    pub dry_run: Option<bool>,
    /// Plays per Trakt request, 1-1000 (default 500).
    pub batch_size: Option<Int<1, 1000>>,
    /// Accepted for compatibility; progress is reported as MCP progress notifications whenever the
    /// client asks for them.
    pub include_progress: Option<bool>,
    /// `plays` (default): every play with its own date; `items`: one entry per watched item.
    pub mode: Option<SyncMode>,
    /// Whose Plex plays to send (default 1, the server owner).
    pub account_id: Option<Int<1, { u32::MAX }>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncToOutput {
    pub sync_id: String,
    pub dry_run: bool,
    pub mode: SyncMode,
    /// Plex plays (or watched items) considered.
    pub plex_plays: usize,
    /// Already in the user's Trakt history: not sent again.
    pub already_on_trakt: usize,
    /// Sent by an earlier sync (per the local ledger) though no longer on Trakt: not resent.
    pub already_sent: usize,
    /// Sent (or, in a dry run, that would be sent) in this run.
    pub to_send: usize,
    /// Trakt's count of history entries it added.
    pub added: AddedOut,
    /// Plex items without an IMDb/TMDB/TVDB id (or a show without one), so not sendable.
    pub unmatched: Titled,
    /// Items Trakt did not recognise.
    pub not_found: Titled,
    /// Plays not sent because a request failed; run the sync again to resume.
    pub failed: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// `POST /sync/history` requests made.
    pub batches: usize,
    pub duration_ms: u64,
}

#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct AddedOut {
    pub movies: u64,
    pub episodes: u64,
}

#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct Titled {
    pub count: usize,
    /// Up to 50 titles.
    pub titles: Vec<String>,
}

impl Titled {
    fn push(&mut self, title: impl FnOnce() -> String) {
        self.count += 1;
        if self.titles.len() < TITLES_SHOWN {
            let t = title();
            if !self.titles.contains(&t) {
                self.titles.push(t);
            }
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncFromArgs {
    /// Mark watched in Plex what Trakt has as watched and Plex does not (needs
    /// PLEX_ENABLE_MUTATIVE_OPS=true). Default false: compare only.
    pub apply: Option<bool>,
    /// Movies and shows listed per kind, 1-1000 (default 100); counts are always complete.
    pub limit: Option<Int<1, 1000>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncFromOutput {
    pub trakt_data: TraktData,
    /// Watched on Trakt, in the Plex library, but unwatched in Plex.
    pub missing_in_plex: MissingInPlex,
    /// Set when `apply` was true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied: Option<Applied>,
    pub message: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TraktData {
    pub movies: Listed<WatchedMovieOut>,
    pub shows: Listed<WatchedShowOut>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Listed<T> {
    pub count: usize,
    pub items: Vec<T>,
    pub total_showing: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WatchedMovieOut {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    pub plays: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_watched: Option<String>,
    /// In the Plex library.
    pub in_plex: bool,
    pub watched_in_plex: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WatchedShowOut {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    pub total_episodes: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_watched: Option<String>,
    pub in_plex: bool,
}

#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct MissingInPlex {
    pub movies: usize,
    pub episodes: usize,
}

#[derive(Debug, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    pub marked_watched: usize,
    pub failed: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatusOutput {
    pub sync_in_progress: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_id: Option<String>,
    /// For a running sync: what it is doing and how far it got.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_sync: Option<LastSync>,
    pub scrobbler: ScrobblerStatus,
    pub message: String,
}

// ---- the Plex side ----

/// A library row with just what matching needs.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct SyncItem {
    #[serde(deserialize_with = "string_or_number")]
    rating_key: String,
    title: String,
    year: Option<i32>,
    guid: Option<String>,
    #[serde(rename = "Guid")]
    guids: Vec<GuidRef>,
    view_count: Option<u32>,
    last_viewed_at: Option<i64>,
    #[serde(deserialize_with = "opt_string_or_number")]
    grandparent_rating_key: Option<String>,
    parent_index: Option<u32>,
    index: Option<u32>,
}

impl SyncItem {
    fn ids(&self) -> Ids {
        external_ids(self.guid.as_deref(), &self.guids).into()
    }
}

struct Show {
    title: String,
    year: Option<i32>,
    ids: Ids,
}

/// What a Plex item is on Trakt: a movie, or a show's episode by season and number.
#[derive(Clone)]
enum Target {
    Movie {
        ids: Ids,
        title: String,
        year: Option<i32>,
    },
    Episode {
        show: String,
        season: u32,
        number: u32,
    },
}

struct PlexSide {
    /// ratingKey → what it is on Trakt, or why it cannot be matched (its title).
    targets: HashMap<String, Result<Target, String>>,
    shows: HashMap<String, Show>,
    /// Watched items: ratingKey, view count, last view.
    watched: Vec<(String, u32, i64)>,
}

impl PlexSide {
    fn title(&self, target: &Target) -> String {
        match target {
            Target::Movie { title, year, .. } => match year {
                Some(y) => format!("{title} ({y})"),
                None => title.clone(),
            },
            Target::Episode {
                show,
                season,
                number,
            } => format!(
                "{} S{season:02}E{number:02}",
                self.shows.get(show).map_or("?", |s| s.title.as_str())
            ),
        }
    }

    /// The item's identity on Trakt, with every id it has (so either side's choice matches).
    fn identities(&self, target: &Target) -> Vec<String> {
        match target {
            Target::Movie { ids, .. } => ids.keys().map(|k| format!("m:{k}")).collect(),
            Target::Episode {
                show,
                season,
                number,
            } => self
                .shows
                .get(show)
                .map(|s| {
                    s.ids
                        .keys()
                        .map(|k| format!("e:{k}:{season}x{number}"))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

fn fingerprint(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// What is already on Trakt: fingerprints of `identity` (any play) and `identity@time` (that play).
#[derive(Default)]
struct TraktHistory(HashSet<u64>);

impl TraktHistory {
    fn add(&mut self, identities: impl Iterator<Item = String>, watched_at: Option<i64>) {
        for id in identities {
            self.0.insert(fingerprint(&id));
            if let Some(t) = watched_at {
                self.0.insert(fingerprint(&format!("{id}@{t}")));
            }
        }
    }

    fn add_entries(&mut self, rows: &[HistoryEntry]) {
        for e in rows {
            let at = parse_trakt_time(&e.watched_at);
            match (&e.movie, &e.show, &e.episode) {
                (Some(m), _, _) => self.add(m.ids.keys().map(|k| format!("m:{k}")), at),
                (None, Some(s), Some(ep)) => self.add(
                    s.ids
                        .keys()
                        .map(|k| format!("e:{k}:{}x{}", ep.season, ep.number)),
                    at,
                ),
                _ => {}
            }
        }
    }

    fn has(&self, identities: &[String], watched_at: Option<i64>) -> bool {
        identities.iter().any(|id| match watched_at {
            Some(t) => self.0.contains(&fingerprint(&format!("{id}@{t}"))),
            None => self.0.contains(&fingerprint(id)),
        })
    }
}

/// One play to send.
struct Outgoing {
    target: Target,
    watched_at: i64,
    /// Ledger key: the primary identity and the time.
    key: String,
}

impl PlexMcp {
    /// Every movie and episode of every library, with ids and the owner's view state.
    async fn plex_side(&self) -> Result<PlexSide, ToolError> {
        let plex = &self.ctx.plex;
        let sections = plex.sections().await?;
        let mut reads = Vec::new();
        for s in &sections {
            match s.kind.as_str() {
                "movie" => reads.push((s.key.clone(), 1u8)),
                "show" => {
                    reads.push((s.key.clone(), 2));
                    reads.push((s.key.clone(), 4));
                }
                _ => {}
            }
        }
        let lists = futures::stream::iter(reads)
            .map(|(key, kind)| async move {
                let q = [
                    ("type", kind.to_string()),
                    ("includeGuids", "1".to_string()),
                ];
                plex.section_all::<SyncItem>(&key, &q)
                    .await
                    .map(|items| (kind, items))
            })
            .buffered(PAGE_CONCURRENCY)
            .collect::<Vec<_>>()
            .await;
        let mut side = PlexSide {
            targets: HashMap::new(),
            shows: HashMap::new(),
            watched: Vec::new(),
        };
        let mut episodes = Vec::new();
        for list in lists {
            let (kind, items) = list?;
            for it in items {
                match kind {
                    2 => {
                        let ids = it.ids();
                        side.shows.insert(
                            it.rating_key,
                            Show {
                                title: it.title,
                                year: it.year,
                                ids,
                            },
                        );
                    }
                    4 => episodes.push(it),
                    _ => {
                        if let Some(n) = it.view_count.filter(|n| *n > 0) {
                            side.watched.push((
                                it.rating_key.clone(),
                                n,
                                it.last_viewed_at.unwrap_or(0),
                            ));
                        }
                        let ids = it.ids();
                        let target = if ids.is_empty() {
                            Err(movie_title(&it))
                        } else {
                            Ok(Target::Movie {
                                ids,
                                title: it.title,
                                year: it.year,
                            })
                        };
                        side.targets.insert(it.rating_key, target);
                    }
                }
            }
        }
        for it in episodes {
            if let Some(n) = it.view_count.filter(|n| *n > 0) {
                side.watched
                    .push((it.rating_key.clone(), n, it.last_viewed_at.unwrap_or(0)));
            }
            let show = it
                .grandparent_rating_key
                .clone()
                .filter(|k| side.shows.get(k).is_some_and(|s| !s.ids.is_empty()));
            // Specials are season 0 on Plex and on Trakt alike.
            let target = match (show, it.parent_index, it.index) {
                (Some(show), Some(season), Some(number)) => Ok(Target::Episode {
                    show,
                    season,
                    number,
                }),
                _ => Err(format!(
                    "{} (episode {})",
                    it.grandparent_rating_key
                        .as_ref()
                        .and_then(|k| side.shows.get(k))
                        .map_or("?", |s| s.title.as_str()),
                    it.title
                )),
            };
            side.targets.insert(it.rating_key, target);
        }
        Ok(side)
    }

    /// Everything already in the user's Trakt history.
    async fn trakt_history(&self) -> Result<TraktHistory, ToolError> {
        let trakt = self.trakt()?;
        let (mut movies, mut episodes) = (TraktHistory::default(), TraktHistory::default());
        tokio::try_join!(
            trakt.history(HistoryKind::Movies, |rows| movies.add_entries(&rows)),
            trakt.history(HistoryKind::Episodes, |rows| episodes.add_entries(&rows))
        )?;
        let mut history = movies;
        history.0.extend(episodes.0);
        Ok(history)
    }

    fn progress(&self, done: usize, total: usize, phase: &'static str) {
        if let Some(r) = lock(&self.ctx.trakt_jobs.sync).running.as_mut() {
            r.done = done;
            r.total = total;
            r.phase = phase;
        }
    }
}

fn movie_title(it: &SyncItem) -> String {
    match it.year {
        Some(y) => format!("{} ({y})", it.title),
        None => it.title.clone(),
    }
}

async fn notify(context: &RequestContext<RoleServer>, done: usize, total: usize, message: String) {
    if let Some(token) = context.meta.get_progress_token() {
        let _ = context
            .peer
            .notify_progress(
                ProgressNotificationParam::new(token, done as f64)
                    .with_total(total as f64)
                    .with_message(message),
            )
            .await;
    }
}

/// One `POST /sync/history` body for a batch: movies, and episodes grouped by show and season.
fn history_post(side: &PlexSide, batch: &[Outgoing]) -> HistoryPost {
    let mut post = HistoryPost::default();
    let mut show_at: HashMap<&str, usize> = HashMap::new();
    for o in batch {
        match &o.target {
            Target::Movie { ids, title, year } => post.movies.push(PostMovie {
                ids: ids.clone(),
                title: title.clone(),
                year: *year,
                watched_at: trakt_time(o.watched_at),
            }),
            Target::Episode {
                show,
                season,
                number,
            } => {
                let i = *show_at.entry(show.as_str()).or_insert_with(|| {
                    let s = &side.shows[show.as_str()];
                    post.shows.push(PostShow {
                        ids: s.ids.clone(),
                        title: s.title.clone(),
                        year: s.year,
                        seasons: Vec::new(),
                    });
                    post.shows.len() - 1
                });
                let seasons = &mut post.shows[i].seasons;
                let episode = PostEpisode {
                    number: *number,
                    watched_at: trakt_time(o.watched_at),
                };
                match seasons.iter_mut().find(|s| s.number == *season) {
                    Some(s) => s.episodes.push(episode),
                    None => seasons.push(PostSeason {
                        number: *season,
                        episodes: vec![episode],
                    }),
                }
            }
        }
    }
    post
}

#[tool_router(router = trakt_sync_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Send Plex watch history to Trakt: every play of every movie and episode in every library \
(mode `plays`, original dates kept) or one entry per watched item (mode `items`), for the server owner unless \
accountId says otherwise. Matches by TMDB, TVDB or IMDb id; skips what Trakt already has and what an earlier run \
sent (a local ledger makes an interrupted sync resume without duplicates). Sends batchSize plays per request at \
Trakt's limit of one write per second, reporting MCP progress. Use dryRun first to see the counts. Needs a Trakt \
sign-in. Writes to Trakt; one sync at a time.",
        annotations(
            title = "Trakt Sync To Trakt",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn trakt_sync_to_trakt(
        &self,
        Parameters(args): Parameters<SyncToArgs>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<SyncToOutput>, ToolError> {
        let trakt = self.signed_in_trakt().await?;
        let batch_size = args.batch_size.value_or(DEFAULT_BATCH);
        let dry_run = args.dry_run.unwrap_or(false);
        let mode = args.mode.unwrap_or_default();
        let account = args.account_id.map_or(OWNER_ACCOUNT, Int::get);
        let started = Instant::now();
        let sync_id = format!("sync_{}", chrono::Utc::now().timestamp_millis());
        {
            let mut state = lock(&self.ctx.trakt_jobs.sync);
            if let Some(r) = &state.running {
                return Err(ToolError::Local(format!(
                    "A Trakt sync ({}) is already running since {}; wait for it to finish \
                     (trakt_get_sync_status shows its progress).",
                    r.id,
                    iso(r.started)
                )));
            }
            state.running = Some(RunningSync {
                id: sync_id.clone(),
                started: chrono::Utc::now().timestamp(),
                phase: "reading Plex",
                done: 0,
                total: 0,
            });
        }
        let _guard = SyncGuard(&self.ctx.trakt_jobs.sync);
        notify(&context, 0, 0, "Reading the Plex libraries".into()).await;
        let side = self.plex_side().await?;

        // The plays to consider, oldest first so an interrupted sync has sent a prefix.
        let mut plays: Vec<(String, i64)> = match mode {
            SyncMode::Items => side
                .watched
                .iter()
                .map(|(k, _, at)| (k.clone(), *at))
                .collect(),
            SyncMode::Plays => {
                self.progress(0, 0, "reading Plex history");
                let plex = &self.ctx.plex;
                let filter = HistoryFilter {
                    account: Some(account.to_string()),
                    oldest_first: true,
                    ..Default::default()
                };
                let mut plays = Vec::new();
                // Played, but no longer in any library: nothing to match on Trakt.
                let mut gone = 0;
                let fold = |rows: Vec<HistoryRow>| {
                    for r in rows {
                        if side.targets.contains_key(&r.rating_key) {
                            plays.push((r.rating_key, r.viewed_at));
                        } else {
                            gone += 1;
                        }
                    }
                };
                plex.history_fold(&filter, fold).await?;
                if gone > 0 {
                    tracing::info!(
                        count = gone,
                        "plays of items no longer in a library were skipped"
                    );
                }
                plays
            }
        };
        plays.sort_by_key(|(_, at)| *at);
        let plex_plays = plays.len();

        self.progress(0, plex_plays, "reading Trakt history");
        notify(&context, 0, plex_plays, "Reading the Trakt history".into()).await;
        let history = self.trakt_history().await?;
        let store = &self.ctx.store;
        let ledger = store.ledger().map_err(ToolError::Local)?;

        let mut out = SyncToOutput {
            sync_id: sync_id.clone(),
            dry_run,
            mode,
            plex_plays,
            already_on_trakt: 0,
            already_sent: 0,
            to_send: 0,
            added: AddedOut::default(),
            unmatched: Titled::default(),
            not_found: Titled::default(),
            failed: 0,
            errors: Vec::new(),
            batches: 0,
            duration_ms: 0,
        };
        let mut outgoing: Vec<Outgoing> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut confirmed: Vec<String> = Vec::new();
        for (rk, at) in plays {
            let target = match &side.targets[&rk] {
                Ok(t) => t.clone(),
                Err(title) => {
                    out.unmatched.push(|| title.clone());
                    continue;
                }
            };
            let identities = side.identities(&target);
            let Some(primary) = identities.first() else {
                out.unmatched.push(|| side.title(&target));
                continue;
            };
            let key = format!("{primary}@{at}");
            if !seen.insert(key.clone()) {
                continue;
            }
            let on_trakt = match mode {
                SyncMode::Plays => history.has(&identities, Some(at)),
                SyncMode::Items => history.has(&identities, None),
            };
            if on_trakt {
                out.already_on_trakt += 1;
                if ledger.get(&key) == Some(&LedgerState::Pending) {
                    confirmed.push(key);
                }
                continue;
            }
            match ledger.get(&key) {
                Some(LedgerState::Sent) => {
                    out.already_sent += 1;
                    continue;
                }
                // Trakt said it does not know the item: asking again would only cost requests.
                Some(LedgerState::NotFound) => {
                    out.not_found.push(|| side.title(&target));
                    continue;
                }
                _ => {}
            }
            outgoing.push(Outgoing {
                target,
                watched_at: at,
                key,
            });
        }
        out.to_send = outgoing.len();
        if !dry_run && !confirmed.is_empty() {
            // An interrupted run's last batch did land: record it.
            store
                .mark(confirmed.iter().map(String::as_str), LedgerState::Sent)
                .map_err(ToolError::Local)?;
        }
        if dry_run {
            out.duration_ms = started.elapsed().as_millis() as u64;
            return Ok(Json(self.finish(out)));
        }

        let total = outgoing.len();
        let batches = outgoing.chunks(batch_size).count();
        let mut done = 0;
        for (n, batch) in outgoing.chunks(batch_size).enumerate() {
            self.progress(done, total, "sending to Trakt");
            store
                .mark(batch.iter().map(|o| o.key.as_str()), LedgerState::Pending)
                .map_err(ToolError::Local)?;
            let body = history_post(&side, batch);
            out.batches += 1;
            match trakt.add_history(&body).await {
                Ok(answer) => {
                    out.added.movies += answer.added.movies;
                    out.added.episodes += answer.added.episodes;
                    let missing: HashSet<String> = answer
                        .not_found
                        .movies
                        .iter()
                        .flat_map(|m| m.ids.keys().map(|k| format!("m:{k}")).collect::<Vec<_>>())
                        .collect();
                    let missing_shows: HashSet<String> = answer
                        .not_found
                        .shows
                        .iter()
                        .flat_map(|s| s.ids.keys().collect::<Vec<_>>())
                        .collect();
                    let (mut sent, mut not_found) = (Vec::new(), Vec::new());
                    for o in batch {
                        let unknown = match &o.target {
                            Target::Movie { .. } => side
                                .identities(&o.target)
                                .iter()
                                .any(|id| missing.contains(id)),
                            Target::Episode { show, .. } => side.shows[show.as_str()]
                                .ids
                                .keys()
                                .any(|k| missing_shows.contains(&k)),
                        };
                        if unknown {
                            out.not_found.push(|| side.title(&o.target));
                            not_found.push(o.key.as_str());
                        } else {
                            sent.push(o.key.as_str());
                        }
                    }
                    store
                        .mark(sent, LedgerState::Sent)
                        .and_then(|()| store.mark(not_found, LedgerState::NotFound))
                        .map_err(ToolError::Local)?;
                }
                Err(e) => {
                    // The rest waits for the next run, which resumes from the ledger.
                    out.failed = total - done;
                    out.errors.push(format!(
                        "Batch {} of {batches} failed, {} plays not sent (run the sync again to resume): {e}",
                        n + 1,
                        out.failed
                    ));
                    break;
                }
            }
            done += batch.len();
            notify(
                &context,
                done,
                total,
                format!(
                    "Sent {done} of {total} plays ({} of {batches} batches)",
                    n + 1
                ),
            )
            .await;
        }
        out.errors.truncate(ERRORS_SHOWN);
        out.duration_ms = started.elapsed().as_millis() as u64;
        Ok(Json(self.finish(out)))
    }

    #[tool(
        description = "Compare the Trakt watch history with Plex: Trakt's watched movies and shows (plays, last \
watched, whether each is in Plex and watched there) and how many Trakt-watched movies and episodes are unwatched in \
Plex. With apply: true (needs PLEX_ENABLE_MUTATIVE_OPS=true) it marks those watched in Plex. Needs a Trakt sign-in. \
For the other direction use trakt_sync_to_trakt.",
        annotations(
            title = "Trakt Sync From Trakt",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn trakt_sync_from_trakt(
        &self,
        Parameters(args): Parameters<SyncFromArgs>,
    ) -> Result<Json<SyncFromOutput>, ToolError> {
        let trakt = self.trakt()?;
        let apply = args.apply.unwrap_or(false);
        if apply && !self.ctx.config.mutative_ops {
            return Err(ToolError::invalid(
                "apply",
                "marking items watched in Plex is a write: set PLEX_ENABLE_MUTATIVE_OPS=true (and do not \
                 pass --read-only), or call without apply to compare only",
            ));
        }
        let limit = args.limit.value_or(DEFAULT_PREVIEW);
        let (movies, shows, side) = tokio::try_join!(
            async { Ok::<_, ToolError>(trakt.watched_movies().await?) },
            async { Ok::<_, ToolError>(trakt.watched_shows().await?) },
            self.plex_side()
        )?;
        // Plex items by Trakt identity, with their view counts.
        let watched: HashMap<&str, u32> = side
            .watched
            .iter()
            .map(|(k, n, _)| (k.as_str(), *n))
            .collect();
        let mut by_identity: HashMap<String, &str> = HashMap::new();
        for (rk, target) in &side.targets {
            if let Ok(t) = target {
                for id in side.identities(t) {
                    by_identity.insert(id, rk);
                }
            }
        }
        let show_ids: HashSet<String> = side.shows.values().flat_map(|s| s.ids.keys()).collect();
        let lookup = |ids: Vec<String>| ids.iter().find_map(|id| by_identity.get(id).copied());
        let mut missing = MissingInPlex::default();
        let mut to_mark: Vec<String> = Vec::new();
        let mut movie_items = Vec::new();
        for m in &movies {
            let Some(media) = &m.movie else { continue };
            let rk = lookup(media.ids.keys().map(|k| format!("m:{k}")).collect());
            let watched_in_plex = rk.is_some_and(|rk| watched.contains_key(rk));
            if let (Some(rk), false) = (rk, watched_in_plex) {
                missing.movies += 1;
                to_mark.push(rk.to_string());
            }
            if movie_items.len() < limit {
                movie_items.push(WatchedMovieOut {
                    title: media.title.clone(),
                    year: media.year,
                    plays: m.plays,
                    last_watched: m.last_watched_at.clone(),
                    in_plex: rk.is_some(),
                    watched_in_plex,
                });
            }
        }
        let mut show_items = Vec::new();
        for s in &shows {
            let Some(media) = &s.show else { continue };
            for season in &s.seasons {
                for ep in &season.episodes {
                    let ids = media
                        .ids
                        .keys()
                        .map(|k| format!("e:{k}:{}x{}", season.number, ep.number))
                        .collect();
                    if let Some(rk) = lookup(ids).filter(|rk| !watched.contains_key(rk)) {
                        missing.episodes += 1;
                        to_mark.push(rk.to_string());
                    }
                }
            }
            if show_items.len() < limit {
                show_items.push(WatchedShowOut {
                    title: media.title.clone(),
                    year: media.year,
                    total_episodes: s.seasons.iter().map(|x| x.episodes.len()).sum(),
                    last_watched: s.last_watched_at.clone(),
                    in_plex: media.ids.keys().any(|k| show_ids.contains(&k)),
                });
            }
        }
        let applied = if apply {
            let results: Vec<Result<(), String>> = futures::stream::iter(to_mark)
                .map(|rk| async move {
                    self.set_watched(&rk, true)
                        .await
                        .map(drop)
                        .map_err(|e| format!("{rk}: {e}"))
                })
                .buffer_unordered(PAGE_CONCURRENCY)
                .collect()
                .await;
            let mut applied = Applied::default();
            for r in results {
                match r {
                    Ok(()) => applied.marked_watched += 1,
                    Err(e) => {
                        applied.failed += 1;
                        if applied.errors.len() < ERRORS_SHOWN {
                            applied.errors.push(e);
                        }
                    }
                }
            }
            Some(applied)
        } else {
            None
        };
        let message = match &applied {
            Some(a) => format!(
                "Marked {} items watched in Plex ({} failed).",
                a.marked_watched, a.failed
            ),
            None => format!(
                "Trakt has {} movies and {} episodes watched that are unwatched in Plex; call with apply: true \
                 to mark them watched in Plex.",
                missing.movies, missing.episodes
            ),
        };
        Ok(Json(SyncFromOutput {
            trakt_data: TraktData {
                movies: Listed {
                    count: movies.len(),
                    total_showing: movie_items.len(),
                    items: movie_items,
                },
                shows: Listed {
                    count: shows.len(),
                    total_showing: show_items.len(),
                    items: show_items,
                },
            },
            missing_in_plex: missing,
            applied,
            message,
        }))
    }

    #[tool(
        description = "What the Trakt jobs are doing: whether a trakt_sync_to_trakt is running (phase and progress), \
the last sync's counts, and the playback scrobbler (running, what it is scrobbling, how many scrobbles sent, last \
error). Local only: no Trakt request.",
        annotations(
            title = "Trakt Get Sync Status",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn trakt_get_sync_status(
        &self,
        Parameters(_): Parameters<NoArgs>,
    ) -> Result<Json<SyncStatusOutput>, ToolError> {
        let (running, last) = {
            let state = lock(&self.ctx.trakt_jobs.sync);
            (state.running.clone(), state.last.clone())
        };
        let scrobbler = self.ctx.trakt_jobs.scrobbler.status();
        let message = match &running {
            Some(r) => format!("Sync in progress: {} ({} of {}).", r.phase, r.done, r.total),
            None => "No active sync.".into(),
        };
        Ok(Json(SyncStatusOutput {
            sync_in_progress: running.is_some(),
            sync_id: running.as_ref().map(|r| r.id.clone()),
            phase: running.as_ref().map(|r| r.phase.to_string()),
            started_at: running.as_ref().map(|r| iso(r.started)),
            progress: running.as_ref().map(|r| format!("{}/{}", r.done, r.total)),
            last_sync: last,
            scrobbler,
            message,
        }))
    }
}

impl PlexMcp {
    /// Records a finished sync for trakt_get_sync_status.
    fn finish(&self, out: SyncToOutput) -> SyncToOutput {
        lock(&self.ctx.trakt_jobs.sync).last = Some(LastSync {
            sync_id: out.sync_id.clone(),
            finished_at: iso(chrono::Utc::now().timestamp()),
            dry_run: out.dry_run,
            added: out.added.movies + out.added.episodes,
            already_on_trakt: out.already_on_trakt,
            failed: out.failed,
        });
        out
    }
}

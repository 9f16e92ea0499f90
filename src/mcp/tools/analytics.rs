//! Analytics over the whole play history and the libraries: watch statistics, per-user and
//! per-library figures, popular content and fully watched items.
//!
//! History is read page by page (concurrently, in order) and folded into compact per-play
//! records; nothing holds Plex's JSON beyond the page in hand. Plays carry no duration, so the
//! lengths of the items played are looked up once per distinct item: in batches of metadata when
//! few, or by listing the libraries when many (a 100,000-play history touches most of them).

use std::collections::{BTreeMap, HashMap};

use crate::FastMap;
use crate::mcp::answer::Json;
use futures::{StreamExt, TryStreamExt};
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ItemHeader, Window};
use crate::mcp::args::{Int, OrDefault, PlexId, When};
use crate::services::analytics::{self, PlayRecord};
use crate::time::{Iso, hours};
use crate::{
    mcp::{error::ToolError, params::Parameters, server::PlexMcp},
    plex::{
        api::lean,
        models::{ItemFacts, LibrarySection},
    },
};

/// Rows in a ranking the caller asked for, and in the ones shown alongside.
const TOP: usize = 10;
const TOP_ASIDE: usize = 5;

/// The default `timeRange`, in days.
pub(super) const DEFAULT_DAYS: usize = 30;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatType {
    #[default]
    Plays,
    Duration,
    Users,
    Libraries,
    Platforms,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WatchStatsArgs {
    /// Days back from now; not with since/until.
    #[schemars(extend("default" = 30))]
    pub time_range: Option<Int<1, 3650>>,
    /// From this date or date-time (inclusive).
    pub since: Option<When>,
    /// Before this date or date-time (exclusive).
    pub until: Option<When>,
    #[schemars(extend("default" = "plays"))]
    pub stat_type: Option<StatType>,
}

/// A ranked row: a user, library or platform with its plays and hours.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Ranked {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The device's platform, for devices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    pub plays: usize,
    /// Hours of content played (item lengths summed over plays).
    pub hours: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlayStats {
    /// Plays per local day (days without plays are left out).
    pub by_day: BTreeMap<String, usize>,
    /// Plays per item type (movie, episode, track...).
    pub by_type: BTreeMap<String, usize>,
    /// Plays divided by the days in the range.
    pub average_per_day: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DurationStats {
    pub by_type_hours: BTreeMap<String, f64>,
    pub average_play_minutes: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WatchStatsOutput {
    /// "<N> days".
    pub time_range: String,
    /// Start of the range.
    pub since: Iso,
    pub stat_type: StatType,
    pub total_plays: usize,
    pub total_hours: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plays: Option<PlayStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<DurationStats>,
    /// Distinct accounts with plays.
    pub unique_users: usize,
    /// Most active accounts (10 for statType users, else 5).
    pub top_users: Vec<Ranked>,
    /// Most used players, with their platform (10 for statType platforms, else 5).
    pub top_devices: Vec<Ranked>,
    /// Libraries by plays (10 for statType libraries, else 5).
    pub top_libraries: Vec<Ranked>,
    /// Plays per platform (statType platforms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_platforms: Option<Vec<Ranked>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UserStatsArgs {
    /// Days back from now; not with since/until.
    #[schemars(extend("default" = 30))]
    pub time_range: Option<Int<1, 3650>>,
    /// From this date or date-time (inclusive).
    pub since: Option<When>,
    /// Before this date or date-time (exclusive).
    pub until: Option<When>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserStat {
    /// Account id, as get_watch_history's userId takes it.
    pub id: String,
    pub name: String,
    pub plays: usize,
    pub hours: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_viewed_at: Option<Iso>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserStatsOutput {
    pub time_range: String,
    pub total_users: usize,
    /// Every account, most plays first.
    pub users: Vec<UserStat>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LibraryStatsArgs {
    /// Key from get_libraries; default all.
    pub library_key: Option<PlexId>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LibraryStat {
    pub key: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Top-level items: movies, or shows in a TV library.
    pub items: usize,
    /// Playable items: movies, or episodes in a TV library.
    pub leaf_items: usize,
    /// Playable items the token's owner has watched.
    pub watched_leaf_items: usize,
    /// Running time of all playable items.
    pub total_hours: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scanned_at: Option<Iso>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LibraryStatsOutput {
    pub libraries: Vec<LibraryStat>,
    pub total_libraries: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    #[default]
    Plays,
    Duration,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PopularType {
    Movie,
    // Episode plays counted per show (the parameter says so; a variant doc would repeat it).
    Show,
    Episode,
    #[default]
    All,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PopularArgs {
    /// Days back from now; not with since/until.
    #[schemars(extend("default" = 30))]
    pub time_range: Option<Int<1, 3650>>,
    /// From this date or date-time (inclusive).
    pub since: Option<When>,
    /// Before this date or date-time (exclusive).
    pub until: Option<When>,
    /// duration ranks by hours.
    #[schemars(extend("default" = "plays"))]
    pub metric: Option<Metric>,
    /// show: episode plays per show; all: movies and shows.
    #[schemars(extend("default" = "all"))]
    pub media_type: Option<PopularType>,
    #[schemars(extend("default" = 50))]
    pub limit: Option<Int<1, 500>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PopularItem {
    #[serde(flatten)]
    pub item: ItemHeader,
    pub plays: usize,
    pub hours: f64,
    /// Distinct accounts that played it.
    pub unique_users: usize,
    pub last_viewed_at: Iso,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PopularOutput {
    pub metric: Metric,
    pub media_type: PopularType,
    pub time_range: String,
    pub popular_content: Vec<PopularItem>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WatchedType {
    Movie,
    Show,
    #[default]
    All,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FullyWatchedArgs {
    /// Key from get_libraries; default all.
    pub library_key: Option<PlexId>,
    #[schemars(extend("default" = "all"))]
    pub media_type: Option<WatchedType>,
    #[schemars(extend("default" = 30))]
    pub limit: Option<Int<1, 100000>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WatchedItem {
    #[serde(flatten)]
    pub item: ItemHeader,
    /// Times watched (for a show: episode views).
    pub view_count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_viewed_at: Option<Iso>,
    /// Episodes, for shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub episodes: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FullyWatchedOutput {
    pub library_key: String,
    pub media_type: WatchedType,
    /// Fully watched items found.
    pub total_count: usize,
    pub returned: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more: Option<String>,
    pub fully_watched: Vec<WatchedItem>,
}

/// Plex's type id of the playable items of a library of `kind`.
/// Plays and milliseconds per (name, id, platform), ranked by plays then name.
type Tally = HashMap<(String, Option<String>, Option<String>), (usize, i64)>;

fn rank(map: Tally, keep: usize) -> Vec<Ranked> {
    let mut rows: Vec<Ranked> = map
        .into_iter()
        .map(|((name, id, platform), (plays, ms))| Ranked {
            name,
            id,
            platform,
            plays,
            hours: hours(ms),
        })
        .collect();
    rows.sort_by(|a, b| b.plays.cmp(&a.plays).then_with(|| a.name.cmp(&b.name)));
    rows.truncate(keep);
    rows
}

#[tool_router(router = analytics_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Totals for a window, all accounts: plays per day and type, hours, or top users, libraries or \
platforms (statType). Per account: get_user_stats.",
        annotations(
            title = "Watch Stats",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_watch_stats(
        &self,
        Parameters(args): Parameters<WatchStatsArgs>,
    ) -> Result<Json<WatchStatsOutput>, ToolError> {
        let window = Window::new(args.time_range, Some(DEFAULT_DAYS), args.since, args.until)?;
        let stat_type = args.stat_type.unwrap_or_default();
        let from = window.from.unwrap_or_default();
        let (log, names) = tokio::join!(
            analytics::play_log(&self.ctx.plex, from, window.until, None),
            analytics::names(&self.ctx.plex)
        );
        let log = log?;
        let durations =
            analytics::durations(&self.ctx.plex, &self.ctx.lengths, &log.keys()).await?;
        let length = |p: &PlayRecord| durations[p.item as usize].unwrap_or(0);
        let total_ms: i64 = log.plays.iter().map(length).sum();
        // Tallies key by ids and days; names are attached once, at the end.
        let mut users: FastMap<Option<i64>, (usize, i64)> = FastMap::default();
        let mut devices: FastMap<Option<i64>, (usize, i64)> = FastMap::default();
        let mut libraries: FastMap<Option<&str>, (usize, i64)> = FastMap::default();
        let mut by_day: BTreeMap<chrono::NaiveDate, usize> = BTreeMap::new();
        let mut by_type: BTreeMap<&str, (usize, i64)> = BTreeMap::new();
        fn add<K: std::hash::Hash + Eq>(t: &mut FastMap<K, (usize, i64)>, key: K, ms: i64) {
            let e = t.entry(key).or_default();
            e.0 += 1;
            e.1 += ms;
        }
        for p in &log.plays {
            let ms = length(p);
            let item = log.item(p);
            add(&mut users, p.account, ms);
            add(&mut devices, p.device, ms);
            add(&mut libraries, item.section.as_deref(), ms);
            *by_day
                .entry(crate::time::wall_clock(p.viewed_at).date())
                .or_insert(0) += 1;
            let t = by_type.entry(item.kind.as_str()).or_default();
            t.0 += 1;
            t.1 += ms;
        }
        let unknown = || "Unknown".to_string();
        let device_name = |d: &Option<i64>| d.and_then(|d| names.devices.get(&d));
        let mut platforms: Tally = Tally::new();
        for (device, &(n, ms)) in &devices {
            let platform = device_name(device)
                .and_then(|(_, p)| p.clone())
                .unwrap_or_else(unknown);
            let e = platforms.entry((platform, None, None)).or_default();
            e.0 += n;
            e.1 += ms;
        }
        let unique_users = users.len();
        let users: Tally = users
            .into_iter()
            .map(|(id, v)| {
                let (name, id) = account_label(&names.accounts, id);
                ((name, id, None), v)
            })
            .collect();
        let devices: Tally = devices
            .into_iter()
            .map(|(id, v)| {
                let named = device_name(&id);
                let name = named.map_or_else(unknown, |(n, _)| n.clone());
                let platform = named.and_then(|(_, p)| p.clone());
                ((name, id.map(|d| d.to_string()), platform), v)
            })
            .collect();
        let libraries: Tally = libraries
            .into_iter()
            .map(|(id, v)| {
                let name = id
                    .and_then(|s| names.sections.get(s).cloned())
                    .unwrap_or_else(unknown);
                ((name, id.map(str::to_string), None), v)
            })
            .collect();
        let keep = |wanted: StatType| if stat_type == wanted { TOP } else { TOP_ASIDE };
        let plays = log.plays.len();
        let out = WatchStatsOutput {
            time_range: window.label(),
            since: Iso::unix(from),
            stat_type,
            total_plays: plays,
            total_hours: hours(total_ms),
            plays: (stat_type == StatType::Plays).then(|| PlayStats {
                by_day: by_day
                    .into_iter()
                    .map(|(day, n)| (day.to_string(), n))
                    .collect(),
                by_type: by_type
                    .iter()
                    .map(|(k, (n, _))| (k.to_string(), *n))
                    .collect(),
                average_per_day: (plays as f64 / window.days() * 100.0).round() / 100.0,
            }),
            duration: (stat_type == StatType::Duration).then(|| DurationStats {
                by_type_hours: by_type
                    .iter()
                    .map(|(k, (_, ms))| (k.to_string(), hours(*ms)))
                    .collect(),
                average_play_minutes: if plays == 0 {
                    0.0
                } else {
                    (total_ms as f64 / plays as f64 / 60_000.0 * 10.0).round() / 10.0
                },
            }),
            unique_users,
            top_users: rank(users, keep(StatType::Users)),
            top_devices: rank(devices, keep(StatType::Platforms)),
            top_libraries: rank(libraries, keep(StatType::Libraries)),
            top_platforms: (stat_type == StatType::Platforms).then(|| rank(platforms, TOP)),
        };
        Ok(Json(out))
    }

    #[tool(
        description = "Each account's plays, hours and last play in a window, most active first. Its ids are the userId \
other tools take.",
        annotations(
            title = "User Stats",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_user_stats(
        &self,
        Parameters(args): Parameters<UserStatsArgs>,
    ) -> Result<Json<UserStatsOutput>, ToolError> {
        let window = Window::new(args.time_range, Some(DEFAULT_DAYS), args.since, args.until)?;
        let (log, names) = tokio::join!(
            analytics::play_log(
                &self.ctx.plex,
                window.from.unwrap_or_default(),
                window.until,
                None
            ),
            analytics::names(&self.ctx.plex)
        );
        let log = log?;
        let durations =
            analytics::durations(&self.ctx.plex, &self.ctx.lengths, &log.keys()).await?;
        let mut per: FastMap<i64, (usize, i64, i64)> =
            names.accounts.keys().map(|&id| (id, (0, 0, 0))).collect();
        for p in &log.plays {
            let Some(account) = p.account else { continue };
            let e = per.entry(account).or_default();
            e.0 += 1;
            e.1 += durations[p.item as usize].unwrap_or(0);
            e.2 = e.2.max(p.viewed_at);
        }
        let mut users: Vec<UserStat> = per
            .into_iter()
            .map(|(id, (plays, ms, last))| UserStat {
                id: id.to_string(),
                name: account_label(&names.accounts, Some(id)).0,
                plays,
                hours: hours(ms),
                last_viewed_at: (last > 0).then(|| Iso::unix(last)),
            })
            .collect();
        users.sort_by(|a, b| b.plays.cmp(&a.plays).then_with(|| a.name.cmp(&b.name)));
        Ok(Json(UserStatsOutput {
            time_range: window.label(),
            total_users: users.len(),
            users,
        }))
    }

    #[tool(
        description = "Per library: items, playable items, how many the token's owner watched, total hours. Reads every \
item, so slow on huge libraries.",
        annotations(
            title = "Library Stats",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_library_stats(
        &self,
        Parameters(args): Parameters<LibraryStatsArgs>,
    ) -> Result<Json<LibraryStatsOutput>, ToolError> {
        let key = args.library_key.map(PlexId::into_string);
        let sections = analytics::sections(&self.ctx.plex, key.as_deref()).await?;
        let libraries: Vec<LibraryStat> = futures::stream::iter(sections)
            .map(|s| self.library_stat(s))
            .buffered(2)
            .try_collect()
            .await?;
        Ok(Json(LibraryStatsOutput {
            total_libraries: libraries.len(),
            libraries,
        }))
    }

    #[tool(
        description = "Most played titles in a window across all accounts, by plays or hours; shows gather their episodes' \
plays. Per account: get_user_stats.",
        annotations(
            title = "Popular Content",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_popular_content(
        &self,
        Parameters(args): Parameters<PopularArgs>,
    ) -> Result<Json<PopularOutput>, ToolError> {
        let window = Window::new(args.time_range, Some(DEFAULT_DAYS), args.since, args.until)?;
        let limit = args.limit.value_or(50);
        let metric = args.metric.unwrap_or_default();
        let media_type = args.media_type.unwrap_or_default();
        let log = analytics::play_log(
            &self.ctx.plex,
            window.from.unwrap_or_default(),
            window.until,
            None,
        )
        .await?;
        let durations =
            analytics::durations(&self.ctx.plex, &self.ctx.lengths, &log.keys()).await?;
        // Names are copied for the groups that make the list only, at the end.
        #[derive(Default)]
        struct Agg {
            /// A play's item (`PlayLog::items`), and whether the group is its show.
            item: u32,
            show: bool,
            plays: usize,
            ms: i64,
            /// Distinct accounts: a household has a handful, a short list beats a set.
            users: Vec<i64>,
            last: i64,
        }
        let mut groups: FastMap<&str, Agg> = FastMap::default();
        for p in &log.plays {
            let item = log.item(p);
            let roll_up = item.kind == "episode" && media_type != PopularType::Episode;
            let wanted = match media_type {
                PopularType::Movie => item.kind == "movie",
                PopularType::Show | PopularType::Episode => item.kind == "episode",
                PopularType::All => true,
            };
            if !wanted {
                continue;
            }
            let (key, show) = match (&item.show, roll_up) {
                (Some((show_key, _)), true) => (show_key.as_str(), true),
                _ => (item.key.as_str(), false),
            };
            let g = groups.entry(key).or_insert_with(|| Agg {
                item: p.item,
                show,
                ..Agg::default()
            });
            g.plays += 1;
            g.ms += durations[p.item as usize].unwrap_or(0);
            g.last = g.last.max(p.viewed_at);
            if let Some(account) = p.account
                && !g.users.contains(&account)
            {
                g.users.push(account);
            }
        }
        let mut ranked: Vec<(&str, Agg)> = groups.into_iter().collect();
        ranked.sort_by(|(ka, a), (kb, b)| {
            let primary = match metric {
                Metric::Plays => b.plays.cmp(&a.plays),
                Metric::Duration => b.ms.cmp(&a.ms),
            };
            primary.then(b.last.cmp(&a.last)).then_with(|| ka.cmp(kb))
        });
        ranked.truncate(limit);
        let keys: Vec<String> = ranked.iter().map(|(k, _)| k.to_string()).collect();
        let years: HashMap<String, Option<i32>> = self
            .ctx
            .plex
            .metadata_batch::<ItemFacts>(&keys, &lean::<ItemFacts>())
            .await?
            .into_iter()
            .map(|f| (f.rating_key, f.year))
            .collect();
        let popular_content = ranked
            .into_iter()
            .map(|(key, g)| {
                let item = &log.items[g.item as usize];
                let (title, kind, show) = match (&item.show, g.show) {
                    (Some((_, show_title)), true) => (show_title.clone(), "show".into(), None),
                    _ => (
                        item.title.clone(),
                        item.kind.clone(),
                        item.show.as_ref().map(|(_, t)| t.clone()),
                    ),
                };
                PopularItem {
                    item: ItemHeader::new(
                        key.to_string(),
                        title,
                        kind,
                        show,
                        (None, None),
                        years.get(key).copied().flatten(),
                    ),
                    plays: g.plays,
                    hours: hours(g.ms),
                    unique_users: g.users.len(),
                    last_viewed_at: Iso::unix(g.last),
                }
            })
            .collect();
        Ok(Json(PopularOutput {
            metric,
            media_type,
            time_range: window.label(),
            popular_content,
        }))
    }

    #[tool(
        description = "Movies and whole shows the token's owner has finished, last watched first, from Plex's view state. \
For plays over time use get_watch_history.",
        annotations(
            title = "Fully Watched",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_fully_watched(
        &self,
        Parameters(args): Parameters<FullyWatchedArgs>,
    ) -> Result<Json<FullyWatchedOutput>, ToolError> {
        let key = args.library_key.map(PlexId::into_string);
        let media_type = args.media_type.unwrap_or_default();
        let limit = args.limit.value_or(super::PAGE);
        let plex = &self.ctx.plex;
        let sections = analytics::sections(&self.ctx.plex, key.as_deref()).await?;
        // The libraries are read side by side: one after another, each paid its own round trips.
        let reads = sections.iter().filter_map(|section| {
            let (type_id, is_show) = match section.kind.as_str() {
                "movie" if media_type != WatchedType::Show => ("1", false),
                "show" if media_type != WatchedType::Movie => ("2", true),
                _ => return None,
            };
            Some(async move {
                let [elements, fields] = lean::<ItemFacts>();
                let query = [("type", type_id.to_string()), elements, fields];
                let items: Vec<ItemFacts> = plex.section_all(&section.key, &query).await?;
                Ok::<_, crate::backend::BackendError>(
                    items
                        .into_iter()
                        .filter(|it| {
                            if is_show {
                                it.leaf_count.is_some_and(|n| n > 0)
                                    && it.viewed_leaf_count == it.leaf_count
                            } else {
                                it.view_count.is_some_and(|n| n > 0)
                            }
                        })
                        .collect::<Vec<_>>(),
                )
            })
        });
        let mut watched: Vec<ItemFacts> = futures::future::try_join_all(reads)
            .await?
            .into_iter()
            .flatten()
            .collect();
        watched.sort_by(|a, b| {
            b.last_viewed_at
                .cmp(&a.last_viewed_at)
                .then_with(|| a.title.cmp(&b.title))
        });
        let total_count = watched.len();
        let fully_watched: Vec<WatchedItem> = watched
            .into_iter()
            .take(limit)
            .map(|it| WatchedItem {
                episodes: it.leaf_count.filter(|_| it.kind == "show"),
                item: ItemHeader::new(
                    it.rating_key,
                    it.title,
                    it.kind,
                    None,
                    (None, None),
                    it.year,
                ),
                view_count: it.view_count.unwrap_or(0),
                last_viewed_at: it.last_viewed_at.map(Iso::unix),
            })
            .collect();
        Ok(Json(FullyWatchedOutput {
            library_key: key.unwrap_or_else(|| "all".into()),
            media_type,
            total_count,
            returned: fully_watched.len(),
            more: super::more(total_count, fully_watched.len(), |_| "raise limit".into()),
            fully_watched,
        }))
    }
}

pub(super) fn account_label(
    accounts: &HashMap<i64, String>,
    id: Option<i64>,
) -> (String, Option<String>) {
    match id {
        Some(id) => (
            accounts
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("account {id}")),
            Some(id.to_string()),
        ),
        None => ("Unknown".into(), None),
    }
}

impl PlexMcp {
    async fn library_stat(&self, section: LibrarySection) -> Result<LibraryStat, ToolError> {
        let plex = &self.ctx.plex;
        let top = plex.section_size(&section.key).await?.unwrap_or(0);
        let (mut leaves, mut watched, mut ms) = (0usize, 0usize, 0i64);
        if let Some(type_id) = analytics::leaf_type(&section.kind) {
            let [elements, fields] = lean::<ItemFacts>();
            let query = [("type", type_id.to_string()), elements, fields];
            let items: Vec<ItemFacts> = plex.section_all(&section.key, &query).await?;
            leaves = items.len();
            watched = items
                .iter()
                .filter(|i| i.view_count.is_some_and(|n| n > 0))
                .count();
            ms = items.iter().filter_map(|i| i.duration).sum();
        }
        Ok(LibraryStat {
            key: section.key,
            title: section.title,
            kind: section.kind,
            items: top,
            leaf_items: leaves,
            watched_leaf_items: watched,
            total_hours: hours(ms),
            scanned_at: section.scanned_at.map(Iso::unix),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranking_is_by_plays_then_name_and_capped() {
        let mut m = HashMap::new();
        for i in 0..15 {
            m.insert((format!("u{i:02}"), None, None), (i % 3, 0));
        }
        let r = rank(m, TOP);
        assert_eq!(r.len(), TOP);
        assert_eq!(r[0].plays, 2);
        assert_eq!(r[0].name, "u02");
    }
}

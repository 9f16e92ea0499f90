//! The Sonarr and Radarr tools and `arr_get_status`. Sonarr and Radarr tools mirror each other;
//! what they share (queue, profiles, commands, status, auto-picking) lives once in the helpers
//! at the end.

use rmcp::{Json, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::arr::{
    client::ArrClient,
    models::{
        Command, Episode, LanguageProfile, Movie, MovieAddOptions, NewMovie, NewSeries, Paged,
        QueueItem, Series, SeriesAddOptions, SystemStatus,
    },
};
use crate::mcp::args::{Day, Int, OrDefault, Text};
use crate::{
    backend::Service,
    mcp::tools::{NoArgs, preview},
    mcp::{error::ToolError, params::Parameters, server::PlexMcp},
};

const DEFAULT_LIMIT: usize = 200;

// ---- arguments ----

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Case-insensitive title substring.
    pub filter: Option<Text<1, 200>>,
    /// Maximum rows (1-10000, default 200).
    pub limit: Option<Int<1, 10000>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// Title to look up in the service's online catalogue.
    pub query: Text<1, 500>,
    /// Maximum results (1-10000, default 200).
    pub limit: Option<Int<1, 10000>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PageArgs {
    /// Page number, from 1 (default 1).
    pub page: Option<Int<1, { u32::MAX }>>,
    /// Records per page (1-1000, default 200).
    pub page_size: Option<Int<1, 1000>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitArgs {
    /// Maximum rows (1-10000, default 200); the whole queue is read.
    pub limit: Option<Int<1, 10000>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CalendarArgs {
    /// First day, YYYY-MM-DD (default 7 days ago, UTC).
    pub start_date: Option<Day>,
    /// Last day, YYYY-MM-DD (default 30 days ahead, UTC).
    pub end_date: Option<Day>,
    /// Maximum entries (1-10000, default 200).
    pub limit: Option<Int<1, 10000>>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum MonitorType {
    #[default]
    All,
    Future,
    Missing,
    Existing,
    FirstSeason,
    LatestSeason,
    None,
}

impl MonitorType {
    fn as_str(self) -> &'static str {
        match self {
            MonitorType::All => "all",
            MonitorType::Future => "future",
            MonitorType::Missing => "missing",
            MonitorType::Existing => "existing",
            MonitorType::FirstSeason => "firstSeason",
            MonitorType::LatestSeason => "latestSeason",
            MonitorType::None => "none",
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AddSeriesArgs {
    /// TheTVDB id, from sonarr_search.
    pub tvdb_id: i64,
    /// The series title, from sonarr_search.
    pub title: Text<1, 500>,
    /// Quality profile id (sonarr_get_profiles); default the first profile.
    pub quality_profile_id: Option<i64>,
    /// Root folder path (sonarr_get_profiles); default the first root folder.
    pub root_folder_path: Option<Text<1, 4096>>,
    /// Monitor the series (default true).
    pub monitored: Option<bool>,
    /// Use season folders (default true).
    pub season_folder: Option<bool>,
    /// Which episodes to monitor (default all).
    pub monitor_type: Option<MonitorType>,
    /// Start searching for missing episodes right away (default true).
    pub search_for_missing_episodes: Option<bool>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum MinimumAvailability {
    Announced,
    InCinemas,
    #[default]
    Released,
    #[serde(rename = "preDB")]
    PreDb,
}

impl MinimumAvailability {
    fn as_str(self) -> &'static str {
        match self {
            MinimumAvailability::Announced => "announced",
            MinimumAvailability::InCinemas => "inCinemas",
            MinimumAvailability::Released => "released",
            MinimumAvailability::PreDb => "preDB",
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AddMovieArgs {
    /// TMDB id, from radarr_search.
    pub tmdb_id: i64,
    /// The movie title, from radarr_search.
    pub title: Text<1, 500>,
    /// Quality profile id (radarr_get_profiles); default the first profile.
    pub quality_profile_id: Option<i64>,
    /// Root folder path (radarr_get_profiles); default the first root folder.
    pub root_folder_path: Option<Text<1, 4096>>,
    /// Monitor the movie (default true).
    pub monitored: Option<bool>,
    /// When the movie counts as available (default released).
    pub minimum_availability: Option<MinimumAvailability>,
    /// Start searching right away (default true).
    pub search_for_movie: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeriesSearchArgs {
    /// Series id in Sonarr (sonarr_get_series); omit to search all missing episodes.
    pub series_id: Option<i64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MovieSearchArgs {
    /// Movie id in Radarr (radarr_get_movies); omit to search all missing movies.
    pub movie_id: Option<i64>,
}

// ---- outputs ----

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeriesRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitored: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seasons: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub episode_file_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub episode_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent_of_episodes: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_on_disk: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tvdb_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imdb_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overview: Option<String>,
}

impl From<Series> for SeriesRow {
    fn from(s: Series) -> Self {
        let stats = s.statistics.unwrap_or_default();
        SeriesRow {
            overview: preview(&s.overview),
            seasons: stats.season_count.or(Some(s.seasons.len() as u32)),
            id: s.id,
            title: s.title,
            year: s.year,
            status: s.status,
            network: s.network,
            monitored: s.monitored,
            episode_file_count: stats.episode_file_count,
            episode_count: stats.episode_count,
            percent_of_episodes: stats.percent_of_episodes,
            size_on_disk: stats.size_on_disk,
            tvdb_id: s.tvdb_id,
            imdb_id: s.imdb_id,
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeriesListOutput {
    /// Series matching the filter.
    pub total_series: usize,
    pub showing: usize,
    pub series: Vec<SeriesRow>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeriesSearchOutput {
    pub query: String,
    pub total_results: usize,
    pub showing: usize,
    /// Catalogue matches; `id` is set when the series is already in Sonarr.
    pub results: Vec<SeriesRow>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovieRow {
    /// Set when the movie is in Radarr.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_file: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitored: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmdb_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imdb_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_on_disk: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_availability: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_cinemas: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digital_release: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overview: Option<String>,
}

impl From<Movie> for MovieRow {
    fn from(m: Movie) -> Self {
        MovieRow {
            overview: preview(&m.overview),
            id: m.id,
            title: m.title,
            year: m.year,
            status: m.status,
            has_file: m.has_file,
            monitored: m.monitored,
            runtime: m.runtime,
            tmdb_id: m.tmdb_id,
            imdb_id: m.imdb_id,
            size_on_disk: m.size_on_disk,
            minimum_availability: m.minimum_availability,
            in_cinemas: m.in_cinemas,
            digital_release: m.digital_release,
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovieListOutput {
    /// Movies matching the filter.
    pub total_movies: usize,
    pub showing: usize,
    pub movies: Vec<MovieRow>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovieSearchOutput {
    pub query: String,
    pub total_results: usize,
    pub showing: usize,
    pub results: Vec<MovieRow>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EpisodeRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub season_number: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub episode_number: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub air_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub air_date_utc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_file: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitored: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overview: Option<String>,
}

impl From<Episode> for EpisodeRow {
    fn from(e: Episode) -> Self {
        EpisodeRow {
            overview: preview(&e.overview),
            series_title: e.series.map(|s| s.title),
            id: e.id,
            series_id: e.series_id,
            season_number: e.season_number,
            episode_number: e.episode_number,
            title: e.title,
            air_date: e.air_date,
            air_date_utc: e.air_date_utc,
            has_file: e.has_file,
            monitored: e.monitored,
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MissingEpisodesOutput {
    pub total_records: usize,
    pub page: usize,
    pub page_size: usize,
    pub showing: usize,
    pub episodes: Vec<EpisodeRow>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MissingMoviesOutput {
    pub total_records: usize,
    pub page: usize,
    pub page_size: usize,
    pub showing: usize,
    pub movies: Vec<MovieRow>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracked_download_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracked_download_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_client: Option<String>,
    /// Bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<f64>,
    /// Bytes still to download.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sizeleft: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeleft: Option<String>,
}

impl From<QueueItem> for QueueRow {
    fn from(q: QueueItem) -> Self {
        QueueRow {
            id: q.id,
            title: q.title,
            status: q.status,
            tracked_download_status: q.tracked_download_status,
            tracked_download_state: q.tracked_download_state,
            protocol: q.protocol,
            download_client: q.download_client,
            size: q.size,
            sizeleft: q.sizeleft,
            timeleft: q.timeleft,
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueOutput {
    /// Items in the whole queue.
    pub total_records: usize,
    pub showing: usize,
    pub items: Vec<QueueRow>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EpisodeCalendarOutput {
    pub start_date: String,
    pub end_date: String,
    pub total_entries: usize,
    pub showing: usize,
    pub entries: Vec<EpisodeRow>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovieCalendarOutput {
    pub start_date: String,
    pub end_date: String,
    pub total_entries: usize,
    pub showing: usize,
    pub entries: Vec<MovieRow>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileRow {
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgrade_allowed: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FolderRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accessible: Option<bool>,
    /// Bytes free.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free_space: Option<i64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfilesOutput {
    pub quality_profiles: Vec<ProfileRow>,
    pub root_folders: Vec<FolderRow>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Chosen {
    pub quality_profile_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality_profile_name: Option<String>,
    pub root_folder_path: String,
    /// Sent only to Sonarr v3, which requires it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language_profile_id: Option<i64>,
    /// Which of these were picked automatically.
    pub auto_selected: Vec<&'static str>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddedSeriesOutput {
    pub message: String,
    pub series: SeriesRow,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub chosen: Chosen,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddedMovieOutput {
    pub message: String,
    pub movie: MovieRow,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub chosen: Chosen,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommandOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command_id: Option<i64>,
    pub message: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceStatus {
    pub available: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Why it is not available, and what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Services {
    pub sonarr: ServiceStatus,
    pub radarr: ServiceStatus,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ArrStatusOutput {
    pub services: Services,
}

fn matches_filter(title: &str, filter: &Option<Text<1, 200>>) -> bool {
    filter
        .as_deref()
        .is_none_or(|f| title.to_lowercase().contains(&f.to_lowercase()))
}

/// The day asked for, or `default_days` from today (UTC).
fn day_or(value: Option<Day>, default_days: i64) -> String {
    value
        .map(Day::get)
        .unwrap_or_else(|| (chrono::Utc::now() + chrono::Duration::days(default_days)).date_naive())
        .format("%Y-%m-%d")
        .to_string()
}

fn query_arg(query: &str) -> Result<String, ToolError> {
    let q = query.trim();
    if q.is_empty() {
        return Err(ToolError::invalid("query", "cannot be empty"));
    }
    Ok(q.to_string())
}

#[tool_router(router = arr_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Series in Sonarr, optionally filtered by title, with episode counts (have / total), size on \
disk and ids. Use sonarr_search to find series not yet added. Needs SONARR_URL and SONARR_API_KEY. Read-only.",
        annotations(
            title = "Sonarr Get Series",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn sonarr_get_series(
        &self,
        Parameters(args): Parameters<ListArgs>,
    ) -> Result<Json<SeriesListOutput>, ToolError> {
        let limit = args.limit.value_or(DEFAULT_LIMIT);
        let sonarr = self.arr(Service::Sonarr)?;
        let all: Vec<Series> = sonarr.series().await?;
        let matching: Vec<Series> = all
            .into_iter()
            .filter(|s| matches_filter(&s.title, &args.filter))
            .collect();
        let total_series = matching.len();
        let series: Vec<SeriesRow> = matching
            .into_iter()
            .take(limit)
            .map(SeriesRow::from)
            .collect();
        Ok(Json(SeriesListOutput {
            total_series,
            showing: series.len(),
            series,
        }))
    }

    #[tool(
        description = "Look a series up in Sonarr's online catalogue (TheTVDB) by title. Results carry the tvdbId that \
sonarr_add_series needs; an `id` means the series is already in Sonarr. Read-only.",
        annotations(
            title = "Sonarr Search",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn sonarr_search(
        &self,
        Parameters(args): Parameters<SearchArgs>,
    ) -> Result<Json<SeriesSearchOutput>, ToolError> {
        let query = query_arg(&args.query)?;
        let limit = args.limit.value_or(DEFAULT_LIMIT);
        let found: Vec<Series> = self.arr(Service::Sonarr)?.series_lookup(&query).await?;
        let total_results = found.len();
        let results: Vec<SeriesRow> = found.into_iter().take(limit).map(SeriesRow::from).collect();
        Ok(Json(SeriesSearchOutput {
            query,
            total_results,
            showing: results.len(),
            results,
        }))
    }

    #[tool(
        description = "Add a series to Sonarr by tvdbId (from sonarr_search) and, by default, start searching for its \
episodes. Quality profile and root folder default to the first ones configured; the result says what was chosen. \
Refuses a series that is already in Sonarr. Not idempotent: it creates the series.",
        annotations(
            title = "Sonarr Add Series",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn sonarr_add_series(
        &self,
        Parameters(args): Parameters<AddSeriesArgs>,
    ) -> Result<Json<AddedSeriesOutput>, ToolError> {
        let sonarr = self.arr(Service::Sonarr)?;
        let existing: Vec<Series> = sonarr.series_by_tvdb(args.tvdb_id).await?;
        if let Some(s) = existing
            .into_iter()
            .find(|s| s.tvdb_id == Some(args.tvdb_id))
        {
            return Err(ToolError::invalid(
                "tvdbId",
                format!(
                    "\"{}\" is already in Sonarr (series id {}); nothing was added",
                    s.title,
                    s.id.unwrap_or(0)
                ),
            ));
        }
        let mut chosen = choose(
            sonarr,
            args.quality_profile_id,
            args.root_folder_path.map(Text::into_string),
        )
        .await?;
        // Sonarr v3 rejects a series without a language profile; v4 has none.
        let status: SystemStatus = sonarr.system_status().await?;
        if status.major() == Some(3) {
            let profiles: Vec<LanguageProfile> = sonarr.language_profiles().await?;
            chosen.language_profile_id = profiles.first().map(|p| p.id);
            chosen.auto_selected.push("languageProfileId");
        }
        let body = NewSeries {
            tvdb_id: args.tvdb_id,
            title: &args.title,
            quality_profile_id: chosen.quality_profile_id,
            root_folder_path: &chosen.root_folder_path,
            language_profile_id: chosen.language_profile_id,
            monitored: args.monitored.unwrap_or(true),
            season_folder: args.season_folder.unwrap_or(true),
            add_options: SeriesAddOptions {
                monitor: args.monitor_type.unwrap_or_default().as_str(),
                search_for_missing_episodes: args.search_for_missing_episodes.unwrap_or(true),
                search_for_cutoff_unmet_episodes: false,
            },
        };
        let added: Series = sonarr.add_series(&body).await?;
        let message = format!(
            "Added \"{}\" ({}) to Sonarr",
            added.title,
            added.year.map_or("?".into(), |y| y.to_string())
        );
        let path = added.path.clone();
        Ok(Json(AddedSeriesOutput {
            message,
            series: added.into(),
            path,
            chosen,
        }))
    }

    #[tool(
        description = "Monitored episodes Sonarr is still missing, newest air date first, one page at a time \
(`page`, `pageSize`); totalRecords tells how many there are. Read-only.",
        annotations(
            title = "Sonarr Get Missing",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn sonarr_get_missing(
        &self,
        Parameters(args): Parameters<PageArgs>,
    ) -> Result<Json<MissingEpisodesOutput>, ToolError> {
        let (page, page_size) = page_args(&args);
        let got: Paged<Episode> = self
            .arr(Service::Sonarr)?
            .missing(page, page_size, "airDateUtc")
            .await?;
        let episodes: Vec<EpisodeRow> = got.records.into_iter().map(EpisodeRow::from).collect();
        Ok(Json(MissingEpisodesOutput {
            total_records: got.total_records,
            page,
            page_size,
            showing: episodes.len(),
            episodes,
        }))
    }

    #[tool(
        description = "Sonarr's download queue, every page read: title, state, protocol, client, size and time left. \
Read-only.",
        annotations(
            title = "Sonarr Get Queue",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn sonarr_get_queue(
        &self,
        Parameters(args): Parameters<LimitArgs>,
    ) -> Result<Json<QueueOutput>, ToolError> {
        self.queue(Service::Sonarr, "includeUnknownSeriesItems", args)
            .await
    }

    #[tool(
        description = "Episodes airing between two dates (default the last 7 and next 30 days), with series title and \
whether the file is there. Read-only.",
        annotations(
            title = "Sonarr Get Calendar",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn sonarr_get_calendar(
        &self,
        Parameters(args): Parameters<CalendarArgs>,
    ) -> Result<Json<EpisodeCalendarOutput>, ToolError> {
        let (start_date, end_date, limit) = calendar_window(args)?;
        let all: Vec<Episode> = self
            .arr(Service::Sonarr)?
            .episode_calendar(&start_date, &end_date)
            .await?;
        let total_entries = all.len();
        let entries: Vec<EpisodeRow> = all.into_iter().take(limit).map(EpisodeRow::from).collect();
        Ok(Json(EpisodeCalendarOutput {
            start_date,
            end_date,
            total_entries,
            showing: entries.len(),
            entries,
        }))
    }

    #[tool(
        description = "Sonarr's quality profiles and root folders (with free space): the ids and paths \
sonarr_add_series accepts. Read-only.",
        annotations(
            title = "Sonarr Get Profiles",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn sonarr_get_profiles(
        &self,
        _args: Parameters<NoArgs>,
    ) -> Result<Json<ProfilesOutput>, ToolError> {
        profiles(self.arr(Service::Sonarr)?).await
    }

    #[tool(
        description = "Start Sonarr searching for one series' episodes (`seriesId`), or for every missing episode when \
no id is given. Queues a Sonarr command and returns its id; downloads follow in the background.",
        annotations(
            title = "Sonarr Trigger Search",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn sonarr_trigger_search(
        &self,
        Parameters(args): Parameters<SeriesSearchArgs>,
    ) -> Result<Json<CommandOutput>, ToolError> {
        let (body, message) = match args.series_id {
            Some(id) => (
                serde_json::json!({"name": "SeriesSearch", "seriesId": id}),
                format!("Triggered search for series {id}"),
            ),
            None => (
                serde_json::json!({"name": "MissingEpisodeSearch"}),
                "Triggered search for all missing episodes".into(),
            ),
        };
        command(self.arr(Service::Sonarr)?, body, message).await
    }

    #[tool(
        description = "Movies in Radarr, optionally filtered by title, with file state, size on disk and ids. Use \
radarr_search to find movies not yet added. Needs RADARR_URL and RADARR_API_KEY. Read-only.",
        annotations(
            title = "Radarr Get Movies",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn radarr_get_movies(
        &self,
        Parameters(args): Parameters<ListArgs>,
    ) -> Result<Json<MovieListOutput>, ToolError> {
        let limit = args.limit.value_or(DEFAULT_LIMIT);
        let all: Vec<Movie> = self.arr(Service::Radarr)?.movies().await?;
        let matching: Vec<Movie> = all
            .into_iter()
            .filter(|m| matches_filter(&m.title, &args.filter))
            .collect();
        let total_movies = matching.len();
        let movies: Vec<MovieRow> = matching
            .into_iter()
            .take(limit)
            .map(MovieRow::from)
            .collect();
        Ok(Json(MovieListOutput {
            total_movies,
            showing: movies.len(),
            movies,
        }))
    }

    #[tool(
        description = "Look a movie up in Radarr's online catalogue (TMDB) by title. Results carry the tmdbId that \
radarr_add_movie needs; an `id` means the movie is already in Radarr. Read-only.",
        annotations(
            title = "Radarr Search",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn radarr_search(
        &self,
        Parameters(args): Parameters<SearchArgs>,
    ) -> Result<Json<MovieSearchOutput>, ToolError> {
        let query = query_arg(&args.query)?;
        let limit = args.limit.value_or(DEFAULT_LIMIT);
        let found: Vec<Movie> = self.arr(Service::Radarr)?.movie_lookup(&query).await?;
        let total_results = found.len();
        let results: Vec<MovieRow> = found.into_iter().take(limit).map(MovieRow::from).collect();
        Ok(Json(MovieSearchOutput {
            query,
            total_results,
            showing: results.len(),
            results,
        }))
    }

    #[tool(
        description = "Add a movie to Radarr by tmdbId (from radarr_search) and, by default, start searching for it. \
Quality profile and root folder default to the first ones configured; the result says what was chosen. Refuses a \
movie that is already in Radarr. Not idempotent: it creates the movie.",
        annotations(
            title = "Radarr Add Movie",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn radarr_add_movie(
        &self,
        Parameters(args): Parameters<AddMovieArgs>,
    ) -> Result<Json<AddedMovieOutput>, ToolError> {
        let radarr = self.arr(Service::Radarr)?;
        let existing: Vec<Movie> = radarr.movie_by_tmdb(args.tmdb_id).await?;
        if let Some(m) = existing
            .into_iter()
            .find(|m| m.tmdb_id == Some(args.tmdb_id))
        {
            return Err(ToolError::invalid(
                "tmdbId",
                format!(
                    "\"{}\" is already in Radarr (movie id {}); nothing was added",
                    m.title,
                    m.id.unwrap_or(0)
                ),
            ));
        }
        let chosen = choose(
            radarr,
            args.quality_profile_id,
            args.root_folder_path.map(Text::into_string),
        )
        .await?;
        let body = NewMovie {
            tmdb_id: args.tmdb_id,
            title: &args.title,
            quality_profile_id: chosen.quality_profile_id,
            root_folder_path: &chosen.root_folder_path,
            monitored: args.monitored.unwrap_or(true),
            minimum_availability: args.minimum_availability.unwrap_or_default().as_str(),
            add_options: MovieAddOptions {
                search_for_movie: args.search_for_movie.unwrap_or(true),
            },
        };
        let added: Movie = radarr.add_movie(&body).await?;
        let message = format!(
            "Added \"{}\" ({}) to Radarr",
            added.title,
            added.year.map_or("?".into(), |y| y.to_string())
        );
        let path = added.path.clone();
        Ok(Json(AddedMovieOutput {
            message,
            movie: added.into(),
            path,
            chosen,
        }))
    }

    #[tool(
        description = "Monitored movies Radarr is still missing, one page at a time (`page`, `pageSize`); \
totalRecords tells how many there are. Read-only.",
        annotations(
            title = "Radarr Get Missing",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn radarr_get_missing(
        &self,
        Parameters(args): Parameters<PageArgs>,
    ) -> Result<Json<MissingMoviesOutput>, ToolError> {
        let (page, page_size) = page_args(&args);
        let got: Paged<Movie> = self
            .arr(Service::Radarr)?
            .missing(page, page_size, "digitalRelease")
            .await?;
        let movies: Vec<MovieRow> = got.records.into_iter().map(MovieRow::from).collect();
        Ok(Json(MissingMoviesOutput {
            total_records: got.total_records,
            page,
            page_size,
            showing: movies.len(),
            movies,
        }))
    }

    #[tool(
        description = "Radarr's download queue, every page read: title, state, protocol, client, size and time left. \
Read-only.",
        annotations(
            title = "Radarr Get Queue",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn radarr_get_queue(
        &self,
        Parameters(args): Parameters<LimitArgs>,
    ) -> Result<Json<QueueOutput>, ToolError> {
        self.queue(Service::Radarr, "includeUnknownMovieItems", args)
            .await
    }

    #[tool(
        description = "Movies with a cinema, digital or physical release between two dates (default the last 7 and \
next 30 days). Read-only.",
        annotations(
            title = "Radarr Get Calendar",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn radarr_get_calendar(
        &self,
        Parameters(args): Parameters<CalendarArgs>,
    ) -> Result<Json<MovieCalendarOutput>, ToolError> {
        let (start_date, end_date, limit) = calendar_window(args)?;
        let all: Vec<Movie> = self
            .arr(Service::Radarr)?
            .movie_calendar(&start_date, &end_date)
            .await?;
        let total_entries = all.len();
        let entries: Vec<MovieRow> = all.into_iter().take(limit).map(MovieRow::from).collect();
        Ok(Json(MovieCalendarOutput {
            start_date,
            end_date,
            total_entries,
            showing: entries.len(),
            entries,
        }))
    }

    #[tool(
        description = "Radarr's quality profiles and root folders (with free space): the ids and paths \
radarr_add_movie accepts. Read-only.",
        annotations(
            title = "Radarr Get Profiles",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn radarr_get_profiles(
        &self,
        _args: Parameters<NoArgs>,
    ) -> Result<Json<ProfilesOutput>, ToolError> {
        profiles(self.arr(Service::Radarr)?).await
    }

    #[tool(
        description = "Start Radarr searching for one movie (`movieId`), or for every missing movie when no id is \
given. Queues a Radarr command and returns its id; downloads follow in the background.",
        annotations(
            title = "Radarr Trigger Search",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn radarr_trigger_search(
        &self,
        Parameters(args): Parameters<MovieSearchArgs>,
    ) -> Result<Json<CommandOutput>, ToolError> {
        let (body, message) = match args.movie_id {
            Some(id) => (
                serde_json::json!({"name": "MoviesSearch", "movieIds": [id]}),
                format!("Triggered search for movie {id}"),
            ),
            None => (
                serde_json::json!({"name": "MissingMoviesSearch"}),
                "Triggered search for all missing movies".into(),
            ),
        };
        command(self.arr(Service::Radarr)?, body, message).await
    }

    #[tool(
        description = "Whether Sonarr and Radarr are reachable and accept their API keys, with their versions; both are \
checked at once. Never fails: an unavailable service says why. Read-only.",
        annotations(
            title = "Arr Get Status",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn arr_get_status(
        &self,
        _args: Parameters<NoArgs>,
    ) -> Result<Json<ArrStatusOutput>, ToolError> {
        let (sonarr, radarr) =
            tokio::join!(self.status(Service::Sonarr), self.status(Service::Radarr));
        Ok(Json(ArrStatusOutput {
            services: Services { sonarr, radarr },
        }))
    }
}

impl PlexMcp {
    /// The configured client, or a setup message naming the variable to set.
    fn arr(&self, service: Service) -> Result<&ArrClient, ToolError> {
        let (client, var, default_url) = match service {
            Service::Radarr => (
                &self.ctx.radarr,
                "RADARR",
                crate::config::DEFAULT_RADARR_URL,
            ),
            _ => (
                &self.ctx.sonarr,
                "SONARR",
                crate::config::DEFAULT_SONARR_URL,
            ),
        };
        client.as_ref().ok_or_else(|| {
            ToolError::NotConfigured(format!(
                "{var}_API_KEY environment variable is required. Find it in {} → Settings → General → API Key, \
                 and set {var}_URL too if it is not at {default_url}.",
                service.name()
            ))
        })
    }

    async fn status(&self, service: Service) -> ServiceStatus {
        let unavailable = |error: String| ServiceStatus {
            available: false,
            app_name: None,
            version: None,
            error: Some(error),
        };
        match self.arr(service) {
            Err(e) => unavailable(e.to_string()),
            Ok(client) => match client.system_status().await {
                Ok(s) => ServiceStatus {
                    available: true,
                    app_name: s.app_name,
                    version: s.version,
                    error: None,
                },
                Err(e) => unavailable(e.to_string()),
            },
        }
    }

    async fn queue(
        &self,
        service: Service,
        unknown_flag: &'static str,
        args: LimitArgs,
    ) -> Result<Json<QueueOutput>, ToolError> {
        let limit = args.limit.value_or(DEFAULT_LIMIT);
        let all: Vec<QueueItem> = self.arr(service)?.queue(unknown_flag).await?;
        let total_records = all.len();
        let items: Vec<QueueRow> = all.into_iter().take(limit).map(QueueRow::from).collect();
        Ok(Json(QueueOutput {
            total_records,
            showing: items.len(),
            items,
        }))
    }
}

fn page_args(args: &PageArgs) -> (usize, usize) {
    (
        args.page.value_or(1),
        args.page_size.value_or(DEFAULT_LIMIT),
    )
}

fn calendar_window(args: CalendarArgs) -> Result<(String, String, usize), ToolError> {
    let start = day_or(args.start_date, -7);
    let end = day_or(args.end_date, 30);
    if end < start {
        return Err(ToolError::invalid(
            "endDate",
            format!("{end} is before startDate {start}"),
        ));
    }
    Ok((start, end, args.limit.value_or(DEFAULT_LIMIT)))
}

/// The quality profile and root folder to add with: the caller's, or the first configured.
async fn choose(
    client: &ArrClient,
    profile: Option<i64>,
    folder: Option<String>,
) -> Result<Chosen, ToolError> {
    let (profiles, folders) = tokio::join!(client.quality_profiles(), client.root_folders(),);
    let (profiles, folders) = (profiles?, folders?);
    let mut auto_selected = Vec::new();
    let profile = match profile {
        Some(id) => profiles.iter().find(|p| p.id == id).ok_or_else(|| {
            ToolError::invalid(
                "qualityProfileId",
                format!("{id} is not a quality profile here; see the get_profiles tool"),
            )
        })?,
        None => {
            auto_selected.push("qualityProfileId");
            profiles.first().ok_or_else(|| {
                ToolError::NotConfigured(format!(
                    "{} has no quality profile; create one first.",
                    client.service().name()
                ))
            })?
        }
    };
    let root_folder_path = match folder {
        Some(path) => path,
        None => {
            auto_selected.push("rootFolderPath");
            folders.first().map(|f| f.path.clone()).ok_or_else(|| {
                ToolError::NotConfigured(format!(
                    "{} has no root folder; add one first.",
                    client.service().name()
                ))
            })?
        }
    };
    Ok(Chosen {
        quality_profile_id: profile.id,
        quality_profile_name: Some(profile.name.clone()),
        root_folder_path,
        language_profile_id: None,
        auto_selected,
    })
}

async fn profiles(client: &ArrClient) -> Result<Json<ProfilesOutput>, ToolError> {
    let (profiles, folders) = tokio::join!(client.quality_profiles(), client.root_folders(),);
    Ok(Json(ProfilesOutput {
        quality_profiles: profiles?
            .into_iter()
            .map(|p| ProfileRow {
                id: p.id,
                name: p.name,
                upgrade_allowed: p.upgrade_allowed,
            })
            .collect(),
        root_folders: folders?
            .into_iter()
            .map(|f| FolderRow {
                id: f.id,
                path: f.path,
                accessible: f.accessible,
                free_space: f.free_space,
            })
            .collect(),
    }))
}

async fn command(
    client: &ArrClient,
    body: serde_json::Value,
    message: String,
) -> Result<Json<CommandOutput>, ToolError> {
    let created: Command = client.command(&body).await?;
    Ok(Json(CommandOutput {
        command_id: created.id,
        message,
    }))
}

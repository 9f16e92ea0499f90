//! The `sonarr_*` tools: series, search, add, missing episodes, queue, calendar, profiles and
//! searches.

use crate::mcp::answer::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::arr::models::{
    Episode, LanguageProfile, NewSeries, Paged, Series, SeriesAddOptions, SystemStatus,
};
use crate::mcp::args::{OrDefault, Text};
use crate::time::{Iso, gb};
use crate::{
    backend::Service,
    mcp::tools::{NoArgs, preview},
    mcp::{error::ToolError, params::Parameters, server::PlexMcp},
};

use super::arr::{
    CalendarArgs, Chosen, CommandOutput, DEFAULT_LIMIT, LimitArgs, ListArgs, PageArgs,
    ProfilesOutput, QueueOutput, SearchArgs, calendar_window, choose, command, matches_filter,
    page_args, profiles, query_arg, raise_limit,
};

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
    /// From sonarr_search.
    pub tvdb_id: i64,
    /// From sonarr_search.
    pub title: Text<1, 500>,
    /// From sonarr_get_profiles; default the first.
    pub quality_profile_id: Option<i64>,
    /// From sonarr_get_profiles; default the first.
    pub root_folder_path: Option<Text<1, 4096>>,
    #[schemars(extend("default" = true))]
    pub monitored: Option<bool>,
    #[schemars(extend("default" = true))]
    pub season_folder: Option<bool>,
    #[schemars(extend("default" = "all"))]
    pub monitor_type: Option<MonitorType>,
    #[schemars(extend("default" = true))]
    pub search_for_missing_episodes: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeriesSearchArgs {
    /// id from sonarr_get_series (not tvdbId).
    pub series_id: Option<i64>,
}

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
    pub size_on_disk_gb: Option<f64>,
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
            size_on_disk_gb: stats.size_on_disk.map(|b| gb(b as f64)),
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more: Option<String>,
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
    pub airs_at: Option<Iso>,
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
            airs_at: e.air_date_utc.as_deref().map(Iso::rfc3339),
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
pub struct EpisodeCalendarOutput {
    pub start_date: String,
    pub end_date: String,
    pub total_entries: usize,
    pub showing: usize,
    pub entries: Vec<EpisodeRow>,
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

#[tool_router(router = sonarr_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Series in Sonarr with episode counts, size and ids, optionally by title. To find series not yet \
added use sonarr_search.",
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
            more: raise_limit(total_series, series.len()),
            series,
        }))
    }

    #[tool(
        description = "Look a series up online (TheTVDB) by title: gives the tvdbId sonarr_add_series takes; an id means it \
 is already in Sonarr.",
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
        description = "Add a series to Sonarr by tvdbId from sonarr_search and start searching for its episodes. Refuses \
one already there; removing it needs Sonarr itself.",
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
        description = "Aired monitored episodes Sonarr has no file for, newest first, a page at a time; totalRecords counts \
 them all.",
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
        description = "What Sonarr is downloading now: state, client, size and time left. Airing soon: sonarr_get_calendar.",
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
        description = "Episodes airing between two dates (by default from 7 days ago to 30 days ahead), and whether each \
file is there.",
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
        description = "Sonarr's quality profiles and root folders (with free space): the values sonarr_add_series takes.",
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
        description = "Make Sonarr search for one series' missing episodes, or all missing without seriesId. Returns the \
queued command; downloads follow.",
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
}

//! Reading from Trakt: `trakt_get_user_stats` and `trakt_search`.

use crate::mcp::answer::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::mcp::args::{Int, OrDefault, Text};
use crate::{
    mcp::tools::truncate,
    mcp::{error::ToolError, params::Parameters, server::PlexMcp},
    time::Iso,
    trakt::{
        api::{SearchKind, SearchPage},
        models::{Ids, Stats},
    },
};

const MILESTONES: [(&str, u64); 3] = [
    ("100 Movies Watched", 100),
    ("1000 Episodes Watched", 1000),
    ("100 Hours Watched", 100),
];
const OVERVIEW_PREVIEW: usize = 200;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UserStatsArgs {
    /// Ignored: always the signed-in user.
    pub user_id: Option<u64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserStatsOutput {
    pub user_id: u64,
    pub user_name: String,
    /// Trakt's own counters: watched, plays, minutes, collected, ratings per kind.
    pub trakt_stats: Stats,
    pub enhanced_stats: EnhancedStats,
    pub generated_at: Iso,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnhancedStats {
    /// Movie and episode minutes, in hours.
    pub total_hours: u64,
    /// Mean of the user's ratings (1-10), absent when they rated nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub average_rating: Option<f64>,
    pub milestones: Vec<Milestone>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Milestone {
    #[serde(rename = "type")]
    pub kind: String,
    pub achieved: bool,
    pub progress: u64,
    pub target: u64,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SearchType {
    Movie,
    Show,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    pub query: Text<1, 200>,
    #[serde(rename = "type")]
    pub kind: Option<SearchType>,
    pub year: Option<Int<1870, 2100>>,
    #[schemars(extend("default" = 10))]
    pub limit: Option<Int<1, 100>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchOutput {
    pub query: String,
    /// `movie`, `show` or `all`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    pub results: Vec<SearchHit>,
    /// Matches Trakt has in all (more than `results` when the limit cut them).
    pub total_results: u64,
    pub showing: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    pub ids: Ids,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overview: Option<String>,
}

#[tool_router(router = trakt_info_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "The signed-in Trakt user's totals: movies, shows, episodes, plays, hours, ratings. Plex-side totals: \
 get_watch_stats.",
        annotations(
            title = "Trakt Get User Stats",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn trakt_get_user_stats(
        &self,
        Parameters(args): Parameters<UserStatsArgs>,
    ) -> Result<Json<UserStatsOutput>, ToolError> {
        let trakt = self.trakt()?;
        let (user, stats) = tokio::try_join!(trakt.me(), trakt.stats())?;
        let total_hours = (stats.movies.minutes + stats.episodes.minutes + 30) / 60;
        let milestones = MILESTONES
            .iter()
            .zip([stats.movies.watched, stats.episodes.watched, total_hours])
            .map(|(&(kind, target), progress)| Milestone {
                kind: kind.into(),
                achieved: progress >= target,
                progress,
                target,
            })
            .collect();
        Ok(Json(UserStatsOutput {
            user_id: args.user_id.unwrap_or(0),
            user_name: user.name.filter(|n| !n.is_empty()).unwrap_or(user.username),
            enhanced_stats: EnhancedStats {
                total_hours,
                average_rating: stats.average_rating().map(|a| (a * 10.0).round() / 10.0),
                milestones,
            },
            trakt_stats: stats,
            generated_at: Iso::utc(chrono::Utc::now()),
        }))
    }

    #[tool(
        description = "Search Trakt's catalogue for movies and shows by title, with IMDb/TMDB/TVDB ids; no sign-in needed. \
In Plex: search_media.",
        annotations(
            title = "Trakt Search",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn trakt_search(
        &self,
        Parameters(args): Parameters<SearchArgs>,
    ) -> Result<Json<SearchOutput>, ToolError> {
        let trakt = self.trakt()?;
        let query = args.query.trim();
        if query.is_empty() {
            return Err(ToolError::invalid("query", "must not be blank"));
        }
        let limit = args.limit.value_or(10);
        let kind = match args.kind {
            Some(SearchType::Movie) => SearchKind::Movie,
            Some(SearchType::Show) => SearchKind::Show,
            None => SearchKind::Both,
        };
        let SearchPage { results, total } = trakt
            .search(kind, query, limit, args.year.map(Int::get))
            .await?;
        let results: Vec<SearchHit> = results
            .into_iter()
            .filter_map(|r| {
                let media = r.movie.or(r.show)?;
                Some(SearchHit {
                    kind: r.kind,
                    score: r.score,
                    title: media.title,
                    year: media.year,
                    ids: media.ids,
                    overview: media
                        .overview
                        .filter(|o| !o.is_empty())
                        .map(|o| truncate(&o, OVERVIEW_PREVIEW)),
                })
            })
            .take(limit)
            .collect();
        Ok(Json(SearchOutput {
            query: args.query.into_string(),
            kind: args
                .kind
                .map(|k| match k {
                    SearchType::Movie => "movie",
                    SearchType::Show => "show",
                })
                .unwrap_or("all")
                .into(),
            year: args.year.map(|y| y.get() as u16),
            total_results: total.unwrap_or(results.len() as u64),
            showing: results.len(),
            results,
        }))
    }
}

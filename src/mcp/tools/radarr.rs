//! The `radarr_*` tools: movies, search, add, missing movies, queue, calendar, profiles and
//! searches.

use crate::mcp::answer::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::arr::models::{Movie, MovieAddOptions, NewMovie, Paged};
use crate::mcp::args::{OrDefault, Text};
use crate::time::{day, gb};
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
    /// From radarr_search.
    pub tmdb_id: i64,
    /// From radarr_search.
    pub title: Text<1, 500>,
    /// From radarr_get_profiles; default the first.
    pub quality_profile_id: Option<i64>,
    /// From radarr_get_profiles; default the first.
    pub root_folder_path: Option<Text<1, 4096>>,
    #[schemars(extend("default" = true))]
    pub monitored: Option<bool>,
    #[schemars(extend("default" = "released"))]
    pub minimum_availability: Option<MinimumAvailability>,
    #[schemars(extend("default" = true))]
    pub search_for_movie: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MovieSearchArgs {
    /// id from radarr_get_movies (not tmdbId).
    pub movie_id: Option<i64>,
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
    pub runtime_minutes: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmdb_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imdb_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_on_disk_gb: Option<f64>,
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
            runtime_minutes: m.runtime,
            tmdb_id: m.tmdb_id,
            imdb_id: m.imdb_id,
            size_on_disk_gb: m.size_on_disk.map(|b| gb(b as f64)),
            minimum_availability: m.minimum_availability,
            in_cinemas: m.in_cinemas.as_deref().map(day),
            digital_release: m.digital_release.as_deref().map(day),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovieListOutput {
    /// Movies matching the filter.
    pub total_movies: usize,
    pub showing: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more: Option<String>,
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
pub struct MissingMoviesOutput {
    pub total_records: usize,
    pub page: usize,
    pub page_size: usize,
    pub showing: usize,
    pub movies: Vec<MovieRow>,
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
pub struct AddedMovieOutput {
    pub message: String,
    pub movie: MovieRow,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub chosen: Chosen,
}

#[tool_router(router = radarr_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Movies in Radarr with file state, size and ids, optionally by title. To find movies not yet added \
use radarr_search.",
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
            more: raise_limit(total_movies, movies.len()),
            movies,
        }))
    }

    #[tool(
        description = "Look a movie up online (TMDB) by title: gives the tmdbId radarr_add_movie takes; an id means it is \
already in Radarr.",
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
        description = "Add a movie to Radarr by tmdbId from radarr_search and start searching for it. Refuses one already \
there; removing it needs Radarr itself.",
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
        description = "Monitored movies Radarr has no file for, a page at a time; totalRecords counts them all. To fetch \
them use radarr_trigger_search.",
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
        description = "What Radarr is downloading now: state, client, size and time left. Finished movies: \
radarr_get_movies.",
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
        description = "Movie releases (cinema, digital, physical) between two dates; by default from 7 days ago to 30 days \
ahead.",
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
        description = "Radarr's quality profiles and root folders (with free space): the values radarr_add_movie takes.",
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
        description = "Make Radarr search for one movie, or every missing one without movieId. Returns the queued command; \
downloads follow.",
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
}

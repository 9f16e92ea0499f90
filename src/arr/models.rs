//! Typed views of the Sonarr and Radarr v3 resources plex-mcp reads (shapes from the published
//! OpenAPI documents). Fields the servers may omit default.

use serde::{Deserialize, Serialize};

/// A paged list: `/queue`, `/wanted/missing`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", bound = "T: Deserialize<'de>")]
pub struct Paged<T> {
    #[serde(default)]
    pub total_records: usize,
    #[serde(default = "Vec::new")]
    pub records: Vec<T>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SystemStatus {
    pub app_name: Option<String>,
    pub version: Option<String>,
}

impl SystemStatus {
    /// The major version (3 for Sonarr v3, which needs a language profile on add).
    pub fn major(&self) -> Option<u32> {
        self.version.as_deref()?.split('.').next()?.parse().ok()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SeriesStatistics {
    pub season_count: Option<u32>,
    pub episode_file_count: Option<u32>,
    pub episode_count: Option<u32>,
    pub percent_of_episodes: Option<f64>,
    pub size_on_disk: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Season {
    #[serde(rename = "seasonNumber")]
    pub season_number: i32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Series {
    pub id: Option<i64>,
    pub title: String,
    pub year: Option<i32>,
    pub status: Option<String>,
    pub network: Option<String>,
    pub monitored: Option<bool>,
    pub tvdb_id: Option<i64>,
    pub imdb_id: Option<String>,
    pub overview: Option<String>,
    pub runtime: Option<i32>,
    pub genres: Vec<String>,
    pub certification: Option<String>,
    pub path: Option<String>,
    pub quality_profile_id: Option<i64>,
    pub seasons: Vec<Season>,
    /// Absent on some servers and on lookups; tolerated.
    pub statistics: Option<SeriesStatistics>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Movie {
    pub id: Option<i64>,
    pub title: String,
    pub year: Option<i32>,
    pub status: Option<String>,
    pub has_file: Option<bool>,
    pub monitored: Option<bool>,
    pub runtime: Option<i32>,
    pub tmdb_id: Option<i64>,
    pub imdb_id: Option<String>,
    pub size_on_disk: Option<i64>,
    pub minimum_availability: Option<String>,
    pub overview: Option<String>,
    pub genres: Vec<String>,
    pub certification: Option<String>,
    pub path: Option<String>,
    pub quality_profile_id: Option<i64>,
    pub in_cinemas: Option<String>,
    pub physical_release: Option<String>,
    pub digital_release: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Episode {
    pub id: Option<i64>,
    pub series_id: Option<i64>,
    pub season_number: Option<i32>,
    pub episode_number: Option<i32>,
    pub title: Option<String>,
    pub air_date: Option<String>,
    pub air_date_utc: Option<String>,
    pub has_file: Option<bool>,
    pub monitored: Option<bool>,
    pub overview: Option<String>,
    pub series: Option<Series>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct QueueItem {
    pub id: Option<i64>,
    pub title: Option<String>,
    pub status: Option<String>,
    pub tracked_download_status: Option<String>,
    pub tracked_download_state: Option<String>,
    pub protocol: Option<String>,
    pub download_client: Option<String>,
    pub size: Option<f64>,
    pub sizeleft: Option<f64>,
    pub timeleft: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct QualityProfile {
    pub id: i64,
    pub name: String,
    pub upgrade_allowed: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RootFolder {
    pub id: Option<i64>,
    pub path: String,
    pub accessible: Option<bool>,
    pub free_space: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LanguageProfile {
    pub id: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Command {
    pub id: Option<i64>,
}

/// The body of `POST /series`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSeries<'a> {
    pub tvdb_id: i64,
    pub title: &'a str,
    pub quality_profile_id: i64,
    pub root_folder_path: &'a str,
    /// Sonarr v3 requires one; v4 has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language_profile_id: Option<i64>,
    pub monitored: bool,
    pub season_folder: bool,
    pub add_options: SeriesAddOptions<'a>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesAddOptions<'a> {
    pub monitor: &'a str,
    pub search_for_missing_episodes: bool,
    pub search_for_cutoff_unmet_episodes: bool,
}

/// The body of `POST /movie`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewMovie<'a> {
    pub tmdb_id: i64,
    pub title: &'a str,
    pub quality_profile_id: i64,
    pub root_folder_path: &'a str,
    pub monitored: bool,
    pub minimum_availability: &'a str,
    pub add_options: MovieAddOptions,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MovieAddOptions {
    pub search_for_movie: bool,
}

//! Sonarr and Radarr endpoints (`/api/v3`), one method each. Both services share the API; the
//! methods a service does not have are simply not called for it.

use serde::{Serialize, de::DeserializeOwned};

use super::{
    client::ArrClient,
    models::{
        Command, Episode, LanguageProfile, Movie, NewMovie, NewSeries, Paged, QualityProfile,
        QueueItem, RootFolder, Series, SystemStatus,
    },
};
use crate::backend::BackendError;

impl ArrClient {
    // ---- both ----

    pub async fn system_status(&self) -> Result<SystemStatus, BackendError> {
        self.get("/system/status", &[]).await
    }

    pub async fn quality_profiles(&self) -> Result<Vec<QualityProfile>, BackendError> {
        self.get("/qualityprofile", &[]).await
    }

    pub async fn root_folders(&self) -> Result<Vec<RootFolder>, BackendError> {
        self.get("/rootfolder", &[]).await
    }

    /// The whole download queue. `unknown_flag` is the service's own name for "include items
    /// it cannot match" (`includeUnknownSeriesItems`, `includeUnknownMovieItems`).
    pub async fn queue(&self, unknown_flag: &'static str) -> Result<Vec<QueueItem>, BackendError> {
        self.all_pages("/queue", &[(unknown_flag, "true".to_string())])
            .await
    }

    /// Starts a command (a search); `body` names it and its arguments.
    pub async fn command<B: Serialize>(&self, body: &B) -> Result<Command, BackendError> {
        self.post("/command", body).await
    }

    /// One page of what is monitored and missing, newest `sort_key` first.
    pub async fn missing<T: DeserializeOwned>(
        &self,
        page: usize,
        page_size: usize,
        sort_key: &str,
    ) -> Result<Paged<T>, BackendError> {
        let query = [
            ("page", page.to_string()),
            ("pageSize", page_size.to_string()),
            ("sortKey", sort_key.to_string()),
            ("sortDirection", "descending".to_string()),
        ];
        self.get("/wanted/missing", &query).await
    }

    // ---- Sonarr ----

    pub async fn series(&self) -> Result<Vec<Series>, BackendError> {
        self.get("/series", &[]).await
    }

    pub async fn series_by_tvdb(&self, tvdb_id: i64) -> Result<Vec<Series>, BackendError> {
        self.get("/series", &[("tvdbId", tvdb_id.to_string())])
            .await
    }

    pub async fn series_lookup(&self, term: &str) -> Result<Vec<Series>, BackendError> {
        self.get("/series/lookup", &[("term", term.to_string())])
            .await
    }

    /// Sonarr v3 only (v4 dropped language profiles).
    pub async fn language_profiles(&self) -> Result<Vec<LanguageProfile>, BackendError> {
        self.get("/languageprofile", &[]).await
    }

    pub async fn add_series(&self, series: &NewSeries<'_>) -> Result<Series, BackendError> {
        self.post("/series", series).await
    }

    /// Monitored episodes airing between the two days (YYYY-MM-DD), with their series.
    pub async fn episode_calendar(
        &self,
        start: &str,
        end: &str,
    ) -> Result<Vec<Episode>, BackendError> {
        let query = [
            ("start", start.to_string()),
            ("end", end.to_string()),
            ("unmonitored", "false".to_string()),
            ("includeSeries", "true".to_string()),
        ];
        self.get("/calendar", &query).await
    }

    // ---- Radarr ----

    pub async fn movies(&self) -> Result<Vec<Movie>, BackendError> {
        self.get("/movie", &[]).await
    }

    pub async fn movie_by_tmdb(&self, tmdb_id: i64) -> Result<Vec<Movie>, BackendError> {
        self.get("/movie", &[("tmdbId", tmdb_id.to_string())]).await
    }

    pub async fn movie_lookup(&self, term: &str) -> Result<Vec<Movie>, BackendError> {
        self.get("/movie/lookup", &[("term", term.to_string())])
            .await
    }

    pub async fn add_movie(&self, movie: &NewMovie<'_>) -> Result<Movie, BackendError> {
        self.post("/movie", movie).await
    }

    /// Monitored movies releasing between the two days (YYYY-MM-DD).
    pub async fn movie_calendar(&self, start: &str, end: &str) -> Result<Vec<Movie>, BackendError> {
        let query = [
            ("start", start.to_string()),
            ("end", end.to_string()),
            ("unmonitored", "false".to_string()),
        ];
        self.get("/calendar", &query).await
    }
}

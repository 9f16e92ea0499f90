//! Trakt API v2 request and response shapes (only the fields plex-mcp uses).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Ids Trakt knows an item by. Trakt matches on any one of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct Ids {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trakt: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imdb: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmdb: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tvdb: Option<u64>,
}

impl Ids {
    pub fn is_empty(&self) -> bool {
        self.trakt.is_none() && self.imdb.is_none() && self.tmdb.is_none() && self.tvdb.is_none()
    }

    /// Every id as a key that writes itself `scheme:value`, for matching against either side.
    pub fn keys(&self) -> impl Iterator<Item = IdKey<'_>> + '_ {
        [
            self.tmdb.map(IdKey::Tmdb),
            self.tvdb.map(IdKey::Tvdb),
            self.imdb.as_deref().map(IdKey::Imdb),
        ]
        .into_iter()
        .flatten()
    }
}

/// One of an item's ids, written `tmdb:949`: formatted where it is used, so matching a long
/// history builds no string per id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKey<'a> {
    Tmdb(u64),
    Tvdb(u64),
    Imdb(&'a str),
}

impl std::fmt::Display for IdKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdKey::Tmdb(id) => write!(f, "tmdb:{id}"),
            IdKey::Tvdb(id) => write!(f, "tvdb:{id}"),
            IdKey::Imdb(id) => write!(f, "imdb:{id}"),
        }
    }
}

impl From<crate::plex::models::ExternalIds> for Ids {
    fn from(ext: crate::plex::models::ExternalIds) -> Self {
        Ids {
            imdb: ext.imdb,
            tmdb: ext.tmdb.and_then(|v| v.parse().ok()),
            tvdb: ext.tvdb.and_then(|v| v.parse().ok()),
            ..Default::default()
        }
    }
}

/// A token answer from `/oauth/token` or `/oauth/device/token`.
#[derive(Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub expires_in: i64,
}

#[derive(Debug, Deserialize)]
pub struct DeviceCode {
    pub device_code: String,
    pub user_code: String,
    pub verification_url: String,
    pub expires_in: u64,
    pub interval: u64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct User {
    pub username: String,
    pub name: Option<String>,
    pub vip: Option<bool>,
    pub joined_at: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct MediaStats {
    pub watched: u64,
    pub plays: u64,
    pub minutes: u64,
    pub collected: u64,
    pub ratings: u64,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct RatingStats {
    pub total: u64,
    /// Count of ratings per value "1".."10".
    pub distribution: std::collections::BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct Stats {
    pub movies: MediaStats,
    pub shows: MediaStats,
    pub episodes: MediaStats,
    pub ratings: RatingStats,
}

impl Stats {
    /// The mean of the user's ratings (1-10), when they rated anything.
    pub fn average_rating(&self) -> Option<f64> {
        let (sum, count) = self
            .ratings
            .distribution
            .iter()
            .filter_map(|(k, n)| Some((k.parse::<f64>().ok()?, *n)))
            .fold((0.0, 0u64), |(s, c), (v, n)| (s + v * n as f64, c + n));
        (count > 0).then(|| sum / count as f64)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Media {
    pub title: String,
    pub year: Option<i32>,
    pub ids: Ids,
    pub overview: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Episode {
    pub season: u32,
    pub number: u32,
    pub title: Option<String>,
    pub ids: Ids,
}

/// One row of `/sync/history/{movies|episodes}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HistoryEntry {
    pub watched_at: String,
    pub movie: Option<Media>,
    pub show: Option<Media>,
    pub episode: Option<Episode>,
}

/// One row of `/sync/ratings/{type}` or `/sync/watchlist/{type}`: a movie, a show, or a show's
/// episode, with the rating when it is a rating.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListEntry {
    pub rating: Option<u8>,
    pub movie: Option<Media>,
    pub show: Option<Media>,
    pub episode: Option<Episode>,
}

/// `POST /sync/ratings`, `/sync/watchlist` and their `/remove` bodies: movies and shows by ids,
/// and episodes nested under their show by season and number.
#[derive(Debug, Default, Serialize)]
pub struct ListPost {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub movies: Vec<ListItem>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shows: Vec<ListShow>,
}

#[derive(Debug, Serialize)]
pub struct ListItem {
    pub ids: Ids,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
}

#[derive(Debug, Serialize)]
pub struct ListShow {
    pub ids: Ids,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub seasons: Vec<ListSeason>,
}

#[derive(Debug, Serialize)]
pub struct ListSeason {
    pub number: u32,
    pub episodes: Vec<ListEpisode>,
}

#[derive(Debug, Serialize)]
pub struct ListEpisode {
    pub number: u32,
    pub rating: u8,
}

/// Trakt's answer to a ratings or watchlist change.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListAnswer {
    pub added: ListCounts,
    pub deleted: ListCounts,
    pub existing: ListCounts,
    pub not_found: NotFound,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListCounts {
    pub movies: u64,
    pub shows: u64,
    pub episodes: u64,
}

/// One row of `/sync/watched/{movies|shows}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WatchedEntry {
    pub plays: u64,
    pub last_watched_at: Option<String>,
    pub movie: Option<Media>,
    pub show: Option<Media>,
    pub seasons: Vec<WatchedSeason>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WatchedSeason {
    pub number: u32,
    pub episodes: Vec<WatchedEpisode>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WatchedEpisode {
    pub number: u32,
    pub plays: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchResult {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: Option<f64>,
    pub movie: Option<Media>,
    pub show: Option<Media>,
}

/// The answer to `POST /sync/history`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HistoryAdded {
    pub added: AddedCounts,
    pub not_found: NotFound,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AddedCounts {
    pub movies: u64,
    pub episodes: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NotFound {
    pub movies: Vec<NotFoundItem>,
    pub shows: Vec<NotFoundItem>,
    pub episodes: Vec<NotFoundItem>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NotFoundItem {
    pub ids: Ids,
}

/// `POST /sync/history` body.
#[derive(Debug, Default, Serialize)]
pub struct HistoryPost {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub movies: Vec<PostMovie>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shows: Vec<PostShow>,
}

#[derive(Debug, Serialize)]
pub struct PostMovie {
    pub ids: Ids,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    pub watched_at: String,
}

#[derive(Debug, Serialize)]
pub struct PostShow {
    pub ids: Ids,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    pub seasons: Vec<PostSeason>,
}

#[derive(Debug, Serialize)]
pub struct PostSeason {
    pub number: u32,
    pub episodes: Vec<PostEpisode>,
}

#[derive(Debug, Serialize)]
pub struct PostEpisode {
    pub number: u32,
    pub watched_at: String,
}

/// `POST /scrobble/{start|pause|stop}` body: a movie, or a show with the episode's numbers.
#[derive(Debug, Clone, Serialize)]
pub struct ScrobbleBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub movie: Option<ScrobbleMedia>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show: Option<ScrobbleMedia>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub episode: Option<ScrobbleEpisode>,
    pub progress: f64,
    pub app_version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScrobbleMedia {
    pub ids: Ids,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScrobbleEpisode {
    pub season: u32,
    pub number: u32,
}

/// Trakt datetimes as it writes them: UTC with milliseconds.
pub fn trakt_time(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S.000Z")
        .to_string()
}

/// Unix seconds of a Trakt datetime.
pub fn parse_trakt_time(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_at_second_precision() {
        let s = trakt_time(1_700_000_000);
        assert_eq!(s, "2023-11-14T22:13:20.000Z");
        assert_eq!(parse_trakt_time(&s), Some(1_700_000_000));
        assert_eq!(
            parse_trakt_time("2023-11-14T22:13:20.391Z"),
            Some(1_700_000_000)
        );
    }

    #[test]
    fn keys_list_tmdb_then_tvdb_then_imdb() {
        // The first key is the one the sync ledger is keyed by.
        let ids = Ids {
            imdb: Some("tt1".into()),
            tvdb: Some(7),
            tmdb: Some(9),
            ..Default::default()
        };
        assert_eq!(
            ids.keys().map(|k| k.to_string()).collect::<Vec<_>>(),
            ["tmdb:9", "tvdb:7", "imdb:tt1"]
        );
        assert_eq!(Ids::default().keys().count(), 0);
    }

    #[test]
    fn average_rating_weights_by_count() {
        let mut stats = Stats::default();
        assert_eq!(stats.average_rating(), None);
        stats.ratings.distribution.insert("10".into(), 1);
        stats.ratings.distribution.insert("4".into(), 2);
        assert_eq!(stats.average_rating(), Some(6.0));
    }
}

//! Fake Sonarr and Radarr (API v3): stateful, so an added series or movie appears in the list and
//! a triggered search appears as a command. Resources carry only the properties the published
//! OpenAPI documents define (they forbid any other).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    extract::{Query, Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};

use super::{RECORDED, Recent, carries_credential, data::Dataset, lock};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Sonarr,
    Radarr,
}

/// The server's state: its library (series or movies), wanted list, queue and commands.
pub struct ArrState {
    pub flavour: Flavour,
    pub version: String,
    pub library: Vec<Value>,
    /// What `/lookup` finds: the library plus titles not yet added.
    pub catalog: Vec<Value>,
    pub missing: Vec<Value>,
    pub calendar: Vec<Value>,
    pub queue: Vec<Value>,
    pub commands: Vec<Value>,
    /// The bodies of the POSTs (adds and commands), newest [`RECORDED`], for tests to inspect.
    pub posted: Recent<Value>,
}

/// Test-side handle on a running fake Sonarr or Radarr.
#[derive(Clone)]
pub struct ArrHandle(pub Arc<Mutex<ArrState>>);

impl ArrHandle {
    /// Pretends to be another version (Sonarr 3 requires a language profile when adding).
    pub fn set_version(&self, version: &str) {
        lock(&self.0).version = version.to_string();
    }

    /// The bodies of the POSTs so far (the newest [`RECORDED`]).
    pub fn posted(&self) -> Vec<Value> {
        lock(&self.0).posted.to_vec()
    }

    pub fn library_len(&self) -> usize {
        lock(&self.0).library.len()
    }
}

const NETWORKS: [&str; 4] = ["HBO", "BBC One", "Netflix", "AMC"];

fn date(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn day(ts: i64) -> String {
    date(ts)[..10].to_string()
}

fn guid_number(guids: &[super::data::GuidTag], scheme: &str) -> Option<i64> {
    guids
        .iter()
        .find_map(|g| g.id.strip_prefix(scheme))
        .and_then(|v| v.parse().ok())
}

fn guid_text(guids: &[super::data::GuidTag], scheme: &str) -> Option<String> {
    guids
        .iter()
        .find_map(|g| g.id.strip_prefix(scheme).map(str::to_string))
}

/// A series; `episodes: None` leaves out `statistics`, as some servers do.
fn series_resource(
    id: i64,
    title: &str,
    year: i32,
    (tvdb, imdb): (i64, Option<String>),
    seasons: u32,
    episodes: Option<u32>,
) -> Value {
    let slug = title
        .to_lowercase()
        .replace(|c: char| !c.is_alphanumeric(), "-");
    let mut v = json!({
        "id": id,
        "title": title,
        "sortTitle": title.to_lowercase(),
        "status": if id % 3 == 0 { "ended" } else { "continuing" },
        "ended": id % 3 == 0,
        "overview": format!("{title} is a series about people and places."),
        "network": NETWORKS[(id % 4) as usize],
        "year": year,
        "path": format!("/tv/{slug}"),
        "qualityProfileId": 1,
        "seasonFolder": true,
        "monitored": true,
        "runtime": 45,
        "tvdbId": tvdb,
        "titleSlug": slug,
        "genres": ["Drama"],
        "tags": [],
        "seasons": (1..=seasons).map(|n| json!({"seasonNumber": n, "monitored": true})).collect::<Vec<_>>(),
    });
    if let Some(imdb) = imdb {
        v["imdbId"] = json!(imdb);
    }
    if let Some(episodes) = episodes {
        v["statistics"] = json!({
            "seasonCount": seasons,
            "episodeFileCount": episodes.saturating_sub(2),
            "episodeCount": episodes,
            "totalEpisodeCount": episodes,
            "sizeOnDisk": episodes as i64 * 1_500_000_000,
            "percentOfEpisodes": if episodes == 0 { 0.0 } else { (episodes.saturating_sub(2)) as f64 * 100.0 / episodes as f64 },
        });
    }
    v
}

fn movie_resource(
    id: Option<i64>,
    title: &str,
    year: i32,
    tmdb: i64,
    imdb: Option<String>,
    has_file: bool,
    now: i64,
) -> Value {
    let slug = title
        .to_lowercase()
        .replace(|c: char| !c.is_alphanumeric(), "-");
    let mut v = json!({
        "title": title,
        "sortTitle": title.to_lowercase(),
        "status": "released",
        "overview": format!("{title} is a film."),
        "inCinemas": date(now - (tmdb % 400) * 86_400 + 20 * 86_400),
        "digitalRelease": date(now - (tmdb % 400) * 86_400 + 60 * 86_400),
        "year": year,
        "hasFile": has_file,
        "monitored": true,
        "minimumAvailability": "released",
        "runtime": 110,
        "tmdbId": tmdb,
        "titleSlug": slug,
        "path": format!("/movies/{slug} ({year})"),
        "qualityProfileId": 1,
        "genres": ["Drama"],
        "certification": "PG-13",
        "sizeOnDisk": if has_file { 8_000_000_000i64 } else { 0 },
        "tags": [],
    });
    if let Some(id) = id {
        v["id"] = json!(id);
    }
    if let Some(imdb) = imdb {
        v["imdbId"] = json!(imdb);
    }
    v
}

impl ArrState {
    /// Sonarr holding the sample shows, with a wanted list, a calendar and a queue long enough
    /// to need several pages.
    pub fn sonarr(data: &Dataset, now: i64) -> Self {
        let shows: Vec<_> = data.items.iter().filter(|i| i.kind == "show").collect();
        let mut library = Vec::new();
        for (n, show) in shows.iter().enumerate() {
            let id = n as i64 + 1;
            let tvdb = guid_number(&show.guids, "tvdb://").unwrap_or(100_000 + id);
            // One series lacks statistics, as some servers send them.
            library.push(series_resource(
                id,
                &show.title,
                show.year.unwrap_or(2000),
                (tvdb, guid_text(&show.guids, "imdb://")),
                show.child_count.unwrap_or(1),
                (n != 1).then(|| show.leaf_count.unwrap_or(0)),
            ));
        }
        let mut catalog = library.clone();
        for (n, extra) in ["Northern Lights", "The Night Shift Files", "Harbor Watch"]
            .iter()
            .enumerate()
        {
            let mut s = series_resource(
                0,
                extra,
                2021 + n as i32,
                (900_001 + n as i64, None),
                2,
                None,
            );
            if let Value::Object(m) = &mut s {
                m.remove("id");
                m.remove("path");
            }
            catalog.push(s);
        }
        let episode = |id: i64, series: i64, season: i64, number: i64, air: i64, has_file: bool| {
            json!({
                "id": id,
                "seriesId": series,
                "tvdbId": 7_000_000 + id,
                "episodeFileId": if has_file { id } else { 0 },
                "seasonNumber": season,
                "episodeNumber": number,
                "title": format!("Episode {number}"),
                "airDate": day(air),
                "airDateUtc": date(air),
                "overview": "An episode.",
                "hasFile": has_file,
                "monitored": true,
            })
        };
        let series_count = library.len().max(1) as i64;
        let missing = (0..620)
            .map(|i| {
                episode(
                    10_000 + i,
                    1 + i % series_count,
                    1 + i / 50,
                    1 + i % 50,
                    now - (i + 1) * 86_400,
                    false,
                )
            })
            .collect();
        let calendar = (0..40)
            .map(|i| {
                episode(
                    20_000 + i,
                    1 + i % series_count,
                    9,
                    1 + i,
                    now + (i - 10) * 86_400,
                    i < 10,
                )
            })
            .collect();
        let queue = (0..260)
            .map(|i| queue_item(i, &format!("Series.S01E{:02}.1080p", i % 99)))
            .collect();
        ArrState {
            flavour: Flavour::Sonarr,
            version: "4.0.9.2244".into(),
            library,
            catalog,
            missing,
            calendar,
            queue,
            commands: Vec::new(),
            posted: Recent::new(RECORDED),
        }
    }

    /// Radarr holding the sample Movies library.
    pub fn radarr(data: &Dataset, now: i64) -> Self {
        let movies: Vec<_> = data
            .items
            .iter()
            .filter(|i| i.kind == "movie" && i.library_section_id == 1)
            .collect();
        let mut library = Vec::new();
        for (n, m) in movies.iter().enumerate() {
            let tmdb = guid_number(&m.guids, "tmdb://").unwrap_or(n as i64 + 1);
            library.push(movie_resource(
                Some(n as i64 + 1),
                &m.title,
                m.year.unwrap_or(2000),
                tmdb,
                guid_text(&m.guids, "imdb://"),
                n % 7 != 0,
                now,
            ));
        }
        let mut catalog = library.clone();
        for (n, extra) in ["Night Train to Lisbon", "Paper Moons", "Quiet Harbor"]
            .iter()
            .enumerate()
        {
            catalog.push(movie_resource(
                None,
                extra,
                2019 + n as i32,
                800_001 + n as i64,
                None,
                false,
                now,
            ));
        }
        let missing = library
            .iter()
            .filter(|m| m["hasFile"] == json!(false))
            .cloned()
            .collect();
        let calendar = library.iter().take(12).cloned().collect();
        let queue = (0..30)
            .map(|i| queue_item(i, &format!("Movie.{i}.2160p")))
            .collect();
        ArrState {
            flavour: Flavour::Radarr,
            version: "5.8.3.8933".into(),
            library,
            catalog,
            missing,
            calendar,
            queue,
            commands: Vec::new(),
            posted: Recent::new(RECORDED),
        }
    }
}

fn queue_item(i: i64, title: &str) -> Value {
    json!({
        "id": 1 + i,
        "title": title,
        "size": 2_000_000_000.0,
        "sizeleft": (i % 10) as f64 * 100_000_000.0,
        "timeleft": format!("00:{:02}:00", i % 60),
        "status": if i % 5 == 0 { "paused" } else { "downloading" },
        "trackedDownloadStatus": "ok",
        "trackedDownloadState": "downloading",
        "protocol": if i % 2 == 0 { "torrent" } else { "usenet" },
        "downloadClient": "qBittorrent",
    })
}

#[derive(Clone)]
struct Fake {
    state: ArrHandle,
    key: String,
}

type Params = Query<HashMap<String, String>>;

pub(super) fn router(state: ArrHandle, key: String) -> Router {
    let fake = Fake { state, key };
    let library = match lock(&fake.state.0).flavour {
        Flavour::Sonarr => "/api/v3/series",
        Flavour::Radarr => "/api/v3/movie",
    };
    Router::new()
        .route("/api/v3/system/status", get(status))
        .route(library, get(list_library).post(add))
        .route(&format!("{library}/lookup"), get(lookup))
        .route("/api/v3/wanted/missing", get(missing))
        .route("/api/v3/calendar", get(calendar))
        .route("/api/v3/queue", get(queue))
        .route("/api/v3/qualityprofile", get(quality_profiles))
        .route("/api/v3/rootfolder", get(root_folders))
        .route("/api/v3/languageprofile", get(language_profiles))
        .route("/api/v3/command", get(commands).post(command))
        .layer(axum::middleware::from_fn_with_state(
            fake.clone(),
            require_key,
        ))
        .with_state(fake)
}

async fn require_key(State(f): State<Fake>, req: Request, next: Next) -> Response {
    if carries_credential(&req, "x-api-key", "apikey", &f.key) {
        next.run(req).await
    } else {
        StatusCode::UNAUTHORIZED.into_response()
    }
}

async fn status(State(f): State<Fake>) -> Json<Value> {
    let s = lock(&f.state.0);
    let app = match s.flavour {
        Flavour::Sonarr => "Sonarr",
        Flavour::Radarr => "Radarr",
    };
    Json(json!({
        "appName": app,
        "instanceName": app,
        "version": s.version,
        "isDebug": false,
        "isProduction": true,
        "isLinux": true,
        "isDocker": true,
        "branch": "main",
        "urlBase": "",
        "startTime": "2026-11-01T00:00:00Z",
    }))
}

async fn list_library(State(f): State<Fake>, Query(q): Params) -> Json<Value> {
    let s = lock(&f.state.0);
    let filter = q.get("tvdbId").or_else(|| q.get("tmdbId"));
    let field = if s.flavour == Flavour::Sonarr {
        "tvdbId"
    } else {
        "tmdbId"
    };
    let rows: Vec<Value> = s
        .library
        .iter()
        .filter(|r| filter.is_none_or(|id| id.parse::<i64>().ok() == r[field].as_i64()))
        .cloned()
        .collect();
    Json(Value::Array(rows))
}

async fn lookup(State(f): State<Fake>, Query(q): Params) -> Json<Value> {
    let term = q.get("term").map(|t| t.to_lowercase()).unwrap_or_default();
    let s = lock(&f.state.0);
    let rows: Vec<Value> = s
        .catalog
        .iter()
        .filter(|r| {
            !term.is_empty()
                && r["title"]
                    .as_str()
                    .unwrap_or("")
                    .to_lowercase()
                    .contains(&term)
        })
        .cloned()
        .collect();
    Json(Value::Array(rows))
}

fn validation_error(property: &str, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!([{"propertyName": property, "errorMessage": message, "severity": "error"}])),
    )
        .into_response()
}

async fn add(State(f): State<Fake>, Json(body): Json<Value>) -> Response {
    let mut s = lock(&f.state.0);
    s.posted.push(body.clone());
    let (id_field, path_root) = match s.flavour {
        Flavour::Sonarr => ("tvdbId", "/tv"),
        Flavour::Radarr => ("tmdbId", "/movies"),
    };
    let Some(external) = body[id_field].as_i64() else {
        return validation_error(id_field, "must be set");
    };
    if body["qualityProfileId"].as_i64().is_none() || body["rootFolderPath"].as_str().is_none() {
        return validation_error(
            "QualityProfileId",
            "'Quality Profile Id' must be greater than '0'.",
        );
    }
    if s.flavour == Flavour::Sonarr
        && s.version.starts_with("3.")
        && body["languageProfileId"].as_i64().unwrap_or(0) < 1
    {
        return validation_error(
            "LanguageProfileId",
            "'Language Profile Id' must be greater than '0'.",
        );
    }
    if s.library.iter().any(|r| r[id_field] == json!(external)) {
        let what = if s.flavour == Flavour::Sonarr {
            "series"
        } else {
            "movie"
        };
        return validation_error(id_field, &format!("This {what} has already been added"));
    }
    let Some(template) = s
        .catalog
        .iter()
        .find(|r| r[id_field] == json!(external))
        .cloned()
    else {
        return validation_error(id_field, "Unknown id");
    };
    let mut added = template;
    let id = s.library.len() as i64 + 1;
    let slug = added["titleSlug"].as_str().unwrap_or("item").to_string();
    added["id"] = json!(id);
    added["path"] = json!(format!("{path_root}/{slug}"));
    added["qualityProfileId"] = body["qualityProfileId"].clone();
    added["monitored"] = body["monitored"].clone();
    s.library.push(added.clone());
    (StatusCode::CREATED, Json(added)).into_response()
}

fn page_of(rows: &[Value], q: &HashMap<String, String>, sort_key: &str) -> Value {
    let page = q
        .get("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let size = q
        .get("pageSize")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(10)
        .max(1);
    let start = ((page - 1) * size).min(rows.len());
    let end = (start + size).min(rows.len());
    json!({
        "page": page,
        "pageSize": size,
        "sortKey": q.get("sortKey").map_or(sort_key, |s| s.as_str()),
        "sortDirection": "descending",
        "totalRecords": rows.len(),
        "records": rows[start..end],
    })
}

async fn missing(State(f): State<Fake>, Query(q): Params) -> Json<Value> {
    let s = lock(&f.state.0);
    Json(page_of(&s.missing, &q, "airDateUtc"))
}

async fn queue(State(f): State<Fake>, Query(q): Params) -> Response {
    let s = lock(&f.state.0);
    // Each server accepts only its own flag, as the real ones validate their query.
    let wrong = match s.flavour {
        Flavour::Sonarr => "includeUnknownMovieItems",
        Flavour::Radarr => "includeUnknownSeriesItems",
    };
    if q.contains_key(wrong) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": format!("Unknown parameter {wrong}")})),
        )
            .into_response();
    }
    Json(page_of(&s.queue, &q, "timeleft")).into_response()
}

async fn calendar(State(f): State<Fake>, Query(q): Params) -> Json<Value> {
    let s = lock(&f.state.0);
    let start = q.get("start").cloned().unwrap_or_default();
    let end = q.get("end").cloned().unwrap_or_else(|| "9999".into());
    let date_field = if s.flavour == Flavour::Sonarr {
        "airDate"
    } else {
        "inCinemas"
    };
    let with_series = q.get("includeSeries").is_some_and(|v| v == "true");
    let rows: Vec<Value> = s
        .calendar
        .iter()
        .filter(|e| {
            let d = e[date_field].as_str().unwrap_or("");
            d >= start.as_str() && d[..10.min(d.len())] <= *end.as_str()
        })
        .map(|e| {
            let mut e = e.clone();
            if with_series && let Some(series) = s.library.iter().find(|r| r["id"] == e["seriesId"])
            {
                e["series"] = series.clone();
            }
            e
        })
        .collect();
    Json(Value::Array(rows))
}

async fn quality_profiles() -> Json<Value> {
    Json(json!([
        {"id": 1, "name": "HD-1080p", "upgradeAllowed": true, "cutoff": 7, "items": []},
        {"id": 2, "name": "Ultra-HD", "upgradeAllowed": false, "cutoff": 19, "items": []},
    ]))
}

async fn root_folders(State(f): State<Fake>) -> Json<Value> {
    let path = if lock(&f.state.0).flavour == Flavour::Sonarr {
        "/tv"
    } else {
        "/movies"
    };
    Json(
        json!([{"id": 1, "path": path, "accessible": true, "freeSpace": 4_000_000_000_000i64, "unmappedFolders": []}]),
    )
}

async fn language_profiles(State(f): State<Fake>) -> Response {
    let s = lock(&f.state.0);
    // Sonarr v4 dropped language profiles.
    if s.flavour == Flavour::Radarr || !s.version.starts_with("3.") {
        return StatusCode::NOT_FOUND.into_response();
    }
    Json(json!([{"id": 1, "name": "English", "upgradeAllowed": false}])).into_response()
}

async fn commands(State(f): State<Fake>) -> Json<Value> {
    Json(Value::Array(lock(&f.state.0).commands.clone()))
}

async fn command(State(f): State<Fake>, Json(body): Json<Value>) -> Response {
    let mut s = lock(&f.state.0);
    let known = match s.flavour {
        Flavour::Sonarr => ["SeriesSearch", "MissingEpisodeSearch"],
        Flavour::Radarr => ["MoviesSearch", "MissingMoviesSearch"],
    };
    let name = body["name"].as_str().unwrap_or("").to_string();
    if !known.contains(&name.as_str()) {
        return validation_error("Name", "Unknown command");
    }
    let id = s.commands.len() as i64 + 1;
    let command = json!({
        "id": id,
        "name": name,
        "commandName": name,
        "priority": "normal",
        "status": "queued",
        "queued": date(chrono::Utc::now().timestamp()),
        "trigger": "manual",
        "sendUpdatesToClient": true,
    });
    s.commands.push(command.clone());
    s.posted.push(body);
    (StatusCode::CREATED, Json(command)).into_response()
}

//! A fake Trakt API v2: OAuth (device code, authorization code, refresh with rotation), the
//! user's history (paged reads, batched writes that record every request and do not deduplicate,
//! like Trakt), watched lists, stats, search and scrobbling. Its catalogue is the sample
//! library's movies and shows, minus a few Trakt "does not know".

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    extract::{Path, Query, Request, State},
    http::{HeaderMap, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

use crate::trakt::models::trakt_time;

use super::{
    data::{Dataset, OWNER_ACCOUNT},
    lock,
};

pub const DEMO_CLIENT_ID: &str = "demo-trakt-client-id";
pub const DEMO_CLIENT_SECRET: &str = "demo-trakt-client-secret";
pub const USERNAME: &str = "demo-viewer";
/// Trakt's access tokens last 24 hours.
pub const DEFAULT_TOKEN_LIFETIME: i64 = 86_400;
const MAX_PAGE_LIMIT: usize = 1000;

#[derive(Debug, Clone, Default)]
struct CatalogIds {
    trakt: u64,
    slug: String,
    imdb: Option<String>,
    tmdb: Option<u64>,
    tvdb: Option<u64>,
}

impl CatalogIds {
    fn json(&self) -> Value {
        json!({"trakt": self.trakt, "slug": self.slug, "imdb": self.imdb, "tmdb": self.tmdb, "tvdb": self.tvdb})
    }

    /// Whether a request's `ids` object names this item.
    fn matches(&self, ids: &Value) -> bool {
        let num = |k: &str| ids.get(k).and_then(Value::as_u64);
        num("trakt") == Some(self.trakt)
            || (num("tmdb").is_some() && num("tmdb") == self.tmdb)
            || (num("tvdb").is_some() && num("tvdb") == self.tvdb)
            || ids
                .get("imdb")
                .and_then(Value::as_str)
                .is_some_and(|i| self.imdb.as_deref() == Some(i))
    }
}

#[derive(Debug, Clone)]
struct CatalogItem {
    title: String,
    year: i32,
    ids: CatalogIds,
    /// Shows: episode count per season.
    seasons: BTreeMap<u32, u32>,
    /// Shows: the Plex ratingKey of each (season, episode), from which its ids derive.
    episodes: HashMap<(u32, u32), u64>,
    runtime: u32,
}

impl CatalogItem {
    fn json(&self) -> Value {
        json!({"title": self.title, "year": self.year, "ids": self.ids.json()})
    }

    /// An episode's ids, numbered like the sample library's episode guids.
    fn episode_ids(&self, season: u32, number: u32) -> Value {
        let rk = self.episodes.get(&(season, number)).copied().unwrap_or(0);
        json!({"trakt": rk, "tvdb": 5_000_000 + rk, "tmdb": 1_000_000 + rk, "imdb": null})
    }
}

#[derive(Debug, Clone, Copy)]
enum Watched {
    Movie(usize),
    Episode(usize, u32, u32),
}

#[derive(Debug, Clone)]
struct Watch {
    id: u64,
    what: Watched,
    at: i64,
}

#[derive(Debug)]
struct DeviceCode {
    device_code: String,
    user_code: String,
    expires_at: i64,
    approved: bool,
    used: bool,
}

pub struct TraktState {
    pub client_id: String,
    pub client_secret: String,
    movies: Vec<CatalogItem>,
    shows: Vec<CatalogItem>,
    history: Vec<Watch>,
    next_id: u64,
    devices: Vec<DeviceCode>,
    auth_codes: Vec<String>,
    /// access token → expiry (unix seconds).
    access: HashMap<String, i64>,
    refresh: Vec<String>,
    counter: u64,
    token_lifetime: i64,
    /// Approve device codes on their first poll (the demo has nobody to click "approve").
    auto_approve: bool,
    posts: Vec<Value>,
    scrobbles: Vec<(String, Value)>,
    token_grants: Vec<String>,
    elsewhere: Vec<String>,
}

/// Test-side handle on the fake Trakt.
#[derive(Clone)]
pub struct TraktHandle(pub(crate) Arc<Mutex<TraktState>>);

impl TraktHandle {
    fn state(&self) -> std::sync::MutexGuard<'_, TraktState> {
        lock(&self.0)
    }

    /// The user approves every device code issued so far.
    pub fn approve_devices(&self) {
        for d in &mut self.state().devices {
            d.approved = true;
        }
    }

    pub fn set_auto_approve(&self, on: bool) {
        self.state().auto_approve = on;
    }

    /// An authorization code, as trakt.tv shows after the user approves in the code flow.
    pub fn issue_auth_code(&self) -> String {
        let mut s = self.state();
        s.counter += 1;
        let code = format!("authcode-{}", s.counter);
        s.auth_codes.push(code.clone());
        code
    }

    /// A valid access token, as if the user had signed in earlier.
    pub fn issue_access_token(&self) -> String {
        self.state().issue().0
    }

    pub fn set_token_lifetime(&self, secs: i64) {
        self.state().token_lifetime = secs;
    }

    /// Every `POST /sync/history` body received.
    pub fn history_posts(&self) -> Vec<Value> {
        self.state().posts.clone()
    }

    /// Every scrobble received: (start|pause|stop, body).
    pub fn scrobbles(&self) -> Vec<(String, Value)> {
        self.state().scrobbles.clone()
    }

    /// The grant types of every token request, in order.
    pub fn token_grants(&self) -> Vec<String> {
        self.state().token_grants.clone()
    }

    /// Entries in the user's history.
    pub fn history_len(&self) -> usize {
        self.state().history.len()
    }

    /// (movie ids, watched_at) of every movie play and (show tvdb, season, episode, watched_at)
    /// of every episode play, for exact comparisons.
    pub fn history_keys(&self) -> Vec<String> {
        let s = self.state();
        s.history
            .iter()
            .map(|w| match w.what {
                Watched::Movie(i) => format!("m:{}@{}", s.movies[i].ids.trakt, w.at),
                Watched::Episode(i, se, ep) => {
                    format!("e:{}:{se}x{ep}@{}", s.shows[i].ids.trakt, w.at)
                }
            })
            .collect()
    }

    /// Whether the catalogue has the movie (or show) these request `ids` name.
    pub fn knows(&self, movie: bool, ids: &Value) -> bool {
        let s = self.state();
        let catalog = if movie { &s.movies } else { &s.shows };
        catalog.iter().any(|c| c.ids.matches(ids))
    }

    /// Plex ratingKeys of the movies the user watched only elsewhere (on Trakt, not in Plex).
    pub fn watched_elsewhere(&self) -> Vec<String> {
        self.state().elsewhere.clone()
    }
}

impl TraktState {
    /// The catalogue and the user's history, derived from the sample library: Trakt knows every
    /// movie with external ids except one in 53, and every show; the user's Trakt history holds
    /// one in ten of the owner's older plays (sent by some earlier tool) and a few movies watched
    /// elsewhere.
    pub fn new(data: &Dataset, client_id: &str, client_secret: &str) -> Self {
        let mut movies = Vec::new();
        let mut shows = Vec::new();
        let mut by_key: HashMap<&str, (bool, usize)> = HashMap::new();
        // Trakt knows legacy-agent items too: their ids are in the `guid` string.
        let id_of = |item: &super::data::FakeItem, scheme: &str| {
            let legacy = item
                .guid
                .strip_prefix("com.plexapp.agents.")
                .filter(|g| g.starts_with(scheme))
                .map(|g| g[scheme.len()..].split(['?', '/']).next().unwrap_or(""));
            item.guids
                .iter()
                .find_map(|g| g.id.strip_prefix(scheme))
                .or(legacy)
                .map(str::to_string)
        };
        for item in &data.items {
            let rk: u64 = item.rating_key.parse().unwrap_or(0);
            let ids = CatalogIds {
                trakt: rk,
                slug: slug(&item.title),
                imdb: id_of(item, "imdb://"),
                tmdb: id_of(item, "tmdb://").and_then(|v| v.parse().ok()),
                tvdb: id_of(item, "tvdb://").and_then(|v| v.parse().ok()),
            };
            let known = ids.imdb.is_some() || ids.tmdb.is_some();
            match item.kind {
                "movie" if known && !rk.is_multiple_of(53) => {
                    by_key.insert(&item.rating_key, (false, movies.len()));
                    movies.push(CatalogItem {
                        title: item.title.clone(),
                        year: item.year.unwrap_or(2000),
                        ids,
                        seasons: BTreeMap::new(),
                        episodes: HashMap::new(),
                        runtime: (item.duration.unwrap_or(0) / 60_000) as u32,
                    });
                }
                "show" if known => {
                    by_key.insert(&item.rating_key, (true, shows.len()));
                    shows.push(CatalogItem {
                        title: item.title.clone(),
                        year: item.year.unwrap_or(2000),
                        ids,
                        seasons: BTreeMap::new(),
                        episodes: HashMap::new(),
                        runtime: 45,
                    });
                }
                _ => {}
            }
        }
        let mut episode_of: HashMap<&str, (usize, u32, u32)> = HashMap::new();
        for item in data.items.iter().filter(|i| i.kind == "episode") {
            let show = item
                .grandparent_rating_key
                .as_deref()
                .and_then(|k| by_key.get(k));
            if let (Some(&(true, show)), Some(season), Some(number)) =
                (show, item.parent_index, item.index)
            {
                let count = shows[show].seasons.entry(season).or_insert(0);
                *count = (*count).max(number);
                shows[show]
                    .episodes
                    .insert((season, number), item.rating_key.parse().unwrap_or(0));
                episode_of.insert(&item.rating_key, (show, season, number));
            }
        }
        let mut history = Vec::new();
        let mut next_id = 1;
        let owner_plays = data
            .history
            .iter()
            .rev()
            .filter(|p| p.account_id == OWNER_ACCOUNT);
        for (n, play) in owner_plays.enumerate() {
            if !n.is_multiple_of(10) {
                continue;
            }
            let item = &data.items[play.item];
            let what = match (
                by_key.get(item.rating_key.as_str()),
                episode_of.get(item.rating_key.as_str()),
            ) {
                (Some(&(false, m)), _) => Watched::Movie(m),
                (_, Some(&(s, se, ep))) => Watched::Episode(s, se, ep),
                _ => continue,
            };
            history.push(Watch {
                id: next_id,
                what,
                at: play.viewed_at,
            });
            next_id += 1;
        }
        let elsewhere = data
            .items
            .iter()
            .filter(|i| i.kind == "movie" && i.view_count.is_none())
            .filter(|i| {
                by_key
                    .get(i.rating_key.as_str())
                    .is_some_and(|(show, _)| !show)
            })
            .take(3)
            .map(|i| (i.rating_key.clone(), by_key[i.rating_key.as_str()].1))
            .collect::<Vec<_>>();
        let now = chrono::Utc::now().timestamp();
        for (n, &(_, m)) in elsewhere.iter().enumerate() {
            history.push(Watch {
                id: next_id,
                what: Watched::Movie(m),
                at: now - 86_400 * (30 + n as i64),
            });
            next_id += 1;
        }
        Self {
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            movies,
            shows,
            history,
            next_id,
            devices: Vec::new(),
            auth_codes: Vec::new(),
            access: HashMap::new(),
            refresh: Vec::new(),
            counter: 0,
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            auto_approve: false,
            posts: Vec::new(),
            scrobbles: Vec::new(),
            token_grants: Vec::new(),
            elsewhere: elsewhere.into_iter().map(|(rk, _)| rk).collect(),
        }
    }

    fn issue(&mut self) -> (String, String) {
        self.counter += 1;
        let access = format!(
            "trakt-access-{:08x}-{}",
            0x5eed_u32.wrapping_mul(self.counter as u32 + 7),
            self.counter
        );
        let refresh = format!(
            "trakt-refresh-{:08x}-{}",
            0xbeef_u32.wrapping_mul(self.counter as u32 + 3),
            self.counter
        );
        self.access.insert(
            access.clone(),
            chrono::Utc::now().timestamp() + self.token_lifetime,
        );
        self.refresh.push(refresh.clone());
        (access, refresh)
    }

    /// Adds a play to the user's history.
    fn record(&mut self, what: Watched, at: i64) {
        let id = self.next_id;
        self.next_id += 1;
        self.history.push(Watch { id, what, at });
    }

    fn token_answer(&mut self) -> Value {
        let (access, refresh) = self.issue();
        json!({
            "access_token": access,
            "token_type": "bearer",
            "expires_in": self.token_lifetime,
            "refresh_token": refresh,
            "scope": "public",
            "created_at": chrono::Utc::now().timestamp(),
        })
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        let now = chrono::Utc::now().timestamp();
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .and_then(|t| self.access.get(t))
            .is_some_and(|exp| *exp > now)
    }

    fn entry_json(&self, w: &Watch) -> Value {
        match w.what {
            Watched::Movie(i) => json!({
                "id": w.id, "watched_at": trakt_time(w.at), "action": "watch", "type": "movie",
                "movie": self.movies[i].json(),
            }),
            Watched::Episode(s, season, number) => json!({
                "id": w.id, "watched_at": trakt_time(w.at), "action": "watch", "type": "episode",
                "episode": {
                    "season": season, "number": number, "title": format!("Episode {number}"),
                    "ids": self.shows[s].episode_ids(season, number),
                },
                "show": self.shows[s].json(),
            }),
        }
    }
}

fn slug(title: &str) -> String {
    title
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn unauthorized() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "invalid_token",
        "The access token is missing, expired or revoked.",
    )
}

type Shared = State<TraktHandle>;

pub fn router(handle: TraktHandle) -> Router {
    Router::new()
        .route("/oauth/device/code", post(device_code))
        .route("/oauth/device/token", post(device_token))
        .route("/oauth/token", post(token))
        .route("/users/me", get(me))
        .route("/users/me/stats", get(stats))
        .route("/sync/history/{kind}", get(history))
        .route("/sync/history", post(add_history))
        .route("/sync/watched/{kind}", get(watched))
        .route("/search/{types}", get(search))
        .route("/scrobble/{action}", post(scrobble))
        .layer(axum::middleware::from_fn_with_state(
            handle.clone(),
            front_door,
        ))
        .with_state(handle)
}

/// What Trakt checks on every request before anything else.
async fn front_door(State(h): Shared, req: Request, next: Next) -> Response {
    let headers = req.headers();
    if headers.get("user-agent").is_none_or(|v| v.is_empty()) {
        return error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "A User-Agent is required.",
        );
    }
    if headers
        .get("trakt-api-version")
        .and_then(|v| v.to_str().ok())
        != Some("2")
    {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "trakt-api-version: 2 is required.",
        );
    }
    let client_id = h.state().client_id.clone();
    let key_ok = headers
        .get("trakt-api-key")
        .is_some_and(|v| v.as_bytes() == client_id.as_bytes());
    // The OAuth endpoints identify the app by the body instead.
    if !key_ok && !req.uri().path().starts_with("/oauth/") {
        return error(
            StatusCode::FORBIDDEN,
            "invalid_api_key",
            "Invalid API key or unapproved app.",
        );
    }
    next.run(req).await
}

async fn device_code(State(h): Shared, Json(body): Json<Value>) -> Response {
    let mut s = h.state();
    if body.get("client_id").and_then(Value::as_str) != Some(s.client_id.as_str()) {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Unknown client.",
        );
    }
    s.counter += 1;
    let n = s.counter;
    let code = DeviceCode {
        device_code: format!(
            "device-{n:04}-{:016x}",
            n.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ),
        user_code: format!("{:08X}", (n as u32).wrapping_mul(0x2545_f491)),
        expires_at: chrono::Utc::now().timestamp() + 600,
        approved: false,
        used: false,
    };
    let answer = json!({
        "device_code": code.device_code,
        "user_code": code.user_code,
        "verification_url": "https://trakt.tv/activate",
        "expires_in": 600,
        "interval": 1,
    });
    s.devices.push(code);
    Json(answer).into_response()
}

async fn device_token(State(h): Shared, Json(body): Json<Value>) -> Response {
    let mut s = h.state();
    let client_ok = body.get("client_id").and_then(Value::as_str) == Some(s.client_id.as_str())
        && body.get("client_secret").and_then(Value::as_str) == Some(s.client_secret.as_str());
    if !client_ok {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Unknown client.",
        );
    }
    let code = body.get("code").and_then(Value::as_str).unwrap_or("");
    let auto = s.auto_approve;
    let now = chrono::Utc::now().timestamp();
    let Some(d) = s.devices.iter_mut().find(|d| d.device_code == code) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if d.used {
        return StatusCode::CONFLICT.into_response();
    }
    if d.expires_at <= now {
        return StatusCode::GONE.into_response();
    }
    if auto {
        d.approved = true;
    }
    if !d.approved {
        return StatusCode::BAD_REQUEST.into_response();
    }
    d.used = true;
    s.token_grants.push("device_code".into());
    Json(s.token_answer()).into_response()
}

async fn token(State(h): Shared, Json(body): Json<Value>) -> Response {
    let mut s = h.state();
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    if text("client_id") != s.client_id || text("client_secret") != s.client_secret {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Unknown client.",
        );
    }
    let grant = text("grant_type");
    let invalid = || {
        error(
            StatusCode::UNAUTHORIZED,
            "invalid_grant",
            "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
        )
    };
    match grant.as_str() {
        "authorization_code" => {
            let code = text("code");
            let Some(pos) = s.auth_codes.iter().position(|c| *c == code) else {
                return invalid();
            };
            s.auth_codes.remove(pos);
        }
        "refresh_token" => {
            let refresh = text("refresh_token");
            let Some(pos) = s.refresh.iter().position(|r| *r == refresh) else {
                return invalid();
            };
            // Rotation: the old refresh token dies, and so does every access token before it.
            s.refresh.remove(pos);
            s.access.clear();
        }
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Unknown grant.",
            );
        }
    }
    s.token_grants.push(grant);
    Json(s.token_answer()).into_response()
}

async fn me(State(h): Shared, headers: HeaderMap) -> Response {
    let s = h.state();
    if !s.authorized(&headers) {
        return unauthorized();
    }
    Json(json!({
        "username": USERNAME,
        "private": false,
        "name": "Demo Viewer",
        "vip": false,
        "vip_ep": false,
        "vip_og": false,
        "vip_years": 0,
        "vip_cover_image": "https://walter.trakt.tv/images/users/demo/cover.jpg",
        "ids": {"slug": USERNAME},
        "joined_at": "2019-03-01T10:00:00.000Z",
    }))
    .into_response()
}

async fn stats(State(h): Shared, headers: HeaderMap) -> Response {
    let s = h.state();
    if !s.authorized(&headers) {
        return unauthorized();
    }
    let (mut movie_plays, mut movie_minutes, mut ep_plays, mut ep_minutes) =
        (0u64, 0u64, 0u64, 0u64);
    let mut movies = std::collections::HashSet::new();
    let mut episodes = std::collections::HashSet::new();
    let mut shows = std::collections::HashSet::new();
    for w in &s.history {
        match w.what {
            Watched::Movie(i) => {
                movie_plays += 1;
                movie_minutes += s.movies[i].runtime as u64;
                movies.insert(i);
            }
            Watched::Episode(i, se, ep) => {
                ep_plays += 1;
                ep_minutes += s.shows[i].runtime as u64;
                episodes.insert((i, se, ep));
                shows.insert(i);
            }
        }
    }
    let distribution: BTreeMap<String, u64> = (1..=10)
        .map(|r| (r.to_string(), if r >= 6 { (r - 5) as u64 * 3 } else { 1 }))
        .collect();
    let total: u64 = distribution.values().sum();
    Json(json!({
        "movies": {"plays": movie_plays, "watched": movies.len(), "minutes": movie_minutes, "collected": 0, "ratings": 12, "comments": 0},
        "shows": {"watched": shows.len(), "collected": 0, "ratings": 3, "comments": 0},
        "seasons": {"ratings": 0, "comments": 0},
        "episodes": {"plays": ep_plays, "watched": episodes.len(), "minutes": ep_minutes, "collected": 0, "ratings": 0, "comments": 0},
        "network": {"friends": 0, "followers": 0, "following": 0},
        "ratings": {"total": total, "distribution": distribution},
    }))
    .into_response()
}

fn paging(q: &HashMap<String, String>) -> (usize, usize) {
    let page = q
        .get("page")
        .and_then(|v| v.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let limit = q
        .get("limit")
        .and_then(|v| v.parse().ok())
        .filter(|l| *l >= 1)
        .unwrap_or(10)
        .min(MAX_PAGE_LIMIT);
    (page, limit)
}

fn paged(rows: Vec<Value>, page: usize, limit: usize) -> Response {
    let total = rows.len();
    let pages = total.div_ceil(limit).max(1);
    let body: Vec<Value> = rows
        .into_iter()
        .skip((page - 1) * limit)
        .take(limit)
        .collect();
    (
        [
            ("x-pagination-page", page.to_string()),
            ("x-pagination-limit", limit.to_string()),
            ("x-pagination-page-count", pages.to_string()),
            ("x-pagination-item-count", total.to_string()),
        ],
        Json(Value::Array(body)),
    )
        .into_response()
}

async fn history(
    State(h): Shared,
    Path(kind): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = h.state();
    if !s.authorized(&headers) {
        return unauthorized();
    }
    let want_movies = match kind.as_str() {
        "movies" => true,
        "episodes" => false,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let mut rows: Vec<&Watch> = s
        .history
        .iter()
        .filter(|w| matches!(w.what, Watched::Movie(_)) == want_movies)
        .collect();
    rows.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
    let (page, limit) = paging(&q);
    paged(
        rows.into_iter().map(|w| s.entry_json(w)).collect(),
        page,
        limit,
    )
}

async fn add_history(State(h): Shared, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let mut s = h.state();
    if !s.authorized(&headers) {
        return unauthorized();
    }
    s.posts.push(body.clone());
    let now = chrono::Utc::now().timestamp();
    let at = |v: &Value| {
        v.get("watched_at")
            .and_then(Value::as_str)
            .and_then(crate::trakt::models::parse_trakt_time)
            .unwrap_or(now)
    };
    let mut added = Vec::new();
    let (mut nf_movies, mut nf_shows) = (Vec::new(), Vec::new());
    for m in body
        .get("movies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let ids = m.get("ids").cloned().unwrap_or(Value::Null);
        match s.movies.iter().position(|c| c.ids.matches(&ids)) {
            Some(i) => added.push((Watched::Movie(i), at(m))),
            None => nf_movies.push(json!({"ids": ids})),
        }
    }
    for show in body
        .get("shows")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let ids = show.get("ids").cloned().unwrap_or(Value::Null);
        let Some(i) = s.shows.iter().position(|c| c.ids.matches(&ids)) else {
            nf_shows.push(json!({"ids": ids}));
            continue;
        };
        for season in show
            .get("seasons")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(number) = season.get("number").and_then(Value::as_u64) else {
                continue;
            };
            let known = s.shows[i]
                .seasons
                .get(&(number as u32))
                .copied()
                .unwrap_or(0);
            for ep in season
                .get("episodes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(e) = ep.get("number").and_then(Value::as_u64) else {
                    continue;
                };
                if (1..=known as u64).contains(&e) {
                    added.push((Watched::Episode(i, number as u32, e as u32), at(ep)));
                }
            }
        }
    }
    let movies = added
        .iter()
        .filter(|(w, _)| matches!(w, Watched::Movie(_)))
        .count();
    let episodes = added.len() - movies;
    for (what, at) in added {
        s.record(what, at);
    }
    (
        StatusCode::CREATED,
        Json(json!({
            "added": {"movies": movies, "episodes": episodes},
            "not_found": {"movies": nf_movies, "shows": nf_shows, "seasons": [], "episodes": []},
        })),
    )
        .into_response()
}

async fn watched(State(h): Shared, Path(kind): Path<String>, headers: HeaderMap) -> Response {
    let s = h.state();
    if !s.authorized(&headers) {
        return unauthorized();
    }
    let last = |ats: &[i64]| trakt_time(ats.iter().copied().max().unwrap_or(0));
    match kind.as_str() {
        "movies" => {
            let mut per: BTreeMap<usize, Vec<i64>> = BTreeMap::new();
            for w in &s.history {
                if let Watched::Movie(i) = w.what {
                    per.entry(i).or_default().push(w.at);
                }
            }
            let mut rows: Vec<(usize, Value)> = per
                .into_iter()
                .map(|(i, ats)| {
                    (ats.len(), json!({
                        "plays": ats.len(), "last_watched_at": last(&ats), "last_updated_at": last(&ats),
                        "movie": s.movies[i].json(),
                    }))
                })
                .collect();
            rows.sort_by_key(|b| std::cmp::Reverse(b.0));
            Json(rows.into_iter().map(|(_, v)| v).collect::<Vec<_>>()).into_response()
        }
        "shows" => {
            let mut per: BTreeMap<usize, BTreeMap<(u32, u32), Vec<i64>>> = BTreeMap::new();
            for w in &s.history {
                if let Watched::Episode(i, se, ep) = w.what {
                    per.entry(i)
                        .or_default()
                        .entry((se, ep))
                        .or_default()
                        .push(w.at);
                }
            }
            let mut rows: Vec<(usize, Value)> = per
                .into_iter()
                .map(|(i, eps)| {
                    let all: Vec<i64> = eps.values().flatten().copied().collect();
                    let mut seasons: BTreeMap<u32, Vec<Value>> = BTreeMap::new();
                    for ((se, ep), ats) in &eps {
                        seasons.entry(*se).or_default().push(json!({
                            "number": ep, "plays": ats.len(), "last_watched_at": last(ats),
                        }));
                    }
                    (all.len(), json!({
                        "plays": all.len(), "last_watched_at": last(&all), "last_updated_at": last(&all),
                        "reset_at": null,
                        "show": s.shows[i].json(),
                        "seasons": seasons.into_iter().map(|(n, e)| json!({"number": n, "episodes": e})).collect::<Vec<_>>(),
                    }))
                })
                .collect();
            rows.sort_by_key(|b| std::cmp::Reverse(b.0));
            Json(rows.into_iter().map(|(_, v)| v).collect::<Vec<_>>()).into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn search(
    State(h): Shared,
    Path(types): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = h.state();
    let query = q
        .get("query")
        .map(|v| v.replace('\\', "").to_lowercase())
        .unwrap_or_default();
    let year: Option<i32> = q.get("years").and_then(|v| v.parse().ok());
    let mut rows = Vec::new();
    for kind in types.split(',') {
        let catalog = match kind {
            "movie" => &s.movies,
            "show" => &s.shows,
            _ => continue,
        };
        for c in catalog {
            let title = c.title.to_lowercase();
            if !title.contains(&query) || year.is_some_and(|y| y != c.year) {
                continue;
            }
            let score = 100.0 * query.len() as f64 / title.len().max(1) as f64;
            let mut media = c.json();
            media["overview"] = json!(format!(
                "{} is a {} title in the sample catalogue.",
                c.title, kind
            ));
            rows.push((score, json!({"type": kind, "score": score, kind: media})));
        }
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (page, limit) = paging(&q);
    paged(rows.into_iter().map(|(_, v)| v).collect(), page, limit)
}

async fn scrobble(
    State(h): Shared,
    Path(action): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut s = h.state();
    if !s.authorized(&headers) {
        return unauthorized();
    }
    if !matches!(action.as_str(), "start" | "pause" | "stop") {
        return StatusCode::NOT_FOUND.into_response();
    }
    s.scrobbles.push((action.clone(), body.clone()));
    let progress = body.get("progress").cloned().unwrap_or(json!(0));
    let sharing = json!({"twitter": false, "mastodon": false, "tumblr": false});
    let answer_action = if action == "stop" && progress.as_f64().unwrap_or(0.0) < 80.0 {
        "pause"
    } else {
        action.as_str()
    };
    let mut answer =
        json!({"id": 0, "action": answer_action, "progress": progress, "sharing": sharing});
    let what = if let Some(movie) = body.get("movie") {
        let ids = movie.get("ids").cloned().unwrap_or(Value::Null);
        let Some(i) = s.movies.iter().position(|c| c.ids.matches(&ids)) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        answer["movie"] = s.movies[i].json();
        Watched::Movie(i)
    } else if let (Some(show), Some(ep)) = (body.get("show"), body.get("episode")) {
        let ids = show.get("ids").cloned().unwrap_or(Value::Null);
        let Some(i) = s.shows.iter().position(|c| c.ids.matches(&ids)) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let season = ep.get("season").and_then(Value::as_u64).unwrap_or(0) as u32;
        let number = ep.get("number").and_then(Value::as_u64).unwrap_or(0) as u32;
        answer["show"] = s.shows[i].json();
        answer["episode"] = json!({
            "season": season, "number": number, "title": format!("Episode {number}"),
            "ids": s.shows[i].episode_ids(season, number),
        });
        Watched::Episode(i, season, number)
    } else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "A movie or a show with an episode is required.",
        );
    };
    // A stop at 80 % or more is a play, as on Trakt.
    if answer_action == "stop" {
        s.record(what, chrono::Utc::now().timestamp());
    }
    (StatusCode::CREATED, Json(answer)).into_response()
}

//! A fake Trakt API v2: OAuth (device code, authorization code, refresh with rotation), the
//! user's history (paged reads, batched writes that record every request and do not deduplicate,
//! like Trakt), watched lists, stats, search and scrobbling. Its catalogue is the sample
//! library's movies and shows, minus a few Trakt "does not know".

mod api;
mod lists;

pub use api::router;

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
    RECORDED, Recent,
    data::{Dataset, OWNER_ACCOUNT},
    lock,
};

pub const DEMO_CLIENT_ID: &str = "demo-trakt-client-id";
pub const DEMO_CLIENT_SECRET: &str = "demo-trakt-client-secret";
pub const USERNAME: &str = "demo-viewer";
/// Trakt's access tokens last 24 hours.
pub const DEFAULT_TOKEN_LIFETIME: i64 = 86_400;
/// Sign-ins in flight kept (device codes, authorization codes, refresh tokens); the oldest lapse.
const SIGN_INS: usize = 100;
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
        json!({"trakt": rk, "tvdb": 5_000_000 + rk, "tmdb": 1_000_000 + rk, "imdb": format!("tt{:07}", 5_000_000 + rk)})
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
    devices: Recent<DeviceCode>,
    auth_codes: Recent<String>,
    /// access token → expiry (unix seconds).
    access: HashMap<String, i64>,
    refresh: Recent<String>,
    counter: u64,
    token_lifetime: i64,
    /// Approve device codes on their first poll (the demo has nobody to click "approve").
    auto_approve: bool,
    posts: Recent<Value>,
    scrobbles: Recent<(String, Value)>,
    token_grants: Recent<String>,
    elsewhere: Vec<String>,
    episodes_elsewhere: Vec<String>,
    /// Who the tokens sign in as: another account has its own (empty) history.
    username: String,
    ratings: HashMap<lists::Subject, (u8, i64)>,
    watchlist: Vec<(lists::Subject, i64)>,
    rating_posts: Recent<Value>,
    watchlist_posts: Recent<Value>,
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
        for d in self.state().devices.iter_mut() {
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
        self.state().posts.to_vec()
    }

    /// Every scrobble received: (start|pause|stop, body).
    pub fn scrobbles(&self) -> Vec<(String, Value)> {
        self.state().scrobbles.to_vec()
    }

    /// The grant types of every token request, in order.
    pub fn token_grants(&self) -> Vec<String> {
        self.state().token_grants.to_vec()
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

    /// The user signs in to another Trakt account (same tokens, for brevity): a new username and
    /// an empty history.
    pub fn switch_account(&self, username: &str) {
        let mut s = self.state();
        s.username = username.to_string();
        s.history.clear();
    }

    /// The user deleted every play on Trakt.
    pub fn clear_history(&self) {
        self.state().history.clear();
    }

    /// Trakt stops knowing the last episode of the last season of the first show, as when Plex
    /// has an episode Trakt does not list; returns that episode's Plex ratingKey.
    pub fn forget_last_episode(&self) -> u64 {
        let mut s = self.state();
        let show = &mut s.shows[0];
        let (&season, count) = show
            .seasons
            .iter_mut()
            .next_back()
            .expect("the first show has seasons");
        let number = *count;
        *count -= 1;
        show.episodes[&(season, number)]
    }

    /// The user's Trakt ratings, keyed by the Plex ratingKey of the movie, show or episode (the
    /// catalogue numbers items as the sample library does).
    pub fn ratings(&self) -> HashMap<String, u8> {
        let s = self.state();
        s.ratings
            .iter()
            .map(|(what, (rating, _))| (s.plex_key(*what), *rating))
            .collect()
    }

    /// The Trakt watchlist as Plex ratingKeys, in list order.
    pub fn watchlist(&self) -> Vec<String> {
        let s = self.state();
        s.watchlist
            .iter()
            .map(|(what, _)| s.plex_key(*what))
            .collect()
    }

    /// Bodies of the ratings and watchlist changes received.
    pub fn list_posts(&self) -> (Vec<Value>, Vec<Value>) {
        let s = self.state();
        (s.rating_posts.to_vec(), s.watchlist_posts.to_vec())
    }

    /// Plex ratingKeys of the episodes the user watched only elsewhere.
    pub fn episodes_watched_elsewhere(&self) -> Vec<String> {
        self.state().episodes_elsewhere.clone()
    }
}

impl TraktState {
    fn plex_key(&self, what: lists::Subject) -> String {
        match what {
            lists::Subject::Movie(i) => self.movies[i].ids.trakt.to_string(),
            lists::Subject::Show(i) => self.shows[i].ids.trakt.to_string(),
            lists::Subject::Episode(i, se, ep) => self.shows[i]
                .episodes
                .get(&(se, ep))
                .map_or_else(String::new, u64::to_string),
        }
    }

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
        // And a few episodes watched elsewhere: on Trakt, unwatched in Plex.
        let episodes_elsewhere: Vec<String> = data
            .items
            .iter()
            .filter(|i| i.kind == "episode" && i.view_count.is_none())
            .filter(|i| episode_of.contains_key(i.rating_key.as_str()))
            .take(4)
            .map(|i| i.rating_key.clone())
            .collect();
        for (n, rk) in episodes_elsewhere.iter().enumerate() {
            let (s, se, ep) = episode_of[rk.as_str()];
            history.push(Watch {
                id: next_id,
                what: Watched::Episode(s, se, ep),
                at: now - 86_400 * (20 + n as i64),
            });
            next_id += 1;
        }
        // Ratings: the movies watched elsewhere (9), one movie the owner rated in Plex, rated
        // differently here, and an episode watched elsewhere (6). The watchlist: two movies the
        // owner has not watched.
        let mut ratings = HashMap::new();
        for &(_, m) in &elsewhere {
            ratings.insert(lists::Subject::Movie(m), (9, now - 86_400 * 10));
        }
        let rated_in_plex = data.items.iter().find_map(|i| {
            let (false, m) = *by_key.get(i.rating_key.as_str())? else {
                return None;
            };
            let r = i.user_rating? as u8;
            Some((m, 11 - r))
        });
        if let Some((m, r)) = rated_in_plex {
            ratings.insert(lists::Subject::Movie(m), (r, now - 86_400 * 5));
        }
        if let Some(rk) = episodes_elsewhere.first() {
            let (s, se, ep) = episode_of[rk.as_str()];
            ratings.insert(lists::Subject::Episode(s, se, ep), (6, now - 86_400 * 3));
        }
        let watchlist: Vec<(lists::Subject, i64)> = data
            .items
            .iter()
            .filter(|i| i.kind == "movie" && i.view_count.is_none())
            .filter_map(|i| match by_key.get(i.rating_key.as_str()) {
                Some(&(false, m)) if !elsewhere.iter().any(|(_, e)| *e == m) => Some(m),
                _ => None,
            })
            .take(2)
            .enumerate()
            .map(|(n, m)| (lists::Subject::Movie(m), now - 86_400 * (40 + n as i64)))
            .collect();
        Self {
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            movies,
            shows,
            history,
            next_id,
            devices: Recent::new(SIGN_INS),
            auth_codes: Recent::new(SIGN_INS),
            access: HashMap::new(),
            refresh: Recent::new(SIGN_INS),
            counter: 0,
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            auto_approve: false,
            posts: Recent::new(RECORDED),
            scrobbles: Recent::new(RECORDED),
            token_grants: Recent::new(RECORDED),
            elsewhere: elsewhere.into_iter().map(|(rk, _)| rk).collect(),
            episodes_elsewhere,
            username: USERNAME.to_string(),
            ratings,
            watchlist,
            rating_posts: Recent::new(RECORDED),
            watchlist_posts: Recent::new(RECORDED),
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
        let now = chrono::Utc::now().timestamp();
        // Expired tokens answer like unknown ones, so forgetting them changes nothing.
        self.access.retain(|_, expiry| *expiry > now);
        self.access
            .insert(access.clone(), now + self.token_lifetime);
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

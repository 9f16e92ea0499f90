//! The fake Trakt's HTTP face: OAuth (device and code flows, refresh with rotation), the user,
//! paged history reads and non-deduplicating history writes, watched lists, search and scrobble.

use super::*;

pub(super) fn error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

pub(super) fn unauthorized() -> Response {
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
        .route("/sync/ratings", post(lists::rate))
        .route("/sync/ratings/remove", post(lists::unrate))
        .route("/sync/ratings/{type}", get(lists::ratings))
        .route("/sync/ratings/{type}/{rating}", get(lists::ratings))
        .route(
            "/sync/watchlist",
            get(lists::watchlist).post(lists::watch_later),
        )
        .route("/sync/watchlist/remove", post(lists::unwatch_later))
        .route("/sync/watchlist/{type}", get(lists::watchlist))
        .route("/sync/watchlist/{type}/{sort}", get(lists::watchlist))
        .route("/search/{types}", get(search))
        .route("/scrobble/{action}", post(scrobble))
        .layer(axum::middleware::from_fn_with_state(
            handle.clone(),
            front_door,
        ))
        .with_state(handle)
}

/// What Trakt checks on every request before anything else.
pub(super) async fn front_door(State(h): Shared, req: Request, next: Next) -> Response {
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

pub(super) async fn device_code(State(h): Shared, Json(body): Json<Value>) -> Response {
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

pub(super) async fn device_token(State(h): Shared, Json(body): Json<Value>) -> Response {
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

pub(super) async fn token(State(h): Shared, Json(body): Json<Value>) -> Response {
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
            if !s.auth_codes.take(|c| *c == code) {
                return invalid();
            }
        }
        "refresh_token" => {
            let refresh = text("refresh_token");
            // Rotation: the old refresh token dies, and so does every access token before it.
            if !s.refresh.take(|r| *r == refresh) {
                return invalid();
            }
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

pub(super) async fn me(State(h): Shared, headers: HeaderMap) -> Response {
    let s = h.state();
    if !s.authorized(&headers) {
        return unauthorized();
    }
    Json(json!({
        "username": s.username,
        "private": false,
        "name": "Demo Viewer",
        "vip": false,
        "vip_ep": false,
        "vip_og": false,
        "vip_years": 0,
        "vip_cover_image": "https://walter.trakt.tv/images/users/demo/cover.jpg",
        "ids": {"slug": s.username},
        "joined_at": "2019-03-01T10:00:00.000Z",
    }))
    .into_response()
}

pub(super) async fn stats(State(h): Shared, headers: HeaderMap) -> Response {
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

pub(super) fn paging(q: &HashMap<String, String>) -> (usize, usize) {
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

pub(super) fn paged(rows: Vec<Value>, page: usize, limit: usize) -> Response {
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

pub(super) async fn history(
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

pub(super) async fn add_history(
    State(h): Shared,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
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
    let (mut nf_movies, mut nf_shows, mut nf_episodes) = (Vec::new(), Vec::new(), Vec::new());
    // Episodes by their own ids: an unknown one is echoed back under not_found.episodes.
    for ep in body
        .get("episodes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let ids = ep.get("ids").cloned().unwrap_or(Value::Null);
        let trakt_id = ids.get("trakt").and_then(Value::as_u64);
        let tvdb = ids.get("tvdb").and_then(Value::as_u64);
        let found = s.shows.iter().enumerate().find_map(|(i, show)| {
            show.episodes.iter().find_map(|(&(se, n), &rk)| {
                let known = show.seasons.get(&se).is_some_and(|&count| n <= count);
                let named = trakt_id == Some(rk) || tvdb == Some(5_000_000 + rk);
                (known && named && rk != 0).then_some(Watched::Episode(i, se, n))
            })
        });
        match found {
            Some(w) => added.push((w, at(ep))),
            None => nf_episodes.push(json!({"ids": ids})),
        }
    }
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
            "not_found": {"movies": nf_movies, "shows": nf_shows, "seasons": [], "episodes": nf_episodes},
        })),
    )
        .into_response()
}

/// Trakt as of mid-2026: watched shows come in pages and without `seasons` unless asked with
/// `extended=progress`; `/sync/watched/episodes` lists watched episodes flat, in pages.
pub(super) async fn watched(
    State(h): Shared,
    Path(kind): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
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
            let progress = q
                .get("extended")
                .is_some_and(|e| e.split(',').any(|x| x == "progress"));
            let mut rows: Vec<(usize, Value)> = per
                .into_iter()
                .map(|(i, eps)| {
                    let all: Vec<i64> = eps.values().flatten().copied().collect();
                    let mut row = json!({
                        "plays": all.len(), "last_watched_at": last(&all), "last_updated_at": last(&all),
                        "reset_at": null,
                        "show": s.shows[i].json(),
                    });
                    if progress {
                        let mut seasons: BTreeMap<u32, Vec<Value>> = BTreeMap::new();
                        for ((se, ep), ats) in &eps {
                            seasons.entry(*se).or_default().push(json!({
                                "number": ep, "plays": ats.len(), "last_watched_at": last(ats),
                            }));
                        }
                        row["seasons"] = seasons
                            .into_iter()
                            .map(|(n, e)| json!({"number": n, "episodes": e}))
                            .collect();
                    }
                    (all.len(), row)
                })
                .collect();
            rows.sort_by_key(|b| std::cmp::Reverse(b.0));
            let (page, limit) = paging(&q);
            paged(rows.into_iter().map(|(_, v)| v).collect(), page, limit)
        }
        "episodes" => {
            let mut per: BTreeMap<(usize, u32, u32), Vec<i64>> = BTreeMap::new();
            for w in &s.history {
                if let Watched::Episode(i, se, ep) = w.what {
                    per.entry((i, se, ep)).or_default().push(w.at);
                }
            }
            let rows: Vec<Value> = per
                .into_iter()
                .map(|((i, se, ep), ats)| {
                    json!({
                        "plays": ats.len(), "last_watched_at": last(&ats),
                        "episode": {"season": se, "number": ep, "ids": s.shows[i].episode_ids(se, ep)},
                        "show": s.shows[i].json(),
                    })
                })
                .collect();
            let (page, limit) = paging(&q);
            paged(rows, page, limit)
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

pub(super) async fn search(
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

pub(super) async fn scrobble(
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

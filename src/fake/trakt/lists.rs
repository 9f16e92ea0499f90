//! The fake Trakt's ratings and watchlist: read per type, added to and removed from with the
//! counts and `not_found` echoes Trakt answers with.

use super::{
    api::{error, unauthorized},
    *,
};

type Shared = State<TraktHandle>;

/// What a rating or a watchlist entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Subject {
    Movie(usize),
    Show(usize),
    Episode(usize, u32, u32),
}

impl TraktState {
    fn subject_json(&self, what: Subject) -> Value {
        match what {
            Subject::Movie(i) => json!({"type": "movie", "movie": self.movies[i].json()}),
            Subject::Show(i) => json!({"type": "show", "show": self.shows[i].json()}),
            Subject::Episode(i, se, ep) => json!({
                "type": "episode",
                "show": self.shows[i].json(),
                "episode": {"season": se, "number": ep, "title": format!("Episode {ep}"),
                            "ids": self.shows[i].episode_ids(se, ep)},
            }),
        }
    }

    /// The subjects a ratings or watchlist body names, with the item's JSON, and the items it
    /// names that the catalogue does not have, per kind.
    fn subjects(&self, body: &Value) -> (Vec<(Subject, Value)>, Value) {
        let list = |k: &str| {
            body.get(k)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let mut found = Vec::new();
        let mut missing = json!({"movies": [], "shows": [], "seasons": [], "episodes": []});
        let mut miss = |kind: &str, v: &Value| {
            if let Some(a) = missing[kind].as_array_mut() {
                a.push(v.clone());
            }
        };
        for m in list("movies") {
            match self.movies.iter().position(|c| c.ids.matches(&m["ids"])) {
                Some(i) => found.push((Subject::Movie(i), m)),
                None => miss("movies", &m),
            }
        }
        for show in list("shows") {
            let Some(i) = self.shows.iter().position(|c| c.ids.matches(&show["ids"])) else {
                miss("shows", &show);
                continue;
            };
            let seasons = show["seasons"].as_array().cloned().unwrap_or_default();
            if seasons.is_empty() {
                found.push((Subject::Show(i), show));
                continue;
            }
            for season in seasons {
                let number = season["number"].as_u64().unwrap_or(0) as u32;
                let count = self.shows[i].seasons.get(&number).copied();
                for ep in season["episodes"].as_array().cloned().unwrap_or_default() {
                    let e = ep["number"].as_u64().unwrap_or(0) as u32;
                    // An unknown episode nested under a known show is silently skipped.
                    if count.is_some_and(|c| (1..=c).contains(&e)) {
                        found.push((Subject::Episode(i, number, e), ep));
                    }
                }
            }
        }
        (found, missing)
    }
}

fn counts(subjects: &[Subject]) -> Value {
    let n = |f: fn(&Subject) -> bool| subjects.iter().filter(|s| f(s)).count();
    json!({
        "movies": n(|s| matches!(s, Subject::Movie(_))),
        "shows": n(|s| matches!(s, Subject::Show(_))),
        "seasons": 0,
        "episodes": n(|s| matches!(s, Subject::Episode(..))),
    })
}

fn kind_of(what: &str) -> Option<fn(&Subject) -> bool> {
    Some(match what {
        "movies" => |s| matches!(s, Subject::Movie(_)),
        "shows" => |s| matches!(s, Subject::Show(_)),
        "episodes" => |s| matches!(s, Subject::Episode(..)),
        "all" => |_| true,
        _ => return None,
    })
}

/// `GET /sync/ratings/{type}[/{rating}]`, best first.
pub(super) async fn ratings(
    State(h): Shared,
    Path(path): Path<Vec<String>>,
    headers: HeaderMap,
) -> Response {
    let s = h.state();
    if !s.authorized(&headers) {
        return unauthorized();
    }
    let Some(keep) = path.first().and_then(|t| kind_of(t)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let only: Option<u8> = path.get(1).and_then(|r| r.parse().ok());
    let mut rows: Vec<(&Subject, &(u8, i64))> = s
        .ratings
        .iter()
        .filter(|(what, (rating, _))| keep(what) && only.is_none_or(|o| o == *rating))
        .collect();
    rows.sort_by_key(|(_, (rating, at))| (std::cmp::Reverse(*rating), *at));
    let body: Vec<Value> = rows
        .into_iter()
        .map(|(what, (rating, at))| {
            let mut row = s.subject_json(*what);
            row["rating"] = json!(rating);
            row["rated_at"] = json!(trakt_time(*at));
            row
        })
        .collect();
    Json(body).into_response()
}

/// `POST /sync/ratings` (a rating per movie, show or nested episode; it replaces an earlier one)
/// and `POST /sync/ratings/remove`.
pub(super) async fn rate(
    State(h): Shared,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    change_ratings(h, headers, body, true)
}

pub(super) async fn unrate(
    State(h): Shared,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    change_ratings(h, headers, body, false)
}

fn change_ratings(h: TraktHandle, headers: HeaderMap, body: Value, add: bool) -> Response {
    let mut s = h.state();
    if !s.authorized(&headers) {
        return unauthorized();
    }
    s.rating_posts.push(body.clone());
    let (found, missing) = s.subjects(&body);
    let now = chrono::Utc::now().timestamp();
    let mut changed = Vec::new();
    for (what, v) in found {
        if add {
            let Some(r) = v["rating"].as_u64().filter(|r| (1..=10).contains(r)) else {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation",
                    "rating must be 1 to 10",
                );
            };
            s.ratings.insert(what, (r as u8, now));
            changed.push(what);
        } else if s.ratings.remove(&what).is_some() {
            changed.push(what);
        }
    }
    let (key, status) = if add {
        ("added", StatusCode::CREATED)
    } else {
        ("deleted", StatusCode::OK)
    };
    (
        status,
        Json(json!({key: counts(&changed), "not_found": missing})),
    )
        .into_response()
}

/// `GET /sync/watchlist[/{type}[/{sort}]]`, in the order things were listed.
pub(super) async fn watchlist(
    State(h): Shared,
    path: Option<Path<Vec<String>>>,
    headers: HeaderMap,
) -> Response {
    let s = h.state();
    if !s.authorized(&headers) {
        return unauthorized();
    }
    let kind = path
        .as_ref()
        .and_then(|p| p.first().cloned())
        .unwrap_or_else(|| "all".into());
    let Some(keep) = kind_of(&kind) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let body: Vec<Value> = s
        .watchlist
        .iter()
        .filter(|(what, _)| keep(what))
        .enumerate()
        .map(|(n, (what, at))| {
            let mut row = s.subject_json(*what);
            row["rank"] = json!(n + 1);
            row["id"] = json!(n + 1);
            row["listed_at"] = json!(trakt_time(*at));
            row["notes"] = Value::Null;
            row
        })
        .collect();
    Json(body).into_response()
}

pub(super) async fn watch_later(
    State(h): Shared,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    change_watchlist(h, headers, body, true)
}

pub(super) async fn unwatch_later(
    State(h): Shared,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    change_watchlist(h, headers, body, false)
}

fn change_watchlist(h: TraktHandle, headers: HeaderMap, body: Value, add: bool) -> Response {
    let mut s = h.state();
    if !s.authorized(&headers) {
        return unauthorized();
    }
    s.watchlist_posts.push(body.clone());
    let (found, missing) = s.subjects(&body);
    let now = chrono::Utc::now().timestamp();
    let (mut changed, mut existing) = (Vec::new(), Vec::new());
    for (what, _) in found {
        let at = s.watchlist.iter().position(|(w, _)| *w == what);
        match (add, at) {
            (true, None) => {
                s.watchlist.push((what, now));
                changed.push(what);
            }
            (true, Some(_)) => existing.push(what),
            (false, Some(i)) => {
                s.watchlist.remove(i);
                changed.push(what);
            }
            (false, None) => {}
        }
    }
    let list = json!({"item_count": s.watchlist.len(), "updated_at": trakt_time(now)});
    if add {
        (
            StatusCode::CREATED,
            Json(
                json!({"added": counts(&changed), "existing": counts(&existing),
                        "not_found": missing, "list": list}),
            ),
        )
            .into_response()
    } else {
        Json(json!({"deleted": counts(&changed), "not_found": missing, "list": list}))
            .into_response()
    }
}

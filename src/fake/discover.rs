//! Fake Plex Discover (discover.provider.plex.tv): the account watchlist.

use std::collections::HashMap;

use axum::{
    Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;

use super::{
    data::WatchlistEntry,
    plex::{LiveData, obj, paged, paging, require_token},
};

pub(super) fn router(data: LiveData, token: String) -> Router {
    Router::new()
        .route("/library/sections/watchlist/all", get(watchlist))
        .route("/actions/addToWatchlist", axum::routing::put(add))
        .route("/actions/removeFromWatchlist", axum::routing::put(remove))
        .layer(axum::middleware::from_fn_with_state(token, require_token))
        .with_state(data)
}

async fn watchlist(
    State(data): State<LiveData>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let data = data.read().unwrap_or_else(|e| e.into_inner());
    let guids = q.get("includeGuids").is_some_and(|v| v == "1");
    // Discover knows every title's external ids; the sample's come from the library item.
    let external = |guid: &str| {
        data.items
            .iter()
            .find(|i| i.guid == guid)
            .map(|i| serde_json::to_value(&i.guids).unwrap_or_default())
            .unwrap_or_else(|| json!([]))
    };
    paged(
        &data.watchlist,
        &paging(&headers, &q),
        obj(json!({"identifier": "tv.plex.provider.discover", "librarySectionTitle": "Watchlist"})),
        |w| {
            let mut row = json!({
                "ratingKey": w.rating_key,
                "key": format!("/library/metadata/{}", w.rating_key),
                "guid": w.guid,
                "type": w.kind,
                "title": w.title,
                "year": w.year,
                "summary": w.summary,
                "watchlistedAt": w.watchlisted_at,
                "addedAt": w.watchlisted_at,
                "publicPagesURL": format!("https://watch.plex.tv/{}/{}", w.kind, w.rating_key),
            });
            if guids {
                row["Guid"] = external(&w.guid);
            }
            row
        },
    )
}

/// Adds the item whose `plex://` guid ends in `ratingKey` (Discover's global key).
async fn add(State(data): State<LiveData>, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut data = data.write().unwrap_or_else(|e| e.into_inner());
    let Some(key) = q.get("ratingKey") else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if data.watchlist.iter().any(|w| &w.rating_key == key) {
        return StatusCode::OK.into_response();
    }
    let Some(item) = data.items.iter().find(|i| {
        i.guid.rsplit('/').next() == Some(key.as_str()) && matches!(i.kind, "movie" | "show")
    }) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let entry = WatchlistEntry {
        rating_key: key.clone(),
        guid: item.guid.clone(),
        kind: item.kind,
        title: item.title.clone(),
        year: item.year.unwrap_or(0),
        summary: item.summary.clone(),
        watchlisted_at: chrono::Utc::now().timestamp(),
    };
    data.watchlist.insert(0, entry);
    StatusCode::OK.into_response()
}

async fn remove(
    State(data): State<LiveData>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut data = data.write().unwrap_or_else(|e| e.into_inner());
    let Some(key) = q.get("ratingKey") else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    data.watchlist.retain(|w| &w.rating_key != key);
    StatusCode::OK.into_response()
}

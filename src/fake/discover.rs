//! Fake Plex Discover (discover.provider.plex.tv): the account watchlist.

use std::collections::HashMap;

use axum::{
    Router,
    extract::{Query, State},
    http::HeaderMap,
    response::Response,
    routing::get,
};
use serde_json::json;

use super::plex::{LiveData, obj, paged, paging, require_token};

pub(super) fn router(data: LiveData, token: String) -> Router {
    Router::new()
        .route("/library/sections/watchlist/all", get(watchlist))
        .layer(axum::middleware::from_fn_with_state(token, require_token))
        .with_state(data)
}

async fn watchlist(
    State(data): State<LiveData>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let data = data.read().unwrap_or_else(|e| e.into_inner());
    paged(
        &data.watchlist,
        &paging(&headers, &q),
        obj(json!({"identifier": "tv.plex.provider.discover", "librarySectionTitle": "Watchlist"})),
        |w| {
            json!({
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
            })
        },
    )
}

//! The fake Plex server's write endpoints: watched state, ratings, playlists and metadata edits,
//! applied to the live data set so later reads see them.

use super::*;

/// The items a watch-state change applies to: the item itself, or every episode under a show or
/// season.
pub(super) fn leaves_of(data: &Dataset, idx: usize) -> Vec<usize> {
    let item = &data.items[idx];
    if matches!(item.kind, "movie" | "episode") {
        return vec![idx];
    }
    let key = Some(item.rating_key.clone());
    data.items
        .iter()
        .enumerate()
        .filter(|(_, it)| {
            it.kind == "episode"
                && (it.parent_rating_key == key || it.grandparent_rating_key == key)
        })
        .map(|(i, _)| i)
        .collect()
}

/// `key` and `identifier` as the `/:/` actions take them: 400 without, 404 for an unknown item.
pub(super) fn action_target(
    data: &Dataset,
    q: &HashMap<String, String>,
) -> Result<usize, StatusCode> {
    if q.get("identifier").map(String::as_str) != Some("com.plexapp.plugins.library") {
        return Err(StatusCode::BAD_REQUEST);
    }
    let key = q.get("key").ok_or(StatusCode::BAD_REQUEST)?;
    data.item_index(key).ok_or(StatusCode::NOT_FOUND)
}

pub(super) async fn set_watched(f: Fake, q: HashMap<String, String>, watched: bool) -> Response {
    let mut data = f.write();
    let idx = match action_target(&data, &q) {
        Ok(i) => i,
        Err(status) => return html_status(status),
    };
    let now = chrono::Utc::now().timestamp();
    for leaf in leaves_of(&data, idx) {
        let it = &mut data.items[leaf];
        if watched {
            it.view_count = Some(it.view_count.unwrap_or(0) + 1);
            it.last_viewed_at = Some(now);
        } else {
            it.view_count = None;
            it.last_viewed_at = None;
        }
        it.view_offset = None;
    }
    crate::fake::data::roll_up_view_state(&mut data.items);
    StatusCode::OK.into_response()
}

pub(super) async fn scrobble(State(f): State<Fake>, Query(q): Params) -> Response {
    set_watched(f, q, true).await
}

pub(super) async fn unscrobble(State(f): State<Fake>, Query(q): Params) -> Response {
    set_watched(f, q, false).await
}

pub(super) async fn rate(State(f): State<Fake>, Query(q): Params) -> Response {
    let mut data = f.write();
    let idx = match action_target(&data, &q) {
        Ok(i) => i,
        Err(status) => return html_status(status),
    };
    match q.get("rating").and_then(|r| r.parse::<f64>().ok()) {
        Some(r) if (0.0..=10.0).contains(&r) => {
            // Plex treats -1 as "clear"; 0-10 sets the rating.
            data.items[idx].user_rating = Some(r);
            StatusCode::OK.into_response()
        }
        _ => bad_request(),
    }
}

pub(super) async fn delete_playlist(State(f): State<Fake>, Path(id): Path<String>) -> Response {
    let mut data = f.write();
    let before = data.playlists.len();
    data.playlists.retain(|p| p.rating_key != id);
    if data.playlists.len() == before {
        not_found()
    } else {
        StatusCode::OK.into_response()
    }
}

pub(super) async fn clear_playlist(State(f): State<Fake>, Path(id): Path<String>) -> Response {
    let mut data = f.write();
    match data.playlists.iter_mut().find(|p| p.rating_key == id) {
        Some(p) => {
            p.entries.clear();
            StatusCode::OK.into_response()
        }
        None => not_found(),
    }
}

pub(super) async fn remove_playlist_item(
    State(f): State<Fake>,
    Path((id, item)): Path<(String, String)>,
) -> Response {
    let mut data = f.write();
    let Some(p) = data.playlists.iter_mut().find(|p| p.rating_key == id) else {
        return not_found();
    };
    let before = p.entries.len();
    p.entries.retain(|(entry, _)| entry.to_string() != item);
    if p.entries.len() == before {
        not_found()
    } else {
        StatusCode::OK.into_response()
    }
}

/// The item indices a `server://<machine>/com.plexapp.plugins.library/...` URI names: listed
/// ratingKeys, or a section's items of one type (smart playlists). `None` for a URI of another
/// server or shape.
pub(super) fn uri_items(data: &Dataset, uri: &str) -> Option<Vec<usize>> {
    let rest = uri.strip_prefix("server://")?;
    let (machine, rest) = rest.split_once('/')?;
    if machine != data.machine_identifier {
        return None;
    }
    let rest = rest.strip_prefix("com.plexapp.plugins.library")?;
    if let Some(keys) = rest.strip_prefix("/library/metadata/") {
        return keys.split(',').map(|k| data.item_index(k)).collect();
    }
    let rest = rest.strip_prefix("/library/sections/")?;
    let (section, query) = rest.split_once("/all")?;
    let kind = query
        .trim_start_matches('?')
        .split('&')
        .find_map(|p| p.strip_prefix("type="))
        .and_then(type_name)?;
    let section: u32 = section.parse().ok()?;
    Some(
        data.items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.library_section_id == section && it.kind == kind)
            .map(|(i, _)| i)
            .collect(),
    )
}

pub(super) fn playlist_json(data: &Dataset, p: &crate::fake::data::Playlist) -> Value {
    let duration: i64 = p
        .entries
        .iter()
        .map(|&(_, i)| data.items[i].duration.unwrap_or(0))
        .sum();
    json!({
        "ratingKey": p.rating_key,
        "key": format!("/playlists/{}/items", p.rating_key),
        "guid": format!("com.plexapp.agents.none://{}", p.rating_key),
        "type": "playlist",
        "title": p.title,
        "summary": p.summary,
        "smart": p.smart,
        "playlistType": "video",
        "composite": format!("/playlists/{}/composite/{}", p.rating_key, p.updated_at),
        "duration": duration,
        "leafCount": p.entries.len(),
        "addedAt": p.added_at,
        "updatedAt": p.updated_at,
    })
}

pub(super) async fn create_playlist(State(f): State<Fake>, Query(q): Params) -> Response {
    let mut data = f.write();
    let (Some(title), Some(uri)) = (q.get("title"), q.get("uri")) else {
        return bad_request();
    };
    if q.get("type").map(String::as_str) != Some("video") {
        return bad_request();
    }
    let Some(items) = uri_items(&data, uri) else {
        return bad_request();
    };
    let now = chrono::Utc::now().timestamp();
    let key = data
        .playlists
        .iter()
        .filter_map(|p| p.rating_key.parse::<u64>().ok())
        .chain(
            data.items
                .last()
                .and_then(|i| i.rating_key.parse::<u64>().ok()),
        )
        .max()
        .unwrap_or(1000)
        + 1;
    let mut next_entry = data
        .playlists
        .iter()
        .flat_map(|p| p.entries.iter().map(|(e, _)| *e))
        .max()
        .unwrap_or(5000);
    let playlist = crate::fake::data::Playlist {
        rating_key: key.to_string(),
        title: title.clone(),
        summary: String::new(),
        smart: q.get("smart").is_some_and(|s| s == "1"),
        added_at: now,
        updated_at: now,
        entries: items
            .into_iter()
            .map(|i| {
                next_entry += 1;
                (next_entry, i)
            })
            .collect(),
    };
    let body = playlist_json(&data, &playlist);
    data.playlists.push(playlist);
    container(json!({"size": 1, "Metadata": [body]}))
}

/// Adds the URI's items to a playlist. Like Plex, it does not refuse duplicates.
pub(super) async fn add_playlist_items(
    State(f): State<Fake>,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    let mut data = f.write();
    let Some(items) = q.get("uri").and_then(|uri| uri_items(&data, uri)) else {
        return bad_request();
    };
    let mut next_entry = data
        .playlists
        .iter()
        .flat_map(|p| p.entries.iter().map(|(e, _)| *e))
        .max()
        .unwrap_or(5000);
    let Some(at) = data.playlists.iter().position(|p| p.rating_key == id) else {
        return not_found();
    };
    let p = &mut data.playlists[at];
    if p.smart {
        return bad_request();
    }
    for i in items {
        next_entry += 1;
        p.entries.push((next_entry, i));
    }
    p.updated_at = chrono::Utc::now().timestamp();
    let body = playlist_json(&data, &data.playlists[at]);
    container(json!({"size": 1, "leafCountAdded": 1, "Metadata": [body]}))
}

/// Field edits the way Plex takes them: `field.value=…` (with `field.locked=1`), tags added with
/// `genre[0].tag.tag=…` and removed with `genre[].tag.tag-=a,b`.
pub(super) async fn edit_metadata(
    State(f): State<Fake>,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    let mut data = f.write();
    let Some(idx) = data.item_index(&id) else {
        return not_found();
    };
    let it = &mut data.items[idx];
    for (key, value) in &q {
        if let Some(field) = key.strip_suffix(".value") {
            let text = Some(value.clone()).filter(|v| !v.is_empty());
            match field {
                "title" => it.title = value.clone(),
                "titleSort" => it.title_sort = value.clone(),
                "originalTitle" => it.original_title = text,
                "summary" => it.summary = value.clone(),
                "tagline" => it.tagline = text,
                "year" => match value.parse() {
                    Ok(y) => it.year = Some(y),
                    Err(_) => return bad_request(),
                },
                "rating" => match value.parse() {
                    Ok(r) => it.rating = Some(r),
                    Err(_) => return bad_request(),
                },
                "contentRating" => it.content_rating = text,
                "studio" => it.studio = text,
                _ => return bad_request(),
            }
            continue;
        }
        let (kind, removing) = match key.strip_suffix("[].tag.tag-") {
            Some(kind) => (kind, true),
            None => match key.split_once('[') {
                Some((kind, rest)) if rest.ends_with("].tag.tag") => (kind, false),
                _ => continue,
            },
        };
        let tags = match kind {
            "genre" => &mut it.genres,
            "collection" => &mut it.collections,
            "actor" => &mut it.roles,
            "director" => &mut it.directors,
            _ => return bad_request(),
        };
        if removing {
            let gone: Vec<&str> = value.split(',').collect();
            tags.retain(|t| !gone.contains(&t.tag.as_str()));
        } else if !tags.iter().any(|t| &t.tag == value) {
            tags.push(crate::fake::data::Tag { tag: value.clone() });
        }
    }
    StatusCode::OK.into_response()
}

pub(super) async fn set_poster(
    State(f): State<Fake>,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    let mut data = f.write();
    let Some(idx) = data.item_index(&id) else {
        return not_found();
    };
    match q.get("url") {
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            data.items[idx].thumb = Some(url.clone());
            StatusCode::OK.into_response()
        }
        _ => bad_request(),
    }
}

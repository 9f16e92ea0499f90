//! The fake Plex server's collections, as the PMS spec lays them out: listed per library, items
//! read and added with a `server://` URI, one item removed with a PUT, the collection deleted
//! through its library.

use super::*;

pub(super) fn collection_json(c: &crate::fake::data::Collection) -> Value {
    json!({
        "ratingKey": c.rating_key,
        "key": format!("/library/collections/{}/items", c.rating_key),
        "guid": format!("collection://{}", c.rating_key),
        "type": "collection",
        "subtype": if c.subtype == 1 { "movie" } else { "show" },
        "title": c.title,
        "summary": "",
        "smart": c.smart,
        "childCount": c.items.len(),
        "librarySectionID": c.section,
        "addedAt": c.added_at,
        "updatedAt": c.updated_at,
    })
}

pub(super) async fn section_collections(
    State(f): State<Fake>,
    Path(key): Path<String>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let data = f.read();
    let Some(section) = data.section(&key) else {
        return not_found();
    };
    let found: Vec<&crate::fake::data::Collection> = data
        .collections
        .iter()
        .filter(|c| c.section == section.key)
        .collect();
    paged(
        &found,
        &paging(&headers, &q),
        obj(json!({"librarySectionID": section.key, "librarySectionTitle": section.title})),
        |c| collection_json(c),
    )
}

pub(super) async fn collection_items(
    State(f): State<Fake>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let data = f.read();
    let Some(c) = data.collections.iter().find(|c| c.rating_key == id) else {
        return not_found();
    };
    let items: Vec<&FakeItem> = c.items.iter().map(|&i| &data.items[i]).collect();
    paged(
        &items,
        &paging(&headers, &q),
        obj(json!({"title1": c.title})),
        |it| list_view(it, false),
    )
}

/// `POST /library/collections?type&title&smart&sectionId&uri`: Plex refuses (400) items of
/// another library or type.
pub(super) async fn create_collection(State(f): State<Fake>, Query(q): Params) -> Response {
    let mut data = f.write();
    let (Some(title), Some(section), Some(subtype)) = (
        q.get("title"),
        q.get("sectionId").and_then(|s| s.parse::<u32>().ok()),
        q.get("type").and_then(|t| t.parse::<u8>().ok()),
    ) else {
        return bad_request();
    };
    let items = match q.get("uri") {
        Some(uri) => match uri_items(&data, uri) {
            Some(items) => items,
            None => return bad_request(),
        },
        None => Vec::new(),
    };
    let kind = if subtype == 1 { "movie" } else { "show" };
    if !data.sections.iter().any(|s| s.key == section)
        || items
            .iter()
            .any(|&i| data.items[i].library_section_id != section || data.items[i].kind != kind)
    {
        return bad_request();
    }
    let now = chrono::Utc::now().timestamp();
    let key = data
        .collections
        .iter()
        .filter_map(|c| c.rating_key.parse::<u64>().ok())
        .max()
        .unwrap_or(90_000)
        + 1;
    let c = crate::fake::data::Collection {
        rating_key: key.to_string(),
        title: title.clone(),
        section,
        subtype,
        smart: q.get("smart").is_some_and(|s| s == "1"),
        items,
        added_at: now,
        updated_at: now,
    };
    let body = collection_json(&c);
    data.collections.push(c);
    container(json!({"size": 1, "Metadata": [body]}))
}

/// `PUT /library/collections/{id}/items?uri=`: adds what is not there yet.
pub(super) async fn add_collection_items(
    State(f): State<Fake>,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    let mut data = f.write();
    let Some(items) = q.get("uri").and_then(|uri| uri_items(&data, uri)) else {
        return bad_request();
    };
    let Some(at) = data.collections.iter().position(|c| c.rating_key == id) else {
        return not_found();
    };
    let (section, kind) = {
        let c = &data.collections[at];
        (c.section, if c.subtype == 1 { "movie" } else { "show" })
    };
    if items
        .iter()
        .any(|&i| data.items[i].library_section_id != section || data.items[i].kind != kind)
    {
        return bad_request();
    }
    let c = &mut data.collections[at];
    for i in items {
        if !c.items.contains(&i) {
            c.items.push(i);
        }
    }
    c.updated_at = chrono::Utc::now().timestamp();
    let body = collection_json(&data.collections[at]);
    container(json!({"size": 1, "Metadata": [body]}))
}

/// `PUT /library/collections/{id}/items/{itemId}`: removes the item (400 when it is not in it).
pub(super) async fn remove_collection_item(
    State(f): State<Fake>,
    Path((id, item)): Path<(String, String)>,
) -> Response {
    let mut data = f.write();
    let idx = data.item_index(&item);
    let Some(c) = data.collections.iter_mut().find(|c| c.rating_key == id) else {
        return not_found();
    };
    let Some(pos) = idx.and_then(|i| c.items.iter().position(|&x| x == i)) else {
        return bad_request();
    };
    c.items.remove(pos);
    let body = collection_json(c);
    container(json!({"size": 1, "Metadata": [body]}))
}

/// `DELETE /library/sections/{sectionId}/collection/{id}`.
pub(super) async fn delete_collection(
    State(f): State<Fake>,
    Path((section, id)): Path<(String, String)>,
) -> Response {
    let mut data = f.write();
    let before = data.collections.len();
    data.collections
        .retain(|c| !(c.rating_key == id && c.section.to_string() == section));
    if data.collections.len() == before {
        not_found()
    } else {
        StatusCode::OK.into_response()
    }
}

//! Collections through the real binary: listed from the libraries, created type-checked,
//! extended and trimmed idempotently, deleted only when confirmed.

mod common;

use common::*;
use plex_mcp::fake::{FakeStack, Fault, Scale};
use serde_json::json;

/// Members of collection `id` in the live fake, as ratingKeys.
fn members(stack: &FakeStack, id: &str) -> Vec<String> {
    let live = stack.live.read().unwrap();
    live.collections
        .iter()
        .find(|c| c.rating_key == id)
        .map(|c| {
            c.items
                .iter()
                .map(|&i| live.items[i].rating_key.clone())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn collections_are_listed_and_read() {
    let stack = stack(Scale::DEMO, 100).await;
    let s = connect(&stack, &[]).await;
    let out = s.ok("get_collections", json!({})).await;
    let rows = out["collections"].as_array().unwrap();
    assert_eq!(rows.len(), stack.data.collections.len());
    assert!(!rows.is_empty(), "the sample has collections");
    for (row, c) in rows.iter().zip(&stack.data.collections) {
        assert_eq!(row["ratingKey"], json!(c.rating_key));
        assert_eq!(row["itemCount"], json!(c.items.len()));
        assert_eq!(row["libraryKey"], json!(c.section.to_string()));
    }
    let first = &stack.data.collections[0];
    let items = s
        .ok(
            "get_collection_items",
            json!({"collectionId": first.rating_key}),
        )
        .await;
    let keys: Vec<&str> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["ratingKey"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = first
        .items
        .iter()
        .map(|&i| stack.data.items[i].rating_key.as_str())
        .collect();
    assert_eq!(keys, want);
    let err = s
        .err("get_collection_items", json!({"collectionId": "987654"}))
        .await;
    assert!(err.contains("get_collections"), "{err}");
    let err = s.err("get_collections", json!({"libraryKey": "77"})).await;
    assert!(err.contains("get_libraries"), "{err}");
    // Writes are not listed without enabling them, and say what to set.
    let err = s
        .err(
            "create_collection",
            json!({"libraryKey": "1", "title": "x"}),
        )
        .await;
    assert!(err.contains("PLEX_ENABLE_MUTATIVE_OPS"), "{err}");
    s.close().await;
}

#[tokio::test]
async fn collections_are_created_type_checked_and_edited_idempotently() {
    let stack = stack(Scale::DEMO, 101).await;
    let s = connect(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let movies: Vec<String> = stack
        .data
        .items
        .iter()
        .filter(|i| i.kind == "movie" && i.library_section_id == 1)
        .take(3)
        .map(|i| i.rating_key.clone())
        .collect();
    let episode = stack
        .data
        .items
        .iter()
        .find(|i| i.kind == "episode")
        .unwrap()
        .rating_key
        .clone();

    // Items of another type are refused before Plex is asked.
    stack.control.clear_requests();
    let err = s
        .err(
            "create_collection",
            json!({"libraryKey": "1", "title": "Mixed", "ratingKeys": [movies[0], episode]}),
        )
        .await;
    assert!(
        err.contains("ratingKeys") && err.contains(&episode),
        "{err}"
    );
    assert!(
        !stack
            .control
            .requests()
            .iter()
            .any(|r| r.starts_with("POST /library/collections")),
        "nothing created"
    );

    let created = s
        .ok(
            "create_collection",
            json!({"libraryKey": "1", "title": "Heist Night", "ratingKeys": [movies[0], movies[1]]}),
        )
        .await;
    let id = created["collection"]["ratingKey"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(members(&stack, &id), [movies[0].clone(), movies[1].clone()]);

    let add = json!({"collectionId": id, "ratingKey": movies[2]});
    assert_eq!(
        s.ok("add_to_collection", add.clone()).await["changed"],
        json!(true)
    );
    assert_eq!(
        s.ok("add_to_collection", add.clone()).await["changed"],
        json!(false)
    );
    assert_eq!(members(&stack, &id).len(), 3);
    let wrong = s
        .err(
            "add_to_collection",
            json!({"collectionId": id, "ratingKey": episode}),
        )
        .await;
    assert!(wrong.contains("ratingKey"), "{wrong}");

    assert_eq!(
        s.ok("remove_from_collection", add.clone()).await["changed"],
        json!(true)
    );
    assert_eq!(
        s.ok("remove_from_collection", add).await["changed"],
        json!(false)
    );
    assert_eq!(members(&stack, &id).len(), 2);

    // Deleting previews without confirmation (this client cannot be asked) and then deletes.
    let preview = s.ok("delete_collection", json!({"collectionId": id})).await;
    assert_eq!(preview["preview"], json!(true), "{preview}");
    assert_eq!(preview["itemCount"], json!(2));
    assert!(
        stack
            .live
            .read()
            .unwrap()
            .collections
            .iter()
            .any(|c| c.rating_key == id)
    );
    let done = s
        .ok(
            "delete_collection",
            json!({"collectionId": id, "confirm": true}),
        )
        .await;
    assert_eq!(done["done"], json!(true), "{done}");
    assert!(
        !stack
            .live
            .read()
            .unwrap()
            .collections
            .iter()
            .any(|c| c.rating_key == id)
    );

    // A server that refuses a write is a clear error naming the service.
    let other = stack.data.collections[0].rating_key.clone();
    stack
        .control
        .inject_on("PUT", "/library/collections", Fault::Status(500), 10);
    let err = s
        .err(
            "add_to_collection",
            json!({"collectionId": other, "ratingKey": movies[2]}),
        )
        .await;
    assert!(err.contains("Plex"), "{err}");
    s.close().await;
}

#[tokio::test]
async fn a_smart_collection_is_filled_by_plex_from_a_filter() {
    let stack = stack(Scale::DEMO, 102).await;
    let s = connect(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    stack.control.clear_requests();
    let out = s
        .ok(
            "create_collection",
            json!({"libraryKey": "1", "title": "Recent Dramas", "smart": true,
                   "smartFilter": "genre=Drama&year>=2020"}),
        )
        .await;
    assert_eq!(out["collection"]["smart"], json!(true), "{out}");
    let created: Vec<String> = stack
        .control
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("POST /library/collections"))
        .collect();
    assert_eq!(created.len(), 1);
    assert!(created[0].contains("smart=1"), "{created:?}");
    assert!(
        created[0].contains("genre%3DDrama"),
        "the filter travels in the URI: {created:?}"
    );
    for (args, name) in [
        (
            json!({"libraryKey": "1", "title": "x", "smart": true, "ratingKeys": ["1001"]}),
            "ratingKeys",
        ),
        (
            json!({"libraryKey": "1", "title": "x", "smartFilter": "genre=Drama"}),
            "smartFilter",
        ),
    ] {
        let err = s.err("create_collection", args).await;
        assert!(err.contains(name), "{err}");
    }
    s.close().await;
}

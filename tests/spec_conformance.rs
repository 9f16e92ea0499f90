//! The fakes answer like the real services: every endpoint they serve is requested here and its
//! JSON is validated against the published OpenAPI specification (copied into tests/specs from
//! shared/specs). Where the modern PMS spec lacks an endpoint the older community spec is used;
//! where neither describes it, the PMS component the real server uses for that shape is.

mod common;

use common::*;
use jsonschema::Validator;
use plex_mcp::fake::Scale;
use serde_json::{Value, json};

const PMS: &str = "plex-pms.openapi.json";
const LEGACY: &str = "plex-legacy-0.0.3-with-plextv.openapi.json";
const TRAKT: &str = "trakt.openapi.json";

fn load(file: &str) -> Value {
    let path = format!("{}/tests/specs/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("spec file")).expect("spec JSON")
}

/// JSON pointer escaping for a path segment, percent-encoded for use in a URI fragment.
fn escape(segment: &str) -> String {
    segment
        .replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

/// The JSON schema of the `status` answer to `method path`.
fn status_pointer(path: &str, method: &str, status: u16) -> String {
    format!(
        "#/paths/{}/{method}/responses/{status}/content/application~1json/schema",
        escape(path)
    )
}

fn response_pointer(path: &str) -> String {
    status_pointer(path, "get", 200)
}

/// A validator for the schema at `pointer` inside `spec`, resolving its `$ref`s against the
/// whole document (OpenAPI 3.1 schemas are JSON Schema 2020-12).
fn validator(spec: &Value, pointer: &str) -> Validator {
    let mut root = spec.clone();
    root["$ref"] = json!(pointer);
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    jsonschema::validator_for(&root).unwrap_or_else(|e| panic!("{pointer}: {e}"))
}

fn assert_valid(v: &Validator, what: &str, body: &Value) {
    let errors: Vec<String> = v
        .iter_errors(body)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match the spec: {errors:?}"
    );
}

#[tokio::test]
async fn every_fake_endpoint_matches_the_plex_specs() {
    let stack = stack(Scale::DEMO, 41).await;
    let pms = load(PMS);
    let legacy = load(LEGACY);
    let http = plex_mcp::http_client(std::time::Duration::from_secs(10))
        .client()
        .clone();
    let get = |base: String, path: String| {
        let http = http.clone();
        async move {
            let resp = http
                .get(format!("{base}{path}"))
                .header("X-Plex-Token", TEST_TOKEN)
                .header("Accept", "application/json")
                .send()
                .await
                .expect("request");
            assert_eq!(resp.status(), 200, "{path}");
            let paged = resp.headers().contains_key("X-Plex-Container-Total-Size");
            let body: Value =
                serde_json::from_slice(&resp.bytes().await.unwrap()).expect("JSON body");
            (body, paged)
        }
    };
    let data = &stack.data;
    let movie = data.items.iter().find(|i| i.kind == "movie").unwrap();
    let show = data.items.iter().find(|i| i.kind == "show").unwrap();
    let episode = data.items.iter().find(|i| i.kind == "episode").unwrap();
    let playlist = &data.playlists[0];
    let metadata = format!(
        "/library/metadata/{},{},{}",
        movie.rating_key, show.rating_key, episode.rating_key
    );
    let items_page = "#/components/schemas/MediaContainerWithMetadata";

    // (fake path, spec, schema pointer)
    let cases: Vec<(String, &Value, String)> = vec![
        ("/identity".into(), &pms, response_pointer("/identity")),
        ("/".into(), &pms, response_pointer("/")),
        ("/activities".into(), &pms, response_pointer("/activities")),
        ("/clients".into(), &legacy, response_pointer("/clients")),
        (
            "/updater/status".into(),
            &pms,
            response_pointer("/updater/status"),
        ),
        (
            "/library/sections/1/collections".into(),
            &pms,
            response_pointer("/library/sections/{sectionId}/collections"),
        ),
        (
            format!(
                "/library/collections/{}/items",
                data.collections[0].rating_key
            ),
            &pms,
            response_pointer("/library/collections/{collectionId}/items"),
        ),
        (
            "/library/sections/1/genre?type=1".into(),
            &legacy,
            response_pointer("/library/sections/{sectionKey}/genre"),
        ),
        // The modern spec only has /library/sections/all, and types `hidden` as a boolean where
        // /library/sections sends 0/1/2 as the legacy spec says; the legacy spec is the one for
        // the endpoint we call.
        (
            "/library/sections".into(),
            &legacy,
            response_pointer("/library/sections"),
        ),
        (
            "/library/sections/1/all?includeGuids=1".into(),
            &pms,
            response_pointer("/library/sections/{sectionId}/all"),
        ),
        (
            "/library/sections/2/all?type=4&X-Plex-Container-Size=5".into(),
            &pms,
            response_pointer("/library/sections/{sectionId}/all"),
        ),
        (
            "/library/sections/2/all".into(),
            &pms,
            response_pointer("/library/sections/{sectionId}/all"),
        ),
        (metadata, &pms, response_pointer("/library/metadata/{ids}")),
        (
            "/status/sessions".into(),
            &pms,
            response_pointer("/status/sessions"),
        ),
        (
            "/status/sessions/history/all?sort=viewedAt:desc".into(),
            &pms,
            response_pointer("/status/sessions/history/all"),
        ),
        ("/playlists".into(), &pms, response_pointer("/playlists")),
        (
            format!("/playlists/{}/items", playlist.rating_key),
            &pms,
            response_pointer("/playlists/{playlistId}/items"),
        ),
        ("/devices".into(), &legacy, response_pointer("/devices")),
        // The legacy spec types ratingKey (and videoResolution) of /search and
        // /library/recentlyAdded as numbers; real servers send strings, as the modern spec's
        // Metadata does, so these answers are checked against that.
        ("/library/recentlyAdded".into(), &pms, items_page.into()),
        ("/search?query=night".into(), &pms, items_page.into()),
        (
            "/library/sections/1/search?query=the".into(),
            &pms,
            items_page.into(),
        ),
        ("/library/onDeck".into(), &pms, items_page.into()),
    ];
    for (path, spec, pointer) in &cases {
        let (body, _) = get(stack.plex.url.clone(), path.clone()).await;
        assert_valid(&validator(spec, pointer), path, &body);
    }

    // Paged collections carry the paging headers and fields real Plex sends.
    for path in [
        "/library/sections/1/all",
        "/status/sessions/history/all",
        "/playlists",
        "/library/onDeck",
    ] {
        let (body, paged) = get(
            stack.plex.url.clone(),
            format!("{path}?X-Plex-Container-Start=1&X-Plex-Container-Size=2"),
        )
        .await;
        assert!(paged, "{path} sends X-Plex-Container-Total-Size");
        assert_eq!(body["MediaContainer"]["offset"], json!(1), "{path}");
        assert!(body["MediaContainer"]["totalSize"].is_u64(), "{path}");
    }

    // Writes that answer with a body: creating a playlist and adding to it.
    let (ids, _) = get(stack.plex.url.clone(), "/identity".into()).await;
    let machine = ids["MediaContainer"]["machineIdentifier"]
        .as_str()
        .unwrap()
        .to_string();
    let uri = format!(
        "server://{machine}/com.plexapp.plugins.library/library/metadata/{}",
        movie.rating_key
    );
    // The PUT's answer is a shared response component, reached through its own pointer.
    let add_pointer =
        "#/components/responses/slash-post-responses-200/content/application~1json/schema"
            .to_string();
    let create_pointer =
        "#/paths/~1playlists/post/responses/200/content/application~1json/schema".to_string();
    for (method, path, pointer) in [
        (
            reqwest::Method::POST,
            "/playlists".to_string(),
            create_pointer,
        ),
        (
            reqwest::Method::PUT,
            format!("/playlists/{}/items", playlist.rating_key),
            add_pointer,
        ),
    ] {
        let mut query = vec![("uri", uri.clone())];
        if method == reqwest::Method::POST {
            query.extend([
                ("title", "Spec".to_string()),
                ("type", "video".to_string()),
                ("smart", "0".to_string()),
            ]);
        }
        let resp = http
            .request(method.clone(), format!("{}{path}", stack.plex.url))
            .header("X-Plex-Token", TEST_TOKEN)
            .query(&query)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{method} {path}");
        let body: Value = resp.json().await.unwrap();
        assert_valid(
            &validator(&pms, &pointer),
            &format!("{method} {path}"),
            &body,
        );
    }

    // A transient token and a play queue, as play_media asks for them.
    for (path, query) in [
        (
            "/security/token",
            vec![("type", "delegation".to_string()), ("scope", "all".into())],
        ),
        (
            "/playQueues",
            vec![
                ("uri", uri.clone()),
                ("type", "video".into()),
                ("continuous", "1".into()),
            ],
        ),
    ] {
        let resp = http
            .post(format!("{}{path}", stack.plex.url))
            .header("X-Plex-Token", TEST_TOKEN)
            .query(&query)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "POST {path}");
        let body: Value = resp.json().await.unwrap();
        let pointer = format!(
            "#/paths/{}/post/responses/200/content/application~1json/schema",
            path.replace('/', "~1")
        );
        assert_valid(&validator(&pms, &pointer), &format!("POST {path}"), &body);
    }

    // The legacy spec describes the Discover watchlist container's contents directly.
    let (body, _) = get(
        stack.discover.url.clone(),
        "/library/sections/watchlist/all".into(),
    )
    .await;
    assert_valid(
        &validator(
            &legacy,
            &response_pointer("/library/sections/watchlist/{filter}"),
        ),
        "watchlist",
        &body["MediaContainer"],
    );
    assert_eq!(
        body["MediaContainer"]["Metadata"].as_array().unwrap().len(),
        data.watchlist.len()
    );
}

#[tokio::test]
async fn the_validator_rejects_a_wrong_shape() {
    // Guards the test above against passing vacuously.
    let pms = load(PMS);
    let v = validator(&pms, &response_pointer("/library/sections/{sectionId}/all"));
    let bad = json!({"MediaContainer": {"size": "one", "Metadata": [{"title": 5}]}});
    assert!(v.iter_errors(&bad).next().is_some());
    let good = json!({"MediaContainer": {"size": 1, "Metadata": [{"title": "A", "type": "movie", "key": "/k", "addedAt": 1}]}});
    assert!(v.iter_errors(&good).next().is_none());
    let sonarr = load("sonarr-v3.openapi.json");
    let v = validator(&sonarr, &operation_pointer("/api/v3/series", "get"));
    assert!(
        v.iter_errors(&json!([{"id": 1, "bogus": true}]))
            .next()
            .is_some(),
        "unknown properties are refused"
    );
    assert!(
        v.iter_errors(&json!([{"id": 1, "title": "T"}]))
            .next()
            .is_none()
    );
}

#[tokio::test]
async fn the_fakes_require_the_token() {
    let stack = stack(Scale::DEMO, 42).await;
    let http = plex_mcp::http_client(std::time::Duration::from_secs(10))
        .client()
        .clone();
    for base in [&stack.plex.url, &stack.discover.url] {
        let path = if base == &stack.plex.url {
            "/library/sections"
        } else {
            "/library/sections/watchlist/all"
        };
        let none = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(none.status(), 401);
        let wrong = http
            .get(format!("{base}{path}"))
            .header("X-Plex-Token", "nope")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401);
        let query = http
            .get(format!("{base}{path}?X-Plex-Token={TEST_TOKEN}"))
            .send()
            .await
            .unwrap();
        assert_eq!(query.status(), 200, "token as a query parameter works too");
    }
}

#[test]
fn vendored_specs_match_shared_when_present() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/specs");
    if !shared.exists() {
        return; // A clean clone has only the vendored copies.
    }
    for file in [
        PMS,
        LEGACY,
        "sonarr-v3.openapi.json",
        "radarr-v3.openapi.json",
        TRAKT,
    ] {
        let theirs: Value =
            serde_json::from_str(&std::fs::read_to_string(shared.join(file)).unwrap()).unwrap();
        assert_eq!(load(file), theirs, "tests/specs/{file} is out of date");
    }
}

fn operation_pointer(path: &str, method: &str) -> String {
    status_pointer(path, method, 200)
}

#[tokio::test]
async fn fake_sonarr_and_radarr_match_their_specs() {
    let stack = stack(Scale::DEMO, 43).await;
    let http = plex_mcp::http_client(std::time::Duration::from_secs(10))
        .client()
        .clone();
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    for (file, fake, library, id_field, new_id) in [
        (
            "sonarr-v3.openapi.json",
            &stack.sonarr,
            "/api/v3/series",
            "tvdbId",
            900_001,
        ),
        (
            "radarr-v3.openapi.json",
            &stack.radarr,
            "/api/v3/movie",
            "tmdbId",
            800_001,
        ),
    ] {
        let spec = load(file);
        let base = &fake.server.url;
        let gets = [
            ("/api/v3/system/status", "/api/v3/system/status".to_string()),
            (library, library.to_string()),
            (
                &format!("{library}/lookup") as &str,
                format!("{library}/lookup?term=night"),
            ),
            (
                "/api/v3/wanted/missing",
                "/api/v3/wanted/missing?page=1&pageSize=50".to_string(),
            ),
            (
                "/api/v3/calendar",
                format!("/api/v3/calendar?start=2000-01-01&end={today}&includeSeries=true"),
            ),
            (
                "/api/v3/queue",
                "/api/v3/queue?page=2&pageSize=20".to_string(),
            ),
            (
                "/api/v3/qualityprofile",
                "/api/v3/qualityprofile".to_string(),
            ),
            ("/api/v3/rootfolder", "/api/v3/rootfolder".to_string()),
        ];
        for (spec_path, url_path) in gets {
            let resp = http
                .get(format!("{base}{url_path}"))
                .header("X-Api-Key", &fake.api_key)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200, "{url_path}");
            let body: Value = resp.json().await.unwrap();
            assert_valid(
                &validator(&spec, &operation_pointer(spec_path, "get")),
                &format!("{file} {url_path}"),
                &body,
            );
        }
        let posts = [
            (
                library,
                json!({id_field: new_id, "title": "New", "qualityProfileId": 1, "rootFolderPath": "/x", "monitored": true}),
            ),
            (
                "/api/v3/command",
                json!({"name": if library.ends_with("series") { "MissingEpisodeSearch" } else { "MissingMoviesSearch" }}),
            ),
        ];
        for (path, body) in posts {
            let resp = http
                .post(format!("{base}{path}"))
                .header("X-Api-Key", &fake.api_key)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 201, "{path}");
            let created: Value = resp.json().await.unwrap();
            assert_valid(
                &validator(&spec, &operation_pointer(path, "post")),
                &format!("{file} POST {path}"),
                &created,
            );
        }
        let unauthorized = http
            .get(format!("{base}/api/v3/system/status"))
            .send()
            .await
            .unwrap();
        assert_eq!(unauthorized.status(), 401);
    }
    stack.sonarr.state.set_version("3.0.10.1567");
    let spec = load("sonarr-v3.openapi.json");
    let resp = http
        .get(format!(
            "{}/api/v3/languageprofile",
            stack.sonarr.server.url
        ))
        .header("X-Api-Key", &stack.sonarr.api_key)
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_valid(
        &validator(&spec, &operation_pointer("/api/v3/languageprofile", "get")),
        "languageprofile",
        &body,
    );
}

/// Trakt's spec documents responses by example only, so the schema is derived from the example:
/// every key the example has, with the example's JSON type (any type where it shows null; an
/// array element matching one of the example's elements).
fn schema_from_example(example: &Value) -> Value {
    match example {
        Value::Null => json!({}),
        Value::Bool(_) => json!({"type": "boolean"}),
        Value::Number(_) => json!({"type": "number"}),
        Value::String(_) => json!({"type": "string"}),
        Value::Array(items) if items.is_empty() => json!({"type": "array"}),
        Value::Array(items) => json!({
            "type": "array",
            "items": {"anyOf": items.iter().map(schema_from_example).collect::<Vec<_>>()},
        }),
        Value::Object(map) => json!({
            "type": "object",
            "required": map.keys().collect::<Vec<_>>(),
            "properties": map.iter().map(|(k, v)| (k.clone(), schema_from_example(v))).collect::<serde_json::Map<_, _>>(),
        }),
    }
}

fn trakt_example_validator(spec: &Value, path: &str, method: &str, status: &str) -> Validator {
    let example = &spec["paths"][path][method]["responses"][status]["content"]["application/json"]
        ["examples"]["response"]["value"];
    assert!(
        !example.is_null(),
        "{method} {path} {status} has an example"
    );
    jsonschema::validator_for(&schema_from_example(example)).expect("derived schema compiles")
}

fn trakt_request_validator(spec: &Value, path: &str) -> Validator {
    validator(
        spec,
        &format!(
            "#/paths/{}/post/requestBody/content/application~1json/schema",
            escape(path)
        ),
    )
}

#[tokio::test]
async fn fake_trakt_matches_the_trakt_spec() {
    let stack = stack(Scale::DEMO, 47).await;
    let spec = load(TRAKT);
    let trakt = &stack.trakt;
    let http = plex_mcp::http_client(std::time::Duration::from_secs(10))
        .client()
        .clone();
    let call = |method: reqwest::Method, path: &str, token: Option<&str>, body: Option<Value>| {
        let mut req = http
            .request(method, format!("{}{path}", trakt.server.url))
            .header("trakt-api-version", "2")
            .header("trakt-api-key", &trakt.client_id);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        async move {
            let resp = req.send().await.expect("request");
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.expect("JSON body"))
        }
    };
    let check = |path: &str, method: &str, status: &str, body: &Value| {
        let v = trakt_example_validator(&spec, path, method, status);
        assert_valid(&v, &format!("{method} {path}"), body);
    };
    let app = json!({"client_id": trakt.client_id, "client_secret": trakt.client_secret});

    let (status, code) = call(
        reqwest::Method::POST,
        "/oauth/device/code",
        None,
        Some(json!({"client_id": trakt.client_id})),
    )
    .await;
    assert_eq!(status, 200);
    check("/oauth/device/code", "post", "200", &code);
    trakt.state.approve_devices();
    let mut poll = app.clone();
    poll["code"] = code["device_code"].clone();
    let (status, tokens) = call(
        reqwest::Method::POST,
        "/oauth/device/token",
        None,
        Some(poll),
    )
    .await;
    assert_eq!(status, 200);
    check("/oauth/device/token", "post", "200", &tokens);
    let mut refresh = app.clone();
    refresh["grant_type"] = json!("refresh_token");
    refresh["refresh_token"] = tokens["refresh_token"].clone();
    refresh["redirect_uri"] = json!("urn:ietf:wg:oauth:2.0:oob");
    let (status, tokens) = call(
        reqwest::Method::POST,
        "/oauth/token",
        None,
        Some(refresh.clone()),
    )
    .await;
    assert_eq!(status, 200);
    check("/oauth/token", "post", "200", &tokens);
    let (status, refused) = call(reqwest::Method::POST, "/oauth/token", None, Some(refresh)).await;
    assert_eq!(status, 401, "a rotated refresh token is refused");
    check("/oauth/token", "post", "401", &refused);

    let token = tokens["access_token"].as_str().unwrap();
    let get = |path: &'static str| call(reqwest::Method::GET, path, Some(token), None);
    check("/users/{id}", "get", "200", &get("/users/me").await.1);
    check(
        "/users/{id}/stats",
        "get",
        "200",
        &get("/users/me/stats").await.1,
    );
    let (_, episodes) = get("/sync/history/episodes?limit=5").await;
    assert_eq!(episodes.as_array().unwrap().len(), 5);
    check("/sync/history/{type}/{id}", "get", "200", &episodes);
    check(
        "/sync/watched/{type}",
        "get",
        "200",
        &get("/sync/watched/shows").await.1,
    );
    // Episodes sent by their own ids: the unknown one is echoed under not_found.episodes.
    let known = stack
        .data
        .items
        .iter()
        .find(|i| i.kind == "episode" && i.guid.starts_with("plex://"))
        .unwrap();
    let (status, answer) = call(
        reqwest::Method::POST,
        "/sync/history",
        Some(token),
        Some(json!({"episodes": [
            {"ids": {"trakt": known.rating_key.parse::<u64>().unwrap()}, "watched_at": "2026-01-01T10:00:00.000Z"},
            {"ids": {"tvdb": 1}},
        ]})),
    )
    .await;
    assert_eq!(status, 201);
    check("/sync/history", "post", "201", &answer);
    assert_eq!(answer["added"]["episodes"], json!(1), "{answer}");
    assert_eq!(
        answer["not_found"]["episodes"],
        json!([{"ids": {"tvdb": 1}}])
    );
    let (_, shows) = get("/sync/watched/shows?extended=progress&limit=2").await;
    assert_eq!(shows.as_array().unwrap().len(), 2, "paged");
    assert!(
        shows[0]["seasons"].is_array(),
        "seasons when asked: {shows}"
    );
    let (_, flat) = get("/sync/watched/episodes?limit=3").await;
    assert!(flat[0]["episode"]["number"].is_u64(), "{flat}");
    // Ratings and the watchlist: reads and both kinds of change.
    // The spec's examples of the reads are episode rows, so episodes are what is checked.
    let (_, rated) = get("/sync/ratings/episodes").await;
    assert!(
        !rated.as_array().unwrap().is_empty(),
        "the sample rates an episode"
    );
    check("/sync/ratings/{type}/{rating}", "get", "200", &rated);
    let (_, rated) = get("/sync/ratings/movies").await;
    let rated_movie = json!({"movies": [{"ids": rated[0]["movie"]["ids"], "rating": 7}]});
    let (status, answer) = call(
        reqwest::Method::POST,
        "/sync/ratings",
        Some(token),
        Some(rated_movie.clone()),
    )
    .await;
    assert_eq!((status, answer["added"]["movies"].clone()), (201, json!(1)));
    check("/sync/ratings", "post", "201", &answer);
    let (status, answer) = call(
        reqwest::Method::POST,
        "/sync/ratings/remove",
        Some(token),
        Some(rated_movie),
    )
    .await;
    assert_eq!(
        (status, answer["deleted"]["movies"].clone()),
        (200, json!(1))
    );
    check("/sync/ratings/remove", "post", "200", &answer);
    let show = first_season_show(&stack);
    let episode = json!({"shows": [{"ids": {"trakt": show}, "seasons": [{"number": 1, "episodes": [{"number": 1}]}]}]});
    let (status, _) = call(
        reqwest::Method::POST,
        "/sync/watchlist",
        Some(token),
        Some(episode),
    )
    .await;
    assert_eq!(status, 201);
    let (_, listed) = get("/sync/watchlist/episodes/rank").await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    check("/sync/watchlist/{type}/{sort}", "get", "200", &listed);
    let (_, listed) = get("/sync/watchlist/movies/rank").await;
    let listed_movie = json!({"movies": [{"ids": listed[0]["movie"]["ids"]}]});
    for (path, status) in [("/sync/watchlist/remove", 200), ("/sync/watchlist", 201)] {
        let (got, answer) = call(
            reqwest::Method::POST,
            path,
            Some(token),
            Some(listed_movie.clone()),
        )
        .await;
        assert_eq!(got, status, "{path}");
        check(path, "post", &status.to_string(), &answer);
    }
    let (_, found) = get("/search/movie,show?query=the&limit=20").await;
    assert!(!found.as_array().unwrap().is_empty());
    check("/search/{type}", "get", "200", &found);

    // Our own requests: a real sync and a scrobble, their bodies checked against the spec.
    let s = connect(
        &stack,
        &[
            ("TRAKT_ACCESS_TOKEN", token),
            ("TRAKT_WRITE_INTERVAL_MS", "0"),
        ],
    )
    .await;
    s.ok("trakt_sync_to_trakt", json!({"batchSize": 100})).await;
    let movie = stack.data.items.iter().find(|i| i.kind == "movie").unwrap();
    let episode = stack
        .data
        .items
        .iter()
        .find(|i| i.kind == "episode")
        .unwrap();
    for item in [movie, episode] {
        s.ok(
            "trakt_start_scrobbling",
            json!({"ratingKey": item.rating_key, "progress": 12.5}),
        )
        .await;
    }
    s.close().await;
    let posts = trakt.state.history_posts();
    assert!(!posts.is_empty());
    let history_request = trakt_request_validator(&spec, "/sync/history");
    for body in &posts {
        assert_valid(&history_request, "our POST /sync/history", body);
    }
    let scrobble_request = trakt_request_validator(&spec, "/scrobble/start");
    let scrobbles = trakt.state.scrobbles();
    assert_eq!(scrobbles.len(), 2);
    for (_, body) in &scrobbles {
        assert_valid(&scrobble_request, "our POST /scrobble/start", body);
    }
    // The fake's answers to them.
    for (path, body) in [
        ("/sync/history", posts[0].clone()),
        ("/scrobble/start", scrobbles[1].1.clone()),
        ("/scrobble/pause", scrobbles[0].1.clone()),
    ] {
        let (status, answer) = call(reqwest::Method::POST, path, Some(token), Some(body)).await;
        assert_eq!(status, 201, "{path}");
        check(path, "post", "201", &answer);
    }

    // The derived schemas have teeth.
    let stats = trakt_example_validator(&spec, "/users/{id}/stats", "get", "200");
    assert!(!stats.is_valid(&json!({"movies": "many"})));
}

#[tokio::test]
async fn fake_plex_tv_matches_the_plex_tv_spec() {
    let stack = stack(Scale::DEMO, 48).await;
    let legacy = load(LEGACY);
    let http = plex_mcp::http_client(std::time::Duration::from_secs(10))
        .client()
        .clone();
    let base = format!("{}/api/v2", stack.plextv.server.url);
    let req = |method: reqwest::Method, path: &str| {
        http.request(method, format!("{base}{path}"))
            .header("Accept", "application/json")
            .header("X-Plex-Client-Identifier", "spec-check")
            .header("X-Plex-Product", "plex-mcp")
    };
    let resp = req(reqwest::Method::POST, "/pins?strong=true")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let pin: Value = resp.json().await.unwrap();
    assert_valid(
        &validator(&legacy, &status_pointer("/pins", "post", 201)),
        "POST /pins",
        &pin,
    );
    let polled: Value = req(reqwest::Method::GET, &format!("/pins/{}", pin["id"]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        polled["authToken"].is_string(),
        "the demo account approves at once"
    );
    assert_valid(
        &validator(&legacy, &status_pointer("/pins/{pinID}", "get", 200)),
        "GET /pins/{id}",
        &polled,
    );
    let resources: Value = req(
        reqwest::Method::GET,
        "/resources?includeHttps=1&includeRelay=1",
    )
    .header("X-Plex-Token", TEST_TOKEN)
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(resources.as_array().unwrap().len() >= 2);
    assert_valid(
        &validator(&legacy, &status_pointer("/resources", "get", 200)),
        "GET /resources",
        &resources,
    );
    let missing_id = http.post(format!("{base}/pins")).send().await.unwrap();
    assert_eq!(
        missing_id.status(),
        400,
        "plex.tv requires X-Plex-Client-Identifier"
    );
}

/// The rating key (the fake Trakt's id) of a show of the sample with an S01E01.
fn first_season_show(stack: &plex_mcp::fake::FakeStack) -> u64 {
    stack
        .data
        .items
        .iter()
        .find(|i| i.kind == "episode" && i.parent_index == Some(1) && i.index == Some(1))
        .and_then(|e| e.grandparent_rating_key.as_deref())
        .and_then(|k| k.parse().ok())
        .expect("a show with S01E01")
}

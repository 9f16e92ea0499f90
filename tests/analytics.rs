//! The analytics tools against the fake stack. Every expected number is computed here, directly
//! from the fake's generated data, not from plex-mcp's code.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};

use common::*;
use plex_mcp::fake::{FakeStack, Scale, data::Play};
use serde_json::{Value, json};

fn hours(ms: i64) -> f64 {
    (ms as f64 / 3_600_000.0 * 10.0).round() / 10.0
}

fn in_range(stack: &FakeStack, days: i64) -> Vec<&Play> {
    let from = chrono::Utc::now().timestamp() - days * 86_400;
    stack
        .data
        .history
        .iter()
        .filter(|p| p.viewed_at >= from)
        .collect()
}

fn ms(stack: &FakeStack, p: &Play) -> i64 {
    stack.data.items[p.item].duration.unwrap_or(0)
}

/// (name, plays, hours) ranked by plays, then name.
fn ranking(rows: HashMap<String, (usize, i64)>, keep: usize) -> Vec<(String, usize, f64)> {
    let mut v: Vec<(String, usize, f64)> = rows
        .into_iter()
        .map(|(k, (n, ms))| (k, n, hours(ms)))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(keep);
    v
}

fn as_ranking(v: &Value) -> Vec<(String, usize, f64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["plays"].as_u64().unwrap() as usize,
                r["hours"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn watch_stats_count_every_play_in_range_with_names() {
    let stack = stack(MEDIUM, 51).await;
    let s = connect(&stack, &[]).await;
    let data = &stack.data;
    let plays = in_range(&stack, 200);
    assert!(plays.len() > plex_mcp::PAGE_SIZE, "the range spans pages");

    let out = s.ok("get_watch_stats", json!({"timeRange": 200})).await;
    assert_eq!(out["totalPlays"], json!(plays.len()));
    let total: i64 = plays.iter().map(|p| ms(&stack, p)).sum();
    assert_eq!(out["totalHours"].as_f64().unwrap(), hours(total));
    let mut by_day: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
    for p in &plays {
        let day = at(p.viewed_at).as_str().unwrap()[..10].to_string();
        *by_day.entry(day).or_default() += 1;
        *by_type
            .entry(data.items[p.item].kind.to_string())
            .or_default() += 1;
    }
    assert_eq!(out["plays"]["byDay"], json!(by_day));
    assert_eq!(out["plays"]["byType"], json!(by_type));

    let mut users: HashMap<String, (usize, i64)> = HashMap::new();
    let mut devices: HashMap<String, (usize, i64)> = HashMap::new();
    let mut libraries: HashMap<String, (usize, i64)> = HashMap::new();
    let mut platforms: HashMap<String, (usize, i64)> = HashMap::new();
    for p in &plays {
        let len = ms(&stack, p);
        for (map, key) in [
            (&mut users, data.account(p.account_id).unwrap().name.clone()),
            (&mut devices, data.device(p.device_id).unwrap().name.clone()),
            (
                &mut platforms,
                data.device(p.device_id).unwrap().platform.to_string(),
            ),
            (
                &mut libraries,
                data.items[p.item].library_section_title.clone(),
            ),
        ] {
            let e = map.entry(key).or_default();
            e.0 += 1;
            e.1 += len;
        }
    }
    assert_eq!(out["uniqueUsers"], json!(users.len()));
    assert_eq!(as_ranking(&out["topUsers"]), ranking(users.clone(), 5));
    assert_eq!(as_ranking(&out["topDevices"]), ranking(devices.clone(), 5));
    assert_eq!(
        as_ranking(&out["topLibraries"]),
        ranking(libraries.clone(), 5)
    );

    let out = s
        .ok(
            "get_watch_stats",
            json!({"timeRange": 200, "statType": "platforms"}),
        )
        .await;
    assert_eq!(as_ranking(&out["topPlatforms"]), ranking(platforms, 10));
    assert_eq!(as_ranking(&out["topDevices"]), ranking(devices, 10));
    assert!(out.get("plays").is_none());

    let out = s
        .ok(
            "get_watch_stats",
            json!({"timeRange": 200, "statType": "duration"}),
        )
        .await;
    let mut hours_by_type: BTreeMap<String, i64> = BTreeMap::new();
    for p in &plays {
        *hours_by_type
            .entry(data.items[p.item].kind.to_string())
            .or_default() += ms(&stack, p);
    }
    let expected: BTreeMap<String, f64> = hours_by_type
        .into_iter()
        .map(|(k, v)| (k, hours(v)))
        .collect();
    assert_eq!(out["duration"]["byTypeHours"], json!(expected));
    s.close().await;
}

#[tokio::test]
async fn durations_are_right_whether_batched_or_listed() {
    let stack = stack(
        Scale {
            plays: 12_000,
            ..MEDIUM
        },
        52,
    )
    .await;
    let s = connect(&stack, &[]).await;
    let limit = plex_mcp::BATCH_LOOKUP_LIMIT;
    for (days, listed) in [(20, false), (3650, true)] {
        let plays = in_range(&stack, days);
        let distinct: HashSet<usize> = plays.iter().map(|p| p.item).collect();
        assert_eq!(
            distinct.len() > limit,
            listed,
            "{days} days: {} distinct items",
            distinct.len()
        );
        stack.control.clear_requests();
        let out = s.ok("get_watch_stats", json!({"timeRange": days})).await;
        let total: i64 = plays.iter().map(|p| ms(&stack, p)).sum();
        assert_eq!(
            out["totalHours"].as_f64().unwrap(),
            hours(total),
            "{days} days"
        );
        let batched = stack
            .control
            .requests()
            .iter()
            .filter(|r| r.starts_with("GET /library/metadata/"))
            .count();
        if listed {
            assert_eq!(
                batched, 0,
                "{days} days: many items are read from the listings"
            );
        } else {
            assert!(batched > 0, "{days} days: few items are fetched in batches");
            assert!(
                stack
                    .control
                    .requests()
                    .iter()
                    .filter(|r| r.starts_with("GET /library/metadata/"))
                    .all(|r| r.contains("excludeElements=Media")),
                "a length needs no files, tags or people"
            );
        }
    }
    s.close().await;
}

#[tokio::test]
async fn the_play_history_is_read_with_every_page_once() {
    let stack = stack(
        Scale {
            plays: 5_500,
            ..MEDIUM
        },
        61,
    )
    .await;
    let s = connect(&stack, &[]).await;
    let page = plex_mcp::PAGE_SIZE;
    // The history most likely spans pages, so the first pages go out together, before its size
    // is known; once the first has told it, only the pages still needed follow.
    let wave: Vec<usize> = (0..plex_mcp::PAGE_CONCURRENCY).map(|i| i * page).collect();
    for days in [3650, 1] {
        let plays = in_range(&stack, days);
        assert_eq!(plays.len() > wave.len() * page, days > 1, "{days} days");
        stack.control.clear_requests();
        let out = s.ok("get_watch_stats", json!({"timeRange": days})).await;
        assert_eq!(out["totalPlays"], json!(plays.len()), "{days} days");
        let needed: Vec<usize> = (0..plays.len().max(1)).step_by(page).collect();
        let mut expected = needed.clone();
        expected.extend(wave.iter().filter(|s| !needed.contains(s)));
        expected.sort();
        assert_eq!(
            page_starts(&stack, "GET /status/sessions/history/all"),
            expected,
            "{days} days: {} plays",
            plays.len()
        );
    }
    s.close().await;
}

/// Listings of whole libraries, for item lengths.
fn listings(stack: &FakeStack) -> Vec<String> {
    let mut libraries: Vec<String> = stack
        .control
        .requests()
        .iter()
        .filter_map(|r| {
            let rest = r.strip_prefix("GET /library/sections/")?;
            let (key, tail) = rest.split_once('/')?;
            tail.starts_with("all?").then(|| key.to_string())
        })
        .collect();
    libraries.sort();
    libraries.dedup();
    libraries
}

#[tokio::test]
async fn library_lengths_are_read_again_only_when_the_library_changes() {
    let stack = stack(
        Scale {
            plays: 12_000,
            ..MEDIUM
        },
        54,
    )
    .await;
    let s = connect(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let args = json!({"timeRange": 3650});
    let first = s.ok("get_watch_stats", args.clone()).await;
    let read = listings(&stack);
    assert!(read.len() >= 2, "movies and shows are listed: {read:?}");
    stack.control.clear_requests();
    let again = s.ok("get_watch_stats", args.clone()).await;
    assert_eq!(again["totalHours"], first["totalHours"]);
    assert_eq!(listings(&stack), Vec::<String>::new(), "nothing changed");
    let scanned = read[0].clone();
    s.ok("scan_library", json!({"libraryKey": scanned})).await;
    stack.control.clear_requests();
    let after_scan = s.ok("get_watch_stats", args).await;
    assert_eq!(after_scan["totalHours"], first["totalHours"]);
    assert_eq!(listings(&stack), vec![scanned], "only the scanned library");
    s.close().await;
}

#[tokio::test]
async fn user_stats_cover_every_account() {
    let stack = stack(MEDIUM, 53).await;
    let s = connect(&stack, &[]).await;
    let plays = in_range(&stack, 90);
    let out = s.ok("get_user_stats", json!({"timeRange": 90})).await;
    assert_eq!(out["totalUsers"], json!(stack.data.accounts.len()));
    for account in &stack.data.accounts {
        let mine: Vec<&&Play> = plays
            .iter()
            .filter(|p| p.account_id == account.id)
            .collect();
        let row = out["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == json!(account.id.to_string()))
            .unwrap_or_else(|| panic!("account {} listed", account.id));
        assert_eq!(row["name"], json!(account.name));
        assert_eq!(row["plays"], json!(mine.len()));
        let total: i64 = mine.iter().map(|p| ms(&stack, p)).sum();
        assert_eq!(row["hours"].as_f64().unwrap(), hours(total));
        assert_eq!(
            row["lastViewedAt"],
            at(mine.iter().map(|p| p.viewed_at).max().unwrap())
        );
    }
    let counts: Vec<u64> = out["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["plays"].as_u64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "most active first");
    s.close().await;
}

#[tokio::test]
async fn popular_content_ranks_plays_in_range() {
    let stack = stack(MEDIUM, 54).await;
    let s = connect(&stack, &[]).await;
    let data = &stack.data;
    let plays = in_range(&stack, 60);
    // (plays, ms, last, users, title) per item, episodes rolled up to their show.
    type Group = (usize, i64, i64, HashSet<u32>, String);
    let mut groups: HashMap<String, Group> = HashMap::new();
    for p in &plays {
        let it = &data.items[p.item];
        let (key, title) = match (&it.grandparent_rating_key, &it.grandparent_title) {
            (Some(k), Some(t)) => (k.clone(), t.clone()),
            _ => (it.rating_key.clone(), it.title.clone()),
        };
        let g = groups
            .entry(key)
            .or_insert_with(|| (0, 0, 0, HashSet::new(), title));
        g.0 += 1;
        g.1 += ms(&stack, p);
        g.2 = g.2.max(p.viewed_at);
        g.3.insert(p.account_id);
    }
    let mut expected: Vec<(String, Group)> = groups.into_iter().collect();
    expected.sort_by(|(ka, a), (kb, b)| b.0.cmp(&a.0).then(b.2.cmp(&a.2)).then_with(|| ka.cmp(kb)));
    let out = s
        .ok("get_popular_content", json!({"timeRange": 60, "limit": 10}))
        .await;
    let got = out["popularContent"].as_array().unwrap();
    assert_eq!(got.len(), 10);
    for (row, (key, g)) in got.iter().zip(&expected) {
        assert_eq!(row["ratingKey"], json!(key));
        assert_eq!(row["title"], json!(g.4));
        assert_eq!(row["plays"], json!(g.0));
        assert_eq!(row["hours"].as_f64().unwrap(), hours(g.1));
        assert_eq!(row["uniqueUsers"], json!(g.3.len()));
        assert_eq!(row["lastViewedAt"], at(g.2));
        let year = data.item_by_key(key).and_then(|i| i.year);
        assert_eq!(row["year"].as_i64(), year.map(i64::from));
    }

    let out = s
        .ok(
            "get_popular_content",
            json!({"timeRange": 60, "metric": "duration", "mediaType": "movie", "limit": 5}),
        )
        .await;
    let mut movies: HashMap<String, (i64, i64)> = HashMap::new();
    for p in plays.iter().filter(|p| data.items[p.item].kind == "movie") {
        let e = movies
            .entry(data.items[p.item].rating_key.clone())
            .or_default();
        e.0 += ms(&stack, p);
        e.1 = e.1.max(p.viewed_at);
    }
    let mut ranked: Vec<(String, (i64, i64))> = movies.into_iter().collect();
    ranked.sort_by(|(ka, a), (kb, b)| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then_with(|| ka.cmp(kb)));
    let keys: Vec<String> = ranked.into_iter().take(5).map(|(k, _)| k).collect();
    let got: Vec<String> = out["popularContent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ratingKey"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, keys);
    assert!(
        out["popularContent"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["type"] == "movie")
    );
    s.close().await;
}

#[tokio::test]
async fn library_stats_and_fully_watched_follow_view_state() {
    let stack = stack(Scale::DEMO, 55).await;
    let s = connect(&stack, &[]).await;
    let data = &stack.data;
    let out = s.ok("get_library_stats", json!({})).await;
    for (row, section) in out["libraries"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&data.sections)
    {
        let leaf_kind = if section.kind == "show" {
            "episode"
        } else {
            "movie"
        };
        let leaves: Vec<_> = data
            .items
            .iter()
            .filter(|i| i.library_section_id == section.key && i.kind == leaf_kind)
            .collect();
        let top = data
            .items
            .iter()
            .filter(|i| i.library_section_id == section.key && i.kind == section.kind)
            .count();
        assert_eq!(row["items"], json!(top), "{}", section.title);
        assert_eq!(row["leafItems"], json!(leaves.len()));
        assert_eq!(
            row["watchedLeafItems"],
            json!(leaves.iter().filter(|i| i.view_count.is_some()).count())
        );
        let total: i64 = leaves.iter().filter_map(|i| i.duration).sum();
        assert_eq!(row["totalHours"].as_f64().unwrap(), hours(total));
    }
    let one = s.ok("get_library_stats", json!({"libraryKey": "2"})).await;
    assert_eq!(one["totalLibraries"], json!(1));
    let msg = s.err("get_library_stats", json!({"libraryKey": "9"})).await;
    assert!(msg.contains("No Plex library has key 9"), "{msg}");

    let mut expected: Vec<_> = data
        .items
        .iter()
        .filter(|i| {
            (i.kind == "movie" && i.view_count.is_some())
                || (i.kind == "show"
                    && i.leaf_count.unwrap_or(0) > 0
                    && i.viewed_leaf_count == i.leaf_count)
        })
        .collect();
    expected.sort_by(|a, b| {
        b.last_viewed_at
            .cmp(&a.last_viewed_at)
            .then_with(|| a.title.cmp(&b.title))
    });
    assert!(
        expected.iter().any(|i| i.kind == "show"),
        "the sample has a fully watched show"
    );
    let out = s.ok("get_fully_watched", json!({})).await;
    assert_eq!(out["totalCount"], json!(expected.len()));
    let keys: Vec<&str> = out["fullyWatched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ratingKey"].as_str().unwrap())
        .collect();
    // A conversation-sized page, and what it left out.
    let want: Vec<&str> = expected
        .iter()
        .take(30)
        .map(|i| i.rating_key.as_str())
        .collect();
    assert_eq!(keys, want);
    assert!(expected.len() > 30);
    assert_eq!(
        out["more"],
        json!(format!("{} more; raise limit", expected.len() - 30))
    );
    let shows = s
        .ok("get_fully_watched", json!({"mediaType": "show"}))
        .await;
    for row in shows["fullyWatched"].as_array().unwrap() {
        assert_eq!(row["type"], "show");
        let show = data
            .item_by_key(row["ratingKey"].as_str().unwrap())
            .unwrap();
        assert_eq!(row["episodes"], json!(show.leaf_count));
    }
    let movies = s
        .ok(
            "get_fully_watched",
            json!({"libraryKey": "3", "mediaType": "movie", "limit": 2}),
        )
        .await;
    assert!(movies["returned"].as_u64().unwrap() <= 2);
    assert_eq!(movies["libraryKey"], json!("3"));
    s.close().await;
}

#[tokio::test]
async fn recommendations_rank_unwatched_movies_for_the_viewer() {
    let stack = stack(Scale::DEMO, 56).await;
    let s = connect(&stack, &[]).await;
    let data = &stack.data;
    let now = chrono::Utc::now().timestamp();
    let movies: Vec<_> = data
        .items
        .iter()
        .filter(|i| i.library_section_id == 1 && i.kind == "movie")
        .collect();
    let watched: Vec<_> = movies.iter().filter(|m| m.view_count.is_some()).collect();

    let out = s
        .ok(
            "get_recommendations",
            json!({"libraryKey": "1", "limit": 5}),
        )
        .await;
    assert_eq!(out["watchedCount"], json!(watched.len()));
    assert_eq!(out["unwatchedCount"], json!(movies.len() - watched.len()));
    let recs = out["recommendations"].as_array().unwrap();
    assert_eq!(recs.len(), 5.min(movies.len() - watched.len()));
    let scores: Vec<f64> = recs.iter().map(|r| r["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    for r in recs {
        let m = data.item_by_key(r["ratingKey"].as_str().unwrap()).unwrap();
        assert!(m.view_count.is_none(), "{} is already watched", m.title);
        let full: Vec<&str> = m.genres.iter().map(|g| g.tag.as_str()).collect();
        assert_eq!(
            r["genres"],
            json!(full),
            "full genre list, not the list view's"
        );
        assert!(!r["reasons"].as_array().unwrap().is_empty());
    }
    // The taste profile uses every genre of every watched movie, weighted by recency and views.
    let mut genre: HashMap<String, f64> = HashMap::new();
    for m in &watched {
        let days = (now - m.last_viewed_at.unwrap()) as f64 / 86_400.0;
        let w = (-std::f64::consts::LN_2 * days / 180.0).exp()
            * (1.0 + m.view_count.unwrap() as f64).ln();
        for g in &m.genres {
            *genre.entry(g.tag.clone()).or_default() += w;
        }
    }
    let mut top: Vec<(String, f64)> = genre.into_iter().collect();
    top.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap().then_with(|| a.0.cmp(&b.0)));
    let top: Vec<String> = top.into_iter().take(5).map(|(g, _)| g).collect();
    assert_eq!(out["tasteProfile"]["topGenres"], json!(top));

    // Another account: its own plays make its profile.
    for account in &data.accounts[1..] {
        let seen: HashSet<String> = data
            .history
            .iter()
            .filter(|p| p.account_id == account.id && data.items[p.item].library_section_id == 1)
            .map(|p| data.items[p.item].rating_key.clone())
            .collect();
        let out = s
            .ok(
                "get_recommendations",
                json!({"libraryKey": "1", "userId": account.id.to_string()}),
            )
            .await;
        assert_eq!(out["watchedCount"], json!(seen.len()), "{}", account.name);
        assert_eq!(out["userId"], json!(account.id.to_string()));
        let recs = out["recommendations"].as_array().unwrap();
        if seen.len() < 5 {
            assert!(recs.is_empty());
            assert!(out["message"].as_str().unwrap().contains("at least 5"));
        } else {
            assert!(!recs.is_empty());
            assert!(
                recs.iter()
                    .all(|r| !seen.contains(r["ratingKey"].as_str().unwrap()))
            );
        }
    }
    let msg = s
        .err("get_recommendations", json!({"libraryKey": "../1"}))
        .await;
    assert!(msg.contains("libraryKey"), "{msg}");
    s.close().await;
}

#[tokio::test]
async fn since_and_until_select_plays_either_side_of_each_boundary() {
    let stack = stack(Scale::DEMO, 58).await;
    let s = connect(&stack, &[]).await;
    let mut times: Vec<i64> = plays(&stack).iter().map(|p| p.viewed_at).collect();
    times.sort();
    // Boundaries on play times, so plays sit exactly on both.
    let (since, until) = (times[times.len() / 4], times[times.len() * 3 / 4]);
    assert!(since < until);
    let inside = times.iter().filter(|t| **t >= since && **t < until).count();
    assert!(times.contains(&since) && times.contains(&until));
    let iso = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    stack.control.clear_requests();
    let history = s
        .ok(
            "get_watch_history",
            json!({"since": iso(since), "until": iso(until), "limit": 10000}),
        )
        .await;
    assert_eq!(history["watchHistory"].as_array().unwrap().len(), inside);
    let sent = stack.control.requests();
    assert!(
        sent.iter()
            .any(|r| r.contains("/status/sessions/history/all")
                && r.contains(&format!("viewedAt%3E={since}"))
                && r.contains(&format!("viewedAt%3C={}", until - 1))),
        "Plex filters the window: {sent:?}"
    );
    let stats = s
        .ok(
            "get_watch_stats",
            json!({"since": iso(since), "until": iso(until)}),
        )
        .await;
    assert_eq!(stats["totalPlays"], json!(inside), "{stats}");
    let users = s
        .ok(
            "get_user_stats",
            json!({"since": iso(since), "until": iso(until)}),
        )
        .await;
    let counted: u64 = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["plays"].as_u64().unwrap())
        .sum();
    assert_eq!(counted as usize, inside, "{users}");
    let err = s
        .err(
            "get_watch_stats",
            json!({"timeRange": 7, "since": iso(since)}),
        )
        .await;
    assert!(err.contains("timeRange"), "{err}");
    let err = s
        .err(
            "get_popular_content",
            json!({"since": iso(until), "until": iso(since)}),
        )
        .await;
    assert!(err.contains("until"), "{err}");
    s.close().await;
}

//! The generator of the sample data set: word lists, helpers and `Dataset::generate`.

use super::{words::*, *};

impl Dataset {
    /// Builds the data set for `scale` from `seed`, with times relative to `now` (unix seconds).
    pub fn generate(scale: Scale, seed: u64, now: i64) -> Dataset {
        let mut rng = Rng::new(seed);
        let day = 86_400;
        let sections = vec![
            section(1, "Movies", "movie", now, &mut rng),
            section(2, "TV Shows", "show", now, &mut rng),
            section(3, "Documentaries", "movie", now, &mut rng),
        ];
        let mut items = Vec::with_capacity(scale.movies + scale.documentaries + scale.shows * 40);
        let mut next_key: u64 = 1000;
        let mut key = || {
            next_key += 1;
            next_key
        };
        let mut movie_titles = std::collections::HashSet::new();
        for (section_idx, count) in [(0usize, scale.movies), (2, scale.documentaries)] {
            for _ in 0..count {
                let sec = &sections[section_idx];
                let rk = key();
                let mut title = if rng.chance(30) {
                    format!("The {} {}", rng.pick(ADJECTIVES), rng.pick(NOUNS))
                } else {
                    format!("{} of the {}", rng.pick(NOUNS), rng.pick(NOUNS))
                };
                if !movie_titles.insert(title.clone()) {
                    title = format!("{title} {}", movie_titles.len());
                    movie_titles.insert(title.clone());
                }
                let year = 1970 + rng.range(0, 55) as i32;
                let duration = (rng.range(80, 170) as i64) * 60_000;
                let added_at =
                    now - rng.range(1, 1500) as i64 * day - rng.range(0, day as usize) as i64;
                let imdb = 100_000 + rk;
                let genres = if section_idx == 2 {
                    let mut g = vec![Tag {
                        tag: "Documentary".into(),
                    }];
                    g.extend(distinct_tags(&mut rng, &["History", "War", "Family"], 1));
                    g
                } else {
                    let n = rng.range(2, 4);
                    distinct_tags(&mut rng, GENRES, n)
                };
                // Most movies carry the modern Guid array; a few were matched by a legacy agent
                // (ids only in `guid`) and a few never matched at all (`local://`).
                let plex_guid = format!("plex://movie/{}", hex_id(&mut rng));
                let (guid, external) = if rk.is_multiple_of(41) {
                    (format!("local://{rk}"), false)
                } else if rk.is_multiple_of(37) {
                    (
                        format!("com.plexapp.agents.imdb://tt{imdb:07}?lang=en"),
                        false,
                    )
                } else {
                    (plex_guid, true)
                };
                items.push(FakeItem {
                    rating_key: rk.to_string(),
                    key: format!("/library/metadata/{rk}"),
                    guid,
                    kind: "movie",
                    title_sort: title_sort(&title),
                    original_title: rng.chance(10).then(|| format!("{title} (Original)")),
                    edition_title: rng.chance(5).then(|| "Director's Cut".to_string()),
                    summary: summary(&mut rng, &title),
                    title,
                    year: Some(year),
                    rating: Some((rng.range(30, 95) as f64) / 10.0),
                    user_rating: None,
                    tagline: None,
                    thumb: None,
                    content_rating: Some(rng.pick(CONTENT_RATINGS).to_string()),
                    studio: Some(rng.pick(STUDIOS).to_string()),
                    duration: Some(duration),
                    originally_available_at: Some(format!(
                        "{year}-{:02}-{:02}",
                        rng.range(1, 12),
                        rng.range(1, 28)
                    )),
                    added_at,
                    updated_at: added_at + rng.range(0, 30) as i64 * day,
                    view_count: None,
                    last_viewed_at: None,
                    view_offset: None,
                    library_section_id: sec.key,
                    library_section_title: sec.title.clone(),
                    library_section_key: format!("/library/sections/{}", sec.key),
                    parent_rating_key: None,
                    parent_title: None,
                    parent_index: None,
                    grandparent_rating_key: None,
                    grandparent_title: None,
                    grandparent_guid: None,
                    index: None,
                    leaf_count: None,
                    viewed_leaf_count: None,
                    child_count: None,
                    genres,
                    directors: {
                        let n = rng.range(1, 2);
                        people(&mut rng, n)
                    },
                    writers: {
                        let n = rng.range(1, 3);
                        people(&mut rng, n)
                    },
                    roles: {
                        let n = rng.range(4, 8);
                        people(&mut rng, n)
                    },
                    countries: vec![Tag {
                        tag: "United States of America".into(),
                    }],
                    collections: if rng.chance(10) {
                        vec![Tag {
                            tag: "Favourites".into(),
                        }]
                    } else {
                        vec![]
                    },
                    guids: if external {
                        vec![
                            GuidTag {
                                id: format!("imdb://tt{imdb:07}"),
                            },
                            GuidTag {
                                id: format!("tmdb://{}", 500 + rk),
                            },
                        ]
                    } else {
                        vec![]
                    },
                    media: vec![FakeMedia {
                        id: rk * 10,
                        duration,
                        video_resolution: RESOLUTIONS[rng.range(0, RESOLUTIONS.len() - 1)],
                        video_codec: "h264",
                        audio_codec: AUDIO_CODECS[rng.range(0, AUDIO_CODECS.len() - 1)],
                        container: "mkv",
                        bitrate: 0,
                        width: 0,
                        height: 0,
                        parts: Vec::new(),
                    }],
                });
            }
        }
        let tv = &sections[1];
        for s in 0..scale.shows {
            let show_rk = key();
            let show_title = if s % 3 == 0 {
                format!("{} {}", rng.pick(NOUNS), rng.pick(SHOW_NOUNS))
            } else {
                format!(
                    "The {} {} {}",
                    rng.pick(ADJECTIVES),
                    rng.pick(NOUNS),
                    rng.pick(SHOW_NOUNS)
                )
            };
            let show_title = format!("{show_title} ({})", s + 1);
            let show_guid = format!("plex://show/{}", hex_id(&mut rng));
            let year = 1995 + rng.range(0, 30) as i32;
            let added_at = now - rng.range(30, 1500) as i64 * day;
            let genres = {
                let n = rng.range(2, 3);
                distinct_tags(&mut rng, GENRES, n)
            };
            let roles = people(&mut rng, 6);
            let show_idx = items.len();
            items.push(FakeItem {
                rating_key: show_rk.to_string(),
                key: format!("/library/metadata/{show_rk}/children"),
                guid: show_guid.clone(),
                kind: "show",
                title_sort: title_sort(&show_title),
                original_title: None,
                edition_title: None,
                summary: summary(&mut rng, &show_title),
                title: show_title.clone(),
                year: Some(year),
                rating: Some((rng.range(50, 95) as f64) / 10.0),
                user_rating: None,
                tagline: None,
                thumb: None,
                content_rating: Some(rng.pick(CONTENT_RATINGS).to_string()),
                studio: Some(rng.pick(STUDIOS).to_string()),
                duration: Some(rng.range(22, 60) as i64 * 60_000),
                originally_available_at: Some(format!("{year}-09-0{}", rng.range(1, 9))),
                added_at,
                updated_at: added_at,
                view_count: None,
                last_viewed_at: None,
                view_offset: None,
                library_section_id: tv.key,
                library_section_title: tv.title.clone(),
                library_section_key: format!("/library/sections/{}", tv.key),
                parent_rating_key: None,
                parent_title: None,
                parent_index: None,
                grandparent_rating_key: None,
                grandparent_title: None,
                grandparent_guid: None,
                index: None,
                leaf_count: Some(0),
                viewed_leaf_count: Some(0),
                child_count: Some(0),
                genres: genres.clone(),
                directors: vec![],
                writers: vec![],
                roles: roles.clone(),
                countries: vec![],
                collections: vec![],
                guids: vec![
                    GuidTag {
                        id: format!("imdb://tt{:07}", 900_000 + show_rk),
                    },
                    GuidTag {
                        id: format!("tmdb://{}", 70_000 + show_rk),
                    },
                    GuidTag {
                        id: format!("tvdb://{}", 300_000 + show_rk),
                    },
                ],
                media: vec![],
            });
            let seasons = rng.range(scale.seasons_per_show.0, scale.seasons_per_show.1);
            let mut leaves = 0;
            for season_no in 1..=seasons {
                let season_rk = key();
                let season_idx = items.len();
                let season_title = format!("Season {season_no}");
                items.push(FakeItem {
                    rating_key: season_rk.to_string(),
                    key: format!("/library/metadata/{season_rk}/children"),
                    guid: format!("plex://season/{}", hex_id(&mut rng)),
                    kind: "season",
                    title_sort: season_title.clone(),
                    title: season_title.clone(),
                    original_title: None,
                    edition_title: None,
                    summary: String::new(),
                    year: None,
                    rating: None,
                    user_rating: None,
                    tagline: None,
                    thumb: None,
                    content_rating: None,
                    studio: None,
                    duration: None,
                    originally_available_at: None,
                    added_at,
                    updated_at: added_at,
                    view_count: None,
                    last_viewed_at: None,
                    view_offset: None,
                    library_section_id: tv.key,
                    library_section_title: tv.title.clone(),
                    library_section_key: format!("/library/sections/{}", tv.key),
                    parent_rating_key: Some(show_rk.to_string()),
                    parent_title: Some(show_title.clone()),
                    parent_index: None,
                    grandparent_rating_key: None,
                    grandparent_title: None,
                    grandparent_guid: None,
                    index: Some(season_no as u32),
                    leaf_count: Some(0),
                    viewed_leaf_count: Some(0),
                    child_count: None,
                    genres: vec![],
                    directors: vec![],
                    writers: vec![],
                    roles: vec![],
                    countries: vec![],
                    collections: vec![],
                    guids: vec![],
                    media: vec![],
                });
                let episodes = rng.range(scale.episodes_per_season.0, scale.episodes_per_season.1);
                for ep in 1..=episodes {
                    let rk = key();
                    let title = format!("{} {}", rng.pick(ADJECTIVES), rng.pick(NOUNS));
                    let duration = rng.range(22, 58) as i64 * 60_000;
                    let aired = now
                        - ((seasons - season_no) * 365 + (episodes - ep) * 7) as i64 * day
                        - 400 * day;
                    items.push(FakeItem {
                        rating_key: rk.to_string(),
                        key: format!("/library/metadata/{rk}"),
                        guid: format!("plex://episode/{}", hex_id(&mut rng)),
                        kind: "episode",
                        title_sort: title.clone(),
                        summary: summary(&mut rng, &title),
                        title,
                        original_title: None,
                        edition_title: None,
                        year: Some(year + season_no as i32 - 1),
                        rating: Some((rng.range(60, 95) as f64) / 10.0),
                        user_rating: None,
                        tagline: None,
                        thumb: None,
                        content_rating: None,
                        studio: None,
                        duration: Some(duration),
                        originally_available_at: Some(date_of(aired)),
                        added_at: added_at + (season_no * 10 + ep) as i64 * 3600,
                        updated_at: added_at,
                        view_count: None,
                        last_viewed_at: None,
                        view_offset: None,
                        library_section_id: tv.key,
                        library_section_title: tv.title.clone(),
                        library_section_key: format!("/library/sections/{}", tv.key),
                        parent_rating_key: Some(season_rk.to_string()),
                        parent_title: Some(season_title.clone()),
                        parent_index: Some(season_no as u32),
                        grandparent_rating_key: Some(show_rk.to_string()),
                        grandparent_title: Some(show_title.clone()),
                        grandparent_guid: Some(show_guid.clone()),
                        index: Some(ep as u32),
                        leaf_count: None,
                        viewed_leaf_count: None,
                        child_count: None,
                        genres: vec![],
                        directors: people(&mut rng, 1),
                        writers: people(&mut rng, 1),
                        roles: roles.iter().take(3).cloned().collect(),
                        countries: vec![],
                        collections: vec![],
                        guids: vec![
                            GuidTag {
                                id: format!("imdb://tt{:07}", 2_000_000 + rk),
                            },
                            GuidTag {
                                id: format!("tmdb://{}", 1_000_000 + rk),
                            },
                            GuidTag {
                                id: format!("tvdb://{}", 5_000_000 + rk),
                            },
                        ],
                        media: vec![FakeMedia {
                            id: rk * 10,
                            duration,
                            video_resolution: "1080",
                            video_codec: "hevc",
                            audio_codec: "eac3",
                            container: "mkv",
                            bitrate: 0,
                            width: 0,
                            height: 0,
                            parts: Vec::new(),
                        }],
                    });
                }
                items[season_idx].leaf_count = Some(episodes as u32);
                leaves += episodes;
            }
            if s == 0 {
                // A special, filed by Plex as season 0: syncs must keep it there.
                let mut season = items[show_idx + 1].clone();
                let season_rk = key();
                season.rating_key = season_rk.to_string();
                season.key = format!("/library/metadata/{season_rk}/children");
                season.guid = format!("plex://season/special-{season_rk}");
                season.title = "Specials".into();
                season.title_sort = "Specials".into();
                season.index = Some(0);
                season.leaf_count = Some(1);
                let mut special = items[items.len() - 1].clone();
                let rk = key();
                special.rating_key = rk.to_string();
                special.key = format!("/library/metadata/{rk}");
                special.guid = format!("plex://episode/special-{rk}");
                special.title = "Behind the Scenes".into();
                special.title_sort = special.title.clone();
                special.parent_rating_key = Some(season_rk.to_string());
                special.parent_title = Some("Specials".into());
                special.parent_index = Some(0);
                special.index = Some(1);
                special.guids = vec![
                    GuidTag {
                        id: format!("imdb://tt{:07}", 2_000_000 + rk),
                    },
                    GuidTag {
                        id: format!("tvdb://{}", 5_000_000 + rk),
                    },
                ];
                special.media[0].id = rk * 10;
                items.push(season);
                items.push(special);
                leaves += 1;
            }
            items[show_idx].leaf_count = Some(leaves as u32);
            items[show_idx].child_count = Some(seasons as u32);
        }

        let accounts: Vec<Account> = (0..scale.accounts)
            .map(|i| Account {
                id: if i == 0 {
                    OWNER_ACCOUNT
                } else {
                    100 + i as u32
                },
                name: ACCOUNT_NAMES[i % ACCOUNT_NAMES.len()].to_string()
                    + &if i >= ACCOUNT_NAMES.len() {
                        (i / ACCOUNT_NAMES.len()).to_string()
                    } else {
                        String::new()
                    },
            })
            .collect();
        let devices: Vec<Device> = (0..scale.devices)
            .map(|i| {
                let (name, platform) = DEVICES[i % DEVICES.len()];
                Device {
                    id: 1 + i as u32,
                    name: if i >= DEVICES.len() {
                        format!("{name} {}", i / DEVICES.len() + 1)
                    } else {
                        name.to_string()
                    },
                    platform,
                    client_identifier: format!("device-{:08x}", rng.next_u64() as u32),
                }
            })
            .collect();

        let playable: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.kind == "movie" || it.kind == "episode")
            .map(|(i, _)| i)
            .collect();
        // Plays span the last year; each account favours its own devices.
        let span = 365 * day;
        let mut history: Vec<Play> = (0..scale.plays)
            .map(|n| {
                let account = &accounts[if rng.chance(40) {
                    0
                } else {
                    rng.range(0, accounts.len() - 1)
                }];
                let device = &devices[(account.id as usize + rng.range(0, 1)) % devices.len()];
                // A skew towards a popular head so "top N" lists are meaningful.
                let item = if rng.chance(30) {
                    playable[rng.range(0, playable.len().min(25) - 1)]
                } else {
                    *rng.pick(&playable)
                };
                Play {
                    history_key: 0,
                    item,
                    account_id: account.id,
                    device_id: device.id,
                    viewed_at: now - 60 - (rng.next_u64() % span as u64) as i64 - n as i64 % 7,
                }
            })
            .collect();
        // The owner binge-watched the first show completely, so "fully watched" has a show in it.
        let first_show = items.iter().position(|it| it.kind == "show");
        if let Some(show) = first_show.filter(|_| scale.plays > 0) {
            let show_key = items[show].rating_key.clone();
            let binge = now - 40 * day;
            for (n, idx) in playable
                .iter()
                .copied()
                .filter(|&i| items[i].grandparent_rating_key.as_deref() == Some(&show_key))
                .enumerate()
            {
                history.push(Play {
                    history_key: 0,
                    item: idx,
                    account_id: OWNER_ACCOUNT,
                    device_id: devices[0].id,
                    viewed_at: binge + n as i64 * 3000,
                });
            }
        }
        history.sort_by(|a, b| b.viewed_at.cmp(&a.viewed_at).then(a.item.cmp(&b.item)));
        for (i, play) in history.iter_mut().rev().enumerate() {
            play.history_key = 1 + i as u64;
        }
        for play in history.iter().filter(|p| p.account_id == OWNER_ACCOUNT) {
            let it = &mut items[play.item];
            it.view_count = Some(it.view_count.unwrap_or(0) + 1);
            it.last_viewed_at = Some(it.last_viewed_at.unwrap_or(0).max(play.viewed_at));
        }
        roll_up_view_state(&mut items);
        rate_some(&mut items);
        describe_files(&mut items);

        // On deck: a few unwatched items the owner is part-way through.
        let mut on_deck = Vec::new();
        for &idx in playable.iter().rev() {
            if on_deck.len() >= 6.min(playable.len() / 4) {
                break;
            }
            if items[idx].view_count.is_none() && rng.chance(20) {
                let duration = items[idx].duration.unwrap_or(0);
                items[idx].view_offset = Some(duration * rng.range(10, 80) as i64 / 100);
                items[idx].last_viewed_at = Some(now - rng.range(1, 20) as i64 * day);
                on_deck.push(idx);
            }
        }
        on_deck.sort_by_key(|&i| std::cmp::Reverse(items[i].last_viewed_at));

        let movies: Vec<usize> = playable
            .iter()
            .copied()
            .filter(|&i| items[i].kind == "movie")
            .collect();
        let episodes: Vec<usize> = playable
            .iter()
            .copied()
            .filter(|&i| items[i].kind == "episode")
            .collect();
        let mut playlist_item_id = 5000;
        let mut entries_of = |rng: &mut Rng, pool: &[usize], n: usize| -> Vec<(u64, usize)> {
            let mut chosen: Vec<usize> = Vec::new();
            while chosen.len() < n.min(pool.len()) {
                let c = *rng.pick(pool);
                if !chosen.contains(&c) {
                    chosen.push(c);
                }
            }
            chosen
                .into_iter()
                .map(|i| {
                    playlist_item_id += 1;
                    (playlist_item_id, i)
                })
                .collect()
        };
        let big_playlist = if scale.movies > 1000 { 2500 } else { 24 };
        let playlists = vec![
            Playlist {
                rating_key: key().to_string(),
                title: "Friday Movie Night".into(),
                summary: "Crowd-pleasers for the weekend.".into(),
                smart: false,
                added_at: now - 200 * day,
                updated_at: now - 3 * day,
                entries: entries_of(&mut rng, &movies, big_playlist),
            },
            Playlist {
                rating_key: key().to_string(),
                title: "Pilot Episodes".into(),
                summary: String::new(),
                smart: false,
                added_at: now - 90 * day,
                updated_at: now - 10 * day,
                entries: entries_of(&mut rng, &episodes, 6),
            },
            Playlist {
                rating_key: key().to_string(),
                title: "Unwatched Thrillers".into(),
                summary: "Smart playlist: genre is Thriller and unplayed.".into(),
                smart: true,
                added_at: now - 30 * day,
                updated_at: now - day,
                entries: entries_of(&mut rng, &movies, 5),
            },
        ];

        let watchlist = (0..8)
            .map(|i| {
                let movie = i % 3 != 2;
                let title = format!("{} {}", rng.pick(ADJECTIVES), rng.pick(NOUNS));
                WatchlistEntry {
                    rating_key: format!("{:024x}", rng.next_u64()),
                    guid: format!(
                        "plex://{}/{}",
                        if movie { "movie" } else { "show" },
                        hex_id(&mut rng)
                    ),
                    kind: if movie { "movie" } else { "show" },
                    summary: summary(&mut rng, &title),
                    title,
                    year: 2018 + rng.range(0, 8) as i32,
                    watchlisted_at: now - (i as i64 + 1) * 5 * day,
                }
            })
            .collect();

        let sessions = episodes
            .first()
            .map(|&item| {
                vec![ActiveSession {
                    item,
                    account_id: accounts.get(1).unwrap_or(&accounts[0]).id,
                    device_id: devices[0].id,
                    session_key: "42".into(),
                    view_offset: items[item].duration.unwrap_or(0) / 3,
                    state: "playing",
                    transcoding: true,
                }]
            })
            .unwrap_or_default();

        Dataset {
            machine_identifier: format!(
                "{:040x}",
                (rng.next_u64() as u128) << 64 | rng.next_u64() as u128
            ),
            server_name: "Demo Plex".into(),
            sections,
            collections: collections_of(&items, now),
            // The butler is busy with its nightly upkeep.
            activities: vec![super::Activity {
                uuid: "00000000-butler".into(),
                kind: "butler.task",
                title: "Optimizing database".into(),
                progress: 40,
            }],
            items,
            accounts,
            history,
            playlists,
            watchlist,
            // One player takes commands; the other is known to plex.tv but has no address.
            players: [
                (
                    0,
                    "Plex for Android (TV)",
                    "timeline,playback,navigation,playqueues",
                    Reach::Listen,
                ),
                (1, "Plex for iOS", "", Reach::Unknown),
            ]
            .into_iter()
            .filter_map(|(i, product, caps, reach)| {
                devices
                    .get(i)
                    .map(|d| FakePlayer::new(d.id, product, caps, reach))
            })
            .collect(),
            devices,
            sessions,
            play_queues: Vec::new(),
            transient_tokens: Vec::new(),
            on_deck,
        }
    }
}

fn section(key: u32, title: &str, kind: &'static str, now: i64, rng: &mut Rng) -> Section {
    let (agent, scanner) = if kind == "movie" {
        ("tv.plex.agents.movie", "Plex Movie")
    } else {
        ("tv.plex.agents.series", "Plex TV Series")
    };
    Section {
        key,
        title: title.to_string(),
        kind,
        agent,
        scanner,
        uuid: format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            rng.next_u64() as u32,
            rng.next_u64() as u16,
            rng.next_u64() as u16 & 0xfff,
            rng.next_u64() as u16 & 0xfff,
            rng.next_u64() & 0xffff_ffff_ffff
        ),
        created_at: now - 2000 * 86_400,
        scanned_at: now - 3600,
    }
}

/// The owner's own ratings, derived from the rating keys (the random stream stays as it was):
/// one in four watched movies, one in three shows and one in eleven watched episodes.
fn rate_some(items: &mut [FakeItem]) {
    for it in items.iter_mut() {
        let rk: u64 = it.rating_key.parse().unwrap_or(0);
        let watched = it.view_count.is_some();
        it.user_rating = match it.kind {
            "movie" if watched && rk.is_multiple_of(4) => Some((rk % 9 + 2) as f64),
            "show" if rk.is_multiple_of(3) => Some(8.0),
            "episode" if watched && rk.is_multiple_of(11) => Some(7.0),
            _ => it.user_rating,
        };
    }
}

/// One collection per collection tag of the movies and shows, numbered after every item.
fn collections_of(items: &[FakeItem], now: i64) -> Vec<super::Collection> {
    let mut by_tag: std::collections::BTreeMap<(u32, &str, &str), Vec<usize>> = Default::default();
    for (i, it) in items.iter().enumerate() {
        if matches!(it.kind, "movie" | "show") {
            for tag in &it.collections {
                by_tag
                    .entry((it.library_section_id, it.kind, tag.tag.as_str()))
                    .or_default()
                    .push(i);
            }
        }
    }
    let first = items
        .iter()
        .filter_map(|i| i.rating_key.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
        + 500;
    by_tag
        .into_iter()
        .enumerate()
        .map(|(n, ((section, kind, title), members))| super::Collection {
            rating_key: (first + n as u64).to_string(),
            title: title.to_string(),
            section,
            subtype: if kind == "movie" { 1 } else { 2 },
            smart: false,
            items: members,
            added_at: now - 86_400 * (n as i64 + 1),
            updated_at: now - 86_400,
        })
        .collect()
}

/// Files and streams for every media version, derived from what the item already says (the
/// random stream stays as it was): a 4K file is HEVC HDR10 at 40 Mbit/s, one in three items has
/// English subtitles, one in five a second (French) audio track.
fn describe_files(items: &mut [FakeItem]) {
    for it in items.iter_mut() {
        let rk: u64 = it.rating_key.parse().unwrap_or(0);
        let title = it.title.clone();
        let section = it.library_section_id;
        for m in &mut it.media {
            let (w, h, kbps) = match m.video_resolution {
                "4k" => (3840, 2160, 40_000),
                "1080" => (1920, 1080, 10_000),
                "720" => (1280, 720, 5_000),
                _ => (720, 480, 2_000),
            };
            if m.video_resolution == "4k" {
                m.video_codec = "hevc";
            }
            (m.width, m.height, m.bitrate) = (w, h, kbps);
            let id = m.id;
            let mut streams = vec![serde_json::json!({
                "id": id * 10 + 1, "key": format!("/library/streams/{}", id * 10 + 1),
                "streamType": 1, "codec": m.video_codec, "index": 0, "bitrate": kbps - 640,
                "height": h, "width": w,
                "displayTitle": format!("{} ({})", if h >= 2160 { "4K".to_string() } else { format!("{h}p") }, m.video_codec.to_uppercase()),
                "colorTrc": if h >= 2160 { "smpte2084" } else { "bt709" },
            })];
            let audio = |n: u64, codec: &str, lang: &str, code: &str| {
                serde_json::json!({
                    "id": id * 10 + n, "key": format!("/library/streams/{}", id * 10 + n),
                    "streamType": 2, "codec": codec, "channels": 6, "language": lang,
                    "languageCode": code, "displayTitle": format!("{lang} ({} 5.1)", codec.to_uppercase()),
                })
            };
            streams.push(audio(2, m.audio_codec, "English", "eng"));
            if rk.is_multiple_of(5) {
                streams.push(audio(3, "aac", "Français", "fra"));
            }
            if rk.is_multiple_of(3) {
                streams.push(serde_json::json!({
                    "id": id * 10 + 4, "key": format!("/library/streams/{}", id * 10 + 4),
                    "streamType": 3, "codec": "srt", "language": "English", "languageCode": "eng",
                    "displayTitle": "English (SRT)", "forced": false,
                }));
            }
            m.parts = vec![FakePart {
                id,
                key: format!("/library/parts/{id}/file.{}", m.container),
                file: format!("/media/library{section}/{title}/{title}.{}", m.container),
                size: (kbps as i64 * 1000 / 8 * (m.duration / 1000)).max(0) as u64,
                container: m.container,
                duration: m.duration,
                streams,
            }];
        }
    }
}

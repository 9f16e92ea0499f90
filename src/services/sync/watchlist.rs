//! Watchlists both ways: the plex.tv account watchlist (Discover) and the Trakt watchlist, movies
//! and shows matched by their ids. A run writes one side: it adds what the other side lists, and
//! removes what the other side lacks only in mirror mode — never when a read failed (the run
//! stops first) or the other side came back empty while this one is not.

use std::collections::{HashMap, HashSet};

use schemars::JsonSchema;
use serde::Serialize;

use super::{ERRORS_SHOWN, index::PlexSide, ratings::Direction};
use crate::{
    plex::{api::Change, client::PlexClient, models::Item},
    services::Error,
    trakt::{
        api::{ListChange, ListKind},
        client::TraktClient,
        models::{Ids, ListEntry, ListItem, ListPost, ListShow},
    },
};

/// What a watchlist run did (or, in a dry run, would do) on the side it writes.
#[derive(Debug, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WatchlistOut {
    pub plex_listed: usize,
    pub trakt_listed: usize,
    /// On both watchlists.
    pub already_equal: usize,
    pub added: usize,
    /// Removed in mirror mode.
    pub removed: usize,
    /// Listed on the other side only, and left (mirror mode is off).
    pub kept: usize,
    /// Listed on the reading side but not matched on the written one.
    pub not_found: usize,
    pub failed: usize,
    /// Why mirror mode removed nothing, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removal_skipped: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// One watchlist entry, as either side has it.
struct Entry {
    /// `m:`/`s:` identity keys, every id of the title.
    identities: Vec<String>,
    ids: Ids,
    is_show: bool,
    /// Discover's key, for Plex entries.
    discover_key: Option<String>,
}

fn keys(ids: &Ids, is_show: bool) -> Vec<String> {
    let prefix = if is_show { "s" } else { "m" };
    ids.keys().map(|k| format!("{prefix}:{k}")).collect()
}

fn plex_entry(it: Item) -> Option<Entry> {
    let is_show = match it.kind.as_str() {
        "movie" => false,
        "show" => true,
        _ => return None,
    };
    let ids: Ids = it.external_ids().into();
    Some(Entry {
        identities: keys(&ids, is_show),
        ids,
        is_show,
        discover_key: Some(it.rating_key),
    })
}

fn trakt_entry(e: ListEntry) -> Option<Entry> {
    let (media, is_show) = match (e.movie, e.show) {
        (Some(m), _) => (m, false),
        (None, Some(s)) => (s, true),
        _ => return None,
    };
    Some(Entry {
        identities: keys(&media.ids, is_show),
        ids: media.ids,
        is_show,
        discover_key: None,
    })
}

/// Reads both watchlists and writes the side `direction` names, unless `dry_run`.
pub(super) async fn sync(
    plex: &PlexClient,
    trakt: &TraktClient,
    side: &PlexSide,
    direction: Direction,
    mirror: bool,
    dry_run: bool,
) -> Result<WatchlistOut, Error> {
    // Both reads must succeed before anything is written.
    let (on_plex, movies, shows) = tokio::try_join!(
        async {
            Ok::<_, Error>(
                plex.watchlist::<Item>(&[("includeGuids", "1".to_string())])
                    .await?,
            )
        },
        async { Ok::<_, Error>(trakt.watchlist(ListKind::Movies).await?) },
        async { Ok::<_, Error>(trakt.watchlist(ListKind::Shows).await?) },
    )?;
    let plex_side: Vec<Entry> = on_plex.into_iter().filter_map(plex_entry).collect();
    let trakt_side: Vec<Entry> = movies
        .into_iter()
        .chain(shows)
        .filter_map(trakt_entry)
        .collect();
    let mut out = WatchlistOut {
        plex_listed: plex_side.len(),
        trakt_listed: trakt_side.len(),
        ..Default::default()
    };
    let (source, target) = match direction {
        Direction::ToTrakt => (&plex_side, &trakt_side),
        Direction::ToPlex => (&trakt_side, &plex_side),
    };
    let on_target: HashSet<&str> = target
        .iter()
        .flat_map(|e| e.identities.iter().map(String::as_str))
        .collect();
    let on_source: HashSet<&str> = source
        .iter()
        .flat_map(|e| e.identities.iter().map(String::as_str))
        .collect();
    let listed =
        |e: &Entry, set: &HashSet<&str>| e.identities.iter().any(|i| set.contains(i.as_str()));
    let to_add: Vec<&Entry> = source.iter().filter(|e| !listed(e, &on_target)).collect();
    let extra: Vec<&Entry> = target.iter().filter(|e| !listed(e, &on_source)).collect();
    out.already_equal = source.len() - to_add.len();
    let to_remove: Vec<&Entry> = match (mirror, source.is_empty() && !target.is_empty()) {
        (false, _) => {
            out.kept = extra.len();
            Vec::new()
        }
        (true, true) => {
            out.kept = extra.len();
            out.removal_skipped = Some(
                "the other watchlist came back empty: nothing was removed (run again if that \
                 is right and it stays empty)"
                    .into(),
            );
            Vec::new()
        }
        (true, false) => extra,
    };
    match direction {
        Direction::ToTrakt => {
            let added = post(&to_add);
            let removed = post(&to_remove);
            out.not_found += to_add.iter().filter(|e| e.ids.is_empty()).count();
            out.added = to_add.len() - out.not_found;
            out.removed = to_remove.len();
            if !dry_run {
                for (change, body) in [(ListChange::Add, added), (ListChange::Remove, removed)] {
                    if body.movies.is_empty() && body.shows.is_empty() {
                        continue;
                    }
                    match trakt.change_watchlist(change, &body).await {
                        Ok(answer) => {
                            let missed =
                                answer.not_found.movies.len() + answer.not_found.shows.len();
                            out.not_found += missed;
                            match change {
                                ListChange::Add => out.added -= missed.min(out.added),
                                ListChange::Remove => out.removed -= missed.min(out.removed),
                            }
                        }
                        Err(e) => {
                            let n = body.movies.len() + body.shows.len();
                            out.failed += n;
                            match change {
                                ListChange::Add => out.added -= n.min(out.added),
                                ListChange::Remove => out.removed -= n.min(out.removed),
                            }
                            out.errors
                                .push(format!("Trakt refused the watchlist change: {e}"));
                        }
                    }
                }
            }
        }
        Direction::ToPlex => {
            let discover = discover_keys(side);
            let mut changes: Vec<(Change, String)> = Vec::new();
            for e in to_add {
                match e.identities.iter().find_map(|i| discover.get(i.as_str())) {
                    Some(key) => changes.push((Change::Add, key.clone())),
                    // Only titles in a library can be matched to Discover here.
                    None => out.not_found += 1,
                }
            }
            changes.extend(
                to_remove
                    .iter()
                    .filter_map(|e| Some((Change::Remove, e.discover_key.clone()?))),
            );
            for (change, key) in changes {
                let result = match dry_run {
                    true => Ok(()),
                    false => plex.change_watchlist(change, &key).await,
                };
                match (result, change) {
                    (Ok(()), Change::Add) => out.added += 1,
                    (Ok(()), Change::Remove) => out.removed += 1,
                    (Err(e), _) => {
                        out.failed += 1;
                        out.errors.push(format!("Discover refused {key}: {e}"));
                    }
                }
            }
        }
    }
    out.errors.truncate(ERRORS_SHOWN);
    Ok(out)
}

/// Identity → Discover key of the library's movies and shows with `plex://` guids.
fn discover_keys(side: &PlexSide) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (rk, guid) in &side.plex_guids {
        let key = guid.rsplit('/').next().unwrap_or_default().to_string();
        let ids: Vec<String> = match side.shows.get(rk) {
            Some(show) => keys(&show.ids, true),
            None => side.identities_of(rk),
        };
        for id in ids {
            out.insert(id, key.clone());
        }
    }
    out
}

/// A watchlist body for `entries` (those without ids are left out).
fn post(entries: &[&Entry]) -> ListPost {
    let mut body = ListPost::default();
    for e in entries.iter().filter(|e| !e.ids.is_empty()) {
        if e.is_show {
            body.shows.push(ListShow {
                ids: e.ids.clone(),
                rating: None,
                seasons: Vec::new(),
            });
        } else {
            body.movies.push(ListItem {
                ids: e.ids.clone(),
                rating: None,
            });
        }
    }
    body
}

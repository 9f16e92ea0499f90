//! Ratings both ways: Plex's `userRating` (0-10, 0 none) and Trakt's ratings (1-10) for movies,
//! shows and episodes. A run writes one side only (Trakt when sending, Plex when applying from
//! Trakt): it fills what that side lacks, and replaces a differing rating only when the priority
//! names the other side.

use std::collections::HashMap;

use futures::StreamExt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ERRORS_SHOWN, index::PlexSide};
use crate::{
    plex::client::{PAGE_CONCURRENCY, PlexClient},
    services::Error,
    trakt::{
        api::{ListChange, ListKind},
        client::TraktClient,
        models::{ListEntry, ListEpisode, ListItem, ListPost, ListSeason, ListShow},
    },
};

/// Which side wins when both rated an item differently.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RatingPriority {
    // Plex's rating replaces Trakt's (not doc comments: the tool's parameter says it once).
    Plex,
    // Trakt's rating replaces Plex's.
    Trakt,
    // Neither is replaced; only missing ratings are filled.
    #[default]
    None,
}

/// The side a run writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    ToTrakt,
    ToPlex,
}

/// What a ratings run did (or, in a dry run, would do) on the side it writes.
#[derive(Debug, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RatingsOut {
    pub plex_rated: usize,
    pub trakt_rated: usize,
    /// Rated the same on both sides.
    pub already_equal: usize,
    /// Ratings set where the written side had none.
    pub added: usize,
    /// Ratings replaced by the other side's (the priority named it).
    pub updated: usize,
    /// Rated differently and left so (priority `none`, or the other side wins).
    pub kept_different: usize,
    /// Rated on the reading side but not matched on the written one.
    pub not_found: usize,
    pub failed: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// Plex's 0-10 (halves allowed) on Trakt's 1-10 scale.
fn to_trakt_scale(plex: f64) -> u8 {
    plex.round().clamp(1.0, 10.0) as u8
}

/// The user's Trakt ratings by identity (`m:`, `s:` and `e:` keys, every id of the item), and
/// how many items they cover.
async fn trakt_ratings(trakt: &TraktClient) -> Result<(HashMap<String, u8>, usize), Error> {
    let (movies, shows, episodes) = tokio::try_join!(
        trakt.ratings(ListKind::Movies),
        trakt.ratings(ListKind::Shows),
        trakt.ratings(ListKind::Episodes)
    )?;
    let mut out = HashMap::new();
    let mut items = 0;
    for e in movies.iter().chain(&shows).chain(&episodes) {
        if let Some(rating) = e.rating {
            items += 1;
            for key in identities(e) {
                out.insert(key, rating);
            }
        }
    }
    Ok((out, items))
}

/// Every identity key of a Trakt list entry, as the Plex side writes them.
pub(super) fn identities(e: &ListEntry) -> Vec<String> {
    match (&e.movie, &e.show, &e.episode) {
        (Some(m), _, _) => m.ids.keys().map(|k| format!("m:{k}")).collect(),
        (None, Some(s), Some(ep)) => s
            .ids
            .keys()
            .map(|k| format!("e:{k}:{}x{}", ep.season, ep.number))
            .collect(),
        (None, Some(s), None) => s.ids.keys().map(|k| format!("s:{k}")).collect(),
        _ => Vec::new(),
    }
}

/// One rating to write: the Plex ratingKey and the rating on the written side's scale.
struct Change {
    rating_key: String,
    rating: f64,
    /// Replaces a rating (else fills a missing one).
    update: bool,
}

/// Decides the writes. Pure.
fn plan(
    side: &PlexSide,
    trakt: &HashMap<String, u8>,
    direction: Direction,
    priority: RatingPriority,
    out: &mut RatingsOut,
) -> Vec<Change> {
    out.plex_rated = side.ratings.len();
    let mut changes = Vec::new();
    let mut matched_trakt = std::collections::HashSet::new();
    for (rk, &plex) in &side.ratings {
        let ids = side.identities_of(rk);
        let on_trakt = ids.iter().find_map(|id| trakt.get(id).copied());
        if on_trakt.is_some() {
            matched_trakt.extend(ids.iter().cloned());
        }
        let wins = match direction {
            Direction::ToTrakt => priority == RatingPriority::Plex,
            Direction::ToPlex => priority == RatingPriority::Trakt,
        };
        match (on_trakt, direction) {
            (None, Direction::ToTrakt) if !ids.is_empty() => {
                out.added += 1;
                changes.push(Change {
                    rating_key: rk.clone(),
                    rating: f64::from(to_trakt_scale(plex)),
                    update: false,
                });
            }
            (None, Direction::ToTrakt) => out.not_found += 1,
            (None, Direction::ToPlex) => {}
            (Some(t), _) if t == to_trakt_scale(plex) => out.already_equal += 1,
            (Some(t), _) if wins => {
                out.updated += 1;
                let rating = match direction {
                    Direction::ToTrakt => f64::from(to_trakt_scale(plex)),
                    Direction::ToPlex => f64::from(t),
                };
                changes.push(Change {
                    rating_key: rk.clone(),
                    rating,
                    update: true,
                });
            }
            (Some(_), _) => out.kept_different += 1,
        }
    }
    if direction == Direction::ToPlex {
        // Rated on Trakt only: find the Plex item by any of its ids.
        let mut by_identity: HashMap<String, &str> = HashMap::new();
        for rk in side.targets.keys().chain(side.shows.keys()) {
            for id in side.identities_of(rk) {
                by_identity.insert(id, rk);
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (id, &rating) in trakt {
            if matched_trakt.contains(id) {
                continue;
            }
            match by_identity.get(id) {
                Some(rk) if !side.ratings.contains_key(*rk) && seen.insert(*rk) => {
                    out.added += 1;
                    changes.push(Change {
                        rating_key: rk.to_string(),
                        rating: f64::from(rating),
                        update: false,
                    });
                }
                _ => {}
            }
        }
    }
    changes
}

/// Reads both sides' ratings and writes the side `direction` names, unless `dry_run`.
pub(super) async fn sync(
    plex: &PlexClient,
    trakt: &TraktClient,
    side: &PlexSide,
    direction: Direction,
    priority: RatingPriority,
    dry_run: bool,
) -> Result<RatingsOut, Error> {
    let (on_trakt, trakt_rated) = trakt_ratings(trakt).await?;
    let mut out = RatingsOut {
        trakt_rated,
        ..Default::default()
    };
    let changes = plan(side, &on_trakt, direction, priority, &mut out);
    if dry_run || changes.is_empty() {
        return Ok(out);
    }
    match direction {
        Direction::ToTrakt => send(trakt, side, &changes, &mut out).await,
        Direction::ToPlex => apply(plex, &changes, &mut out).await,
    }
    out.errors.truncate(ERRORS_SHOWN);
    Ok(out)
}

/// One `POST /sync/ratings` with every change (episodes nested under their shows).
async fn send(trakt: &TraktClient, side: &PlexSide, changes: &[Change], out: &mut RatingsOut) {
    let mut post = ListPost::default();
    let mut nested = 0;
    for c in changes {
        let rating = c.rating as u8;
        match side.targets.get(&c.rating_key) {
            Some(Ok(super::index::Target::Movie { ids, .. })) => post.movies.push(ListItem {
                ids: ids.clone(),
                rating: Some(rating),
            }),
            Some(Ok(super::index::Target::Episode {
                show,
                season,
                number,
            })) => {
                nested += 1;
                let ids = side.shows[show.as_str()].ids.clone();
                let entry = episode_slot(&mut post.shows, ids, *season);
                entry.push(ListEpisode {
                    number: *number,
                    rating,
                });
            }
            _ => {
                if let Some(s) = side.shows.get(&c.rating_key) {
                    post.shows.push(ListShow {
                        ids: s.ids.clone(),
                        rating: Some(rating),
                        seasons: Vec::new(),
                    });
                }
            }
        }
    }
    match trakt.change_ratings(ListChange::Add, &post).await {
        Ok(answer) => {
            let named = answer.not_found.movies.len() + answer.not_found.shows.len();
            // Trakt names no unknown episode nested under a known show: count the shortfall.
            let short = (nested as u64).saturating_sub(answer.added.episodes) as usize;
            out.not_found += named + short;
            let missed = named + short;
            if missed > 0 {
                out.added = out.added.saturating_sub(missed);
            }
        }
        Err(e) => {
            out.failed = changes.len();
            out.added = 0;
            out.updated = 0;
            out.errors.push(format!("Trakt refused the ratings: {e}"));
        }
    }
}

/// The episode list of `season` of the show with `ids` in `shows`, created when missing.
fn episode_slot(
    shows: &mut Vec<ListShow>,
    ids: crate::trakt::models::Ids,
    season: u32,
) -> &mut Vec<ListEpisode> {
    let at = match shows
        .iter()
        .position(|s| s.ids == ids && s.rating.is_none())
    {
        Some(i) => i,
        None => {
            shows.push(ListShow {
                ids,
                rating: None,
                seasons: Vec::new(),
            });
            shows.len() - 1
        }
    };
    let show = &mut shows[at];
    let s = match show.seasons.iter().position(|s| s.number == season) {
        Some(i) => i,
        None => {
            show.seasons.push(ListSeason {
                number: season,
                episodes: Vec::new(),
            });
            show.seasons.len() - 1
        }
    };
    &mut show.seasons[s].episodes
}

/// Rates each item in Plex (Plex has no bulk rating), a few at a time.
async fn apply(plex: &PlexClient, changes: &[Change], out: &mut RatingsOut) {
    let owned: Vec<(usize, String, f64)> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c.rating_key.clone(), c.rating))
        .collect();
    let results: Vec<(usize, Result<(), crate::backend::BackendError>)> =
        futures::stream::iter(owned)
            .map(|(i, rk, rating)| async move { (i, plex.rate(&rk, rating).await) })
            .buffer_unordered(PAGE_CONCURRENCY)
            .collect()
            .await;
    for (i, r) in results {
        if let Err(e) = r {
            let c = &changes[i];
            out.failed += 1;
            if c.update {
                out.updated -= 1;
            } else {
                out.added -= 1;
            }
            out.errors
                .push(format!("Rating {} in Plex failed: {e}", c.rating_key));
        }
    }
}

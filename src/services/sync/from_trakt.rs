//! Trakt → Plex: which of Trakt's watched movies and episodes are in the Plex libraries and
//! unwatched there, and, when asked, marking those watched in Plex.

use std::collections::{HashMap, HashSet};

use futures::StreamExt;
use schemars::JsonSchema;
use serde::Serialize;

use super::{ERRORS_SHOWN, index::PlexSide};
use crate::{
    plex::client::{PAGE_CONCURRENCY, PlexClient},
    services::Error,
    time::Iso,
    trakt::{
        client::TraktClient,
        models::{IdKey, WatchedEntry},
    },
};

pub struct FromTraktOptions {
    /// Write to Plex (watched state, ratings); else compare only.
    pub apply: bool,
    /// Movies and shows listed per kind; counts are always complete.
    pub limit: usize,
    pub what: super::What,
    pub priority: super::ratings::RatingPriority,
    /// Remove from Plex's watchlist what Trakt's lacks.
    pub mirror: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncFromOutput {
    pub trakt_data: TraktData,
    /// Watched on Trakt, in the Plex library, but unwatched in Plex.
    pub missing_in_plex: MissingInPlex,
    /// Set when `apply` was true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied: Option<Applied>,
    /// With `what` ratings: Trakt's ratings compared with Plex's (written to Plex with `apply`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratings: Option<super::ratings::RatingsOut>,
    /// With `what` watchlist: Trakt's watchlist compared with Plex's (written with `apply`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watchlist: Option<super::watchlist::WatchlistOut>,
    pub message: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TraktData {
    pub movies: Listed<WatchedMovieOut>,
    pub shows: Listed<WatchedShowOut>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Listed<T> {
    pub count: usize,
    pub items: Vec<T>,
    pub total_showing: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WatchedMovieOut {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    pub plays: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_watched: Option<Iso>,
    /// In the Plex library.
    pub in_plex: bool,
    pub watched_in_plex: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WatchedShowOut {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    pub total_episodes: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_watched: Option<Iso>,
    pub in_plex: bool,
}

#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct MissingInPlex {
    pub movies: usize,
    pub episodes: usize,
}

#[derive(Debug, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    pub marked_watched: usize,
    pub failed: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// What a comparison found: the listing, and the Plex items to mark watched.
struct Comparison {
    data: TraktData,
    missing: MissingInPlex,
    to_mark: Vec<String>,
}

/// Compares Trakt's watched lists with the Plex side. Pure.
fn compare(
    side: &PlexSide,
    movies: &[WatchedEntry],
    shows: &[WatchedEntry],
    limit: usize,
) -> Comparison {
    // Plex items by Trakt identity, with their view counts.
    let watched: HashMap<&str, u32> = side
        .watched
        .iter()
        .map(|(k, n, _)| (k.as_str(), *n))
        .collect();
    let mut by_identity: HashMap<String, &str> = HashMap::new();
    for (rk, target) in &side.targets {
        if let Ok(t) = target {
            for id in side.identities(t) {
                by_identity.insert(id, rk);
            }
        }
    }
    let show_ids: HashSet<IdKey> = side.shows.values().flat_map(|s| s.ids.keys()).collect();
    let lookup = |ids: Vec<String>| ids.iter().find_map(|id| by_identity.get(id).copied());
    let mut missing = MissingInPlex::default();
    let mut to_mark: Vec<String> = Vec::new();
    let mut movie_items = Vec::new();
    for m in movies {
        let Some(media) = &m.movie else { continue };
        let rk = lookup(media.ids.keys().map(|k| format!("m:{k}")).collect());
        let watched_in_plex = rk.is_some_and(|rk| watched.contains_key(rk));
        if let (Some(rk), false) = (rk, watched_in_plex) {
            missing.movies += 1;
            to_mark.push(rk.to_string());
        }
        if movie_items.len() < limit {
            movie_items.push(WatchedMovieOut {
                title: media.title.clone(),
                year: media.year,
                plays: m.plays,
                last_watched: m.last_watched_at.as_deref().map(Iso::rfc3339),
                in_plex: rk.is_some(),
                watched_in_plex,
            });
        }
    }
    let mut show_items = Vec::new();
    for s in shows {
        let Some(media) = &s.show else { continue };
        for season in &s.seasons {
            for ep in &season.episodes {
                let ids = media
                    .ids
                    .keys()
                    .map(|k| format!("e:{k}:{}x{}", season.number, ep.number))
                    .collect();
                if let Some(rk) = lookup(ids).filter(|rk| !watched.contains_key(rk)) {
                    missing.episodes += 1;
                    to_mark.push(rk.to_string());
                }
            }
        }
        if show_items.len() < limit {
            show_items.push(WatchedShowOut {
                title: media.title.clone(),
                year: media.year,
                total_episodes: s.seasons.iter().map(|x| x.episodes.len()).sum(),
                last_watched: s.last_watched_at.as_deref().map(Iso::rfc3339),
                in_plex: media.ids.keys().any(|k| show_ids.contains(&k)),
            });
        }
    }

    Comparison {
        data: TraktData {
            movies: Listed {
                count: movies.len(),
                total_showing: movie_items.len(),
                items: movie_items,
            },
            shows: Listed {
                count: shows.len(),
                total_showing: show_items.len(),
                items: show_items,
            },
        },
        missing,
        to_mark,
    }
}

/// Compares the user's Trakt history with Plex and, with `apply`, marks watched in Plex what
/// Trakt has watched and Plex does not.
pub async fn from_trakt(
    plex: &PlexClient,
    trakt: &TraktClient,
    opts: FromTraktOptions,
) -> Result<SyncFromOutput, Error> {
    let history = opts.what.history;
    let (movies, shows, side) = tokio::try_join!(
        async {
            Ok::<_, Error>(match history {
                true => trakt.watched_movies().await?,
                false => Vec::new(),
            })
        },
        async {
            Ok::<_, Error>(match history {
                true => trakt.watched_shows().await?,
                false => Vec::new(),
            })
        },
        async { Ok::<_, Error>(PlexSide::read(plex).await?) },
    )?;
    let ratings = match opts.what.ratings {
        true => Some(
            super::ratings::sync(
                plex,
                trakt,
                &side,
                super::ratings::Direction::ToPlex,
                opts.priority,
                !opts.apply,
            )
            .await?,
        ),
        false => None,
    };
    let watchlist = match opts.what.watchlist {
        true => Some(
            super::watchlist::sync(
                plex,
                trakt,
                &side,
                super::ratings::Direction::ToPlex,
                opts.mirror,
                !opts.apply,
            )
            .await?,
        ),
        false => None,
    };
    let Comparison {
        data,
        missing,
        to_mark,
    } = compare(&side, &movies, &shows, opts.limit);
    let applied = if opts.apply && history {
        let results: Vec<Result<(), String>> = futures::stream::iter(to_mark)
            .map(|rk| async move {
                plex.set_watched(&rk, true)
                    .await
                    .map_err(|e| format!("{rk}: {e}"))
            })
            .buffer_unordered(PAGE_CONCURRENCY)
            .collect()
            .await;
        let mut applied = Applied::default();
        for r in results {
            match r {
                Ok(()) => applied.marked_watched += 1,
                Err(e) => {
                    applied.failed += 1;
                    if applied.errors.len() < ERRORS_SHOWN {
                        applied.errors.push(e);
                    }
                }
            }
        }
        Some(applied)
    } else {
        None
    };
    let message = match &applied {
        Some(a) => format!(
            "Marked {} items watched in Plex ({} failed).",
            a.marked_watched, a.failed
        ),
        None => format!(
            "Trakt has {} movies and {} episodes watched that are unwatched in Plex; call with apply: true \
             to mark them watched in Plex.",
            missing.movies, missing.episodes
        ),
    };
    Ok(SyncFromOutput {
        trakt_data: data,
        missing_in_plex: missing,
        applied,
        ratings,
        watchlist,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::sync::index::tests::sample;

    fn watched(json: serde_json::Value) -> Vec<WatchedEntry> {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn what_trakt_watched_and_plex_did_not_is_marked() {
        let side = sample();
        let movies = watched(serde_json::json!([
            {"plays": 3, "movie": {"title": "Heat", "year": 1995, "ids": {"imdb": "tt0113277"}}},
            {"plays": 1, "movie": {"title": "Elsewhere", "ids": {"tmdb": 1}}},
        ]));
        let shows = watched(serde_json::json!([
            {"plays": 2, "show": {"title": "Severance", "ids": {"tvdb": 371980}},
             "seasons": [{"number": 0, "episodes": [{"number": 1, "plays": 1}]},
                         {"number": 1, "episodes": [{"number": 1, "plays": 1}, {"number": 2, "plays": 1}]}]},
        ]));
        let c = compare(&side, &movies, &shows, 1);
        // Heat is watched in Plex already; the special is not; S01E01 is; S01E02 is not in Plex.
        assert_eq!((c.missing.movies, c.missing.episodes), (0, 1));
        assert_eq!(c.to_mark, ["12"]);
        assert_eq!(c.data.movies.count, 2);
        assert_eq!(
            c.data.movies.total_showing, 1,
            "the listing obeys the limit"
        );
        assert!(c.data.movies.items[0].in_plex && c.data.movies.items[0].watched_in_plex);
        assert_eq!(c.data.shows.items[0].total_episodes, 3);
        assert!(c.data.shows.items[0].in_plex);
    }
}

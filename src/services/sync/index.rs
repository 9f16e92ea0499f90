//! Step 1 of a sync: the Plex side. Every movie and episode of every library, with the Trakt
//! identity it has (or why it has none) and the owner's view state.

use std::fmt;

use futures::{StreamExt, TryStreamExt};
use serde::Deserialize;

use super::history::fingerprint;
use crate::{
    FastMap,
    backend::BackendError,
    plex::{
        api::lean,
        client::{PAGE_CONCURRENCY, PlexClient},
        models::{GuidRef, external_ids, opt_string_or_number, string_or_number},
    },
    trakt::models::Ids,
};

/// A movie or show row with just what matching needs.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct SyncItem {
    #[serde(deserialize_with = "string_or_number")]
    rating_key: String,
    title: String,
    year: Option<i32>,
    guid: Option<String>,
    #[serde(rename = "Guid")]
    guids: Vec<GuidRef>,
    view_count: Option<u32>,
    last_viewed_at: Option<i64>,
    /// The owner's rating, 0-10 (0 or absent: none).
    user_rating: Option<f64>,
}

/// An episode row. Episodes are matched through their show, by season and number, so their
/// own guids are not read (or sent).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct SyncEpisode {
    #[serde(deserialize_with = "string_or_number")]
    rating_key: String,
    title: String,
    view_count: Option<u32>,
    last_viewed_at: Option<i64>,
    user_rating: Option<f64>,
    #[serde(deserialize_with = "opt_string_or_number")]
    grandparent_rating_key: Option<String>,
    parent_index: Option<u32>,
    index: Option<u32>,
}

/// One library listing of the Plex side.
enum Listing {
    Movies(Vec<SyncItem>),
    Shows(Vec<SyncItem>),
    Episodes(Vec<SyncEpisode>),
}

impl SyncItem {
    fn ids(&self) -> Ids {
        external_ids(self.guid.as_deref(), &self.guids).into()
    }
}

pub(super) struct Show {
    pub(super) title: String,
    pub(super) year: Option<i32>,
    pub(super) ids: Ids,
}

/// What a Plex item is on Trakt: a movie, or a show's episode by season and number.
#[derive(Debug, Clone)]
pub(super) enum Target {
    Movie {
        ids: Ids,
        title: String,
        year: Option<i32>,
    },
    Episode {
        show: String,
        season: u32,
        number: u32,
    },
}

pub(super) struct PlexSide {
    /// ratingKey → what it is on Trakt, or why it cannot be matched (its title).
    pub(super) targets: FastMap<String, Result<Target, String>>,
    pub(super) shows: FastMap<String, Show>,
    /// Watched items: ratingKey, view count, last view.
    pub(super) watched: Vec<(String, u32, i64)>,
    /// The owner's ratings of movies, shows and episodes: ratingKey → 0-10.
    pub(super) ratings: FastMap<String, f64>,
    /// Movies and shows with a `plex://` guid: ratingKey → the guid (Discover's key is its end).
    pub(super) plex_guids: FastMap<String, String>,
}

impl PlexSide {
    pub(super) fn title(&self, target: &Target) -> String {
        match target {
            Target::Movie { title, year, .. } => match year {
                Some(y) => format!("{title} ({y})"),
                None => title.clone(),
            },
            Target::Episode {
                show,
                season,
                number,
            } => format!(
                "{} S{season:02}E{number:02}",
                self.shows.get(show).map_or("?", |s| s.title.as_str())
            ),
        }
    }

    /// The identity on Trakt of any movie, show or episode by its ratingKey.
    pub(super) fn identities_of(&self, rating_key: &str) -> Vec<String> {
        match (self.targets.get(rating_key), self.shows.get(rating_key)) {
            (Some(Ok(target)), _) => self.identities(target),
            (_, Some(show)) => show.ids.keys().map(|k| format!("s:{k}")).collect(),
            _ => Vec::new(),
        }
    }

    /// The item's identity on Trakt, with every id it has (so either side's choice matches).
    pub(super) fn identities(&self, target: &Target) -> Vec<String> {
        let mut out = Vec::new();
        self.each_identity(target, |id| out.push(id.to_string()));
        out
    }

    /// Fingerprints of the item's identities (as Trakt's history keeps them), the primary first.
    pub(super) fn fingerprints(&self, target: &Target) -> Vec<u64> {
        let mut out = Vec::with_capacity(3);
        self.each_identity(target, |id| out.push(fingerprint(id)));
        out
    }

    /// Hands each of the item's identities to `f` as it is written, the primary first, so a
    /// caller that only hashes or compares them builds no string.
    pub(super) fn each_identity(&self, target: &Target, mut f: impl FnMut(fmt::Arguments<'_>)) {
        match target {
            Target::Movie { ids, .. } => ids.keys().for_each(|k| f(format_args!("m:{k}"))),
            Target::Episode {
                show,
                season,
                number,
            } => {
                if let Some(s) = self.shows.get(show) {
                    s.ids
                        .keys()
                        .for_each(|k| f(format_args!("e:{k}:{season}x{number}")));
                }
            }
        }
    }

    /// Every movie and episode of every library, with ids and the owner's view state.
    pub(super) async fn read(plex: &PlexClient) -> Result<PlexSide, BackendError> {
        let sections = plex.sections().await?;
        let mut reads = Vec::new();
        for s in &sections {
            match s.kind.as_str() {
                "movie" => reads.push((s.key.clone(), 1u8)),
                "show" => {
                    reads.push((s.key.clone(), 2));
                    reads.push((s.key.clone(), 4));
                }
                _ => {}
            }
        }
        let lists = futures::stream::iter(reads)
            .map(|(key, kind)| async move {
                let kind_q = ("type", kind.to_string());
                if kind == 4 {
                    let [elements, fields] = lean::<SyncEpisode>();
                    let q = [kind_q, elements, fields];
                    return Ok(Listing::Episodes(plex.section_all(&key, &q).await?));
                }
                let [elements, fields] = lean::<SyncItem>();
                let q = [kind_q, ("includeGuids", "1".to_string()), elements, fields];
                let items = plex.section_all(&key, &q).await?;
                Ok::<_, BackendError>(match kind {
                    2 => Listing::Shows(items),
                    _ => Listing::Movies(items),
                })
            })
            .buffered(PAGE_CONCURRENCY)
            .try_collect::<Vec<_>>()
            .await?;
        Ok(PlexSide::build(lists))
    }

    /// The side from library listings.
    fn build(lists: Vec<Listing>) -> PlexSide {
        let (mut items, mut shows) = (0, 0);
        for list in &lists {
            match list {
                Listing::Movies(rows) => items += rows.len(),
                Listing::Shows(rows) => shows += rows.len(),
                Listing::Episodes(rows) => items += rows.len(),
            }
        }
        let mut side = PlexSide {
            targets: FastMap::with_capacity_and_hasher(items, Default::default()),
            shows: FastMap::with_capacity_and_hasher(shows, Default::default()),
            watched: Vec::new(),
            ratings: FastMap::default(),
            plex_guids: FastMap::default(),
        };
        let mut episodes = Vec::new();
        for list in lists {
            let (rows, is_show) = match list {
                Listing::Movies(rows) => (rows, false),
                Listing::Shows(rows) => (rows, true),
                Listing::Episodes(rows) => {
                    episodes.push(rows);
                    continue;
                }
            };
            for it in rows {
                if let Some(r) = it.user_rating.filter(|r| *r > 0.0) {
                    side.ratings.insert(it.rating_key.clone(), r);
                }
                if let Some(g) = it.guid.as_ref().filter(|g| g.starts_with("plex://")) {
                    side.plex_guids.insert(it.rating_key.clone(), g.clone());
                }
                let ids = it.ids();
                if is_show {
                    let show = Show {
                        title: it.title,
                        year: it.year,
                        ids,
                    };
                    side.shows.insert(it.rating_key, show);
                    continue;
                }
                if let Some(n) = it.view_count.filter(|n| *n > 0) {
                    let last = it.last_viewed_at.unwrap_or(0);
                    side.watched.push((it.rating_key.clone(), n, last));
                }
                let target = if ids.is_empty() {
                    Err(movie_title(&it))
                } else {
                    Ok(Target::Movie {
                        ids,
                        title: it.title,
                        year: it.year,
                    })
                };
                side.targets.insert(it.rating_key, target);
            }
        }
        for it in episodes.into_iter().flatten() {
            if let Some(r) = it.user_rating.filter(|r| *r > 0.0) {
                side.ratings.insert(it.rating_key.clone(), r);
            }
            if let Some(n) = it.view_count.filter(|n| *n > 0) {
                side.watched
                    .push((it.rating_key.clone(), n, it.last_viewed_at.unwrap_or(0)));
            }
            let show = it
                .grandparent_rating_key
                .clone()
                .filter(|k| side.shows.get(k).is_some_and(|s| !s.ids.is_empty()));
            // Specials are season 0 on Plex and on Trakt alike.
            let target = match (show, it.parent_index, it.index) {
                (Some(show), Some(season), Some(number)) => Ok(Target::Episode {
                    show,
                    season,
                    number,
                }),
                _ => Err(format!(
                    "{} (episode {})",
                    it.grandparent_rating_key
                        .as_ref()
                        .and_then(|k| side.shows.get(k))
                        .map_or("?", |s| s.title.as_str()),
                    it.title
                )),
            };
            side.targets.insert(it.rating_key, target);
        }
        side
    }
}

fn movie_title(it: &SyncItem) -> String {
    match it.year {
        Some(y) => format!("{} ({y})", it.title),
        None => it.title.clone(),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    fn rows<T: serde::de::DeserializeOwned>(json: serde_json::Value) -> Vec<T> {
        serde_json::from_value(json).unwrap()
    }

    /// A movie, a matched show with a special and an episode, and a show without ids.
    pub(in crate::services::sync) fn sample() -> PlexSide {
        PlexSide::build(vec![
            Listing::Movies(rows(serde_json::json!([
                {"ratingKey": "1", "title": "Heat", "year": 1995, "viewCount": 2, "lastViewedAt": 50,
                 "Guid": [{"id": "tmdb://949"}, {"id": "imdb://tt0113277"}]},
                {"ratingKey": "2", "title": "Home Video", "year": 2019, "guid": "local://2"},
            ]))),
            Listing::Shows(rows(serde_json::json!([
                {"ratingKey": "10", "title": "Severance", "Guid": [{"id": "tvdb://371980"}]},
                {"ratingKey": "20", "title": "Unmatched Show", "guid": "local://20"},
            ]))),
            Listing::Episodes(rows(serde_json::json!([
                {"ratingKey": "11", "title": "Good News About Hell", "grandparentRatingKey": 10,
                 "parentIndex": 1, "index": 1, "viewCount": 1, "lastViewedAt": 70},
                {"ratingKey": "12", "title": "Special", "grandparentRatingKey": "10",
                 "parentIndex": 0, "index": 1},
                {"ratingKey": "21", "title": "Pilot", "grandparentRatingKey": "20",
                 "parentIndex": 1, "index": 1},
            ]))),
        ])
    }

    #[test]
    fn sync_rows_read_nothing_they_leave_out() {
        let data = crate::fake::Dataset::generate(crate::fake::Scale::DEMO, 7, 1_700_000_000);
        for item in &data.items {
            let full = serde_json::to_value(item).unwrap();
            crate::plex::models::tests::reads_nothing_left_out::<SyncItem>(&full);
            crate::plex::models::tests::reads_nothing_left_out::<SyncEpisode>(&full);
        }
    }

    #[test]
    fn every_item_gets_its_trakt_identity_or_the_reason_it_has_none() {
        let side = sample();
        let heat = side.targets["1"].as_ref().unwrap();
        assert_eq!(
            side.identities(heat),
            ["m:tmdb:949", "m:imdb:tt0113277"],
            "every id, the primary first"
        );
        assert_eq!(side.title(heat), "Heat (1995)");
        assert_eq!(side.targets["2"].as_ref().unwrap_err(), "Home Video (2019)");
        let special = side.targets["12"].as_ref().unwrap();
        assert_eq!(side.identities(special), ["e:tvdb:371980:0x1"]);
        assert_eq!(side.title(special), "Severance S00E01");
        assert_eq!(
            side.targets["21"].as_ref().unwrap_err(),
            "Unmatched Show (episode Pilot)"
        );
        let mut watched = side.watched.clone();
        watched.sort();
        assert_eq!(watched, [("1".into(), 2, 50), ("11".into(), 1, 70)]);
    }
}

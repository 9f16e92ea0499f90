//! Step 4 of a sync: sending. Plays go in batches, each marked `pending` in the ledger before
//! its POST and `sent` or `not_found` after Trakt answers, so a run killed at any point resumes
//! without sending a play twice.

use std::collections::{HashMap, HashSet};

use super::{
    Progress, SyncOptions, SyncToOutput,
    history::TraktHistory,
    index::{PlexSide, Target},
    plan::Outgoing,
};
use crate::{
    services::Error,
    store::{LedgerState, Store},
    trakt::{
        client::TraktClient,
        models::{
            HistoryAdded, HistoryPost, IdKey, PostEpisode, PostMovie, PostSeason, PostShow,
            trakt_time,
        },
    },
};

/// The ledger of one (Trakt account, Plex account) pair.
pub(super) struct Ledger<'a> {
    pub(super) store: &'a Store,
    pub(super) scope: &'a str,
}

impl Ledger<'_> {
    fn mark<'k>(
        &self,
        plays: impl IntoIterator<Item = &'k Outgoing<'k>>,
        state: LedgerState,
    ) -> Result<(), Error> {
        self.store
            .mark(self.scope, plays.into_iter().map(|o| o.key.as_str()), state)
            .map_err(Error::Store)
    }
}

/// Sends `outgoing` in batches of `opts.batch_size`, recording each in the ledger and the counts
/// in `out`; stops between batches when `opts.cancel` is cancelled. A failed batch stops the
/// run: the rest waits for the next run, which resumes from the ledger. When Trakt added fewer
/// plays than it was sent and did not name the rest (unknown episodes of a known show), the
/// batch stays pending and is checked against Trakt's history at the end: no play is ledgered
/// as sent that Trakt did not add.
pub(super) async fn send(
    trakt: &TraktClient,
    ledger: Ledger<'_>,
    side: &PlexSide,
    outgoing: &[Outgoing<'_>],
    opts: &SyncOptions,
    out: &mut SyncToOutput,
    progress: &mut impl FnMut(Progress),
) -> Result<(), Error> {
    let total = outgoing.len();
    let batches = outgoing.chunks(opts.batch_size).count();
    let mut done = 0;
    let mut unconfirmed: Vec<&Outgoing> = Vec::new();
    for (n, batch) in outgoing.chunks(opts.batch_size).enumerate() {
        // Between batches nothing is pending: stopping here leaves the ledger exact.
        if opts.cancel.is_cancelled() {
            out.cancelled = true;
            tracing::info!(
                sent = done,
                left = total - done,
                "sync cancelled by the caller"
            );
            break;
        }
        progress(Progress::quiet("sending to Trakt", done, total));
        ledger.mark(batch, LedgerState::Pending)?;
        let body = history_post(side, batch);
        out.batches += 1;
        match trakt.add_history(&body).await {
            Ok(answer) => {
                out.added.movies += answer.added.movies;
                out.added.episodes += answer.added.episodes;
                let (sent, not_found) = classify(side, batch, &answer);
                for o in &not_found {
                    out.not_found.push(|| side.title(o.target));
                }
                ledger.mark(not_found.iter().copied(), LedgerState::NotFound)?;
                let movies = sent.iter().filter(|o| o.is_movie()).count() as u64;
                let episodes = sent.len() as u64 - movies;
                let short = answer.added.movies < movies || answer.added.episodes < episodes;
                if short {
                    // Left pending: confirmed against Trakt's history below.
                    unconfirmed.extend(sent);
                } else {
                    ledger.mark(sent.iter().copied(), LedgerState::Sent)?;
                }
            }
            Err(e) => {
                out.failed = total - done;
                out.errors.push(format!(
                    "Batch {} of {batches} failed, {} plays not sent (run the sync again to resume): {e}",
                    n + 1,
                    out.failed
                ));
                break;
            }
        }
        done += batch.len();
        progress(Progress::told(
            "sending to Trakt",
            done,
            total,
            format!(
                "Sent {done} of {total} plays ({} of {batches} batches)",
                n + 1
            ),
        ));
    }
    if !unconfirmed.is_empty() {
        progress(Progress::quiet("confirming with Trakt", done, total));
        confirm(trakt, &ledger, side, &unconfirmed, out).await?;
    }
    Ok(())
}

/// Reads Trakt's history once and settles plays Trakt answered for only in total: those it has
/// are sent, the others are items it does not know (Trakt names no unknown episode nested under
/// a known show). A failed read leaves them pending for the next run to decide.
async fn confirm(
    trakt: &TraktClient,
    ledger: &Ledger<'_>,
    side: &PlexSide,
    plays: &[&Outgoing<'_>],
    out: &mut SyncToOutput,
) -> Result<(), Error> {
    let history = match TraktHistory::read(trakt).await {
        Ok(h) => h,
        Err(e) => {
            out.errors.push(format!(
                "Could not confirm {} plays with Trakt; the next run will: {e}",
                plays.len()
            ));
            return Ok(());
        }
    };
    let (landed, unknown): (Vec<&Outgoing>, Vec<&Outgoing>) = plays
        .iter()
        .partition(|o| history.has(&side.fingerprints(o.target), Some(o.watched_at)));
    for o in &unknown {
        out.not_found.push(|| side.title(o.target));
    }
    ledger.mark(landed, LedgerState::Sent)?;
    ledger.mark(unknown, LedgerState::NotFound)
}

/// Splits a batch by Trakt's answer: the plays it took, and those of items it does not know.
fn classify<'a>(
    side: &PlexSide,
    batch: &'a [Outgoing<'a>],
    answer: &HistoryAdded,
) -> (Vec<&'a Outgoing<'a>>, Vec<&'a Outgoing<'a>>) {
    let missing: HashSet<String> = answer
        .not_found
        .movies
        .iter()
        .flat_map(|m| m.ids.keys().map(|k| format!("m:{k}")))
        .collect();
    let missing_shows: HashSet<IdKey> = answer
        .not_found
        .shows
        .iter()
        .flat_map(|s| s.ids.keys())
        .collect();
    batch.iter().partition(|o| {
        let unknown = match o.target {
            Target::Movie { .. } => side
                .identities(o.target)
                .iter()
                .any(|id| missing.contains(id)),
            Target::Episode { show, .. } => side.shows[show.as_str()]
                .ids
                .keys()
                .any(|k| missing_shows.contains(&k)),
        };
        !unknown
    })
}

/// One `POST /sync/history` body for a batch: movies, and episodes grouped by show and season.
pub(super) fn history_post(side: &PlexSide, batch: &[Outgoing]) -> HistoryPost {
    let mut post = HistoryPost::default();
    let mut show_at: HashMap<&str, usize> = HashMap::new();
    for o in batch {
        match o.target {
            Target::Movie { ids, title, year } => post.movies.push(PostMovie {
                ids: ids.clone(),
                title: title.clone(),
                year: *year,
                watched_at: trakt_time(o.watched_at),
            }),
            Target::Episode {
                show,
                season,
                number,
            } => {
                let i = *show_at.entry(show.as_str()).or_insert_with(|| {
                    let s = &side.shows[show.as_str()];
                    post.shows.push(PostShow {
                        ids: s.ids.clone(),
                        title: s.title.clone(),
                        year: s.year,
                        seasons: Vec::new(),
                    });
                    post.shows.len() - 1
                });
                let seasons = &mut post.shows[i].seasons;
                let episode = PostEpisode {
                    number: *number,
                    watched_at: trakt_time(o.watched_at),
                };
                match seasons.iter_mut().find(|s| s.number == *season) {
                    Some(s) => s.episodes.push(episode),
                    None => seasons.push(PostSeason {
                        number: *season,
                        episodes: vec![episode],
                    }),
                }
            }
        }
    }
    post
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::sync::index::tests::sample;

    fn outgoing<'a>(side: &'a PlexSide, keys: &[(&str, i64)]) -> Vec<Outgoing<'a>> {
        keys.iter()
            .map(|(rk, at)| Outgoing {
                target: side.targets[*rk].as_ref().unwrap(),
                watched_at: *at,
                key: format!("{rk}@{at}"),
            })
            .collect()
    }

    #[test]
    fn a_batch_groups_episodes_by_show_and_season() {
        let side = sample();
        let batch = outgoing(&side, &[("1", 10), ("11", 20), ("12", 30), ("11", 40)]);
        let post = serde_json::to_value(history_post(&side, &batch)).unwrap();
        assert_eq!(post["movies"].as_array().unwrap().len(), 1);
        assert_eq!(post["movies"][0]["ids"]["tmdb"], 949);
        let shows = post["shows"].as_array().unwrap();
        assert_eq!(shows.len(), 1, "one entry per show");
        let seasons: Vec<u64> = shows[0]["seasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["number"].as_u64().unwrap())
            .collect();
        assert_eq!(seasons, [1, 0]);
        assert_eq!(
            shows[0]["seasons"][0]["episodes"].as_array().unwrap().len(),
            2
        );
    }

    #[test]
    fn items_trakt_does_not_know_are_told_apart() {
        let side = sample();
        let batch = outgoing(&side, &[("1", 10), ("11", 20)]);
        let answer: HistoryAdded = serde_json::from_value(serde_json::json!({
            "added": {"movies": 0, "episodes": 1},
            "not_found": {"movies": [{"ids": {"imdb": "tt0113277"}}], "shows": [], "episodes": []}
        }))
        .unwrap();
        let (sent, unknown) = classify(&side, &batch, &answer);
        let key = |o: &&Outgoing| o.key.clone();
        assert_eq!(sent.iter().map(key).collect::<Vec<_>>(), ["11@20"]);
        assert_eq!(unknown.iter().map(key).collect::<Vec<_>>(), ["1@10"]);
        let answer: HistoryAdded = serde_json::from_value(serde_json::json!({
            "not_found": {"shows": [{"ids": {"tvdb": 371980}}]}
        }))
        .unwrap();
        let (sent, unknown) = classify(&side, &batch, &answer);
        assert_eq!((sent.len(), unknown.len()), (1, 1));
        assert_eq!(unknown[0].key, "11@20");
    }
}

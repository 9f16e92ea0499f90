//! Step 2 of a sync: what the user's Trakt history already holds, folded page by page into
//! fingerprints of `identity` (any play) and `identity@time` (that play), so a long history is
//! never held whole.

use std::{
    collections::{HashSet, hash_map::DefaultHasher},
    hash::{Hash, Hasher},
};

use crate::trakt::{
    TraktError,
    api::HistoryKind,
    client::TraktClient,
    models::{HistoryEntry, parse_trakt_time},
};

fn fingerprint(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// What is already on Trakt: fingerprints of `identity` (any play) and `identity@time` (that play).
#[derive(Default)]
pub(super) struct TraktHistory(HashSet<u64>);

impl TraktHistory {
    fn add(&mut self, identities: impl Iterator<Item = String>, watched_at: Option<i64>) {
        for id in identities {
            self.0.insert(fingerprint(&id));
            if let Some(t) = watched_at {
                self.0.insert(fingerprint(&format!("{id}@{t}")));
            }
        }
    }

    pub(super) fn add_entries(&mut self, rows: &[HistoryEntry]) {
        for e in rows {
            let at = parse_trakt_time(&e.watched_at);
            match (&e.movie, &e.show, &e.episode) {
                (Some(m), _, _) => self.add(m.ids.keys().map(|k| format!("m:{k}")), at),
                (None, Some(s), Some(ep)) => self.add(
                    s.ids
                        .keys()
                        .map(|k| format!("e:{k}:{}x{}", ep.season, ep.number)),
                    at,
                ),
                _ => {}
            }
        }
    }

    pub(super) fn has(&self, identities: &[String], watched_at: Option<i64>) -> bool {
        identities.iter().any(|id| match watched_at {
            Some(t) => self.0.contains(&fingerprint(&format!("{id}@{t}"))),
            None => self.0.contains(&fingerprint(id)),
        })
    }
}

impl TraktHistory {
    /// Everything in the user's Trakt history, movies and episodes read at once.
    pub(super) async fn read(trakt: &TraktClient) -> Result<TraktHistory, TraktError> {
        let (mut movies, mut episodes) = (TraktHistory::default(), TraktHistory::default());
        tokio::try_join!(
            trakt.history(HistoryKind::Movies, |rows| movies.add_entries(&rows)),
            trakt.history(HistoryKind::Episodes, |rows| episodes.add_entries(&rows))
        )?;
        movies.0.extend(episodes.0);
        Ok(movies)
    }
}

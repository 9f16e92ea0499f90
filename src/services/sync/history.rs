//! Step 2 of a sync: what the user's Trakt history already holds, folded page by page into
//! fingerprints of each identity (any play) and of each identity at a time (that play), so a
//! long history is never held whole.

use std::{
    collections::{HashSet, hash_map::DefaultHasher},
    fmt::{self, Write as _},
    hash::{Hash, Hasher},
};

use crate::trakt::{
    TraktError,
    api::HistoryKind,
    client::TraktClient,
    models::{HistoryEntry, parse_trakt_time},
};

/// The fingerprint of an identity as it is written (`m:tmdb:949`), hashed piece by piece:
/// SipHash reads a stream, so pieces hash as the whole text would, and no string is built.
pub(super) fn fingerprint(identity: fmt::Arguments<'_>) -> u64 {
    struct Writer(DefaultHasher);
    impl fmt::Write for Writer {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let mut w = Writer(DefaultHasher::new());
    // Writing into a hasher cannot fail.
    let _ = w.write_fmt(identity);
    w.0.finish()
}

/// The fingerprint of one play of an identity: its fingerprint and the time.
pub(super) fn at(identity: u64, time: i64) -> u64 {
    let mut h = DefaultHasher::new();
    (identity, time).hash(&mut h);
    h.finish()
}

/// What is already on Trakt: fingerprints of identities (any play) and of plays (an identity at
/// a time).
#[derive(Default)]
pub(super) struct TraktHistory(HashSet<u64>);

impl TraktHistory {
    fn add(&mut self, identity: u64, watched_at: Option<i64>) {
        self.0.insert(identity);
        if let Some(t) = watched_at {
            self.0.insert(at(identity, t));
        }
    }

    pub(super) fn add_entries(&mut self, rows: &[HistoryEntry]) {
        for e in rows {
            let t = parse_trakt_time(&e.watched_at);
            match (&e.movie, &e.show, &e.episode) {
                (Some(m), _, _) => {
                    for k in m.ids.keys() {
                        self.add(fingerprint(format_args!("m:{k}")), t);
                    }
                }
                (None, Some(s), Some(ep)) => {
                    let (season, number) = (ep.season, ep.number);
                    for k in s.ids.keys() {
                        self.add(fingerprint(format_args!("e:{k}:{season}x{number}")), t);
                    }
                }
                _ => {}
            }
        }
    }

    /// Whether Trakt has any of these identities (by fingerprint): at that time, or at all.
    pub(super) fn has(&self, identities: &[u64], watched_at: Option<i64>) -> bool {
        identities.iter().any(|&id| match watched_at {
            Some(t) => self.0.contains(&at(id, t)),
            None => self.0.contains(&id),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trakt::models::IdKey;

    #[test]
    fn an_identity_hashes_alike_however_it_is_written() {
        // The ledger's keys are read back as whole text; the plan writes identities in pieces.
        let whole = fingerprint(format_args!("{}", "m:tmdb:949"));
        assert_eq!(fingerprint(format_args!("m:{}", IdKey::Tmdb(949))), whole);
        assert_ne!(fingerprint(format_args!("m:{}", IdKey::Tvdb(949))), whole);
        assert_ne!(at(whole, 10), at(whole, 11));
    }
}

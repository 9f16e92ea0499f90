//! Trakt's endpoints, one method each. Paths and query parameters are written here and nowhere
//! else; callers get typed answers.

use super::{
    TraktError,
    client::TraktClient,
    models::{
        HistoryAdded, HistoryEntry, HistoryPost, ListAnswer, ListEntry, ListPost, ScrobbleBody,
        SearchResult, Stats, User, WatchedEntry,
    },
};

/// Characters Trakt's search engine treats as operators unless escaped.
const SOLR_SPECIAL: &[char] = &[
    '+', '-', '&', '|', '!', '(', ')', '{', '}', '[', ']', '^', '"', '~', '*', '?', ':', '/', '\\',
];

/// What a Trakt search looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    Movie,
    Show,
    Both,
}

/// One page of search results and how many Trakt found in all, when it says.
pub struct SearchPage {
    pub results: Vec<SearchResult>,
    pub total: Option<u64>,
}

/// A playback event for `/scrobble/{action}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scrobble {
    Start,
    Pause,
    Stop,
}

/// What a ratings or watchlist read covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Movies,
    Shows,
    Episodes,
}

impl ListKind {
    fn path(self) -> &'static str {
        match self {
            ListKind::Movies => "movies",
            ListKind::Shows => "shows",
            ListKind::Episodes => "episodes",
        }
    }
}

/// Adding to a list, or removing from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListChange {
    Add,
    Remove,
}

/// Which half of the watch history to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryKind {
    Movies,
    Episodes,
}

impl TraktClient {
    /// The signed-in user.
    pub async fn me(&self) -> Result<User, TraktError> {
        self.get("/users/me", &[]).await
    }

    /// The signed-in user's statistics.
    pub async fn stats(&self) -> Result<Stats, TraktError> {
        self.get("/users/me/stats", &[]).await
    }

    /// Every movie the user has watched, with play counts (read page by page where Trakt
    /// pages it).
    pub async fn watched_movies(&self) -> Result<Vec<WatchedEntry>, TraktError> {
        let mut all = Vec::new();
        self.for_each_page("/sync/watched/movies", &[], |rows| all.extend(rows))
            .await?;
        Ok(all)
    }

    /// Every show the user has watched, with its seasons and episodes: Trakt pages the list and
    /// since mid-2026 leaves `seasons` out unless asked with `extended=progress`.
    pub async fn watched_shows(&self) -> Result<Vec<WatchedEntry>, TraktError> {
        let mut all = Vec::new();
        let query = [("extended", "progress".to_string())];
        self.for_each_page("/sync/watched/shows", &query, |rows| all.extend(rows))
            .await?;
        Ok(all)
    }

    /// Every play in the user's history of `kind`, handed to `fold` a page at a time.
    pub async fn history(
        &self,
        kind: HistoryKind,
        fold: impl FnMut(Vec<HistoryEntry>),
    ) -> Result<(), TraktError> {
        let path = match kind {
            HistoryKind::Movies => "/sync/history/movies",
            HistoryKind::Episodes => "/sync/history/episodes",
        };
        self.for_each_page(path, &[], fold).await
    }

    /// The user's ratings of one kind.
    pub async fn ratings(&self, kind: ListKind) -> Result<Vec<ListEntry>, TraktError> {
        self.get(&format!("/sync/ratings/{}", kind.path()), &[])
            .await
    }

    /// Sets (a rating replaces an earlier one) or removes ratings.
    pub async fn change_ratings(
        &self,
        change: ListChange,
        body: &ListPost,
    ) -> Result<ListAnswer, TraktError> {
        let path = match change {
            ListChange::Add => "/sync/ratings",
            ListChange::Remove => "/sync/ratings/remove",
        };
        self.post(path, body).await
    }

    /// The user's watchlist of one kind.
    pub async fn watchlist(&self, kind: ListKind) -> Result<Vec<ListEntry>, TraktError> {
        self.get(&format!("/sync/watchlist/{}", kind.path()), &[])
            .await
    }

    /// Adds to or removes from the watchlist.
    pub async fn change_watchlist(
        &self,
        change: ListChange,
        body: &ListPost,
    ) -> Result<ListAnswer, TraktError> {
        let path = match change {
            ListChange::Add => "/sync/watchlist",
            ListChange::Remove => "/sync/watchlist/remove",
        };
        self.post(path, body).await
    }

    /// Adds plays to the history. Trakt does not deduplicate: never resend blindly.
    pub async fn add_history(&self, body: &HistoryPost) -> Result<HistoryAdded, TraktError> {
        self.post("/sync/history", body).await
    }

    /// Reports playback of one item.
    pub async fn scrobble(&self, action: Scrobble, body: &ScrobbleBody) -> Result<(), TraktError> {
        let path = match action {
            Scrobble::Start => "/scrobble/start",
            Scrobble::Pause => "/scrobble/pause",
            Scrobble::Stop => "/scrobble/stop",
        };
        self.post::<_, serde::de::IgnoredAny>(path, body)
            .await
            .map(drop)
    }

    /// Searches the catalogue by title (operators in `query` are escaped); needs only the app's
    /// key, no sign-in.
    pub async fn search(
        &self,
        kind: SearchKind,
        query: &str,
        limit: usize,
        year: Option<u32>,
    ) -> Result<SearchPage, TraktError> {
        let path = match kind {
            SearchKind::Movie => "/search/movie",
            SearchKind::Show => "/search/show",
            SearchKind::Both => "/search/movie,show",
        };
        let mut q = vec![
            ("query", escape(query)),
            ("limit", limit.to_string()),
            ("extended", "full".to_string()),
        ];
        if let Some(year) = year {
            q.push(("years", year.to_string()));
        }
        let response = self.get_public(path, &q).await?;
        let total = response
            .headers()
            .get("x-pagination-item-count")
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        let results = self.decode(path, response).await?;
        Ok(SearchPage { results, total })
    }
}

/// Escapes the characters Trakt's search engine would read as operators.
fn escape(query: &str) -> String {
    let mut out = String::with_capacity(query.len() + 4);
    for c in query.chars() {
        if SOLR_SPECIAL.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn search_operators_are_escaped() {
        assert_eq!(super::escape("Spider-Man: Home"), "Spider\\-Man\\: Home");
        assert_eq!(super::escape("plain"), "plain");
    }
}

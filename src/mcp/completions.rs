//! Completions for prompt arguments and resource-template variables, from the server itself:
//! library names and keys, the genres of the movie libraries, account names, and item titles
//! (or ratingKeys) found by Plex search.

use rmcp::model::{CompleteRequestParams, CompletionInfo, Reference};

use super::{prompts, resources, server::PlexMcp};
use crate::mcp::tools::ItemType;

/// At most this many values per answer.
const MAX: usize = 20;

/// Runtimes and day counts worth offering.
const RUNTIMES: [&str; 5] = ["90", "100", "120", "150", "180"];
const DAYS: [&str; 5] = ["1", "3", "7", "14", "30"];

/// What an argument is completed from.
enum Source {
    Libraries,
    LibraryKeys,
    Genres,
    Accounts,
    Titles(Option<ItemType>),
    RatingKeys,
    Years,
    Fixed(&'static [&'static str]),
}

fn source(reference: &Reference, argument: &str) -> Option<Source> {
    match reference {
        Reference::Prompt(p) => Some(match (p.name.as_str(), argument) {
            (_, "genre") => Source::Genres,
            (_, "who" | "account") => Source::Accounts,
            (_, "library") => Source::Libraries,
            (_, "show") => Source::Titles(Some(ItemType::Show)),
            (_, "year") => Source::Years,
            (_, "maxRuntime") => Source::Fixed(&RUNTIMES),
            (_, "days") => Source::Fixed(&DAYS),
            _ => return None,
        }),
        Reference::Resource(r) => match (r.uri.as_str(), argument) {
            (resources::LIBRARY, "key") => Some(Source::LibraryKeys),
            (resources::ITEM, "ratingKey") => Some(Source::RatingKeys),
            _ => None,
        },
        _ => None,
    }
}

/// Values starting with `typed` (any case) first, then those containing it, at most [`MAX`].
fn matching(values: impl IntoIterator<Item = String>, typed: &str) -> Vec<String> {
    let typed = typed.to_lowercase();
    let (mut starts, mut contains): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for v in values {
        let lower = v.to_lowercase();
        if lower.starts_with(&typed) {
            starts.push(v);
        } else if lower.contains(&typed) {
            contains.push(v);
        }
    }
    starts.sort();
    starts.dedup();
    contains.sort();
    contains.dedup();
    starts.extend(contains);
    starts.truncate(MAX);
    starts
}

impl PlexMcp {
    /// The completion of one argument; nothing (not an error) when it has no source or the
    /// backend cannot answer, since a client asks on every keystroke.
    pub(crate) async fn completion(&self, request: &CompleteRequestParams) -> CompletionInfo {
        let argument = &request.argument;
        if let Reference::Prompt(p) = &request.r#ref
            && !prompts::takes(&p.name, &argument.name, &self.ctx.toolsets)
        {
            return CompletionInfo::default();
        }
        let Some(source) = source(&request.r#ref, &argument.name) else {
            return CompletionInfo::default();
        };
        let values = self
            .values(source, &argument.value)
            .await
            .unwrap_or_else(|e| {
                tracing::debug!("completion of {} failed: {e}", argument.name);
                Vec::new()
            });
        CompletionInfo::new(values).unwrap_or_default()
    }

    async fn values(
        &self,
        source: Source,
        typed: &str,
    ) -> Result<Vec<String>, crate::backend::BackendError> {
        let plex = &self.ctx.plex;
        Ok(match source {
            Source::Fixed(values) => matching(values.iter().map(|v| v.to_string()), typed),
            Source::Years => {
                let this_year = chrono::Utc::now().format("%Y").to_string();
                let this_year: i32 = this_year.parse().unwrap_or(2026);
                matching((0..10).map(|back| (this_year - back).to_string()), typed)
            }
            Source::Libraries => {
                matching(plex.sections().await?.into_iter().map(|s| s.title), typed)
            }
            Source::LibraryKeys => {
                matching(plex.sections().await?.into_iter().map(|s| s.key), typed)
            }
            Source::Accounts => matching(
                plex.accounts()
                    .await?
                    .accounts
                    .into_iter()
                    .map(|a| a.name)
                    .filter(|n| !n.is_empty()),
                typed,
            ),
            Source::Genres => {
                let mut genres = Vec::new();
                for section in plex.sections().await? {
                    let kind = match section.kind.as_str() {
                        "movie" => 1,
                        "show" => 2,
                        _ => continue,
                    };
                    genres.extend(plex.genres(&section.key, kind).await?);
                }
                matching(genres, typed)
            }
            Source::Titles(kind) => {
                let found = self.find_titles(typed, kind).await?;
                matching(found.into_iter().map(|(_, title)| title), typed)
            }
            Source::RatingKeys if typed.is_empty() || typed.bytes().all(|b| b.is_ascii_digit()) => {
                // A partial key: the newest items whose key starts with it.
                let recent = plex
                    .recently_added::<crate::plex::models::Item>(100)
                    .await?;
                let mut keys: Vec<String> = recent
                    .items
                    .into_iter()
                    .map(|i| i.rating_key)
                    .filter(|k| k.starts_with(typed))
                    .collect();
                keys.truncate(MAX);
                keys
            }
            Source::RatingKeys => {
                // A title typed where a key goes: the keys of the items it finds.
                let mut found = self.find_titles(typed, None).await?;
                found.truncate(MAX);
                found.into_iter().map(|(key, _)| key).collect()
            }
        })
    }

    /// (ratingKey, title) of items whose titles match `typed`, from Plex search.
    async fn find_titles(
        &self,
        typed: &str,
        kind: Option<ItemType>,
    ) -> Result<Vec<(String, String)>, crate::backend::BackendError> {
        let typed = typed.trim();
        if typed.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = vec![("query", typed.chars().take(100).collect::<String>())];
        query.extend(kind.map(|k| ("type", k.plex_id().to_string())));
        let found = self
            .ctx
            .plex
            .search::<crate::plex::models::Item>(None, &query, 0, MAX)
            .await?;
        Ok(found
            .items
            .into_iter()
            .map(|i| (i.rating_key, i.title))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_matches_come_first_then_substrings_capped() {
        let got = matching(
            ["Drama", "Comedy", "Romantic Comedy", "Documentary", "drama"].map(String::from),
            "com",
        );
        assert_eq!(got, ["Comedy", "Romantic Comedy"]);
        let many = matching((0..50).map(|i| format!("x{i}")), "x");
        assert_eq!(many.len(), MAX);
    }
}

//! The Plex Media Server and Plex Discover client: authenticated requests, typed decoding and the
//! one paging helper every collection read goes through, so no tool stops at the first page.

use futures::{Stream, StreamExt, TryStreamExt};
use reqwest::{Method, RequestBuilder, header::HeaderValue};
use serde::de::DeserializeOwned;

use std::sync::Arc;

use tokio::sync::OnceCell;

use super::{
    models::{Envelope, MetadataPage},
    tv::PlexTv,
};
use crate::{
    backend::{Backend, BackendError, Retry, Service},
    config::{Config, Secret},
};

/// Rows per request when walking a collection (Plex's own default container size).
pub const PAGE_SIZE: usize = 1000;
/// Pages fetched at once: enough to hide latency, few enough not to load a small NAS.
pub const PAGE_CONCURRENCY: usize = 4;
/// Items per batched `/library/metadata/{id,id,...}` request.
pub const METADATA_BATCH: usize = 100;

pub(super) const CLIENT_IDENTIFIER: &str = "plex-mcp";

#[derive(Clone)]
pub struct PlexClient {
    pms: Backend,
    discover: Backend,
    token: HeaderValue,
    /// The account token again, for plex.tv (which takes a [`Secret`]).
    account: Secret,
    tv: Arc<PlexTv>,
    /// For players on the network, which are no configured backend.
    http: reqwest::Client,
    /// The server's machine identifier, read once from `/identity`.
    machine: Arc<OnceCell<String>>,
}

/// One page of a collection and the collection's size when Plex reports it.
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: Option<usize>,
}

/// A collection being read: the first page, Plex's total when it says, and the other pages.
pub struct Walk<'a, T> {
    pub first: Vec<T>,
    pub total: Option<usize>,
    pub rest: futures::stream::BoxStream<'a, Result<Vec<T>, BackendError>>,
}

/// A window of a collection, read completely.
pub struct Collected<T> {
    pub items: Vec<T>,
    pub total: usize,
}

impl PlexClient {
    pub fn new(config: &Config, token: &Secret, http: reqwest::Client) -> Result<Self, String> {
        let mut value = HeaderValue::from_str(token.expose()).map_err(|_| {
            "PLEX_TOKEN contains characters that cannot be sent in an HTTP header".to_string()
        })?;
        value.set_sensitive(true);
        let tv = PlexTv::new(
            &config.plex_tv_url,
            CLIENT_IDENTIFIER.to_string(),
            http.clone(),
            config.http_timeout,
        );
        Ok(Self {
            pms: Backend::new(
                Service::Plex,
                config.plex_url.clone(),
                http.clone(),
                config.http_timeout,
            ),
            discover: Backend::new(
                Service::Discover,
                config.discover_url.clone(),
                http.clone(),
                config.http_timeout,
            ),
            token: value,
            account: token.clone(),
            tv: Arc::new(tv),
            http,
            machine: Arc::default(),
        })
    }

    pub(super) fn tv(&self) -> &PlexTv {
        &self.tv
    }

    pub(super) fn account(&self) -> &Secret {
        &self.account
    }

    pub(super) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub(super) fn machine(&self) -> &OnceCell<String> {
        &self.machine
    }

    pub(super) fn pms(&self) -> &Backend {
        &self.pms
    }

    pub(super) fn discover(&self) -> &Backend {
        &self.discover
    }

    pub(super) fn build(
        &self,
        backend: &Backend,
        method: Method,
        path: &str,
        query: &[(&str, String)],
    ) -> RequestBuilder {
        backend
            .request(method, path)
            .header("X-Plex-Token", self.token.clone())
            .header("Accept", "application/json")
            .header("X-Plex-Client-Identifier", CLIENT_IDENTIFIER)
            .header("X-Plex-Product", CLIENT_IDENTIFIER)
            .query(query)
    }

    /// GETs `path` and decodes the `MediaContainer` as `T`.
    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        backend: &Backend,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, BackendError> {
        let envelope: Envelope<T> = backend
            .json(path, || self.build(backend, Method::GET, path, query))
            .await?;
        Ok(envelope.container)
    }

    /// A write whose answer carries nothing we need (`/:/scrobble`, `DELETE /playlists/…`).
    /// Only idempotent writes go through here, so they may be retried.
    pub(super) async fn act(
        &self,
        backend: &Backend,
        method: Method,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(), BackendError> {
        backend
            .send(path, Retry::Idempotent, || {
                self.build(backend, method.clone(), path, query)
            })
            .await
            .map(|_| ())
    }

    /// A write that creates something (a playlist): never repeated after an ambiguous failure.
    pub(super) async fn create<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, BackendError> {
        let pms = &self.pms;
        let envelope: Envelope<T> = pms
            .json_with(path, Retry::RateLimitOnly, || {
                self.build(pms, Method::POST, path, query)
            })
            .await?;
        Ok(envelope.container)
    }

    /// One page: `size` rows from `start`.
    pub(super) async fn page<T: DeserializeOwned>(
        &self,
        backend: &Backend,
        path: &str,
        query: &[(&str, String)],
        start: usize,
        size: usize,
    ) -> Result<Page<T>, BackendError> {
        let mut q: Vec<(&str, String)> = query.to_vec();
        q.push(("X-Plex-Container-Start", start.to_string()));
        q.push(("X-Plex-Container-Size", size.to_string()));
        let page: MetadataPage<T> = self.get(backend, path, &q).await?;
        Ok(Page {
            items: page.metadata,
            total: page.total_size,
        })
    }

    /// Pages `[from, end)` of a collection, `step` rows each, fetched `PAGE_CONCURRENCY` at a time
    /// and yielded in order.
    fn pages<'a, T: DeserializeOwned + Send + 'a>(
        &'a self,
        backend: &'a Backend,
        path: &'a str,
        query: &'a [(&'a str, String)],
        from: usize,
        end: usize,
        step: usize,
    ) -> impl Stream<Item = Result<Vec<T>, BackendError>> + Send + 'a {
        let step = step.max(1);
        futures::stream::iter((from..end).step_by(step))
            .map(move |start| async move {
                self.page::<T>(backend, path, query, start, step.min(end - start))
                    .await
                    .map(|p| p.items)
            })
            .buffered(PAGE_CONCURRENCY)
    }

    /// Walks at most `limit` rows from `offset`, `size` per request: the first page at once, the
    /// rest as a stream of pages in order, so callers can fold or write them as they come. With
    /// Plex's `totalSize` the remaining pages are fetched `PAGE_CONCURRENCY` at a time; without it
    /// one after another until a short page.
    pub(super) async fn walk<'a, T: DeserializeOwned + Send + 'a>(
        &'a self,
        backend: &'a Backend,
        path: &'a str,
        query: &'a [(&'a str, String)],
        offset: usize,
        limit: usize,
        size: usize,
    ) -> Result<Walk<'a, T>, BackendError> {
        let size = size.clamp(1, PAGE_SIZE).min(limit.max(1));
        let first = self.page::<T>(backend, path, query, offset, size).await?;
        let got = first.items.len();
        let end = offset.saturating_add(limit);
        let rest = match first.total {
            // A server that caps the container size below what we asked for sets the step.
            Some(total) if got > 0 && offset + got < total.min(end) => self
                .pages(backend, path, query, offset + got, total.min(end), got)
                .boxed(),
            None if got == size && offset + got < end => {
                futures::stream::try_unfold(Some(offset + got), move |next| async move {
                    let Some(start) = next.filter(|s| *s < end) else {
                        return Ok(None);
                    };
                    let page = self.page::<T>(backend, path, query, start, size).await?;
                    let n = page.items.len();
                    let after = (n == size).then_some(start + n);
                    Ok((n > 0).then_some((page.items, after)))
                })
                .boxed()
            }
            _ => futures::stream::empty().boxed(),
        };
        Ok(Walk {
            first: first.items,
            total: first.total,
            rest,
        })
    }

    /// Reads `limit` rows from `offset` (or to the end), however many pages that takes.
    pub(super) async fn collect<T: DeserializeOwned + Send>(
        &self,
        backend: &Backend,
        path: &str,
        query: &[(&str, String)],
        offset: usize,
        limit: usize,
    ) -> Result<Collected<T>, BackendError> {
        let mut walk = self
            .walk::<T>(backend, path, query, offset, limit, limit)
            .await?;
        let mut items = std::mem::take(&mut walk.first);
        while let Some(page) = walk.rest.try_next().await? {
            items.extend(page);
        }
        items.truncate(limit);
        let total = walk.total.unwrap_or(offset + items.len());
        Ok(Collected { items, total })
    }

    /// Reads a whole collection.
    pub(super) async fn collect_all<T: DeserializeOwned + Send>(
        &self,
        backend: &Backend,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<T>, BackendError> {
        Ok(self
            .collect(backend, path, query, 0, usize::MAX)
            .await?
            .items)
    }

    /// Full metadata of many items, `METADATA_BATCH` per request, a few requests at a time.
    /// Keys Plex no longer knows are simply absent from the answer.
    pub async fn metadata_batch<T: DeserializeOwned + Send>(
        &self,
        keys: &[String],
    ) -> Result<Vec<T>, BackendError> {
        let pms = &self.pms;
        let paths = keys
            .chunks(METADATA_BATCH)
            .map(|chunk| format!("/library/metadata/{}", chunk.join(",")))
            .collect::<Vec<_>>();
        let batches: Vec<Vec<T>> = futures::stream::iter(paths)
            .map(|path| async move {
                match self.get::<MetadataPage<T>>(pms, &path, &[]).await {
                    Ok(page) => Ok(page.metadata),
                    Err(e) if e.is_not_found() => Ok(Vec::new()),
                    Err(e) => Err(e),
                }
            })
            .buffer_unordered(PAGE_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(batches.into_iter().flatten().collect())
    }
}

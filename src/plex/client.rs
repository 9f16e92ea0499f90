//! The Plex Media Server and Plex Discover client: authenticated requests, typed decoding and the
//! one paging helper every collection read goes through, so no tool stops at the first page.

use futures::{StreamExt, TryStreamExt, stream::BoxStream};
use hyper::body::Bytes;
use reqwest::{Method, RequestBuilder, header::HeaderValue};
use serde::de::{DeserializeOwned, IgnoredAny};

use std::sync::Arc;

use tokio::sync::{OnceCell, oneshot};

use super::{
    ahead::{Ahead, Span},
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
    http: crate::backend::Http,
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
    pub rest: BoxStream<'a, Result<Vec<T>, BackendError>>,
}

/// The rows of a collection a walk reads, and how.
#[derive(Clone, Copy)]
pub(super) struct Window {
    pub offset: usize,
    pub limit: usize,
    /// Rows per request.
    pub size: usize,
    /// The collection most likely spans several pages (see [`PlexClient::open`]).
    pub many: bool,
}

impl Window {
    /// `limit` rows from `offset`, a page per request; several pages are expected when the
    /// caller names a limit of more than one.
    pub fn rows(offset: usize, limit: usize) -> Self {
        Window {
            offset,
            limit,
            size: limit,
            many: limit != usize::MAX,
        }
    }

    /// A whole collection that most likely spans pages (a library, the play history), `size`
    /// rows per request.
    pub fn whole(size: usize) -> Self {
        Window {
            offset: 0,
            limit: usize::MAX,
            size,
            many: true,
        }
    }
}

/// A collection whose first page was asked for: what the rest of the walk needs.
pub(super) struct Opening<'a> {
    plex: &'a PlexClient,
    backend: &'a Backend,
    path: &'a str,
    query: &'a [(&'a str, String)],
    offset: usize,
    size: usize,
    end: usize,
    /// The first wave still coming, and where to tell it the collection's end.
    ahead: Option<(Ahead, oneshot::Sender<usize>)>,
}

impl<'a> Opening<'a> {
    /// The bodies of the pages after the first, which held `got` rows, given Plex's `total`.
    pub fn rest(
        self,
        got: usize,
        total: Option<usize>,
    ) -> BoxStream<'a, Result<Bytes, BackendError>> {
        match (self.ahead, total) {
            (Some((pages, told)), Some(total)) if got == self.size => {
                // The task is gone only if a page failed, which the stream then yields.
                let _ = told.send(total.min(self.end));
                pages.boxed()
            }
            _ => self.plex.rest_bodies(
                self.backend,
                self.path,
                self.query,
                self.offset + got,
                got,
                self.size,
                total,
                self.end,
            ),
        }
    }
}

/// A window of a collection, read completely.
pub struct Collected<T> {
    pub items: Vec<T>,
    pub total: usize,
}

impl PlexClient {
    pub fn new(
        config: &Config,
        token: &Secret,
        http: crate::backend::Http,
    ) -> Result<Self, String> {
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

    pub(super) fn http(&self) -> &crate::backend::Http {
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
        let body = self.page_body(backend, path, query, start, size).await?;
        let page: Envelope<MetadataPage<T>> = backend.parse(path, &body)?;
        Ok(Page {
            items: page.container.metadata,
            total: page.container.total_size,
        })
    }

    /// One page's body, undecoded, for readers that decode rows borrowing from it.
    pub(super) async fn page_body(
        &self,
        backend: &Backend,
        path: &str,
        query: &[(&str, String)],
        start: usize,
        size: usize,
    ) -> Result<Bytes, BackendError> {
        let mut q: Vec<(&str, String)> = query.to_vec();
        q.push(("X-Plex-Container-Start", start.to_string()));
        q.push(("X-Plex-Container-Size", size.to_string()));
        let response = backend
            .send(path, Retry::Idempotent, || {
                self.build(backend, Method::GET, path, &q)
            })
            .await?;
        backend.body(path, response).await
    }

    /// The bodies of a collection's pages from `from`, in order: with Plex's `total`, the rest
    /// up to `end`, `got` rows each (the first page's size: a server that caps the container size
    /// below what was asked sets the step), fetched ahead (see [`Ahead`]); without it, one after
    /// another until a page comes back short.
    #[allow(clippy::too_many_arguments)]
    fn rest_bodies<'a>(
        &'a self,
        backend: &'a Backend,
        path: &'a str,
        query: &'a [(&'a str, String)],
        from: usize,
        got: usize,
        size: usize,
        total: Option<usize>,
        end: usize,
    ) -> BoxStream<'a, Result<Bytes, BackendError>> {
        match total {
            Some(total) if got > 0 && from < total.min(end) => {
                let span = Span {
                    from,
                    step: got,
                    end: total.min(end),
                };
                Ahead::start(self, backend, path, query, span, None).boxed()
            }
            None if got == size && from < end => {
                futures::stream::try_unfold(Some(from), move |next| async move {
                    let Some(start) = next.filter(|s| *s < end) else {
                        return Ok(None);
                    };
                    let body = self.page_body(backend, path, query, start, size).await?;
                    let rows = backend
                        .parse::<Envelope<MetadataPage<IgnoredAny>>>(path, &body)?
                        .container
                        .metadata
                        .len();
                    let after = (rows == size).then_some(start + rows);
                    Ok((rows > 0).then_some((body, after)))
                })
                .boxed()
            }
            _ => futures::stream::empty().boxed(),
        }
    }

    /// The first page of at most `limit` rows from `offset`, `size` per request, and how to go
    /// on once it is read ([`Opening::rest`]).
    ///
    /// For a collection that most likely spans several pages (`many`: a library, the play
    /// history, a limit of more than a page), the first pages go out together rather than the
    /// first alone, and the rest once the first has told the collection's size; those of the
    /// first wave past the end come back empty. If it shows the server caps its size, the walk
    /// goes on from there as usual.
    pub(super) async fn open<'a>(
        &'a self,
        backend: &'a Backend,
        path: &'a str,
        query: &'a [(&'a str, String)],
        Window {
            offset,
            limit,
            size,
            many,
        }: Window,
    ) -> Result<(Bytes, Opening<'a>), BackendError> {
        let size = size.clamp(1, PAGE_SIZE).min(limit.max(1));
        let end = offset.saturating_add(limit);
        let (body, ahead) = if many && limit > size {
            let (told, gate) = oneshot::channel();
            let span = Span {
                from: offset,
                step: size,
                end,
            };
            let mut pages = Ahead::start(self, backend, path, query, span, Some(gate));
            let first = pages.next().await.unwrap_or_else(|| Ok(Bytes::new()))?;
            (first, Some((pages, told)))
        } else {
            (
                self.page_body(backend, path, query, offset, size).await?,
                None,
            )
        };
        let opening = Opening {
            plex: self,
            backend,
            path,
            query,
            offset,
            size,
            end,
            ahead,
        };
        Ok((body, opening))
    }

    /// Walks at most `limit` rows from `offset`, `size` per request (see [`Self::open`]): the
    /// first page decoded, the rest as a stream of pages in order, so callers can fold or write
    /// them as they come.
    pub(super) async fn walk<'a, T: DeserializeOwned + Send + 'a>(
        &'a self,
        backend: &'a Backend,
        path: &'a str,
        query: &'a [(&'a str, String)],
        window: Window,
    ) -> Result<Walk<'a, T>, BackendError> {
        let (body, opening) = self.open(backend, path, query, window).await?;
        let first: Envelope<MetadataPage<T>> = backend.parse(path, &body)?;
        let (first, total) = (first.container.metadata, first.container.total_size);
        let rest = opening
            .rest(first.len(), total)
            .and_then(move |body| async move {
                let page: Envelope<MetadataPage<T>> = backend.parse(path, &body)?;
                Ok(page.container.metadata)
            })
            .boxed();
        Ok(Walk { first, total, rest })
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
        let window = Window::rows(offset, limit);
        self.collect_map(backend, path, query, window, |row| row)
            .await
    }

    /// The rows of `window` read completely, each turned into what the caller keeps as its page
    /// arrives, so the decoded rows of only one page are held at a time.
    pub(super) async fn collect_map<T: DeserializeOwned + Send, U>(
        &self,
        backend: &Backend,
        path: &str,
        query: &[(&str, String)],
        window: Window,
        mut keep: impl FnMut(T) -> U,
    ) -> Result<Collected<U>, BackendError> {
        let Window { offset, limit, .. } = window;
        let mut walk = self.walk::<T>(backend, path, query, window).await?;
        let expected = walk
            .total
            .map_or(0, |t| t.saturating_sub(offset))
            .min(limit);
        let mut items = Vec::with_capacity(expected.max(walk.first.len()));
        items.extend(std::mem::take(&mut walk.first).into_iter().map(&mut keep));
        while let Some(page) = walk.rest.try_next().await? {
            items.extend(page.into_iter().map(&mut keep));
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

    /// Full metadata of many items, `METADATA_BATCH` per request, a few requests at a time, with
    /// `query` (e.g. [`super::api::lean`]). Keys Plex no longer knows are simply absent.
    pub async fn metadata_batch<T: DeserializeOwned + Send>(
        &self,
        keys: &[String],
        query: &[(&str, String)],
    ) -> Result<Vec<T>, BackendError> {
        let mut all = Vec::with_capacity(keys.len());
        self.metadata_fold(keys, query, |it| all.push(it)).await?;
        Ok(all)
    }

    /// [`Self::metadata_batch`], each item handed to `fold` as its batch arrives, so a caller
    /// that weighs items holds one batch at a time.
    pub async fn metadata_fold<T: DeserializeOwned + Send>(
        &self,
        keys: &[String],
        query: &[(&str, String)],
        mut fold: impl FnMut(T),
    ) -> Result<(), BackendError> {
        let pms = &self.pms;
        let paths = keys
            .chunks(METADATA_BATCH)
            .map(|chunk| format!("/library/metadata/{}", chunk.join(",")))
            .collect::<Vec<_>>();
        futures::stream::iter(paths)
            .map(|path| async move {
                match self.get::<MetadataPage<T>>(pms, &path, query).await {
                    Ok(page) => Ok(page.metadata),
                    Err(e) if e.is_not_found() => Ok(Vec::new()),
                    Err(e) => Err(e),
                }
            })
            .buffer_unordered(PAGE_CONCURRENCY)
            .try_for_each(|batch| {
                batch.into_iter().for_each(&mut fold);
                std::future::ready(Ok(()))
            })
            .await
    }
}

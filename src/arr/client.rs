//! The Sonarr/Radarr API client. Both speak the same v3 API (Sonarr v4 included), so one client
//! serves both; the service it names in errors is the only difference.

use futures::{StreamExt, TryStreamExt};
use reqwest::{Method, header::HeaderValue};
use serde::{Serialize, de::DeserializeOwned};

use super::models::Paged;
use crate::{
    backend::{Backend, BackendError, Retry, Service},
    config::{ArrConfig, Secret},
};

/// Records per request when walking a paged list.
pub const PAGE_SIZE: usize = 250;
const PAGE_CONCURRENCY: usize = 4;

#[derive(Clone)]
pub struct ArrClient {
    backend: Backend,
    key: HeaderValue,
}

impl ArrClient {
    /// `None` when no API key is configured: the tools then answer how to set it up.
    pub fn new(
        service: Service,
        config: &ArrConfig,
        http: crate::backend::Http,
        timeout: std::time::Duration,
    ) -> Result<Option<Self>, String> {
        let Some(key) = &config.api_key else {
            return Ok(None);
        };
        Ok(Some(Self {
            backend: Backend::new(service, config.url.clone(), http, timeout),
            key: api_key_header(service, key)?,
        }))
    }

    pub fn service(&self) -> Service {
        self.backend.service
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.backend
            .request(method, &format!("/api/v3{path}"))
            .header("X-Api-Key", self.key.clone())
            .header("Accept", "application/json")
    }

    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, BackendError> {
        self.backend
            .json(path, || self.request(Method::GET, path).query(query))
            .await
    }

    /// A POST creates something, so it is never repeated after an ambiguous failure.
    pub(super) async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, BackendError> {
        self.backend
            .json_with(path, Retry::RateLimitOnly, || {
                self.request(Method::POST, path).json(body)
            })
            .await
    }

    /// Every record of a paged list (`page`/`pageSize`/`totalRecords`), pages after the first
    /// fetched a few at a time.
    pub(super) async fn all_pages<T: DeserializeOwned + Send>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<T>, BackendError> {
        let page = |n: usize| {
            let mut q = query.to_vec();
            q.push(("page", n.to_string()));
            q.push(("pageSize", PAGE_SIZE.to_string()));
            async move { self.get::<Paged<T>>(path, &q).await }
        };
        let first = page(1).await?;
        let pages = first.total_records.div_ceil(PAGE_SIZE);
        let mut records = first.records;
        let rest: Vec<Paged<T>> = futures::stream::iter(2..=pages)
            .map(page)
            .buffered(PAGE_CONCURRENCY)
            .try_collect()
            .await?;
        records.extend(rest.into_iter().flat_map(|p| p.records));
        Ok(records)
    }
}

fn api_key_header(service: Service, key: &Secret) -> Result<HeaderValue, String> {
    let mut value = HeaderValue::from_str(key.expose()).map_err(|_| {
        format!(
            "the {} API key contains characters that cannot be sent in an HTTP header",
            service.name()
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}

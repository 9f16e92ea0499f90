//! A collection's pages fetched ahead of their reader, by a task of their own: the next request
//! goes out the moment a slot frees. Fetched from the reader's own stream, it waited until the
//! reader, busy decoding the page before, asked again, and every page's decoding was added to
//! the walk's time.

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use futures::{Stream, StreamExt, stream::FuturesOrdered};
use hyper::body::Bytes;
use tokio::sync::{mpsc, oneshot};
use tokio_util::task::AbortOnDropHandle;

use super::client::{PAGE_CONCURRENCY, PlexClient};
use crate::backend::{Backend, BackendError};

/// The pages to fetch: from `from`, `step` rows each, up to `end`.
pub(super) struct Span {
    pub from: usize,
    pub step: usize,
    pub end: usize,
}

/// Page bodies in order. Dropping it stops the task and what it has in flight.
pub(super) struct Ahead {
    bodies: mpsc::Receiver<Result<Bytes, BackendError>>,
    _task: AbortOnDropHandle<()>,
}

impl Ahead {
    /// Starts fetching `span`. With a `gate`, only the first `PAGE_CONCURRENCY` pages go out
    /// before it yields the collection's real end (which the first page tells); dropped unsent, no
    /// more go out.
    pub fn start(
        plex: &PlexClient,
        backend: &Backend,
        path: &str,
        query: &[(&str, String)],
        span: Span,
        gate: Option<oneshot::Receiver<usize>>,
    ) -> Self {
        let (tx, bodies) = mpsc::channel(PAGE_CONCURRENCY);
        let (plex, backend, path) = (plex.clone(), backend.clone(), path.to_string());
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let task = tokio::spawn(async move {
            let query: Vec<(&str, String)> =
                query.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
            let fetch = |start, size| plex.page_body(&backend, &path, &query, start, size);
            run(fetch, span, gate, tx).await;
        });
        Ahead {
            bodies,
            _task: AbortOnDropHandle::new(task),
        }
    }
}

impl Stream for Ahead {
    type Item = Result<Bytes, BackendError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.bodies.poll_recv(cx)
    }
}

async fn run<F: Future<Output = Result<Bytes, BackendError>>>(
    fetch: impl Fn(usize, usize) -> F,
    Span {
        from: mut next,
        step,
        mut end,
    }: Span,
    mut gate: Option<oneshot::Receiver<usize>>,
    tx: mpsc::Sender<Result<Bytes, BackendError>>,
) {
    let mut pending = FuturesOrdered::new();
    let mut sent = 0;
    loop {
        while pending.len() < PAGE_CONCURRENCY
            && next < end
            && (gate.is_none() || sent < PAGE_CONCURRENCY)
        {
            pending.push_back(fetch(next, step.min(end - next)));
            next += step;
            sent += 1;
        }
        tokio::select! {
            told = async { gate.as_mut().expect("checked").await }, if gate.is_some() => {
                gate = None;
                end = told.map_or(next, |told| end.min(told));
            }
            Some(body) = pending.next() => {
                let failed = body.is_err();
                if tx.send(body).await.is_err() || failed {
                    return;
                }
            }
            else => return,
        }
    }
}

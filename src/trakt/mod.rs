//! Trakt.tv: the API client (sign-in, rate limits), its models, and the nine `trakt_*` tools.

pub mod client;
pub mod models;
pub mod tools;

/// Locks a std mutex; a panic elsewhere while it was held must not wedge the Trakt jobs.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

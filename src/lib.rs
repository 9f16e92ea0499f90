//! plex-mcp: an MCP server for a home media stack.
//!
//! Layout:
//! - backend clients, each owning its endpoints, models and errors and knowing nothing of MCP:
//!   `plex` (Plex Media Server, Discover, plex.tv), `arr` (Sonarr/Radarr), `trakt`, on the shared
//!   HTTP plumbing of `backend`;
//! - `store`: the SQLite state (Trakt sign-in, sync ledger, Plex login);
//! - `services`: domain work on clients and the store (Trakt sync, scrobbler, analytics, export);
//! - `mcp`: the server, its transports, argument types and the thin tool adapters;
//! - `cli`: the commands; `config`; `time`;
//! - `fake`: the sample stack behind `--demo` and the tests.
//!
//! Only what the binary, the tests and the benches use is public.

mod arr;
mod backend;
mod cli;
mod config;
pub mod fake;
mod mcp;
mod plex;
mod redact;
mod services;
mod store;
mod time;
mod trakt;

pub use cli::{Cli, run};

/// For maps a whole library or play log goes through: the keys come from our own backends, so
/// SipHash's defence against chosen keys buys nothing and costs a tenth of a statistics call.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// Locks a std mutex even after a panic elsewhere poisoned it: no lock here guards a change a
/// panic could leave half done, and one failed task (or test thread) must not wedge the rest.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

// Limits and helpers the tests and benches measure against.
pub use backend::{MAX_RETRIES, http_client, install_crypto_provider};
pub use config::DEFAULT_MAX_SESSIONS;
pub use plex::client::{METADATA_BATCH, PAGE_CONCURRENCY, PAGE_SIZE};
pub use services::analytics::BATCH_LOOKUP_LIMIT;
pub use store::DB_FILE;

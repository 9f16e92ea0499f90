//! plex-mcp: an MCP server for a home media stack.
//!
//! Layout: `backend` (HTTP plumbing shared by every service client), `plex` (the Plex client,
//! models and tools), `arr` (Sonarr/Radarr), `trakt` (Trakt client and tools), `store` (SQLite
//! state: the Trakt sign-in and sync ledger), `mcp` (the server and its transports), `cli` (commands), `fake` (the
//! sample stack behind `--demo` and the tests), `config`.

pub mod arr;
pub mod backend;
pub mod cli;
pub mod config;
pub mod fake;
pub mod mcp;
pub mod plex;
pub mod services;
pub mod store;
pub mod time;
pub mod trakt;

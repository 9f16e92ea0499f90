//! Trakt.tv: the API client (sign-in, rate limits), its models, and the nine `trakt_*` tools.

pub mod client;
pub mod models;
pub mod tools;

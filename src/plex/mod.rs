//! Plex Media Server and Plex Discover: client, response models and the Plex tools.

pub mod client;
pub mod models;
pub mod tools;

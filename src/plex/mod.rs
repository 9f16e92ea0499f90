//! Plex Media Server, Plex Discover and plex.tv: clients, response models and the Plex tools.

pub mod api;
pub mod client;
pub mod models;
pub mod players;

pub mod tv;

//! The background work one server runs: the Trakt sync's progress and the scrobbler. The server
//! owns the registry; dropping it stops the scrobbler, whose task holds only the clients it needs.

use super::{scrobbler::Scrobbler, sync::SyncJob};

#[derive(Default)]
pub struct Jobs {
    pub sync: SyncJob,
    pub scrobbler: Scrobbler,
}

//! Electronic signatures (see `htm_domain::signature`): written by the use cases that sign
//! (completing or closing a work order, approving a maintenance strategy) inside their own
//! transaction; read wherever the signed record prints.

use crate::StoreResult;
use async_trait::async_trait;
use htm_domain::signature::Signature;

#[async_trait]
pub trait SignatureStore: Send + Sync {
    /// The signatures of one record, oldest first.
    async fn list_signatures(&self, entity_type: &str, entity_id: &str) -> StoreResult<Vec<Signature>>;
}

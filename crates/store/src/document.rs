//! Documents attached to device models, assets and work orders (see `htm_domain::document`).
//! Content is stored in the database, once per SHA-256; document rows are never deleted, only
//! marked removed with a reason. Attach and removal are audited with the metadata and the
//! SHA-256, never the content.

use crate::{ChangeContext, StoreResult};
use async_trait::async_trait;
use htm_domain::document::{Document, DocumentEntity, NewDocument};

/// A document with its stored content, as read (unverified: the service checks the hash).
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentContent {
    pub document: Document,
    pub content: Vec<u8>,
}

#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// Attaches a document (audited). The content is stored only if no blob with its SHA-256
    /// exists yet; the bool says whether a new blob was stored.
    async fn insert_document(&self, ctx: &ChangeContext, new: &NewDocument) -> StoreResult<(Document, bool)>;
    async fn get_document(&self, id: i64) -> StoreResult<Document>;
    /// The documents of a model, asset or work order, oldest first (at most 500); removed ones
    /// only with `include_removed`.
    async fn list_documents(&self, entity: DocumentEntity, include_removed: bool) -> StoreResult<Vec<Document>>;
    /// A document with its content.
    async fn document_content(&self, id: i64) -> StoreResult<DocumentContent>;
    /// Marks a document removed with a reason (audited); the record and the blob stay.
    async fn remove_document(&self, ctx: &ChangeContext, id: i64, reason: &str) -> StoreResult<Document>;
    /// How many blobs hold this SHA-256 (0 or 1): for tests and checks of deduplication.
    async fn document_blob_count(&self, sha256: &str) -> StoreResult<i64>;
}

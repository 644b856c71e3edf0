//! Documents (issue 4 §7): service manuals, vendor service reports, photos and certificates
//! attached to device models, assets and work orders.
//!
//! - The type is decided from the bytes (`htm_domain::document::check_upload`), the size is
//!   limited by [`crate::ServiceSettings::max_document_bytes`]; empty files are refused.
//! - Content is addressed by its SHA-256, computed here from the bytes received (and compared
//!   with the client's, when it sends one); the same content attached twice is stored once.
//! - Reading content re-computes the SHA-256 and refuses to serve bytes that no longer match.
//! - Titles and file names are scanned for things that look like patient identifiers; the
//!   scan warns, it does not block. Photos cannot be scanned.
//! - Permissions: technicians and above attach to assets and work orders; a model's documents
//!   need `ManageInventory` (engineers, managers, administrators). Whoever can read the model,
//!   asset or work order can list and download its documents. Removing needs the right to attach.

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::document::{
    self as rules, Document, DocumentEntity, DocumentKind, MediaType, NewDocument, UploadRefusal,
};
use htm_domain::phi::{self, PhiHint};
use serde::Serialize;

/// An upload as received.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    /// `service_manual`, `service_report`, `photo`, `certificate` or `other`.
    pub kind: String,
    /// Empty: the file name.
    pub title: String,
    /// The client's file name (any path is dropped).
    pub filename: String,
    pub content: Vec<u8>,
    /// The SHA-256 the client computed, if it sent one: the upload is refused if the bytes
    /// received do not match it.
    pub sha256: Option<String>,
}

/// What attaching produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attached {
    pub document: Document,
    /// True when the same content was already stored (only the new document row was added).
    pub deduplicated: bool,
    /// Passages of the title or file name that look like patient identifiers.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub warnings: Vec<PhiHint>,
}

/// A document's verified content.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentBytes {
    pub document: Document,
    pub media_type: MediaType,
    pub content: Vec<u8>,
}

impl Services {
    /// Refuses `p` unless they may read `entity` (not found if it does not exist or they may not see it).
    async fn check_document_read(&self, p: &Principal, entity: DocumentEntity) -> ServiceResult<()> {
        match entity {
            DocumentEntity::Model(m) => {
                self.get_model(p, m).await?;
            }
            DocumentEntity::Asset(a) => {
                self.get_asset(p, a).await?;
            }
            DocumentEntity::WorkOrder(w) => {
                self.get_work_order(p, w).await?;
            }
        }
        Ok(())
    }

    /// Whether `p` may attach documents to this kind of entity (the UI offers the form only then).
    pub fn can_attach_documents(&self, p: &Principal, entity: DocumentEntity) -> bool {
        match entity {
            DocumentEntity::Model(_) => p.can(Action::ManageInventory),
            DocumentEntity::Asset(_) | DocumentEntity::WorkOrder(_) => p.can(Action::AttachDocuments),
        }
    }

    async fn check_document_write(&self, p: &Principal, entity: DocumentEntity) -> ServiceResult<()> {
        match entity {
            DocumentEntity::Model(_) => p.require(Action::ManageInventory)?,
            DocumentEntity::Asset(_) | DocumentEntity::WorkOrder(_) => p.require(Action::AttachDocuments)?,
        }
        self.check_document_read(p, entity).await
    }

    /// Attaches a document to a model, asset or work order (audited with its metadata and SHA-256).
    pub async fn attach_document(&self, p: &Principal, entity: DocumentEntity, up: Upload) -> ServiceResult<Attached> {
        self.check_document_write(p, entity).await?;
        let kind = DocumentKind::parse(&up.kind)?;
        let filename = rules::clean_filename(&up.filename);
        let title = rules::clean_title(&up.title, &filename)?;
        let media_type =
            rules::check_upload(&up.content, &filename, self.settings.max_document_bytes).map_err(refusal_error)?;
        let sha256 = rules::sha256_hex(&up.content);
        if let Some(claimed) = up.sha256.as_deref().map(str::trim).filter(|s| !s.is_empty())
            && !claimed.eq_ignore_ascii_case(&sha256)
        {
            return Err(ServiceError::invalid(
                "sha256",
                format!(
                    "the file received has SHA-256 {sha256}, not {claimed}: it was damaged on the way; upload it again"
                ),
            ));
        }
        let mut warnings = phi::scan(&title);
        if title != filename {
            warnings.extend(phi::scan(&filename));
        }
        let new = NewDocument { entity, kind, title, filename, sha256, media_type, content: up.content };
        let (document, stored) = self.store.insert_document(&self.ctx(p, None), &new).await?;
        Ok(Attached { document, deduplicated: !stored, warnings })
    }

    /// The documents of a model, asset or work order (removed ones only with `include_removed`).
    pub async fn list_documents(
        &self,
        p: &Principal,
        entity: DocumentEntity,
        include_removed: bool,
    ) -> ServiceResult<Vec<Document>> {
        self.check_document_read(p, entity).await?;
        Ok(self.store.list_documents(entity, include_removed).await?)
    }

    /// One document's metadata.
    pub async fn get_document(&self, p: &Principal, id: i64) -> ServiceResult<Document> {
        let d = self.store.get_document(id).await?;
        self.check_document_read(p, d.entity()?).await?;
        Ok(d)
    }

    /// A document's content, after checking that it still has the SHA-256 recorded when it was
    /// attached; content that does not is refused ([`ServiceError::Integrity`]) and logged.
    pub async fn document_content(&self, p: &Principal, id: i64) -> ServiceResult<DocumentBytes> {
        let d = self.store.get_document(id).await?;
        self.check_document_read(p, d.entity()?).await?;
        let c = self.store.document_content(id).await?;
        let actual = rules::sha256_hex(&c.content);
        if actual != c.document.sha256 {
            tracing::error!(document = id, expected = %c.document.sha256, %actual, "document content does not match its SHA-256");
            return Err(ServiceError::Integrity(format!(
                "the stored content of document {id} does not match its recorded SHA-256 ({}): it has been altered or damaged and is not served; restore it from a backup",
                c.document.sha256
            )));
        }
        let media_type = MediaType::parse(&c.document.media_type).ok_or_else(|| {
            ServiceError::Integrity(format!(
                "document {id} has media type '{}', which is not one OpenHTM serves",
                c.document.media_type
            ))
        })?;
        Ok(DocumentBytes { document: c.document, media_type, content: c.content })
    }

    /// Marks a document removed, with a reason (audited). Nothing is deleted: the record and the
    /// content stay, and the document still shows in lists that include removed ones.
    pub async fn remove_document(&self, p: &Principal, id: i64, reason: &str) -> ServiceResult<Document> {
        let d = self.store.get_document(id).await?;
        self.check_document_write(p, d.entity()?).await?;
        let reason = rules::clean_reason(reason)?;
        Ok(self.store.remove_document(&self.ctx(p, Some(reason.clone())), id, &reason).await?)
    }
}

fn refusal_error(r: UploadRefusal) -> ServiceError {
    let msg = r.to_string();
    match r {
        UploadRefusal::Empty => ServiceError::invalid("file", msg),
        UploadRefusal::TooLarge { .. } => ServiceError::TooLarge(msg),
        UploadRefusal::Unsupported { .. } => ServiceError::UnsupportedType(msg),
    }
}

// Documents: `include!`d by sqlite.rs and postgres.rs after common.rs.

mod document_impl {
    use super::*;
    use crate::{DocumentContent, DocumentStore};
    use htm_domain::document::{Document, DocumentEntity, DocumentKind, NewDocument};

    fn document_from(r: &DbRow) -> Result<Document, sqlx::Error> {
        Ok(Document {
            id: r.try_get("id")?,
            entity_type: r.try_get("entity_type")?,
            entity_id: r.try_get("entity_id")?,
            kind: get_enum(r, "kind", DocumentKind::parse)?,
            title: r.try_get("title")?,
            filename: r.try_get("filename")?,
            sha256: r.try_get("sha256")?,
            media_type: r.try_get("media_type")?,
            size_bytes: r.try_get("size_bytes")?,
            uploaded_by: r.try_get("uploaded_by")?,
            uploaded_at: get_ts(r, "uploaded_at")?,
            removed_by: r.try_get("removed_by")?,
            removed_at: get_ots(r, "removed_at")?,
            removed_reason: r.try_get("removed_reason")?,
        })
    }

    async fn fetch_document(conn: &mut DbConn, id: i64) -> StoreResult<Document> {
        let r = sqlx::query("SELECT * FROM documents WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
        match r {
            Some(r) => Ok(document_from(&r)?),
            None => Err(StoreError::NotFound(format!("document {id}"))),
        }
    }

    #[async_trait]
    impl DocumentStore for Impl {
        async fn insert_document(&self, ctx: &ChangeContext, n: &NewDocument) -> StoreResult<(Document, bool)> {
            let mut tx = begin_write(&self.pool).await?;
            let (table, field) = match n.entity {
                DocumentEntity::Model(_) => ("device_models", "model_id"),
                DocumentEntity::Asset(_) => ("assets", "asset_id"),
                DocumentEntity::WorkOrder(_) => ("work_orders", "work_order_id"),
            };
            must_exist(&mut tx, table, n.entity.id(), field).await?;
            let size = i64::try_from(n.content.len()).map_err(|_| invalid("file", "too large"))?;
            let stored = sqlx::query(
                "INSERT INTO document_blobs (sha256, size_bytes, media_type, content) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (sha256) DO NOTHING",
            )
            .bind(&n.sha256)
            .bind(size)
            .bind(n.media_type.as_str())
            .bind(n.content.as_slice())
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            let r = sqlx::query(
                "INSERT INTO documents (entity_type, entity_id, kind, title, filename, sha256, media_type, size_bytes, \
                 uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *",
            )
            .bind(n.entity.entity_type())
            .bind(n.entity.id())
            .bind(n.kind.as_str())
            .bind(&n.title)
            .bind(&n.filename)
            .bind(&n.sha256)
            .bind(n.media_type.as_str())
            .bind(size)
            .bind(&ctx.actor)
            .bind(t(ctx.at))
            .fetch_one(&mut *tx)
            .await?;
            let d = document_from(&r)?;
            append_audit(&mut tx, ctx, "create", "document", d.id.to_string(), None, Some(snapshot(&d))).await?;
            tx.commit().await?;
            Ok((d, stored))
        }

        async fn get_document(&self, id: i64) -> StoreResult<Document> {
            let mut c = self.pool.acquire().await?;
            fetch_document(&mut c, id).await
        }

        async fn list_documents(&self, entity: DocumentEntity, include_removed: bool) -> StoreResult<Vec<Document>> {
            let rows = sqlx::query(
                "SELECT * FROM documents WHERE entity_type = $1 AND entity_id = $2 AND ($3 OR removed_at IS NULL) \
                 ORDER BY id LIMIT 500",
            )
            .bind(entity.entity_type())
            .bind(entity.id())
            .bind(include_removed)
            .fetch_all(&self.pool)
            .await?;
            Ok(rows.iter().map(document_from).collect::<Result<_, _>>()?)
        }

        async fn document_content(&self, id: i64) -> StoreResult<DocumentContent> {
            let mut c = self.pool.acquire().await?;
            let document = fetch_document(&mut c, id).await?;
            let r = sqlx::query("SELECT content FROM document_blobs WHERE sha256 = $1")
                .bind(&document.sha256)
                .fetch_optional(&mut *c)
                .await?;
            let content: Vec<u8> = match r {
                Some(r) => r.try_get("content")?,
                None => return Err(StoreError::NotFound(format!("content of document {id}"))),
            };
            Ok(DocumentContent { document, content })
        }

        async fn remove_document(&self, ctx: &ChangeContext, id: i64, reason: &str) -> StoreResult<Document> {
            let mut tx = begin_write(&self.pool).await?;
            let before = fetch_document(&mut tx, id).await?;
            if before.is_removed() {
                return Err(StoreError::Conflict {
                    field: "id".into(),
                    message: format!("document {id} is already removed"),
                });
            }
            let r = sqlx::query(
                "UPDATE documents SET removed_by = $1, removed_at = $2, removed_reason = $3 \
                 WHERE id = $4 AND removed_at IS NULL RETURNING *",
            )
            .bind(&ctx.actor)
            .bind(t(ctx.at))
            .bind(reason)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(r) = r else { return Err(StoreError::Stale(format!("document {id} changed meanwhile"))) };
            let after = document_from(&r)?;
            append_audit(
                &mut tx,
                ctx,
                "remove",
                "document",
                id.to_string(),
                Some(snapshot(&before)),
                Some(snapshot(&after)),
            )
            .await?;
            tx.commit().await?;
            Ok(after)
        }

        async fn document_blob_count(&self, sha256: &str) -> StoreResult<i64> {
            Ok(sqlx::query("SELECT COUNT(*) AS n FROM document_blobs WHERE sha256 = $1")
                .bind(sha256)
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?)
        }
    }
}

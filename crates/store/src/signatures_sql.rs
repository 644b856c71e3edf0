// Electronic signatures: `include!`d by sqlite.rs and postgres.rs after common.rs. The free
// functions are used by every area that signs, in its own transaction.

fn signature_from(r: &DbRow) -> Result<htm_domain::signature::Signature, sqlx::Error> {
    let meaning: String = r.try_get("meaning")?;
    Ok(htm_domain::signature::Signature {
        id: r.try_get("id")?,
        entity_type: r.try_get("entity_type")?,
        entity_id: r.try_get("entity_id")?,
        meaning: htm_domain::signature::SignatureMeaning::parse(&meaning)
            .map_err(|_| sqlx::Error::ColumnNotFound("meaning".into()))?,
        action: r.try_get("action")?,
        signer_id: UserId(r.try_get("signer_id")?),
        signer_username: r.try_get("signer_username")?,
        signer_name: r.try_get("signer_name")?,
        signed_at: get_ts(r, "signed_at")?,
        content_hash: r.try_get("content_hash")?,
        audit_seq: r.try_get("audit_seq")?,
    })
}

/// Signs the change just recorded: call it right after the `append_audit` whose `after` is
/// `content_json`, in the same transaction. The signer is the context's user; the signature is
/// bound to that audit event and to the SHA-256 of `content_json`, and recorded by a `sign` event.
async fn insert_signature(
    conn: &mut DbConn,
    ctx: &ChangeContext,
    entity_type: &str,
    entity_id: String,
    meaning: htm_domain::signature::SignatureMeaning,
    action: &str,
    content_json: &str,
) -> StoreResult<htm_domain::signature::Signature> {
    let Some(signer) = ctx.actor_id else {
        return Err(StoreError::Domain(htm_domain::DomainError::field(
            "password",
            "only a person can sign: the system account has no signature",
        )));
    };
    // The event just appended in this transaction is the head of the chain.
    let head = sqlx::query(
        "SELECT e.seq, e.entity_type, e.entity_id, e.after_json FROM audit_head h JOIN audit_events e ON e.seq = h.seq WHERE h.id = 1",
    )
    .fetch_one(&mut *conn)
    .await?;
    let (seq, et, eid, after): (i64, String, String, Option<String>) =
        (head.try_get("seq")?, head.try_get("entity_type")?, head.try_get("entity_id")?, head.try_get("after_json")?);
    if et != entity_type || eid != entity_id || after.as_deref() != Some(content_json) {
        return Err(StoreError::Domain(htm_domain::DomainError::field(
            "signature",
            format!("internal: the last audit event ({et} {eid}) is not the signed change of {entity_type} {entity_id}"),
        )));
    }
    let user = sqlx::query("SELECT username, display_name FROM users WHERE id = $1")
        .bind(signer.0)
        .fetch_one(&mut *conn)
        .await?;
    let r = sqlx::query(
        "INSERT INTO signatures (entity_type, entity_id, meaning, action, signer_id, signer_username, signer_name, signed_at, content_hash, audit_seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *",
    )
    .bind(entity_type)
    .bind(&entity_id)
    .bind(meaning.as_str())
    .bind(action)
    .bind(signer.0)
    .bind(user.try_get::<String, _>("username")?)
    .bind(user.try_get::<String, _>("display_name")?)
    .bind(t(ctx.at))
    .bind(htm_domain::signature::content_hash(content_json))
    .bind(seq)
    .fetch_one(&mut *conn)
    .await?;
    let sig = signature_from(&r)?;
    append_audit(conn, ctx, "sign", "signature", sig.id.to_string(), None, Some(snapshot(&sig))).await?;
    Ok(sig)
}

/// Completing a work order is signed with the meaning *responsibility*, closing it with
/// *approval*, by the person in `ctx` (the service has checked their password); other moves and
/// system changes are not signed. Call right after the transition's `append_audit`.
async fn sign_work_order_change(
    conn: &mut DbConn,
    ctx: &ChangeContext,
    before: &WorkOrder,
    after: &WorkOrder,
    content: &str,
) -> StoreResult<()> {
    use htm_domain::signature::SignatureMeaning;
    let meaning = match after.status {
        s if s == before.status || ctx.actor_id.is_none() => return Ok(()),
        WorkOrderStatus::Completed => SignatureMeaning::Responsibility,
        WorkOrderStatus::Closed => SignatureMeaning::Approval,
        _ => return Ok(()),
    };
    insert_signature(conn, ctx, "work_order", after.id.to_string(), meaning, after.status.as_str(), content).await?;
    Ok(())
}

/// The actions whose `after` is the whole record (others record a part of it, e.g. `pm_record`).
const FULL_SNAPSHOT_ACTIONS: &str = "('create', 'update', 'transition')";

/// The canonical snapshot of a signed record as it is now, for the record types that are signed
/// (None: a type this store cannot read back, or the record is gone).
async fn signed_record_snapshot(conn: &mut DbConn, entity_type: &str, entity_id: &str) -> StoreResult<Option<String>> {
    let Ok(id) = entity_id.parse::<i64>() else { return Ok(None) };
    Ok(match entity_type {
        "work_order" => Some(snapshot(&fetch_work_order(conn, WorkOrderId(id)).await?)),
        "maintenance_strategy" => Some(snapshot(&fetch_maintenance_strategy(conn, id).await?)),
        _ => None,
    })
}

/// Checks every signature against the audit trail (after the chain itself verified): the row
/// equals what its `sign` event recorded, the event it names recorded the signed record with
/// that content hash, and each signed record still equals its last audited state.
async fn verify_signatures(conn: &mut DbConn) -> StoreResult<Result<(), htm_domain::signature::SignatureBreak>> {
    use htm_domain::signature::{SignatureBreak, check_binding};
    let mut after_id = 0i64;
    let mut records: Vec<(String, String)> = Vec::new();
    loop {
        let rows = sqlx::query("SELECT * FROM signatures WHERE id > $1 ORDER BY id LIMIT 500")
            .bind(after_id)
            .fetch_all(&mut *conn)
            .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let sig = signature_from(r)?;
            after_id = sig.id;
            let sign_event = sqlx::query(
                "SELECT after_json FROM audit_events WHERE entity_type = 'signature' AND entity_id = $1 AND action = 'sign' ORDER BY seq LIMIT 1",
            )
            .bind(sig.id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
            let sign_after: Option<String> = match &sign_event {
                Some(e) => e.try_get("after_json")?,
                None => None,
            };
            let signed = sqlx::query("SELECT entity_type, entity_id, after_json FROM audit_events WHERE seq = $1")
                .bind(sig.audit_seq)
                .fetch_optional(&mut *conn)
                .await?;
            let signed: Option<(String, String, Option<String>)> = match &signed {
                Some(e) => Some((e.try_get("entity_type")?, e.try_get("entity_id")?, e.try_get("after_json")?)),
                None => None,
            };
            let bound = check_binding(
                &sig,
                sign_after.as_deref(),
                signed.as_ref().map(|(t, i, a)| (t.as_str(), i.as_str(), a.as_deref())),
            );
            if let Err(b) = bound {
                return Ok(Err(b));
            }
            records.push((sig.entity_type, sig.entity_id));
        }
    }
    records.sort();
    records.dedup();
    for (entity_type, entity_id) in records {
        let Some(now) = signed_record_snapshot(conn, &entity_type, &entity_id).await? else { continue };
        let sql = format!(
            "SELECT after_json FROM audit_events WHERE entity_type = $1 AND entity_id = $2 AND action IN {FULL_SNAPSHOT_ACTIONS} \
             ORDER BY seq DESC LIMIT 1"
        );
        let last = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&entity_type)
        .bind(&entity_id)
        .fetch_optional(&mut *conn)
        .await?;
        let last: Option<String> = match &last {
            Some(r) => r.try_get("after_json")?,
            None => None,
        };
        if last.as_deref() != Some(now.as_str()) {
            return Ok(Err(SignatureBreak::RecordEdited { entity: format!("{} {}", entity_type.replace('_', " "), entity_id) }));
        }
    }
    Ok(Ok(()))
}

mod signatures_impl {
    use super::*;
    use crate::SignatureStore;

    #[async_trait]
    impl SignatureStore for Impl {
        async fn list_signatures(
            &self,
            entity_type: &str,
            entity_id: &str,
        ) -> StoreResult<Vec<htm_domain::signature::Signature>> {
            let mut c = self.pool.acquire().await?;
            let rows = sqlx::query("SELECT * FROM signatures WHERE entity_type = $1 AND entity_id = $2 ORDER BY id")
                .bind(entity_type)
                .bind(entity_id)
                .fetch_all(&mut *c)
                .await?;
            Ok(rows.iter().map(signature_from).collect::<Result<_, _>>()?)
        }
    }
}

// Technician qualifications (REFERENCE §10), `include!`d after `common.rs` by `sqlite.rs` and
// `postgres.rs`, so the helpers there (`append_audit`, `t`, `od`, `get_enum`, …) are in scope.

use htm_domain::qualification::{
    self as qualification_rules, Certification, NewQualification, Qualification, QualificationPolicy,
    QualificationRequirement,
};

const QUALIFICATION_SELECT: &str = "SELECT q.*, f.name AS q_manufacturer, m.model_number AS q_model_number, \
     m.name AS q_model_name FROM technician_qualifications q LEFT JOIN device_models m ON m.id = q.model_id \
     LEFT JOIN manufacturers f ON f.id = m.manufacturer_id";

fn qualification_from(r: &DbRow) -> Result<Qualification, sqlx::Error> {
    let model_id: Option<i64> = r.try_get("model_id")?;
    let model_label = match (
        r.try_get::<Option<String>, _>("q_manufacturer")?,
        r.try_get::<Option<String>, _>("q_model_number")?,
        r.try_get::<Option<String>, _>("q_model_name")?,
    ) {
        (Some(f), Some(n), Some(name)) => Some(format!("{f} {n} – {name}")),
        _ => None,
    };
    Ok(Qualification {
        id: r.try_get("id")?,
        user_id: UserId(r.try_get("user_id")?),
        certification: get_oenum(r, "certification", Certification::parse)?,
        model_id: model_id.map(ModelId),
        model_label,
        reference: r.try_get("reference")?,
        issuer: r.try_get("issuer")?,
        issued_on: get_od(r, "issued_on")?,
        expires_on: get_od(r, "expires_on")?,
        revoked_at: get_ots(r, "revoked_at")?,
        revoked_reason: r.try_get("revoked_reason")?,
        created_at: get_ts(r, "created_at")?,
    })
}

/// A procedure row's requirement columns.
fn procedure_requirement_from(r: &DbRow) -> Result<QualificationRequirement, sqlx::Error> {
    Ok(QualificationRequirement {
        certification: get_oenum(r, "required_certification", Certification::parse)?,
        model_training: r.try_get("requires_model_training")?,
    })
}

/// Stores a procedure version's requirement (inside the caller's transaction).
async fn write_procedure_requirement(conn: &mut DbConn, id: i64, req: &QualificationRequirement) -> StoreResult<()> {
    sqlx::query("UPDATE pm_procedures SET required_certification = $1, requires_model_training = $2 WHERE id = $3")
        .bind(req.certification.map(|c| c.as_str()))
        .bind(req.model_training)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn fetch_qualifications(conn: &mut DbConn, users: &[UserId]) -> StoreResult<Vec<Qualification>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(QUALIFICATION_SELECT);
    qb.push(" WHERE q.user_id IN (");
    let mut sep = qb.separated(", ");
    for u in users.iter().take(1000) {
        sep.push_bind(u.0);
    }
    qb.push(") ORDER BY q.user_id, q.id DESC LIMIT 5000");
    let rows = qb.build().fetch_all(&mut *conn).await?;
    Ok(rows.iter().map(qualification_from).collect::<Result<_, _>>()?)
}

async fn fetch_qualification(conn: &mut DbConn, user: UserId, id: i64) -> StoreResult<Qualification> {
    let sql = format!("{QUALIFICATION_SELECT} WHERE q.id = $1 AND q.user_id = $2");
    match sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(user.0).fetch_optional(&mut *conn).await? {
        Some(r) => Ok(qualification_from(&r)?),
        None => Err(StoreError::NotFound(format!("qualification {id} of user {user}"))),
    }
}

/// The qualification policy of the site an asset belongs to (asset → department → building → site).
async fn asset_site_policy(conn: &mut DbConn, asset: AssetId) -> StoreResult<QualificationPolicy> {
    let r = sqlx::query(
        "SELECT s.qualification_policy FROM assets a JOIN departments d ON d.id = a.department_id \
         JOIN buildings b ON b.id = d.building_id JOIN sites s ON s.id = b.site_id WHERE a.id = $1",
    )
    .bind(asset.0)
    .fetch_optional(&mut *conn)
    .await?;
    match r {
        Some(r) => Ok(get_enum(&r, "qualification_policy", QualificationPolicy::parse)?),
        None => Err(StoreError::NotFound(format!("asset {asset}"))),
    }
}

/// Enforces procedure `procedure_id`'s qualification requirement on work order `wo` being
/// recorded or completed by `ctx.actor_id` today (UTC), inside the caller's transaction:
/// - nothing required, or no acting user (the command-line system operator): nothing to do;
/// - the technician holds what is required, valid today: nothing to do;
/// - otherwise, at a site whose policy is `refuse`: [`DomainError::Unqualified`] naming the
///   technician, what is missing and when what they had expired;
/// - at a site whose policy is `flag`: the work order's `qualification_flag` is set to that text
///   (audited as `qualification_flag` on the work order) and the work goes on.
async fn qualification_gate(
    conn: &mut DbConn,
    ctx: &ChangeContext,
    wo: &WorkOrder,
    procedure_id: i64,
) -> StoreResult<()> {
    let Some(technician) = ctx.actor_id else { return Ok(()) };
    let Some(asset_id) = wo.asset_id else { return Ok(()) };
    let row = sqlx::query(
        "SELECT code, version, required_certification, requires_model_training FROM pm_procedures WHERE id = $1",
    )
    .bind(procedure_id)
    .fetch_one(&mut *conn)
    .await?;
    let requirement = procedure_requirement_from(&row)?;
    if requirement.is_none() {
        return Ok(());
    }
    let (code, version): (String, i64) = (row.try_get("code")?, row.try_get("version")?);
    let asset = fetch_asset(conn, asset_id).await?;
    let quals = fetch_qualifications(conn, &[technician]).await?;
    let today = ctx.at.to_zoned(jiff::tz::TimeZone::UTC).date();
    let Err(missing) = qualification_rules::check(&requirement, &quals, asset.model.id, today) else { return Ok(()) };
    let user = fetch_user(conn, technician).await?;
    let model = format!("{} {}", asset.model.manufacturer, asset.model.model_number);
    let text = format!(
        "{} (procedure {code} v{version} on {} {})",
        missing.describe(&format!("{} ({})", user.display_name, user.username), &model),
        wo.number,
        asset.asset_tag
    );
    match asset_site_policy(conn, asset_id).await? {
        QualificationPolicy::Refuse => Err(StoreError::Domain(DomainError::Unqualified(text))),
        QualificationPolicy::Flag => {
            let before: Option<String> = sqlx::query("SELECT qualification_flag FROM work_orders WHERE id = $1")
                .bind(wo.id.0)
                .fetch_one(&mut *conn)
                .await?
                .try_get("qualification_flag")?;
            if before.as_deref() == Some(text.as_str()) {
                return Ok(());
            }
            sqlx::query("UPDATE work_orders SET qualification_flag = $1 WHERE id = $2")
                .bind(&text)
                .bind(wo.id.0)
                .execute(&mut *conn)
                .await?;
            append_audit(
                conn,
                ctx,
                "qualification_flag",
                "work_order",
                wo.id.to_string(),
                Some(snapshot(&serde_json::json!({ "qualification_flag": before }))),
                Some(snapshot(&serde_json::json!({ "qualification_flag": text, "missing": missing }))),
            )
            .await
        }
    }
}

/// [`qualification_gate`] for a work order being completed through its workflow: applies when a
/// procedure has been recorded on it.
async fn qualification_gate_on_completion(conn: &mut DbConn, ctx: &ChangeContext, wo: &WorkOrder) -> StoreResult<()> {
    let procedure_id: Option<i64> = sqlx::query("SELECT procedure_id FROM work_orders WHERE id = $1")
        .bind(wo.id.0)
        .fetch_one(&mut *conn)
        .await?
        .try_get("procedure_id")?;
    match procedure_id {
        Some(p) => qualification_gate(conn, ctx, wo, p).await,
        None => Ok(()),
    }
}

/// Seeds a dataset's qualifications and procedure requirements (called by `seed_all`), pushing
/// one `create` event per qualification and one `requirement` event per procedure with one.
async fn seed_qualifications(
    conn: &mut DbConn,
    d: &Dataset,
    events: &mut Vec<(String, String, String)>,
) -> StoreResult<()> {
    for p in d.procedures.iter().filter(|p| !p.requirement.is_none()) {
        write_procedure_requirement(conn, p.id, &p.requirement).await?;
    }
    for q in &d.qualifications {
        let id: i64 = sqlx::query(
            "INSERT INTO technician_qualifications (user_id, certification, model_id, reference, issuer, issued_on, \
             expires_on, revoked_at, revoked_reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(q.user_id.0)
        .bind(q.certification.map(|c| c.as_str()))
        .bind(q.model_id.map(|m| m.0))
        .bind(&q.reference)
        .bind(&q.issuer)
        .bind(od(q.issued_on))
        .bind(od(q.expires_on))
        .bind(ot(q.revoked_at))
        .bind(&q.revoked_reason)
        .bind(t(q.created_at))
        .fetch_one(&mut *conn)
        .await
        .map_err(map_db_err)?
        .try_get("id")?;
        events.push(("qualification".into(), id.to_string(), snapshot(&Qualification { id, ..q.clone() })));
    }
    Ok(())
}

#[async_trait]
impl crate::QualificationStore for Impl {
    async fn list_qualifications(&self, user: UserId) -> StoreResult<Vec<Qualification>> {
        let mut c = self.pool.acquire().await?;
        fetch_user(&mut c, user).await?;
        fetch_qualifications(&mut c, &[user]).await
    }

    async fn list_qualifications_of(&self, users: &[UserId]) -> StoreResult<Vec<Qualification>> {
        let mut c = self.pool.acquire().await?;
        fetch_qualifications(&mut c, users).await
    }

    async fn add_qualification(
        &self,
        ctx: &ChangeContext,
        user: UserId,
        n: &NewQualification,
    ) -> StoreResult<Qualification> {
        let mut tx = begin_write(&self.pool).await?;
        fetch_user(&mut tx, user).await?;
        if let Some(m) = n.model_id {
            must_exist(&mut tx, "device_models", m.0, "model_id").await?;
        }
        let id: i64 = sqlx::query(
            "INSERT INTO technician_qualifications (user_id, certification, model_id, reference, issuer, issued_on, \
             expires_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(user.0)
        .bind(n.certification.map(|c| c.as_str()))
        .bind(n.model_id.map(|m| m.0))
        .bind(&n.reference)
        .bind(&n.issuer)
        .bind(od(n.issued_on))
        .bind(od(n.expires_on))
        .bind(t(ctx.at))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_db_err)?
        .try_get("id")?;
        let q = fetch_qualification(&mut tx, user, id).await?;
        append_audit(&mut tx, ctx, "create", "qualification", id.to_string(), None, Some(snapshot(&q))).await?;
        tx.commit().await?;
        Ok(q)
    }

    async fn revoke_qualification(
        &self,
        ctx: &ChangeContext,
        user: UserId,
        id: i64,
        reason: &str,
    ) -> StoreResult<Qualification> {
        let mut tx = begin_write(&self.pool).await?;
        let before = fetch_qualification(&mut tx, user, id).await?;
        if let Some(at) = before.revoked_at {
            return Err(StoreError::Conflict {
                field: "revoked_at".into(),
                message: format!("{} of user {user} was already revoked at {at}", before.title()),
            });
        }
        let done = sqlx::query(
            "UPDATE technician_qualifications SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL",
        )
        .bind(t(ctx.at))
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Stale(format!("qualification {id} changed meanwhile; read it again")));
        }
        let after = fetch_qualification(&mut tx, user, id).await?;
        let ctx = ctx.with_reason(Some(reason.to_string()));
        append_audit(
            &mut tx,
            &ctx,
            "revoke",
            "qualification",
            id.to_string(),
            Some(snapshot(&before)),
            Some(snapshot(&after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn get_qualification_policy(&self, site: SiteId) -> StoreResult<QualificationPolicy> {
        let r = sqlx::query("SELECT qualification_policy FROM sites WHERE id = $1")
            .bind(site.0)
            .fetch_optional(&self.pool)
            .await?;
        match r {
            Some(r) => Ok(get_enum(&r, "qualification_policy", QualificationPolicy::parse)?),
            None => Err(StoreError::NotFound(format!("site {site}"))),
        }
    }

    async fn set_qualification_policy(
        &self,
        ctx: &ChangeContext,
        site: SiteId,
        policy: QualificationPolicy,
    ) -> StoreResult<QualificationPolicy> {
        let mut tx = begin_write(&self.pool).await?;
        let Some(r) = sqlx::query("SELECT qualification_policy FROM sites WHERE id = $1")
            .bind(site.0)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Err(StoreError::NotFound(format!("site {site}")));
        };
        let before = get_enum(&r, "qualification_policy", QualificationPolicy::parse)?;
        if before != policy {
            sqlx::query(
                "UPDATE sites SET qualification_policy = $1, version = version + 1, updated_at = $2 WHERE id = $3",
            )
            .bind(policy.as_str())
            .bind(t(ctx.at))
            .bind(site.0)
            .execute(&mut *tx)
            .await?;
            append_audit(
                &mut tx,
                ctx,
                "update",
                "site",
                site.to_string(),
                Some(snapshot(&serde_json::json!({ "qualification_policy": before }))),
                Some(snapshot(&serde_json::json!({ "qualification_policy": policy }))),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(policy)
    }
}

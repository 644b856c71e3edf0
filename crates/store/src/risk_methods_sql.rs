// Weighted risk methods, their assessments and the designation record: `include!`d by sqlite.rs
// and postgres.rs after common.rs. The `record_*_designations` and `seed_designations` free
// functions are called by common.rs in the transaction that changes a flag.

/// The reason a designation records: the change's reason; at creation without one,
/// "initial inventory designation by <user>"; a change without one is refused, naming `field`.
fn designation_reason(ctx: &ChangeContext, creating: bool, field: &str) -> StoreResult<String> {
    match ctx.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => Ok(r.to_string()),
        None if creating => Ok(format!("initial inventory designation by {}", ctx.actor)),
        None => Err(invalid(
            field,
            "say why: every change of a high-risk or life-support designation records who decided, when and why",
        )),
    }
}

/// Inserts one designation row; the Fennigkoh & Smith assessment in force (the asset's own, else
/// its model's) is linked as the basis.
async fn insert_designation(
    conn: &mut DbConn,
    ctx: &ChangeContext,
    model: ModelId,
    asset: Option<AssetId>,
    designation: &str,
    designated: Option<bool>,
    reason: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO risk_designations (model_id, asset_id, designation, designated, reason, decided_by, decided_at, \
         risk_assessment_id) VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE(\
         (SELECT MAX(id) FROM risk_assessments WHERE asset_id = $8), \
         (SELECT MAX(id) FROM risk_assessments WHERE model_id = $9)))",
    )
    .bind(if asset.is_some() { None } else { Some(model.0) })
    .bind(asset.map(|a| a.0))
    .bind(designation)
    .bind(designated)
    .bind(reason)
    .bind(&ctx.actor)
    .bind(t(ctx.at))
    .bind(asset.map(|a| a.0).unwrap_or(0))
    .bind(model.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records a model's designation changes: `before = None` is a creation (flags set to true are
/// recorded); otherwise each flag that changed is recorded and needs a reason.
async fn record_model_designations(
    conn: &mut DbConn,
    ctx: &ChangeContext,
    model: ModelId,
    before: Option<(bool, bool)>,
    after: (bool, bool),
) -> StoreResult<()> {
    for (name, was, now) in
        [("high_risk", before.map(|b| b.0), after.0), ("life_support", before.map(|b| b.1), after.1)]
    {
        let changed = match was {
            None => now,
            Some(w) => w != now,
        };
        if changed {
            let reason = designation_reason(ctx, was.is_none(), name)?;
            insert_designation(conn, ctx, model, None, name, Some(now), &reason).await?;
        }
    }
    Ok(())
}

/// Records an asset's designation (override) changes: `before = None` is a creation (overrides
/// that are set are recorded); otherwise each override that changed is recorded and needs a reason.
async fn record_asset_designations(
    conn: &mut DbConn,
    ctx: &ChangeContext,
    asset: &Asset,
    before: Option<(Option<bool>, Option<bool>)>,
) -> StoreResult<()> {
    for (name, field, was, now) in [
        ("high_risk", "high_risk_override", before.map(|b| b.0), asset.high_risk_override),
        ("life_support", "life_support_override", before.map(|b| b.1), asset.life_support_override),
    ] {
        let changed = match was {
            None => now.is_some(),
            Some(w) => w != now,
        };
        if changed {
            let reason = designation_reason(ctx, was.is_none(), field)?;
            insert_designation(conn, ctx, asset.model.id, Some(asset.id), name, now, &reason).await?;
        }
    }
    Ok(())
}

type SeedDesignation = (Option<i64>, Option<i64>, &'static str, Option<bool>);

/// The designations of a seeded dataset, in bulk: one system designation per flagged model and
/// per asset override (reason "initial designation of the seeded dataset").
async fn seed_designations(conn: &mut DbConn, ctx: &ChangeContext, d: &Dataset) -> StoreResult<()> {
    let reason = match ctx.reason.as_deref() {
        Some(r) => format!("initial designation of the seeded dataset ({r})"),
        None => "initial designation of the seeded dataset".to_string(),
    };
    // (model id, asset id, designation, value)
    let mut rows: Vec<SeedDesignation> = Vec::new();
    for m in &d.models {
        if m.high_risk {
            rows.push((Some(m.id.0), None, "high_risk", Some(true)));
        }
        if m.life_support {
            rows.push((Some(m.id.0), None, "life_support", Some(true)));
        }
    }
    for a in &d.assets {
        if let Some(v) = a.fields.high_risk_override {
            rows.push((None, Some(a.id.0), "high_risk", Some(v)));
        }
        if let Some(v) = a.fields.life_support_override {
            rows.push((None, Some(a.id.0), "life_support", Some(v)));
        }
    }
    let at = t(ctx.at);
    for chunk in rows.chunks(400) {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO risk_designations (model_id, asset_id, designation, designated, reason, decided_by, decided_at) ",
        );
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(r.0)
                .push_bind(r.1)
                .push_bind(r.2)
                .push_bind(r.3)
                .push_bind(reason.clone())
                .push_bind(ctx.actor.clone())
                .push_bind(at);
        });
        qb.build().execute(&mut *conn).await.map_err(map_db_err)?;
    }
    Ok(())
}

mod risk_methods_impl {
    use super::*;
    use crate::{RiskDesignation, RiskMethodStore, RiskTarget, WeightedAssessment};
    use htm_domain::weighted_risk::{Criterion, NewWeightedMethod, WeightedBands, WeightedMethod};
    use std::collections::BTreeMap;

    fn bad(c: &str) -> sqlx::Error {
        sqlx::Error::ColumnNotFound(format!("{c} (out of range or malformed)"))
    }

    fn small<T: TryFrom<i32>>(r: &DbRow, c: &str) -> Result<T, sqlx::Error> {
        let v: i32 = r.try_get(c)?;
        T::try_from(v).map_err(|_| bad(c))
    }

    fn target_from(r: &DbRow) -> Result<RiskTarget, sqlx::Error> {
        let model: Option<i64> = r.try_get("model_id")?;
        let asset: Option<i64> = r.try_get("asset_id")?;
        match (model, asset) {
            (_, Some(a)) => Ok(RiskTarget::Asset(AssetId(a))),
            (Some(m), None) => Ok(RiskTarget::Model(ModelId(m))),
            (None, None) => Err(bad("model_id or asset_id")),
        }
    }

    fn method_from(r: &DbRow) -> Result<WeightedMethod, sqlx::Error> {
        let criteria: String = r.try_get("criteria")?;
        let criteria: Vec<Criterion> = serde_json::from_str(&criteria).map_err(|_| bad("criteria"))?;
        Ok(WeightedMethod {
            id: r.try_get("id")?,
            key: r.try_get("method_key")?,
            version: r.try_get("version")?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            criteria,
            inclusion_threshold: small(r, "inclusion_threshold")?,
            bands: WeightedBands {
                quarterly_from: small(r, "quarterly_from")?,
                semiannual_from: small(r, "semiannual_from")?,
                annual_from: small(r, "annual_from")?,
            },
            life_support_forces_high_risk: r.try_get("life_support_forces_high_risk")?,
            is_default: r.try_get("is_default")?,
            reason: r.try_get("reason")?,
            created_by: r.try_get("created_by")?,
            created_at: get_ts(r, "created_at")?,
        })
    }

    fn assessment_from(r: &DbRow) -> Result<WeightedAssessment, sqlx::Error> {
        let scores: String = r.try_get("scores")?;
        Ok(WeightedAssessment {
            id: r.try_get("id")?,
            method_id: r.try_get("method_id")?,
            method_key: r.try_get("method_key")?,
            method_version: r.try_get("method_version")?,
            target: target_from(r)?,
            scores: serde_json::from_str(&scores).map_err(|_| bad("scores"))?,
            reason: r.try_get("reason")?,
            decided_by: r.try_get("decided_by")?,
            decided_at: get_ts(r, "decided_at")?,
        })
    }

    fn designation_from(r: &DbRow) -> Result<RiskDesignation, sqlx::Error> {
        Ok(RiskDesignation {
            id: r.try_get("id")?,
            target: target_from(r)?,
            designation: r.try_get("designation")?,
            designated: r.try_get("designated")?,
            reason: r.try_get("reason")?,
            decided_by: r.try_get("decided_by")?,
            decided_at: get_ts(r, "decided_at")?,
            risk_assessment_id: r.try_get("risk_assessment_id")?,
        })
    }

    const ASSESSMENT_SELECT: &str = "SELECT w.id, w.method_id, w.model_id, w.asset_id, w.scores, w.reason, \
         w.decided_by, w.decided_at, m.method_key, m.version AS method_version \
         FROM weighted_risk_assessments w JOIN risk_methods m ON m.id = w.method_id";

    async fn fetch_method(conn: &mut DbConn, id: i64) -> StoreResult<WeightedMethod> {
        let r = sqlx::query("SELECT * FROM risk_methods WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
        match r {
            Some(r) => Ok(method_from(&r)?),
            None => Err(StoreError::NotFound(format!("risk method {id}"))),
        }
    }

    #[async_trait]
    impl RiskMethodStore for Impl {
        async fn list_risk_methods(&self) -> StoreResult<Vec<WeightedMethod>> {
            let rows = sqlx::query("SELECT * FROM risk_methods ORDER BY method_key, version DESC LIMIT 500")
                .fetch_all(&self.pool)
                .await?;
            Ok(rows.iter().map(method_from).collect::<Result<_, _>>()?)
        }

        async fn get_risk_method(&self, id: i64) -> StoreResult<WeightedMethod> {
            let mut c = self.pool.acquire().await?;
            fetch_method(&mut c, id).await
        }

        async fn latest_risk_method(&self, key: &str) -> StoreResult<Option<WeightedMethod>> {
            let r = sqlx::query("SELECT * FROM risk_methods WHERE method_key = $1 ORDER BY version DESC LIMIT 1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
            Ok(r.as_ref().map(method_from).transpose()?)
        }

        async fn insert_risk_method(&self, ctx: &ChangeContext, m: &NewWeightedMethod) -> StoreResult<WeightedMethod> {
            let mut tx = begin_write(&self.pool).await?;
            let last: Option<i32> = sqlx::query("SELECT MAX(version) AS v FROM risk_methods WHERE method_key = $1")
                .bind(&m.key)
                .fetch_one(&mut *tx)
                .await?
                .try_get("v")?;
            let before = match last {
                Some(v) => {
                    let id: i64 = sqlx::query("SELECT id FROM risk_methods WHERE method_key = $1 AND version = $2")
                        .bind(&m.key)
                        .bind(v)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("id")?;
                    Some(snapshot(&fetch_method(&mut tx, id).await?))
                }
                None => None,
            };
            let criteria = serde_json::to_string(&m.criteria).map_err(|e| invalid("criteria", e.to_string()))?;
            let r = sqlx::query(
                "INSERT INTO risk_methods (method_key, version, name, description, criteria, inclusion_threshold, \
                 quarterly_from, semiannual_from, annual_from, life_support_forces_high_risk, is_default, reason, \
                 created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, TRUE, FALSE, $10, $11, $12) \
                 RETURNING id",
            )
            .bind(&m.key)
            .bind(last.unwrap_or(0) + 1)
            .bind(&m.name)
            .bind(&m.description)
            .bind(criteria)
            .bind(i32::from(m.inclusion_threshold))
            .bind(i32::from(m.bands.quarterly_from))
            .bind(i32::from(m.bands.semiannual_from))
            .bind(i32::from(m.bands.annual_from))
            .bind(&m.reason)
            .bind(&ctx.actor)
            .bind(t(ctx.at))
            .fetch_one(&mut *tx)
            .await
            .map_err(map_db_err)?;
            let after = fetch_method(&mut tx, r.try_get("id")?).await?;
            let ctx = ctx.with_reason(Some(m.reason.clone()));
            let action = if before.is_some() { "new_version" } else { "create" };
            append_audit(&mut tx, &ctx, action, "risk_method", after.id.to_string(), before, Some(snapshot(&after)))
                .await?;
            tx.commit().await?;
            Ok(after)
        }

        async fn insert_weighted_assessment(
            &self,
            ctx: &ChangeContext,
            method_id: i64,
            target: RiskTarget,
            scores: &BTreeMap<String, i8>,
            reason: &str,
        ) -> StoreResult<WeightedAssessment> {
            let mut tx = begin_write(&self.pool).await?;
            must_exist(&mut tx, "risk_methods", method_id, "method").await?;
            let (model, asset) = match target {
                RiskTarget::Model(m) => {
                    must_exist(&mut tx, "device_models", m.0, "model_id").await?;
                    (Some(m.0), None)
                }
                RiskTarget::Asset(a) => {
                    must_exist(&mut tx, "assets", a.0, "asset_id").await?;
                    (None, Some(a.0))
                }
            };
            let scores = serde_json::to_string(scores).map_err(|e| invalid("scores", e.to_string()))?;
            let id: i64 = sqlx::query(
                "INSERT INTO weighted_risk_assessments (method_id, model_id, asset_id, scores, reason, decided_by, \
                 decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(method_id)
            .bind(model)
            .bind(asset)
            .bind(scores)
            .bind(reason)
            .bind(&ctx.actor)
            .bind(t(ctx.at))
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            let sql = format!("{ASSESSMENT_SELECT} WHERE w.id = $1");
            let r = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(&mut *tx).await?;
            let a = assessment_from(&r)?;
            append_audit(
                &mut tx,
                ctx,
                "create",
                "weighted_risk_assessment",
                a.id.to_string(),
                None,
                Some(snapshot(&a)),
            )
            .await?;
            tx.commit().await?;
            Ok(a)
        }

        async fn current_weighted_assessments(&self, asset: AssetId) -> StoreResult<Vec<WeightedAssessment>> {
            let all = self.weighted_risk_history(asset).await?;
            // Per method key: the asset's own newest, else its model's newest (the list is newest first).
            let mut by_key: BTreeMap<String, WeightedAssessment> = BTreeMap::new();
            for a in all {
                let own = matches!(a.target, RiskTarget::Asset(_));
                match by_key.get(&a.method_key) {
                    None => {
                        by_key.insert(a.method_key.clone(), a);
                    }
                    Some(kept) if own && !matches!(kept.target, RiskTarget::Asset(_)) => {
                        by_key.insert(a.method_key.clone(), a);
                    }
                    Some(_) => {}
                }
            }
            Ok(by_key.into_values().collect())
        }

        async fn weighted_risk_history(&self, asset: AssetId) -> StoreResult<Vec<WeightedAssessment>> {
            let mut c = self.pool.acquire().await?;
            let a = fetch_asset(&mut c, asset).await?;
            let sql =
                format!("{ASSESSMENT_SELECT} WHERE w.asset_id = $1 OR w.model_id = $2 ORDER BY w.id DESC LIMIT 200");
            let rows =
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(asset.0).bind(a.model.id.0).fetch_all(&mut *c).await?;
            Ok(rows.iter().map(assessment_from).collect::<Result<_, _>>()?)
        }

        async fn designation_history(&self, asset: AssetId) -> StoreResult<Vec<RiskDesignation>> {
            let mut c = self.pool.acquire().await?;
            let a = fetch_asset(&mut c, asset).await?;
            let rows = sqlx::query(
                "SELECT * FROM risk_designations WHERE asset_id = $1 OR model_id = $2 ORDER BY id DESC LIMIT 200",
            )
            .bind(asset.0)
            .bind(a.model.id.0)
            .fetch_all(&mut *c)
            .await?;
            Ok(rows.iter().map(designation_from).collect::<Result<_, _>>()?)
        }
    }
}

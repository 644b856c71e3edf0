// Risk assessments: `include!`d by sqlite.rs and postgres.rs after common.rs.

mod risk_impl {
    use super::*;
    use crate::{RiskAssessment, RiskStore, RiskTarget};
    use htm_domain::risk::FennigkohSmith;

    fn assessment_from(r: &DbRow) -> Result<RiskAssessment, sqlx::Error> {
        let model: Option<i64> = r.try_get("model_id")?;
        let asset: Option<i64> = r.try_get("asset_id")?;
        let target = match (model, asset) {
            (Some(m), _) => RiskTarget::Model(ModelId(m)),
            (None, Some(a)) => RiskTarget::Asset(AssetId(a)),
            (None, None) => return Err(sqlx::Error::ColumnNotFound("model_id or asset_id".into())),
        };
        let small = |c: &str| -> Result<i8, sqlx::Error> {
            let v: i32 = r.try_get(c)?;
            i8::try_from(v).map_err(|_| sqlx::Error::ColumnNotFound(c.into()))
        };
        Ok(RiskAssessment {
            id: r.try_get("id")?,
            target,
            factors: FennigkohSmith {
                function: small("fs_function")?,
                physical_risk: small("physical_risk")?,
                maintenance: small("maintenance")?,
            },
            reason: r.try_get("reason")?,
            decided_by: r.try_get("decided_by")?,
            decided_at: get_ts(r, "decided_at")?,
        })
    }

    #[async_trait]
    impl RiskStore for Impl {
        async fn insert_risk_assessment(
            &self,
            ctx: &ChangeContext,
            target: RiskTarget,
            factors: FennigkohSmith,
            reason: &str,
        ) -> StoreResult<RiskAssessment> {
            let mut tx = begin_write(&self.pool).await?;
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
            let r = sqlx::query(
                "INSERT INTO risk_assessments (model_id, asset_id, fs_function, physical_risk, maintenance, reason, decided_by, decided_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
            )
            .bind(model)
            .bind(asset)
            .bind(i32::from(factors.function))
            .bind(i32::from(factors.physical_risk))
            .bind(i32::from(factors.maintenance))
            .bind(reason)
            .bind(&ctx.actor)
            .bind(t(ctx.at))
            .fetch_one(&mut *tx)
            .await?;
            let a = assessment_from(&r)?;
            append_audit(&mut tx, ctx, "create", "risk_assessment", a.id.to_string(), None, Some(snapshot(&a))).await?;
            tx.commit().await?;
            Ok(a)
        }

        async fn current_risk_assessment(&self, asset: AssetId) -> StoreResult<Option<RiskAssessment>> {
            let mut c = self.pool.acquire().await?;
            let a = fetch_asset(&mut c, asset).await?;
            let own = sqlx::query("SELECT * FROM risk_assessments WHERE asset_id = $1 ORDER BY id DESC LIMIT 1")
                .bind(asset.0)
                .fetch_optional(&mut *c)
                .await?;
            let row = match own {
                Some(r) => Some(r),
                None => {
                    sqlx::query("SELECT * FROM risk_assessments WHERE model_id = $1 ORDER BY id DESC LIMIT 1")
                        .bind(a.model.id.0)
                        .fetch_optional(&mut *c)
                        .await?
                }
            };
            Ok(row.as_ref().map(assessment_from).transpose()?)
        }

        async fn risk_history(&self, asset: AssetId) -> StoreResult<Vec<RiskAssessment>> {
            let mut c = self.pool.acquire().await?;
            let a = fetch_asset(&mut c, asset).await?;
            let rows = sqlx::query(
                "SELECT * FROM risk_assessments WHERE asset_id = $1 OR model_id = $2 ORDER BY id DESC LIMIT 200",
            )
            .bind(asset.0)
            .bind(a.model.id.0)
            .fetch_all(&mut *c)
            .await?;
            Ok(rows.iter().map(assessment_from).collect::<Result<_, _>>()?)
        }

        async fn true_failures_since(&self, asset: AssetId, since: Timestamp) -> StoreResult<u32> {
            let n: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM work_orders w JOIN cause_codes c ON c.code = w.cause_code \
                 WHERE w.asset_id = $1 AND w.wo_type = 'repair' AND w.status <> 'cancelled' \
                 AND c.counts_as_failure = TRUE AND w.opened_at >= $2",
            )
            .bind(asset.0)
            .bind(t(since))
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        }
    }
}

// Finding assets by UDI: `include!`d by sqlite.rs and postgres.rs after common.rs.

mod udi_impl {
    use super::*;
    use crate::UdiStore;

    #[async_trait]
    impl UdiStore for Impl {
        async fn assets_with_udi_di(&self, di: &str, serial: Option<&str>, limit: u32) -> StoreResult<Vec<Asset>> {
            let rows = match serial {
                Some(s) => {
                    let sql = format!(
                        "{ASSET_SELECT} WHERE a.udi_di = $1 AND (lower(a.udi_serial) = $2 OR lower(a.serial_number) = $2) \
                         ORDER BY a.id LIMIT $3"
                    );
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(di)
                        .bind(s.to_lowercase())
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?
                }
                None => {
                    let sql = format!("{ASSET_SELECT} WHERE a.udi_di = $1 ORDER BY a.id LIMIT $2");
                    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(di).bind(i64::from(limit)).fetch_all(&self.pool).await?
                }
            };
            Ok(rows.iter().map(asset_from).collect::<Result<_, _>>()?)
        }

        async fn models_with_udi_di(&self, di: &str) -> StoreResult<Vec<(ModelSummary, u64)>> {
            let rows = sqlx::query(
                "SELECT m.id, m.manufacturer_id, f.name AS manufacturer_name, m.model_number, m.name, m.category, \
                 COUNT(*) AS n FROM assets a JOIN device_models m ON m.id = a.model_id \
                 JOIN manufacturers f ON f.id = m.manufacturer_id WHERE a.udi_di = $1 \
                 GROUP BY m.id, m.manufacturer_id, f.name, m.model_number, m.name, m.category ORDER BY n DESC, m.id",
            )
            .bind(di)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| -> Result<(ModelSummary, u64), sqlx::Error> {
                    let n: i64 = r.try_get("n")?;
                    Ok((
                        ModelSummary {
                            id: ModelId(r.try_get("id")?),
                            manufacturer_id: ManufacturerId(r.try_get("manufacturer_id")?),
                            manufacturer: r.try_get("manufacturer_name")?,
                            model_number: r.try_get("model_number")?,
                            name: r.try_get("name")?,
                            category: r.try_get("category")?,
                        },
                        u64::try_from(n).unwrap_or(0),
                    ))
                })
                .collect::<Result<_, _>>()
                .map_err(Into::into)
        }
    }
}

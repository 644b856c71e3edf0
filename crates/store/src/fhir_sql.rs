// The FHIR identifier search: `include!`d by sqlite.rs and postgres.rs after common.rs.

mod fhir_impl {
    use super::*;
    use crate::{FhirStore, IdentifierMatch};

    #[async_trait]
    impl FhirStore for Impl {
        async fn find_assets_by_identifier(&self, m: &IdentifierMatch, limit: u32) -> StoreResult<Vec<Asset>> {
            if m.asset_tag.is_none() && m.serial.is_none() {
                return Ok(Vec::new());
            }
            let mut qb: QueryBuilder<Db> = QueryBuilder::new(ASSET_SELECT);
            qb.push(" WHERE (1 = 0");
            if let Some(t) = &m.asset_tag {
                qb.push(" OR lower(a.asset_tag) = ").push_bind(t.trim().to_lowercase());
            }
            if let Some(s) = &m.serial {
                // The lower() form uses ix_assets_serial; the exact comparison keeps case.
                qb.push(" OR (lower(a.serial_number) = ").push_bind(s.to_lowercase());
                qb.push(" AND a.serial_number = ").push_bind(s.clone());
                if let Some(mf) = m.manufacturer_id {
                    qb.push(" AND m.manufacturer_id = ").push_bind(mf.0);
                }
                qb.push(")");
            }
            qb.push(") ORDER BY a.id LIMIT ").push_bind(i64::from(limit));
            let rows = qb.build().fetch_all(&self.pool).await?;
            Ok(rows.iter().map(asset_from).collect::<Result<Vec<_>, _>>()?)
        }
    }
}

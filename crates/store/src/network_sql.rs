// Networked devices: `include!`d by sqlite.rs and postgres.rs after common.rs.

mod network_impl {
    use super::*;
    use crate::NetworkStore;
    use htm_domain::network::{
        Authentication, CertificateExpiringRow, Connection, Encryption, MalwareProtection, ModelSecurityProfile,
        NetworkFields, NetworkProfile, Patching, RemoteService, SecurityFields, UnsupportedOsRow,
    };

    fn profile_from(r: &DbRow) -> Result<NetworkProfile, sqlx::Error> {
        Ok(NetworkProfile {
            asset_id: AssetId(r.try_get("asset_id")?),
            fields: NetworkFields {
                hostname: r.try_get("hostname")?,
                ip_addresses: r.try_get("ip_addresses")?,
                mac_addresses: r.try_get("mac_addresses")?,
                vlan: r.try_get("vlan")?,
                connection: get_enum(r, "connection", Connection::parse)?,
                os_name: r.try_get("os_name")?,
                os_version: r.try_get("os_version")?,
                software_version: r.try_get("software_version")?,
                stores_phi: r.try_get("stores_phi")?,
                transmits_phi: r.try_get("transmits_phi")?,
                remote_access: r.try_get("remote_access")?,
                remote_access_method: r.try_get("remote_access_method")?,
                cert_expires_on: get_od(r, "cert_expires_on")?,
            },
            version: r.try_get("version")?,
            updated_at: get_ts(r, "updated_at")?,
            updated_by: r.try_get("updated_by")?,
        })
    }

    fn security_from(r: &DbRow) -> Result<ModelSecurityProfile, sqlx::Error> {
        Ok(ModelSecurityProfile {
            id: r.try_get("id")?,
            model_id: ModelId(r.try_get("model_id")?),
            fields: SecurityFields {
                software_version: r.try_get("software_version")?,
                authentication: get_enum(r, "authentication", Authentication::parse)?,
                encryption_at_rest: get_enum(r, "encryption_at_rest", Encryption::parse)?,
                encryption_in_transit: get_enum(r, "encryption_in_transit", Encryption::parse)?,
                patching: get_enum(r, "patching", Patching::parse)?,
                patching_notes: r.try_get("patching_notes")?,
                malware_protection: get_enum(r, "malware_protection", MalwareProtection::parse)?,
                remote_service: get_enum(r, "remote_service", RemoteService::parse)?,
                os_name: r.try_get("os_name")?,
                os_version: r.try_get("os_version")?,
                os_end_of_support: get_od(r, "os_end_of_support")?,
            },
            version: r.try_get("version")?,
            updated_at: get_ts(r, "updated_at")?,
            updated_by: r.try_get("updated_by")?,
        })
    }

    fn required_date(r: &DbRow, c: &str) -> Result<Date, sqlx::Error> {
        get_od(r, c)?.ok_or_else(|| sqlx::Error::ColumnNotFound(c.into()))
    }

    async fn fetch_profile(conn: &mut DbConn, asset: AssetId) -> StoreResult<Option<NetworkProfile>> {
        let r = sqlx::query("SELECT * FROM asset_network_profiles WHERE asset_id = $1")
            .bind(asset.0)
            .fetch_optional(&mut *conn)
            .await?;
        Ok(r.as_ref().map(profile_from).transpose()?)
    }

    async fn fetch_security(
        conn: &mut DbConn,
        model: ModelId,
        software_version: &str,
    ) -> StoreResult<Option<ModelSecurityProfile>> {
        let r = sqlx::query("SELECT * FROM model_security_profiles WHERE model_id = $1 AND software_version = $2")
            .bind(model.0)
            .bind(software_version)
            .fetch_optional(&mut *conn)
            .await?;
        Ok(r.as_ref().map(security_from).transpose()?)
    }

    /// The version rule shared by both upserts: creating needs no version and no existing row;
    /// updating needs the version of the existing row.
    fn check_version(what: &str, id: &str, current: Option<i64>, read: Option<i64>) -> StoreResult<()> {
        match (current, read) {
            (None, None) => Ok(()),
            (None, Some(_)) => Err(StoreError::NotFound(format!("{what} {id}"))),
            (Some(c), None) => Err(StoreError::Stale(format!(
                "{what} {id} already exists (version {c}); reload and edit it with its version"
            ))),
            (Some(c), Some(r)) if c != r => Err(stale(what, id, r, c)),
            _ => Ok(()),
        }
    }

    #[async_trait]
    impl NetworkStore for Impl {
        async fn upsert_network_profile(
            &self,
            ctx: &ChangeContext,
            asset: AssetId,
            f: &NetworkFields,
            read_version: Option<i64>,
        ) -> StoreResult<NetworkProfile> {
            let mut tx = begin_write(&self.pool).await?;
            if sqlx::query("SELECT 1 AS one FROM assets WHERE id = $1")
                .bind(asset.0)
                .fetch_optional(&mut *tx)
                .await?
                .is_none()
            {
                return Err(StoreError::NotFound(format!("asset {asset}")));
            }
            let before = fetch_profile(&mut tx, asset).await?;
            check_version(
                "network profile of asset",
                &asset.to_string(),
                before.as_ref().map(|b| b.version),
                read_version,
            )?;
            let sql = if before.is_some() {
                "UPDATE asset_network_profiles SET hostname = $2, ip_addresses = $3, mac_addresses = $4, vlan = $5, \
                 connection = $6, os_name = $7, os_version = $8, software_version = $9, stores_phi = $10, \
                 transmits_phi = $11, remote_access = $12, remote_access_method = $13, cert_expires_on = $14, \
                 version = version + 1, updated_at = $15, updated_by = $16 WHERE asset_id = $1 RETURNING *"
            } else {
                "INSERT INTO asset_network_profiles (asset_id, hostname, ip_addresses, mac_addresses, vlan, connection, \
                 os_name, os_version, software_version, stores_phi, transmits_phi, remote_access, remote_access_method, \
                 cert_expires_on, version, updated_at, updated_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $16) RETURNING *"
            };
            let r = sqlx::query(sql)
                .bind(asset.0)
                .bind(&f.hostname)
                .bind(&f.ip_addresses)
                .bind(&f.mac_addresses)
                .bind(&f.vlan)
                .bind(f.connection.as_str())
                .bind(&f.os_name)
                .bind(&f.os_version)
                .bind(&f.software_version)
                .bind(f.stores_phi)
                .bind(f.transmits_phi)
                .bind(f.remote_access)
                .bind(&f.remote_access_method)
                .bind(od(f.cert_expires_on))
                .bind(t(ctx.at))
                .bind(&ctx.actor)
                .fetch_one(&mut *tx)
                .await?;
            let after = profile_from(&r)?;
            let action = if before.is_some() { "update" } else { "create" };
            append_audit(
                &mut tx,
                ctx,
                action,
                "asset_network_profile",
                asset.to_string(),
                before.as_ref().map(snapshot),
                Some(snapshot(&after)),
            )
            .await?;
            tx.commit().await?;
            Ok(after)
        }

        async fn get_network_profile(&self, asset: AssetId) -> StoreResult<Option<NetworkProfile>> {
            let mut c = self.pool.acquire().await?;
            fetch_profile(&mut c, asset).await
        }

        async fn upsert_model_security_profile(
            &self,
            ctx: &ChangeContext,
            model: ModelId,
            f: &SecurityFields,
            read_version: Option<i64>,
        ) -> StoreResult<ModelSecurityProfile> {
            let mut tx = begin_write(&self.pool).await?;
            if sqlx::query("SELECT 1 AS one FROM device_models WHERE id = $1")
                .bind(model.0)
                .fetch_optional(&mut *tx)
                .await?
                .is_none()
            {
                return Err(StoreError::NotFound(format!("model {model}")));
            }
            let before = fetch_security(&mut tx, model, &f.software_version).await?;
            let label = format!("{model} version {}", f.software_version);
            check_version("security profile of model", &label, before.as_ref().map(|b| b.version), read_version)?;
            let sql = if before.is_some() {
                "UPDATE model_security_profiles SET authentication = $3, encryption_at_rest = $4, \
                 encryption_in_transit = $5, patching = $6, patching_notes = $7, malware_protection = $8, \
                 remote_service = $9, os_name = $10, os_version = $11, os_end_of_support = $12, \
                 version = version + 1, updated_at = $13, updated_by = $14 \
                 WHERE model_id = $1 AND software_version = $2 RETURNING *"
            } else {
                "INSERT INTO model_security_profiles (model_id, software_version, authentication, encryption_at_rest, \
                 encryption_in_transit, patching, patching_notes, malware_protection, remote_service, os_name, \
                 os_version, os_end_of_support, version, updated_at, updated_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $14) RETURNING *"
            };
            let r = sqlx::query(sql)
                .bind(model.0)
                .bind(&f.software_version)
                .bind(f.authentication.as_str())
                .bind(f.encryption_at_rest.as_str())
                .bind(f.encryption_in_transit.as_str())
                .bind(f.patching.as_str())
                .bind(&f.patching_notes)
                .bind(f.malware_protection.as_str())
                .bind(f.remote_service.as_str())
                .bind(&f.os_name)
                .bind(&f.os_version)
                .bind(od(f.os_end_of_support))
                .bind(t(ctx.at))
                .bind(&ctx.actor)
                .fetch_one(&mut *tx)
                .await?;
            let after = security_from(&r)?;
            let action = if before.is_some() { "update" } else { "create" };
            append_audit(
                &mut tx,
                ctx,
                action,
                "model_security_profile",
                after.id.to_string(),
                before.as_ref().map(snapshot),
                Some(snapshot(&after)),
            )
            .await?;
            tx.commit().await?;
            Ok(after)
        }

        async fn list_model_security_profiles(&self, model: ModelId) -> StoreResult<Vec<ModelSecurityProfile>> {
            let rows = sqlx::query(
                "SELECT * FROM model_security_profiles WHERE model_id = $1 ORDER BY software_version LIMIT 500",
            )
            .bind(model.0)
            .fetch_all(&self.pool)
            .await?;
            Ok(rows.iter().map(security_from).collect::<Result<_, _>>()?)
        }

        async fn unsupported_os_report(
            &self,
            today: Date,
            after: Option<AssetId>,
            limit: u32,
        ) -> StoreResult<Vec<UnsupportedOsRow>> {
            let rows = sqlx::query(
                "SELECT p.asset_id, a.asset_tag, f.name AS manufacturer_name, m.id AS model_id, m.model_number, \
                 p.hostname, s.software_version, COALESCE(s.os_name, p.os_name) AS os_name, \
                 COALESCE(s.os_version, p.os_version) AS os_version, s.os_end_of_support \
                 FROM asset_network_profiles p \
                 JOIN assets a ON a.id = p.asset_id \
                 JOIN device_models m ON m.id = a.model_id \
                 JOIN manufacturers f ON f.id = m.manufacturer_id \
                 JOIN model_security_profiles s ON s.model_id = a.model_id AND s.software_version = p.software_version \
                 WHERE s.os_end_of_support < $1 AND p.asset_id > $2 \
                 ORDER BY p.asset_id LIMIT $3",
            )
            .bind(today.to_sqlx())
            .bind(after.map_or(0, |a| a.0))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
            let out = rows
                .iter()
                .map(|r| -> Result<UnsupportedOsRow, sqlx::Error> {
                    Ok(UnsupportedOsRow {
                        asset_id: AssetId(r.try_get("asset_id")?),
                        asset_tag: r.try_get("asset_tag")?,
                        manufacturer_name: r.try_get("manufacturer_name")?,
                        model_id: ModelId(r.try_get("model_id")?),
                        model_number: r.try_get("model_number")?,
                        hostname: r.try_get("hostname")?,
                        software_version: r.try_get("software_version")?,
                        os_name: r.try_get("os_name")?,
                        os_version: r.try_get("os_version")?,
                        os_end_of_support: required_date(r, "os_end_of_support")?,
                    })
                })
                .collect::<Result<_, _>>()?;
            Ok(out)
        }

        async fn certificates_expiring_report(
            &self,
            horizon: Date,
            after: Option<(Date, AssetId)>,
            limit: u32,
        ) -> StoreResult<Vec<CertificateExpiringRow>> {
            let (after_date, after_id) = match after {
                Some((d, a)) => (Some(d), a.0),
                None => (None, 0),
            };
            let rows = sqlx::query(
                "SELECT p.asset_id, a.asset_tag, f.name AS manufacturer_name, m.model_number, p.hostname, p.cert_expires_on \
                 FROM asset_network_profiles p \
                 JOIN assets a ON a.id = p.asset_id \
                 JOIN device_models m ON m.id = a.model_id \
                 JOIN manufacturers f ON f.id = m.manufacturer_id \
                 WHERE p.cert_expires_on IS NOT NULL AND p.cert_expires_on <= $1 \
                 AND ($2 IS NULL OR p.cert_expires_on > $2 OR (p.cert_expires_on = $2 AND p.asset_id > $3)) \
                 ORDER BY p.cert_expires_on, p.asset_id LIMIT $4",
            )
            .bind(horizon.to_sqlx())
            .bind(od(after_date))
            .bind(after_id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
            let out = rows
                .iter()
                .map(|r| -> Result<CertificateExpiringRow, sqlx::Error> {
                    Ok(CertificateExpiringRow {
                        asset_id: AssetId(r.try_get("asset_id")?),
                        asset_tag: r.try_get("asset_tag")?,
                        manufacturer_name: r.try_get("manufacturer_name")?,
                        model_number: r.try_get("model_number")?,
                        hostname: r.try_get("hostname")?,
                        cert_expires_on: required_date(r, "cert_expires_on")?,
                    })
                })
                .collect::<Result<_, _>>()?;
            Ok(out)
        }
    }
}

// Test equipment list and the bulk insert of recorded PM results in a seed (REFERENCE §1.5).
// Included by sqlite.rs and postgres.rs after common.rs.

#[async_trait]
impl crate::TestEquipmentStore for Impl {
    async fn list_test_equipment(&self) -> StoreResult<Vec<crate::TestEquipmentRow>> {
        let rows = sqlx::query(
            "SELECT a.id, a.asset_tag, a.serial_number, a.status, a.calibrated_on, a.calibration_due, \
             a.calibration_certificate, m.model_number, m.name AS model_name, m.category, f.name AS manufacturer_name, \
             d.name AS department_name FROM assets a JOIN device_models m ON m.id = a.model_id \
             JOIN manufacturers f ON f.id = m.manufacturer_id JOIN departments d ON d.id = a.department_id \
             WHERE a.calibration_due IS NOT NULL AND a.status <> 'disposed' \
             ORDER BY a.calibration_due, a.asset_tag LIMIT 1000",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let Some(due) = get_od(r, "calibration_due")? else { continue };
            out.push(crate::TestEquipmentRow {
                asset_id: AssetId(r.try_get("id")?),
                asset_tag: r.try_get("asset_tag")?,
                manufacturer: r.try_get("manufacturer_name")?,
                model_number: r.try_get("model_number")?,
                model_name: r.try_get("model_name")?,
                category: r.try_get("category")?,
                serial_number: r.try_get("serial_number")?,
                status: get_enum(r, "status", AssetStatus::parse)?,
                department: r.try_get("department_name")?,
                calibrated_on: get_od(r, "calibrated_on")?,
                calibration_due: due,
                calibration_certificate: r.try_get("calibration_certificate")?,
            });
        }
        Ok(out)
    }
}

/// Inserts a dataset's recorded PM results: the procedure version and linked repair on each
/// work order, the judged steps, the electrical-safety readings (their limit rows resolved by
/// natural key and every pass/fail checked against the stored limit) and the test equipment with
/// its calibration due date at the time. One `create` event of type `pm_record` per PM.
async fn seed_pm_results(
    conn: &mut DbConn,
    d: &Dataset,
    events: &mut Vec<(String, String, String)>,
) -> StoreResult<()> {
    use htm_domain::seed::EsaLimitKey;
    if d.pm_results.is_empty() {
        return Ok(());
    }
    // The stored limit rows by natural key: (id, limit, comparator).
    let rows = sqlx::query(
        "SELECT l.id, s.standard, s.version, l.test, l.configuration, l.protection_classes, l.applied_parts, \
         l.test_condition, l.limit_value, l.comparator FROM esa_limits l JOIN esa_limit_sets s ON s.id = l.set_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut limits: std::collections::HashMap<EsaLimitKey, (i64, f64, Comparator)> = std::collections::HashMap::new();
    for r in &rows {
        let key = EsaLimitKey {
            standard: get_enum(r, "standard", EsaStandard::parse)?,
            set_version: r.try_get("version")?,
            test: get_enum(r, "test", EsaTest::parse)?,
            configuration: r.try_get("configuration")?,
            protection_classes: r.try_get("protection_classes")?,
            applied_parts: r.try_get("applied_parts")?,
            condition: r.try_get("test_condition")?,
        };
        limits
            .insert(key, (r.try_get("id")?, r.try_get("limit_value")?, get_enum(r, "comparator", Comparator::parse)?));
    }
    let mut readings: Vec<(WorkOrderId, i64, i64, f64, bool)> = Vec::new();
    for p in &d.pm_results {
        for x in &p.esa_readings {
            let Some((id, limit, comparator)) = limits.get(&x.limit) else {
                return Err(invalid(
                    "esa_readings",
                    format!(
                        "no stored electrical safety limit for {:?} {} '{}'",
                        x.limit.standard,
                        x.limit.test.as_str(),
                        x.limit.configuration
                    ),
                ));
            };
            if comparator.passes(x.value, *limit) != x.passed {
                return Err(invalid(
                    "esa_readings",
                    format!(
                        "reading {} on work order {} disagrees with limit {id} ({} {limit})",
                        x.value,
                        p.work_order_id,
                        comparator.as_str()
                    ),
                ));
            }
            readings.push((p.work_order_id, x.step_id, *id, x.value, x.passed));
        }
    }
    for chunk in d.pm_results.chunks(300) {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "UPDATE work_orders SET procedure_id = v.column2, linked_work_order_id = v.column3 FROM (",
        );
        qb.push_values(chunk, |mut b, p| {
            b.push_bind(p.work_order_id.0).push_bind(p.procedure_id).push_bind(p.linked_work_order_id.map(|l| l.0));
        });
        qb.push(") AS v WHERE work_orders.id = v.column1");
        qb.build().execute(&mut *conn).await.map_err(map_db_err)?;
    }
    let steps: Vec<(WorkOrderId, &htm_domain::seed::SeedStepResult)> =
        d.pm_results.iter().flat_map(|p| p.steps.iter().map(move |s| (p.work_order_id, s))).collect();
    for chunk in steps.chunks(400) {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO pm_step_results (work_order_id, step_id, kind, passed, value, limit_text, note) ",
        );
        qb.push_values(chunk, |mut b, (w, s)| {
            b.push_bind(w.0)
                .push_bind(s.step_id)
                .push_bind(s.kind.as_str())
                .push_bind(s.passed)
                .push_bind(s.value)
                .push_bind(s.limit_text.clone())
                .push_bind(s.note.clone());
        });
        qb.build().execute(&mut *conn).await.map_err(map_db_err)?;
    }
    for chunk in readings.chunks(500) {
        let mut qb: QueryBuilder<Db> =
            QueryBuilder::new("INSERT INTO esa_readings (work_order_id, step_id, esa_limit_id, value, passed) ");
        qb.push_values(chunk, |mut b, (w, step, limit, value, passed)| {
            b.push_bind(w.0).push_bind(*step).push_bind(*limit).push_bind(*value).push_bind(*passed);
        });
        qb.build().execute(&mut *conn).await.map_err(map_db_err)?;
    }
    let equipment: Vec<(WorkOrderId, AssetId, Date)> = d
        .pm_results
        .iter()
        .flat_map(|p| p.test_equipment.iter().map(move |(a, due)| (p.work_order_id, *a, *due)))
        .collect();
    for chunk in equipment.chunks(500) {
        let mut qb: QueryBuilder<Db> =
            QueryBuilder::new("INSERT INTO wo_test_equipment (work_order_id, asset_id, calibration_due) ");
        qb.push_values(chunk, |mut b, (w, a, due)| {
            b.push_bind(w.0).push_bind(a.0).push_bind(due.to_sqlx());
        });
        qb.build().execute(&mut *conn).await.map_err(map_db_err)?;
    }
    for p in &d.pm_results {
        let snap = serde_json::json!({
            "procedure_id": p.procedure_id,
            "linked_work_order_id": p.linked_work_order_id,
            "test_equipment": p.test_equipment.iter().map(|(a, due)| serde_json::json!({ "asset_id": a, "calibration_due": due })).collect::<Vec<_>>(),
            "steps": p.steps.iter().map(|s| serde_json::json!({
                "step_id": s.step_id, "kind": s.kind.as_str(), "passed": s.passed, "value": s.value,
                "limit_text": s.limit_text, "note": s.note,
            })).collect::<Vec<_>>(),
            "esa_readings": p.esa_readings.iter().map(|x| serde_json::json!({
                "step_id": x.step_id, "test": x.limit.test.as_str(), "configuration": x.limit.configuration,
                "value": x.value, "passed": x.passed,
            })).collect::<Vec<_>>(),
        });
        events.push(("pm_record".into(), p.work_order_id.to_string(), snapshot(&snap)));
    }
    Ok(())
}

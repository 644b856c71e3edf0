// The store implementation shared by both back ends. This file is `include!`d by `sqlite.rs`
// and `postgres.rs`, each of which defines `Db`, `Impl`, `BACKEND`, `MIGRATOR`, `begin_write`
// and `after_seed` first. SQL uses `$N` placeholders, which both drivers accept.

use crate::{
    PmComplianceRow, PmGeneration,
    AssetFilter, ChangeContext, LabourToAdd, NewUserRecord, Store, StoreError, StoreResult, WorkOrderFilter,
    WorkOrderStats,
};
use async_trait::async_trait;
use futures_util::TryStreamExt;
use htm_domain::DomainError;
use htm_domain::asset::{
    self as asset_rules, Asset, AssetFields, AssetPatch, AssetPmFields, AssetStatus, DepartmentSummary, LocationSummary,
    ModelSummary, NewAsset, Udi, VendorSummary,
};
use htm_domain::audit::{AuditDraft, AuditEvent, ChainBreak, ChainVerifier, format_instant, snapshot};
use htm_domain::catalog::{
    DeviceModel, FdaClass, Manufacturer, ModelPatch, NewDeviceModel, NewManufacturer, NewVendor, NomenclatureSystem,
    Vendor,
};
use htm_domain::esa::{AppliedPartType, Comparator, EsaLimit, EsaStandard, EsaTest, ProtectionClass, parse_code_list};
use htm_domain::ids::*;
use htm_domain::pm::{self as pm_rules, Month, NewPmSchedule, PmOutcome, PmSchedule, PmStanding, ScheduleBasis, ScheduleTiming};
use htm_domain::org::*;
use htm_domain::procedure::{
    self as procedure_rules, EsaReadingResult, MeasurementLimits, NewProcedure, PmRecord, PmRecordRequest, Procedure,
    ProcedureStep, StepKind, StepResult,
};
use htm_domain::page::{Page, PageRequest};
use htm_domain::seed::Dataset;
use htm_domain::user::{Role, User, UserPatch};
use htm_domain::work_order::{
    self as wo_rules, AssetEffect, HoldReason, LabourEntry, NewPartUsed, NewWorkOrder, PartUsed, Priority,
    TransitionRequest, WorkOrder, WorkOrderPatch, WorkOrderStatus, WorkOrderType, WorkResult,
};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff_sqlx::ToSqlx;
use sqlx::{QueryBuilder, Row};

type DbRow = <Db as sqlx::Database>::Row;
type DbConn = <Db as sqlx::Database>::Connection;

// ---------------------------------------------------------------------------------------------
// Value helpers

/// Instants are stored to the second: the same text form on SQLite sorts as it compares.
fn t(ts: Timestamp) -> jiff_sqlx::Timestamp {
    ts.round(jiff::Unit::Second).unwrap_or(ts).to_sqlx()
}

fn ot(ts: Option<Timestamp>) -> Option<jiff_sqlx::Timestamp> {
    ts.map(t)
}

fn od(d: Option<Date>) -> Option<jiff_sqlx::Date> {
    d.map(|d| d.to_sqlx())
}

fn get_ts(r: &DbRow, c: &str) -> Result<Timestamp, sqlx::Error> {
    Ok(r.try_get::<jiff_sqlx::Timestamp, _>(c)?.to_jiff())
}

fn get_ots(r: &DbRow, c: &str) -> Result<Option<Timestamp>, sqlx::Error> {
    Ok(r.try_get::<Option<jiff_sqlx::Timestamp>, _>(c)?.map(|x| x.to_jiff()))
}

fn get_od(r: &DbRow, c: &str) -> Result<Option<Date>, sqlx::Error> {
    Ok(r.try_get::<Option<jiff_sqlx::Date>, _>(c)?.map(|x| x.to_jiff()))
}

fn decode_err(col: &str, e: DomainError) -> sqlx::Error {
    sqlx::Error::ColumnDecode { index: col.to_string(), source: Box::new(e) }
}

fn get_enum<T>(r: &DbRow, c: &str, parse: fn(&str) -> Result<T, DomainError>) -> Result<T, sqlx::Error> {
    let s: String = r.try_get(c)?;
    parse(&s).map_err(|e| decode_err(c, e))
}

fn get_oenum<T>(r: &DbRow, c: &str, parse: fn(&str) -> Result<T, DomainError>) -> Result<Option<T>, sqlx::Error> {
    match r.try_get::<Option<String>, _>(c)? {
        None => Ok(None),
        Some(s) => parse(&s).map(Some).map_err(|e| decode_err(c, e)),
    }
}

/// `%q%` for a case-insensitive LIKE, with the wildcard characters in `q` escaped.
/// A query whose rows come back as one JSON array of arrays (`[[c1, c2, …], …]`): `SELECT
/// {columns} {rest}` aggregated in the database. Reads of hundreds of thousands of rows use it,
/// because the driver's per-row cost (a channel hop, a copy of every value) is far above the
/// cost of a few columns; one row of JSON costs a parse (BENCHMARKS.md, "Recall matching").
/// The caller completes `rest` (binds, closing parentheses) and reads with [`fetch_json_rows`].
fn json_rows_query(columns: &str, rest: &str) -> QueryBuilder<Db> {
    let (agg, array) =
        if BACKEND == crate::Backend::Postgres { ("json_agg", "json_build_array") } else { ("json_group_array", "json_array") };
    QueryBuilder::new(format!("SELECT CAST({agg}({array}({columns})) AS TEXT) AS json_rows {rest}"))
}

/// Runs a [`json_rows_query`] and decodes its rows (none: an empty list).
async fn fetch_json_rows<T: serde::de::DeserializeOwned>(
    conn: &mut DbConn,
    mut qb: QueryBuilder<Db>,
) -> StoreResult<Vec<T>> {
    let row = qb.build().fetch_one(&mut *conn).await?;
    let Some(text) = row.try_get::<Option<String>, _>("json_rows")? else { return Ok(Vec::new()) };
    Ok(serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))?)
}

fn like_pattern(q: &str) -> String {
    let mut p = String::from("%");
    for c in q.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Unique indexes and the field each protects, for a clear conflict message.
const UNIQUE_FIELDS: &[(&str, &str, &str)] = &[
    ("ux_assets_tag", "asset_tag", "an asset with this asset tag already exists"),
    ("ux_sites_code", "code", "a site with this code already exists"),
    ("ux_buildings_site_code", "code", "this site already has a building with this code"),
    ("ux_departments_cost_center", "cost_center", "a department with this cost centre already exists"),
    ("ux_locations_department_name", "name", "this department already has a location with this name"),
    ("ux_manufacturers_name", "name", "a manufacturer with this name already exists"),
    ("ux_vendors_name", "name", "a vendor with this name already exists"),
    ("ux_device_models_mfr_number", "model_number", "this manufacturer already has a model with this number"),
    ("ux_users_username", "username", "a user with this name already exists"),
];

/// Turns a unique-constraint violation into a [`StoreError::Conflict`] naming the field.
fn map_db_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        let msg = db.message().to_string();
        let constraint = db.constraint().unwrap_or("").to_string();
        for (index, field, message) in UNIQUE_FIELDS {
            let table_col = index.trim_start_matches("ux_");
            if constraint == *index || msg.contains(index) || msg.contains(&table_col.replacen('_', ".", 1)) {
                return StoreError::Conflict { field: field.to_string(), message: message.to_string() };
            }
        }
        return StoreError::Conflict { field: "id".into(), message: format!("duplicate value: {msg}") };
    }
    StoreError::Database(e)
}

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Domain(DomainError::field(field, message))
}

/// Checks that a referenced row exists, naming the field that refers to it when it does not.
async fn must_exist(conn: &mut DbConn, table: &str, id: i64, field: &str) -> StoreResult<()> {
    let sql = format!("SELECT 1 AS one FROM {table} WHERE id = $1");
    let found = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?;
    if found.is_none() {
        return Err(invalid(field, format!("no {} with id {id}", table.trim_end_matches('s').replace('_', " "))));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The record

/// Appends one event to the hash chain inside the caller's transaction.
async fn append_audit(
    conn: &mut DbConn,
    ctx: &ChangeContext,
    action: &str,
    entity_type: &str,
    entity_id: String,
    before: Option<String>,
    after: Option<String>,
) -> StoreResult<()> {
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev: String = head.try_get("hash")?;
    let event = AuditDraft {
        occurred_at: format_instant(ctx.at),
        actor_id: ctx.actor_id.map(|u| u.0),
        actor: ctx.actor.clone(),
        action: action.to_string(),
        entity_type: entity_type.to_string(),
        entity_id,
        before,
        after,
        reason: ctx.reason.clone(),
    }
    .link(seq - 1, &prev);
    insert_audit_events(conn, std::slice::from_ref(&event)).await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&event.hash).execute(&mut *conn).await?;
    Ok(())
}

/// One event to append: (action, entity type, entity id, before, after).
type AuditRow = (&'static str, String, String, Option<String>, Option<String>);

/// Appends many events at once (bulk work: seeding, PM generation), linked in order.
async fn append_audit_bulk(conn: &mut DbConn, ctx: &ChangeContext, events: Vec<AuditRow>) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let n = events.len() as i64;
    let head = sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
        .bind(n)
        .fetch_one(&mut *conn)
        .await?;
    let (last, mut prev): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
    let mut seq = last - n;
    let occurred_at = format_instant(ctx.at);
    let mut linked = Vec::with_capacity(events.len());
    for (action, entity_type, entity_id, before, after) in events {
        let e = AuditDraft {
            occurred_at: occurred_at.clone(),
            actor_id: ctx.actor_id.map(|u| u.0),
            actor: ctx.actor.clone(),
            action: action.to_string(),
            entity_type,
            entity_id,
            before,
            after,
            reason: ctx.reason.clone(),
        }
        .link(seq, &prev);
        seq = e.seq;
        prev = e.hash.clone();
        linked.push(e);
    }
    insert_audit_events(conn, &linked).await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&prev).execute(&mut *conn).await?;
    Ok(())
}

async fn insert_audit_events(conn: &mut DbConn, events: &[AuditEvent]) -> StoreResult<()> {
    for chunk in events.chunks(500) {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO audit_events (seq, occurred_at, actor_id, actor, action, entity_type, entity_id, before_json, after_json, reason, prev_hash, hash) ",
        );
        qb.push_values(chunk, |mut b, e| {
            b.push_bind(e.seq)
                .push_bind(e.occurred_at.clone())
                .push_bind(e.actor_id)
                .push_bind(e.actor.clone())
                .push_bind(e.action.clone())
                .push_bind(e.entity_type.clone())
                .push_bind(e.entity_id.clone())
                .push_bind(e.before.clone())
                .push_bind(e.after.clone())
                .push_bind(e.reason.clone())
                .push_bind(e.prev_hash.clone())
                .push_bind(e.hash.clone());
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

fn audit_from(r: &DbRow) -> Result<AuditEvent, sqlx::Error> {
    Ok(AuditEvent {
        seq: r.try_get("seq")?,
        occurred_at: r.try_get("occurred_at")?,
        actor_id: r.try_get("actor_id")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        entity_type: r.try_get("entity_type")?,
        entity_id: r.try_get("entity_id")?,
        before: r.try_get("before_json")?,
        after: r.try_get("after_json")?,
        reason: r.try_get("reason")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

const AUDIT_COLUMNS: &str =
    "seq, occurred_at, actor_id, actor, action, entity_type, entity_id, before_json, after_json, reason, prev_hash, hash";

// ---------------------------------------------------------------------------------------------
// Row mapping

fn site_from(r: &DbRow) -> Result<Site, sqlx::Error> {
    Ok(Site {
        id: SiteId(r.try_get("id")?),
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        address: r.try_get("address")?,
        version: r.try_get("version")?,
    })
}

fn building_from(r: &DbRow) -> Result<Building, sqlx::Error> {
    Ok(Building {
        id: BuildingId(r.try_get("id")?),
        site_id: SiteId(r.try_get("site_id")?),
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        version: r.try_get("version")?,
    })
}

fn department_from(r: &DbRow) -> Result<Department, sqlx::Error> {
    Ok(Department {
        id: DepartmentId(r.try_get("id")?),
        building_id: BuildingId(r.try_get("building_id")?),
        cost_center: r.try_get("cost_center")?,
        name: r.try_get("name")?,
        version: r.try_get("version")?,
    })
}

fn location_from(r: &DbRow) -> Result<Location, sqlx::Error> {
    Ok(Location {
        id: LocationId(r.try_get("id")?),
        department_id: DepartmentId(r.try_get("department_id")?),
        name: r.try_get("name")?,
        floor: r.try_get("floor")?,
        version: r.try_get("version")?,
    })
}

fn manufacturer_from(r: &DbRow) -> Result<Manufacturer, sqlx::Error> {
    Ok(Manufacturer { id: ManufacturerId(r.try_get("id")?), name: r.try_get("name")?, version: r.try_get("version")? })
}

fn vendor_from(r: &DbRow) -> Result<Vendor, sqlx::Error> {
    Ok(Vendor {
        id: VendorId(r.try_get("id")?),
        name: r.try_get("name")?,
        phone: r.try_get("phone")?,
        email: r.try_get("email")?,
        version: r.try_get("version")?,
    })
}

const MODEL_SELECT: &str = "SELECT m.*, f.name AS manufacturer_name FROM device_models m JOIN manufacturers f ON f.id = m.manufacturer_id";

fn model_from(r: &DbRow) -> Result<DeviceModel, sqlx::Error> {
    Ok(DeviceModel {
        id: ModelId(r.try_get("id")?),
        manufacturer_id: ManufacturerId(r.try_get("manufacturer_id")?),
        manufacturer: r.try_get("manufacturer_name")?,
        model_number: r.try_get("model_number")?,
        name: r.try_get("name")?,
        category: r.try_get("category")?,
        nomenclature_system: get_oenum(r, "nomenclature_system", NomenclatureSystem::parse)?,
        nomenclature_code: r.try_get("nomenclature_code")?,
        fda_product_code: r.try_get("fda_product_code")?,
        fda_class: get_oenum(r, "fda_class", FdaClass::parse)?,
        expected_life_years: r.try_get("expected_life_years")?,
        high_risk: r.try_get("high_risk")?,
        life_support: r.try_get("life_support")?,
        fda_510k: r.try_get("fda_510k")?,
        version: r.try_get("version")?,
    })
}

const USER_COLUMNS: &str = "id, username, display_name, role, email, vendor_id, active, version";

fn user_from(r: &DbRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: UserId(r.try_get("id")?),
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        role: get_enum(r, "role", Role::parse)?,
        email: r.try_get("email")?,
        vendor_id: r.try_get::<Option<i64>, _>("vendor_id")?.map(VendorId),
        active: r.try_get("active")?,
        version: r.try_get("version")?,
    })
}

const ASSET_SELECT: &str = "SELECT a.*, m.manufacturer_id, f.name AS manufacturer_name, m.model_number, \
     m.name AS model_name, m.category, m.high_risk AS model_high_risk, m.life_support AS model_life_support, \
     d.name AS department_name, d.cost_center, l.name AS location_name, v.name AS vendor_name \
     FROM assets a JOIN device_models m ON m.id = a.model_id JOIN manufacturers f ON f.id = m.manufacturer_id \
     JOIN departments d ON d.id = a.department_id LEFT JOIN locations l ON l.id = a.location_id \
     LEFT JOIN vendors v ON v.id = a.vendor_id";

fn asset_fields_from(r: &DbRow) -> Result<AssetFields, sqlx::Error> {
    Ok(AssetFields {
        asset_tag: r.try_get("asset_tag")?,
        serial_number: r.try_get("serial_number")?,
        model_id: ModelId(r.try_get("model_id")?),
        department_id: DepartmentId(r.try_get("department_id")?),
        location_id: r.try_get::<Option<i64>, _>("location_id")?.map(LocationId),
        status: get_enum(r, "status", AssetStatus::parse)?,
        acquisition_date: get_od(r, "acquisition_date")?,
        acquisition_cost_minor: r.try_get("acquisition_cost_minor")?,
        currency: r.try_get("currency")?,
        vendor_id: r.try_get::<Option<i64>, _>("vendor_id")?.map(VendorId),
        purchase_order: r.try_get("purchase_order")?,
        in_service_date: get_od(r, "in_service_date")?,
        warranty_end: get_od(r, "warranty_end")?,
        udi: Udi {
            di: r.try_get("udi_di")?,
            lot: r.try_get("udi_lot")?,
            serial: r.try_get("udi_serial")?,
            manufactured: get_od(r, "udi_manufactured")?,
            expiry: get_od(r, "udi_expiry")?,
            raw: r.try_get("udi_raw")?,
        },
        high_risk_override: r.try_get("high_risk_override")?,
        life_support_override: r.try_get("life_support_override")?,
        notes: r.try_get("notes")?,
    })
}

fn asset_from(r: &DbRow) -> Result<Asset, sqlx::Error> {
    let f = asset_fields_from(r)?;
    let model_high_risk: bool = r.try_get("model_high_risk")?;
    let model_life_support: bool = r.try_get("model_life_support")?;
    let life_support = f.life_support_override.unwrap_or(model_life_support);
    Ok(Asset {
        id: AssetId(r.try_get("id")?),
        model: ModelSummary {
            id: f.model_id,
            manufacturer_id: ManufacturerId(r.try_get("manufacturer_id")?),
            manufacturer: r.try_get("manufacturer_name")?,
            model_number: r.try_get("model_number")?,
            name: r.try_get("model_name")?,
            category: r.try_get("category")?,
        },
        department: DepartmentSummary {
            id: f.department_id,
            name: r.try_get("department_name")?,
            cost_center: r.try_get("cost_center")?,
        },
        location: match f.location_id {
            Some(id) => Some(LocationSummary { id, name: r.try_get("location_name")? }),
            None => None,
        },
        vendor: match f.vendor_id {
            Some(id) => Some(VendorSummary { id, name: r.try_get("vendor_name")? }),
            None => None,
        },
        high_risk: f.high_risk_override.unwrap_or(model_high_risk) || life_support,
        life_support,
        asset_tag: f.asset_tag,
        serial_number: f.serial_number,
        status: f.status,
        acquisition_date: f.acquisition_date,
        acquisition_cost_minor: f.acquisition_cost_minor,
        currency: f.currency,
        purchase_order: f.purchase_order,
        in_service_date: f.in_service_date,
        warranty_end: f.warranty_end,
        udi: f.udi,
        high_risk_override: f.high_risk_override,
        life_support_override: f.life_support_override,
        notes: f.notes,
        pm_procedure_code: r.try_get("pm_procedure_code")?,
        protection_class: get_oenum(r, "protection_class", ProtectionClass::parse)?,
        applied_part: get_oenum(r, "applied_part", AppliedPartType::parse)?,
        calibration_due: get_od(r, "calibration_due")?,
        calibrated_on: get_od(r, "calibrated_on")?,
        calibration_certificate: r.try_get("calibration_certificate")?,
        version: r.try_get("version")?,
    })
}

const WO_SELECT: &str = "SELECT w.*, a.asset_tag, rq.display_name AS requester_name, \
     au.display_name AS assigned_to_name, v.name AS vendor_name FROM work_orders w \
     LEFT JOIN assets a ON a.id = w.asset_id LEFT JOIN users rq ON rq.id = w.requester_id \
     LEFT JOIN users au ON au.id = w.assigned_to LEFT JOIN vendors v ON v.id = w.vendor_id";

fn work_order_from(r: &DbRow) -> Result<WorkOrder, sqlx::Error> {
    Ok(WorkOrder {
        id: WorkOrderId(r.try_get("id")?),
        number: r.try_get("number")?,
        wo_type: get_enum(r, "wo_type", WorkOrderType::parse)?,
        priority: get_enum(r, "priority", Priority::parse)?,
        status: get_enum(r, "status", WorkOrderStatus::parse)?,
        hold_reason: get_oenum(r, "hold_reason", HoldReason::parse)?,
        asset_id: r.try_get::<Option<i64>, _>("asset_id")?.map(AssetId),
        asset_tag: r.try_get("asset_tag")?,
        requester_id: r.try_get::<Option<i64>, _>("requester_id")?.map(UserId),
        requester_name: r.try_get("requester_name")?,
        requester_contact: r.try_get("requester_contact")?,
        problem: r.try_get("problem")?,
        assigned_to: r.try_get::<Option<i64>, _>("assigned_to")?.map(UserId),
        assigned_to_name: r.try_get("assigned_to_name")?,
        vendor_id: r.try_get::<Option<i64>, _>("vendor_id")?.map(VendorId),
        vendor_name: r.try_get("vendor_name")?,
        cause_code: r.try_get("cause_code")?,
        work_performed: r.try_get("work_performed")?,
        result: get_oenum(r, "result", WorkResult::parse)?,
        downtime_start: get_ots(r, "downtime_start")?,
        downtime_end: get_ots(r, "downtime_end")?,
        due_date: get_od(r, "due_date")?,
        opened_at: get_ts(r, "opened_at")?,
        assigned_at: get_ots(r, "assigned_at")?,
        started_at: get_ots(r, "started_at")?,
        completed_at: get_ots(r, "completed_at")?,
        closed_at: get_ots(r, "closed_at")?,
        took_out_of_service: r.try_get("took_out_of_service")?,
        schedule_id: r.try_get("schedule_id")?,
        pm_period: r.try_get("pm_period")?,
        pm_outcome: get_oenum(r, "pm_outcome", PmOutcome::parse)?,
        window_end: get_od(r, "window_end")?,
        qualification_flag: r.try_get("qualification_flag")?,
        labour: vec![],
        parts: vec![],
        version: r.try_get("version")?,
    })
}

fn pm_schedule_from(r: &DbRow) -> Result<PmSchedule, sqlx::Error> {
    Ok(PmSchedule {
        id: r.try_get("id")?,
        asset_id: AssetId(r.try_get("asset_id")?),
        interval_months: r.try_get("interval_months")?,
        basis: get_enum(r, "basis", ScheduleBasis::parse)?,
        anchor_date: r.try_get::<jiff_sqlx::Date, _>("anchor_date")?.to_jiff(),
        grace_days: r.try_get("grace_days")?,
        active: r.try_get("active")?,
        version: r.try_get("version")?,
    })
}

fn esa_limit_from(r: &DbRow) -> Result<EsaLimit, sqlx::Error> {
    let classes: String = r.try_get("protection_classes")?;
    let parts: String = r.try_get("applied_parts")?;
    Ok(EsaLimit {
        id: r.try_get("id")?,
        standard: get_enum(r, "standard", EsaStandard::parse)?,
        edition: r.try_get("edition")?,
        version: r.try_get("version")?,
        test: get_enum(r, "test", EsaTest::parse)?,
        configuration: r.try_get("configuration")?,
        protection_classes: parse_code_list(&classes, ProtectionClass::parse).map_err(|e| decode_err("protection_classes", e))?,
        applied_parts: parse_code_list(&parts, AppliedPartType::parse).map_err(|e| decode_err("applied_parts", e))?,
        condition: r.try_get("test_condition")?,
        method: r.try_get("method")?,
        limit: r.try_get("limit_value")?,
        unit: r.try_get("unit")?,
        comparator: get_enum(r, "comparator", Comparator::parse)?,
        source: r.try_get("source")?,
    })
}

// ---------------------------------------------------------------------------------------------
// Reads on a connection (usable inside a transaction)

async fn fetch_asset(conn: &mut DbConn, id: AssetId) -> StoreResult<Asset> {
    let sql = format!("{ASSET_SELECT} WHERE a.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&mut *conn).await?;
    match row {
        Some(r) => Ok(asset_from(&r)?),
        None => Err(StoreError::NotFound(format!("asset {id}"))),
    }
}

async fn fetch_work_order(conn: &mut DbConn, id: WorkOrderId) -> StoreResult<WorkOrder> {
    let sql = format!("{WO_SELECT} WHERE w.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&mut *conn).await?;
    let Some(r) = row else { return Err(StoreError::NotFound(format!("work order {id}"))) };
    let mut wo = work_order_from(&r)?;
    let labour = sqlx::query(
        "SELECT l.*, u.display_name FROM wo_labour l JOIN users u ON u.id = l.technician_id WHERE l.work_order_id = $1 ORDER BY l.id",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?;
    for r in labour {
        wo.labour.push(LabourEntry {
            id: r.try_get("id")?,
            technician_id: UserId(r.try_get("technician_id")?),
            technician: r.try_get("display_name")?,
            work_date: r.try_get::<jiff_sqlx::Date, _>("work_date")?.to_jiff(),
            minutes: r.try_get("minutes")?,
            note: r.try_get("note")?,
        });
    }
    let parts = sqlx::query("SELECT * FROM wo_parts WHERE work_order_id = $1 ORDER BY id").bind(id.0).fetch_all(&mut *conn).await?;
    for r in parts {
        wo.parts.push(PartUsed {
            id: r.try_get("id")?,
            part_number: r.try_get("part_number")?,
            description: r.try_get("description")?,
            quantity: r.try_get("quantity")?,
            unit_cost_minor: r.try_get("unit_cost_minor")?,
        });
    }
    Ok(wo)
}

async fn fetch_user(conn: &mut DbConn, id: UserId) -> StoreResult<User> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    match sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&mut *conn).await? {
        Some(r) => Ok(user_from(&r)?),
        None => Err(StoreError::NotFound(format!("user {id}"))),
    }
}

async fn fetch_model(conn: &mut DbConn, id: ModelId) -> StoreResult<DeviceModel> {
    let sql = format!("{MODEL_SELECT} WHERE m.id = $1");
    match sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&mut *conn).await? {
        Some(r) => Ok(model_from(&r)?),
        None => Err(StoreError::NotFound(format!("model {id}"))),
    }
}

/// Fetches one row of a simple table by id.
async fn fetch_one<T>(
    conn: &mut DbConn,
    table: &str,
    id: i64,
    map: fn(&DbRow) -> Result<T, sqlx::Error>,
    what: &str,
) -> StoreResult<T> {
    let sql = format!("SELECT * FROM {table} WHERE id = $1");
    match sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await? {
        Some(r) => Ok(map(&r)?),
        None => Err(StoreError::NotFound(format!("{what} {id}"))),
    }
}

/// A user who can be assigned work (active, in a role that does work).
async fn check_assignee(conn: &mut DbConn, id: UserId, field: &str) -> StoreResult<()> {
    let u = fetch_user(conn, id).await.map_err(|_| invalid(field, format!("no user with id {id}")))?;
    if !u.active || !u.role.does_work() {
        return Err(invalid(field, format!("{} ({}) cannot be assigned work", u.username, u.role.as_str())));
    }
    Ok(())
}

async fn check_cause_code(conn: &mut DbConn, code: &str) -> StoreResult<()> {
    let found = sqlx::query("SELECT 1 AS one FROM cause_codes WHERE code = $1").bind(code).fetch_optional(&mut *conn).await?;
    if found.is_none() {
        return Err(invalid("cause_code", format!("'{code}' is not a known cause code")));
    }
    Ok(())
}

fn stale(what: &str, id: impl std::fmt::Display, read: i64, current: i64) -> StoreError {
    StoreError::Stale(format!(
        "{what} {id} was changed by someone else (you read version {read}, it is now version {current}); reload and try again"
    ))
}

// ---------------------------------------------------------------------------------------------
// Writes on a connection

/// Inserts (`id = None`) or updates an asset's row; an update is guarded by the version read.
async fn write_asset_fields(
    conn: &mut DbConn,
    id: Option<(AssetId, i64)>,
    f: &AssetFields,
    at: Timestamp,
) -> StoreResult<AssetId> {
    must_exist(conn, "device_models", f.model_id.0, "model_id").await?;
    must_exist(conn, "departments", f.department_id.0, "department_id").await?;
    if let Some(l) = f.location_id {
        must_exist(conn, "locations", l.0, "location_id").await?;
    }
    if let Some(v) = f.vendor_id {
        must_exist(conn, "vendors", v.0, "vendor_id").await?;
    }
    let q = match id {
        None => sqlx::query(
            "INSERT INTO assets (asset_tag, serial_number, model_id, department_id, location_id, status, \
             acquisition_date, acquisition_cost_minor, currency, vendor_id, purchase_order, in_service_date, \
             warranty_end, udi_di, udi_lot, udi_serial, udi_manufactured, udi_expiry, udi_raw, high_risk_override, \
             life_support_override, notes, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
             $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, 1, $23, $23) RETURNING id",
        ),
        Some(_) => sqlx::query(
            "UPDATE assets SET asset_tag = $1, serial_number = $2, model_id = $3, department_id = $4, \
             location_id = $5, status = $6, acquisition_date = $7, acquisition_cost_minor = $8, currency = $9, \
             vendor_id = $10, purchase_order = $11, in_service_date = $12, warranty_end = $13, udi_di = $14, \
             udi_lot = $15, udi_serial = $16, udi_manufactured = $17, udi_expiry = $18, udi_raw = $19, \
             high_risk_override = $20, life_support_override = $21, notes = $22, version = version + 1, \
             updated_at = $23 WHERE id = $24 AND version = $25 RETURNING id",
        ),
    };
    let row = q
        .bind(&f.asset_tag)
        .bind(&f.serial_number)
        .bind(f.model_id.0)
        .bind(f.department_id.0)
        .bind(f.location_id.map(|l| l.0))
        .bind(f.status.as_str())
        .bind(od(f.acquisition_date))
        .bind(f.acquisition_cost_minor)
        .bind(&f.currency)
        .bind(f.vendor_id.map(|v| v.0))
        .bind(&f.purchase_order)
        .bind(od(f.in_service_date))
        .bind(od(f.warranty_end))
        .bind(&f.udi.di)
        .bind(&f.udi.lot)
        .bind(&f.udi.serial)
        .bind(od(f.udi.manufactured))
        .bind(od(f.udi.expiry))
        .bind(&f.udi.raw)
        .bind(f.high_risk_override)
        .bind(f.life_support_override)
        .bind(&f.notes)
        .bind(t(at))
        .bind(id.map(|i| i.0.0))
        .bind(id.map(|i| i.1))
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_db_err)?;
    match (row, id) {
        (Some(r), _) => Ok(AssetId(r.try_get("id")?)),
        (None, Some((id, read))) => Err(stale("asset", id, read, read + 1)),
        (None, None) => Err(StoreError::NotFound("inserted asset".into())),
    }
}

/// Writes an asset's PM and test-equipment fields (part of a change already versioned and audited by the caller).
async fn write_asset_pm_fields(conn: &mut DbConn, id: AssetId, f: &AssetPmFields) -> StoreResult<()> {
    sqlx::query(
        "UPDATE assets SET pm_procedure_code = $1, protection_class = $2, applied_part = $3, calibration_due = $4, \
         calibrated_on = $5, calibration_certificate = $6 WHERE id = $7",
    )
    .bind(&f.pm_procedure_code)
    .bind(f.protection_class.map(|c| c.as_str()))
    .bind(f.applied_part.map(|c| c.as_str()))
    .bind(od(f.calibration_due))
    .bind(od(f.calibrated_on))
    .bind(&f.calibration_certificate)
    .bind(id.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets an asset's status as a side effect of work, with its own audit event.
async fn set_asset_status(conn: &mut DbConn, ctx: &ChangeContext, id: AssetId, to: AssetStatus, why: &str) -> StoreResult<()> {
    let before = fetch_asset(conn, id).await?;
    sqlx::query("UPDATE assets SET status = $1, version = version + 1, updated_at = $2 WHERE id = $3")
        .bind(to.as_str())
        .bind(t(ctx.at))
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    let after = fetch_asset(conn, id).await?;
    let ctx = ChangeContext { reason: Some(why.to_string()), ..ctx.clone() };
    append_audit(conn, &ctx, "update", "asset", id.to_string(), Some(snapshot(&before)), Some(snapshot(&after))).await
}

async fn insert_labour(conn: &mut DbConn, wo: WorkOrderId, l: &LabourToAdd, today: Date) -> StoreResult<()> {
    sqlx::query("INSERT INTO wo_labour (work_order_id, technician_id, work_date, minutes, note) VALUES ($1, $2, $3, $4, $5)")
        .bind(wo.0)
        .bind(l.technician_id.0)
        .bind(l.entry.work_date.unwrap_or(today).to_sqlx())
        .bind(l.entry.minutes)
        .bind(&l.entry.note)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn insert_part(conn: &mut DbConn, wo: WorkOrderId, p: &NewPartUsed) -> StoreResult<()> {
    sqlx::query("INSERT INTO wo_parts (work_order_id, part_number, description, quantity, unit_cost_minor) VALUES ($1, $2, $3, $4, $5)")
        .bind(wo.0)
        .bind(&p.part_number)
        .bind(&p.description)
        .bind(p.quantity)
        .bind(p.unit_cost_minor)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Writes a work order's mutable columns, guarded by the version it was read at.
async fn write_work_order(conn: &mut DbConn, wo: &WorkOrder, read_version: i64, at: Timestamp) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE work_orders SET priority = $1, status = $2, hold_reason = $3, requester_contact = $4, problem = $5, \
         assigned_to = $6, vendor_id = $7, cause_code = $8, work_performed = $9, result = $10, downtime_start = $11, \
         downtime_end = $12, due_date = $13, assigned_at = $14, started_at = $15, completed_at = $16, closed_at = $17, \
         version = version + 1, updated_at = $18, pm_outcome = $21 WHERE id = $19 AND version = $20",
    )
    .bind(wo.priority.as_str())
    .bind(wo.status.as_str())
    .bind(wo.hold_reason.map(|h| h.as_str()))
    .bind(&wo.requester_contact)
    .bind(&wo.problem)
    .bind(wo.assigned_to.map(|u| u.0))
    .bind(wo.vendor_id.map(|v| v.0))
    .bind(&wo.cause_code)
    .bind(&wo.work_performed)
    .bind(wo.result.map(|r| r.as_str()))
    .bind(ot(wo.downtime_start))
    .bind(ot(wo.downtime_end))
    .bind(od(wo.due_date))
    .bind(ot(wo.assigned_at))
    .bind(ot(wo.started_at))
    .bind(ot(wo.completed_at))
    .bind(ot(wo.closed_at))
    .bind(t(at))
    .bind(wo.id.0)
    .bind(read_version)
    .bind(wo.pm_outcome.map(|o| o.as_str()))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(stale("work order", &wo.number, read_version, read_version + 1));
    }
    Ok(())
}

/// Validates the references a work order's content holds.
async fn check_work_order_refs(conn: &mut DbConn, wo: &WorkOrder, before: &WorkOrder) -> StoreResult<()> {
    if wo.assigned_to != before.assigned_to
        && let Some(u) = wo.assigned_to
    {
        check_assignee(conn, u, "assigned_to").await?;
    }
    if wo.vendor_id != before.vendor_id
        && let Some(v) = wo.vendor_id
    {
        must_exist(conn, "vendors", v.0, "vendor_id").await?;
    }
    if wo.cause_code != before.cause_code
        && let Some(c) = &wo.cause_code
    {
        check_cause_code(conn, c).await?;
    }
    Ok(())
}

/// Opens a work order inside the caller's transaction; an open repair on an in-service asset
/// takes it out of service.
async fn insert_work_order_tx(tx: &mut DbConn, ctx: &ChangeContext, n: &NewWorkOrder, requester: Option<UserId>) -> StoreResult<WorkOrder> {
    let asset = match n.asset_id {
        Some(a) => Some(fetch_asset(tx, a).await.map_err(|_| invalid("asset_id", format!("no asset with id {a}")))?),
        None => None,
    };
    if let Some(u) = n.assigned_to {
        check_assignee(tx, u, "assigned_to").await?;
    }
    if let Some(v) = n.vendor_id {
        must_exist(tx, "vendors", v.0, "vendor_id").await?;
    }
    let year = ctx.at.to_zoned(jiff::tz::TimeZone::UTC).year();
    let seq: i64 = sqlx::query(
        "INSERT INTO wo_counters (year, last_seq) VALUES ($1, 1) ON CONFLICT (year) DO UPDATE SET last_seq = wo_counters.last_seq + 1 RETURNING last_seq",
    )
    .bind(i64::from(year))
    .fetch_one(&mut *tx)
    .await?
    .try_get("last_seq")?;
    let number = wo_rules::format_number(year, seq);
    let out_of_service = match (&asset, n.wo_type) {
        (Some(a), WorkOrderType::Repair) => asset_rules::status_when_repair_opened(a.status),
        _ => None,
    };
    let status = if n.assigned_to.is_some() { WorkOrderStatus::Assigned } else { WorkOrderStatus::Open };
    let downtime_start = out_of_service.map(|_| ctx.at);
    // A PM counts as on time within its scheduled month (REFERENCE §2.5).
    let window_end = match (n.wo_type, n.due_date) {
        (WorkOrderType::Pm, Some(due)) => Some(pm_rules::compliance_window(due, 0).1),
        _ => None,
    };
    let r = sqlx::query(
        "INSERT INTO work_orders (number, wo_type, priority, status, asset_id, requester_id, requester_contact, problem, \
         assigned_to, vendor_id, downtime_start, due_date, opened_at, assigned_at, took_out_of_service, version, updated_at, \
         window_end) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, $13, $16) RETURNING id",
    )
    .bind(&number).bind(n.wo_type.as_str()).bind(n.priority.as_str()).bind(status.as_str())
    .bind(n.asset_id.map(|a| a.0)).bind(requester.map(|u| u.0)).bind(&n.requester_contact).bind(&n.problem)
    .bind(n.assigned_to.map(|u| u.0)).bind(n.vendor_id.map(|v| v.0)).bind(ot(downtime_start)).bind(od(n.due_date))
    .bind(t(ctx.at)).bind(ot(n.assigned_to.map(|_| ctx.at))).bind(out_of_service.is_some())
    .bind(od(window_end))
    .fetch_one(&mut *tx).await.map_err(map_db_err)?;
    let id = WorkOrderId(r.try_get("id")?);
    let wo = fetch_work_order(tx, id).await?;
    append_audit(tx, ctx, "create", "work_order", id.to_string(), None, Some(snapshot(&wo))).await?;
    if let (Some(a), Some(to)) = (&asset, out_of_service) {
        set_asset_status(tx, ctx, a.id, to, &format!("repair {number} opened")).await?;
    }
    Ok(wo)
}

// ---------------------------------------------------------------------------------------------
// PM procedures and recorded PMs

fn step_from(r: &DbRow) -> Result<ProcedureStep, sqlx::Error> {
    Ok(ProcedureStep {
        id: r.try_get("id")?,
        position: r.try_get("position")?,
        kind: get_enum(r, "kind", StepKind::parse)?,
        instruction: r.try_get("instruction")?,
        unit: r.try_get("unit")?,
        limits: MeasurementLimits {
            nominal: r.try_get("nominal")?,
            lower_limit: r.try_get("lower_limit")?,
            upper_limit: r.try_get("upper_limit")?,
            tolerance_pct: r.try_get("tolerance_pct")?,
        },
    })
}

async fn fetch_procedure(conn: &mut DbConn, id: i64) -> StoreResult<Procedure> {
    let Some(r) = sqlx::query("SELECT * FROM pm_procedures WHERE id = $1").bind(id).fetch_optional(&mut *conn).await? else {
        return Err(StoreError::NotFound(format!("procedure {id}")));
    };
    let steps = sqlx::query("SELECT * FROM pm_procedure_steps WHERE procedure_id = $1 ORDER BY position")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(Procedure {
        id,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        version: r.try_get("version")?,
        created_at: get_ts(&r, "created_at")?,
        steps: steps.iter().map(step_from).collect::<Result<_, _>>()?,
        requirement: procedure_requirement_from(&r)?,
    })
}

/// One stored ESA limit row with its set's standard, edition, version and whether it is current.
async fn fetch_esa_limit(conn: &mut DbConn, id: i64) -> StoreResult<Option<(EsaLimit, bool)>> {
    let row = sqlx::query(
        "SELECT l.*, s.standard, s.edition, s.version, \
         (s.version = (SELECT MAX(version) FROM esa_limit_sets WHERE standard = s.standard)) AS is_current \
         FROM esa_limits l JOIN esa_limit_sets s ON s.id = l.set_id WHERE l.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(r) => Ok(Some((esa_limit_from(&r)?, r.try_get("is_current")?))),
        None => Ok(None),
    }
}

/// Reads a work order's recorded PM results.
async fn fetch_pm_record(conn: &mut DbConn, id: WorkOrderId) -> StoreResult<PmRecord> {
    let wo = fetch_work_order(conn, id).await?;
    let r = sqlx::query("SELECT procedure_id, linked_work_order_id FROM work_orders WHERE id = $1")
        .bind(id.0)
        .fetch_one(&mut *conn)
        .await?;
    let procedure_id: Option<i64> = r.try_get("procedure_id")?;
    let linked: Option<i64> = r.try_get("linked_work_order_id")?;
    let (mut code, mut version) = (None, None);
    if let Some(pid) = procedure_id {
        let p = sqlx::query("SELECT code, version FROM pm_procedures WHERE id = $1").bind(pid).fetch_one(&mut *conn).await?;
        code = Some(p.try_get("code")?);
        version = Some(p.try_get("version")?);
    }
    let rows = sqlx::query(
        "SELECT r.step_id, s.position, r.kind, s.instruction, r.passed, r.value, r.limit_text, r.note \
         FROM pm_step_results r JOIN pm_procedure_steps s ON s.id = r.step_id WHERE r.work_order_id = $1 ORDER BY s.position",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut results = Vec::with_capacity(rows.len());
    for r in &rows {
        results.push(StepResult {
            step_id: r.try_get("step_id")?,
            position: r.try_get("position")?,
            kind: get_enum(r, "kind", StepKind::parse)?,
            instruction: r.try_get("instruction")?,
            passed: r.try_get("passed")?,
            value: r.try_get("value")?,
            limit_text: r.try_get("limit_text")?,
            note: r.try_get("note")?,
            readings: Vec::new(),
        });
    }
    let readings = sqlx::query(
        "SELECT e.step_id, e.esa_limit_id, e.value, e.passed, l.test, l.limit_value, l.unit, l.comparator \
         FROM esa_readings e JOIN esa_limits l ON l.id = e.esa_limit_id WHERE e.work_order_id = $1 ORDER BY e.id",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?;
    for r in &readings {
        let step_id: i64 = r.try_get("step_id")?;
        let reading = EsaReadingResult {
            limit_id: r.try_get("esa_limit_id")?,
            test: get_enum(r, "test", EsaTest::parse)?,
            value: r.try_get("value")?,
            limit: r.try_get("limit_value")?,
            unit: r.try_get("unit")?,
            comparator: get_enum(r, "comparator", Comparator::parse)?,
            passed: r.try_get("passed")?,
        };
        if let Some(s) = results.iter_mut().find(|s| s.step_id == step_id) {
            s.readings.push(reading);
        }
    }
    let equipment = sqlx::query(
        "SELECT e.asset_id, e.calibration_due, a.asset_tag, a.serial_number, m.model_number, m.name AS model_name, \
         f.name AS manufacturer_name FROM wo_test_equipment e JOIN assets a ON a.id = e.asset_id \
         JOIN device_models m ON m.id = a.model_id JOIN manufacturers f ON f.id = m.manufacturer_id \
         WHERE e.work_order_id = $1 ORDER BY e.asset_id",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?;
    let instruments = equipment
        .iter()
        .map(|r| {
            Ok(htm_domain::procedure::TestEquipmentUse {
                asset_id: AssetId(r.try_get("asset_id")?),
                asset_tag: r.try_get("asset_tag")?,
                manufacturer: r.try_get("manufacturer_name")?,
                model_number: r.try_get("model_number")?,
                model_name: r.try_get("model_name")?,
                serial_number: r.try_get("serial_number")?,
                calibration_due: get_od(r, "calibration_due")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(PmRecord {
        work_order: wo,
        procedure_id,
        procedure_code: code,
        procedure_version: version,
        linked_work_order_id: linked.map(WorkOrderId),
        test_equipment: instruments.iter().map(|i| i.asset_id).collect(),
        instruments,
        results,
    })
}

/// Records (and with `complete`, signs off) a PM inside the caller's transaction. Every check
/// runs before the first write, so a refusal writes nothing.
async fn record_pm_tx(conn: &mut DbConn, ctx: &ChangeContext, id: WorkOrderId, req: &PmRecordRequest) -> StoreResult<PmRecord> {
    let before = fetch_work_order(conn, id).await?;
    if before.version != req.version {
        return Err(stale("work order", &before.number, req.version, before.version));
    }
    if before.wo_type != WorkOrderType::Pm {
        return Err(invalid("wo_type", format!("{} is not a PM work order; only PM results can be recorded", before.number)));
    }
    if before.status != WorkOrderStatus::InProgress {
        return Err(invalid(
            "status",
            format!("PM results can be recorded only while the PM is in progress ({} is {})", before.number, before.status.as_str()),
        ));
    }
    let Some(asset_id) = before.asset_id else { return Err(invalid("asset_id", "the PM has no asset")) };
    let asset = fetch_asset(conn, asset_id).await?;

    // The procedure: the version already recorded on this PM, else the latest version of the
    // asset's override or its model's default.
    let current: Option<i64> = sqlx::query("SELECT procedure_id FROM work_orders WHERE id = $1")
        .bind(id.0)
        .fetch_one(&mut *conn)
        .await?
        .try_get("procedure_id")?;
    let procedure_id = match current {
        Some(p) => p,
        None => {
            let code = match &asset.pm_procedure_code {
                Some(c) => Some(c.clone()),
                None => sqlx::query("SELECT pm_procedure_code FROM device_models WHERE id = $1")
                    .bind(asset.model.id.0)
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get::<Option<String>, _>("pm_procedure_code")?,
            };
            let Some(code) = code else {
                return Err(invalid(
                    "pm_procedure_code",
                    format!(
                        "asset {} has no PM procedure: set pm_procedure_code on the asset or on its model ({})",
                        asset.asset_tag, asset.model.model_number
                    ),
                ));
            };
            let row = sqlx::query("SELECT id FROM pm_procedures WHERE code = $1 ORDER BY version DESC LIMIT 1")
                .bind(&code)
                .fetch_optional(&mut *conn)
                .await?;
            match row {
                Some(r) => r.try_get("id")?,
                None => {
                    return Err(invalid(
                        "pm_procedure_code",
                        format!("asset {} names PM procedure {code}, which does not exist", asset.asset_tag),
                    ));
                }
            }
        }
    };
    let procedure = fetch_procedure(conn, procedure_id).await?;
    // The technician's qualification for this procedure (refused or flagged per site policy).
    qualification_gate(conn, ctx, &before, procedure.id).await?;

    // Electrical safety: every reading against a current limit of the chosen standard that
    // applies to this device's protection class and applied part.
    let mut readings = Vec::new();
    if let Some(esa) = req.esa.as_ref().filter(|e| !e.readings.is_empty()) {
        let class = asset.protection_class.ok_or_else(|| {
            invalid("protection_class", format!("asset {} has no protection_class (I, II or internal); set it to record electrical safety readings", asset.asset_tag))
        })?;
        let applied_part = asset.applied_part.ok_or_else(|| {
            invalid("applied_part", format!("asset {} has no applied_part (none, B, BF or CF); set it to record electrical safety readings", asset.asset_tag))
        })?;
        for (i, r) in esa.readings.iter().enumerate() {
            let field = format!("esa.readings[{i}].limit_id");
            let Some((limit, is_current)) = fetch_esa_limit(conn, r.limit_id).await? else {
                return Err(invalid(&field, format!("no electrical safety limit with id {}", r.limit_id)));
            };
            if limit.standard != esa.standard {
                return Err(invalid(&field, format!("limit {} belongs to {}, not {}", limit.id, limit.standard.label(), esa.standard.label())));
            }
            if !is_current {
                return Err(invalid(&field, format!("limit {} is from a superseded version of {}", limit.id, limit.standard.label())));
            }
            if !limit.applies_to(class, applied_part) {
                return Err(invalid(
                    &field,
                    format!(
                        "limit {} ({}, {}) does not apply to asset {}: {} with applied part {}",
                        limit.id,
                        limit.test.label(),
                        limit.configuration,
                        asset.asset_tag,
                        class.label(),
                        applied_part.as_str()
                    ),
                ));
            }
            readings.push((r.clone(), limit));
        }
    }
    let results = if req.complete {
        procedure_rules::judge(&procedure, &req.steps, &readings)?
    } else {
        procedure_rules::judge_draft(&procedure, &req.steps, &readings)?
    };

    // Test equipment: must exist; at sign-off, must be in calibration today.
    let today = ctx.at.to_zoned(jiff::tz::TimeZone::UTC).date();
    let mut equipment: Vec<AssetId> = Vec::new();
    let mut equipment_due: Vec<Option<Date>> = Vec::new();
    for a in &req.test_equipment {
        if equipment.contains(a) {
            continue;
        }
        let e = fetch_asset(conn, *a).await.map_err(|_| invalid("test_equipment", format!("no asset with id {a}")))?;
        if req.complete
            && let Some(due) = e.calibration_due
            && due < today
        {
            return Err(invalid(
                "test_equipment",
                format!(
                    "test equipment {} ({}) was due for calibration on {due}; a PM cannot be signed off with out-of-calibration equipment",
                    e.asset_tag, e.model.name
                ),
            ));
        }
        equipment.push(*a);
        equipment_due.push(e.calibration_due);
    }

    // Writes.
    for table in ["esa_readings", "pm_step_results", "wo_test_equipment"] {
        let sql = format!("DELETE FROM {table} WHERE work_order_id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).execute(&mut *conn).await?;
    }
    for r in &results {
        sqlx::query(
            "INSERT INTO pm_step_results (work_order_id, step_id, kind, passed, value, limit_text, note) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.0)
        .bind(r.step_id)
        .bind(r.kind.as_str())
        .bind(r.passed)
        .bind(r.value)
        .bind(&r.limit_text)
        .bind(&r.note)
        .execute(&mut *conn)
        .await?;
        for x in &r.readings {
            sqlx::query("INSERT INTO esa_readings (work_order_id, step_id, esa_limit_id, value, passed) VALUES ($1, $2, $3, $4, $5)")
                .bind(id.0)
                .bind(r.step_id)
                .bind(x.limit_id)
                .bind(x.value)
                .bind(x.passed)
                .execute(&mut *conn)
                .await?;
        }
    }
    // Each instrument's calibration due date is kept as it was at the time of use (REFERENCE §1.5).
    for (a, due) in equipment.iter().zip(&equipment_due) {
        sqlx::query("INSERT INTO wo_test_equipment (work_order_id, asset_id, calibration_due) VALUES ($1, $2, $3)")
            .bind(id.0)
            .bind(a.0)
            .bind(od(*due))
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("UPDATE work_orders SET procedure_id = $1 WHERE id = $2").bind(procedure.id).bind(id.0).execute(&mut *conn).await?;
    let failed = results.iter().any(|r| !r.passed);
    let mut linked = None;
    if req.complete {
        let mut wo = before.clone();
        let tr = TransitionRequest {
            to: WorkOrderStatus::Completed.as_str().into(),
            result: Some(if failed { WorkResult::Fail } else { WorkResult::Pass }),
            pm_outcome: Some(PmOutcome::Done),
            work_performed: Some(procedure_rules::work_summary(&procedure.code, procedure.version, &results)),
            ..Default::default()
        };
        wo_rules::apply_transition(&mut wo, &tr, ctx.at)?;
        write_work_order(conn, &wo, before.version, ctx.at).await?;
        if failed {
            let repair = NewWorkOrder {
                wo_type: WorkOrderType::Repair,
                priority: Priority::High,
                asset_id: Some(asset_id),
                problem: procedure_rules::failure_summary(&before.number, &procedure.code, procedure.version, &results),
                requester_contact: None,
                assigned_to: None,
                vendor_id: None,
                due_date: None,
            };
            let repair_ctx = ctx.with_reason(Some(format!("PM {} failed", before.number)));
            let r = insert_work_order_tx(conn, &repair_ctx, &repair, ctx.actor_id).await?;
            sqlx::query("UPDATE work_orders SET linked_work_order_id = $1 WHERE id = $2").bind(r.id.0).bind(id.0).execute(&mut *conn).await?;
            linked = Some(r.id);
        }
        let after = fetch_work_order(conn, id).await?;
        let content = snapshot(&after);
        append_audit(conn, ctx, "transition", "work_order", id.to_string(), Some(snapshot(&before)), Some(content.clone())).await?;
        sign_work_order_change(conn, ctx, &before, &after, &content).await?;
    } else {
        let done = sqlx::query("UPDATE work_orders SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3")
            .bind(t(ctx.at))
            .bind(id.0)
            .bind(before.version)
            .execute(&mut *conn)
            .await?;
        if done.rows_affected() == 0 {
            return Err(stale("work order", &before.number, before.version, before.version + 1));
        }
        // The work order's audited state follows every change of its row.
        let after = fetch_work_order(conn, id).await?;
        append_audit(conn, ctx, "update", "work_order", id.to_string(), Some(snapshot(&before)), Some(snapshot(&after))).await?;
    }
    let record = serde_json::json!({
        "procedure_id": procedure.id,
        "procedure_code": procedure.code,
        "procedure_version": procedure.version,
        "test_equipment": equipment,
        "complete": req.complete,
        "linked_work_order_id": linked,
        "results": results,
    });
    append_audit(conn, ctx, "pm_record", "work_order", id.to_string(), None, Some(snapshot(&record))).await?;
    fetch_pm_record(conn, id).await
}

// ---------------------------------------------------------------------------------------------
// Seeding

async fn seed_all(conn: &mut DbConn, ctx: &ChangeContext, d: &Dataset) -> StoreResult<()> {
    let at = t(ctx.at);
    let mut events: Vec<(String, String, String)> = Vec::new();
    macro_rules! bulk {
        ($rows:expr, $sql:literal, |$b:ident, $r:ident| $body:block, $etype:literal, $eid:expr) => {
            for chunk in $rows.chunks(400) {
                let mut qb: QueryBuilder<Db> = QueryBuilder::new($sql);
                qb.push_values(chunk, |mut $b, $r| $body);
                qb.build().execute(&mut *conn).await.map_err(map_db_err)?;
            }
            for $r in $rows.iter() {
                events.push(($etype.to_string(), ($eid).to_string(), snapshot($r)));
            }
        };
    }
    bulk!(d.sites, "INSERT INTO sites (id, code, name, address, version, created_at, updated_at) ", |b, r| {
        b.push_bind(r.id.0).push_bind(r.code.clone()).push_bind(r.name.clone()).push_bind(r.address.clone())
            .push_bind(1_i64).push_bind(at).push_bind(at);
    }, "site", r.id);
    bulk!(d.buildings, "INSERT INTO buildings (id, site_id, code, name, version, created_at, updated_at) ", |b, r| {
        b.push_bind(r.id.0).push_bind(r.site_id.0).push_bind(r.code.clone()).push_bind(r.name.clone())
            .push_bind(1_i64).push_bind(at).push_bind(at);
    }, "building", r.id);
    bulk!(d.departments, "INSERT INTO departments (id, building_id, cost_center, name, version, created_at, updated_at) ", |b, r| {
        b.push_bind(r.id.0).push_bind(r.building_id.0).push_bind(r.cost_center.clone()).push_bind(r.name.clone())
            .push_bind(1_i64).push_bind(at).push_bind(at);
    }, "department", r.id);
    bulk!(d.locations, "INSERT INTO locations (id, department_id, name, floor, version, created_at, updated_at) ", |b, r| {
        b.push_bind(r.id.0).push_bind(r.department_id.0).push_bind(r.name.clone()).push_bind(r.floor.clone())
            .push_bind(1_i64).push_bind(at).push_bind(at);
    }, "location", r.id);
    bulk!(d.manufacturers, "INSERT INTO manufacturers (id, name, version, created_at, updated_at) ", |b, r| {
        b.push_bind(r.id.0).push_bind(r.name.clone()).push_bind(1_i64).push_bind(at).push_bind(at);
    }, "manufacturer", r.id);
    bulk!(d.vendors, "INSERT INTO vendors (id, name, phone, email, version, created_at, updated_at) ", |b, r| {
        b.push_bind(r.id.0).push_bind(r.name.clone()).push_bind(r.phone.clone()).push_bind(r.email.clone())
            .push_bind(1_i64).push_bind(at).push_bind(at);
    }, "vendor", r.id);
    bulk!(d.models, "INSERT INTO device_models (id, manufacturer_id, model_number, name, category, nomenclature_system, nomenclature_code, fda_product_code, fda_class, expected_life_years, high_risk, life_support, version, created_at, updated_at, fda_510k) ", |b, r| {
        b.push_bind(r.id.0).push_bind(r.manufacturer_id.0).push_bind(r.model_number.clone()).push_bind(r.name.clone())
            .push_bind(r.category.clone()).push_bind(r.nomenclature_system.map(|n| n.as_str()))
            .push_bind(r.nomenclature_code.clone()).push_bind(r.fda_product_code.clone())
            .push_bind(r.fda_class.map(|c| c.as_str())).push_bind(r.expected_life_years)
            .push_bind(r.high_risk).push_bind(r.life_support).push_bind(1_i64).push_bind(at).push_bind(at)
            .push_bind(r.fda_510k.clone());
    }, "model", r.id);
    for chunk in d.users.chunks(400) {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new("INSERT INTO users (id, username, display_name, role, email, vendor_id, active, password_hash, version, created_at, updated_at) ");
        qb.push_values(chunk, |mut b, s| {
            let r = &s.user;
            b.push_bind(r.id.0).push_bind(r.username.clone()).push_bind(r.display_name.clone())
                .push_bind(r.role.as_str()).push_bind(r.email.clone()).push_bind(r.vendor_id.map(|v| v.0))
                .push_bind(r.active).push_bind(s.password_hash.clone()).push_bind(1_i64).push_bind(at).push_bind(at);
        });
        qb.build().execute(&mut *conn).await.map_err(map_db_err)?;
    }
    for s in &d.users {
        events.push(("user".into(), s.user.id.to_string(), snapshot(&s.user)));
    }
    for chunk in d.assets.chunks(300) {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO assets (id, asset_tag, serial_number, model_id, department_id, location_id, status, \
             acquisition_date, acquisition_cost_minor, currency, vendor_id, purchase_order, in_service_date, \
             warranty_end, udi_di, udi_lot, udi_serial, udi_manufactured, udi_expiry, udi_raw, high_risk_override, \
             life_support_override, notes, version, created_at, updated_at, pm_procedure_code, protection_class, \
             applied_part, calibration_due, calibrated_on, calibration_certificate) ",
        );
        qb.push_values(chunk, |mut b, s| {
            let f = &s.fields;
            b.push_bind(s.id.0).push_bind(f.asset_tag.clone()).push_bind(f.serial_number.clone())
                .push_bind(f.model_id.0).push_bind(f.department_id.0).push_bind(f.location_id.map(|l| l.0))
                .push_bind(f.status.as_str()).push_bind(od(f.acquisition_date)).push_bind(f.acquisition_cost_minor)
                .push_bind(f.currency.clone()).push_bind(f.vendor_id.map(|v| v.0)).push_bind(f.purchase_order.clone())
                .push_bind(od(f.in_service_date)).push_bind(od(f.warranty_end)).push_bind(f.udi.di.clone())
                .push_bind(f.udi.lot.clone()).push_bind(f.udi.serial.clone()).push_bind(od(f.udi.manufactured))
                .push_bind(od(f.udi.expiry)).push_bind(f.udi.raw.clone()).push_bind(f.high_risk_override)
                .push_bind(f.life_support_override).push_bind(f.notes.clone()).push_bind(1_i64)
                .push_bind(t(s.created_at)).push_bind(at).push_bind(s.pm.pm_procedure_code.clone())
                .push_bind(s.pm.protection_class.map(|c| c.as_str())).push_bind(s.pm.applied_part.map(|c| c.as_str()))
                .push_bind(od(s.pm.calibration_due)).push_bind(od(s.pm.calibrated_on))
                .push_bind(s.pm.calibration_certificate.clone());
        });
        qb.build().execute(&mut *conn).await.map_err(map_db_err)?;
    }
    seed_designations(conn, ctx, d).await?;
    for s in &d.assets {
        let snap = serde_json::json!({ "fields": &s.fields, "pm": &s.pm });
        events.push(("asset".into(), s.id.to_string(), snapshot(&snap)));
    }
    // PM procedures, their steps, and each model's default procedure.
    for pr in &d.procedures {
        sqlx::query("INSERT INTO pm_procedures (id, code, name, version, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(pr.id)
            .bind(&pr.code)
            .bind(&pr.name)
            .bind(pr.version)
            .bind(t(pr.created_at))
            .execute(&mut *conn)
            .await
            .map_err(map_db_err)?;
        for st in &pr.steps {
            sqlx::query(
                "INSERT INTO pm_procedure_steps (id, procedure_id, position, kind, instruction, unit, nominal, lower_limit, \
                 upper_limit, tolerance_pct) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(st.id)
            .bind(pr.id)
            .bind(st.position)
            .bind(st.kind.as_str())
            .bind(&st.instruction)
            .bind(&st.unit)
            .bind(st.limits.nominal)
            .bind(st.limits.lower_limit)
            .bind(st.limits.upper_limit)
            .bind(st.limits.tolerance_pct)
            .execute(&mut *conn)
            .await
            .map_err(map_db_err)?;
        }
        events.push(("procedure".into(), pr.id.to_string(), snapshot(pr)));
    }
    seed_qualifications(conn, d, &mut events).await?;
    for (model, code) in &d.model_procedures {
        sqlx::query("UPDATE device_models SET pm_procedure_code = $1 WHERE id = $2").bind(code).bind(model.0).execute(&mut *conn).await?;
        events.push(("model_procedure".into(), model.to_string(), snapshot(&serde_json::json!({ "pm_procedure_code": code }))));
    }
    for chunk in d.pm_schedules.chunks(400) {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO pm_schedules (id, asset_id, interval_months, basis, anchor_date, grace_days, active, version, created_at, updated_at) ",
        );
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(r.id)
                .push_bind(r.asset_id.0)
                .push_bind(r.interval_months)
                .push_bind(r.basis.as_str())
                .push_bind(r.anchor_date.to_sqlx())
                .push_bind(r.grace_days)
                .push_bind(r.active)
                .push_bind(1_i64)
                .push_bind(at)
                .push_bind(at);
        });
        qb.build().execute(&mut *conn).await.map_err(map_db_err)?;
    }
    for r in &d.pm_schedules {
        events.push(("pm_schedule".into(), r.id.to_string(), snapshot(r)));
    }
    for chunk in d.work_orders.chunks(250) {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO work_orders (id, number, wo_type, priority, status, hold_reason, asset_id, requester_id, \
             requester_contact, problem, assigned_to, vendor_id, cause_code, work_performed, result, downtime_start, \
             downtime_end, due_date, opened_at, assigned_at, started_at, completed_at, closed_at, \
             took_out_of_service, version, updated_at, schedule_id, pm_period, pm_outcome, window_end) ",
        );
        qb.push_values(chunk, |mut b, w| {
            b.push_bind(w.id.0).push_bind(w.number.clone()).push_bind(w.wo_type.as_str())
                .push_bind(w.priority.as_str()).push_bind(w.status.as_str()).push_bind(w.hold_reason.map(|h| h.as_str()))
                .push_bind(w.asset_id.map(|a| a.0)).push_bind(w.requester_id.map(|u| u.0))
                .push_bind(w.requester_contact.clone()).push_bind(w.problem.clone())
                .push_bind(w.assigned_to.map(|u| u.0)).push_bind(w.vendor_id.map(|v| v.0))
                .push_bind(w.cause_code.clone()).push_bind(w.work_performed.clone())
                .push_bind(w.result.map(|r| r.as_str())).push_bind(ot(w.downtime_start)).push_bind(ot(w.downtime_end))
                .push_bind(od(w.due_date)).push_bind(t(w.opened_at)).push_bind(ot(w.assigned_at))
                .push_bind(ot(w.started_at)).push_bind(ot(w.completed_at)).push_bind(ot(w.closed_at))
                .push_bind(w.took_out_of_service).push_bind(1_i64).push_bind(at)
                .push_bind(w.schedule_id).push_bind(w.pm_period.clone())
                .push_bind(w.pm_outcome.map(|o| o.as_str())).push_bind(od(w.window_end));
        });
        qb.build().execute(&mut *conn).await.map_err(map_db_err)?;
    }
    let labour: Vec<(WorkOrderId, &LabourEntry)> =
        d.work_orders.iter().flat_map(|w| w.labour.iter().map(move |l| (w.id, l))).collect();
    for chunk in labour.chunks(500) {
        let mut qb: QueryBuilder<Db> =
            QueryBuilder::new("INSERT INTO wo_labour (work_order_id, technician_id, work_date, minutes, note) ");
        qb.push_values(chunk, |mut b, (w, l)| {
            b.push_bind(w.0).push_bind(l.technician_id.0).push_bind(l.work_date.to_sqlx()).push_bind(l.minutes)
                .push_bind(l.note.clone());
        });
        qb.build().execute(&mut *conn).await.map_err(map_db_err)?;
    }
    let parts: Vec<(WorkOrderId, &PartUsed)> =
        d.work_orders.iter().flat_map(|w| w.parts.iter().map(move |p| (w.id, p))).collect();
    for chunk in parts.chunks(500) {
        let mut qb: QueryBuilder<Db> =
            QueryBuilder::new("INSERT INTO wo_parts (work_order_id, part_number, description, quantity, unit_cost_minor) ");
        qb.push_values(chunk, |mut b, (w, p)| {
            b.push_bind(w.0).push_bind(p.part_number.clone()).push_bind(p.description.clone())
                .push_bind(p.quantity).push_bind(p.unit_cost_minor);
        });
        qb.build().execute(&mut *conn).await.map_err(map_db_err)?;
    }
    for w in &d.work_orders {
        events.push(("work_order".into(), w.id.to_string(), snapshot(w)));
    }
    seed_pm_results(conn, d, &mut events).await?;
    // Work-order number counters continue after the highest number of each year.
    let mut last: std::collections::BTreeMap<i16, i64> = std::collections::BTreeMap::new();
    for w in &d.work_orders {
        if let Some((y, n)) = wo_rules::parse_number(&w.number) {
            let e = last.entry(y).or_insert(0);
            *e = (*e).max(n);
        }
    }
    for (y, n) in last {
        sqlx::query("INSERT INTO wo_counters (year, last_seq) VALUES ($1, $2) ON CONFLICT (year) DO UPDATE SET last_seq = $2")
            .bind(i64::from(y))
            .bind(n)
            .execute(&mut *conn)
            .await?;
    }
    // One `create` event per row, linked in one go.
    let events = events.into_iter().map(|(ty, id, after)| ("create", ty, id, None, Some(after))).collect();
    append_audit_bulk(conn, ctx, events).await?;
    after_seed(conn).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The Store

#[allow(clippy::too_many_arguments)]
/// Lists a simple table in id order, one keyset page at a time.
async fn list_page<T>(
    pool: &sqlx::Pool<Db>,
    select: &str,
    id_col: &str,
    extra: Option<(&str, i64)>,
    page: PageRequest,
    map: fn(&DbRow) -> Result<T, sqlx::Error>,
    key: fn(&T) -> i64,
) -> StoreResult<Page<T>> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(select);
    qb.push(" WHERE 1 = 1");
    if let Some(after) = page.after {
        qb.push(format!(" AND {id_col} > ")).push_bind(after);
    }
    if let Some((col, v)) = extra {
        qb.push(format!(" AND {col} = ")).push_bind(v);
    }
    qb.push(format!(" ORDER BY {id_col} LIMIT ")).push_bind(i64::from(page.limit) + 1);
    let rows = qb.build().fetch_all(pool).await?;
    let items = rows.iter().map(map).collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(items, page.limit, key))
}

/// Columns a blank value clears.
const OPTIONAL_ORG_COLUMNS: &[&str] = &["address", "floor"];

#[allow(clippy::too_many_arguments)]
/// Updates a named organisational row: reads it, checks the version, writes, audits.
async fn update_named<T: serde::Serialize>(
    pool: &sqlx::Pool<Db>,
    ctx: &ChangeContext,
    table: &str,
    entity: &str,
    id: i64,
    patch: &OrgPatch,
    sets: &[(&str, Option<&String>)],
    map: fn(&DbRow) -> Result<T, sqlx::Error>,
) -> StoreResult<T> {
    let mut tx = begin_write(pool).await?;
    let before = fetch_one(&mut tx, table, id, map, entity).await?;
    let current: i64 = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT version FROM {table} WHERE id = $1")))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("version")?;
    if current != patch.version {
        return Err(stale(entity, id, patch.version, current));
    }
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(format!("UPDATE {table} SET version = version + 1, updated_at = "));
    qb.push_bind(t(ctx.at));
    for (col, v) in sets {
        if let Some(v) = v {
            let v = v.trim().to_string();
            if v.is_empty() {
                if OPTIONAL_ORG_COLUMNS.contains(col) {
                    qb.push(format!(", {col} = NULL"));
                    continue;
                }
                return Err(invalid(col, "must not be blank"));
            }
            qb.push(format!(", {col} = ")).push_bind(v);
        }
    }
    qb.push(" WHERE id = ").push_bind(id).push(" AND version = ").push_bind(patch.version);
    if qb.build().execute(&mut *tx).await.map_err(map_db_err)?.rows_affected() == 0 {
        return Err(stale(entity, id, patch.version, patch.version + 1));
    }
    let after = fetch_one(&mut tx, table, id, map, entity).await?;
    let ctx = ctx.with_reason(patch.reason.clone());
    append_audit(&mut tx, &ctx, "update", entity, id.to_string(), Some(snapshot(&before)), Some(snapshot(&after))).await?;
    tx.commit().await?;
    Ok(after)
}

#[async_trait]
impl Store for Impl {
    fn backend(&self) -> crate::Backend {
        BACKEND
    }

    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    async fn is_empty(&self) -> StoreResult<bool> {
        let r = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM sites) + (SELECT COUNT(*) FROM assets) + (SELECT COUNT(*) FROM work_orders) AS n",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(r.try_get::<i64, _>("n")? == 0)
    }

    async fn seed(&self, ctx: &ChangeContext, data: &Dataset) -> StoreResult<()> {
        let mut tx = begin_write(&self.pool).await?;
        seed_all(&mut tx, ctx, data).await?;
        tx.commit().await?;
        self.refresh_statistics().await
    }

    async fn refresh_statistics(&self) -> StoreResult<()> {
        if BACKEND == crate::Backend::Postgres {
            sqlx::query("ANALYZE").execute(&self.pool).await?;
        }
        Ok(())
    }

    // --- organisation --------------------------------------------------------------------

    async fn list_sites(&self) -> StoreResult<Vec<Site>> {
        let rows = sqlx::query("SELECT * FROM sites ORDER BY id").fetch_all(&self.pool).await?;
        Ok(rows.iter().map(site_from).collect::<Result<_, _>>()?)
    }

    async fn get_site(&self, id: SiteId) -> StoreResult<Site> {
        let mut c = self.pool.acquire().await?;
        fetch_one(&mut c, "sites", id.0, site_from, "site").await
    }

    async fn insert_site(&self, ctx: &ChangeContext, n: &NewSite) -> StoreResult<Site> {
        let mut tx = begin_write(&self.pool).await?;
        let r = sqlx::query("INSERT INTO sites (code, name, address, version, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4) RETURNING *")
            .bind(&n.code).bind(&n.name).bind(&n.address).bind(t(ctx.at))
            .fetch_one(&mut *tx).await.map_err(map_db_err)?;
        let s = site_from(&r)?;
        append_audit(&mut tx, ctx, "create", "site", s.id.to_string(), None, Some(snapshot(&s))).await?;
        tx.commit().await?;
        Ok(s)
    }

    async fn update_site(&self, ctx: &ChangeContext, id: SiteId, p: &OrgPatch) -> StoreResult<Site> {
        let sets = [("code", p.code.as_ref()), ("name", p.name.as_ref()), ("address", p.address.as_ref())];
        update_named(&self.pool, ctx, "sites", "site", id.0, p, &sets, site_from).await
    }

    async fn list_buildings(&self, site: Option<SiteId>) -> StoreResult<Vec<Building>> {
        let rows = sqlx::query("SELECT * FROM buildings WHERE ($1 IS NULL OR site_id = $1) ORDER BY id")
            .bind(site.map(|s| s.0))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(building_from).collect::<Result<_, _>>()?)
    }

    async fn insert_building(&self, ctx: &ChangeContext, n: &NewBuilding) -> StoreResult<Building> {
        let mut tx = begin_write(&self.pool).await?;
        must_exist(&mut tx, "sites", n.site_id.0, "site_id").await?;
        let r = sqlx::query("INSERT INTO buildings (site_id, code, name, version, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4) RETURNING *")
            .bind(n.site_id.0).bind(&n.code).bind(&n.name).bind(t(ctx.at))
            .fetch_one(&mut *tx).await.map_err(map_db_err)?;
        let b = building_from(&r)?;
        append_audit(&mut tx, ctx, "create", "building", b.id.to_string(), None, Some(snapshot(&b))).await?;
        tx.commit().await?;
        Ok(b)
    }

    async fn list_departments(&self, building: Option<BuildingId>) -> StoreResult<Vec<Department>> {
        let rows = sqlx::query("SELECT * FROM departments WHERE ($1 IS NULL OR building_id = $1) ORDER BY name, id")
            .bind(building.map(|s| s.0))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(department_from).collect::<Result<_, _>>()?)
    }

    async fn get_department(&self, id: DepartmentId) -> StoreResult<Department> {
        let mut c = self.pool.acquire().await?;
        fetch_one(&mut c, "departments", id.0, department_from, "department").await
    }

    async fn insert_department(&self, ctx: &ChangeContext, n: &NewDepartment) -> StoreResult<Department> {
        let mut tx = begin_write(&self.pool).await?;
        must_exist(&mut tx, "buildings", n.building_id.0, "building_id").await?;
        let r = sqlx::query("INSERT INTO departments (building_id, cost_center, name, version, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4) RETURNING *")
            .bind(n.building_id.0).bind(&n.cost_center).bind(&n.name).bind(t(ctx.at))
            .fetch_one(&mut *tx).await.map_err(map_db_err)?;
        let d = department_from(&r)?;
        append_audit(&mut tx, ctx, "create", "department", d.id.to_string(), None, Some(snapshot(&d))).await?;
        tx.commit().await?;
        Ok(d)
    }

    async fn update_department(&self, ctx: &ChangeContext, id: DepartmentId, p: &OrgPatch) -> StoreResult<Department> {
        let sets = [("cost_center", p.cost_center.as_ref()), ("name", p.name.as_ref())];
        update_named(&self.pool, ctx, "departments", "department", id.0, p, &sets, department_from).await
    }

    async fn list_locations(&self, department: Option<DepartmentId>, page: PageRequest) -> StoreResult<Page<Location>> {
        list_page(&self.pool, "SELECT * FROM locations", "id", department.map(|d| ("department_id", d.0)), page, location_from, |l| l.id.0).await
    }

    async fn get_location(&self, id: LocationId) -> StoreResult<Location> {
        let mut c = self.pool.acquire().await?;
        fetch_one(&mut c, "locations", id.0, location_from, "location").await
    }

    async fn insert_location(&self, ctx: &ChangeContext, n: &NewLocation) -> StoreResult<Location> {
        let mut tx = begin_write(&self.pool).await?;
        must_exist(&mut tx, "departments", n.department_id.0, "department_id").await?;
        let r = sqlx::query("INSERT INTO locations (department_id, name, floor, version, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4) RETURNING *")
            .bind(n.department_id.0).bind(&n.name).bind(&n.floor).bind(t(ctx.at))
            .fetch_one(&mut *tx).await.map_err(map_db_err)?;
        let l = location_from(&r)?;
        append_audit(&mut tx, ctx, "create", "location", l.id.to_string(), None, Some(snapshot(&l))).await?;
        tx.commit().await?;
        Ok(l)
    }

    async fn update_location(&self, ctx: &ChangeContext, id: LocationId, p: &OrgPatch) -> StoreResult<Location> {
        let sets = [("name", p.name.as_ref()), ("floor", p.floor.as_ref())];
        update_named(&self.pool, ctx, "locations", "location", id.0, p, &sets, location_from).await
    }

    // --- catalogue -----------------------------------------------------------------------

    async fn list_manufacturers(&self, page: PageRequest) -> StoreResult<Page<Manufacturer>> {
        list_page(&self.pool, "SELECT * FROM manufacturers", "id", None, page, manufacturer_from, |m| m.id.0).await
    }

    async fn get_manufacturer(&self, id: ManufacturerId) -> StoreResult<Manufacturer> {
        let mut c = self.pool.acquire().await?;
        fetch_one(&mut c, "manufacturers", id.0, manufacturer_from, "manufacturer").await
    }

    async fn insert_manufacturer(&self, ctx: &ChangeContext, n: &NewManufacturer) -> StoreResult<Manufacturer> {
        let mut tx = begin_write(&self.pool).await?;
        let r = sqlx::query("INSERT INTO manufacturers (name, version, created_at, updated_at) VALUES ($1, 1, $2, $2) RETURNING *")
            .bind(&n.name).bind(t(ctx.at))
            .fetch_one(&mut *tx).await.map_err(map_db_err)?;
        let m = manufacturer_from(&r)?;
        append_audit(&mut tx, ctx, "create", "manufacturer", m.id.to_string(), None, Some(snapshot(&m))).await?;
        tx.commit().await?;
        Ok(m)
    }

    async fn update_manufacturer(&self, ctx: &ChangeContext, id: ManufacturerId, p: &OrgPatch) -> StoreResult<Manufacturer> {
        let sets = [("name", p.name.as_ref())];
        update_named(&self.pool, ctx, "manufacturers", "manufacturer", id.0, p, &sets, manufacturer_from).await
    }

    async fn list_vendors(&self, page: PageRequest) -> StoreResult<Page<Vendor>> {
        list_page(&self.pool, "SELECT * FROM vendors", "id", None, page, vendor_from, |v| v.id.0).await
    }

    async fn insert_vendor(&self, ctx: &ChangeContext, n: &NewVendor) -> StoreResult<Vendor> {
        let mut tx = begin_write(&self.pool).await?;
        let r = sqlx::query("INSERT INTO vendors (name, phone, email, version, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4) RETURNING *")
            .bind(&n.name).bind(&n.phone).bind(&n.email).bind(t(ctx.at))
            .fetch_one(&mut *tx).await.map_err(map_db_err)?;
        let v = vendor_from(&r)?;
        append_audit(&mut tx, ctx, "create", "vendor", v.id.to_string(), None, Some(snapshot(&v))).await?;
        tx.commit().await?;
        Ok(v)
    }

    async fn list_models(&self, q: Option<&str>, page: PageRequest) -> StoreResult<Page<DeviceModel>> {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(MODEL_SELECT);
        qb.push(" WHERE 1 = 1");
        if let Some(after) = page.after {
            qb.push(" AND m.id > ").push_bind(after);
        }
        if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
            let p = like_pattern(q);
            qb.push(" AND (lower(m.model_number) LIKE ").push_bind(p.clone()).push(" ESCAPE '\\'");
            qb.push(" OR lower(m.name) LIKE ").push_bind(p.clone()).push(" ESCAPE '\\'");
            qb.push(" OR lower(m.category) LIKE ").push_bind(p.clone()).push(" ESCAPE '\\'");
            qb.push(" OR lower(f.name) LIKE ").push_bind(p).push(" ESCAPE '\\')");
        }
        qb.push(" ORDER BY m.id LIMIT ").push_bind(i64::from(page.limit) + 1);
        let rows = qb.build().fetch_all(&self.pool).await?;
        let items = rows.iter().map(model_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, page.limit, |m| m.id.0))
    }

    async fn get_model(&self, id: ModelId) -> StoreResult<DeviceModel> {
        let mut c = self.pool.acquire().await?;
        fetch_model(&mut c, id).await
    }

    async fn insert_model(&self, ctx: &ChangeContext, n: &NewDeviceModel) -> StoreResult<DeviceModel> {
        let mut tx = begin_write(&self.pool).await?;
        must_exist(&mut tx, "manufacturers", n.manufacturer_id.0, "manufacturer_id").await?;
        let r = sqlx::query(
            "INSERT INTO device_models (manufacturer_id, model_number, name, category, nomenclature_system, \
             nomenclature_code, fda_product_code, fda_class, expected_life_years, high_risk, life_support, version, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12) RETURNING id",
        )
        .bind(n.manufacturer_id.0).bind(&n.model_number).bind(&n.name).bind(&n.category)
        .bind(n.nomenclature_system.map(|s| s.as_str())).bind(&n.nomenclature_code).bind(&n.fda_product_code)
        .bind(n.fda_class.map(|c| c.as_str())).bind(n.expected_life_years).bind(n.high_risk).bind(n.life_support)
        .bind(t(ctx.at))
        .fetch_one(&mut *tx).await.map_err(map_db_err)?;
        let m = fetch_model(&mut tx, ModelId(r.try_get("id")?)).await?;
        record_model_designations(&mut tx, ctx, m.id, None, (m.high_risk, m.life_support)).await?;
        append_audit(&mut tx, ctx, "create", "model", m.id.to_string(), None, Some(snapshot(&m))).await?;
        tx.commit().await?;
        Ok(m)
    }

    async fn update_model(&self, ctx: &ChangeContext, id: ModelId, p: &ModelPatch) -> StoreResult<DeviceModel> {
        let mut tx = begin_write(&self.pool).await?;
        let before = fetch_model(&mut tx, id).await?;
        if before.version != p.version {
            return Err(stale("model", id, p.version, before.version));
        }
        let mut n = NewDeviceModel {
            manufacturer_id: before.manufacturer_id,
            model_number: p.model_number.clone().unwrap_or_else(|| before.model_number.clone()),
            name: p.name.clone().unwrap_or_else(|| before.name.clone()),
            category: p.category.clone().unwrap_or_else(|| before.category.clone()),
            nomenclature_system: before.nomenclature_system,
            nomenclature_code: p.nomenclature_code.clone().or_else(|| before.nomenclature_code.clone()),
            fda_product_code: p.fda_product_code.clone().or_else(|| before.fda_product_code.clone()),
            fda_class: p.fda_class.or(before.fda_class),
            expected_life_years: p.expected_life_years.or(before.expected_life_years),
            high_risk: p.high_risk.unwrap_or(before.high_risk),
            life_support: p.life_support.unwrap_or(before.life_support),
        };
        n = n.normalized()?;
        let k510 = htm_domain::catalog::patched_510k(before.fda_510k.as_deref(), p.fda_510k.as_deref())?;
        let done = sqlx::query(
            "UPDATE device_models SET model_number = $1, name = $2, category = $3, nomenclature_code = $4, \
             fda_product_code = $5, fda_class = $6, expected_life_years = $7, high_risk = $8, life_support = $9, \
             version = version + 1, updated_at = $10, fda_510k = $13 WHERE id = $11 AND version = $12",
        )
        .bind(&n.model_number).bind(&n.name).bind(&n.category).bind(&n.nomenclature_code).bind(&n.fda_product_code)
        .bind(n.fda_class.map(|c| c.as_str())).bind(n.expected_life_years).bind(n.high_risk).bind(n.life_support)
        .bind(t(ctx.at)).bind(id.0).bind(p.version).bind(k510)
        .execute(&mut *tx).await.map_err(map_db_err)?;
        if done.rows_affected() == 0 {
            return Err(stale("model", id, p.version, p.version + 1));
        }
        let after = fetch_model(&mut tx, id).await?;
        let ctx = ctx.with_reason(p.reason.clone());
        let flags = |m: &DeviceModel| (m.high_risk, m.life_support);
        record_model_designations(&mut tx, &ctx, id, Some(flags(&before)), flags(&after)).await?;
        append_audit(&mut tx, &ctx, "update", "model", id.to_string(), Some(snapshot(&before)), Some(snapshot(&after))).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn list_cause_codes(&self) -> StoreResult<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT code, label FROM cause_codes ORDER BY code").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("code")?, r.try_get("label")?))).collect()
    }

    // --- people --------------------------------------------------------------------------

    async fn list_users(&self, page: PageRequest) -> StoreResult<Page<User>> {
        let select = format!("SELECT {USER_COLUMNS} FROM users");
        list_page(&self.pool, &select, "id", None, page, user_from, |u| u.id.0).await
    }

    async fn get_user(&self, id: UserId) -> StoreResult<User> {
        let mut c = self.pool.acquire().await?;
        fetch_user(&mut c, id).await
    }

    async fn get_user_credentials(&self, username: &str) -> StoreResult<Option<(User, String)>> {
        let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(username.trim().to_lowercase()).fetch_optional(&self.pool).await?;
        match row {
            Some(r) => Ok(Some((user_from(&r)?, r.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    async fn insert_user(&self, ctx: &ChangeContext, n: &NewUserRecord) -> StoreResult<User> {
        let mut tx = begin_write(&self.pool).await?;
        if let Some(v) = n.vendor_id {
            must_exist(&mut tx, "vendors", v.0, "vendor_id").await?;
        }
        let r = sqlx::query(
            "INSERT INTO users (username, display_name, role, email, vendor_id, active, password_hash, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, TRUE, $6, 1, $7, $7) RETURNING id",
        )
        .bind(&n.username).bind(&n.display_name).bind(n.role.as_str()).bind(&n.email).bind(n.vendor_id.map(|v| v.0))
        .bind(&n.password_hash).bind(t(ctx.at))
        .fetch_one(&mut *tx).await.map_err(map_db_err)?;
        let u = fetch_user(&mut tx, UserId(r.try_get("id")?)).await?;
        append_audit(&mut tx, ctx, "create", "user", u.id.to_string(), None, Some(snapshot(&u))).await?;
        tx.commit().await?;
        Ok(u)
    }

    async fn update_user(&self, ctx: &ChangeContext, id: UserId, p: &UserPatch, password_hash: Option<String>) -> StoreResult<User> {
        let mut tx = begin_write(&self.pool).await?;
        let before = fetch_user(&mut tx, id).await?;
        if before.version != p.version {
            return Err(stale("user", id, p.version, before.version));
        }
        let display_name = p.display_name.as_deref().map(str::trim).filter(|s| !s.is_empty()).unwrap_or(&before.display_name).to_string();
        let role = p.role.unwrap_or(before.role);
        let email = p.email.clone().or(before.email.clone());
        let active = p.active.unwrap_or(before.active);
        let done = sqlx::query(
            "UPDATE users SET display_name = $1, role = $2, email = $3, active = $4, \
             password_hash = COALESCE($5, password_hash), version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8",
        )
        .bind(&display_name).bind(role.as_str()).bind(&email).bind(active).bind(&password_hash).bind(t(ctx.at)).bind(id.0)
        .bind(p.version)
        .execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            return Err(stale("user", id, p.version, p.version + 1));
        }
        if !active || password_hash.is_some() {
            // Deactivation and a new password end every open session.
            sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                .bind(t(ctx.at)).bind(id.0).execute(&mut *tx).await?;
            // And every API token (issue 7 §2), each with its audited `revoke`.
            let why = if active { "the password was changed" } else { "the user was deactivated" };
            api_token_impl::revoke_all_for_user(&mut tx, &ctx.with_reason(Some(why.into())), id).await?;
        }
        let after = fetch_user(&mut tx, id).await?;
        let ctx = ctx.with_reason(p.reason.clone().or_else(|| password_hash.as_ref().map(|_| "password changed".to_string())));
        append_audit(&mut tx, &ctx, "update", "user", id.to_string(), Some(snapshot(&before)), Some(snapshot(&after))).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn insert_session(&self, user: UserId, token_hash: &str, kind: &str, now: Timestamp, expires: Timestamp) -> StoreResult<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, kind, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash).bind(user.0).bind(kind).bind(t(now)).bind(t(expires))
            .execute(&self.pool).await?;
        Ok(())
    }

    async fn get_session_user(&self, token_hash: &str, now: Timestamp) -> StoreResult<Option<User>> {
        let sql = format!(
            "SELECT {} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.active = TRUE",
            USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(token_hash).bind(t(now)).fetch_optional(&self.pool).await?;
        Ok(match row {
            Some(r) => Some(user_from(&r)?),
            None => None,
        })
    }

    async fn revoke_session(&self, token_hash: &str, now: Timestamp) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
            .bind(t(now)).bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    // --- assets --------------------------------------------------------------------------

    async fn get_asset(&self, id: AssetId) -> StoreResult<Asset> {
        let mut c = self.pool.acquire().await?;
        fetch_asset(&mut c, id).await
    }

    async fn get_asset_by_tag(&self, tag: &str) -> StoreResult<Asset> {
        let sql = format!("{ASSET_SELECT} WHERE lower(a.asset_tag) = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tag.trim().to_lowercase()).fetch_optional(&self.pool).await?;
        match row {
            Some(r) => Ok(asset_from(&r)?),
            None => Err(StoreError::NotFound(format!("asset with tag '{}'", tag.trim()))),
        }
    }

    async fn list_assets(&self, f: &AssetFilter, page: PageRequest) -> StoreResult<Page<Asset>> {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(ASSET_SELECT);
        qb.push(" WHERE 1 = 1");
        if let Some(after) = page.after {
            qb.push(" AND a.id > ").push_bind(after);
        }
        if let Some(s) = f.status {
            qb.push(" AND a.status = ").push_bind(s.as_str());
        }
        if let Some(d) = f.department_id {
            qb.push(" AND a.department_id = ").push_bind(d.0);
        }
        if let Some(m) = f.model_id {
            qb.push(" AND a.model_id = ").push_bind(m.0);
        }
        if let Some(l) = f.location_id {
            qb.push(" AND a.location_id = ").push_bind(l.0);
        }
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let p = like_pattern(q);
            qb.push(" AND (lower(a.asset_tag) LIKE ").push_bind(p.clone()).push(" ESCAPE '\\'");
            qb.push(" OR lower(a.serial_number) LIKE ").push_bind(p.clone()).push(" ESCAPE '\\'");
            qb.push(" OR a.model_id IN (SELECT m2.id FROM device_models m2 JOIN manufacturers f2 ON f2.id = m2.manufacturer_id WHERE lower(m2.model_number) LIKE ")
                .push_bind(p.clone()).push(" ESCAPE '\\' OR lower(m2.name) LIKE ").push_bind(p.clone())
                .push(" ESCAPE '\\' OR lower(m2.category) LIKE ").push_bind(p.clone())
                .push(" ESCAPE '\\' OR lower(f2.name) LIKE ").push_bind(p.clone()).push(" ESCAPE '\\')");
            qb.push(" OR a.location_id IN (SELECT l2.id FROM locations l2 WHERE lower(l2.name) LIKE ").push_bind(p).push(" ESCAPE '\\'))");
        }
        qb.push(" ORDER BY a.id LIMIT ").push_bind(i64::from(page.limit) + 1);
        let rows = qb.build().fetch_all(&self.pool).await?;
        let items = rows.iter().map(asset_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, page.limit, |a| a.id.0))
    }

    async fn insert_asset(&self, ctx: &ChangeContext, n: &NewAsset) -> StoreResult<Asset> {
        let mut tx = begin_write(&self.pool).await?;
        let id = write_asset_fields(&mut tx, None, &AssetFields::from(n.clone()), ctx.at).await?;
        let a = fetch_asset(&mut tx, id).await?;
        record_asset_designations(&mut tx, ctx, &a, None).await?;
        append_audit(&mut tx, ctx, "create", "asset", id.to_string(), None, Some(snapshot(&a))).await?;
        tx.commit().await?;
        Ok(a)
    }

    async fn update_asset(&self, ctx: &ChangeContext, id: AssetId, p: &AssetPatch) -> StoreResult<Asset> {
        let mut tx = begin_write(&self.pool).await?;
        let before = fetch_asset(&mut tx, id).await?;
        if before.version != p.version {
            return Err(stale("asset", &before.asset_tag, p.version, before.version));
        }
        let row = sqlx::query("SELECT * FROM assets WHERE id = $1").bind(id.0).fetch_one(&mut *tx).await?;
        let mut fields = asset_fields_from(&row)?;
        p.apply_to(&mut fields)?;
        write_asset_fields(&mut tx, Some((id, before.version)), &fields, ctx.at).await?;
        if p.touches_pm_fields() {
            let certificate = p.calibration_certificate.clone().unwrap_or(before.calibration_certificate.clone());
            let f = AssetPmFields {
                pm_procedure_code: p.pm_procedure_code.clone().unwrap_or(before.pm_procedure_code.clone()),
                protection_class: p.protection_class.unwrap_or(before.protection_class),
                applied_part: p.applied_part.unwrap_or(before.applied_part),
                calibration_due: p.calibration_due.unwrap_or(before.calibration_due),
                calibrated_on: p.calibrated_on.unwrap_or(before.calibrated_on),
                calibration_certificate: certificate,
            };
            write_asset_pm_fields(&mut tx, id, &f).await?;
        }
        let after = fetch_asset(&mut tx, id).await?;
        let ctx = ctx.with_reason(p.reason.clone());
        let overrides = (before.high_risk_override, before.life_support_override);
        record_asset_designations(&mut tx, &ctx, &after, Some(overrides)).await?;
        append_audit(&mut tx, &ctx, "update", "asset", id.to_string(), Some(snapshot(&before)), Some(snapshot(&after))).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn import_assets(&self, ctx: &ChangeContext, assets: &[NewAsset]) -> Result<usize, (usize, StoreError)> {
        self.import_assets_with_pm(ctx, assets, &[]).await
    }

    async fn import_assets_with_pm(
        &self,
        ctx: &ChangeContext,
        assets: &[NewAsset],
        pm: &[AssetPmFields],
    ) -> Result<usize, (usize, StoreError)> {
        let mut tx = begin_write(&self.pool).await.map_err(|e| (0, e.into()))?;
        for (i, n) in assets.iter().enumerate() {
            let id = write_asset_fields(&mut tx, None, &AssetFields::from(n.clone()), ctx.at).await.map_err(|e| (i, e))?;
            if let Some(f) = pm.get(i).filter(|f| !f.is_empty()) {
                write_asset_pm_fields(&mut tx, id, f).await.map_err(|e| (i, e))?;
            }
            let a = fetch_asset(&mut tx, id).await.map_err(|e| (i, e))?;
            record_asset_designations(&mut tx, ctx, &a, None).await.map_err(|e| (i, e))?;
            append_audit(&mut tx, ctx, "create", "asset", id.to_string(), None, Some(snapshot(&a))).await.map_err(|e| (i, e))?;
        }
        tx.commit().await.map_err(|e| (assets.len(), e.into()))?;
        Ok(assets.len())
    }

    // --- work orders ---------------------------------------------------------------------

    async fn get_work_order(&self, id: WorkOrderId) -> StoreResult<WorkOrder> {
        let mut c = self.pool.acquire().await?;
        fetch_work_order(&mut c, id).await
    }

    async fn list_work_orders(&self, f: &WorkOrderFilter, page: PageRequest) -> StoreResult<Page<WorkOrder>> {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(WO_SELECT);
        qb.push(" WHERE 1 = 1");
        if let Some(after) = page.after {
            qb.push(" AND w.id < ").push_bind(after);
        }
        if let Some(s) = f.status {
            qb.push(" AND w.status = ").push_bind(s.as_str());
        }
        if f.open_only {
            qb.push(" AND w.status IN ('open', 'assigned', 'in_progress', 'on_hold')");
        }
        if let Some(ty) = f.wo_type {
            qb.push(" AND w.wo_type = ").push_bind(ty.as_str());
        }
        if let Some(a) = f.asset_id {
            qb.push(" AND w.asset_id = ").push_bind(a.0);
        }
        if let Some(u) = f.assigned_to {
            qb.push(" AND w.assigned_to = ").push_bind(u.0);
        }
        if let Some(u) = f.requester_id {
            qb.push(" AND w.requester_id = ").push_bind(u.0);
        }
        if let Some(v) = f.vendor_id {
            qb.push(" AND w.vendor_id = ").push_bind(v.0);
        }
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let p = like_pattern(q);
            qb.push(" AND (lower(w.number) LIKE ").push_bind(p.clone()).push(" ESCAPE '\\' OR lower(w.problem) LIKE ").push_bind(p).push(" ESCAPE '\\')");
        }
        qb.push(" ORDER BY w.id DESC LIMIT ").push_bind(i64::from(page.limit) + 1);
        let rows = qb.build().fetch_all(&self.pool).await?;
        let items = rows.iter().map(work_order_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(items, page.limit, |w| w.id.0))
    }

    async fn insert_work_order(&self, ctx: &ChangeContext, n: &NewWorkOrder, requester: Option<UserId>) -> StoreResult<WorkOrder> {
        let mut tx = begin_write(&self.pool).await?;
        let wo = insert_work_order_tx(&mut tx, ctx, n, requester).await?;
        tx.commit().await?;
        Ok(wo)
    }

    async fn update_work_order(
        &self,
        ctx: &ChangeContext,
        id: WorkOrderId,
        p: &WorkOrderPatch,
        labour: &[LabourToAdd],
        parts: &[NewPartUsed],
    ) -> StoreResult<WorkOrder> {
        let mut tx = begin_write(&self.pool).await?;
        let before = fetch_work_order(&mut tx, id).await?;
        if before.version != p.version {
            return Err(stale("work order", &before.number, p.version, before.version));
        }
        let mut wo = before.clone();
        p.apply_to(&mut wo)?;
        check_work_order_refs(&mut tx, &wo, &before).await?;
        for l in labour {
            check_assignee(&mut tx, l.technician_id, "add_labour.technician_id").await?;
        }
        write_work_order(&mut tx, &wo, before.version, ctx.at).await?;
        let today = ctx.at.to_zoned(jiff::tz::TimeZone::UTC).date();
        for l in labour {
            insert_labour(&mut tx, id, l, today).await?;
        }
        for part in parts {
            insert_part(&mut tx, id, part).await?;
        }
        let after = fetch_work_order(&mut tx, id).await?;
        let ctx = ctx.with_reason(p.reason.clone());
        append_audit(&mut tx, &ctx, "update", "work_order", id.to_string(), Some(snapshot(&before)), Some(snapshot(&after))).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn transition_work_order(&self, ctx: &ChangeContext, id: WorkOrderId, req: &TransitionRequest) -> StoreResult<WorkOrder> {
        let mut tx = begin_write(&self.pool).await?;
        let before = fetch_work_order(&mut tx, id).await?;
        if let Some(v) = req.version
            && v != before.version
        {
            return Err(stale("work order", &before.number, v, before.version));
        }
        let mut wo = before.clone();
        let effect = wo_rules::apply_transition(&mut wo, req, ctx.at)?;
        if wo.status == WorkOrderStatus::Completed && before.status != WorkOrderStatus::Completed {
            qualification_gate_on_completion(&mut tx, ctx, &before).await?;
        }
        check_work_order_refs(&mut tx, &wo, &before).await?;
        write_work_order(&mut tx, &wo, before.version, ctx.at).await?;
        let after = fetch_work_order(&mut tx, id).await?;
        let ctx = ctx.with_reason(req.reason.clone());
        let content = snapshot(&after);
        append_audit(&mut tx, &ctx, "transition", "work_order", id.to_string(), Some(snapshot(&before)), Some(content.clone())).await?;
        sign_work_order_change(&mut tx, &ctx, &before, &after, &content).await?;
        if let Some(asset_id) = wo.asset_id {
            let asset = fetch_asset(&mut tx, asset_id).await?;
            let new_status = match effect {
                AssetEffect::None => None,
                AssetEffect::RepairEnded { failed } => {
                    let others: i64 = sqlx::query(
                        "SELECT COUNT(*) AS n FROM work_orders WHERE asset_id = $1 AND id <> $2 AND took_out_of_service = TRUE \
                         AND status IN ('open', 'assigned', 'in_progress', 'on_hold')",
                    )
                    .bind(asset_id.0)
                    .bind(id.0)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("n")?;
                    asset_rules::status_when_repair_ended(asset.status, others as u64, failed)
                }
                AssetEffect::RepairReopened => asset_rules::status_when_repair_opened(asset.status),
                AssetEffect::UnableToLocate => asset_rules::status_when_unable_to_locate(asset.status),
                AssetEffect::PmDeferred => {
                    // Follow-up: the PM is still owed within its window.
                    let due = wo.due_date.map(|d| d.to_string()).unwrap_or_else(|| "as soon as possible".into());
                    let follow = NewWorkOrder {
                        wo_type: WorkOrderType::Pm,
                        priority: Priority::Normal,
                        asset_id: Some(asset_id),
                        problem: format!("Follow-up of {}: PM could not be done, device in use; due {due}", wo.number),
                        requester_contact: None,
                        assigned_to: wo.assigned_to,
                        vendor_id: wo.vendor_id,
                        // Not a new scheduled PM: the completion report keeps counting the
                        // original as "in use" (not done).
                        due_date: None,
                    };
                    let fctx = ChangeContext { reason: Some(format!("PM {} in use: follow-up", wo.number)), ..ctx.clone() };
                    insert_work_order_tx(&mut tx, &fctx, &follow, None).await?;
                    None
                }
            };
            if let Some(to) = new_status {
                let why = format!("work order {} {}", wo.number, wo.status.as_str().replace('_', " "));
                set_asset_status(&mut tx, &ctx, asset_id, to, &why).await?;
            }
        }
        tx.commit().await?;
        Ok(after)
    }

    async fn work_order_stats(&self, now: Timestamp) -> StoreResult<WorkOrderStats> {
        let mut stats = WorkOrderStats::default();
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM work_orders WHERE status IN ('open', 'assigned', 'in_progress', 'on_hold') GROUP BY status",
        )
        .fetch_all(&self.pool)
        .await?;
        for s in [WorkOrderStatus::Open, WorkOrderStatus::Assigned, WorkOrderStatus::InProgress, WorkOrderStatus::OnHold] {
            let mut n = 0;
            for r in &rows {
                if r.try_get::<String, _>("status")? == s.as_str() {
                    n = r.try_get("n")?;
                }
            }
            stats.by_status.push((s, n));
        }
        let day = jiff::SignedDuration::from_hours(24);
        let d2 = now.checked_sub(day * 2).unwrap_or(now);
        let d7 = now.checked_sub(day * 7).unwrap_or(now);
        let d30 = now.checked_sub(day * 30).unwrap_or(now);
        let r = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN opened_at >= $1 THEN 1 ELSE 0 END), 0) AS a, \
             COALESCE(SUM(CASE WHEN opened_at < $1 AND opened_at >= $2 THEN 1 ELSE 0 END), 0) AS b, \
             COALESCE(SUM(CASE WHEN opened_at < $2 AND opened_at >= $3 THEN 1 ELSE 0 END), 0) AS c, \
             COALESCE(SUM(CASE WHEN opened_at < $3 THEN 1 ELSE 0 END), 0) AS d \
             FROM work_orders WHERE status IN ('open', 'assigned', 'in_progress', 'on_hold')",
        )
        .bind(t(d2)).bind(t(d7)).bind(t(d30))
        .fetch_one(&self.pool)
        .await?;
        stats.by_age = [r.try_get("a")?, r.try_get("b")?, r.try_get("c")?, r.try_get("d")?];
        stats.assets_out_of_service = sqlx::query("SELECT COUNT(*) AS n FROM assets WHERE status = 'out_of_service'")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok(stats)
    }

    // --- planned maintenance -------------------------------------------------------------

    async fn insert_pm_schedule(&self, ctx: &ChangeContext, n: &NewPmSchedule) -> StoreResult<PmSchedule> {
        let mut tx = begin_write(&self.pool).await?;
        must_exist(&mut tx, "assets", n.asset_id.0, "asset_id").await?;
        let r = sqlx::query(
            "INSERT INTO pm_schedules (asset_id, interval_months, basis, anchor_date, grace_days, active, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, TRUE, 1, $6, $6) RETURNING *",
        )
        .bind(n.asset_id.0)
        .bind(n.interval_months)
        .bind(n.basis.as_str())
        .bind(n.anchor_date.to_sqlx())
        .bind(n.grace_days)
        .bind(t(ctx.at))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_db_err)?;
        let sch = pm_schedule_from(&r)?;
        append_audit(&mut tx, ctx, "create", "pm_schedule", sch.id.to_string(), None, Some(snapshot(&sch))).await?;
        tx.commit().await?;
        Ok(sch)
    }

    async fn list_pm_schedules(&self, asset: AssetId) -> StoreResult<Vec<PmSchedule>> {
        let rows = sqlx::query("SELECT * FROM pm_schedules WHERE asset_id = $1 ORDER BY id").bind(asset.0).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(pm_schedule_from).collect::<Result<_, _>>()?)
    }

    async fn generate_pm(&self, ctx: &ChangeContext, month: Month) -> StoreResult<PmGeneration> {
        // Set-based: two streamed queries instead of per-schedule lookups.
        // - Fixed schedules need no history: the due date follows from the anchor alone, and the
        //   "already has its work order this month" check is the unique (schedule_id, pm_period)
        //   index itself (`ON CONFLICT DO NOTHING`; what it skips counts as already open).
        // - Floating schedules need the last completion, whether this month's PM exists and
        //   whether one is open: one grouped LEFT JOIN over their work orders.
        // Work orders are then numbered in schedule order and inserted in multi-row batches with
        // their audit events, as before.
        let mut tx = begin_write(&self.pool).await?;
        let last = month.last_day();
        let period = month.to_string();
        let mut summary = PmGeneration::default();
        // Months counted as year × 12 + month, as `month_index_sql` computes them from a date.
        let month_number = i64::from(month.year) * 12 + i64::from(month.month);
        // (schedule id, asset id, asset tag, interval, basis, grace, due)
        let mut due_list: Vec<(i64, AssetId, Option<String>, i32, ScheduleBasis, i32, Date)> = Vec::new();
        {
            // Counted separately: streaming every schedule to filter it here costs more than
            // letting the database apply the interval arithmetic (checked again below).
            let count_sql = "SELECT COUNT(*) AS n FROM pm_schedules s JOIN assets a ON a.id = s.asset_id \
                 WHERE s.active = TRUE AND a.status = 'in_service' AND s.anchor_date <= $1";
            let n: i64 = sqlx::query(count_sql).bind(last.to_sqlx()).fetch_one(&mut *tx).await?.try_get("n")?;
            summary.schedules = n as u64;
            let sql = format!(
                "SELECT s.id, s.asset_id, s.interval_months, s.anchor_date, s.grace_days, a.asset_tag \
                 FROM pm_schedules s JOIN assets a ON a.id = s.asset_id \
                 WHERE s.active = TRUE AND a.status = 'in_service' AND s.anchor_date <= $1 AND s.basis = 'fixed' \
                 AND s.interval_months > 0 AND ($2 - {anchor}) % s.interval_months = 0",
                anchor = month_index_sql("s.anchor_date")
            );
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(last.to_sqlx()).bind(month_number).fetch(&mut *tx);
            while let Some(r) = rows.try_next().await? {
                let timing = ScheduleTiming {
                    interval_months: r.try_get("interval_months")?,
                    basis: ScheduleBasis::Fixed,
                    anchor: r.try_get::<jiff_sqlx::Date, _>("anchor_date")?.to_jiff(),
                    last_completed: None,
                };
                let Some(due) = pm_rules::due_in_month(&timing, month) else { continue };
                due_list.push((
                    r.try_get("id")?,
                    AssetId(r.try_get("asset_id")?),
                    r.try_get("asset_tag")?,
                    timing.interval_months,
                    ScheduleBasis::Fixed,
                    r.try_get("grace_days")?,
                    due,
                ));
            }
        }
        {
            let sql = format!(
                "SELECT s.id, s.asset_id, s.interval_months, s.anchor_date, s.grace_days, a.asset_tag, \
                 MAX(CASE WHEN w.status IN ('completed', 'closed') AND (w.pm_outcome IS NULL OR w.pm_outcome = 'done') \
                     THEN {date} END) AS last_done, \
                 COALESCE(SUM(CASE WHEN w.pm_period = $1 THEN 1 ELSE 0 END), 0) AS in_period, \
                 COALESCE(SUM(CASE WHEN w.status IN ('open', 'assigned', 'in_progress', 'on_hold') THEN 1 ELSE 0 END), 0) AS open_now \
                 FROM pm_schedules s JOIN assets a ON a.id = s.asset_id LEFT JOIN work_orders w ON w.schedule_id = s.id \
                 WHERE s.active = TRUE AND a.status = 'in_service' AND s.anchor_date <= $2 AND s.basis = 'floating' \
                 GROUP BY s.id, s.asset_id, s.interval_months, s.anchor_date, s.grace_days, a.asset_tag \
                 HAVING MAX(CASE WHEN w.status IN ('completed', 'closed') AND (w.pm_outcome IS NULL OR w.pm_outcome = 'done') \
                     THEN {date} END) IS NULL \
                 OR {last_done_month} + s.interval_months <= $3",
                date = DATE_OF_COMPLETED_AT,
                last_done_month = month_index_sql(&format!(
                    "MAX(CASE WHEN w.status IN ('completed', 'closed') AND (w.pm_outcome IS NULL OR w.pm_outcome = 'done') \
                     THEN {} END)",
                    DATE_OF_COMPLETED_AT
                ))
            );
            // Only schedules due by the end of the month come back: one interval after the last
            // completion lands in or before `month` exactly when its month number does.
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&period)
                .bind(last.to_sqlx())
                .bind(month_number)
                .fetch(&mut *tx);
            while let Some(r) = rows.try_next().await? {
                let last_done: Option<String> = match r.try_get::<Option<String>, _>("last_done") {
                    Ok(v) => v,
                    Err(_) => r.try_get::<Option<jiff_sqlx::Date>, _>("last_done")?.map(|d| d.to_jiff().to_string()),
                };
                let timing = ScheduleTiming {
                    interval_months: r.try_get("interval_months")?,
                    basis: ScheduleBasis::Floating,
                    anchor: r.try_get::<jiff_sqlx::Date, _>("anchor_date")?.to_jiff(),
                    last_completed: last_done.and_then(|d| d.get(..10).and_then(|d| d.parse().ok())),
                };
                let Some(due) = pm_rules::due_in_month(&timing, month) else { continue };
                let (in_period, open_now): (i64, i64) = (r.try_get("in_period")?, r.try_get("open_now")?);
                if in_period > 0 || open_now > 0 {
                    summary.already_open += 1;
                    continue;
                }
                due_list.push((
                    r.try_get("id")?,
                    AssetId(r.try_get("asset_id")?),
                    r.try_get("asset_tag")?,
                    timing.interval_months,
                    ScheduleBasis::Floating,
                    r.try_get("grace_days")?,
                    due,
                ));
            }
        }
        due_list.sort_by_key(|d| d.0);
        let year = ctx.at.to_zoned(jiff::tz::TimeZone::UTC).year();
        let mut planned: Vec<WorkOrder> = Vec::with_capacity(due_list.len());
        for (schedule_id, asset_id, asset_tag, interval, basis, grace, due) in due_list {
            planned.push(WorkOrder {
                id: WorkOrderId(0),
                number: String::new(),
                wo_type: WorkOrderType::Pm,
                priority: Priority::Normal,
                status: WorkOrderStatus::Open,
                hold_reason: None,
                asset_id: Some(asset_id),
                asset_tag,
                requester_id: None,
                requester_name: None,
                requester_contact: None,
                problem: format!(
                    "Scheduled PM due {due} (every {interval} months, {})",
                    if basis == ScheduleBasis::Fixed { "fixed schedule" } else { "floating schedule" }
                ),
                assigned_to: None,
                assigned_to_name: None,
                vendor_id: None,
                vendor_name: None,
                cause_code: None,
                work_performed: None,
                result: None,
                downtime_start: None,
                downtime_end: None,
                due_date: Some(due),
                opened_at: ctx.at,
                assigned_at: None,
                started_at: None,
                completed_at: None,
                closed_at: None,
                took_out_of_service: false,
                schedule_id: Some(schedule_id),
                pm_period: Some(Month::of(due).to_string()),
                pm_outcome: None,
                window_end: Some(pm_rules::compliance_window(due, grace).1),
                qualification_flag: None,
                labour: vec![],
                parts: vec![],
                version: 1,
            });
        }
        if planned.is_empty() {
            tx.commit().await?;
            return Ok(summary);
        }
        // Reserve a block of numbers for this year in one step.
        let n = planned.len() as i64;
        let last_seq: i64 = sqlx::query(
            "INSERT INTO wo_counters (year, last_seq) VALUES ($1, $2) ON CONFLICT (year) DO UPDATE SET last_seq = wo_counters.last_seq + $2 RETURNING last_seq",
        )
        .bind(i64::from(year))
        .bind(n)
        .fetch_one(&mut *tx)
        .await?
        .try_get("last_seq")?;
        for (i, w) in planned.iter_mut().enumerate() {
            w.number = wo_rules::format_number(year, last_seq - n + 1 + i as i64);
        }
        let mut events: Vec<AuditRow> = Vec::with_capacity(planned.len());
        for chunk in planned.chunks_mut(1000) {
            let mut qb: QueryBuilder<Db> = QueryBuilder::new(
                "INSERT INTO work_orders (number, wo_type, priority, status, asset_id, problem, due_date, opened_at, \
                 took_out_of_service, version, updated_at, schedule_id, pm_period, window_end) ",
            );
            qb.push_values(chunk.iter(), |mut b, w| {
                b.push_bind(w.number.clone())
                    .push_bind(w.wo_type.as_str())
                    .push_bind(w.priority.as_str())
                    .push_bind(w.status.as_str())
                    .push_bind(w.asset_id.map(|a| a.0))
                    .push_bind(w.problem.clone())
                    .push_bind(od(w.due_date))
                    .push_bind(t(w.opened_at))
                    .push_bind(false)
                    .push_bind(1_i64)
                    .push_bind(t(w.opened_at))
                    .push_bind(w.schedule_id)
                    .push_bind(w.pm_period.clone())
                    .push_bind(od(w.window_end));
            });
            qb.push(" ON CONFLICT (schedule_id, pm_period) DO NOTHING RETURNING id, number");
            let inserted = qb.build().fetch_all(&mut *tx).await.map_err(map_db_err)?;
            let by_number: std::collections::HashMap<String, i64> = inserted
                .iter()
                .map(|row| Ok((row.try_get::<String, _>("number")?, row.try_get::<i64, _>("id")?)))
                .collect::<Result<_, sqlx::Error>>()?;
            // Events in number order, as the rows were planned.
            for w in chunk.iter_mut() {
                if let Some(id) = by_number.get(&w.number) {
                    w.id = WorkOrderId(*id);
                    events.push(("create", "work_order".into(), w.id.to_string(), None, Some(snapshot(&*w))));
                }
            }
        }
        summary.created = events.len() as u64;
        summary.already_open += planned.len() as u64 - summary.created;
        append_audit_bulk(&mut tx, ctx, events).await?;
        tx.commit().await?;
        Ok(summary)
    }

    async fn pm_compliance_rows(&self, first: Date, last: Date) -> StoreResult<Vec<PmComplianceRow>> {
        let sql = format!(
            "SELECT a.department_id, d.name AS department, d.cost_center, \
             COALESCE(a.life_support_override, m.life_support) AS ls, \
             COALESCE(a.high_risk_override, m.high_risk) AS hr, \
             CASE WHEN w.status IN ('completed', 'closed') AND w.pm_outcome = 'unable_to_locate' THEN 'unable_to_locate' \
                  WHEN w.status IN ('completed', 'closed') AND w.pm_outcome = 'in_use' THEN 'in_use' \
                  WHEN w.status IN ('completed', 'closed') AND {date} <= w.window_end THEN 'on_time' \
                  WHEN w.status IN ('completed', 'closed') THEN 'late' \
                  ELSE 'open' END AS standing, \
             COUNT(*) AS n \
             FROM work_orders w JOIN assets a ON a.id = w.asset_id JOIN device_models m ON m.id = a.model_id \
             JOIN departments d ON d.id = a.department_id \
             WHERE w.wo_type = 'pm' AND w.status <> 'cancelled' AND w.due_date >= $1 AND w.due_date <= $2 \
             GROUP BY a.department_id, d.name, d.cost_center, COALESCE(a.life_support_override, m.life_support), \
             COALESCE(a.high_risk_override, m.high_risk), 6 ORDER BY d.name",
            date = DATE_OF_COMPLETED_AT
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(first.to_sqlx()).bind(last.to_sqlx()).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let ls: bool = r.try_get("ls")?;
                let standing = match r.try_get::<String, _>("standing")?.as_str() {
                    "on_time" => PmStanding::CompletedOnTime,
                    "late" => PmStanding::CompletedLate,
                    "unable_to_locate" => PmStanding::UnableToLocate,
                    "in_use" => PmStanding::InUse,
                    _ => PmStanding::Open,
                };
                Ok(PmComplianceRow {
                    department_id: DepartmentId(r.try_get("department_id")?),
                    department: r.try_get("department")?,
                    cost_center: r.try_get("cost_center")?,
                    life_support: ls,
                    high_risk: r.try_get::<bool, _>("hr")? || ls,
                    standing,
                    count: r.try_get("n")?,
                })
            })
            .collect()
    }

    // --- PM procedures -------------------------------------------------------------------

    async fn insert_procedure(&self, ctx: &ChangeContext, n: &NewProcedure) -> StoreResult<Procedure> {
        let mut tx = begin_write(&self.pool).await?;
        let version: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 AS v FROM pm_procedures WHERE code = $1")
            .bind(&n.code)
            .fetch_one(&mut *tx)
            .await?
            .try_get("v")?;
        let id: i64 = sqlx::query("INSERT INTO pm_procedures (code, name, version, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(&n.code)
            .bind(&n.name)
            .bind(version)
            .bind(t(ctx.at))
            .fetch_one(&mut *tx)
            .await
            .map_err(map_db_err)?
            .try_get("id")?;
        for (i, s) in n.steps.iter().enumerate() {
            sqlx::query(
                "INSERT INTO pm_procedure_steps (procedure_id, position, kind, instruction, unit, nominal, lower_limit, upper_limit, tolerance_pct) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id)
            .bind(i as i32 + 1)
            .bind(s.kind.as_str())
            .bind(&s.instruction)
            .bind(&s.unit)
            .bind(s.nominal)
            .bind(s.lower_limit)
            .bind(s.upper_limit)
            .bind(s.tolerance_pct)
            .execute(&mut *tx)
            .await?;
        }
        write_procedure_requirement(&mut tx, id, &n.requirement).await?;
        let p = fetch_procedure(&mut tx, id).await?;
        append_audit(&mut tx, ctx, "create", "pm_procedure", id.to_string(), None, Some(snapshot(&p))).await?;
        tx.commit().await?;
        Ok(p)
    }

    async fn list_procedures(&self, code: Option<&str>) -> StoreResult<Vec<Procedure>> {
        let mut c = self.pool.acquire().await?;
        let rows = match code {
            Some(code) => sqlx::query("SELECT id FROM pm_procedures WHERE code = $1 ORDER BY version DESC LIMIT 500")
                .bind(code.trim().to_ascii_uppercase())
                .fetch_all(&mut *c)
                .await?,
            None => sqlx::query(
                "SELECT p.id FROM pm_procedures p WHERE p.version = (SELECT MAX(q.version) FROM pm_procedures q WHERE q.code = p.code) \
                 ORDER BY p.code LIMIT 500",
            )
            .fetch_all(&mut *c)
            .await?,
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(fetch_procedure(&mut c, r.try_get("id")?).await?);
        }
        Ok(out)
    }

    async fn get_procedure(&self, id: i64) -> StoreResult<Procedure> {
        let mut c = self.pool.acquire().await?;
        fetch_procedure(&mut c, id).await
    }

    async fn set_model_procedure(&self, ctx: &ChangeContext, id: ModelId, code: Option<&str>) -> StoreResult<Option<String>> {
        let mut tx = begin_write(&self.pool).await?;
        let Some(row) = sqlx::query("SELECT pm_procedure_code FROM device_models WHERE id = $1").bind(id.0).fetch_optional(&mut *tx).await?
        else {
            return Err(StoreError::NotFound(format!("model {id}")));
        };
        let before: Option<String> = row.try_get("pm_procedure_code")?;
        if let Some(code) = code {
            let found = sqlx::query("SELECT 1 AS one FROM pm_procedures WHERE code = $1").bind(code).fetch_optional(&mut *tx).await?;
            if found.is_none() {
                return Err(invalid("pm_procedure_code", format!("no PM procedure with code {code}")));
            }
        }
        sqlx::query("UPDATE device_models SET pm_procedure_code = $1, version = version + 1, updated_at = $2 WHERE id = $3")
            .bind(code)
            .bind(t(ctx.at))
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        append_audit(
            &mut tx,
            ctx,
            "update",
            "device_model",
            id.to_string(),
            Some(snapshot(&serde_json::json!({ "pm_procedure_code": before }))),
            Some(snapshot(&serde_json::json!({ "pm_procedure_code": code }))),
        )
        .await?;
        tx.commit().await?;
        Ok(code.map(str::to_string))
    }

    async fn get_model_procedure(&self, id: ModelId) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT pm_procedure_code FROM device_models WHERE id = $1").bind(id.0).fetch_optional(&self.pool).await?;
        match row {
            Some(r) => Ok(r.try_get("pm_procedure_code")?),
            None => Err(StoreError::NotFound(format!("model {id}"))),
        }
    }

    async fn record_pm(&self, ctx: &ChangeContext, id: WorkOrderId, req: &PmRecordRequest) -> StoreResult<PmRecord> {
        let mut tx = begin_write(&self.pool).await?;
        let record = record_pm_tx(&mut tx, ctx, id, req).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn get_pm_record(&self, id: WorkOrderId) -> StoreResult<PmRecord> {
        let mut c = self.pool.acquire().await?;
        fetch_pm_record(&mut c, id).await
    }

    // --- reference data ------------------------------------------------------------------

    async fn list_esa_limits(&self, standard: EsaStandard) -> StoreResult<Vec<EsaLimit>> {
        let rows = sqlx::query(
            "SELECT l.*, s.standard, s.edition, s.version FROM esa_limits l JOIN esa_limit_sets s ON s.id = l.set_id \
             WHERE s.standard = $1 AND s.version = (SELECT MAX(version) FROM esa_limit_sets WHERE standard = $1) ORDER BY l.id",
        )
        .bind(standard.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(esa_limit_from).collect::<Result<_, _>>()?)
    }

    // --- the record ----------------------------------------------------------------------

    async fn list_audit_for(&self, entity_type: &str, entity_id: &str, limit: u32) -> StoreResult<Vec<AuditEvent>> {
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_events WHERE entity_type = $1 AND entity_id = $2 ORDER BY seq DESC LIMIT $3");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(entity_type)
            .bind(entity_id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(audit_from).collect::<Result<_, _>>()?)
    }

    async fn verify_audit_chain(&self) -> StoreResult<Result<u64, ChainBreak>> {
        let mut conn = self.pool.acquire().await?;
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&mut *conn).await?;
        let (head_seq, head_hash): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
        let mut v = ChainVerifier::new();
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_events ORDER BY seq");
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *conn);
        while let Some(r) = rows.try_next().await? {
            let e = match audit_from(&r) {
                Ok(e) => e,
                Err(_) => {
                    let seq: i64 = r.try_get("seq").unwrap_or(-1);
                    return Ok(Err(ChainBreak::Altered { seq }));
                }
            };
            if let Err(b) = v.push(&e) {
                return Ok(Err(b));
            }
        }
        drop(rows);
        if let Err(b) = v.finish(head_seq, &head_hash) {
            return Ok(Err(b));
        }
        // The chain holds; now every signature must be bound to what it recorded.
        Ok(verify_signatures(&mut conn).await?.map(|_| v.checked).map_err(ChainBreak::from))
    }
}

use super::*;
use htm_domain::work_order::{WorkOrderStatus, WorkOrderType};
use jiff::civil::date;
use std::collections::BTreeMap;

#[test]
fn print_summary() {
    let t = std::time::Instant::now();
    let ds = generate(date(2026, 3, 18), "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA");
    let el = t.elapsed();
    let cats: std::collections::BTreeSet<_> = ds.assets.iter().map(|a| &ds.models[a.fields.model_id.0 as usize - 1].category).collect();
    println!("time {el:?}");
    println!("depts {} locs {} mfrs {} models {} users {} assets {} cats {}", ds.departments.len(), ds.locations.len(), ds.manufacturers.len(), ds.models.len(), ds.users.len(), ds.assets.len(), cats.len());
    let mut st: BTreeMap<String, usize> = BTreeMap::new();
    for a in &ds.assets { *st.entry(a.fields.status.as_str().to_string()).or_default() += 1; }
    println!("asset statuses {st:?}");
    let mut ty: BTreeMap<String, usize> = BTreeMap::new();
    let mut open: BTreeMap<String, usize> = BTreeMap::new();
    let mut wst: BTreeMap<String, usize> = BTreeMap::new();
    let mut causes: BTreeMap<String, usize> = BTreeMap::new();
    for w in &ds.work_orders {
        *ty.entry(w.wo_type.as_str().to_string()).or_default() += 1;
        *wst.entry(w.status.as_str().to_string()).or_default() += 1;
        if w.status.is_open() { *open.entry(format!("{}/{}", w.wo_type.as_str(), w.status.as_str())).or_default() += 1; }
        if w.wo_type == WorkOrderType::Repair && matches!(w.status, WorkOrderStatus::Closed | WorkOrderStatus::Completed) {
            *causes.entry(w.cause_code.clone().unwrap_or_default()).or_default() += 1;
        }
    }
    println!("types {ty:?}\nstatuses {wst:?}\nopen {open:?}\ncauses {causes:?}");
    let mut per_cat: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &ds.assets { *per_cat.entry(&ds.models[a.fields.model_id.0 as usize - 1].category).or_default() += 1; }
    for (c, n) in per_cat { println!("{n:5} {c}"); }
    for w in ds.work_orders.iter().filter(|w| w.wo_type == WorkOrderType::Repair).step_by(1500).take(8) {
        println!("---\n{} {} {:?} {:?}\nP: {}\nW: {:?}\nlabour {:?}\nparts {:?}", w.number, w.status, w.cause_code, w.priority, w.problem, w.work_performed, w.labour.iter().map(|l| (l.minutes, l.note.clone())).collect::<Vec<_>>(), w.parts.iter().map(|p| p.part_number.clone()).collect::<Vec<_>>());
    }
    for w in ds.work_orders.iter().filter(|w| w.wo_type == WorkOrderType::Pm).step_by(4000).take(4) {
        println!("---\n{} {} due {:?}\nP: {}\nW: {:?}", w.number, w.status, w.due_date, w.problem, w.work_performed);
    }
}

#[test]
fn debug_pm_current_month() {
    let ds = generate(date(2026, 3, 18), "h");
    let cur: Vec<_> = ds.work_orders.iter().filter(|w| w.wo_type == WorkOrderType::Pm && w.due_date == Some(date(2026, 3, 31))).collect();
    println!("current month PMs {}", cur.len());
    let mut st: BTreeMap<String, usize> = BTreeMap::new();
    for w in &cur { *st.entry(w.status.as_str().to_string()).or_default() += 1; }
    println!("{st:?}");
    for w in cur.iter().rev().take(3) { println!("{} {} {:?} {:?}", w.number, w.opened_at, w.assigned_at, w.started_at); }
}

//! Planned maintenance: schedules, monthly generation of PM work orders, and the PM completion
//! report surveyors ask for (REFERENCE §2.5).
//!
//! The report's arithmetic: a **scheduled** PM is a PM work order (not cancelled) whose due date
//! falls in the month. It is **completed on time** when completed with outcome `done` on or
//! before the end of its compliance window (the scheduled month plus the schedule's grace days),
//! **completed late** when completed after it, **unable to locate** or **in use** when completed
//! with that outcome, and **open** otherwise. `completion_rate` = completed on time ÷ scheduled ×
//! 100, one decimal (null when nothing was scheduled); unable-to-locate and in-use count as not
//! done. `high_risk` includes every high-risk asset (life-support equipment is high-risk);
//! `life_support` is the life-support subset; `other` is everything not high-risk. Completion
//! dates are UTC calendar dates.

use crate::{Action, Principal, ServiceResult, Services};
use htm_domain::ids::AssetId;
use htm_domain::pm::{Month, NewPmSchedule, PmSchedule, PmStanding, completion_rate};
use htm_store::{PmComplianceRow, PmGeneration};
use serde::Serialize;

/// Counts of one group of scheduled PMs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PmCounts {
    pub scheduled: i64,
    pub completed_on_time: i64,
    pub completed_late: i64,
    pub open: i64,
    pub unable_to_locate: i64,
    pub in_use: i64,
    /// Completed on time ÷ scheduled × 100, one decimal; null when nothing was scheduled.
    pub completion_rate: Option<f64>,
}

impl PmCounts {
    fn add(&mut self, standing: PmStanding, n: i64) {
        self.scheduled += n;
        match standing {
            PmStanding::CompletedOnTime => self.completed_on_time += n,
            PmStanding::CompletedLate => self.completed_late += n,
            PmStanding::UnableToLocate => self.unable_to_locate += n,
            PmStanding::InUse => self.in_use += n,
            PmStanding::Open => self.open += n,
        }
        self.completion_rate = completion_rate(self.completed_on_time, self.scheduled);
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentCounts {
    pub department_id: i64,
    pub department: String,
    pub cost_center: String,
    #[serde(flatten)]
    pub counts: PmCounts,
}

/// The PM completion report for one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PmComplianceReport {
    pub month: String,
    /// The totals, also at the top level.
    #[serde(flatten)]
    pub totals: PmCounts,
    pub total: PmCounts,
    pub high_risk: PmCounts,
    pub life_support: PmCounts,
    pub other: PmCounts,
    pub departments: Vec<DepartmentCounts>,
    /// How the numbers are counted.
    pub convention: &'static str,
}

pub const CONVENTION: &str = "scheduled = PM work orders (not cancelled) due in the month; completed_on_time = completed with outcome done on or before the end of the compliance window (the scheduled month plus grace days); completion_rate = completed_on_time / scheduled x 100 (REFERENCE 2.5); unable_to_locate and in_use count as not done; high_risk includes life-support; other = not high-risk";

pub fn build_report(month: Month, rows: &[PmComplianceRow]) -> PmComplianceReport {
    let mut r = PmComplianceReport {
        month: month.to_string(),
        totals: PmCounts::default(),
        total: PmCounts::default(),
        high_risk: PmCounts::default(),
        life_support: PmCounts::default(),
        other: PmCounts::default(),
        departments: Vec::new(),
        convention: CONVENTION,
    };
    for row in rows {
        r.total.add(row.standing, row.count);
        if row.high_risk {
            r.high_risk.add(row.standing, row.count);
        } else {
            r.other.add(row.standing, row.count);
        }
        if row.life_support {
            r.life_support.add(row.standing, row.count);
        }
        let dept = match r.departments.iter_mut().find(|d| d.department_id == row.department_id.0) {
            Some(d) => d,
            None => {
                r.departments.push(DepartmentCounts {
                    department_id: row.department_id.0,
                    department: row.department.clone(),
                    cost_center: row.cost_center.clone(),
                    counts: PmCounts::default(),
                });
                let last = r.departments.len() - 1;
                &mut r.departments[last]
            }
        };
        dept.counts.add(row.standing, row.count);
    }
    r.totals = r.total.clone();
    r.departments.sort_by(|a, b| a.department.cmp(&b.department));
    r
}

impl Services {
    pub async fn create_pm_schedule(&self, p: &Principal, n: NewPmSchedule) -> ServiceResult<PmSchedule> {
        p.require(Action::ManageInventory)?;
        Ok(self.store.insert_pm_schedule(&self.ctx(p, None), &n.normalized()?).await?)
    }

    pub async fn list_pm_schedules(&self, p: &Principal, asset: AssetId) -> ServiceResult<Vec<PmSchedule>> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.list_pm_schedules(asset).await?)
    }

    /// Opens the PM work orders due in `month` (idempotent: a second run opens nothing).
    pub async fn generate_pm(&self, p: &Principal, month: Month) -> ServiceResult<PmGeneration> {
        p.require(Action::CreateWorkOrder)?;
        Ok(self.store.generate_pm(&self.ctx(p, Some(format!("PM generation for {month}"))), month).await?)
    }

    pub async fn pm_compliance(&self, p: &Principal, month: Month) -> ServiceResult<PmComplianceReport> {
        p.require(Action::ReadReports)?;
        let rows = self.store.pm_compliance_rows(month.first_day(), month.last_day()).await?;
        Ok(build_report(month, &rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use htm_domain::ids::DepartmentId;

    fn row(dept: i64, hr: bool, ls: bool, standing: PmStanding, count: i64) -> PmComplianceRow {
        PmComplianceRow {
            department_id: DepartmentId(dept),
            department: format!("D{dept}"),
            cost_center: format!("{dept}00"),
            high_risk: hr,
            life_support: ls,
            standing,
            count,
        }
    }

    #[test]
    fn the_report_adds_up_by_risk_group_and_department() {
        let month = Month::parse("2026-03").unwrap();
        let r = build_report(
            month,
            &[
                row(1, true, true, PmStanding::CompletedOnTime, 9),
                row(1, true, true, PmStanding::UnableToLocate, 1),
                row(1, true, false, PmStanding::CompletedOnTime, 10),
                row(2, false, false, PmStanding::CompletedOnTime, 18),
                row(2, false, false, PmStanding::CompletedLate, 1),
                row(2, false, false, PmStanding::InUse, 1),
                row(2, false, false, PmStanding::Open, 0),
            ],
        );
        assert_eq!((r.total.scheduled, r.total.completed_on_time), (40, 37));
        assert_eq!(r.total.completion_rate, Some(92.5));
        assert_eq!(r.totals, r.total);
        assert_eq!((r.high_risk.scheduled, r.high_risk.completion_rate), (20, Some(95.0)));
        assert_eq!((r.life_support.scheduled, r.life_support.unable_to_locate), (10, 1));
        assert_eq!((r.other.scheduled, r.other.completed_late, r.other.in_use), (20, 1, 1));
        assert_eq!(r.departments.len(), 2);
        assert_eq!(r.departments[0].counts.scheduled, 20);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["scheduled"], 40, "totals at the top level too");
        assert_eq!(json["departments"][1]["completion_rate"], 90.0);
    }
}

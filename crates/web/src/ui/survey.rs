//! The survey-readiness evidence pack page (`/reports/survey-pack`) and its PDF download
//! (`/reports/survey-pack.pdf`). The page shows every count and the first rows of each long list;
//! the PDF (and the API's JSON) hold the full lists.

use super::{Flash, Layout, service_error_page};
use crate::AppState;
use crate::auth::WebUser;
use crate::survey_pdf::utc;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use htm_service::pm::PmCounts;
use htm_service::survey::{RiskAsset, SurveyPack};
use serde::Deserialize;

/// Rows shown per list on the page.
const SHOWN: usize = 50;

pub struct ViewCell {
    pub text: String,
    /// `""`, `bad` (shown in red) or `good`.
    pub tone: &'static str,
    pub strong: bool,
}

fn c(text: impl Into<String>) -> ViewCell {
    ViewCell { text: text.into(), tone: "", strong: false }
}

fn strong(text: impl Into<String>) -> ViewCell {
    ViewCell { text: text.into(), tone: "", strong: true }
}

fn bad(text: impl Into<String>) -> ViewCell {
    ViewCell { text: text.into(), tone: "bad", strong: false }
}

fn good(text: impl Into<String>) -> ViewCell {
    ViewCell { text: text.into(), tone: "good", strong: false }
}

pub struct ViewTable {
    pub id: String,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<ViewCell>>,
    /// How many rows the full list has (more than shown: the PDF has them all).
    pub total: usize,
    pub empty: String,
}

impl ViewTable {
    fn new(id: &str, title: impl Into<String>, headers: &[&str], empty: &str) -> Self {
        ViewTable {
            id: id.into(),
            title: title.into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            total: 0,
            empty: empty.into(),
        }
    }

    fn rows(mut self, all: impl ExactSizeIterator<Item = Vec<ViewCell>>) -> Self {
        self.total = all.len();
        self.rows = all.take(SHOWN).collect();
        self
    }

    pub fn more(&self) -> usize {
        self.total.saturating_sub(self.rows.len())
    }
}

pub struct ViewSection {
    pub id: &'static str,
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub tables: Vec<ViewTable>,
}

#[derive(Template, WebTemplate)]
#[template(path = "survey_pack.html")]
struct SurveyPage {
    layout: Layout,
    organisation: String,
    as_of: String,
    period: String,
    generated_at: String,
    generated_by: String,
    pdf_href: String,
    json_href: String,
    summary: Vec<(String, ViewCell)>,
    sections: Vec<ViewSection>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SurveyForm {
    site: String,
    as_of: String,
}

fn options(f: &SurveyForm) -> Result<htm_service::survey::SurveyOptions, String> {
    let site = match f.site.trim() {
        "" => None,
        s => Some(s.parse::<i64>().map_err(|_| format!("site '{s}' is not a site id"))?),
    };
    crate::api::survey::options(site, Some(&f.as_of)).map_err(|e| e.body.message)
}

fn rate(c: &PmCounts) -> String {
    c.completion_rate.map(|r| format!("{r:.1} %")).unwrap_or_else(|| "—".into())
}

fn date(d: Option<jiff::civil::Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
}

fn risk_rows(list: &[RiskAsset]) -> impl ExactSizeIterator<Item = Vec<ViewCell>> + '_ {
    list.iter().map(|a| {
        vec![
            strong(&a.asset_tag),
            c(&a.model),
            c(&a.department),
            c(a.location.clone().unwrap_or_default()),
            c(&a.status),
            c(if a.life_support { "yes" } else { "" }),
            match a.last_pm {
                Some(d) => c(d.to_string()),
                None => bad("none"),
            },
            match (a.next_due, a.overdue) {
                (Some(d), true) => bad(format!("{d} (overdue)")),
                (Some(d), false) => c(d.to_string()),
                (None, _) => bad("not scheduled"),
            },
        ]
    })
}

fn sections(p: &SurveyPack) -> Vec<ViewSection> {
    let inv = &p.inventory;
    let mut inv_tables = vec![
        ViewTable::new("survey-status", "Assets by status", &["Status", "Assets"], "The inventory is empty.")
            .rows(inv.by_status.iter().map(|s| vec![c(&s.label), c(s.count.to_string())])),
        ViewTable::new("survey-gaps", "Gaps a surveyor asks about", &["Gap", "Assets", "Note"], "").rows(
            inv.gaps.iter().map(|g| {
                vec![
                    c(&g.label),
                    if g.count > 0 { bad(g.count.to_string()) } else { good("0") },
                    c(g.note.clone().unwrap_or_default()),
                ]
            }),
        ),
    ];
    for g in inv.gaps.iter().filter(|g| !g.assets.is_empty()) {
        let mut t = ViewTable::new(
            &format!("survey-gap-{}", g.key.replace('_', "-")),
            format!("{} ({})", g.label, g.count),
            &["Asset tag", "Model", "Department", "Status"],
            "",
        )
        .rows(g.assets.iter().map(|a| vec![strong(&a.asset_tag), c(&a.model), c(&a.department), c(&a.status)]));
        t.total = g.count as usize;
        inv_tables.push(t);
    }
    let risk_headers =
        ["Asset tag", "Model", "Department", "Location", "Status", "Life support", "Last PM", "Next due"];
    let hr = &p.high_risk;
    let st = &p.strategies;
    let strategy_rows = |list: &[htm_service::survey::StrategyLine]| -> Vec<Vec<ViewCell>> {
        list.iter()
            .map(|s| {
                vec![
                    strong(format!("{} ({}, {})", s.applies_to, s.level, s.category)),
                    c(match &s.aem_group {
                        Some(g) => format!("{}; group {g}", s.strategy),
                        None => s.strategy.clone(),
                    }),
                    c(s.interval_months.map(|m| format!("{m} months")).unwrap_or_default()),
                    c(&s.rationale),
                    if s.signatures.is_empty() {
                        match (&s.approved_by, s.approved_at) {
                            (Some(b), Some(t)) => c(format!("Approved by {b} — {}", utc(t))),
                            (Some(b), None) => c(format!("Approved by {b}")),
                            _ => bad("not approved"),
                        }
                    } else {
                        c(s.signatures.join("; "))
                    },
                ]
            })
            .collect()
    };
    let strategy_headers = ["Applies to", "Strategy", "Interval", "Rationale", "Approval (electronic signature)"];
    let mut st_tables = Vec::new();
    if st.available {
        st_tables.push(
            ViewTable::new(
                "survey-strategies",
                "Strategies with rationale (EP4, EP5)",
                &strategy_headers,
                "No maintenance strategy is recorded.",
            )
            .rows(strategy_rows(&st.strategies).into_iter()),
        );
        st_tables.push(
            ViewTable::new(
                "survey-aem",
                "Equipment on alternate equipment maintenance, AEM (EP6)",
                &strategy_headers,
                "No equipment is on an AEM program.",
            )
            .rows(strategy_rows(&st.aem).into_iter()),
        );
        st_tables.push(
            ViewTable::new(
                "survey-aem-equipment",
                format!("Assets on AEM, by group (EP6): {}", st.aem_equipment.len()),
                &["Asset tag", "AEM group", "Strategy record", "Approved"],
                "No asset is on AEM.",
            )
            .rows(st.aem_equipment.iter().map(|a| {
                vec![strong(&a.asset_tag), c(&a.aem_group), c(format!("#{}", a.strategy_id)), c(utc(a.approved_at))]
            })),
        );
    }
    let pm = &p.pm_completion;
    let mut month_rows: Vec<Vec<ViewCell>> = pm
        .months
        .iter()
        .map(|m| {
            let mut row = vec![strong(&m.month)];
            for x in [&m.total, &m.high_risk, &m.life_support, &m.other] {
                row.push(c(format!("{} / {}", x.completed_on_time, x.scheduled)));
                row.push(c(rate(x)));
            }
            row
        })
        .collect();
    let mut total = vec![strong("12 months")];
    for x in [&pm.total, &pm.high_risk, &pm.life_support, &pm.other] {
        total.push(strong(format!("{} / {}", x.completed_on_time, x.scheduled)));
        total.push(strong(rate(x)));
    }
    month_rows.push(total);
    let od = &p.overdue;
    let inc = &p.incidents;
    vec![
        ViewSection {
            id: "survey-inventory",
            heading: inv.heading.clone(),
            paragraphs: vec![
                format!(
                    "{} assets on the inventory, {} active; {} high-risk (life support included), {} life support.",
                    inv.total, inv.active, inv.high_risk, inv.life_support
                ),
                inv.ownership_note.clone(),
            ],
            tables: inv_tables,
        },
        ViewSection {
            id: "survey-high-risk",
            heading: hr.heading.clone(),
            paragraphs: Vec::new(),
            tables: vec![
                ViewTable::new(
                    "survey-high-risk-list",
                    format!("High-risk equipment ({} assets, life support included)", hr.high_risk_assets.len()),
                    &risk_headers,
                    "No active high-risk equipment.",
                )
                .rows(risk_rows(&hr.high_risk_assets)),
                ViewTable::new(
                    "survey-life-support-list",
                    format!("Life-support equipment ({} assets)", hr.life_support_assets.len()),
                    &risk_headers,
                    "No active life-support equipment.",
                )
                .rows(risk_rows(&hr.life_support_assets)),
            ],
        },
        ViewSection {
            id: "survey-strategies",
            heading: st.heading.clone(),
            paragraphs: st.note.iter().cloned().collect(),
            tables: st_tables,
        },
        ViewSection {
            id: "survey-pm",
            heading: pm.heading.clone(),
            paragraphs: vec![
                format!(
                    "High-risk PM completion {} to {}: {} ({} of {} on time; target 100 %).",
                    p.period_first_month,
                    p.period_last_month,
                    rate(&pm.high_risk),
                    pm.high_risk.completed_on_time,
                    pm.high_risk.scheduled
                ),
                format!("How it is counted: {}.", pm.convention),
            ],
            tables: vec![
                ViewTable::new(
                    "survey-pm-months",
                    "PM completion by month (on time / due)",
                    &[
                        "Month",
                        "All",
                        "All: rate",
                        "High-risk",
                        "High-risk: rate",
                        "Life support",
                        "Life support: rate",
                        "Other",
                        "Other: rate",
                    ],
                    "",
                )
                .rows(month_rows.into_iter()),
                ViewTable::new(
                    "survey-pm-exceptions",
                    format!(
                        "High-risk PM exceptions ({}; {} without a follow-up)",
                        pm.high_risk_exceptions.len(),
                        pm.exceptions_without_follow_up
                    ),
                    &["Due", "Work order", "Asset tag", "Model", "Department", "Life support", "Standing", "Follow-up"],
                    "None: every high-risk PM of the 12 months was completed on time.",
                )
                .rows(pm.high_risk_exceptions.iter().map(|e| {
                    vec![
                        c(e.due_date.to_string()),
                        c(&e.work_order),
                        strong(&e.asset_tag),
                        c(&e.model),
                        c(&e.department),
                        c(if e.life_support { "yes" } else { "" }),
                        c(&e.standing_label),
                        match &e.follow_up {
                            Some(f) if f.work_order == e.work_order => {
                                c(format!("{} (this work order): {}", f.work_order, f.status))
                            }
                            Some(f) => c(format!(
                                "{} {} opened {}: {}",
                                f.work_order,
                                f.wo_type.replace('_', " "),
                                f.opened_on,
                                f.status
                            )),
                            None => bad("none"),
                        },
                    ]
                })),
            ],
        },
        ViewSection {
            id: "survey-overdue",
            heading: od.heading.clone(),
            paragraphs: Vec::new(),
            tables: vec![
                ViewTable::new(
                    "survey-overdue-pms",
                    format!("Open PMs past their compliance window ({})", od.overdue_pms.len()),
                    &[
                        "Work order",
                        "Asset tag",
                        "Model",
                        "Department",
                        "Risk",
                        "Due",
                        "Window ended",
                        "Status",
                        "Days overdue",
                    ],
                    "None: no PM is overdue.",
                )
                .rows(od.overdue_pms.iter().map(|o| {
                    vec![
                        c(&o.work_order),
                        strong(&o.asset_tag),
                        c(&o.model),
                        c(&o.department),
                        if o.life_support {
                            bad("life support")
                        } else if o.high_risk {
                            bad("high-risk")
                        } else {
                            c("other")
                        },
                        c(date(o.due_date)),
                        c(date(o.window_end)),
                        c(&o.status),
                        c(o.days_overdue.to_string()),
                    ]
                })),
                ViewTable::new(
                    "survey-missing",
                    format!("Assets reported missing: unable to locate ({})", od.missing_assets.len()),
                    &[
                        "Asset tag",
                        "Model",
                        "Department",
                        "High-risk",
                        "Unable to locate PMs",
                        "Last unable to locate PM",
                        "On",
                        "Open work orders",
                    ],
                    "None: no asset is reported missing.",
                )
                .rows(od.missing_assets.iter().map(|m| {
                    vec![
                        strong(&m.asset_tag),
                        c(&m.model),
                        c(&m.department),
                        c(if m.high_risk { "yes" } else { "" }),
                        c(m.unable_to_locate_pms.to_string()),
                        c(m.last_unable_to_locate_work_order.clone().unwrap_or_else(|| "—".into())),
                        c(date(m.last_unable_to_locate_on)),
                        if m.open_work_orders > 0 { c(m.open_work_orders.to_string()) } else { bad("none") },
                    ]
                })),
            ],
        },
        ViewSection {
            id: "survey-incidents",
            heading: inc.heading.clone(),
            paragraphs: inc.note.iter().cloned().collect(),
            tables: if inc.available {
                vec![
                    ViewTable::new(
                        "survey-incident-list",
                        format!("Incidents ({})", inc.incidents.len()),
                        &[
                            "Reference",
                            "Occurred",
                            "Asset",
                            "What happened",
                            "Status",
                            "Reportable (MDR) / reported by",
                        ],
                        "No incident was recorded in the period.",
                    )
                    .rows(inc.incidents.iter().map(|i| {
                        vec![
                            strong(&i.reference),
                            c(date(i.occurred_on)),
                            c(i.asset_tag.clone().unwrap_or_default()),
                            c(&i.summary),
                            c(&i.status),
                            c(&i.reportable),
                        ]
                    })),
                ]
            } else {
                Vec::new()
            },
        },
    ]
}

fn query_string(f: &SurveyForm) -> String {
    let mut q = Vec::new();
    if !f.site.trim().is_empty() {
        q.push(format!("site={}", f.site.trim()));
    }
    if !f.as_of.trim().is_empty() {
        q.push(format!("as_of={}", f.as_of.trim()));
    }
    if q.is_empty() { String::new() } else { format!("?{}", q.join("&")) }
}

pub async fn page(State(state): State<AppState>, user: WebUser, flash: Flash, Query(f): Query<SurveyForm>) -> Response {
    let layout = Layout::new(Some(&user), "survey_pack", flash);
    let o = match options(&f) {
        Ok(o) => o,
        Err(m) => {
            return service_error_page(
                layout,
                &htm_service::ServiceError::Validation(vec![htm_domain::FieldError::new("as_of", m)]),
            );
        }
    };
    let pack = match state.services.survey_pack(&user.principal, o).await {
        Ok(p) => p,
        Err(e) => return service_error_page(layout, &e),
    };
    let pm = &pack.pm_completion;
    let hr_ok = pm.high_risk.completion_rate.is_none_or(|r| r >= 100.0);
    let qs = query_string(&f);
    let summary = vec![
        (
            "Assets on the inventory".to_string(),
            c(format!("{} ({} active)", pack.inventory.total, pack.inventory.active)),
        ),
        (
            "High-risk / life-support assets".to_string(),
            c(format!("{} / {}", pack.inventory.high_risk, pack.inventory.life_support)),
        ),
        ("PM completion, 12 months: all".to_string(), c(rate(&pm.total))),
        (
            "High-risk PM completion, 12 months (target 100 %)".to_string(),
            if hr_ok { good(rate(&pm.high_risk)) } else { bad(rate(&pm.high_risk)) },
        ),
        ("Life-support PM completion, 12 months".to_string(), c(rate(&pm.life_support))),
        ("Other PM completion, 12 months".to_string(), c(rate(&pm.other))),
        (
            "High-risk PM exceptions / without a follow-up".to_string(),
            c(format!("{} / {}", pm.high_risk_exceptions.len(), pm.exceptions_without_follow_up)),
        ),
        (
            "PMs overdue now / assets reported missing".to_string(),
            c(format!("{} / {}", pack.overdue.overdue_pms.len(), pack.overdue.missing_assets.len())),
        ),
    ];
    SurveyPage {
        layout,
        organisation: pack.organisation.clone(),
        as_of: pack.as_of.to_string(),
        period: format!("{} to {}", pack.period_first_month, pack.period_last_month),
        generated_at: utc(pack.generated_at),
        generated_by: pack.generated_by.clone(),
        pdf_href: format!("/reports/survey-pack.pdf{qs}"),
        json_href: format!("/api/v1/reports/survey-pack{qs}"),
        summary,
        sections: sections(&pack),
    }
    .into_response()
}

pub async fn pdf(State(state): State<AppState>, user: WebUser, flash: Flash, Query(f): Query<SurveyForm>) -> Response {
    let layout = Layout::new(Some(&user), "survey_pack", flash);
    let o = match options(&f) {
        Ok(o) => o,
        Err(m) => {
            return service_error_page(
                layout,
                &htm_service::ServiceError::Validation(vec![htm_domain::FieldError::new("as_of", m)]),
            );
        }
    };
    let pack = match state.services.survey_pack(&user.principal, o).await {
        Ok(p) => p,
        Err(e) => return service_error_page(layout, &e),
    };
    match crate::api::survey::render_pdf(pack).await {
        Ok((pack, bytes)) => crate::api::survey::pdf_response(&pack, bytes),
        Err(e) => service_error_page(layout, &e),
    }
}

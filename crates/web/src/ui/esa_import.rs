//! `POST /work-orders/{id}/pm/esa-import`: the PM screen's "import readings from an analyzer
//! file" form (multipart: `csrf`, `standard`, `file`). A good file is stored as a draft and the
//! PM screen shows the readings with PASS / FAIL; a refused file gets a page listing every bad
//! row (row, column, why) and nothing is stored.

use super::work_orders::work_order_post;
use super::{Layout, html, redirect_with, service_error_page};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use htm_domain::esa::EsaStandard;
use htm_domain::ids::WorkOrderId;
use htm_service::ServiceError;
use htm_service::csv_assets::{ImportError, RowError};

#[derive(Template, WebTemplate)]
#[template(path = "esa_import_errors.html")]
struct ImportErrors {
    layout: Layout,
    id: i64,
    standard: &'static str,
    file_name: String,
    rows: Vec<RowError>,
}

/// Analyzer exports are small; a bigger upload is not one.
const MAX_FILE: usize = 2 * 1024 * 1024;

pub async fn import(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    mut form: Multipart,
) -> Response {
    let (mut csrf, mut standard, mut file_name, mut file) = (String::new(), String::new(), String::new(), Vec::new());
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                if name == "file" {
                    file_name = field.file_name().unwrap_or("").to_string();
                    match field.bytes().await {
                        Ok(b) if b.len() <= MAX_FILE => file = b.to_vec(),
                        _ => return refused(&user, &id, "The file could not be read or is larger than 2 MB."),
                    }
                } else {
                    let text = field.text().await.unwrap_or_default();
                    match name.as_str() {
                        "csrf" => csrf = text,
                        "standard" => standard = text,
                        _ => {}
                    }
                }
            }
            Ok(None) => break,
            Err(_) => return refused(&user, &id, "The upload could not be read; choose the file and try again."),
        }
    }
    let (layout, id) = match work_order_post(&user, &csrf, &id) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let standard = EsaStandard::parse(standard.trim()).unwrap_or(EsaStandard::Iec62353);
    let back = format!("/work-orders/{id}/pm?standard={}", standard.as_str());
    if file.is_empty() {
        return redirect_with(&back, "error", "Choose the analyzer's CSV file to import.");
    }
    let name = (!file_name.trim().is_empty()).then_some(file_name.as_str());
    match state.services.import_esa_csv(&user.principal, WorkOrderId(id), standard, name, &file).await {
        Ok(out) => {
            let failed = out.readings.iter().filter(|r| !r.passed).count();
            let text = format!(
                "Imported {} electrical safety reading(s){}{}. Finish the other steps, then sign off.",
                out.readings.len(),
                if failed > 0 { format!(", {failed} FAIL") } else { String::from(", all pass") },
                if out.analyzers.is_empty() {
                    String::new()
                } else {
                    format!("; analyzer {}", out.analyzers.join(", "))
                },
            );
            redirect_with(&back, if failed > 0 { "error" } else { "ok" }, &text)
        }
        Err(ImportError::Rows(rows)) => {
            let page = ImportErrors {
                layout: layout.clone(),
                id,
                standard: standard.as_str(),
                file_name: if file_name.is_empty() { "the file".into() } else { file_name },
                rows,
            };
            html(StatusCode::UNPROCESSABLE_ENTITY, &layout, page)
        }
        Err(ImportError::Service(ServiceError::Validation(fields))) => {
            let text: Vec<String> = fields.iter().map(|f| f.message.clone()).collect();
            redirect_with(&back, "error", &text.join(" "))
        }
        Err(ImportError::Service(e)) => service_error_page(layout, &e),
    }
}

fn refused(_user: &WebUser, id: &str, text: &str) -> Response {
    match super::parse_id(id) {
        Some(id) => redirect_with(&format!("/work-orders/{id}/pm"), "error", text),
        None => redirect_with("/work-orders", "error", text),
    }
}

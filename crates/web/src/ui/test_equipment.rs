//! The test equipment page: every analyzer and simulator with its last calibration, due date and
//! certificate; overdue instruments in red (a PM cannot be signed off with them), those due within
//! 30 days in amber (REFERENCE §1.5, §9.4).

use super::{Flash, Layout};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use htm_domain::test_equipment::TestEquipment;

#[derive(Template, WebTemplate)]
#[template(path = "test_equipment.html")]
struct TestEquipmentPage {
    layout: Layout,
    items: Vec<TestEquipment>,
    overdue: usize,
    due_soon: usize,
}

pub async fn page(State(state): State<AppState>, user: WebUser, flash: Flash) -> Response {
    let layout = Layout::new(Some(&user), "test_equipment", flash);
    match state.services.list_test_equipment(&user.principal).await {
        Ok(items) => {
            let overdue = items.iter().filter(|i| i.overdue).count();
            let due_soon = items.iter().filter(|i| i.due_soon).count();
            let page = TestEquipmentPage { layout: layout.clone(), items, overdue, due_soon };
            super::html(StatusCode::OK, &layout, page)
        }
        Err(e) => {
            let (status, title, message) = super::describe(&e);
            super::error_page(layout, status, title, &message)
        }
    }
}

//! Test equipment (analyzers, simulators): calibration due dates and certificates
//! (REFERENCE §1.5, §9.4).

use super::error::{ApiResult, ErrorEnvelope};
use crate::AppState;
use crate::auth::ApiUser;
use axum::Json as Out;
use htm_domain::test_equipment::TestEquipment;

/// Every test instrument (an asset with a calibration due date), soonest due first: model,
/// serial, last calibration, due date, certificate, whether it is overdue (a PM cannot be signed
/// off with it) and the days left (negative when overdue).
#[utoipa::path(get, path = "/test-equipment", tag = "planned maintenance",
    responses((status = 200, body = Vec<TestEquipment>), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn list_test_equipment(
    state: axum::extract::State<AppState>,
    ApiUser(p): ApiUser,
) -> ApiResult<Out<Vec<TestEquipment>>> {
    Ok(Out(state.services.list_test_equipment(&p).await?))
}

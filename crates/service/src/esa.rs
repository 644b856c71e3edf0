//! Electrical safety: the limits that apply to a device under the standard a site tests to.

use crate::{ServiceResult, Services};
use htm_domain::esa::{AppliedPartType, EsaLimit, EsaStandard, ProtectionClass, select};

impl Services {
    /// The current limits of `standard` for a device of `class` with an applied part of type
    /// `applied_part`. Every signed-in user may read them (technicians ask "what is the limit here?").
    pub async fn esa_limits(
        &self,
        standard: EsaStandard,
        class: ProtectionClass,
        applied_part: AppliedPartType,
    ) -> ServiceResult<Vec<EsaLimit>> {
        let all = self.store.list_esa_limits(standard).await?;
        Ok(select(&all, class, applied_part))
    }
}

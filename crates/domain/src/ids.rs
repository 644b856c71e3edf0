//! Typed identifiers: an `AssetId` can never be passed where a `WorkOrderId` is expected.

macro_rules! id_type {
    ($($name:ident),+ $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{}", self.0) }
        }
        impl From<i64> for $name { fn from(v: i64) -> Self { Self(v) } }
    )+};
}

id_type!(SiteId, BuildingId, DepartmentId, LocationId, ManufacturerId, VendorId, ModelId, AssetId, WorkOrderId, UserId,);

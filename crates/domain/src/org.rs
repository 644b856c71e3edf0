//! The organisation a hospital's equipment lives in: sites → buildings → departments (cost
//! centres) → locations (rooms and areas).

use crate::DomainError;
use crate::error::FieldError;
use crate::ids::{BuildingId, DepartmentId, LocationId, SiteId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Site {
    pub id: SiteId,
    /// Short code, unique (e.g. `MAIN`, `NCL`).
    pub code: String,
    pub name: String,
    pub address: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Building {
    pub id: BuildingId,
    pub site_id: SiteId,
    pub code: String,
    pub name: String,
    pub version: i64,
}

/// A department is also the cost centre that owns equipment and pays for its service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    pub id: DepartmentId,
    pub building_id: BuildingId,
    /// The finance system's cost-centre number, unique.
    pub cost_center: String,
    pub name: String,
    pub version: i64,
}

/// A room or area where equipment is used or stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Location {
    pub id: LocationId,
    pub department_id: DepartmentId,
    pub name: String,
    pub floor: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewSite {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewBuilding {
    pub site_id: SiteId,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewDepartment {
    pub building_id: BuildingId,
    pub cost_center: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewLocation {
    pub department_id: DepartmentId,
    pub name: String,
    #[serde(default)]
    pub floor: Option<String>,
}

/// Changes to a named organisational unit; `version` is the one the client read.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgPatch {
    pub version: i64,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub floor: Option<String>,
    #[serde(default)]
    pub cost_center: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A required, trimmed, bounded text value.
pub fn required_text(field: &str, value: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.push(FieldError::new(field, "is required"));
    } else if v.chars().count() > max {
        errors.push(FieldError::new(field, format!("must be at most {max} characters")));
    }
    v.to_string()
}

/// An optional text value: blank becomes `None`.
pub fn optional_text(field: &str, value: Option<&str>, max: usize, errors: &mut Vec<FieldError>) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > max {
        errors.push(FieldError::new(field, format!("must be at most {max} characters")));
    }
    Some(v.to_string())
}

pub fn finish(errors: Vec<FieldError>) -> Result<(), DomainError> {
    if errors.is_empty() { Ok(()) } else { Err(DomainError::Invalid(errors)) }
}

macro_rules! normalize_named {
    ($t:ty { $($f:ident : $max:literal),+ } $(opt { $($o:ident : $omax:literal),+ })?) => {
        impl $t {
            /// Trims and checks every field, reporting all problems at once.
            pub fn normalized(mut self) -> Result<Self, DomainError> {
                let mut e = Vec::new();
                $(self.$f = required_text(stringify!($f), &self.$f, $max, &mut e);)+
                $($(self.$o = optional_text(stringify!($o), self.$o.as_deref(), $omax, &mut e);)+)?
                finish(e)?;
                Ok(self)
            }
        }
    };
}

normalize_named!(NewSite { code: 16, name: 120 } opt { address: 300 });
normalize_named!(NewBuilding { code: 16, name: 120 });
normalize_named!(NewDepartment { cost_center: 32, name: 120 });
normalize_named!(NewLocation { name: 120 } opt { floor: 16 });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_names_are_reported_field_by_field() {
        let err = NewSite { code: " ".into(), name: "".into(), address: None }.normalized().unwrap_err();
        match err {
            DomainError::Invalid(f) => {
                assert_eq!(f.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), vec!["code", "name"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn text_is_trimmed_and_blank_optional_text_dropped() {
        let s =
            NewSite { code: " MAIN ".into(), name: "Main".into(), address: Some("  ".into()) }.normalized().unwrap();
        assert_eq!(s.code, "MAIN");
        assert_eq!(s.address, None);
    }
}

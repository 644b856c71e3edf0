//! `text_enum!` declares an enum stored and transmitted as a lowercase text code, with a
//! human label, `parse`, `as_str` and the list of all values.

#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($variant:ident => $code:literal : $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $(#[serde(rename = $code)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and transmitted code.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The label shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(s: &str) -> Result<Self, $crate::DomainError> {
                let t = s.trim();
                $(if t.eq_ignore_ascii_case($code) || t.eq_ignore_ascii_case($label) { return Ok($name::$variant); })+
                Err($crate::DomainError::field(
                    $field,
                    format!("'{}' is not one of: {}", t, [$($code),+].join(", ")),
                ))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> { Self::parse(s) }
        }

        // The OpenAPI schema is written by hand: the derive would list the Rust variant names,
        // but the wire carries the text codes.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let labels = [$(concat!("`", $code, "`: ", $label)),+].join("; ");
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($code),+]))
                    .description(Some(labels))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    };
}

//! The database URL, which also chooses the back end. Its `Display` hides any password.

use crate::Backend;

#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.starts_with("sqlite:") || s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(DatabaseUrl(s.to_string()))
        } else {
            Err(format!(
                "unsupported database URL '{}': use sqlite://FILE or postgres://USER:PASSWORD@HOST/DB",
                redact(s)
            ))
        }
    }

    pub fn backend(&self) -> Backend {
        if self.0.starts_with("sqlite:") { Backend::Sqlite } else { Backend::Postgres }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn redact(s: &str) -> String {
    match (s.find("://"), s.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &s[scheme_end + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &s[..scheme_end + 3], user, &s[at..]),
                None => s.to_string(),
            }
        }
        _ => s.to_string(),
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_shows() {
        let u = DatabaseUrl::parse("postgres://htm:s3cret@db.example.org:5432/htm").unwrap();
        assert_eq!(u.to_string(), "postgres://htm:***@db.example.org:5432/htm");
        assert!(!format!("{u:?}").contains("s3cret"));
        assert_eq!(u.backend(), Backend::Postgres);
    }

    #[test]
    fn unknown_schemes_are_refused() {
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert_eq!(DatabaseUrl::parse("sqlite://htm.db").unwrap().backend(), Backend::Sqlite);
    }
}

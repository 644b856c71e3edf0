//! Keyset pagination: a page is "up to `limit` rows after this cursor", never an offset, so
//! the cost of a page does not grow with its position in a table of millions.

use crate::DomainError;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 1000;

/// A request for one page: rows strictly after `after` in the listing's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub after: Option<i64>,
}

impl PageRequest {
    /// Parses the wire form: `limit` (1..=1000, default 50) and an opaque `cursor`.
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Self, DomainError> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as u32,
            Some(n) => {
                return Err(DomainError::field("limit", format!("must be between 1 and {MAX_LIMIT}, got {n}")));
            }
        };
        let after = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(
                decode_cursor(c).ok_or_else(|| DomainError::field("cursor", "is not a cursor this server issued"))?,
            ),
        };
        Ok(PageRequest { limit, after })
    }

    pub fn first(limit: u32) -> Self {
        PageRequest { limit, after: None }
    }
}

/// The cursor is the last row's key, prefixed so that it reads as opaque and can change form later.
pub fn encode_cursor(key: i64) -> String {
    format!("k{key}")
}

pub fn decode_cursor(c: &str) -> Option<i64> {
    c.strip_prefix('k')?.parse().ok()
}

/// One page of results and the cursor of the next page, if there is one.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` fetched rows: the extra row only proves there is more.
    pub fn from_rows(mut rows: Vec<T>, limit: u32, key: impl Fn(&T) -> i64) -> Self {
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = if more { rows.last().map(|r| encode_cursor(key(r))) } else { None };
        Page { items: rows, next_cursor }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_outside_one_to_a_thousand_are_refused() {
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(Some(1001), None).is_err());
        assert_eq!(PageRequest::parse(Some(1000), None).unwrap().limit, 1000);
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, DEFAULT_LIMIT);
    }

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        let p = PageRequest::parse(Some(10), Some(&encode_cursor(42))).unwrap();
        assert_eq!(p.after, Some(42));
        assert!(PageRequest::parse(None, Some("42; drop table")).is_err());
    }

    #[test]
    fn a_page_has_a_next_cursor_only_when_more_rows_exist() {
        let p = Page::from_rows(vec![1, 2, 3], 2, |x| *x as i64);
        assert_eq!(p.items, vec![1, 2]);
        assert_eq!(p.next_cursor.as_deref(), Some("k2"));
        let p = Page::from_rows(vec![1, 2], 2, |x| *x as i64);
        assert_eq!(p.next_cursor, None);
    }
}

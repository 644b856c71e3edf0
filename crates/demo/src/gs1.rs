//! GS1 mod-10 check digits (GTIN, SSCC, GLN), REFERENCE §5.2: from the rightmost data digit
//! moving left, weights 3, 1, 3, 1, …; check = (10 − sum mod 10) mod 10.

/// The check digit for a string of data digits (without the check digit); `None` if it holds
/// anything but ASCII digits or is empty.
pub fn check_digit(data: &str) -> Option<u8> {
    if data.is_empty() || !data.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 =
        data.bytes().rev().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
    Some(((10 - sum % 10) % 10) as u8)
}

/// Whether a GTIN-8/12/13/14 (its last digit being the check digit) is well formed.
pub fn is_valid_gtin(gtin: &str) -> bool {
    if !matches!(gtin.len(), 8 | 12 | 13 | 14) {
        return false;
    }
    let (data, check) = gtin.split_at(gtin.len() - 1);
    match (check_digit(data), check.bytes().next()) {
        (Some(c), Some(b)) => b.is_ascii_digit() && c == b - b'0',
        _ => false,
    }
}

/// A GTIN-14 made of the data digits and their check digit; `None` unless exactly 13 digits.
pub fn gtin14(data13: &str) -> Option<String> {
    if data13.len() != 13 {
        return None;
    }
    check_digit(data13).map(|c| format!("{data13}{c}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_worked_example_has_check_digit_six() {
        assert_eq!(check_digit("1088452106285"), Some(6));
        assert!(is_valid_gtin("10884521062856"));
        assert!(!is_valid_gtin("10884521062857"));
    }

    #[test]
    fn well_known_gtins_validate() {
        // EAN-13 of a book (ISBN 978-0-306-40615-7) and a GTIN-12 (UPC-A).
        assert!(is_valid_gtin("9780306406157"));
        assert!(is_valid_gtin("036000291452"));
        assert_eq!(check_digit("03600029145"), Some(2));
        assert_eq!(gtin14("0020000100001").map(|g| is_valid_gtin(&g)), Some(true));
    }

    #[test]
    fn non_digits_and_bad_lengths_are_refused() {
        assert_eq!(check_digit(""), None);
        assert_eq!(check_digit("12a4"), None);
        assert!(!is_valid_gtin("123"));
        assert!(!is_valid_gtin("1088452106285X"));
        assert_eq!(gtin14("123"), None);
    }
}

//! Calendar arithmetic on day numbers (days since 1970-01-01) and seconds, so the generator
//! never needs fallible date arithmetic in its inner loops. All times are UTC.

use jiff::Timestamp;
use jiff::civil::Date;

pub const DAY: i64 = 86_400;
pub const HOUR: i64 = 3_600;
pub const MINUTE: i64 = 60;

/// Days since 1970-01-01 of a civil date (proleptic Gregorian; H. Hinnant's algorithm).
pub fn days_from_civil(y: i32, m: i32, d: i32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y } as i64;
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil (year, month, day) of a day number.
pub fn civil_from_days(z: i64) -> (i32, i32, i32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    ((if m <= 2 { y + 1 } else { y }) as i32, m as i32, d as i32)
}

pub fn day_of(date: Date) -> i64 {
    days_from_civil(i32::from(date.year()), i32::from(date.month()), i32::from(date.day()))
}

pub fn date_of(day: i64) -> Date {
    let (y, m, d) = civil_from_days(day);
    Date::new(y as i16, m as i8, d as i8).unwrap_or(Date::MIN)
}

pub fn ts(sec: i64) -> Timestamp {
    Timestamp::from_second(sec).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Months counted from year 0 (`year * 12 + month - 1`).
pub fn month_index(day: i64) -> i64 {
    let (y, m, _) = civil_from_days(day);
    i64::from(y) * 12 + i64::from(m) - 1
}

pub fn month_first_day(month: i64) -> i64 {
    days_from_civil(month.div_euclid(12) as i32, (month.rem_euclid(12) + 1) as i32, 1)
}

pub fn month_last_day(month: i64) -> i64 {
    month_first_day(month + 1) - 1
}

/// 0 = Monday … 6 = Sunday.
pub fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

pub fn is_weekend(day: i64) -> bool {
    weekday(day) >= 5
}

/// The same day or the next Monday when it falls on a weekend.
pub fn next_business_day(day: i64) -> i64 {
    match weekday(day) {
        5 => day + 2,
        6 => day + 1,
        _ => day,
    }
}

/// The same day or the previous Friday when it falls on a weekend.
pub fn prev_business_day(day: i64) -> i64 {
    match weekday(day) {
        5 => day - 1,
        6 => day - 2,
        _ => day,
    }
}

/// A date some whole years earlier (29 February becomes 28 February).
pub fn years_before(day: i64, years: i32) -> i64 {
    let (y, m, d) = civil_from_days(day);
    let d = if m == 2 && d == 29 { 28 } else { d };
    days_from_civil(y - years, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip_through_civil_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        for z in -1000..40_000 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        let date = Date::new(2026, 3, 15).unwrap();
        assert_eq!(date_of(day_of(date)), date);
    }

    #[test]
    fn weekdays_and_months_are_computed_correctly() {
        // 2026-03-15 is a Sunday.
        let d = days_from_civil(2026, 3, 15);
        assert_eq!(weekday(d), 6);
        assert_eq!(next_business_day(d), d + 1);
        assert_eq!(prev_business_day(d), d - 2);
        let m = month_index(d);
        assert_eq!(month_first_day(m), days_from_civil(2026, 3, 1));
        assert_eq!(month_last_day(m), days_from_civil(2026, 3, 31));
        assert_eq!(month_last_day(month_index(days_from_civil(2024, 2, 3))), days_from_civil(2024, 2, 29));
        assert_eq!(years_before(days_from_civil(2024, 2, 29), 3), days_from_civil(2021, 2, 28));
    }
}

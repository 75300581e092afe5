//! The `Date` scalar: a calendar date without a time of day.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar date with no time of day (see the scalar's description).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar date, `YYYY-MM-DD` (RFC 3339 `full-date`), with no time of day and no zone:
/// the date printed on a certificate or a report, as people in the district read it. Send
/// it as a string; `2026-02-30` or a timestamp is `BAD_USER_INPUT`.
#[Scalar(
    name = "Date",
    specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(s) = &value else {
            return Err(InputValueError::expected_type(value));
        };
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Date)
            .map_err(|_| InputValueError::custom(format!("{s:?} is not a date (YYYY-MM-DD)")))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_nothing_else_parses() {
        let d = Date::parse(Value::String("2026-03-05".into())).expect("date");
        assert_eq!(d.to_value(), Value::String("2026-03-05".into()));
        for bad in ["2026-02-30", "2026/03/05", "2026-03-05T00:00:00Z", "", "5 March"] {
            assert!(Date::parse(Value::String(bad.into())).is_err(), "{bad}");
        }
        assert!(Date::parse(Value::Number(20260305.into())).is_err());
    }
}

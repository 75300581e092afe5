//! The `GeoJSON` scalar: a GeoJSON object (RFC 7946) passed through as JSON.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

/// A GeoJSON object (see the scalar's description).
#[derive(Clone, Debug, PartialEq)]
pub struct GeoJson(pub serde_json::Value);

/// A GeoJSON object (RFC 7946), sent and answered as a JSON object, not a string: for grid
/// boundaries a `Polygon` or `MultiPolygon` geometry (`{"type": "Polygon", "coordinates":
/// [[[lng, lat], …]]}`, longitude first), or a `Feature` holding one. A JSON string holding
/// such an object is accepted too, for clients that cannot send nested input values.
/// Answers are always WGS-84 geometries.
#[Scalar(name = "GeoJSON", specified_by_url = "https://www.rfc-editor.org/rfc/rfc7946")]
impl ScalarType for GeoJson {
    fn parse(value: Value) -> InputValueResult<Self> {
        let json = match value {
            Value::String(s) => serde_json::from_str(&s)
                .map_err(|e| InputValueError::custom(format!("the string is not JSON: {e}")))?,
            v @ Value::Object(_) => v
                .into_json()
                .map_err(|e| InputValueError::custom(format!("not JSON: {e}")))?,
            other => return Err(InputValueError::expected_type(other)),
        };
        Ok(GeoJson(json))
    }

    fn to_value(&self) -> Value {
        Value::from_json(self.0.clone()).unwrap_or(Value::Null)
    }
}

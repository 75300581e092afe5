//! Positions and grid boundaries: coordinate systems, GeoJSON boundaries and the geometry
//! that places a report in a grid. Pure functions; the grid service stores and indexes.
//!
//! Crates: `geojson` parses the files districts export from their GIS, `geo` does the
//! geometry (validity, point in polygon, overlaps, geodesic area) and `coordtransform`
//! converts the shifted systems of Chinese map SDKs (GCJ-02, BD-09) to WGS-84 with a
//! refined inverse (well under a metre). Each is the maintained crate for its job; none
//! needs a C library or PostGIS.

use entity::enums::CoordinateSystem;
use geo::{
    Area, BooleanOps, BoundingRect, Coord, GeodesicArea, Intersects, LineString, MultiPolygon, Point,
    Polygon, Validation,
};
use geojson::{GeoJson, GeometryValue};

/// Most vertices one boundary may have (a street's outline from a GIS export has a few
/// thousand; this leaves room while bounding the work of one placement).
pub const MAX_VERTICES: usize = 20_000;

/// Share of a child's area that may lie outside its parent, and share of the smaller of two
/// siblings that may overlap the other: GIS exports of neighbouring grids rarely share
/// their edges exactly.
pub const TOLERANCE: f64 = 0.01;

/// A position converted to WGS-84: `(latitude, longitude)`.
pub fn to_wgs84(system: CoordinateSystem, lat: f64, lng: f64) -> (f64, f64) {
    let (lng, lat) = match system {
        CoordinateSystem::Wgs84 => (lng, lat),
        CoordinateSystem::Gcj02 => coordtransform::gcj02_to_wgs84(lng, lat),
        CoordinateSystem::Bd09 => coordtransform::bd09_to_wgs84(lng, lat),
    };
    (lat, lng)
}

/// A validated boundary in WGS-84.
#[derive(Clone, Debug)]
pub struct Boundary {
    /// The geometry.
    pub shape: MultiPolygon<f64>,
    /// Its GeoJSON text (a Polygon or MultiPolygon geometry), as stored.
    pub geojson: String,
    /// West, south, east, north.
    pub bbox: [f64; 4],
    /// Geodesic area in square metres.
    pub area_m2: f64,
}

/// Why a boundary was refused (the message names the ring or polygon concerned).
pub type Refusal = String;

/// Reads a boundary from GeoJSON: a Polygon or MultiPolygon geometry, or a Feature holding
/// one, with positions in `system` (converted to WGS-84). Rings must be closed, have at least
/// four positions, and neither cross themselves nor each other.
pub fn parse(value: &serde_json::Value, system: CoordinateSystem) -> Result<Boundary, Refusal> {
    let gj: GeoJson = serde_json::from_value(value.clone()).map_err(|e| format!("is not GeoJSON: {e}"))?;
    let geometry = match gj {
        GeoJson::Geometry(g) => g,
        GeoJson::Feature(f) => f
            .geometry
            .ok_or_else(|| "the Feature has no geometry".to_owned())?,
        GeoJson::FeatureCollection(_) => {
            return Err("send one Polygon or MultiPolygon (a FeatureCollection is for import)".into())
        }
    };
    let polygons = match &geometry.value {
        GeometryValue::Polygon { coordinates } => vec![coordinates.clone()],
        GeometryValue::MultiPolygon { coordinates } => coordinates.clone(),
        other => {
            return Err(format!(
                "must be a Polygon or MultiPolygon, not a {}",
                other.type_name()
            ))
        }
    };
    if polygons.is_empty() {
        return Err("the MultiPolygon has no polygon".into());
    }
    let mut vertices = 0usize;
    let mut out = Vec::with_capacity(polygons.len());
    for (pi, rings) in polygons.iter().enumerate() {
        let at = |ri: usize| {
            if polygons.len() == 1 {
                format!("ring {ri}")
            } else {
                format!("polygon {pi}, ring {ri}")
            }
        };
        if rings.is_empty() {
            return Err(format!("polygon {pi} has no ring"));
        }
        let mut lines = Vec::with_capacity(rings.len());
        for (ri, ring) in rings.iter().enumerate() {
            if ring.len() < 4 {
                return Err(format!(
                    "{} has {} positions; a ring needs at least 4",
                    at(ri),
                    ring.len()
                ));
            }
            vertices += ring.len();
            if vertices > MAX_VERTICES {
                return Err(format!("has more than {MAX_VERTICES} positions; simplify it"));
            }
            let mut coords = Vec::with_capacity(ring.len());
            for p in ring {
                let s = p.as_slice();
                let (lng, lat) = (s[0], s.get(1).copied().unwrap_or(f64::NAN));
                if !lng.is_finite()
                    || !lat.is_finite()
                    || !(-180.0..=180.0).contains(&lng)
                    || !(-90.0..=90.0).contains(&lat)
                {
                    return Err(format!(
                        "{} has a position outside longitude -180..180, latitude -90..90",
                        at(ri)
                    ));
                }
                let (lat, lng) = to_wgs84(system, lat, lng);
                coords.push(Coord { x: lng, y: lat });
            }
            let (first, last) = (ring[0].as_slice(), ring[ring.len() - 1].as_slice());
            if first[..2] != last[..2] {
                return Err(format!(
                    "{} is not closed: its last position must repeat its first",
                    at(ri)
                ));
            }
            lines.push(LineString::new(coords));
        }
        let exterior = lines.remove(0);
        out.push(Polygon::new(exterior, lines));
    }
    let shape = MultiPolygon::new(out);
    if let Err(e) = shape.check_validation() {
        return Err(format!("is not a valid area: {e}"));
    }
    let rect = shape.bounding_rect().ok_or_else(|| "has no extent".to_owned())?;
    let area_m2 = shape.geodesic_area_unsigned();
    if area_m2 <= 0.0 {
        return Err("encloses no area".into());
    }
    let stored = if shape.0.len() == 1 {
        geojson::Geometry::from(&shape.0[0])
    } else {
        geojson::Geometry::from(&shape)
    };
    Ok(Boundary {
        geojson: serde_json::to_string(&stored).map_err(|e| format!("cannot be written back: {e}"))?,
        bbox: [rect.min().x, rect.min().y, rect.max().x, rect.max().y],
        area_m2,
        shape,
    })
}

/// Reads a stored boundary (written by [`parse`], so already valid and in WGS-84).
pub fn stored(text: &str) -> Option<MultiPolygon<f64>> {
    let gj: geojson::Geometry = serde_json::from_str(text).ok()?;
    match geo::Geometry::<f64>::try_from(gj).ok()? {
        geo::Geometry::Polygon(p) => Some(MultiPolygon::new(vec![p])),
        geo::Geometry::MultiPolygon(m) => Some(m),
        _ => None,
    }
}

/// Whether `shape` contains the WGS-84 position (its edge counts as inside, so a point on
/// the border of two grids is in both and the smaller one wins).
pub fn contains(shape: &MultiPolygon<f64>, lat: f64, lng: f64) -> bool {
    shape.intersects(&Point::new(lng, lat))
}

/// Share of `child`'s area outside `parent` (0 when it lies wholly inside).
pub fn outside_share(child: &MultiPolygon<f64>, parent: &MultiPolygon<f64>) -> f64 {
    let total = child.unsigned_area();
    if total <= 0.0 {
        return 0.0;
    }
    child.difference(parent).unsigned_area() / total
}

/// Share of the smaller of `a` and `b` covered by both (0 when they only touch).
pub fn overlap_share(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    let smaller = a.unsigned_area().min(b.unsigned_area());
    if smaller <= 0.0 {
        return 0.0;
    }
    a.intersection(b).unsigned_area() / smaller
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn square(w: f64, s: f64, e: f64, n: f64) -> serde_json::Value {
        json!({"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]})
    }

    #[test]
    fn a_square_is_read_with_its_box_and_area() {
        let b = parse(&square(120.15, 30.265, 120.17, 30.285), CoordinateSystem::Wgs84).unwrap();
        assert_eq!(b.bbox, [120.15, 30.265, 120.17, 30.285]);
        // About 1.92 km × 2.22 km.
        assert!((b.area_m2 - 4.27e6).abs() < 0.05e6, "{}", b.area_m2);
        assert!(contains(&b.shape, 30.27, 120.16));
        assert!(contains(&b.shape, 30.265, 120.16), "the edge counts as inside");
        assert!(!contains(&b.shape, 30.29, 120.16));
        let again = stored(&b.geojson).unwrap();
        assert!(contains(&again, 30.27, 120.16));
    }

    #[test]
    fn a_feature_and_a_multipolygon_are_accepted() {
        let f =
            json!({"type": "Feature", "properties": {"code": "X"}, "geometry": square(0.0, 0.0, 1.0, 1.0)});
        assert!(parse(&f, CoordinateSystem::Wgs84).is_ok());
        let m = json!({"type": "MultiPolygon", "coordinates": [
            [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]],
            [[[2.0, 2.0], [3.0, 2.0], [3.0, 3.0], [2.0, 2.0]]]
        ]});
        let b = parse(&m, CoordinateSystem::Wgs84).unwrap();
        assert!(contains(&b.shape, 2.1, 2.9));
        assert!(!contains(&b.shape, 1.5, 1.5));
    }

    #[test]
    fn bad_boundaries_are_refused_with_a_reason() {
        let open =
            json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]]});
        assert!(parse(&open, CoordinateSystem::Wgs84)
            .unwrap_err()
            .contains("not closed"));
        let short = json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]]]});
        assert!(parse(&short, CoordinateSystem::Wgs84)
            .unwrap_err()
            .contains("at least 4"));
        let bow_tie = json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]]});
        assert!(parse(&bow_tie, CoordinateSystem::Wgs84)
            .unwrap_err()
            .contains("not a valid area"));
        let point = json!({"type": "Point", "coordinates": [0.0, 0.0]});
        assert!(parse(&point, CoordinateSystem::Wgs84)
            .unwrap_err()
            .contains("not a Point"));
        let far = square(179.0, 0.0, 181.0, 1.0);
        assert!(parse(&far, CoordinateSystem::Wgs84)
            .unwrap_err()
            .contains("outside longitude"));
        assert!(parse(&json!({"type": "Polygon"}), CoordinateSystem::Wgs84)
            .unwrap_err()
            .contains("not GeoJSON"));
    }

    #[test]
    fn shifted_systems_come_back_to_wgs84() {
        // A WGS-84 point in Hangzhou, shifted by the published GCJ-02 and BD-09 formulas.
        let (lat, lng) = (30.27, 120.16);
        let (glng, glat) = coordtransform::wgs84_to_gcj02(lng, lat);
        assert!(
            (glng - lng).abs() > 0.003,
            "GCJ-02 moves a Hangzhou point by hundreds of metres"
        );
        let (blng, blat) = coordtransform::wgs84_to_bd09(lng, lat);
        for (system, (a, b)) in [
            (CoordinateSystem::Gcj02, (glat, glng)),
            (CoordinateSystem::Bd09, (blat, blng)),
        ] {
            let (back_lat, back_lng) = to_wgs84(system, a, b);
            assert!(
                (back_lat - lat).abs() < 1e-6 && (back_lng - lng).abs() < 1e-6,
                "{system:?}"
            );
        }
        assert_eq!(to_wgs84(CoordinateSystem::Wgs84, lat, lng), (lat, lng));
    }

    #[test]
    fn overlaps_and_overflow_are_measured() {
        let parent = parse(&square(0.0, 0.0, 1.0, 1.0), CoordinateSystem::Wgs84)
            .unwrap()
            .shape;
        let inside = parse(&square(0.1, 0.1, 0.5, 0.5), CoordinateSystem::Wgs84)
            .unwrap()
            .shape;
        let half_out = parse(&square(0.5, 0.0, 1.5, 1.0), CoordinateSystem::Wgs84)
            .unwrap()
            .shape;
        let touching = parse(&square(1.0, 0.0, 2.0, 1.0), CoordinateSystem::Wgs84)
            .unwrap()
            .shape;
        assert!(outside_share(&inside, &parent) < 1e-9);
        assert!((outside_share(&half_out, &parent) - 0.5).abs() < 1e-9);
        assert!(overlap_share(&parent, &touching) < 1e-9);
        assert!((overlap_share(&parent, &half_out) - 0.5).abs() < 1e-9);
    }
}

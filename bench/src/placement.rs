//! Placement of reported positions in grids (`--placement`): 10,000 community grids with
//! outlines (a district of 100 streets, each cut into 10 × 10 communities of which 99 exist,
//! every outline a 16-vertex polygon), then 100,000 random positions placed one after another
//! through the service's own `grid::place` (spatial-index lookup and exact test, no HTTP).
//! Every answer is checked against the grid the arithmetic of the layout says.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use entity::enums::{CoordinateSystem, GridKind, GridLevel, Placement};
use fengqiao_api::{
    auth::Actor,
    places,
    service::grid::{self, NewGrid},
};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use uuid::Uuid;

use super::{machine, Backend, Opts};

const WEST: f64 = 120.0;
const SOUTH: f64 = 30.0;
/// The district is 0.5° square; a street 0.05°, a community 0.005° (about 480 m × 555 m).
const STREET: f64 = 0.05;
const COMMUNITY: f64 = 0.005;

/// A box as a closed ring with each side cut into four segments (16 vertices).
fn outline(w: f64, s: f64, e: f64, n: f64) -> serde_json::Value {
    let mut ring = Vec::new();
    for i in 0..4 {
        ring.push([w + (e - w) * i as f64 / 4.0, s]);
    }
    for i in 0..4 {
        ring.push([e, s + (n - s) * i as f64 / 4.0]);
    }
    for i in 0..4 {
        ring.push([e - (e - w) * i as f64 / 4.0, n]);
    }
    for i in 0..4 {
        ring.push([w, n - (n - s) * i as f64 / 4.0]);
    }
    ring.push([w, s]);
    serde_json::json!({ "type": "Polygon", "coordinates": [ring] })
}

async fn database(opts: &Opts) -> Result<DatabaseConnection> {
    let url = match opts.backend {
        Backend::Sqlite => {
            let path = std::path::absolute(opts.work_dir.join("placement.db"))?;
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            format!("sqlite://{}?mode=rwc", path.display())
        }
        Backend::Postgres => {
            let admin = sea_orm::Database::connect(format!("{}/postgres", opts.pg_server)).await?;
            admin
                .execute_unprepared("DROP DATABASE IF EXISTS fengqiao_bench_placement")
                .await?;
            admin
                .execute_unprepared("CREATE DATABASE fengqiao_bench_placement")
                .await?;
            admin.close().await?;
            format!("{}/fengqiao_bench_placement", opts.pg_server)
        }
    };
    let db = fengqiao_api::db::connect(&url, opts.pool).await?;
    fengqiao_api::db::migrate(&db).await?;
    Ok(db)
}

/// Creates the grids with their outlines; returns the community ids by `(street, cell)` and
/// the street ids, and how long it took.
async fn layout(db: &DatabaseConnection) -> Result<(Vec<Vec<Option<Uuid>>>, Vec<Uuid>, Duration)> {
    let sys = Actor::system();
    let started = Instant::now();
    let txn = db.begin().await?;
    let made = |code: String, level, parent| NewGrid {
        name: code.clone(),
        code,
        level,
        kind: GridKind::Community,
        parent_id: parent,
    };
    let district = grid::upsert(&txn, &sys, made("B-D".into(), GridLevel::District, None))
        .await?
        .0;
    let set = |id: Uuid, b: [f64; 4]| {
        let txn = &txn;
        let sys = &sys;
        async move {
            let boundary = places::parse(&outline(b[0], b[1], b[2], b[3]), CoordinateSystem::Wgs84)
                .map_err(|m| anyhow::anyhow!(m))?;
            grid::set_boundary(txn, sys, id, Some(boundary), "bench").await?;
            anyhow::Ok(())
        }
    };
    set(
        district.id,
        [WEST, SOUTH, WEST + 10.0 * STREET, SOUTH + 10.0 * STREET],
    )
    .await?;
    let mut streets = Vec::new();
    let mut communities = Vec::new();
    for si in 0..100 {
        let (sw, ss) = (
            WEST + (si % 10) as f64 * STREET,
            SOUTH + (si / 10) as f64 * STREET,
        );
        let street = grid::upsert(
            &txn,
            &sys,
            made(format!("B-S{si:02}"), GridLevel::Area, Some(district.id)),
        )
        .await?
        .0;
        set(street.id, [sw, ss, sw + STREET, ss + STREET]).await?;
        let mut cells = vec![None; 100];
        // Cell 0 has no community: positions there land in the street itself.
        for (ci, cell) in cells.iter_mut().enumerate().skip(1) {
            let (cw, cs) = (
                sw + (ci % 10) as f64 * COMMUNITY,
                ss + (ci / 10) as f64 * COMMUNITY,
            );
            let c = grid::upsert(
                &txn,
                &sys,
                made(format!("B-S{si:02}-C{ci:02}"), GridLevel::Group, Some(street.id)),
            )
            .await?
            .0;
            set(c.id, [cw, cs, cw + COMMUNITY, cs + COMMUNITY]).await?;
            *cell = Some(c.id);
        }
        streets.push(street.id);
        communities.push(cells);
    }
    txn.commit().await?;
    Ok((communities, streets, started.elapsed()))
}

/// Runs the placement benchmark and returns its Markdown section.
pub async fn run(opts: &Opts) -> Result<String> {
    let db = database(opts).await?;
    let (communities, streets, built) = layout(&db).await?;
    let grids = 1 + streets.len() + communities.iter().flatten().flatten().count();
    let points = 100_000u64;
    let mut rng = super::XorShift(opts.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut lat_ms = Vec::with_capacity(points as usize);
    let (mut wrong, mut in_community, mut in_street, mut triage, mut on_edge) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let span = 10.0 * STREET;
    let started = Instant::now();
    for _ in 0..points {
        // 4% of the positions fall outside the district (a margin of 1% on each side).
        let u = |r: &mut super::XorShift| (r.next() % 1_000_000) as f64 / 1_000_000.0;
        let lng = WEST - 0.01 * span + u(&mut rng) * 1.02 * span;
        let lat = SOUTH - 0.01 * span + u(&mut rng) * 1.02 * span;
        let t = Instant::now();
        let placed = grid::place(&db, lat, lng).await?;
        lat_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let (x, y) = ((lng - WEST) / STREET, (lat - SOUTH) / STREET);
        let expected = if !(0.0..10.0).contains(&x) || !(0.0..10.0).contains(&y) {
            None
        } else {
            let si = y as usize * 10 + x as usize;
            let (cx, cy) = ((x.fract() * 10.0) as usize, (y.fract() * 10.0) as usize);
            Some(communities[si][cy * 10 + cx].unwrap_or(streets[si]))
        };
        match (placed, expected) {
            (Some((g, Placement::Boundary)), Some(e)) if g == e => {
                if streets.contains(&g) {
                    in_street += 1;
                } else {
                    in_community += 1;
                }
            }
            (Some((_, Placement::Triage)), None) => triage += 1,
            // On a shared edge (within a nanodegree) both grids hold the position; the
            // arithmetic above picks one side, placement the other: both are right.
            _ if [x * 10.0, y * 10.0].iter().any(|v| (v - v.round()).abs() < 1e-6) => on_edge += 1,
            _ => wrong += 1,
        }
    }
    let wall = started.elapsed();
    if wrong > 0 {
        bail!("{wrong} of {points} positions were placed in the wrong grid");
    }
    lat_ms.sort_by(f64::total_cmp);
    let q = |p: f64| lat_ms[((lat_ms.len() as f64 - 1.0) * p).round() as usize];
    let mean = lat_ms.iter().sum::<f64>() / lat_ms.len() as f64;
    let backend = match opts.backend {
        Backend::Sqlite => "SQLite (R*Tree)",
        Backend::Postgres => "PostgreSQL (GiST, no PostGIS)",
    };
    let mut s = format!(
        "### Placement: {points} positions, {grids} grids on {backend} — {}\n\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    s.push_str(&format!("- Machine: {}\n", machine()));
    s.push_str(&format!(
        "- Command: `fengqiao-bench --placement --backend {} --seed {}` (release build)\n",
        format!("{:?}", opts.backend).to_lowercase(),
        opts.seed
    ));
    s.push_str(&format!(
        "- Layout: 1 district, 100 streets, 9,900 communities, each outline a 16-vertex polygon; set through `setBoundary`'s checks in {:.1} s\n",
        built.as_secs_f64()
    ));
    s.push_str(&format!(
        "- Answers checked against the layout: {in_community} in a community, {in_street} in a street (no community there), {triage} outside the district (triage), {on_edge} on a shared edge (either side is right), 0 wrong\n\n"
    ));
    s.push_str(
        "| placements/s (one caller) | mean ms | p50 ms | p99 ms | p99.9 ms | max ms | target p99 |\n",
    );
    s.push_str("|---:|---:|---:|---:|---:|---:|---|\n");
    s.push_str(&format!(
        "| {:.0} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | < 1 ms: {} |\n",
        points as f64 / wall.as_secs_f64(),
        mean,
        q(0.5),
        q(0.99),
        q(0.999),
        q(1.0),
        if q(0.99) < 1.0 { "met" } else { "not met" }
    ));
    db.close().await?;
    Ok(s)
}

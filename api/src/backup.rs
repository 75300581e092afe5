//! `fengqiao backup`: an online, consistent copy of the embedded SQLite database.
//!
//! `VACUUM INTO` reads the database inside one read transaction — in WAL mode writers go on
//! meanwhile — and writes a compact copy of exactly one committed state. The copy is written
//! beside the target under a temporary name, checked with `PRAGMA integrity_check`, synced and
//! only then renamed, so a target that exists is always a whole backup. PostgreSQL is backed
//! up with its own tools (README, "Backups").

use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::db;

/// What a finished backup holds.
#[derive(Debug)]
pub struct Summary {
    /// Size of the copy in bytes.
    pub bytes: u64,
    /// Cases in the copy.
    pub cases: i64,
}

/// Copies the SQLite database at `database_url` to `output` while the service may run.
pub async fn sqlite(database_url: &str, output: &Path) -> anyhow::Result<Summary> {
    if !database_url.starts_with("sqlite:") {
        anyhow::bail!(
            "backup copies the embedded SQLite database; back PostgreSQL up with pg_dump or \
             pg_basebackup (see the README, \"Backups\")"
        );
    }
    if output.exists() {
        anyhow::bail!("{} exists; give a new file name", output.display());
    }
    let partial = partial_name(output);
    let _ = std::fs::remove_file(&partial);
    let source = db::connect(database_url, 1).await?;
    let copied = source
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "VACUUM INTO ?",
            [partial.to_string_lossy().into_owned().into()],
        ))
        .await;
    source.close().await?;
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        anyhow::bail!("could not copy the database to {}: {e}", partial.display());
    }
    let checked = check(&partial).await;
    let cases = match checked {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::File::open(&partial)?.sync_all()?;
    std::fs::rename(&partial, output)?;
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The rename itself survives a crash once the directory is synced.
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(Summary {
        bytes: std::fs::metadata(output)?.len(),
        cases,
    })
}

fn partial_name(output: &Path) -> PathBuf {
    let mut name = output.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    output.with_file_name(name)
}

/// Opens the copy read-only and checks it; returns its number of cases.
async fn check(copy: &Path) -> anyhow::Result<i64> {
    let url = format!("sqlite://{}?mode=ro", copy.display());
    let conn = sea_orm::Database::connect(url).await?;
    let verdict = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await?
        .and_then(|r| r.try_get_by_index::<String>(0).ok())
        .unwrap_or_default();
    if verdict != "ok" {
        conn.close().await?;
        anyhow::bail!("the copy failed its integrity check: {verdict}");
    }
    let cases = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT count(*) FROM cases",
        ))
        .await?
        .and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .unwrap_or(0);
    conn.close().await?;
    Ok(cases)
}

/// What [`files`] copied.
#[derive(Clone, Debug, Default)]
pub struct FilesSummary {
    /// Files and thumbnails copied.
    pub objects: u64,
    /// Their bytes.
    pub bytes: u64,
}

/// Copies every stored evidence file (and thumbnail) that the database `copy` names, from the
/// service's file store (local folder or S3-compatible bucket), into `dir`, under the same
/// keys (`attachments/<sha256>`, `thumbnails/<sha256>`). Each original is checked against its
/// SHA-256 on the way; a mismatch or a missing file fails the backup.
pub async fn files(copy: &Path, blobs: &crate::storage::Blobs, dir: &Path) -> anyhow::Result<FilesSummary> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let url = format!("sqlite://{}?mode=ro", copy.display());
    let conn = sea_orm::Database::connect(url).await?;
    let rows = conn
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT sha256, thumbnail_key IS NOT NULL AS thumb FROM case_attachments \
             UNION SELECT sha256, thumbnail_sha256 IS NOT NULL FROM uploads",
        ))
        .await?;
    conn.close().await?;
    let mut summary = FilesSummary::default();
    let mut seen = std::collections::HashSet::new();
    for row in rows {
        let sha: String = row.try_get("", "sha256")?;
        let thumb: bool = row.try_get("", "thumb")?;
        if !seen.insert((sha.clone(), thumb)) {
            continue;
        }
        let mut keys = vec![(crate::storage::file_key(&sha), true)];
        if thumb {
            keys.push((crate::storage::thumbnail_key(&sha), false));
        }
        for (key, original) in keys {
            let target = dir.join(&key);
            if target.exists() {
                continue;
            }
            let bytes = blobs.get(&key).await.map_err(|e| anyhow::anyhow!("{key}: {e}"))?;
            if original && crate::service::report_code::sha256_hex(&bytes) != sha {
                anyhow::bail!("{key}: the stored bytes do not match their SHA-256");
            }
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let partial = partial_name(&target);
            std::fs::write(&partial, &bytes)?;
            std::fs::File::open(&partial)?.sync_all()?;
            std::fs::rename(&partial, &target)?;
            summary.objects += 1;
            summary.bytes += bytes.len() as u64;
        }
    }
    Ok(summary)
}

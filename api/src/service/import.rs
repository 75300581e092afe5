//! Bulk import of master data (enterprises, volunteers, grids) from CSV files.
//!
//! A file is decoded (UTF-8 with or without BOM, otherwise GBK/GB18030), its header row is
//! matched against the columns of its kind (Chinese or English names), and every row is
//! upserted on its natural key by the aggregate's own `upsert`, so an import applies exactly
//! the rules of `create`. The whole file runs in one write transaction with a savepoint per
//! row: a bad row is rolled back to its savepoint and reported, good rows land, and later rows
//! may refer to earlier ones (a grid's parent defined above it). A dry run does the same work
//! and rolls everything back.
//!
//! Rules of the file format, shared by all kinds:
//! * the first row is the header; a header cell names a column in Chinese or English
//!   (case, spaces, `_`, `-` and a leading or trailing `*` are ignored); an unknown or
//!   repeated column, or a missing required one, rejects the whole file; empty header cells
//!   are ignored together with their column;
//! * cells are trimmed; rows whose cells are all empty are skipped;
//! * a row's line is the line of the file where it starts (the header is line 1);
//! * an optional column that is absent from the header leaves the stored value alone; an
//!   empty cell in a present column clears the value (booleans: `false`);
//! * booleans are 是/否, Y/N, yes/no, true/false, 1/0, √/×; an empty cell is `false`;
//! * lists (teams, skills, languages) are separated by `;`, `；`, `、`, `,`, `，` or `|`.

use std::collections::HashMap;

use base64::Engine;
use entity::{
    enterprise,
    enums::{GridKind, GridLevel, Skill},
    grid, volunteer, volunteer_language, volunteer_skill, volunteer_team,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
};
use uuid::Uuid;

use super::{enterprise::NewEnterprise, grid::NewGrid, require_master_data, volunteer::NewVolunteer, Change};
use crate::{
    auth::Actor,
    db::begin_write,
    error::{code, AppError, AppResult},
    validate,
};

/// Most data rows one file may hold.
pub const MAX_ROWS: usize = 50_000;

/// Largest file accepted, in bytes (after base64 decoding).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The input field file-level errors are reported on.
const FILE_FIELD: &str = "input.contentBase64";

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImportKind {
    /// Enterprises, keyed by unified social credit code.
    Enterprises,
    /// Volunteers, keyed by resident ID number.
    Volunteers,
    /// Grids, keyed by grid code.
    Grids,
    /// Grid outlines: a GeoJSON FeatureCollection (not CSV), one Feature per grid, its
    /// `code` property naming the grid. See [`import_boundaries`].
    GridBoundaries,
}

impl ImportKind {
    /// Lowercase English name, as the CLI spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Enterprises => "enterprises",
            ImportKind::Volunteers => "volunteers",
            ImportKind::Grids => "grids",
            ImportKind::GridBoundaries => "grid-boundaries",
        }
    }

    fn columns(self) -> &'static [Column] {
        match self {
            ImportKind::Enterprises => ENTERPRISE_COLUMNS,
            ImportKind::Volunteers => VOLUNTEER_COLUMNS,
            ImportKind::Grids | ImportKind::GridBoundaries => GRID_COLUMNS,
        }
    }

    /// The column holding the natural key.
    fn key_field(self) -> &'static str {
        match self {
            ImportKind::Enterprises => "creditCode",
            ImportKind::Volunteers => "residentId",
            ImportKind::Grids | ImportKind::GridBoundaries => "code",
        }
    }

    /// The column an upsert's error field (`input.gridId`, `input.teamIds[2]`) was read from.
    fn column_of(self, input_field: &str) -> Option<&'static str> {
        let f = input_field.strip_prefix("input.").unwrap_or(input_field);
        let head = f.split(['[', '.']).next().unwrap_or(f);
        let field = match (self, head) {
            (ImportKind::Enterprises, "gridId") => "gridCode",
            (ImportKind::Volunteers, "teamIds") => "team",
            (ImportKind::Grids, "parentId") => "parentCode",
            (_, other) => other,
        };
        self.columns().iter().map(|c| c.field).find(|c| *c == field)
    }
}

/// How the file's bytes were decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8 without a byte order mark (plain ASCII counts as this).
    Utf8,
    /// UTF-8 with a byte order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// GBK (Excel's "CSV" on a Chinese Windows), decoded as GB18030, of which it is a subset.
    Gbk,
    /// GB18030, using four-byte sequences that GBK lacks.
    Gb18030,
}

impl Encoding {
    /// Human name.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with BOM",
            Encoding::Gbk => "GBK",
            Encoding::Gb18030 => "GB18030",
        }
    }
}

/// Why one row was not imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The column as its header reads in the file (or its English name when absent).
    pub column: Option<String>,
    /// The column's English name, e.g. `creditCode`.
    pub field: Option<&'static str>,
    /// A stable error code: `BAD_USER_INPUT`, `CONFLICT`, `FORBIDDEN` or `NOT_FOUND`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

/// The outcome of one data row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowOutcome {
    /// The line of the file the row starts on (the header is line 1).
    pub line: usize,
    /// The natural key: normalised when valid, otherwise as written; `None` when empty.
    /// For volunteers this is a whole resident ID: mask it before showing it.
    pub key: Option<String>,
    /// What happened, or why nothing did.
    pub result: Result<Change, RowError>,
}

/// The outcome of a whole file.
#[derive(Clone, Debug)]
pub struct ImportReport {
    /// What the file held.
    pub kind: ImportKind,
    /// How it was decoded.
    pub encoding: Encoding,
    /// True when nothing was written.
    pub dry_run: bool,
    /// Every data row, in file order.
    pub rows: Vec<RowOutcome>,
    /// Rows created.
    pub created: usize,
    /// Rows that changed a stored record.
    pub updated: usize,
    /// Rows that matched a stored record already.
    pub unchanged: usize,
    /// Rows refused.
    pub failed: usize,
}

impl ImportReport {
    /// Data rows in the file (blank rows not counted).
    pub fn total(&self) -> usize {
        self.rows.len()
    }

    /// The rows that were refused.
    pub fn failures(&self) -> impl Iterator<Item = (&RowOutcome, &RowError)> {
        self.rows
            .iter()
            .filter_map(|r| r.result.as_ref().err().map(|e| (r, e)))
    }
}

/// Imports a file sent as base64 (the GraphQL mutation). A `data:...;base64,` prefix and
/// whitespace are accepted.
pub async fn import_base64(
    db: &DatabaseConnection,
    actor: &Actor,
    kind: ImportKind,
    content_base64: &str,
    dry_run: bool,
) -> AppResult<ImportReport> {
    require_master_data(actor)?;
    let mut text = content_base64.trim();
    if text.starts_with("data:") {
        if let Some(i) = text.find(";base64,") {
            text = &text[i + ";base64,".len()..];
        }
    }
    if text.len() / 4 * 3 > MAX_FILE_BYTES + 3 {
        return Err(too_large());
    }
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| AppError::bad_input(FILE_FIELD, "is not valid base64"))?;
    import(db, actor, kind, &bytes, dry_run).await
}

/// Imports a CSV file's bytes: one write transaction, one savepoint per row. File-level
/// problems (encoding, header, size) are a `BAD_USER_INPUT` on `input.contentBase64`; row
/// problems are reported in the result.
pub async fn import(
    db: &DatabaseConnection,
    actor: &Actor,
    kind: ImportKind,
    bytes: &[u8],
    dry_run: bool,
) -> AppResult<ImportReport> {
    require_master_data(actor)?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    if kind == ImportKind::GridBoundaries {
        return import_boundaries(db, actor, bytes, dry_run).await;
    }
    let (text, encoding) = decode(bytes)?;
    let (header, records) = parse(kind, &text)?;
    let txn = begin_write(db).await?;
    let mut report = ImportReport {
        kind,
        encoding,
        dry_run,
        rows: Vec::with_capacity(records.len()),
        created: 0,
        updated: 0,
        unchanged: 0,
        failed: 0,
    };
    // Natural key → line of its first row.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, record) in &records {
        let row = Row {
            header: &header,
            record,
        };
        let (key, valid_key) = row.key(kind);
        let result = match valid_key.as_ref().and_then(|k| seen.get(k)) {
            Some(first) => Err(row.error(
                kind.key_field(),
                code::CONFLICT,
                format!("repeats the key of line {first}"),
            )),
            None => {
                if let Some(k) = &valid_key {
                    seen.insert(k.clone(), *line);
                }
                in_savepoint(&txn, actor, kind, &row).await?
            }
        };
        match &result {
            Ok(Change::Created) => report.created += 1,
            Ok(Change::Updated) => report.updated += 1,
            Ok(Change::Unchanged) => report.unchanged += 1,
            Err(_) => report.failed += 1,
        }
        report.rows.push(RowOutcome {
            line: *line,
            key: valid_key.or(key),
            result,
        });
    }
    if dry_run {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    tracing::info!(
        kind = kind.as_str(),
        encoding = encoding.as_str(),
        dry_run,
        rows = report.total(),
        created = report.created,
        updated = report.updated,
        unchanged = report.unchanged,
        failed = report.failed,
        "master data import"
    );
    Ok(report)
}

/// Property names a Feature may name its grid by (GIS tables use either language).
const BOUNDARY_CODE_KEYS: [&str; 5] = ["code", "gridCode", "grid_code", "网格编码", "编码"];

/// Imports grid outlines from a GeoJSON FeatureCollection (UTF-8, as RFC 7946 requires):
/// each Feature's `code` property (or `gridCode`, `网格编码`, `编码`) names an existing grid and
/// its Polygon or MultiPolygon geometry becomes that grid's boundary, checked as
/// `setGridBoundary` checks it. Positions are WGS-84 unless the Feature's
/// `coordinateSystem` property says `GCJ02` or `BD09`. One transaction, one savepoint per
/// Feature; a row's `line` is the Feature's number (from 1). Put parents before children so
/// each child is checked against its parent's new outline.
pub async fn import_boundaries(
    db: &DatabaseConnection,
    actor: &Actor,
    bytes: &[u8],
    dry_run: bool,
) -> AppResult<ImportReport> {
    let (text, encoding) = decode(bytes)?;
    let collection: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| AppError::bad_input(FILE_FIELD, format!("is not JSON: {e}")))?;
    let features = match (
        collection.get("type").and_then(|t| t.as_str()),
        collection.get("features"),
    ) {
        (Some("FeatureCollection"), Some(serde_json::Value::Array(f))) => f,
        _ => {
            return Err(AppError::bad_input(
                FILE_FIELD,
                "must be a GeoJSON FeatureCollection, one Feature per grid with a `code` property",
            ))
        }
    };
    if features.len() > MAX_ROWS {
        return Err(AppError::bad_input(
            FILE_FIELD,
            format!("has more than {MAX_ROWS} features; split it"),
        ));
    }
    let txn = begin_write(db).await?;
    let mut report = ImportReport {
        kind: ImportKind::GridBoundaries,
        encoding,
        dry_run,
        rows: Vec::with_capacity(features.len()),
        created: 0,
        updated: 0,
        unchanged: 0,
        failed: 0,
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, feature) in features.iter().enumerate() {
        let line = i + 1;
        let props = feature.get("properties");
        let key = BOUNDARY_CODE_KEYS
            .iter()
            .find_map(|k| props.and_then(|p| p.get(*k)).and_then(|v| v.as_str()))
            .map(|s| s.trim().to_owned());
        let fail = |field: &'static str, code: &'static str, message: String| RowError {
            column: Some(field.to_owned()),
            field: Some(field),
            code,
            message,
        };
        let result = match key.as_deref().map(validate::code) {
            None => Err(fail(
                "code",
                code::BAD_USER_INPUT,
                "the Feature has no `code` property naming its grid".into(),
            )),
            Some(Err(m)) => Err(fail("code", code::BAD_USER_INPUT, m.to_string())),
            Some(Ok(code)) => match seen.get(&code) {
                Some(first) => Err(fail(
                    "code",
                    code::CONFLICT,
                    format!("repeats the grid of feature {first}"),
                )),
                None => {
                    seen.insert(code.clone(), line);
                    let sp = txn.begin().await?;
                    match boundary_feature(&sp, actor, &code, feature).await {
                        Ok(change) => {
                            sp.commit().await?;
                            Ok(change)
                        }
                        Err(Fail::Row(e)) => {
                            sp.rollback().await?;
                            Err(e)
                        }
                        Err(Fail::Fatal(e)) => return Err(e),
                    }
                }
            },
        };
        match &result {
            Ok(Change::Created) => report.created += 1,
            Ok(Change::Updated) => report.updated += 1,
            Ok(Change::Unchanged) => report.unchanged += 1,
            Err(_) => report.failed += 1,
        }
        report.rows.push(RowOutcome { line, key, result });
    }
    if dry_run {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    tracing::info!(
        kind = "grid-boundaries",
        dry_run,
        rows = report.total(),
        updated = report.updated,
        unchanged = report.unchanged,
        failed = report.failed,
        "master data import"
    );
    Ok(report)
}

/// One Feature of a boundary file: the grid's new outline.
async fn boundary_feature<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    code: &str,
    feature: &serde_json::Value,
) -> Result<Change, Fail> {
    let bad = |field: &'static str, code: &'static str, message: String| {
        Fail::Row(RowError {
            column: Some(field.to_owned()),
            field: Some(field),
            code,
            message,
        })
    };
    let Some(grid) = grid_by_code(db, code).await? else {
        return Err(bad("code", code::NOT_FOUND, "no grid has this code".into()));
    };
    let system = match feature
        .get("properties")
        .and_then(|p| p.get("coordinateSystem"))
        .and_then(|v| v.as_str())
    {
        None | Some("WGS84") => entity::enums::CoordinateSystem::Wgs84,
        Some("GCJ02") => entity::enums::CoordinateSystem::Gcj02,
        Some("BD09") => entity::enums::CoordinateSystem::Bd09,
        Some(other) => {
            return Err(bad(
                "coordinateSystem",
                code::BAD_USER_INPUT,
                format!("unknown coordinate system \"{other}\" (use WGS84, GCJ02 or BD09)"),
            ))
        }
    };
    let geometry = feature
        .get("geometry")
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    let boundary =
        crate::places::parse(&geometry, system).map_err(|m| bad("geometry", code::BAD_USER_INPUT, m))?;
    if grid.boundary.as_deref() == Some(boundary.geojson.as_str()) {
        return Ok(Change::Unchanged);
    }
    match super::grid::set_boundary(db, actor, grid.id, Some(boundary), "geometry").await {
        Ok(_) => Ok(Change::Updated),
        Err(AppError::BadInput { message, .. }) => Err(bad("geometry", code::BAD_USER_INPUT, message)),
        Err(AppError::NotFound | AppError::NotFoundAt { .. }) => Err(bad(
            "code",
            code::NOT_FOUND,
            "no grid of your jurisdiction has this code".into(),
        )),
        Err(AppError::Forbidden(m)) => Err(Fail::Row(RowError {
            column: None,
            field: None,
            code: code::FORBIDDEN,
            message: m,
        })),
        Err(e) => Err(Fail::Fatal(e)),
    }
}

fn too_large() -> AppError {
    AppError::bad_input(
        FILE_FIELD,
        format!(
            "the file is larger than {} MiB; split it",
            MAX_FILE_BYTES / 1024 / 1024
        ),
    )
}

/// A row failed (reported), or the import must stop (database trouble).
enum Fail {
    Row(RowError),
    Fatal(AppError),
}

impl From<DbErr> for Fail {
    fn from(e: DbErr) -> Self {
        Fail::Fatal(e.into())
    }
}

impl From<RowError> for Fail {
    fn from(e: RowError) -> Self {
        Fail::Row(e)
    }
}

/// Runs one row in its own savepoint: released on success, rolled back on a row error.
async fn in_savepoint(
    txn: &DatabaseTransaction,
    actor: &Actor,
    kind: ImportKind,
    row: &Row<'_>,
) -> AppResult<Result<Change, RowError>> {
    let sp = txn.begin().await?;
    let outcome = match kind {
        ImportKind::Enterprises => enterprise_row(&sp, actor, row).await,
        ImportKind::Volunteers => volunteer_row(&sp, actor, row).await,
        ImportKind::Grids | ImportKind::GridBoundaries => grid_row(&sp, actor, row).await,
    };
    match outcome {
        Ok(change) => {
            sp.commit().await?;
            Ok(Ok(change))
        }
        Err(Fail::Row(e)) => {
            sp.rollback().await?;
            Ok(Err(e))
        }
        Err(Fail::Fatal(e)) => Err(e),
    }
}

// ---- columns ------------------------------------------------------------------------------

/// One column of a kind: its English name (also the GraphQL-style header) and Chinese names.
struct Column {
    field: &'static str,
    required: bool,
    chinese: &'static [&'static str],
}

const ENTERPRISE_COLUMNS: &[Column] = &[
    Column {
        field: "creditCode",
        required: true,
        chinese: &["统一社会信用代码", "社会信用代码", "信用代码"],
    },
    Column {
        field: "name",
        required: true,
        chinese: &["企业名称", "名称"],
    },
    Column {
        field: "industry",
        required: false,
        chinese: &["行业", "所属行业"],
    },
    Column {
        field: "aboveDesignatedSize",
        required: false,
        chinese: &["规上企业", "是否规上企业", "规模以上企业"],
    },
    Column {
        field: "hazardousChemicals",
        required: false,
        chinese: &["危化品", "涉及危化品", "危化品企业"],
    },
    Column {
        field: "address",
        required: false,
        chinese: &["地址", "企业地址"],
    },
    Column {
        field: "gridCode",
        required: false,
        chinese: &["网格编码", "所属网格编码"],
    },
];

const VOLUNTEER_COLUMNS: &[Column] = &[
    Column {
        field: "name",
        required: true,
        chinese: &["姓名"],
    },
    Column {
        field: "phone",
        required: true,
        chinese: &["手机", "手机号", "手机号码", "联系电话"],
    },
    Column {
        field: "residentId",
        required: true,
        chinese: &["身份证号", "身份证号码", "公民身份号码"],
    },
    Column {
        field: "team",
        required: true,
        chinese: &["队伍", "所属队伍"],
    },
    Column {
        field: "skills",
        required: false,
        chinese: &["技能"],
    },
    Column {
        field: "languages",
        required: false,
        chinese: &["语言"],
    },
];

const GRID_COLUMNS: &[Column] = &[
    Column {
        field: "code",
        required: true,
        chinese: &["网格编码", "编码"],
    },
    Column {
        field: "name",
        required: true,
        chinese: &["名称", "网格名称"],
    },
    Column {
        field: "level",
        required: true,
        chinese: &["层级"],
    },
    Column {
        field: "kind",
        required: true,
        chinese: &["类型", "网格类型"],
    },
    Column {
        field: "parentCode",
        required: false,
        chinese: &["上级编码", "上级网格编码"],
    },
];

/// A header name compared loosely: trimmed, `*` markers and spaces, `_`, `-` dropped, lowercase.
fn loose(name: &str) -> String {
    name.trim()
        .trim_matches(|c| c == '*' || c == '＊')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Where each column of the file's header is.
struct Header {
    /// English column name → (cell index, header as written).
    at: HashMap<&'static str, (usize, String)>,
}

impl Header {
    fn read(kind: ImportKind, cells: &csv::StringRecord) -> AppResult<Header> {
        let columns = kind.columns();
        let mut at: HashMap<&'static str, (usize, String)> = HashMap::new();
        for (i, raw) in cells.iter().enumerate() {
            let written = raw.trim_start_matches('\u{feff}').trim();
            if written.is_empty() {
                continue;
            }
            let l = loose(written);
            let Some(col) = columns
                .iter()
                .find(|c| loose(c.field) == l || c.chinese.iter().any(|z| loose(z) == l))
            else {
                return Err(AppError::bad_input(
                    FILE_FIELD,
                    format!(
                        "unknown column \"{written}\" in the header of a {} file; the columns are: {}",
                        kind.as_str(),
                        describe(columns)
                    ),
                ));
            };
            if let Some((_, first)) = at.get(col.field) {
                return Err(AppError::bad_input(
                    FILE_FIELD,
                    format!("columns \"{first}\" and \"{written}\" both give {}", col.field),
                ));
            }
            at.insert(col.field, (i, written.to_owned()));
        }
        let missing: Vec<String> = columns
            .iter()
            .filter(|c| c.required && !at.contains_key(c.field))
            .map(|c| format!("{}/{}", c.chinese[0], c.field))
            .collect();
        if !missing.is_empty() {
            return Err(AppError::bad_input(
                FILE_FIELD,
                format!(
                    "the header lacks required column(s) {}; the columns are: {}",
                    missing.join(", "),
                    describe(columns)
                ),
            ));
        }
        Ok(Header { at })
    }
}

fn describe(columns: &[Column]) -> String {
    columns
        .iter()
        .map(|c| {
            format!(
                "{}/{}{}",
                c.chinese[0],
                c.field,
                if c.required { " (required)" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

// ---- decoding and parsing --------------------------------------------------------------

/// Decodes the file: UTF-8 (with or without BOM), otherwise GB18030 (GBK being its subset).
fn decode(bytes: &[u8]) -> AppResult<(String, Encoding)> {
    let refuse = |m: &str| AppError::bad_input(FILE_FIELD, m);
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(refuse(
            "this is an Excel workbook, not CSV: save it as \"CSV UTF-8\" or \"CSV\" first",
        ));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(refuse(
            "UTF-16 text is not supported: save the file as \"CSV UTF-8\" or \"CSV\"",
        ));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return std::str::from_utf8(rest)
            .map(|s| (s.to_owned(), Encoding::Utf8Bom))
            .map_err(|_| refuse("the file starts with a UTF-8 byte order mark but is not valid UTF-8"));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_owned(), Encoding::Utf8));
    }
    let text = encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or_else(|| refuse("the file is neither UTF-8 nor GBK/GB18030 text"))?;
    let encoding = if has_four_byte_sequence(bytes) {
        Encoding::Gb18030
    } else {
        Encoding::Gbk
    };
    Ok((text.trim_start_matches('\u{feff}').to_owned(), encoding))
}

/// True when GB18030 bytes use a four-byte sequence (a second byte of `0x30..=0x39`), which
/// GBK does not have. The bytes are known to be valid GB18030.
fn has_four_byte_sequence(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0x00..=0x7F | 0x80 | 0xFF => i += 1,
            _ => match bytes.get(i + 1) {
                Some(0x30..=0x39) => return true,
                _ => i += 2,
            },
        }
    }
    false
}

/// Splits the text into the header and the non-blank data rows with their line numbers.
fn parse(kind: ImportKind, text: &str) -> AppResult<(Header, Vec<(usize, csv::StringRecord)>)> {
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => return Err(AppError::bad_input(FILE_FIELD, "the file is empty")),
        Some(r) => {
            r.map_err(|e| AppError::bad_input(FILE_FIELD, format!("the header cannot be read: {e}")))?
        }
    };
    let header = Header::read(kind, &header)?;
    let mut rows = Vec::new();
    for r in records {
        let r = r.map_err(|e| AppError::bad_input(FILE_FIELD, format!("the file cannot be read: {e}")))?;
        if r.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(AppError::bad_input(
                FILE_FIELD,
                format!("the file holds more than {MAX_ROWS} rows; split it"),
            ));
        }
        let line = r
            .position()
            .and_then(|p| usize::try_from(p.line()).ok())
            .unwrap_or(rows.len() + 2);
        rows.push((line, r));
    }
    if rows.is_empty() {
        return Err(AppError::bad_input(
            FILE_FIELD,
            "the file has a header but no rows",
        ));
    }
    Ok((header, rows))
}

// ---- rows ----------------------------------------------------------------------------------

/// One data row with the header that names its cells.
struct Row<'a> {
    header: &'a Header,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    /// The cell of `field`: `None` when the header has no such column (a short row reads as
    /// empty cells).
    fn cell(&self, field: &str) -> Option<&str> {
        self.header
            .at
            .get(field)
            .map(|(i, _)| self.record.get(*i).unwrap_or_default())
    }

    /// The cell of a required column (always in the header).
    fn text(&self, field: &str) -> String {
        self.cell(field).unwrap_or_default().to_owned()
    }

    /// A row error on `field`, named as the file's header names it.
    fn error(&self, field: &'static str, code: &'static str, message: impl Into<String>) -> RowError {
        RowError {
            column: Some(
                self.header
                    .at
                    .get(field)
                    .map(|(_, h)| h.clone())
                    .unwrap_or_else(|| field.to_owned()),
            ),
            field: Some(field),
            code,
            message: message.into(),
        }
    }

    /// The key as written (when not empty) and its normalised form (when valid).
    fn key(&self, kind: ImportKind) -> (Option<String>, Option<String>) {
        let raw = self.cell(kind.key_field()).unwrap_or_default();
        if raw.is_empty() {
            return (None, None);
        }
        let valid = match kind {
            ImportKind::Enterprises => validate::credit_code(raw).ok(),
            ImportKind::Volunteers => validate::resident_id(raw).ok(),
            ImportKind::Grids | ImportKind::GridBoundaries => validate::code(raw).ok(),
        };
        (Some(raw.to_owned()), valid)
    }

    /// Turns an upsert's error into a row error on the column its field came from;
    /// database and internal failures stop the import.
    fn upsert_error(&self, kind: ImportKind, e: AppError) -> Fail {
        let code = e.code();
        let (field, message) = match e {
            AppError::BadInput { field, message } | AppError::NotFoundAt { field, message } => {
                (Some(field), message)
            }
            AppError::Conflict { field, message } => (field, message),
            AppError::Forbidden(m) => (None, m),
            AppError::NotFound => (None, "not found".to_owned()),
            _ if code == code::CONFLICT => {
                (None, "a record with the same unique value already exists".into())
            }
            e => return Fail::Fatal(e),
        };
        match field.as_deref().and_then(|f| kind.column_of(f)) {
            Some(col) => Fail::Row(self.error(col, code, message)),
            None => Fail::Row(RowError {
                column: None,
                field: None,
                code,
                message,
            }),
        }
    }

    /// A yes/no cell; `default` when the column is absent, `false` when the cell is empty.
    fn flag(&self, field: &'static str, default: bool) -> Result<bool, RowError> {
        let Some(cell) = self.cell(field) else {
            return Ok(default);
        };
        match cell.to_lowercase().as_str() {
            "" | "否" | "n" | "no" | "false" | "0" | "×" | "✗" => Ok(false),
            "是" | "y" | "yes" | "true" | "1" | "√" | "✓" => Ok(true),
            _ => Err(self.error(
                field,
                code::BAD_USER_INPUT,
                format!("\"{cell}\" is not a yes/no value (use 是 or 否)"),
            )),
        }
    }

    /// An optional text cell; `stored` when the column is absent.
    fn opt_text(&self, field: &str, stored: Option<String>) -> Option<String> {
        match self.cell(field) {
            None => stored,
            Some(s) => Some(s.to_owned()),
        }
    }
}

/// Splits a list cell.
fn items(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([';', '；', '、', ',', '，', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Enum values compared loosely: uppercase, with spaces and `-` as `_`.
fn enum_key(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .flat_map(char::to_uppercase)
        .collect()
}

/// A grid's id by its code, in the import's transaction (earlier rows included).
async fn grid_by_code<C: ConnectionTrait>(db: &C, code: &str) -> Result<Option<grid::Model>, DbErr> {
    grid::Entity::find()
        .filter(grid::Column::Code.eq(code))
        .one(db)
        .await
}

async fn enterprise_row<C: ConnectionTrait>(db: &C, actor: &Actor, row: &Row<'_>) -> Result<Change, Fail> {
    let optional = [
        "industry",
        "aboveDesignatedSize",
        "hazardousChemicals",
        "address",
        "gridCode",
    ];
    let stored = match row.key(ImportKind::Enterprises).1 {
        Some(code) if optional.iter().any(|f| row.cell(f).is_none()) => {
            enterprise::Entity::find()
                .filter(enterprise::Column::CreditCode.eq(code))
                .one(db)
                .await?
        }
        _ => None,
    };
    let grid_id = match row.cell("gridCode") {
        None => stored.as_ref().and_then(|e| e.grid_id),
        Some("") => None,
        Some(code) => Some(
            grid_by_code(db, code)
                .await?
                .ok_or_else(|| row.error("gridCode", code::BAD_USER_INPUT, "no grid has this code"))?
                .id,
        ),
    };
    let input = NewEnterprise {
        credit_code: row.text("creditCode"),
        name: row.text("name"),
        industry: row.opt_text("industry", stored.as_ref().and_then(|e| e.industry.clone())),
        above_designated_size: row.flag(
            "aboveDesignatedSize",
            stored.as_ref().is_some_and(|e| e.above_designated_size),
        )?,
        hazardous_chemicals: row.flag(
            "hazardousChemicals",
            stored.as_ref().is_some_and(|e| e.hazardous_chemicals),
        )?,
        address: row.opt_text("address", stored.as_ref().and_then(|e| e.address.clone())),
        grid_id,
        liaison_officer_id: None,
        contacts: Vec::new(),
    };
    super::enterprise::upsert(db, actor, input)
        .await
        .map(|(_, change)| change)
        .map_err(|e| row.upsert_error(ImportKind::Enterprises, e))
}

/// Skill names: the API's enum names or Chinese.
fn skill(s: &str) -> Option<Skill> {
    Some(match s.trim() {
        "救援" | "应急救援" => Skill::Rescue,
        "急救" => Skill::FirstAid,
        "巡逻" | "治安巡逻" => Skill::Patrol,
        "调解" | "矛盾调解" => Skill::Mediation,
        "法律" | "法律知识" => Skill::Legal,
        "翻译" => Skill::Translation,
        "驾驶" => Skill::Driving,
        "游泳" => Skill::Swimming,
        "其他" | "其它" => Skill::Other,
        other => match enum_key(other).as_str() {
            "RESCUE" => Skill::Rescue,
            "FIRST_AID" | "FIRSTAID" => Skill::FirstAid,
            "PATROL" => Skill::Patrol,
            "MEDIATION" => Skill::Mediation,
            "LEGAL" => Skill::Legal,
            "TRANSLATION" => Skill::Translation,
            "DRIVING" => Skill::Driving,
            "SWIMMING" => Skill::Swimming,
            "OTHER" => Skill::Other,
            _ => return None,
        },
    })
}

/// Common language names in Chinese as BCP 47 tags; anything else is taken as a tag.
fn language(s: &str) -> String {
    match s.trim() {
        "中文" | "汉语" | "普通话" => "zh",
        "粤语" | "广东话" => "yue",
        "英语" | "英文" => "en",
        "日语" | "日文" => "ja",
        "韩语" | "朝鲜语" => "ko",
        "俄语" => "ru",
        "法语" => "fr",
        "德语" => "de",
        "西班牙语" => "es",
        "葡萄牙语" => "pt",
        "阿拉伯语" => "ar",
        "越南语" => "vi",
        "泰语" => "th",
        other => other,
    }
    .to_owned()
}

async fn volunteer_row<C: ConnectionTrait>(db: &C, actor: &Actor, row: &Row<'_>) -> Result<Change, Fail> {
    let mut team_ids = Vec::new();
    for name in items(row.cell("team").unwrap_or_default()) {
        let team = volunteer_team::Entity::find()
            .filter(volunteer_team::Column::Name.eq(name))
            .one(db)
            .await?
            .ok_or_else(|| {
                row.error(
                    "team",
                    code::BAD_USER_INPUT,
                    format!("no team is named \"{name}\""),
                )
            })?;
        team_ids.push(team.id);
    }
    let stored: Option<Uuid> = match row.key(ImportKind::Volunteers).1 {
        Some(rid) if row.cell("skills").is_none() || row.cell("languages").is_none() => {
            volunteer::Entity::find()
                .filter(volunteer::Column::ResidentId.eq(rid))
                .one(db)
                .await?
                .map(|v| v.id)
        }
        _ => None,
    };
    let skills = match row.cell("skills") {
        Some(cell) => {
            let mut out = Vec::new();
            for s in items(cell) {
                out.push(skill(s).ok_or_else(|| {
                    row.error(
                        "skills",
                        code::BAD_USER_INPUT,
                        format!(
                            "unknown skill \"{s}\" (use 救援, 急救, 巡逻, 调解, 法律, 翻译, 驾驶, 游泳, 其他 or RESCUE, FIRST_AID, ...)"
                        ),
                    )
                })?);
            }
            out
        }
        None => match stored {
            Some(id) => volunteer_skill::Entity::find()
                .filter(volunteer_skill::Column::VolunteerId.eq(id))
                .all(db)
                .await?
                .into_iter()
                .map(|s| s.skill)
                .collect(),
            None => Vec::new(),
        },
    };
    let languages = match row.cell("languages") {
        Some(cell) => items(cell).map(language).collect(),
        None => match stored {
            Some(id) => volunteer_language::Entity::find()
                .filter(volunteer_language::Column::VolunteerId.eq(id))
                .all(db)
                .await?
                .into_iter()
                .map(|l| l.language)
                .collect(),
            None => Vec::new(),
        },
    };
    let resident_id = row.text("residentId");
    let input = NewVolunteer {
        name: row.text("name"),
        phone: row.text("phone"),
        resident_id: (!resident_id.is_empty()).then_some(resident_id),
        team_ids,
        skills,
        languages,
        subject: None,
    };
    super::volunteer::upsert(db, actor, input)
        .await
        .map(|(_, change)| change)
        .map_err(|e| row.upsert_error(ImportKind::Volunteers, e))
}

fn level(s: &str) -> Option<GridLevel> {
    Some(match s.trim() {
        "区级" | "区" | "区县" => GridLevel::District,
        "片区" => GridLevel::Area,
        "组团" => GridLevel::Group,
        "微网格" => GridLevel::Cluster,
        "十户联防" => GridLevel::TenHousehold,
        other => match enum_key(other).as_str() {
            "DISTRICT" => GridLevel::District,
            "AREA" => GridLevel::Area,
            "GROUP" => GridLevel::Group,
            "CLUSTER" => GridLevel::Cluster,
            "TEN_HOUSEHOLD" => GridLevel::TenHousehold,
            _ => return None,
        },
    })
}

fn kind(s: &str) -> Option<GridKind> {
    Some(match s.trim() {
        "社区" | "社区网格" | "网格" => GridKind::Community,
        "警格" | "公安" | "警务网格" => GridKind::Police,
        other => match enum_key(other).as_str() {
            "COMMUNITY" => GridKind::Community,
            "POLICE" => GridKind::Police,
            _ => return None,
        },
    })
}

async fn grid_row<C: ConnectionTrait>(db: &C, actor: &Actor, row: &Row<'_>) -> Result<Change, Fail> {
    let level_cell = row.cell("level").unwrap_or_default();
    let level = level(level_cell).ok_or_else(|| {
        row.error(
            "level",
            code::BAD_USER_INPUT,
            if level_cell.is_empty() {
                "must not be empty".to_owned()
            } else {
                format!(
                    "unknown level \"{level_cell}\" (use 区级, 片区, 组团, 微网格, 十户联防 or DISTRICT, AREA, GROUP, CLUSTER, TEN_HOUSEHOLD)"
                )
            },
        )
    })?;
    let kind_cell = row.cell("kind").unwrap_or_default();
    let kind = kind(kind_cell).ok_or_else(|| {
        row.error(
            "kind",
            code::BAD_USER_INPUT,
            if kind_cell.is_empty() {
                "must not be empty".to_owned()
            } else {
                format!("unknown kind \"{kind_cell}\" (use 社区 or 警格, COMMUNITY or POLICE)")
            },
        )
    })?;
    let parent_id = match row.cell("parentCode") {
        None => match row.key(ImportKind::Grids).1 {
            Some(code) => grid_by_code(db, &code).await?.and_then(|g| g.parent_id),
            None => None,
        },
        Some("") => None,
        Some(code) => Some(
            grid_by_code(db, code)
                .await?
                .ok_or_else(|| {
                    row.error(
                        "parentCode",
                        code::BAD_USER_INPUT,
                        "no grid has this code (a parent must exist or come on an earlier line)",
                    )
                })?
                .id,
        ),
    };
    let input = NewGrid {
        code: row.text("code"),
        name: row.text("name"),
        level,
        kind,
        parent_id,
    };
    super::grid::upsert(db, actor, input)
        .await
        .map(|(_, change)| change)
        .map_err(|e| row.upsert_error(ImportKind::Grids, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_bom_and_gbk() {
        let (s, e) = decode("网格编码,名称\n".as_bytes()).expect("utf-8");
        assert_eq!((s.as_str(), e), ("网格编码,名称\n", Encoding::Utf8));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("名称".as_bytes());
        assert_eq!(decode(&bom).expect("bom"), ("名称".to_owned(), Encoding::Utf8Bom));
        let (gbk, _, _) = encoding_rs::GBK.encode("枫桥镇,是");
        assert_eq!(
            decode(&gbk).expect("gbk"),
            ("枫桥镇,是".to_owned(), Encoding::Gbk)
        );
        // Characters outside GBK (here U+1F600) take four bytes in GB18030.
        let (gb, _, _) = encoding_rs::GB18030.encode("枫桥😀");
        assert_eq!(
            decode(&gb).expect("gb18030"),
            ("枫桥😀".to_owned(), Encoding::Gb18030)
        );
        assert!(decode(b"PK\x03\x04rest").is_err());
        assert!(decode(&[0xFF, 0xFE, b'a', 0]).is_err());
        assert!(decode(&[0x81, 0x20]).is_err());
    }

    #[test]
    fn headers_match_in_chinese_or_english() {
        let rec = csv::StringRecord::from(vec!["\u{feff}*统一社会信用代码", "Name", "grid_code", ""]);
        let h = Header::read(ImportKind::Enterprises, &rec).expect("header");
        assert_eq!(h.at.get("creditCode").map(|x| x.0), Some(0));
        assert_eq!(h.at.get("name").map(|x| x.0), Some(1));
        assert_eq!(h.at.get("gridCode").map(|x| x.0), Some(2));
        let unknown = csv::StringRecord::from(vec!["统一社会信用代码", "名称", "备注"]);
        assert!(Header::read(ImportKind::Enterprises, &unknown).is_err());
        let missing = csv::StringRecord::from(vec!["统一社会信用代码"]);
        assert!(Header::read(ImportKind::Enterprises, &missing).is_err());
        let twice = csv::StringRecord::from(vec!["统一社会信用代码", "creditCode", "名称"]);
        assert!(Header::read(ImportKind::Enterprises, &twice).is_err());
    }

    #[test]
    fn enum_values_in_chinese_or_english() {
        assert_eq!(level("微网格"), Some(GridLevel::Cluster));
        assert_eq!(level("ten-household"), Some(GridLevel::TenHousehold));
        assert_eq!(level("省级"), None);
        assert_eq!(kind("警格"), Some(GridKind::Police));
        assert_eq!(skill("first aid"), Some(Skill::FirstAid));
        assert_eq!(skill("急救"), Some(Skill::FirstAid));
        assert_eq!(language("英语"), "en");
        assert_eq!(
            items("救援、 急救;;巡逻").collect::<Vec<_>>(),
            ["救援", "急救", "巡逻"]
        );
    }

    #[test]
    fn error_fields_map_to_columns() {
        assert_eq!(
            ImportKind::Enterprises.column_of("input.gridId"),
            Some("gridCode")
        );
        assert_eq!(ImportKind::Volunteers.column_of("input.teamIds[1]"), Some("team"));
        assert_eq!(
            ImportKind::Volunteers.column_of("input.languages[0]"),
            Some("languages")
        );
        assert_eq!(ImportKind::Grids.column_of("input.parentId"), Some("parentCode"));
        assert_eq!(ImportKind::Volunteers.column_of("input.subject"), None);
    }
}

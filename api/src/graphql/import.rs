//! Bulk import of master data from CSV files (`importMasterData`).

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};

use crate::{
    graphql::{actor, db, mask},
    service::import::{self as svc, RowOutcome},
};

/// What a master data file holds.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::service::import::ImportKind")]
pub enum ImportKind {
    /// Enterprises (企业), keyed by unified social credit code.
    Enterprises,
    /// Volunteers (志愿者), keyed by resident ID number.
    Volunteers,
    /// Grids (网格), keyed by grid code.
    Grids,
    /// Grid outlines from a GIS export: a GeoJSON FeatureCollection (UTF-8), not CSV, one
    /// Feature per existing grid with its `code` property (or `网格编码`) and a Polygon or
    /// MultiPolygon geometry in WGS-84 (a Feature's `coordinateSystem` property may say GCJ02
    /// or BD09). Each outline is checked as `setGridBoundary` checks it; a row's `line` is the
    /// Feature's number, from 1. Put parents before their children.
    GridBoundaries,
}

/// How an imported file's bytes were decoded.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::service::import::Encoding")]
pub enum ImportEncoding {
    /// UTF-8 without a byte order mark.
    #[graphql(name = "UTF8")]
    Utf8,
    /// UTF-8 with a byte order mark (Excel's "CSV UTF-8").
    #[graphql(name = "UTF8_BOM")]
    Utf8Bom,
    /// GBK (Excel's "CSV" on Chinese Windows).
    #[graphql(name = "GBK")]
    Gbk,
    /// GB18030 (uses four-byte sequences that GBK lacks).
    #[graphql(name = "GB18030")]
    Gb18030,
}

/// What an imported row did to its record.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::service::Change")]
pub enum ImportChange {
    /// A new record was written.
    Created,
    /// An existing record was changed.
    Updated,
    /// The record already held these values; nothing was written.
    Unchanged,
}

/// A file of master data to import (CSV, or GeoJSON for GRID_BOUNDARIES).
#[derive(InputObject)]
pub struct ImportMasterDataInput {
    /// What the file holds; decides the columns expected.
    pub kind: ImportKind,
    /// The file's bytes, base64-encoded (CSV: UTF-8 with or without BOM, or GBK/GB18030;
    /// GeoJSON: UTF-8).
    pub content_base64: String,
    /// Check every row the same way but write nothing (default false).
    pub dry_run: Option<bool>,
}

/// Why a row was not imported.
#[derive(SimpleObject, Clone)]
pub struct ImportRowError {
    /// The column as the file's header names it, e.g. 统一社会信用代码 (null when no one column is at fault).
    pub column: Option<String>,
    /// The column's English name, e.g. creditCode (null when no one column is at fault).
    pub field: Option<String>,
    /// Stable error code: BAD_USER_INPUT, CONFLICT, FORBIDDEN or NOT_FOUND.
    pub code: String,
    /// What is wrong, in English.
    pub message: String,
}

/// The outcome of one data row.
#[derive(SimpleObject, Clone)]
pub struct ImportRow {
    /// Line of the file where the row starts (the header is line 1); for GRID_BOUNDARIES the
    /// Feature's number in the collection, from 1.
    pub line: i32,
    /// The natural key: credit code or grid code (normalised when valid), or the resident ID masked.
    pub key: Option<String>,
    /// What the row did; null when it failed.
    pub change: Option<ImportChange>,
    /// Why the row failed; null when it succeeded.
    pub error: Option<ImportRowError>,
}

/// The outcome of a master data import.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ImportReport {
    /// What the file held.
    pub kind: ImportKind,
    /// How the file was decoded.
    pub encoding: ImportEncoding,
    /// True when this was a dry run and nothing was written.
    pub dry_run: bool,
    /// Data rows in the file (blank rows are not counted).
    pub total: i32,
    /// Rows that created a record.
    pub created: i32,
    /// Rows that changed an existing record.
    pub updated: i32,
    /// Rows whose record already held these values.
    pub unchanged: i32,
    /// Rows refused (see `failedRows`).
    pub failed: i32,
    /// Every data row, in file order.
    pub rows: Vec<ImportRow>,
}

#[async_graphql::ComplexObject]
impl ImportReport {
    /// Only the rows that were refused, in file order.
    async fn failed_rows(&self) -> Vec<ImportRow> {
        self.rows.iter().filter(|r| r.error.is_some()).cloned().collect()
    }
}

fn int(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl ImportRow {
    /// One row as clients see it: a volunteer's key (a resident ID) is masked like every
    /// resident ID leaving the service; the line number identifies the row.
    fn new(kind: svc::ImportKind, r: &RowOutcome) -> Self {
        let (change, error) = match &r.result {
            Ok(c) => (Some((*c).into()), None),
            Err(e) => (
                None,
                Some(ImportRowError {
                    column: e.column.clone(),
                    field: e.field.map(str::to_owned),
                    code: e.code.to_owned(),
                    message: e.message.clone(),
                }),
            ),
        };
        let key = match kind {
            svc::ImportKind::Volunteers => r.key.as_deref().map(mask::resident_id),
            _ => r.key.clone(),
        };
        ImportRow {
            line: int(r.line),
            key,
            change,
            error,
        }
    }
}

impl From<svc::ImportReport> for ImportReport {
    fn from(r: svc::ImportReport) -> Self {
        ImportReport {
            kind: r.kind.into(),
            encoding: r.encoding.into(),
            dry_run: r.dry_run,
            total: int(r.total()),
            created: int(r.created),
            updated: int(r.updated),
            unchanged: int(r.unchanged),
            failed: int(r.failed),
            rows: r.rows.iter().map(|row| ImportRow::new(r.kind, row)).collect(),
        }
    }
}

/// Bulk import of master data (admins and commanders).
#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Imports enterprises, volunteers or grids from a CSV file in one transaction: good rows land, bad rows are reported by line.
    async fn import_master_data(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: ImportMasterDataInput,
    ) -> async_graphql::Result<ImportReport> {
        let report = svc::import_base64(
            db(ctx)?,
            actor(ctx)?,
            input.kind.into(),
            &input.content_base64,
            input.dry_run.unwrap_or(false),
        )
        .await?;
        Ok(report.into())
    }
}

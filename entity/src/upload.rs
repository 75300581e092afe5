//! A file uploaded on its own (`POST /uploads`), waiting to be attached to a case.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "uploads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `role:subject` of the uploader; only they may attach it.
    pub uploaded_by: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the stored (cleaned) bytes, also their storage key.
    pub sha256: String,
    /// SHA-256 of the stored bytes whose thumbnail was made (images only).
    pub thumbnail_sha256: Option<String>,
    pub metadata_removed: bool,
    /// The position the photo's EXIF carried, offered to a report without one.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub created_at: DateTimeUtc,
    /// After this the upload is removed unless attached.
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! Where the bytes of evidence files live: one interface over a local folder (the embedded
//! default) and S3-compatible object storage (Aliyun OSS, Huawei OBS, Tencent COS, MinIO), so
//! that every instance behind a load balancer serves a file any of them received.
//!
//! Keys are content-addressed: `attachments/<sha256>` for a file, `thumbnails/<sha256>` for its
//! preview. The same content is stored once, and a key never changes meaning. Both backends go
//! through the `object_store` crate (Apache Arrow's, used by DataFusion and Delta Lake): one
//! well-kept client for the S3 protocol and for the local folder, with atomic writes on both.

use std::{ops::Range, path::PathBuf, sync::Arc};

use bytes::Bytes;
use object_store::{
    aws::AmazonS3Builder, local::LocalFileSystem, path::Path, ObjectStore, ObjectStoreExt, PutPayload,
};

/// Where files are stored (`FENGQIAO_STORAGE`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageConfig {
    /// A folder on this machine (`FENGQIAO_ATTACHMENTS_DIR`, default `data/attachments`).
    Local(PathBuf),
    /// An S3-compatible bucket.
    S3(S3Config),
}

/// An S3-compatible bucket (`FENGQIAO_S3_*`).
#[derive(Clone, PartialEq, Eq)]
pub struct S3Config {
    /// Bucket name.
    pub bucket: String,
    /// Endpoint URL, e.g. `https://oss-cn-hangzhou.aliyuncs.com` or `http://127.0.0.1:9000`.
    pub endpoint: String,
    /// Region name (most S3-compatible services accept any, e.g. `cn-hangzhou`).
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Prefix put before every key (several districts in one bucket), without slashes at its ends.
    pub prefix: String,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// A storage failure; the service answers `UNAVAILABLE` (or `INTERNAL`) and keeps nothing half-written.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No object under this key.
    #[error("no stored file under {0}")]
    NotFound(String),
    /// The store refused or could not be reached.
    #[error("file storage failed: {0}")]
    Failed(String),
}

impl From<object_store::Error> for StorageError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { path, .. } => StorageError::NotFound(path),
            other => StorageError::Failed(other.to_string()),
        }
    }
}

/// The file store of this service.
#[derive(Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    kind: &'static str,
    /// Where a local store keeps its files (for `fengqiao backup`).
    local_root: Option<PathBuf>,
}

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blobs").field("kind", &self.kind).finish()
    }
}

impl Blobs {
    /// Opens the store `config` names (creating a local folder when needed).
    pub fn open(config: &StorageConfig) -> Result<Blobs, StorageError> {
        match config {
            StorageConfig::Local(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StorageError::Failed(format!("{}: {e}", dir.display())))?;
                let store = LocalFileSystem::new_with_prefix(dir)?;
                Ok(Blobs {
                    store: Arc::new(store),
                    kind: "local",
                    local_root: Some(dir.clone()),
                })
            }
            StorageConfig::S3(s3) => {
                let store = AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_endpoint(&s3.endpoint)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(&s3.secret_access_key)
                    .with_allow_http(s3.endpoint.starts_with("http://"))
                    // Path-style requests work with every S3-compatible service and MinIO.
                    .with_virtual_hosted_style_request(false)
                    .build()?;
                let store: Arc<dyn ObjectStore> = if s3.prefix.is_empty() {
                    Arc::new(store)
                } else {
                    Arc::new(object_store::prefix::PrefixStore::new(store, s3.prefix.as_str()))
                };
                Ok(Blobs {
                    store,
                    kind: "s3",
                    local_root: None,
                })
            }
        }
    }

    /// A store in this process's memory (for tools that receive no files).
    pub fn in_memory() -> Blobs {
        Blobs {
            store: Arc::new(object_store::memory::InMemory::new()),
            kind: "memory",
            local_root: None,
        }
    }

    /// `local`, `s3` or `memory`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The folder of a local store.
    pub fn local_root(&self) -> Option<&std::path::Path> {
        self.local_root.as_deref()
    }

    /// The path of `key` in the store. A local store keeps originals directly in its folder
    /// (`<dir>/<sha256>`, the layout of earlier versions) and thumbnails in `thumbnails/`.
    fn path(&self, key: &str) -> Path {
        match (self.kind, key.strip_prefix("attachments/")) {
            ("local", Some(rest)) => Path::from(rest),
            _ => Path::from(key),
        }
    }

    /// Stores `bytes` under `key` atomically. Returns true when nothing was stored there before
    /// (so a caller whose transaction then fails may remove it).
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<bool, StorageError> {
        let path = self.path(key);
        match self.store.head(&path).await {
            Ok(_) => return Ok(false),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        self.store.put(&path, PutPayload::from(bytes)).await?;
        Ok(true)
    }

    /// The whole object under `key`.
    pub async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        Ok(self.store.get(&self.path(key)).await?.bytes().await?)
    }

    /// Bytes `range` of the object under `key`.
    pub async fn get_range(&self, key: &str, range: Range<u64>) -> Result<Bytes, StorageError> {
        Ok(self.store.get_range(&self.path(key), range).await?)
    }

    /// The size of the object under `key`.
    pub async fn size(&self, key: &str) -> Result<u64, StorageError> {
        Ok(self.store.head(&self.path(key)).await?.size)
    }

    /// Removes the object under `key` (nothing there is not an error).
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self.store.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// The key of a stored file.
pub fn file_key(sha256: &str) -> String {
    format!("attachments/{sha256}")
}

/// The key of a stored file's thumbnail.
pub fn thumbnail_key(sha256: &str) -> String {
    format!("thumbnails/{sha256}")
}

//! The error policy, stated once: every failure a client can see has a stable code.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr};

/// Stable error codes sent in `extensions.code`.
pub mod code {
    /// No or invalid credentials.
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    /// Authenticated but not allowed.
    pub const FORBIDDEN: &str = "FORBIDDEN";
    /// Absent, or outside the caller's scope.
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// Input failed validation; `extensions.field` names the field.
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    /// A uniqueness or version conflict.
    pub const CONFLICT: &str = "CONFLICT";
    /// Too many requests.
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    /// An idempotency key was sent again with another operation, target or input.
    pub const IDEMPOTENCY_KEY_REUSED: &str = "IDEMPOTENCY_KEY_REUSED";
    /// The database (or another service this one needs) does not answer in time: retry later.
    pub const UNAVAILABLE: &str = "UNAVAILABLE";
    /// Anything else; details are in the server log only.
    pub const INTERNAL: &str = "INTERNAL";
    /// A file is over the size cap, or the case would hold more files or bytes than allowed.
    pub const FILE_TOO_LARGE: &str = "FILE_TOO_LARGE";
    /// A file's bytes are not of an accepted type (whatever its name or declared type says).
    pub const UNSUPPORTED_FILE_TYPE: &str = "UNSUPPORTED_FILE_TYPE";
    /// The caller has sent as many files or bytes as one account may in 24 hours.
    pub const QUOTA_EXCEEDED: &str = "QUOTA_EXCEEDED";
}

/// A domain or infrastructure error.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No or invalid credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller's role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Absent or outside the caller's scope.
    #[error("not found")]
    NotFound,
    /// An id in a write input that names nothing the caller may see (absent and out of scope
    /// answer alike, so ids reveal nothing).
    #[error("{field}: {message}")]
    NotFoundAt {
        /// Path of the input field, e.g. `input.gridId`.
        field: String,
        /// What was looked for, e.g. `no such grid`.
        message: String,
    },
    /// Input failed validation.
    #[error("{field}: {message}")]
    BadInput {
        /// Path of the offending input field, e.g. `input.creditCode`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A uniqueness or version conflict.
    #[error("{message}")]
    Conflict {
        /// The field that conflicts, when there is one.
        field: Option<String>,
        /// What conflicts.
        message: String,
    },
    /// Too many requests.
    #[error("rate limited; retry after {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a retry may succeed.
        retry_after_secs: u64,
    },
    /// An idempotency key reused for another operation, target or input.
    #[error("{0}")]
    KeyReused(String),
    /// A file refused on the way in: `code` is one of the file codes above.
    #[error("{field}: {message}")]
    File {
        /// [`code::FILE_TOO_LARGE`], [`code::UNSUPPORTED_FILE_TYPE`] or [`code::QUOTA_EXCEEDED`].
        code: &'static str,
        /// Path of the input field, e.g. `input.files[0]`.
        field: String,
        /// What is wrong, with the limit.
        message: String,
    },
    /// A database failure.
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// Any other internal failure.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Seconds a client is told to wait (`Retry-After`) when the service is unavailable.
pub const RETRY_AFTER_UNAVAILABLE_SECS: u64 = 5;

/// Whether `e` says the database could not be reached or did not answer in time (an
/// outage a retry may outlive), as opposed to a wrong query or a constraint.
pub fn unavailable(e: &DbErr) -> bool {
    use sea_orm::{sqlx, RuntimeErr};
    let sqlx_err = match e {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(x))
        | DbErr::Exec(RuntimeErr::SqlxError(x))
        | DbErr::Query(RuntimeErr::SqlxError(x)) => x,
        DbErr::Conn(_) => return true,
        _ => return false,
    };
    match sqlx_err.as_ref() {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => {
            let code = d.code().unwrap_or_default();
            // PostgreSQL: connection exceptions (08…), statement timeout or cancel (57014),
            // server shutting down or starting (57P01–57P03), too many connections (53300).
            // SQLite: the database stayed locked past the busy timeout (5, 6).
            code.starts_with("08")
                || matches!(
                    code.as_ref(),
                    "57014" | "57P01" | "57P02" | "57P03" | "53300" | "5" | "6"
                )
        }
        _ => false,
    }
}

/// Result alias used across services.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A validation error for `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A uniqueness conflict on `field`.
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Conflict {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// An id in a write input that resolves to nothing the caller may see.
    pub fn not_found_at(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::NotFoundAt {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A file refused with `code` (one of the file codes) at `field`.
    pub fn file(code: &'static str, field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::File {
            code,
            field: field.into(),
            message: message.into(),
        }
    }

    /// A permission refusal.
    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden(message.into())
    }

    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => code::UNAUTHENTICATED,
            AppError::Forbidden(_) => code::FORBIDDEN,
            AppError::NotFound | AppError::NotFoundAt { .. } => code::NOT_FOUND,
            AppError::BadInput { .. } => code::BAD_USER_INPUT,
            AppError::Conflict { .. } => code::CONFLICT,
            AppError::RateLimited { .. } => code::RATE_LIMITED,
            AppError::KeyReused(_) => code::IDEMPOTENCY_KEY_REUSED,
            AppError::File { code, .. } => code,
            AppError::Db(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                code::CONFLICT
            }
            AppError::Db(e) if unavailable(e) => code::UNAVAILABLE,
            AppError::Db(_) | AppError::Internal(_) => code::INTERNAL,
        }
    }

    /// The message a client may see: never SQL, table names or paths.
    pub fn public_message(&self) -> String {
        match self.code() {
            code::INTERNAL => "internal error".to_owned(),
            code::UNAVAILABLE => "the database did not answer in time; retry shortly".to_owned(),
            code::CONFLICT if matches!(self, AppError::Db(_)) => {
                "a record with the same unique value already exists".to_owned()
            }
            _ => self.to_string(),
        }
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        let code = err.code();
        match code {
            code::INTERNAL => tracing::error!(error = %err, "internal error"),
            code::UNAVAILABLE => tracing::warn!(error = %err, "database unavailable"),
            _ => {}
        }
        let message = err.public_message();
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code);
            if code == code::UNAVAILABLE {
                ext.set("retryAfterSeconds", RETRY_AFTER_UNAVAILABLE_SECS);
            }
            match &err {
                AppError::BadInput { field, .. }
                | AppError::NotFoundAt { field, .. }
                | AppError::File { field, .. } => ext.set("field", field.as_str()),
                AppError::Conflict {
                    field: Some(field), ..
                } => ext.set("field", field.as_str()),
                AppError::RateLimited { retry_after_secs } => ext.set("retryAfterSeconds", *retry_after_secs),
                AppError::KeyReused(_) => ext.set("field", "input.idempotencyKey"),
                _ => {}
            }
        })
    }
}

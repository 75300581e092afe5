//! Who is asking: bearer JWTs become an [`Actor`] with a role and a scope.

pub mod jwks;

use std::sync::Arc;

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::{config::JwtConfig, error::AppError};

/// The roles of DOMAIN.md.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum, async_graphql::Enum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A caller without a token (可公开的信息 only).
    #[value(skip)]
    Anonymous,
    /// A mini-program user: reports, sees and rates own cases (群众).
    Citizen,
    /// Community grid worker: cases in own grids (网格员).
    GridWorker,
    /// Community police officer: own police grid and the community grids it covers (社区民警).
    CommunityPolice,
    /// Station commander or dispatcher: the whole jurisdiction (所长/调度).
    Commander,
    /// Mediator: cases referred to own room (调解员).
    Mediator,
    /// Volunteer: own tasks and team (义警).
    Volunteer,
    /// Enterprise liaison: own enterprise's cases (企业联络员).
    EnterpriseLiaison,
    /// Staff of another department: cases transferred to that department (部门人员).
    DepartmentStaff,
    /// An integrated platform's service account (平台).
    Platform,
    /// Operator: master data and accounts (管理员).
    Admin,
}

impl Role {
    /// The kebab-case name used in tokens and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Anonymous => "anonymous",
            Role::Citizen => "citizen",
            Role::GridWorker => "grid-worker",
            Role::CommunityPolice => "community-police",
            Role::Commander => "commander",
            Role::Mediator => "mediator",
            Role::Volunteer => "volunteer",
            Role::EnterpriseLiaison => "enterprise-liaison",
            Role::DepartmentStaff => "department-staff",
            Role::Platform => "platform",
            Role::Admin => "admin",
        }
    }

    /// Every role a token may carry.
    pub const TOKEN_ROLES: [Role; 10] = [
        Role::Citizen,
        Role::GridWorker,
        Role::CommunityPolice,
        Role::Commander,
        Role::Mediator,
        Role::Volunteer,
        Role::EnterpriseLiaison,
        Role::DepartmentStaff,
        Role::Platform,
        Role::Admin,
    ];
}

/// A reach beyond named grids, carried only by an explicit claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Jurisdiction {
    /// The whole deployment (the district): the claim `"jurisdiction": "all"`.
    All,
}

/// What part of the data an actor may reach, as carried in the token.
///
/// Scope fails closed: a commander or admin reaches the whole district only with the explicit
/// `jurisdiction: "all"` claim; without it and without `grids` they reach nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// District-wide reach (commanders and admins only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<Jurisdiction>,
    /// Grid roots (their subtrees are in scope). For community police: police grids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grids: Vec<Uuid>,
    /// Own unit (department staff, officers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Uuid>,
    /// Own enterprise (enterprise liaison).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise: Option<Uuid>,
    /// Own mediation room (mediator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<Uuid>,
    /// Own volunteer team (volunteer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<Uuid>,
    /// Own platform (platform service accounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Uuid>,
    /// The caller's own record: a person, volunteer or mediator id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Uuid>,
}

impl Scope {
    /// The scope of a commander or admin over the whole district.
    pub fn district() -> Self {
        Scope {
            jurisdiction: Some(Jurisdiction::All),
            ..Scope::default()
        }
    }
}

/// JWT claims accepted by the service.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: a stable account id.
    pub sub: String,
    /// Role name, kebab-case.
    pub role: Role,
    /// Scope claims.
    #[serde(flatten)]
    pub scope: Scope,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Issued at.
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
}

/// The authenticated (or anonymous) caller of one request.
#[derive(Debug)]
pub struct Actor {
    /// Role.
    pub role: Role,
    /// Token subject; `None` for anonymous callers.
    pub subject: Option<String>,
    /// Scope claims.
    pub scope: Scope,
    grid_paths: OnceCell<Vec<String>>,
}

impl Actor {
    /// A caller with no token.
    pub fn anonymous() -> Arc<Self> {
        Arc::new(Actor::new(Role::Anonymous, None, Scope::default()))
    }

    /// An actor with the given role and scope (used by the CLI and services).
    pub fn new(role: Role, subject: Option<String>, scope: Scope) -> Self {
        Actor {
            role,
            subject,
            scope,
            grid_paths: OnceCell::new(),
        }
    }

    /// A system actor that sees everything (CLI, demo loader).
    pub fn system() -> Arc<Self> {
        Arc::new(Actor::new(Role::Admin, Some("system".into()), Scope::district()))
    }

    /// True for a caller without a token.
    pub fn is_anonymous(&self) -> bool {
        self.role == Role::Anonymous
    }

    /// A commander or admin whose token carries the explicit district-wide claim.
    pub fn sees_jurisdiction(&self) -> bool {
        matches!(self.role, Role::Commander | Role::Admin)
            && self.scope.jurisdiction == Some(Jurisdiction::All)
    }

    /// The cached materialised paths of the grid subtrees in scope, resolved once per request.
    pub async fn grid_paths_with<F, Fut>(&self, resolve: F) -> Result<&[String], AppError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<String>, AppError>>,
    {
        self.grid_paths.get_or_try_init(resolve).await.map(Vec::as_slice)
    }
}

/// Signs development tokens for the primary HS256 issuer.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    issuer: String,
    audience: String,
}

impl JwtKeys {
    /// Builds the signing key from configuration (verification is [`jwks::Verifier`]'s job).
    pub fn new(cfg: &JwtConfig) -> Self {
        JwtKeys {
            encoding: EncodingKey::from_secret(&cfg.secret),
            issuer: cfg.issuer.clone(),
            audience: cfg.audience.clone(),
        }
    }

    /// Signs a token for `role` and `scope`, valid for `ttl`.
    pub fn mint(
        &self,
        subject: &str,
        role: Role,
        scope: Scope,
        ttl: std::time::Duration,
    ) -> Result<String, AppError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: subject.to_owned(),
            role,
            scope,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
            iat: now,
            nbf: now,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(format!("token signing failed: {e}")))
    }
}

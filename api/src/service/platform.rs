//! Integrated platforms (110 dispatch, the four platforms, the police-grid platform, the
//! smart-enterprise platform, the 12345 hotline, mini-programs): who they are, the shared
//! secret that signs webhooks both ways, where their events go, and how their status
//! vocabulary maps to ours. Administrators manage them; a platform's account sees itself.

use std::collections::BTreeMap;

use entity::{
    enums::{CaseStatus, PlatformKind, PlatformSubscription, SignatureAlgorithm},
    platform,
};
use hmac::{Hmac, Mac};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use sha2::Sha256;
use uuid::Uuid;

use super::{allow, deny, get, Scoped};
use crate::{
    auth::{Actor, Role},
    config::EgressPolicy,
    db::begin_write,
    error::{AppError, AppResult},
    validate,
};

impl Scoped for platform::Entity {
    const ID: platform::Column = platform::Column::Id;
    /// Administrators and commanders see every platform; a platform's account sees itself.
    async fn scope<C: ConnectionTrait>(_db: &C, actor: &Actor) -> AppResult<Condition> {
        Ok(match actor.role {
            Role::Admin | Role::Commander => allow(),
            Role::Platform => match actor.scope.platform {
                Some(p) => Condition::all().add(platform::Column::Id.eq(p)),
                None => deny(),
            },
            _ => deny(),
        })
    }
}

/// Most entries a status vocabulary may hold.
const MAX_STATUS_TERMS: usize = 100;

/// Whether a platform may create or update records of one kind of master data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Grant {
    /// Neither (the default): such records in its batches are refused with `FORBIDDEN`.
    None,
    /// New records only; a record that matches an existing one is refused.
    Create,
    /// Existing records only (matched by their natural key); new ones are refused.
    Update,
    /// Both.
    CreateAndUpdate,
}

impl Grant {
    fn creates(self) -> bool {
        matches!(self, Grant::Create | Grant::CreateAndUpdate)
    }
    fn updates(self) -> bool {
        matches!(self, Grant::Update | Grant::CreateAndUpdate)
    }
}

/// An enterprise field a platform may set on an enterprise that exists already.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EnterpriseField {
    /// Registered name.
    Name,
    /// Industry.
    Industry,
    /// Above-designated-size flag.
    AboveDesignatedSize,
    /// Hazardous-chemicals flag.
    HazardousChemicals,
    /// Address.
    Address,
    /// Grid.
    Grid,
}

/// What a platform may write through its webhook or `syncRecords`, set by administrators.
/// A record outside it is reported `FORBIDDEN` on its own; the rest of the batch lands.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authority {
    /// Case kinds it may create and update; `None`: every kind.
    pub case_kinds: Option<Vec<entity::enums::CaseKind>>,
    /// Enterprises.
    pub enterprises: Grant,
    /// Fields it may change on an existing enterprise; `None`: every field.
    pub enterprise_fields: Option<Vec<EnterpriseField>>,
    /// Volunteers.
    pub volunteers: Grant,
}

impl Default for Authority {
    /// Cases of every kind, no master data: what a newly registered platform may write.
    fn default() -> Self {
        Authority {
            case_kinds: None,
            enterprises: Grant::None,
            enterprise_fields: None,
            volunteers: Grant::None,
        }
    }
}

impl Authority {
    /// Refuses a case of `kind` outside the platform's case kinds.
    pub fn may_write_case(&self, kind: entity::enums::CaseKind) -> AppResult<()> {
        match &self.case_kinds {
            Some(kinds) if !kinds.contains(&kind) => Err(AppError::forbidden(format!(
                "this platform may not write cases of kind {}",
                kind.to_value()
            ))),
            _ => Ok(()),
        }
    }

    /// Refuses creating (`exists` false) or updating (`exists` true) a record under `grant`.
    pub fn may_write(grant: Grant, exists: bool, what: &str) -> AppResult<()> {
        let ok = if exists { grant.updates() } else { grant.creates() };
        if ok {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "this platform may not {} {what}",
                if exists { "update" } else { "create" }
            )))
        }
    }

    /// Refuses a change of `field` on an existing enterprise outside the allowed fields.
    pub fn may_change_enterprise_field(&self, field: EnterpriseField) -> AppResult<()> {
        match &self.enterprise_fields {
            Some(fields) if !fields.contains(&field) => Err(AppError::forbidden(format!(
                "this platform may not change an enterprise's {field:?}"
            ))),
            _ => Ok(()),
        }
    }
}

/// [`Authority::default`] as stored (the migration's default for existing platforms).
pub const DEFAULT_AUTHORITY: &str = migration::PLATFORM_CASES_ONLY;

/// The platform's authority as stored.
pub fn authority(p: &platform::Model) -> AppResult<Authority> {
    serde_json::from_str(&p.authority)
        .map_err(|e| AppError::Internal(format!("platform {} authority: {e}", p.code)))
}

fn authority_json(a: &Authority) -> AppResult<String> {
    if let Some(k) = &a.case_kinds {
        if k.is_empty() {
            return Err(AppError::bad_input(
                "input.authority.caseKinds",
                "list at least one kind, or leave it out for every kind",
            ));
        }
    }
    serde_json::to_string(a).map_err(|e| AppError::Internal(e.to_string()))
}

/// Input for a new platform.
#[derive(Clone, Debug)]
pub struct NewPlatform {
    /// Short unique code, used in the webhook path (`/webhooks/{code}`).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Kind.
    pub kind: PlatformKind,
    /// Where its case events are posted; none means it receives nothing.
    pub webhook_url: Option<String>,
    /// Which case events it receives.
    pub subscription: PlatformSubscription,
    /// Its status terms and the status each means here.
    pub status_map: Vec<(String, CaseStatus)>,
    /// Accepts and receives data.
    pub enabled: bool,
    /// What it may write; `None`: cases only ([`Authority::default`]).
    pub authority: Option<Authority>,
    /// How its webhooks are signed, both ways (HMAC-SHA256 by default).
    pub signature_algorithm: SignatureAlgorithm,
}

/// Changes to a platform; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct PlatformChange {
    /// Display name.
    pub name: Option<String>,
    /// Webhook URL; `Some(None)` removes it.
    pub webhook_url: Option<Option<String>>,
    /// Which case events it receives.
    pub subscription: Option<PlatformSubscription>,
    /// The whole status vocabulary, replacing the old one.
    pub status_map: Option<Vec<(String, CaseStatus)>>,
    /// Enabled.
    pub enabled: Option<bool>,
    /// What it may write, replacing the old authority.
    pub authority: Option<Authority>,
    /// How its webhooks are signed from now on, both ways.
    pub signature_algorithm: Option<SignatureAlgorithm>,
}

/// A new random shared secret: 64 hex digits (256 bits from the operating system's generator).
fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn clean_url(field: &str, url: Option<&str>, egress: &EgressPolicy) -> AppResult<Option<String>> {
    let Some(u) = url.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    if u.len() > 500 {
        return Err(AppError::bad_input(field, "at most 500 characters"));
    }
    let parsed = reqwest::Url::parse(u).map_err(|_| AppError::bad_input(field, "not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(AppError::bad_input(
            field,
            "must be an http or https URL with a host",
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(AppError::bad_input(
            field,
            "must not carry credentials; deliveries are signed instead",
        ));
    }
    egress
        .check_url(&parsed)
        .map_err(|m| AppError::bad_input(field, m))?;
    Ok(Some(u.to_owned()))
}

fn clean_map(field: &str, terms: &[(String, CaseStatus)]) -> AppResult<String> {
    if terms.len() > MAX_STATUS_TERMS {
        return Err(AppError::bad_input(
            field,
            format!("at most {MAX_STATUS_TERMS} terms"),
        ));
    }
    let mut map = BTreeMap::new();
    for (i, (term, status)) in terms.iter().enumerate() {
        let t = validate::text(term, 1, 64)
            .map_err(|m| AppError::bad_input(format!("{field}[{i}].external"), m))?;
        if map.insert(t, status.to_value()).is_some() {
            return Err(AppError::bad_input(
                format!("{field}[{i}].external"),
                "this term is listed twice",
            ));
        }
    }
    serde_json::to_string(&map).map_err(|e| AppError::Internal(e.to_string()))
}

/// The platform's status vocabulary: its term → our status.
pub fn status_map(p: &platform::Model) -> BTreeMap<String, CaseStatus> {
    let raw: BTreeMap<String, String> = serde_json::from_str(&p.status_map).unwrap_or_default();
    raw.into_iter()
        .filter_map(|(k, v)| CaseStatus::try_from_value(&v).ok().map(|s| (k, s)))
        .collect()
}

/// Our status in the platform's words: the first of its terms (in sorted order) that maps to it.
pub fn external_status(p: &platform::Model, status: CaseStatus) -> Option<String> {
    status_map(p)
        .into_iter()
        .find(|(_, s)| *s == status)
        .map(|(k, _)| k)
}

/// Registers a platform; returns it with its new secret, shown this once.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewPlatform,
    egress: &EgressPolicy,
) -> AppResult<(platform::Model, String)> {
    super::require_district(actor, &[Role::Admin], "register a platform")?;
    let code = validate::code(&input.code).map_err(|m| AppError::bad_input("input.code", m))?;
    let name = validate::text(&input.name, 1, 100).map_err(|m| AppError::bad_input("input.name", m))?;
    let webhook_url = clean_url("input.webhookUrl", input.webhook_url.as_deref(), egress)?;
    let status_map = clean_map("input.statusMap", &input.status_map)?;
    let authority = authority_json(&input.authority.unwrap_or_default())?;
    let txn = begin_write(db).await?;
    if platform::Entity::find()
        .filter(platform::Column::Code.eq(code.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            "input.code",
            "a platform with this code already exists",
        ));
    }
    let secret = new_secret();
    let now = super::now();
    let m = platform::ActiveModel {
        id: Set(super::new_id()),
        code: Set(code),
        name: Set(name),
        kind: Set(input.kind),
        enabled: Set(input.enabled),
        webhook_url: Set(webhook_url),
        secret: Set(secret.clone()),
        status_map: Set(status_map),
        subscription: Set(input.subscription),
        authority: Set(authority),
        signature_algorithm: Set(input.signature_algorithm),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok((m, secret))
}

/// Changes a platform's settings.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    change: PlatformChange,
    egress: &EgressPolicy,
) -> AppResult<platform::Model> {
    super::require_district(actor, &[Role::Admin], "change a platform")?;
    let name = change
        .name
        .as_deref()
        .map(|n| validate::text(n, 1, 100).map_err(|m| AppError::bad_input("input.name", m)))
        .transpose()?;
    let url = change
        .webhook_url
        .as_ref()
        .map(|u| clean_url("input.webhookUrl", u.as_deref(), egress))
        .transpose()?;
    let map = change
        .status_map
        .as_deref()
        .map(|m| clean_map("input.statusMap", m))
        .transpose()?;
    let authority = change.authority.as_ref().map(authority_json).transpose()?;
    let txn = begin_write(db).await?;
    let current = get::<platform::Entity, _>(&txn, actor, id).await?;
    let mut am = current.into_active_model();
    if let Some(n) = name {
        am.name = Set(n);
    }
    if let Some(u) = url {
        am.webhook_url = Set(u);
    }
    if let Some(m) = map {
        am.status_map = Set(m);
    }
    if let Some(s) = change.subscription {
        am.subscription = Set(s);
    }
    if let Some(e) = change.enabled {
        am.enabled = Set(e);
    }
    if let Some(a) = authority {
        am.authority = Set(a);
    }
    if let Some(alg) = change.signature_algorithm {
        am.signature_algorithm = Set(alg);
    }
    am.updated_at = Set(super::now());
    let m = am.update(&txn).await?;
    txn.commit().await?;
    Ok(m)
}

/// Replaces a platform's secret; the old one stops working at once. Returns the new one.
pub async fn rotate_secret(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
) -> AppResult<(platform::Model, String)> {
    super::require_district(actor, &[Role::Admin], "rotate a platform secret")?;
    let txn = begin_write(db).await?;
    let current = get::<platform::Entity, _>(&txn, actor, id).await?;
    let secret = new_secret();
    let mut am = current.into_active_model();
    am.secret = Set(secret.clone());
    am.updated_at = Set(super::now());
    let m = am.update(&txn).await?;
    txn.commit().await?;
    Ok((m, secret))
}

/// Every platform the actor may see, by code.
pub async fn list<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Vec<platform::Model>> {
    if actor.is_anonymous() {
        return Err(AppError::Unauthenticated("sign in to do this".into()));
    }
    Ok(super::visible::<platform::Entity, _>(db, actor)
        .await?
        .order_by_asc(platform::Column::Code)
        .all(db)
        .await?)
}

/// The enabled platform with this code (webhooks name the platform in their path).
pub async fn by_code<C: ConnectionTrait>(db: &C, code: &str) -> AppResult<Option<platform::Model>> {
    Ok(platform::Entity::find()
        .filter(platform::Column::Code.eq(code))
        .one(db)
        .await?)
}

/// The last four characters of a secret, so people can tell which one a platform holds.
pub fn secret_hint(p: &platform::Model) -> String {
    let n = p.secret.chars().count();
    let tail: String = p.secret.chars().skip(n.saturating_sub(4)).collect();
    format!("…{tail}")
}

/// The HMAC of `{timestamp}.{body}` under `secret`, keyed and fed, for algorithm `M`.
fn keyed<M: Mac + hmac::digest::KeyInit>(secret: &str, timestamp: i64, body: &[u8]) -> Option<M> {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// Hex HMAC of `{timestamp}.{body}` under `secret` with `alg`: the signature both directions use.
pub fn sign_with(alg: SignatureAlgorithm, secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length: `keyed` always answers.
    match alg {
        SignatureAlgorithm::HmacSha256 => {
            keyed::<Hmac<Sha256>>(secret, timestamp, body).map(|m| hex::encode(m.finalize().into_bytes()))
        }
        SignatureAlgorithm::HmacSm3 => {
            keyed::<Hmac<sm3::Sm3>>(secret, timestamp, body).map(|m| hex::encode(m.finalize().into_bytes()))
        }
    }
    .unwrap_or_default()
}

/// Hex HMAC-SHA256 of `{timestamp}.{body}` under `secret` (the default algorithm).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    sign_with(SignatureAlgorithm::HmacSha256, secret, timestamp, body)
}

/// Checks a hex signature made with `alg`, in constant time.
pub fn verify_with(
    alg: SignatureAlgorithm,
    secret: &str,
    timestamp: i64,
    body: &[u8],
    signature_hex: &str,
) -> bool {
    let Ok(given) = hex::decode(signature_hex.trim()) else {
        return false;
    };
    if secret.is_empty() {
        return false;
    }
    match alg {
        SignatureAlgorithm::HmacSha256 => {
            keyed::<Hmac<Sha256>>(secret, timestamp, body).is_some_and(|m| m.verify_slice(&given).is_ok())
        }
        SignatureAlgorithm::HmacSm3 => {
            keyed::<Hmac<sm3::Sm3>>(secret, timestamp, body).is_some_and(|m| m.verify_slice(&given).is_ok())
        }
    }
}

/// Checks a hex HMAC-SHA256 signature in constant time.
pub fn verify_signature(secret: &str, timestamp: i64, body: &[u8], signature_hex: &str) -> bool {
    verify_with(
        SignatureAlgorithm::HmacSha256,
        secret,
        timestamp,
        body,
        signature_hex,
    )
}

/// The label of `alg` in `X-Fengqiao-Signature: <label>=<hex>`.
pub fn signature_label(alg: SignatureAlgorithm) -> &'static str {
    match alg {
        SignatureAlgorithm::HmacSha256 => "sha256",
        SignatureAlgorithm::HmacSm3 => "sm3",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_is_the_national_standard_hash() {
        use sha2::Digest;
        // GB/T 32905-2016, example 1: SM3("abc").
        assert_eq!(
            hex::encode(sm3::Sm3::digest(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn hmac_sm3_signatures_verify_and_differ_from_sha256() {
        let alg = SignatureAlgorithm::HmacSm3;
        let s = sign_with(alg, "k3y", 1_700_000_000, b"{\"a\":1}");
        assert_eq!(s.len(), 64);
        assert!(verify_with(alg, "k3y", 1_700_000_000, b"{\"a\":1}", &s));
        assert!(!verify_with(alg, "k3y", 1_700_000_000, b"{\"a\":2}", &s));
        assert!(!verify_with(alg, "other", 1_700_000_000, b"{\"a\":1}", &s));
        assert_ne!(s, sign("k3y", 1_700_000_000, b"{\"a\":1}"));
        assert!(!verify_signature("k3y", 1_700_000_000, b"{\"a\":1}", &s));
    }

    #[test]
    fn signatures_verify_and_reject_tampering() {
        let s = sign("k3y", 1_700_000_000, b"{\"a\":1}");
        assert_eq!(s.len(), 64);
        assert!(verify_signature("k3y", 1_700_000_000, b"{\"a\":1}", &s));
        assert!(!verify_signature("k3y", 1_700_000_001, b"{\"a\":1}", &s));
        assert!(!verify_signature("k3y", 1_700_000_000, b"{\"a\":2}", &s));
        assert!(!verify_signature("other", 1_700_000_000, b"{\"a\":1}", &s));
        assert!(!verify_signature("k3y", 1_700_000_000, b"{\"a\":1}", "zz"));
        assert!(!verify_signature(
            "",
            1_700_000_000,
            b"",
            &sign("", 1_700_000_000, b"")
        ));
    }

    #[test]
    fn status_vocabulary_round_trips() {
        let json = clean_map(
            "m",
            &[
                ("已受理".into(), CaseStatus::Reported),
                ("已办结".into(), CaseStatus::Closed),
            ],
        )
        .unwrap();
        let p = platform::Model {
            id: Uuid::nil(),
            code: "X".into(),
            name: "x".into(),
            kind: PlatformKind::Other,
            enabled: true,
            webhook_url: None,
            secret: "s".into(),
            status_map: json,
            subscription: PlatformSubscription::OwnCases,
            authority: authority_json(&Authority::default()).unwrap(),
            signature_algorithm: SignatureAlgorithm::HmacSha256,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        assert_eq!(status_map(&p).get("已办结"), Some(&CaseStatus::Closed));
        assert_eq!(
            external_status(&p, CaseStatus::Reported).as_deref(),
            Some("已受理")
        );
        assert_eq!(external_status(&p, CaseStatus::Assessed), None);
        assert!(clean_map(
            "m",
            &[
                ("a".into(), CaseStatus::Closed),
                ("a".into(), CaseStatus::Reported)
            ]
        )
        .is_err());
    }
}

#[cfg(test)]
mod authority_tests {
    use super::*;

    #[test]
    fn the_migration_default_is_the_default_authority() {
        let stored: Authority = serde_json::from_str(
            r#"{"caseKinds":null,"enterprises":"NONE","enterpriseFields":null,"volunteers":"NONE"}"#,
        )
        .unwrap();
        assert_eq!(stored, Authority::default());
    }

    #[test]
    fn grants_decide_creates_and_updates() {
        assert!(Authority::may_write(Grant::None, false, "enterprises").is_err());
        assert!(Authority::may_write(Grant::Create, false, "enterprises").is_ok());
        assert!(Authority::may_write(Grant::Create, true, "enterprises").is_err());
        assert!(Authority::may_write(Grant::Update, true, "enterprises").is_ok());
        assert!(Authority::may_write(Grant::CreateAndUpdate, true, "enterprises").is_ok());
        let a = Authority {
            case_kinds: Some(vec![entity::enums::CaseKind::PoliceIncident]),
            enterprise_fields: Some(vec![EnterpriseField::Address]),
            ..Authority::default()
        };
        assert!(a.may_write_case(entity::enums::CaseKind::PoliceIncident).is_ok());
        assert!(a.may_write_case(entity::enums::CaseKind::Dispute).is_err());
        assert!(a.may_change_enterprise_field(EnterpriseField::Address).is_ok());
        assert!(a.may_change_enterprise_field(EnterpriseField::Name).is_err());
    }
}

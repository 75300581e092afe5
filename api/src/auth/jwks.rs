//! Multi-issuer JWT verification: shared secrets (HS*) and JWKS (RS*, PS*, ES*, EdDSA)
//! from files or URLs, with caching and rate-limited refetching on unknown key ids.
//!
//! The issuer is picked from the unverified `iss` claim; everything else (algorithm,
//! key, signature, `exp`/`nbf`/`aud`/`iss`/`sub`) is checked against that issuer's
//! configuration before any claim is trusted.

use std::{
    collections::HashMap,
    io::Read,
    net::IpAddr,
    path::PathBuf,
    sync::{Arc, PoisonError, RwLock},
    time::{Duration, Instant},
};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{
    decode, decode_header,
    errors::ErrorKind,
    jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyOperations, PublicKeyUse},
    Algorithm, AlgorithmFamily, DecodingKey, Header, Validation,
};
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{Role, Scope};
use crate::error::AppError;

/// Unknown key ids trigger at most one JWKS fetch per issuer in this interval.
const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(10);
/// Time limit for one JWKS download.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest JWKS document accepted.
const MAX_JWKS_BYTES: usize = 1 << 20;
/// Largest token looked at.
const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Smallest RSA modulus accepted from a JWKS.
const MIN_RSA_BITS: usize = 2048;
/// Smallest shared secret accepted.
const MIN_SECRET_BYTES: usize = 32;

/// Where an issuer's keys come from.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum KeySource {
    /// HS256/384/512 shared secret (the bytes of the UTF-8 string).
    Secret(String),
    /// A JWKS JSON file on disk.
    JwksFile(PathBuf),
    /// A JWKS URL: https, or http only for loopback hosts (127.0.0.0/8, ::1, localhost).
    JwksUrl(String),
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Secret(_) => f.debug_tuple("Secret").field(&"<redacted>").finish(),
            KeySource::JwksFile(path) => f.debug_tuple("JwksFile").field(path).finish(),
            KeySource::JwksUrl(url) => f.debug_tuple("JwksUrl").field(url).finish(),
        }
    }
}

/// Claim names that carry role and scope (identity providers name them differently).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ClaimNames {
    /// The role claim (a string).
    pub role: String,
    /// Grid roots (an array of UUID strings).
    pub grids: String,
    /// Own unit (a UUID string).
    pub unit: String,
    /// Own enterprise (a UUID string).
    pub enterprise: String,
    /// Own mediation room (a UUID string).
    pub room: String,
    /// Own volunteer team (a UUID string).
    pub team: String,
    /// Own platform (a UUID string).
    pub platform: String,
    /// The caller's own record (a UUID string).
    pub person: String,
    /// District-wide reach of a commander or admin: the value `"all"`. Without it (and
    /// without grids) a commander or admin reaches nothing.
    pub jurisdiction: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        ClaimNames {
            role: "role".into(),
            grids: "grids".into(),
            unit: "unit".into(),
            enterprise: "enterprise".into(),
            room: "room".into(),
            team: "team".into(),
            platform: "platform".into(),
            person: "person".into(),
            jurisdiction: "jurisdiction".into(),
        }
    }
}

fn default_leeway_secs() -> u64 {
    30
}

fn default_jwks_ttl_secs() -> u64 {
    300
}

/// The longest token lifetime accepted unless an issuer says otherwise: 24 hours.
pub const DEFAULT_MAX_LIFETIME_SECS: u64 = 24 * 3600;

fn default_max_lifetime_secs() -> u64 {
    DEFAULT_MAX_LIFETIME_SECS
}

/// One trusted issuer.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuerConfig {
    /// Exact `iss` value.
    pub issuer: String,
    /// Accepted `aud` values (a token must name at least one).
    pub audiences: Vec<String>,
    /// Accepted header `alg` values.
    pub algorithms: Vec<Algorithm>,
    /// Where the verification keys come from.
    pub keys: KeySource,
    /// Claim names for role and scope.
    #[serde(default)]
    pub claims: ClaimNames,
    /// Optional map from the provider's role names to ours (kebab-case role names). When
    /// given, it is exhaustive: a provider role not in the map is an unknown role.
    #[serde(default)]
    pub role_map: HashMap<String, String>,
    /// Clock leeway for `exp` and `nbf`, in seconds.
    #[serde(default = "default_leeway_secs")]
    pub leeway_secs: u64,
    /// How long fetched JWKS stay fresh, in seconds.
    #[serde(default = "default_jwks_ttl_secs")]
    pub jwks_ttl_secs: u64,
    /// Longest lifetime a token may have, in seconds (`exp` − `iat`, and `exp` − now):
    /// longer-lived tokens, and tokens issued in the future, are refused.
    #[serde(default = "default_max_lifetime_secs")]
    pub max_lifetime_secs: u64,
}

/// Why a token was rejected; the text is part of the client-visible message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reject {
    Malformed,
    UnknownIssuer,
    AlgorithmNotAllowed,
    UnknownKey,
    BadSignature,
    Expired,
    NotYetValid,
    WrongAudience,
    WrongIssuer,
    MissingClaim,
    UnknownRole,
    BadScope,
    LifetimeTooLong,
    IssuedInFuture,
}

impl Reject {
    fn as_str(self) -> &'static str {
        match self {
            Reject::Malformed => "malformed",
            Reject::UnknownIssuer => "unknown issuer",
            Reject::AlgorithmNotAllowed => "algorithm not allowed",
            Reject::UnknownKey => "unknown key",
            Reject::BadSignature => "bad signature",
            Reject::Expired => "expired",
            Reject::NotYetValid => "not yet valid",
            Reject::WrongAudience => "wrong audience",
            Reject::WrongIssuer => "wrong issuer",
            Reject::MissingClaim => "missing required claim",
            Reject::UnknownRole => "unknown role",
            Reject::BadScope => "bad scope claim",
            Reject::LifetimeTooLong => "lifetime too long",
            Reject::IssuedInFuture => "issued in the future",
        }
    }

    fn from_jwt(e: &jsonwebtoken::errors::Error) -> Self {
        match e.kind() {
            ErrorKind::ExpiredSignature => Reject::Expired,
            ErrorKind::ImmatureSignature => Reject::NotYetValid,
            ErrorKind::InvalidAudience => Reject::WrongAudience,
            ErrorKind::InvalidIssuer => Reject::WrongIssuer,
            ErrorKind::InvalidSignature => Reject::BadSignature,
            ErrorKind::MissingRequiredClaim(_) => Reject::MissingClaim,
            ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName | ErrorKind::MissingAlgorithm => {
                Reject::AlgorithmNotAllowed
            }
            ErrorKind::InvalidEcdsaKey
            | ErrorKind::InvalidEddsaKey
            | ErrorKind::InvalidRsaKey(_)
            | ErrorKind::InvalidKeyFormat
            | ErrorKind::UnsupportedAlgorithm => Reject::UnknownKey,
            _ => Reject::Malformed,
        }
    }
}

/// A rejection with a detail for the debug log.
struct Rejection {
    reason: Reject,
    detail: String,
}

impl From<Reject> for Rejection {
    fn from(reason: Reject) -> Self {
        Rejection {
            reason,
            detail: String::new(),
        }
    }
}

fn reject(reason: Reject, detail: impl Into<String>) -> Rejection {
    Rejection {
        reason,
        detail: detail.into(),
    }
}

/// The key types a JWKS may hold (symmetric keys are never taken from a JWKS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    P256,
    P384,
    Ed25519,
}

impl KeyKind {
    fn supports(self, alg: Algorithm) -> bool {
        match self {
            KeyKind::Rsa => alg.family() == AlgorithmFamily::Rsa,
            KeyKind::P256 => alg == Algorithm::ES256,
            KeyKind::P384 => alg == Algorithm::ES384,
            KeyKind::Ed25519 => alg == Algorithm::EdDSA,
        }
    }
}

/// One usable verification key of a JWKS.
struct SetKey {
    kid: Option<String>,
    alg: Option<Algorithm>,
    kind: KeyKind,
    key: DecodingKey,
}

impl SetKey {
    fn compatible(&self, alg: Algorithm) -> bool {
        self.kind.supports(alg) && self.alg.is_none_or(|a| a == alg)
    }

    /// Converts a JWK, skipping encryption keys, symmetric keys, unknown algorithms,
    /// unsupported curves and short RSA moduli.
    fn from_jwk(jwk: &Jwk) -> Result<Self, String> {
        if let Some(usage) = &jwk.common.public_key_use {
            if *usage != PublicKeyUse::Signature {
                return Err("not a signature key (use)".into());
            }
        }
        if let Some(ops) = &jwk.common.key_operations {
            if !ops.contains(&KeyOperations::Verify) {
                return Err("not a verification key (key_ops)".into());
            }
        }
        let alg = match jwk.common.key_algorithm {
            None => None,
            Some(a) => Some(Algorithm::try_from(a).map_err(|_| format!("unsupported alg {a}"))?),
        };
        let kind = match &jwk.algorithm {
            AlgorithmParameters::RSA(rsa) => {
                let n = URL_SAFE_NO_PAD
                    .decode(&rsa.n)
                    .map_err(|e| format!("bad RSA modulus: {e}"))?;
                let bits = rsa_bits(&n);
                if bits < MIN_RSA_BITS {
                    return Err(format!("RSA modulus of {bits} bits is too short"));
                }
                KeyKind::Rsa
            }
            AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
                EllipticCurve::P256 => KeyKind::P256,
                EllipticCurve::P384 => KeyKind::P384,
                _ => return Err("unsupported EC curve".into()),
            },
            AlgorithmParameters::OctetKeyPair(okp) => match okp.curve {
                EllipticCurve::Ed25519 => KeyKind::Ed25519,
                _ => return Err("unsupported OKP curve".into()),
            },
            _ => return Err("unsupported key type".into()),
        };
        if let Some(a) = alg {
            if !kind.supports(a) {
                return Err(format!("alg {a:?} does not fit the key type"));
            }
        }
        let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("unusable key: {e}"))?;
        Ok(SetKey {
            kid: jwk.common.key_id.clone(),
            alg,
            kind,
            key,
        })
    }
}

fn rsa_bits(n: &[u8]) -> usize {
    let n = match n.iter().position(|&b| b != 0) {
        Some(first) => &n[first..],
        None => return 0,
    };
    n.len() * 8 - n[0].leading_zeros() as usize
}

/// One loaded JWKS.
struct KeySet {
    keys: Vec<SetKey>,
    fetched_at: Instant,
    /// Counts successful loads, so that concurrent refreshes can see someone else's.
    generation: u64,
}

enum Selected<'a> {
    Key(&'a DecodingKey),
    NotFound,
    Ambiguous,
}

impl KeySet {
    /// With a `kid`: the first compatible key with that id. Without: the only compatible key.
    fn select(&self, kid: Option<&str>, alg: Algorithm) -> Selected<'_> {
        match kid {
            Some(kid) => self
                .keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid) && k.compatible(alg))
                .map_or(Selected::NotFound, |k| Selected::Key(&k.key)),
            None => {
                let mut compatible = self.keys.iter().filter(|k| k.compatible(alg));
                match (compatible.next(), compatible.next()) {
                    (Some(k), None) => Selected::Key(&k.key),
                    (None, _) => Selected::NotFound,
                    (Some(_), Some(_)) => Selected::Ambiguous,
                }
            }
        }
    }
}

/// Parses a JWKS document, keeping the keys we can use.
fn parse_jwks(bytes: &[u8], issuer: &str) -> Result<Vec<SetKey>, String> {
    #[derive(Deserialize)]
    struct RawSet {
        keys: Vec<Value>,
    }
    let raw: RawSet = serde_json::from_slice(bytes).map_err(|e| format!("not a JWKS document: {e}"))?;
    let mut keys = Vec::with_capacity(raw.keys.len());
    for (i, value) in raw.keys.into_iter().enumerate() {
        let converted = serde_json::from_value::<Jwk>(value)
            .map_err(|e| format!("not a JWK: {e}"))
            .and_then(|jwk| SetKey::from_jwk(&jwk));
        match converted {
            Ok(key) => keys.push(key),
            Err(why) => tracing::debug!(issuer, index = i, reason = %why, "JWKS key skipped"),
        }
    }
    Ok(keys)
}

enum JwksLocation {
    File(PathBuf),
    Url(reqwest::Url),
}

impl std::fmt::Display for JwksLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JwksLocation::File(path) => write!(f, "{}", path.display()),
            JwksLocation::Url(url) => write!(f, "{url}"),
        }
    }
}

fn read_file_bounded(path: &std::path::Path) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_JWKS_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() > MAX_JWKS_BYTES {
        return Err("JWKS file is too large".into());
    }
    Ok(bytes)
}

/// Checks the scheme rule: https, or http for loopback hosts only.
fn check_jwks_url(raw: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(raw).map_err(|e| format!("invalid JWKS URL {raw:?}: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("JWKS URL {raw:?} must not carry credentials"));
    }
    let host = url.host_str().unwrap_or_default();
    let loopback = {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        bare.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    };
    match url.scheme() {
        _ if host.is_empty() => Err(format!("JWKS URL {raw:?} has no host")),
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(format!(
            "JWKS URL {raw:?} must use https (http only for loopback hosts)"
        )),
        other => Err(format!("JWKS URL {raw:?} has unsupported scheme {other:?}")),
    }
}

async fn fetch_url(http: &reqwest::Client, url: &reqwest::Url) -> Result<Vec<u8>, String> {
    let mut response = http
        .get(url.clone())
        .header(
            reqwest::header::ACCEPT,
            "application/jwk-set+json, application/json",
        )
        .timeout(FETCH_TIMEOUT)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    // Redirects are followed by the client; the place we ended up must obey the same rule.
    check_jwks_url(response.url().as_str())?;
    if !response.status().is_success() {
        return Err(format!("HTTP status {}", response.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.without_url().to_string())? {
        if body.len() + chunk.len() > MAX_JWKS_BYTES {
            return Err("JWKS response is too large".into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[derive(Default)]
struct FetchState {
    last_attempt: Option<Instant>,
    generation: u64,
}

/// A JWKS source with its cached key set.
struct JwksCache {
    location: JwksLocation,
    ttl: Duration,
    current: RwLock<Option<Arc<KeySet>>>,
    /// Serialises loads; holds the refetch guard.
    fetch: tokio::sync::Mutex<FetchState>,
}

impl JwksCache {
    fn snapshot(&self) -> Option<Arc<KeySet>> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn store(&self, set: Arc<KeySet>) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(set);
    }
}

enum IssuerKeys {
    Secret(DecodingKey),
    Jwks(JwksCache),
}

struct Issuer {
    name: String,
    leeway_secs: u64,
    max_lifetime_secs: u64,
    /// One validation per allowed algorithm; also the allow-list.
    validations: Vec<(Algorithm, Validation)>,
    claims: ClaimNames,
    role_map: HashMap<String, Role>,
    keys: IssuerKeys,
}

/// Verifies bearer tokens from several trusted issuers.
pub struct Verifier {
    issuers: HashMap<String, Issuer>,
    http: reqwest::Client,
    /// Shortest time between two JWKS loads of one issuer (zero in tests).
    min_refetch: Duration,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.issuers.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("Verifier")
            .field("issuers", &names)
            .finish_non_exhaustive()
    }
}

fn parse_role(name: &str) -> Option<Role> {
    serde_json::from_value::<Role>(Value::String(name.to_owned()))
        .ok()
        .filter(|r| *r != Role::Anonymous)
}

impl Issuer {
    fn new(cfg: IssuerConfig) -> Result<Self, String> {
        let name = cfg.issuer.clone();
        if name.trim().is_empty() {
            return Err("issuer must not be empty".into());
        }
        let err = |msg: String| format!("issuer {name:?}: {msg}");
        if cfg.audiences.is_empty() || cfg.audiences.iter().any(|a| a.trim().is_empty()) {
            return Err(err(
                "audiences must be a non-empty list of non-empty strings".into()
            ));
        }
        if cfg.algorithms.is_empty() {
            return Err(err("algorithms must not be empty".into()));
        }
        let names = &cfg.claims;
        let claim_names = [
            &names.role,
            &names.grids,
            &names.unit,
            &names.enterprise,
            &names.room,
            &names.team,
            &names.platform,
            &names.person,
            &names.jurisdiction,
        ];
        if claim_names.iter().any(|n| n.trim().is_empty()) {
            return Err(err("claim names must not be empty".into()));
        }
        let mut role_map = HashMap::with_capacity(cfg.role_map.len());
        for (theirs, ours) in &cfg.role_map {
            let role =
                parse_role(ours).ok_or_else(|| err(format!("roleMap: {ours:?} is not a token role")))?;
            role_map.insert(theirs.clone(), role);
        }

        let hmac = cfg.algorithms.iter().any(|a| a.family() == AlgorithmFamily::Hmac);
        let keys = match &cfg.keys {
            KeySource::Secret(secret) => {
                if cfg.algorithms.iter().any(|a| a.family() != AlgorithmFamily::Hmac) {
                    return Err(err("a secret can only be used with HS256, HS384 or HS512".into()));
                }
                if secret.len() < MIN_SECRET_BYTES {
                    return Err(err(format!(
                        "the secret must be at least {MIN_SECRET_BYTES} bytes"
                    )));
                }
                IssuerKeys::Secret(DecodingKey::from_secret(secret.as_bytes()))
            }
            KeySource::JwksFile(_) | KeySource::JwksUrl(_) if hmac => {
                return Err(err(
                    "JWKS sources allow only RS*, PS*, ES* and EdDSA algorithms".into()
                ));
            }
            KeySource::JwksFile(path) => {
                let bytes =
                    read_file_bounded(path).map_err(|e| err(format!("JWKS file {}: {e}", path.display())))?;
                let keys = parse_jwks(&bytes, &name)
                    .map_err(|e| err(format!("JWKS file {}: {e}", path.display())))?;
                if !keys
                    .iter()
                    .any(|k| cfg.algorithms.iter().any(|&a| k.compatible(a)))
                {
                    return Err(err(format!(
                        "JWKS file {} holds no key usable with {:?}",
                        path.display(),
                        cfg.algorithms
                    )));
                }
                let cache = JwksCache {
                    location: JwksLocation::File(path.clone()),
                    ttl: Duration::from_secs(cfg.jwks_ttl_secs),
                    current: RwLock::new(Some(Arc::new(KeySet {
                        keys,
                        fetched_at: Instant::now(),
                        generation: 1,
                    }))),
                    fetch: tokio::sync::Mutex::new(FetchState {
                        last_attempt: Some(Instant::now()),
                        generation: 1,
                    }),
                };
                IssuerKeys::Jwks(cache)
            }
            KeySource::JwksUrl(raw) => IssuerKeys::Jwks(JwksCache {
                location: JwksLocation::Url(check_jwks_url(raw).map_err(err)?),
                ttl: Duration::from_secs(cfg.jwks_ttl_secs),
                current: RwLock::new(None),
                fetch: tokio::sync::Mutex::new(FetchState::default()),
            }),
        };

        let mut validations: Vec<(Algorithm, Validation)> = Vec::new();
        for &alg in &cfg.algorithms {
            if validations.iter().any(|(a, _)| *a == alg) {
                continue;
            }
            let mut v = Validation::new(alg);
            v.algorithms = vec![alg];
            v.set_issuer(&[name.as_str()]);
            v.set_audience(&cfg.audiences);
            v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
            v.validate_exp = true;
            v.validate_nbf = true;
            v.validate_aud = true;
            v.leeway = cfg.leeway_secs;
            validations.push((alg, v));
        }

        if cfg.max_lifetime_secs == 0 {
            return Err(err("maxLifetimeSecs must be at least 1".into()));
        }
        Ok(Issuer {
            name,
            leeway_secs: cfg.leeway_secs,
            max_lifetime_secs: cfg.max_lifetime_secs,
            validations,
            claims: cfg.claims,
            role_map,
            keys,
        })
    }

    /// `iat` not in the future and the lifetime within the issuer's maximum (`exp` is
    /// already checked to be present and not past).
    fn lifetime(&self, claims: &Map<String, Value>) -> Result<(), Rejection> {
        let now = chrono::Utc::now().timestamp();
        let leeway = i64::try_from(self.leeway_secs).unwrap_or(i64::MAX / 4);
        let max = i64::try_from(self.max_lifetime_secs).unwrap_or(i64::MAX / 4);
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or_else(|| reject(Reject::Malformed, "exp is not an integer"))?;
        if exp.saturating_sub(now) > max.saturating_add(leeway) {
            return Err(reject(
                Reject::LifetimeTooLong,
                format!("exp is more than {max} s away"),
            ));
        }
        match claims.get("iat") {
            None | Some(Value::Null) => Ok(()),
            Some(v) => {
                let iat = v
                    .as_i64()
                    .ok_or_else(|| reject(Reject::Malformed, "iat is not an integer"))?;
                if iat > now.saturating_add(leeway) {
                    return Err(reject(
                        Reject::IssuedInFuture,
                        format!("iat is {} s ahead", iat - now),
                    ));
                }
                if exp.saturating_sub(iat) > max {
                    return Err(reject(
                        Reject::LifetimeTooLong,
                        format!("exp - iat is more than {max} s"),
                    ));
                }
                Ok(())
            }
        }
    }

    fn role(&self, claims: &Map<String, Value>) -> Result<Role, Rejection> {
        let raw = match claims.get(&self.claims.role) {
            None | Some(Value::Null) => {
                return Err(reject(
                    Reject::MissingClaim,
                    format!("no {:?} claim", self.claims.role),
                ))
            }
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return Err(reject(Reject::UnknownRole, "role claim is not a string")),
        };
        let role = if self.role_map.is_empty() {
            parse_role(raw)
        } else {
            self.role_map.get(raw).copied()
        };
        role.ok_or_else(|| reject(Reject::UnknownRole, format!("role {raw:?}")))
    }

    fn scope(&self, claims: &Map<String, Value>) -> Result<Scope, Rejection> {
        let names = &self.claims;
        let one = |name: &str| -> Result<Option<Uuid>, Rejection> {
            match claims.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Uuid::parse_str(s)
                    .map(Some)
                    .map_err(|_| reject(Reject::BadScope, format!("{name:?} is not a UUID"))),
                Some(_) => Err(reject(Reject::BadScope, format!("{name:?} is not a string"))),
            }
        };
        let grids = match claims.get(&names.grids) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| item.as_str().and_then(|s| Uuid::parse_str(s).ok()))
                .collect::<Option<Vec<Uuid>>>()
                .ok_or_else(|| reject(Reject::BadScope, format!("{:?} holds a non-UUID", names.grids)))?,
            Some(_) => {
                return Err(reject(
                    Reject::BadScope,
                    format!("{:?} is not an array", names.grids),
                ))
            }
        };
        let jurisdiction = match claims.get(&names.jurisdiction) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s == "all" => Some(super::Jurisdiction::All),
            Some(_) => {
                return Err(reject(
                    Reject::BadScope,
                    format!("{:?} must be \"all\" when present", names.jurisdiction),
                ))
            }
        };
        Ok(Scope {
            jurisdiction,
            grids,
            unit: one(&names.unit)?,
            enterprise: one(&names.enterprise)?,
            room: one(&names.room)?,
            team: one(&names.team)?,
            platform: one(&names.platform)?,
            person: one(&names.person)?,
        })
    }
}

/// Reads `iss` from the unverified payload; used only to pick the issuer's configuration.
fn unverified_issuer(payload_b64: &str) -> Result<String, Rejection> {
    let bytes = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .map_err(|e| reject(Reject::Malformed, format!("payload is not base64url: {e}")))?;
    // A key given twice (`"role"` twice, say) would resolve to one of them silently: refuse.
    serde_json::from_slice::<NoDuplicateKeys>(&bytes)
        .map_err(|e| reject(Reject::Malformed, format!("payload: {e}")))?;
    let payload: Map<String, Value> = serde_json::from_slice(&bytes)
        .map_err(|e| reject(Reject::Malformed, format!("payload is not a JSON object: {e}")))?;
    match payload.get("iss") {
        Some(Value::String(iss)) => Ok(iss.clone()),
        None | Some(Value::Null) => Err(reject(Reject::MissingClaim, "no iss claim")),
        Some(_) => Err(reject(Reject::UnknownIssuer, "iss is not a string")),
    }
}

/// Any JSON value in which no object names a key twice (deserializing fails otherwise).
struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicateKeysVisitor)
    }
}

struct NoDuplicateKeysVisitor;

impl<'de> serde::de::Visitor<'de> for NoDuplicateKeysVisitor {
    type Value = NoDuplicateKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value without duplicate keys")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(NoDuplicateKeys)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(serde::de::Error::custom(format!("duplicate key {key:?}")));
            }
            map.next_value::<NoDuplicateKeys>()?;
        }
        Ok(NoDuplicateKeys)
    }
}

fn check_header(header: &Header) -> Result<(), Rejection> {
    if let Some(typ) = &header.typ {
        let lower = typ.to_ascii_lowercase();
        let bare = lower.strip_prefix("application/").unwrap_or(&lower);
        if bare != "jwt" && bare != "at+jwt" {
            return Err(reject(Reject::Malformed, "unexpected typ"));
        }
    }
    // No header extensions are understood, so any critical one must be refused (RFC 7515 4.1.11).
    if header.crit.is_some() {
        return Err(reject(Reject::Malformed, "crit header present"));
    }
    Ok(())
}

impl Verifier {
    /// Validates the configs (non-empty audiences and algorithms; a Secret source only with
    /// HS* algorithms and at least 32 bytes; JWKS sources only with RS*/PS*/ES*/EdDSA; https
    /// rule for URLs) and loads JWKS files eagerly (URLs lazily on first use).
    pub fn new(issuers: Vec<IssuerConfig>, http: reqwest::Client) -> Result<Self, String> {
        if issuers.is_empty() {
            return Err("at least one issuer must be configured".into());
        }
        let mut map = HashMap::with_capacity(issuers.len());
        for cfg in issuers {
            let issuer = Issuer::new(cfg)?;
            if map.contains_key(&issuer.name) {
                return Err(format!("issuer {:?} is configured twice", issuer.name));
            }
            map.insert(issuer.name.clone(), issuer);
        }
        Ok(Verifier {
            issuers: map,
            http,
            min_refetch: MIN_REFETCH_INTERVAL,
        })
    }

    /// Verifies a bearer token and returns (role, subject, scope).
    pub async fn verify(&self, token: &str) -> Result<(Role, String, Scope), AppError> {
        self.verify_inner(token).await.map_err(|(r, issuer)| {
            tracing::debug!(reason = r.reason.as_str(), detail = %r.detail, issuer, "token rejected");
            AppError::Unauthenticated(format!("invalid token: {}", r.reason.as_str()))
        })
    }

    /// The issuer name is returned with a rejection only when it is a configured one.
    async fn verify_inner(&self, token: &str) -> Result<(Role, String, Scope), (Rejection, Option<&str>)> {
        let token = token.trim();
        if token.len() > MAX_TOKEN_BYTES {
            return Err((reject(Reject::Malformed, "token too long"), None));
        }
        let parts: Vec<&str> = token.split('.').collect();
        let payload = match parts.as_slice() {
            [h, p, s] if !h.is_empty() && !p.is_empty() && !s.is_empty() => *p,
            _ => return Err((reject(Reject::Malformed, "not three dot-separated parts"), None)),
        };
        let header = decode_header(token).map_err(|e| (reject(Reject::Malformed, e.to_string()), None))?;
        check_header(&header).map_err(|r| (r, None))?;
        let iss = unverified_issuer(payload).map_err(|r| (r, None))?;
        let issuer = self
            .issuers
            .get(&iss)
            .ok_or_else(|| (Rejection::from(Reject::UnknownIssuer), None))?;
        let name = Some(issuer.name.as_str());
        self.verify_for(issuer, token, &header)
            .await
            .map_err(|r| (r, name))
    }

    async fn verify_for(
        &self,
        issuer: &Issuer,
        token: &str,
        header: &Header,
    ) -> Result<(Role, String, Scope), Rejection> {
        let alg = header.alg;
        let validation = issuer
            .validations
            .iter()
            .find_map(|(a, v)| (*a == alg).then_some(v))
            .ok_or_else(|| reject(Reject::AlgorithmNotAllowed, format!("{alg:?}")))?;
        let data = match &issuer.keys {
            IssuerKeys::Secret(key) => decode::<Map<String, Value>>(token, key, validation),
            IssuerKeys::Jwks(cache) => {
                let key = self.jwks_key(issuer, cache, header.kid.as_deref(), alg).await?;
                decode::<Map<String, Value>>(token, &key, validation)
            }
        }
        .map_err(|e| reject(Reject::from_jwt(&e), format!("{:?}", e.kind())))?;
        let claims = data.claims;
        let subject = match claims.get("sub") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(reject(Reject::MissingClaim, "sub is empty or not a string")),
        };
        issuer.lifetime(&claims)?;
        let role = issuer.role(&claims)?;
        let scope = issuer.scope(&claims)?;
        if scope.jurisdiction.is_some() && !matches!(role, Role::Commander | Role::Admin) {
            return Err(reject(
                Reject::BadScope,
                "only commanders and admins may carry the jurisdiction claim",
            ));
        }
        Ok((role, subject, scope))
    }

    /// Finds the key for `kid`/`alg`, loading the set when it is missing or stale, and
    /// loading it once more when the key is unknown (at most once per `min_refetch`).
    async fn jwks_key(
        &self,
        issuer: &Issuer,
        cache: &JwksCache,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<DecodingKey, Rejection> {
        let current = cache.snapshot();
        let set = match current {
            Some(set) if set.fetched_at.elapsed() < cache.ttl => set,
            stale => {
                let seen = stale.as_ref().map(|s| s.generation);
                match self.refresh(issuer, cache, seen).await {
                    Some(fresh) => fresh,
                    // Keep using a stale set while the source is unreachable.
                    None => stale.ok_or_else(|| reject(Reject::UnknownKey, "no JWKS loaded yet"))?,
                }
            }
        };
        match set.select(kid, alg) {
            Selected::Key(key) => return Ok(key.clone()),
            Selected::Ambiguous => {
                return Err(reject(Reject::UnknownKey, "no kid and several compatible keys"))
            }
            Selected::NotFound => {}
        }
        let unknown = || reject(Reject::UnknownKey, format!("kid {kid:?} for {alg:?}"));
        let fresh = self
            .refresh(issuer, cache, Some(set.generation))
            .await
            .ok_or_else(unknown)?;
        match fresh.select(kid, alg) {
            Selected::Key(key) => Ok(key.clone()),
            _ => Err(unknown()),
        }
    }

    /// Loads the set again, unless another task already did since generation `seen`
    /// (then that set is returned) or the last attempt was less than `min_refetch` ago
    /// (then `None`). Failures are logged and give `None`.
    async fn refresh(&self, issuer: &Issuer, cache: &JwksCache, seen: Option<u64>) -> Option<Arc<KeySet>> {
        let mut state = cache.fetch.lock().await;
        if let Some(current) = cache.snapshot() {
            if Some(current.generation) != seen {
                return Some(current);
            }
        }
        if state.last_attempt.is_some_and(|t| t.elapsed() < self.min_refetch) {
            return None;
        }
        state.last_attempt = Some(Instant::now());
        let loaded = match &cache.location {
            JwksLocation::Url(url) => fetch_url(&self.http, url).await,
            JwksLocation::File(path) => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || read_file_bounded(&path))
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()))
            }
        }
        .and_then(|bytes| parse_jwks(&bytes, &issuer.name));
        match loaded {
            Ok(keys) => {
                state.generation += 1;
                tracing::debug!(
                    issuer = %issuer.name,
                    source = %cache.location,
                    keys = keys.len(),
                    "JWKS loaded"
                );
                let set = Arc::new(KeySet {
                    keys,
                    fetched_at: Instant::now(),
                    generation: state.generation,
                });
                cache.store(set.clone());
                Some(set)
            }
            Err(e) => {
                tracing::warn!(issuer = %issuer.name, source = %cache.location, error = %e, "JWKS load failed");
                None
            }
        }
    }

    #[cfg(test)]
    fn with_min_refetch(mut self, interval: Duration) -> Self {
        self.min_refetch = interval;
        self
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use jsonwebtoken::{encode, get_current_timestamp, EncodingKey};
    use serde_json::json;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    const RSA_PRIVATE: &str = include_str!("../../../tests/keys/rsa-private.pem");
    const RSA_PUBLIC: &str = include_str!("../../../tests/keys/rsa-public.pem");
    const RSA2_PRIVATE: &str = include_str!("../../../tests/keys/rsa2-private.pem");
    const EC_PRIVATE: &str = include_str!("../../../tests/keys/ec-private.pem");
    const ED_PRIVATE: &str = include_str!("../../../tests/keys/ed25519-private.pem");
    const JWKS: &str = include_str!("../../../tests/keys/jwks.json");
    const JWKS_ROTATED: &str = include_str!("../../../tests/keys/jwks-rotated.json");
    const JWKS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/keys/jwks.json");

    const IDP: &str = "https://login.example.test";
    const PARTNER: &str = "https://partner.example.test/realms/ops";
    const LOCAL: &str = "fengqiao-dev";
    const SECRET: &str = "test-secret-test-secret-test-secret!";
    const GRID: &str = "0194f3c2-7d1e-7a10-9b2c-3d4e5f607182";
    const UNIT: &str = "0194f3c2-7d1e-7a10-9b2c-3d4e5f607183";

    fn http() -> reqwest::Client {
        reqwest::Client::builder().no_proxy().build().unwrap()
    }

    fn issuer(name: &str, algorithms: Vec<Algorithm>, keys: KeySource) -> IssuerConfig {
        IssuerConfig {
            issuer: name.into(),
            audiences: vec!["fengqiao".into(), "fengqiao-api".into()],
            algorithms,
            keys,
            claims: ClaimNames::default(),
            role_map: HashMap::new(),
            leeway_secs: 5,
            jwks_ttl_secs: 300,
            max_lifetime_secs: DEFAULT_MAX_LIFETIME_SECS,
        }
    }

    fn verifier() -> Verifier {
        let idp = issuer(
            IDP,
            vec![Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA],
            KeySource::JwksFile(JWKS_PATH.into()),
        );
        let mut partner = issuer(
            PARTNER,
            vec![Algorithm::ES256],
            KeySource::JwksFile(JWKS_PATH.into()),
        );
        partner.claims = ClaimNames {
            role: "app_role".into(),
            grids: "grid_ids".into(),
            unit: "org_unit".into(),
            ..ClaimNames::default()
        };
        partner.role_map = HashMap::from([
            ("Officer".to_owned(), "community-police".to_owned()),
            ("GridStaff".to_owned(), "grid-worker".to_owned()),
        ]);
        let local = issuer(LOCAL, vec![Algorithm::HS256], KeySource::Secret(SECRET.into()));
        Verifier::new(vec![idp, partner, local], http()).unwrap()
    }

    fn claims(iss: &str) -> Value {
        let now = get_current_timestamp();
        json!({
            "iss": iss,
            "sub": "user-1",
            "aud": "fengqiao",
            "exp": now + 600,
            "iat": now,
            "nbf": now,
            "role": "grid-worker",
            "grids": [GRID],
            "unit": UNIT,
        })
    }

    fn sign(alg: Algorithm, kid: Option<&str>, key: &EncodingKey, claims: &Value) -> String {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        encode(&header, claims, key).unwrap()
    }

    fn rsa() -> EncodingKey {
        EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).unwrap()
    }

    fn rsa2() -> EncodingKey {
        EncodingKey::from_rsa_pem(RSA2_PRIVATE.as_bytes()).unwrap()
    }

    fn ec() -> EncodingKey {
        EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).unwrap()
    }

    fn ed() -> EncodingKey {
        EncodingKey::from_ed_pem(ED_PRIVATE.as_bytes()).unwrap()
    }

    fn b64(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    }

    async fn reason(v: &Verifier, token: &str) -> String {
        match v.verify(token).await {
            Err(AppError::Unauthenticated(msg)) => msg,
            Err(other) => panic!("unexpected error {other:?}"),
            Ok(ok) => panic!("token accepted: {ok:?}"),
        }
    }

    fn expected_scope() -> Scope {
        Scope {
            grids: vec![Uuid::parse_str(GRID).unwrap()],
            unit: Some(Uuid::parse_str(UNIT).unwrap()),
            ..Scope::default()
        }
    }

    #[tokio::test]
    async fn accepts_rs256_es256_and_eddsa_from_jwks_file() {
        let v = verifier();
        let c = claims(IDP);
        for token in [
            sign(Algorithm::RS256, Some("rsa-1"), &rsa(), &c),
            sign(Algorithm::ES256, Some("ec-1"), &ec(), &c),
            sign(Algorithm::EdDSA, Some("ed-1"), &ed(), &c),
        ] {
            let (role, subject, scope) = v.verify(&token).await.unwrap();
            assert_eq!(role, Role::GridWorker);
            assert_eq!(subject, "user-1");
            assert_eq!(scope, expected_scope());
        }
    }

    #[tokio::test]
    async fn maps_custom_claim_names_and_roles() {
        let v = verifier();
        let now = get_current_timestamp();
        let c = json!({
            "iss": PARTNER, "sub": "officer-7", "aud": ["other", "fengqiao-api"], "exp": now + 60,
            "app_role": "Officer", "grid_ids": [GRID], "org_unit": UNIT,
            // The default names mean nothing for this issuer.
            "role": "admin", "grids": "not-a-list",
        });
        let token = sign(Algorithm::ES256, Some("ec-1"), &ec(), &c);
        let (role, subject, scope) = v.verify(&token).await.unwrap();
        assert_eq!(role, Role::CommunityPolice);
        assert_eq!(subject, "officer-7");
        assert_eq!(scope, expected_scope());

        // The role map is exhaustive: a role the map does not name is unknown, even ours.
        let mut c2 = c.clone();
        c2["app_role"] = json!("admin");
        let token = sign(Algorithm::ES256, Some("ec-1"), &ec(), &c2);
        assert_eq!(reason(&v, &token).await, "invalid token: unknown role");

        // RS256 is not on this issuer's list although the key set has an RSA key.
        let token = sign(Algorithm::RS256, Some("rsa-1"), &rsa(), &c);
        assert_eq!(reason(&v, &token).await, "invalid token: algorithm not allowed");
    }

    #[tokio::test]
    async fn accepts_hs256_issuer() {
        let v = verifier();
        let key = EncodingKey::from_secret(SECRET.as_bytes());
        let mut c = claims(LOCAL);
        c["role"] = json!("commander");
        let (role, subject, scope) = v.verify(&sign(Algorithm::HS256, None, &key, &c)).await.unwrap();
        assert_eq!((role, subject.as_str()), (Role::Commander, "user-1"));
        assert_eq!(scope, expected_scope());

        let wrong = EncodingKey::from_secret(b"another-secret-another-secret-another");
        let token = sign(Algorithm::HS256, None, &wrong, &c);
        assert_eq!(reason(&v, &token).await, "invalid token: bad signature");
    }

    #[tokio::test]
    async fn token_without_kid_needs_exactly_one_compatible_key() {
        let v = verifier();
        let c = claims(IDP);
        // One EC key in the set: accepted without kid.
        assert!(v.verify(&sign(Algorithm::ES256, None, &ec(), &c)).await.is_ok());
        assert!(v.verify(&sign(Algorithm::RS256, None, &rsa(), &c)).await.is_ok());
        // The kid must name a key of the header's type.
        let token = sign(Algorithm::ES256, Some("rsa-1"), &ec(), &c);
        assert_eq!(reason(&v, &token).await, "invalid token: unknown key");
    }

    #[tokio::test]
    async fn rejects_time_audience_and_issuer_problems() {
        let v = verifier();
        let now = get_current_timestamp();
        let cases = [
            ("exp", json!(now - 3600), "expired"),
            ("nbf", json!(now + 3600), "not yet valid"),
            ("aud", json!("someone-else"), "wrong audience"),
            ("aud", json!(["a", "b"]), "wrong audience"),
            ("iss", json!("https://evil.example"), "unknown issuer"),
            ("sub", json!(42), "missing required claim"),
            ("role", json!("anonymous"), "unknown role"),
            ("role", json!("superuser"), "unknown role"),
            ("grids", json!(["not-a-uuid"]), "bad scope claim"),
            ("grids", json!(GRID), "bad scope claim"),
            ("unit", json!(7), "bad scope claim"),
        ];
        for (claim, value, expected) in cases {
            let mut c = claims(IDP);
            c[claim] = value;
            let token = sign(Algorithm::RS256, Some("rsa-1"), &rsa(), &c);
            assert_eq!(
                reason(&v, &token).await,
                format!("invalid token: {expected}"),
                "{claim}"
            );
        }
        for missing in ["exp", "aud", "sub", "role"] {
            let mut c = claims(IDP);
            c.as_object_mut().unwrap().remove(missing);
            let token = sign(Algorithm::RS256, Some("rsa-1"), &rsa(), &c);
            assert_eq!(
                reason(&v, &token).await,
                "invalid token: missing required claim",
                "{missing}"
            );
        }
    }

    #[tokio::test]
    async fn rejects_forged_and_malformed_tokens() {
        let v = verifier();
        let c = claims(IDP);

        // alg "none", hand-built.
        let none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&c));
        assert_eq!(reason(&v, &none).await, "invalid token: malformed");
        let none = format!("{}.{}.sig", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&c));
        assert_eq!(reason(&v, &none).await, "invalid token: malformed");

        // Algorithm confusion: HS256 keyed with the RSA public key PEM.
        let confused = EncodingKey::from_secret(RSA_PUBLIC.as_bytes());
        let token = sign(Algorithm::HS256, Some("rsa-1"), &confused, &c);
        assert_eq!(reason(&v, &token).await, "invalid token: algorithm not allowed");

        // Tampered payload: a valid token's payload swapped for another.
        let valid = sign(Algorithm::RS256, Some("rsa-1"), &rsa(), &c);
        let mut forged_claims = c.clone();
        forged_claims["role"] = json!("admin");
        let parts: Vec<&str> = valid.split('.').collect();
        let tampered = format!("{}.{}.{}", parts[0], b64(&forged_claims), parts[2]);
        assert_eq!(reason(&v, &tampered).await, "invalid token: bad signature");

        // A header typ other than JWT / at+jwt.
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("rsa-1".into());
        header.typ = Some("dpop+jwt".into());
        let token = encode(&header, &c, &rsa()).unwrap();
        assert_eq!(reason(&v, &token).await, "invalid token: malformed");
        header.typ = Some("AT+JWT".into());
        assert!(v.verify(&encode(&header, &c, &rsa()).unwrap()).await.is_ok());

        for junk in [
            "",
            "abc",
            "a.b",
            "a.b.c.d",
            "!!.!!.!!",
            &format!("{}.e30.x", b64(&json!({}))),
        ] {
            assert_eq!(reason(&v, junk).await, "invalid token: malformed", "{junk:?}");
        }
    }

    #[tokio::test]
    async fn unknown_kid_refetches_file_once_then_fails() {
        let v = verifier().with_min_refetch(Duration::ZERO);
        let cache = match &v.issuers[IDP].keys {
            IssuerKeys::Jwks(cache) => cache,
            IssuerKeys::Secret(_) => unreachable!(),
        };
        assert_eq!(cache.snapshot().unwrap().generation, 1);
        let token = sign(Algorithm::RS256, Some("rsa-9"), &rsa(), &claims(IDP));
        assert_eq!(reason(&v, &token).await, "invalid token: unknown key");
        assert_eq!(
            cache.snapshot().unwrap().generation,
            2,
            "file re-read exactly once"
        );

        // With the normal guard, a second unknown kid right away does not re-read.
        let v = verifier();
        assert_eq!(reason(&v, &token).await, "invalid token: unknown key");
        let cache = match &v.issuers[IDP].keys {
            IssuerKeys::Jwks(cache) => cache,
            IssuerKeys::Secret(_) => unreachable!(),
        };
        assert_eq!(cache.snapshot().unwrap().generation, 1);
    }

    /// A JWKS server on 127.0.0.1 serving `jwks.json` until `rotated` is set, then
    /// `jwks-rotated.json`. It stops after 32 connections or when the handle is aborted.
    struct JwksServer {
        url: String,
        rotated: Arc<AtomicBool>,
        requests: Arc<AtomicUsize>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Drop for JwksServer {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    async fn jwks_server() -> JwksServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/.well-known/jwks.json", listener.local_addr().unwrap());
        let rotated = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let (r, n) = (rotated.clone(), requests.clone());
        let task = tokio::spawn(async move {
            for _ in 0..32 {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(k) => buf.extend_from_slice(&chunk[..k]),
                    }
                }
                n.fetch_add(1, Ordering::SeqCst);
                let body = if r.load(Ordering::SeqCst) {
                    JWKS_ROTATED
                } else {
                    JWKS
                };
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                     connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            }
        });
        JwksServer {
            url,
            rotated,
            requests,
            task,
        }
    }

    fn url_verifier(url: &str) -> Verifier {
        let cfg = issuer(IDP, vec![Algorithm::RS256], KeySource::JwksUrl(url.into()));
        Verifier::new(vec![cfg], http()).unwrap()
    }

    #[tokio::test]
    async fn rotation_is_picked_up_by_one_refetch() {
        let server = jwks_server().await;
        let v = url_verifier(&server.url).with_min_refetch(Duration::ZERO);
        let c = claims(IDP);
        let old = sign(Algorithm::RS256, Some("rsa-1"), &rsa(), &c);
        let new = sign(Algorithm::RS256, Some("rsa-2"), &rsa2(), &c);
        let requests = || server.requests.load(Ordering::SeqCst);

        assert_eq!(requests(), 0, "URLs are loaded lazily");
        assert!(v.verify(&old).await.is_ok());
        assert_eq!(requests(), 1);
        assert!(v.verify(&old).await.is_ok());
        assert_eq!(requests(), 1, "the set is cached");

        // Before the switch: rsa-2 is unknown after exactly one refetch.
        assert_eq!(reason(&v, &new).await, "invalid token: unknown key");
        assert_eq!(requests(), 2);

        // After the switch: the unknown kid triggers one refetch that finds rsa-2.
        server.rotated.store(true, Ordering::SeqCst);
        assert_eq!(v.verify(&new).await.unwrap().0, Role::GridWorker);
        assert_eq!(requests(), 3);
        assert!(v.verify(&new).await.is_ok());
        assert!(v.verify(&old).await.is_ok());
        assert_eq!(requests(), 3, "both keys now come from the cache");
    }

    #[tokio::test]
    async fn unknown_kids_do_not_hammer_the_provider() {
        let server = jwks_server().await;
        let v = url_verifier(&server.url);
        let c = claims(IDP);
        assert!(v
            .verify(&sign(Algorithm::RS256, Some("rsa-1"), &rsa(), &c))
            .await
            .is_ok());
        assert_eq!(server.requests.load(Ordering::SeqCst), 1);
        server.rotated.store(true, Ordering::SeqCst);
        for i in 0..20 {
            let kid = format!("random-{i}");
            let token = sign(Algorithm::RS256, Some(&kid), &rsa2(), &c);
            assert_eq!(reason(&v, &token).await, "invalid token: unknown key");
        }
        // Within 10 s of the last load, no refetch at all.
        assert_eq!(server.requests.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn unreachable_jwks_url_is_an_unknown_key() {
        // Bind and drop to get a port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let v = url_verifier(&format!("http://127.0.0.1:{port}/jwks.json"));
        let token = sign(Algorithm::RS256, Some("rsa-1"), &rsa(), &claims(IDP));
        assert_eq!(reason(&v, &token).await, "invalid token: unknown key");
    }

    #[test]
    fn config_rules() {
        let ok_secret = || KeySource::Secret(SECRET.into());
        let file = || KeySource::JwksFile(JWKS_PATH.into());
        let url = |u: &str| KeySource::JwksUrl(u.into());
        let new = |cfgs: Vec<IssuerConfig>| Verifier::new(cfgs, http());

        assert!(new(vec![issuer(LOCAL, vec![Algorithm::HS512], ok_secret())]).is_ok());
        assert!(new(vec![issuer(
            LOCAL,
            vec![Algorithm::HS256],
            KeySource::Secret("short".into())
        )])
        .is_err());
        assert!(new(vec![issuer(LOCAL, vec![Algorithm::RS256], ok_secret())]).is_err());
        assert!(new(vec![issuer(
            LOCAL,
            vec![Algorithm::HS256, Algorithm::RS256],
            ok_secret()
        )])
        .is_err());
        assert!(new(vec![issuer(IDP, vec![Algorithm::HS256], file())]).is_err());
        assert!(new(vec![issuer(
            IDP,
            vec![Algorithm::RS256],
            url("https://idp.example/jwks")
        )])
        .is_ok());
        assert!(new(vec![issuer(
            IDP,
            vec![Algorithm::HS256],
            url("https://idp.example/jwks")
        )])
        .is_err());
        assert!(new(vec![issuer(IDP, vec![], file())]).is_err());
        assert!(
            new(vec![issuer(IDP, vec![Algorithm::ES384], file())]).is_err(),
            "no P-384 key in the file"
        );
        assert!(new(vec![issuer(
            IDP,
            vec![Algorithm::RS256],
            KeySource::JwksFile("/nonexistent".into())
        )])
        .is_err());
        let mut no_aud = issuer(IDP, vec![Algorithm::RS256], file());
        no_aud.audiences.clear();
        assert!(new(vec![no_aud]).is_err());
        let mut bad_map = issuer(IDP, vec![Algorithm::RS256], file());
        bad_map.role_map.insert("x".into(), "anonymous".into());
        assert!(new(vec![bad_map]).is_err());
        assert!(new(vec![
            issuer(IDP, vec![Algorithm::RS256], file()),
            issuer(IDP, vec![Algorithm::ES256], file())
        ])
        .is_err());
        assert!(new(vec![]).is_err());

        for good in [
            "https://idp.example/jwks",
            "http://127.0.0.1:8080/jwks",
            "http://127.1.2.3/jwks",
            "http://[::1]:9000/jwks",
            "http://localhost/jwks",
            "http://LOCALHOST:1/jwks",
        ] {
            assert!(check_jwks_url(good).is_ok(), "{good}");
        }
        for bad in [
            "http://idp.example/jwks",
            "http://10.0.0.1/jwks",
            "http://localhost.evil.example/jwks",
            "http://[::2]/jwks",
            "ftp://idp.example/jwks",
            "file:///etc/jwks.json",
            "https://user:pw@idp.example/jwks",
            "not a url",
        ] {
            assert!(check_jwks_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn verifier_and_its_future_are_send_and_sync() {
        fn send_sync<T: Send + Sync>(_: &T) {}
        fn send<T: Send>(_: T) {}
        let v = verifier();
        send_sync(&v);
        send(v.verify("a.b.c"));
    }

    #[test]
    fn debug_output_redacts_the_secret() {
        let shown = format!(
            "{:?}",
            issuer(LOCAL, vec![Algorithm::HS256], KeySource::Secret(SECRET.into()))
        );
        assert!(!shown.contains(SECRET));
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn readme_config_example_parses() {
        let example = r#"[
          {
            "issuer": "https://sso.example.gov.cn/realms/fengqiao",
            "audiences": ["fengqiao-api"],
            "algorithms": ["RS256", "ES256"],
            "keys": { "jwksUrl": "https://sso.example.gov.cn/realms/fengqiao/protocol/openid-connect/certs" },
            "claims": { "role": "fq_role", "grids": "fq_grids", "unit": "org_id" },
            "roleMap": { "gridman": "grid-worker", "police": "community-police", "dispatcher": "commander" },
            "leewaySecs": 60,
            "jwksTtlSecs": 600
          },
          {
            "issuer": "https://partner.example.com",
            "audiences": ["fengqiao"],
            "algorithms": ["EdDSA"],
            "keys": { "jwksFile": "/etc/fengqiao/partner-jwks.json" }
          },
          {
            "issuer": "fengqiao-dev",
            "audiences": ["fengqiao"],
            "algorithms": ["HS256"],
            "keys": { "secret": "at-least-32-bytes-of-shared-secret-here" }
          }
        ]"#;
        let cfgs: Vec<IssuerConfig> = serde_json::from_str(example).unwrap();
        assert_eq!(cfgs.len(), 3);
        assert_eq!(cfgs[0].claims.role, "fq_role");
        assert_eq!(cfgs[0].claims.person, "person");
        assert_eq!(cfgs[1].leeway_secs, 30);
        assert_eq!(cfgs[1].jwks_ttl_secs, 300);
        assert!(matches!(cfgs[2].keys, KeySource::Secret(_)));
        let typo =
            r#"{"issuer":"x","audiences":["a"],"algorithms":["RS256"],"keys":{"jwksFile":"f"},"leeway":5}"#;
        assert!(
            serde_json::from_str::<IssuerConfig>(typo).is_err(),
            "unknown fields are refused"
        );
        // Every config but the file-based one is valid as written.
        let without_file: Vec<IssuerConfig> = cfgs
            .into_iter()
            .filter(|c| c.issuer != "https://partner.example.com")
            .collect();
        assert!(Verifier::new(without_file, http()).is_ok());
    }
}

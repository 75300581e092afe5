//! Bearer tokens: verified signature, algorithm, expiry, issuer and audience.

use fengqiao_api::{
    auth::{Claims, Role, Scope},
    config::{DEV_AUDIENCE, DEV_ISSUER},
};
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::json;

use crate::harness::{data, error_code, TestApp};

const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";

fn claims(exp_offset: i64) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: "someone".into(),
        role: Role::Commander,
        scope: Scope::default(),
        iss: DEV_ISSUER.into(),
        aud: DEV_AUDIENCE.into(),
        exp: now + exp_offset,
        iat: now,
        nbf: now,
    }
}

fn sign(c: &Claims, secret: &[u8]) -> String {
    encode(&Header::default(), c, &EncodingKey::from_secret(secret)).unwrap_or_default()
}

#[tokio::test]
async fn good_tokens_pass_and_bad_ones_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let good = sign(&claims(300), SECRET);
    let body = app
        .gql(Some(&good), "{ viewer { role subject } }", json!({}))
        .await;
    assert_eq!(
        data(&body)["viewer"],
        json!({ "role": "COMMANDER", "subject": "someone" })
    );
    let body = app.gql(None, "{ viewer { role subject } }", json!({})).await;
    assert_eq!(
        data(&body)["viewer"],
        json!({ "role": "ANONYMOUS", "subject": null })
    );

    let mut wrong_iss = claims(300);
    wrong_iss.iss = "elsewhere".into();
    let mut wrong_aud = claims(300);
    wrong_aud.aud = "another-api".into();
    let mut not_yet = claims(3600);
    not_yet.nbf += 1800;
    let tampered = {
        let parts: Vec<&str> = good.split('.').collect();
        let mut c = claims(300);
        c.role = Role::Admin;
        let payload = base64_url(&serde_json::to_vec(&c).unwrap_or_default());
        format!("{}.{}.{}", parts[0], payload, parts[2])
    };
    let none_alg = format!(
        "{}.{}.",
        base64_url(br#"{"alg":"none","typ":"JWT"}"#),
        base64_url(&serde_json::to_vec(&claims(300)).unwrap_or_default())
    );
    for (name, token) in [
        ("expired", sign(&claims(-3600), SECRET)),
        ("wrong issuer", sign(&wrong_iss, SECRET)),
        ("wrong audience", sign(&wrong_aud, SECRET)),
        ("not yet valid", sign(&not_yet, SECRET)),
        (
            "wrong secret",
            sign(&claims(300), b"another-secret-another-secret-another"),
        ),
        ("tampered payload", tampered),
        ("alg none", none_alg),
        ("garbage", "abc.def".into()),
    ] {
        let (status, body) = app
            .gql_status(Some(&token), "{ viewer { role } }", json!({}))
            .await;
        assert_eq!(status, 401, "{name}: {body}");
        assert_eq!(error_code(&body).as_deref(), Some("UNAUTHENTICATED"), "{name}");
    }
}

fn base64_url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

//! How GraphQL answers go out over HTTP, per the GraphQL-over-HTTP spec.
//!
//! The client picks the media type with `Accept`: `application/graphql-response+json` when it
//! asks for it (it wins a tie with `application/json`), else `application/json` (also for
//! `*/*` and no `Accept` at all). The status follows the media type:
//!
//! | answer | `application/json` | `application/graphql-response+json` |
//! |---|---|---|
//! | executed (with `data`, even null) | 200 | 200 |
//! | request error: parse, validation, variables, operation limits (no `data`) | 200 | 400 |
//! | not a GraphQL request (bad JSON, no query) | 400 | 400 |
//! | refused before the document (token, client, rate, size, method) | 401 / 403 / 429 / 413 / 405 | same |

use async_graphql::Response as GqlResponse;
use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use crate::error::code;

/// The spec's own media type.
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// The media type of an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// `application/json`: request errors are 200.
    Json,
    /// `application/graphql-response+json`: request errors are 400 without `data`.
    GraphqlResponse,
}

impl Framing {
    /// The media type the client accepts best (none acceptable: `application/json`, which
    /// every GraphQL client reads).
    pub fn negotiate(headers: &HeaderMap) -> Framing {
        let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Framing::Json;
        };
        let mut best: Option<(u16, Framing)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .filter_map(|q| q.trim().parse::<f32>().ok())
                .next()
                .unwrap_or(1.0);
            let q = (q.clamp(0.0, 1.0) * 1000.0) as u16;
            let framing = match mime.as_str() {
                GRAPHQL_RESPONSE_JSON => Framing::GraphqlResponse,
                "application/json" | "application/*" | "*/*" => Framing::Json,
                _ => continue,
            };
            if q == 0 {
                continue;
            }
            let better = match best {
                None => true,
                Some((bq, bf)) => {
                    q > bq || (q == bq && framing == Framing::GraphqlResponse && bf == Framing::Json)
                }
            };
            if better {
                best = Some((q, framing));
            }
        }
        best.map_or(Framing::Json, |(_, f)| f)
    }

    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Framing::Json => "application/json",
            Framing::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
        })
    }

    /// The status of a request error (a document that did not run).
    pub fn request_error_status(self) -> StatusCode {
        match self {
            Framing::Json => StatusCode::OK,
            Framing::GraphqlResponse => StatusCode::BAD_REQUEST,
        }
    }
}

/// The one table from a stable error code to the HTTP status of an answer refused before
/// any GraphQL ran (errors inside an executed operation are always 200).
pub fn status_of(error_code: &str) -> StatusCode {
    match error_code {
        code::UNAUTHENTICATED => StatusCode::UNAUTHORIZED,
        code::FORBIDDEN => StatusCode::FORBIDDEN,
        code::NOT_FOUND => StatusCode::NOT_FOUND,
        code::CONFLICT => StatusCode::CONFLICT,
        code::RATE_LIMITED | code::QUOTA_EXCEEDED => StatusCode::TOO_MANY_REQUESTS,
        code::FILE_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
        code::UNSUPPORTED_FILE_TYPE => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        code::UNAVAILABLE => StatusCode::SERVICE_UNAVAILABLE,
        code::INTERNAL => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// A JSON body with `status`, framed as `framing`, tagged with the request id. (Serialized
/// as it is: going through `serde_json::Value` would sort every object's keys.)
pub fn body<T: serde::Serialize + ?Sized>(
    status: StatusCode,
    framing: Framing,
    body: &T,
    request_id: &str,
) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut res = (status, bytes).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, framing.content_type());
    if let Ok(v) = HeaderValue::from_str(request_id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// A response without its `data` entry.
#[derive(serde::Serialize)]
struct RequestError<'a> {
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

/// The answer to one executed operation. A response with neither data nor a field error
/// (every error without a path: the document did not run — a validation or variables
/// error) is a request error: it carries no `data` entry (the GraphQL spec), and under
/// `application/graphql-response+json` it is 400.
pub fn executed(resp: &GqlResponse, framing: Framing, request_id: &str) -> Response {
    if unavailable(std::slice::from_ref(resp)) {
        return body_unavailable(resp, framing, request_id);
    }
    let request_error = resp.data == async_graphql::Value::Null
        && !resp.errors.is_empty()
        && resp.errors.iter().all(|e| e.path.is_empty());
    if request_error {
        let body_ = RequestError {
            errors: &resp.errors,
            extensions: &resp.extensions,
        };
        return body(framing.request_error_status(), framing, &body_, request_id);
    }
    body(StatusCode::OK, framing, resp, request_id)
}

/// Whether an error of `responses` says the database did not answer: the whole answer is
/// then 503 with `Retry-After`, so a client and a load balancer see an outage, not a bug.
pub fn unavailable(responses: &[GqlResponse]) -> bool {
    responses.iter().any(|r| {
        r.errors.iter().any(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .is_some_and(|c| *c == async_graphql::Value::from(code::UNAVAILABLE))
        })
    })
}

/// `value` as a 503 with `Retry-After`.
pub fn body_unavailable<T: serde::Serialize + ?Sized>(
    value: &T,
    framing: Framing,
    request_id: &str,
) -> Response {
    let mut res = body(StatusCode::SERVICE_UNAVAILABLE, framing, value, request_id);
    res.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(crate::error::RETRY_AFTER_UNAVAILABLE_SECS),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framing(accept: Option<&str>) -> Framing {
        let mut h = HeaderMap::new();
        if let Some(a) = accept {
            h.insert(header::ACCEPT, HeaderValue::from_str(a).expect("header"));
        }
        Framing::negotiate(&h)
    }

    #[test]
    fn the_client_picks_the_media_type() {
        assert_eq!(framing(None), Framing::Json);
        assert_eq!(framing(Some("*/*")), Framing::Json);
        assert_eq!(framing(Some("application/json")), Framing::Json);
        assert_eq!(framing(Some(GRAPHQL_RESPONSE_JSON)), Framing::GraphqlResponse);
        assert_eq!(
            framing(Some("application/graphql-response+json, application/json;q=0.9")),
            Framing::GraphqlResponse
        );
        assert_eq!(
            framing(Some("application/graphql-response+json;q=0.5, application/json")),
            Framing::Json
        );
        assert_eq!(framing(Some("text/html")), Framing::Json);
    }
}

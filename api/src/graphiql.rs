//! Self-hosted GraphiQL playground: the page and its vendored assets are embedded in the binary, no CDN.

use axum::{
    extract::Path,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

/// The playground page (GraphQL over HTTP at `/graphql`, subscriptions at `/graphql/ws`).
const INDEX_HTML: &str = include_str!("../assets/graphiql/index.html");

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// A vendored file served under `/assets/graphiql/{name}`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

/// Every file served under `/assets/graphiql/`; see `api/assets/graphiql/README.md` for versions.
const ASSETS: &[Asset] = &[
    Asset {
        name: "graphiql.min.js",
        content_type: JS,
        body: include_bytes!("../assets/graphiql/graphiql.min.js"),
    },
    Asset {
        name: "graphiql.min.css",
        content_type: CSS,
        body: include_bytes!("../assets/graphiql/graphiql.min.css"),
    },
    Asset {
        name: "react.production.min.js",
        content_type: JS,
        body: include_bytes!("../assets/graphiql/react.production.min.js"),
    },
    Asset {
        name: "react-dom.production.min.js",
        content_type: JS,
        body: include_bytes!("../assets/graphiql/react-dom.production.min.js"),
    },
];

/// `GET /dev/tokens` (development only, loopback callers only): a fresh token for every
/// role of the demo district, for the playground's role picker.
pub async fn dev_tokens(
    axum::extract::State(app): axum::extract::State<std::sync::Arc<crate::app::AppState>>,
    axum::extract::ConnectInfo(addr): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
) -> Response {
    let proxied = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| headers.contains_key(*h));
    if app.config.mode != crate::config::Mode::Development || !addr.ip().is_loopback() || proxied {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let tokens =
        crate::demo::ready_tokens(&app.db, &app.keys, std::time::Duration::from_secs(12 * 3600)).await;
    let list: Vec<serde_json::Value> = tokens
        .into_iter()
        .map(|(role, token)| serde_json::json!({ "role": role.as_str(), "token": token }))
        .collect();
    (
        [
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        axum::Json(list),
    )
        .into_response()
}

/// Routes for the playground: `GET /` (the page) and `GET /assets/graphiql/{file}` (its assets).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/assets/graphiql/{file}", get(asset))
}

async fn index() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(HTML)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        INDEX_HTML,
    )
        .into_response()
}

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == file) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(a.content_type)),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=86400"),
                ),
                (
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ),
            ],
            a.body,
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            )],
            "not found",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{to_bytes, Body};
    use axum::http::Request;
    use tower::ServiceExt;

    async fn get(uri: &str) -> Response {
        let req = Request::get(uri).body(Body::empty());
        let req = match req {
            Ok(r) => r,
            Err(e) => panic!("bad request {uri}: {e}"),
        };
        match routes::<()>().oneshot(req).await {
            Ok(r) => r,
            Err(e) => match e {},
        }
    }

    fn header_of(res: &Response, name: header::HeaderName) -> Option<&str> {
        res.headers().get(name).and_then(|v| v.to_str().ok())
    }

    #[tokio::test]
    async fn index_is_html_loading_local_assets() {
        let res = get("/").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header_of(&res, header::CONTENT_TYPE), Some(HTML));
        assert_eq!(header_of(&res, header::CACHE_CONTROL), Some("no-cache"));
        assert_eq!(header_of(&res, header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"));
        let body = to_bytes(res.into_body(), usize::MAX).await;
        let body = match body {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => panic!("body: {e}"),
        };
        assert!(body.contains("/assets/graphiql/graphiql.min.js"));
        for a in ASSETS {
            assert!(
                body.contains(&format!("/assets/graphiql/{}", a.name)),
                "{} not referenced",
                a.name
            );
        }
        assert!(!body.contains("http://") && !body.contains("https://"));
    }

    #[tokio::test]
    async fn assets_have_content_type_and_cache() {
        for a in ASSETS {
            let res = get(&format!("/assets/graphiql/{}", a.name)).await;
            assert_eq!(res.status(), StatusCode::OK, "{}", a.name);
            assert_eq!(header_of(&res, header::CONTENT_TYPE), Some(a.content_type));
            assert_eq!(
                header_of(&res, header::CACHE_CONTROL),
                Some("public, max-age=86400")
            );
            assert_eq!(header_of(&res, header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"));
            let body = to_bytes(res.into_body(), usize::MAX).await;
            match body {
                Ok(b) => assert_eq!(b.len(), a.body.len(), "{}", a.name),
                Err(e) => panic!("body of {}: {e}", a.name),
            }
        }
        let ct = |name: &str| ASSETS.iter().find(|a| a.name == name).map(|a| a.content_type);
        assert_eq!(ct("graphiql.min.js"), Some(JS));
        assert_eq!(ct("graphiql.min.css"), Some(CSS));
    }

    #[tokio::test]
    async fn unknown_file_is_404() {
        for uri in [
            "/assets/graphiql/nope.js",
            "/assets/graphiql/index.html",
            "/assets/graphiql/LICENSE-react",
            "/assets/graphiql/..%2Fsrc%2Fgraphiql.rs",
            "/assets/graphiql/graphiql.min.js.map",
        ] {
            assert_eq!(get(uri).await.status(), StatusCode::NOT_FOUND, "{uri}");
        }
    }
}

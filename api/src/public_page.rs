//! The public report pages of 民情码: plain server-rendered HTML in Chinese for someone who
//! scanned a QR code on a lamp post, with a little JavaScript and no external assets.
//!
//! - `GET /r/{code}`: the code's label and place, and the report form.
//! - `POST /r/{code}`: `multipart/form-data` from that form (description, phone, photo,
//!   position); answers the tracking token once.
//! - `GET /t/{token}`: status and public timeline of the report.
//! - `GET /r/{code}/qr.svg`, `GET /r/{code}/qr.png`: the printable QR code of the page's
//!   absolute address (`FENGQIAO_PUBLIC_BASE_URL`).
//!
//! The form post is anonymous and creates no privileged effect, but it still must come from
//! this origin (`Origin`, when present, must match `Host` or the public base URL) and counts
//! against the anonymous rate limit. Every value put into a page is escaped; pages carry a
//! strict Content-Security-Policy (scripts and styles from this origin only).

use std::{net::SocketAddr, sync::Arc};

use axum::{
    extract::{multipart::MultipartRejection, ConnectInfo, DefaultBodyLimit, Multipart, Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use sea_orm::ActiveEnum;
use uuid::Uuid;

use crate::{
    app::AppState,
    auth::Actor,
    error::AppError,
    request::RequestInfo,
    service::audit::{self, Action, Entry},
    service::report_code::{self as svc, Photo, PublicCode, PublicSubmission, MAX_PHOTO_BYTES},
};

/// Largest form post: a 5 MB photo, the text fields, and room to tell an oversized photo
/// apart from an abusive body.
const MAX_FORM_BYTES: usize = 12 * 1024 * 1024;
/// Largest text field read from the form.
const MAX_TEXT_FIELD: usize = 64 * 1024;

const CSS: &str = include_str!("../assets/report/report.css");
const JS: &str = include_str!("../assets/report/report.js");
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                   form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The public pages' routes (merged into the main router).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/r/{code}",
            get(report_page)
                .post(submit)
                .layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        )
        .route("/r/{code}/qr.svg", get(qr_svg))
        .route("/r/{code}/qr.png", get(qr_png))
        .route("/t/{token}", get(track_page))
        .route("/assets/report/report.css", get(css))
        .route("/assets/report/report.js", get(js))
}

// ---------------------------------------------------------------------------------------
// Responses

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"same-origin\">\n<title>{}</title>\n\
         <link rel=\"stylesheet\" href=\"/assets/report/report.css\">\n</head>\n<body>\n<main>\n{}\n</main>\n\
         <script src=\"/assets/report/report.js\"></script>\n</body>\n</html>\n",
        esc(title),
        body
    );
    let mut res = (status, html).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Same-origin: the token in /t/{token} never leaves the site, and form posts keep their Origin.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}

fn message_page(status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        "<div class=\"card\">\n<h1>{}</h1>\n<p id=\"message\">{}</p>\n</div>",
        esc(title),
        esc(text)
    );
    page(status, title, &body)
}

fn not_found_code() -> Response {
    message_page(
        StatusCode::NOT_FOUND,
        "未找到该民情码",
        "该民情码不存在或已停用。请核对二维码，或拨打当地派出所电话反映情况。",
    )
}

fn internal_error(request_id: &str, what: &str, detail: &dyn std::fmt::Display) -> Response {
    tracing::error!(request_id = %request_id, error = %detail, "{what}");
    message_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "系统暂时无法受理",
        &format!("系统暂时无法受理，请稍后再试。如需帮助，请提供请求编号：{request_id}"),
    )
}

fn rate_limited(retry_after: u64) -> Response {
    let mut res = message_page(
        StatusCode::TOO_MANY_REQUESTS,
        "操作太频繁",
        &format!("操作太频繁，请 {retry_after} 秒后再试。"),
    );
    if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// Takes one token from the address bucket (and the anonymous one); the answer page when
/// one is empty.
async fn limit(app: &AppState, ip: std::net::IpAddr, anonymous: bool) -> Option<Response> {
    let sec = &app.config.security;
    let mut buckets = vec![(format!("ip:{ip}"), sec.rate_address_per_min)];
    if anonymous {
        buckets.push((format!("anon:{ip}"), sec.rate_anonymous_per_min));
    }
    for (key, per_min) in buckets {
        if let Err(retry_after) = app.rate.take(&key, per_min, 1).await {
            return Some(rate_limited(retry_after));
        }
    }
    None
}

fn static_asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn css() -> Response {
    static_asset("text/css; charset=utf-8", CSS)
}

async fn js() -> Response {
    static_asset("text/javascript; charset=utf-8", JS)
}

// ---------------------------------------------------------------------------------------
// The report form

/// What the reporter typed, to show the form again after a mistake.
#[derive(Default)]
struct FormValues {
    title: String,
    description: String,
    phone: String,
    latitude: String,
    longitude: String,
    /// The form's retry key: made when the form is first shown and kept when it is shown
    /// again, so a second press of "submit" (or a browser's resend) files the report once.
    key: String,
}

fn code_header(c: &PublicCode) -> String {
    let mut where_ = Vec::new();
    if let Some(p) = &c.place {
        where_.push(esc(p));
    }
    if let Some(g) = &c.grid_name {
        where_.push(esc(g));
    }
    let place = if where_.is_empty() {
        String::new()
    } else {
        format!("\n<p class=\"place\" id=\"place\">{}</p>", where_.join(" · "))
    };
    format!(
        "<header class=\"code\">\n<p class=\"brand\">民情码 · 随手拍 随手报</p>\n<h1 id=\"label\">{}</h1>{place}\n</header>",
        esc(&c.label)
    )
}

fn form_page(status: StatusCode, c: &PublicCode, v: &FormValues, error: Option<&str>) -> Response {
    let error_html = match error {
        Some(e) => format!(
            "<p class=\"error\" id=\"form-error\" role=\"alert\">{}</p>\n",
            esc(e)
        ),
        None => String::new(),
    };
    let body = format!(
        "{header}\n{error_html}<p class=\"error\" id=\"client-error\" role=\"alert\"></p>\n\
<form id=\"report-form\" method=\"post\" action=\"/r/{code}\" enctype=\"multipart/form-data\" accept-charset=\"utf-8\">\n\
<label for=\"description\">描述</label>\n\
<textarea id=\"description\" name=\"description\" required maxlength=\"4000\" rows=\"6\" \
placeholder=\"发生了什么？在哪里？例如：路灯杆倾斜，随时可能倒下。\">{description}</textarea>\n\
<label for=\"title\">标题 <span class=\"opt\">(可选)</span></label>\n\
<input type=\"text\" id=\"title\" name=\"title\" maxlength=\"200\" value=\"{title}\">\n\
<label for=\"phone\">电话 <span class=\"opt\">(可选，仅供工作人员回访，不会公开)</span></label>\n\
<input type=\"tel\" id=\"phone\" name=\"phone\" inputmode=\"tel\" autocomplete=\"tel\" maxlength=\"20\" value=\"{phone}\">\n\
<label for=\"photo\">照片 <span class=\"opt\">(可选，JPEG/PNG/WebP，不超过 5 MB)</span></label>\n\
<input type=\"file\" id=\"photo\" name=\"photo\" accept=\"image/*\" capture=\"environment\">\n\
<div class=\"loc\"><button type=\"button\" class=\"secondary\" id=\"locate\" hidden>添加我的位置 (可选)</button>\
<span id=\"loc-status\">{loc_status}</span></div>\n\
<input type=\"hidden\" id=\"latitude\" name=\"latitude\" value=\"{latitude}\">\n\
<input type=\"hidden\" id=\"longitude\" name=\"longitude\" value=\"{longitude}\">\n\
<input type=\"hidden\" id=\"key\" name=\"key\" value=\"{key}\">\n\
<button type=\"submit\" class=\"primary\" id=\"submit\">提交</button>\n\
</form>\n\
<p class=\"note\">无需注册。提交后您会得到一个查询码，请妥善保存，凭它查看处理进度。\
紧急情况请直接拨打 110。</p>",
        header = code_header(c),
        code = esc(&c.code),
        description = esc(&v.description),
        title = esc(&v.title),
        phone = esc(&v.phone),
        latitude = esc(&v.latitude),
        longitude = esc(&v.longitude),
        key = if v.key.is_empty() {
            Uuid::new_v4().to_string()
        } else {
            esc(&v.key)
        },
        loc_status = if v.latitude.is_empty() {
            ""
        } else {
            "已添加位置"
        },
    );
    page(status, &format!("民情码 · {}", c.label), &body)
}

async fn report_page(
    State(app): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
) -> Response {
    if let Some(r) = limit(&app, addr.ip(), false).await {
        return r;
    }
    match svc::public_by_code(&app.db, &code).await {
        Ok(c) => form_page(StatusCode::OK, &c, &FormValues::default(), None),
        Err(AppError::NotFound) => not_found_code(),
        Err(e) => internal_error(&Uuid::now_v7().to_string(), "report page", &e),
    }
}

/// The authority (`host[:port]`) of an absolute http(s) URL or origin.
fn authority(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some((scheme, &rest[..end]))
}

/// A form post must come from a page of this service: when the browser names its `Origin`,
/// it must be this host (or the configured public base URL); without one, a browser that
/// says the request is cross-site is refused too. An opaque `Origin: null` passes only when
/// the browser itself vouches that the request is same-origin (`Sec-Fetch-Site`).
fn same_origin(app: &AppState, headers: &HeaderMap) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let Some(origin) = headers.get(header::ORIGIN) else {
        return !matches!(fetch_site, Some("cross-site") | Some("same-site"));
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if origin.trim() == "null" {
        return fetch_site == Some("same-origin");
    }
    let Some((scheme, auth)) = authority(origin.trim()) else {
        return false;
    };
    if scheme != "http" && scheme != "https" {
        return false;
    }
    if let Some(base) = &app.config.public_base_url {
        if let Some((bs, ba)) = authority(base) {
            if bs.eq_ignore_ascii_case(scheme) && ba.eq_ignore_ascii_case(auth) {
                return true;
            }
        }
    }
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|host| host.trim().eq_ignore_ascii_case(auth))
        .unwrap_or(false)
}

/// The form as received.
#[derive(Default)]
struct Received {
    values: FormValues,
    photo: Option<Photo>,
    photo_too_big: bool,
    field_too_long: bool,
}

/// Why the form could not be read.
enum ReadError {
    /// The body is over [`MAX_FORM_BYTES`].
    TooLarge,
    /// Not a readable multipart body.
    Malformed,
}

impl From<axum::extract::multipart::MultipartError> for ReadError {
    fn from(e: axum::extract::multipart::MultipartError) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ReadError::TooLarge
        } else {
            ReadError::Malformed
        }
    }
}

async fn read_form(mut mp: Multipart) -> Result<Received, ReadError> {
    let mut r = Received::default();
    while let Some(mut field) = mp.next_field().await? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photo" && r.photo.is_none() && !r.photo_too_big {
            let content_type = field.content_type().map(str::to_owned);
            let mut buf = Vec::new();
            while let Some(chunk) = field.chunk().await? {
                if r.photo_too_big {
                    continue; // read to the end, so the answer reaches the browser
                }
                if buf.len() + chunk.len() > MAX_PHOTO_BYTES {
                    r.photo_too_big = true;
                    buf = Vec::new();
                    continue;
                }
                buf.extend_from_slice(&chunk);
            }
            if !buf.is_empty() {
                r.photo = Some(Photo {
                    bytes: buf,
                    content_type,
                });
            }
            continue;
        }
        let target = match name.as_str() {
            "title" => &mut r.values.title,
            "description" => &mut r.values.description,
            "phone" => &mut r.values.phone,
            "latitude" => &mut r.values.latitude,
            "longitude" => &mut r.values.longitude,
            "key" => &mut r.values.key,
            _ => {
                while field.chunk().await?.is_some() {}
                continue;
            }
        };
        let mut buf = Vec::new();
        while let Some(chunk) = field.chunk().await? {
            if buf.len() + chunk.len() > MAX_TEXT_FIELD {
                r.field_too_long = true;
                continue;
            }
            buf.extend_from_slice(&chunk);
        }
        *target = String::from_utf8(buf).map_err(|_| ReadError::Malformed)?;
    }
    Ok(r)
}

fn coordinate(s: &str) -> Result<Option<f64>, ()> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<f64>().map(Some).map_err(|_| ())
}

/// The Chinese message for a field the service refused.
fn field_message(field: &str) -> &'static str {
    match field {
        "input.description" => "请填写描述，不超过 4000 字。",
        "input.title" => "标题不能超过 200 字，也不能含有特殊控制字符。",
        "input.phone" => "电话号码格式不正确。请填写手机号或座机号，也可以不填。",
        "input.photo" => "照片须为 JPEG、PNG 或 WebP 格式的图片，且不超过 5 MB。",
        "input.latitude" | "input.longitude" => "位置信息无效。可以重新获取位置，也可以不填。",
        _ => "提交的内容有误，请检查后重试。",
    }
}

/// Takes the form post, then writes its audit record (like every GraphQL mutation): the
/// outcome and the new case's id, never the values.
async fn submit(
    State(app): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let rid = Uuid::now_v7().to_string();
    let (res, case_id) = take_report(&app, addr, &code, &headers, form, &rid).await;
    let (outcome, error_code) = match res.status() {
        StatusCode::OK => ("OK", None),
        StatusCode::TOO_MANY_REQUESTS => return res, // refused before anything, as in /graphql
        StatusCode::FORBIDDEN => ("REJECTED", Some(crate::error::code::FORBIDDEN)),
        StatusCode::NOT_FOUND => ("ERROR", Some(crate::error::code::NOT_FOUND)),
        StatusCode::INTERNAL_SERVER_ERROR => ("ERROR", Some(crate::error::code::INTERNAL)),
        _ => ("ERROR", Some(crate::error::code::BAD_USER_INPUT)),
    };
    let info = RequestInfo::new(rid.clone(), None, addr.ip());
    let entry = Entry {
        operation: "publicReportPage",
        action: Action::Mutation,
        object_type: case_id.map(|_| "Case"),
        object_id: case_id,
        field: None,
        reason: None,
        outcome,
        error_code,
    };
    if let Err(e) = audit::record(&app.db, &Actor::anonymous(), &info, entry).await {
        tracing::error!(error = %e, request_id = %rid, "could not write the audit record");
    }
    res
}

async fn take_report(
    app: &AppState,
    addr: SocketAddr,
    code: &str,
    headers: &HeaderMap,
    form: Result<Multipart, MultipartRejection>,
    rid: &str,
) -> (Response, Option<Uuid>) {
    if !same_origin(app, headers) {
        let r = message_page(StatusCode::FORBIDDEN, "无法提交", "请通过民情码页面提交报事。");
        return (r, None);
    }
    if let Some(r) = limit(app, addr.ip(), true).await {
        return (r, None);
    }
    let c = match svc::public_by_code(&app.db, code).await {
        Ok(c) => c,
        Err(AppError::NotFound) => return (not_found_code(), None),
        Err(e) => return (internal_error(rid, "report page", &e), None),
    };
    let refuse = |status, v: &FormValues, message: &str| (form_page(status, &c, v, Some(message)), None);
    let Ok(form) = form else {
        return refuse(
            StatusCode::BAD_REQUEST,
            &FormValues::default(),
            "无法读取提交的内容，请通过本页表单重新提交。",
        );
    };
    let received = match read_form(form).await {
        Ok(r) => r,
        Err(ReadError::TooLarge) => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                &FormValues::default(),
                "提交的内容过大：照片不能超过 5 MB。",
            )
        }
        Err(ReadError::Malformed) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                &FormValues::default(),
                "无法读取提交的内容，请重新提交。",
            )
        }
    };
    let v = received.values;
    if received.photo_too_big {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            &v,
            "照片不能超过 5 MB，请重新选择照片。",
        );
    }
    if received.field_too_long {
        return refuse(StatusCode::BAD_REQUEST, &v, "填写的内容过长，请精简后重新提交。");
    }
    let (Ok(latitude), Ok(longitude)) = (coordinate(&v.latitude), coordinate(&v.longitude)) else {
        return refuse(StatusCode::BAD_REQUEST, &v, field_message("input.latitude"));
    };
    let input = PublicSubmission {
        title: Some(v.title.clone()),
        description: v.description.clone(),
        phone: Some(v.phone.clone()),
        photo: received.photo,
        latitude,
        longitude,
        // A key that is not one the form made (too short, say) is ignored, not refused.
        idempotency_key: Some(v.key.trim().to_owned()).filter(|k| (22..=100).contains(&k.len())),
    };
    match svc::submit_public_report(&app.store, true, code, input).await {
        Ok(s) => (
            submitted_page(&c, &s.case.tracking_number, &s.token, s.location_from_photo),
            Some(s.case.id),
        ),
        Err(AppError::BadInput { field, .. }) => refuse(StatusCode::BAD_REQUEST, &v, field_message(&field)),
        // The page answers as a form does: 413 for a photo too large, 400 for anything else.
        Err(AppError::File { code, .. }) => {
            let status = if code == crate::error::code::FILE_TOO_LARGE {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            };
            refuse(status, &v, field_message("input.photo"))
        }
        Err(AppError::NotFound) => (not_found_code(), None),
        Err(e) => (internal_error(rid, "public report", &e), None),
    }
}

fn submitted_page(c: &PublicCode, tracking_number: &str, token: &str, location_from_photo: bool) -> Response {
    let place_note = if location_from_photo {
        "<p class=\"note\" id=\"location-from-photo\">您未提供位置，系统已采用照片中记录的拍摄位置作为报事位置；照片本身保存时已去除位置等信息。</p>\n"
    } else {
        ""
    };
    let body = format!(
        "{header}\n<div class=\"card\">\n<h1>已收到您的报事</h1>\n\
<p>受理编号：<strong id=\"tracking-number\">{number}</strong></p>\n\
<p>您的查询码（请截图或复制保存，凭它查看处理进度；查询码只显示这一次，丢失后无法找回）：</p>\n\
<p class=\"token\" id=\"token\">{token}</p>\n\
<p><button type=\"button\" class=\"secondary\" id=\"copy-token\" hidden>复制查询码</button> \
<span id=\"copy-status\" role=\"status\"></span></p>\n\
<p><a class=\"button\" id=\"track-link\" href=\"/t/{token}\">查看处理进度</a></p>\n\
</div>\n{place_note}<p class=\"note\">工作人员会尽快处理。如留有电话，可能会与您联系核实情况。</p>",
        header = code_header(c),
        number = esc(tracking_number),
        token = esc(token),
    );
    page(StatusCode::OK, "已收到您的报事", &body)
}

// ---------------------------------------------------------------------------------------
// Tracking

/// The Chinese name of a case status.
fn status_label(status: &str) -> &'static str {
    match status {
        "REPORTED" => "已上报，等待受理",
        "ASSESSED" => "已受理研判",
        "DISPATCHED" => "已派单",
        "IN_HANDLING" => "处置中",
        "MEDIATING" => "调解中",
        "RESOLVED" => "已办结",
        "UNRESOLVED" => "未能解决",
        "FED_BACK" => "已反馈结果",
        "FOLLOWED_UP" => "已回访",
        "CLOSED" => "已结案",
        _ => "处理中",
    }
}

/// The Chinese name of a timeline step.
fn step_label(kind: &str) -> &'static str {
    match kind {
        "REPORTED" => "提交报事",
        "ASSESSED" => "受理研判",
        "DISPATCHED" => "派单处置",
        "ACCEPTED" => "承办单位接单",
        "REJECTED" => "承办单位退回",
        "TRANSFERRED" => "转交办理",
        "HANDLING" => "开始处置",
        "NOTE" => "工作记录",
        "MEDIATION_REFERRED" => "转入调解",
        "MEDIATION_SESSION" => "调解",
        "MEDIATION_ESCALATED" => "调解升级",
        "VOLUNTEERS_ASSIGNED" => "义警协助",
        "RESOLVED" => "办结",
        "UNRESOLVED" => "未能解决",
        "FED_BACK" => "反馈结果",
        "FOLLOWED_UP" => "回访",
        "CLOSED" => "结案",
        "REOPENED" => "重新处置",
        _ => "处理进展",
    }
}

/// Beijing time, to the minute.
fn beijing(t: chrono::DateTime<chrono::Utc>) -> String {
    (t + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

async fn track_page(
    State(app): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
) -> Response {
    if let Some(r) = limit(&app, addr.ip(), true).await {
        return r;
    }
    let report = match svc::track(&app.db, &token).await {
        Ok(r) => r,
        Err(AppError::NotFound) => {
            return message_page(
                StatusCode::NOT_FOUND,
                "未找到报事",
                "没有找到与该查询码对应的报事，请核对查询码是否完整。",
            )
        }
        Err(e) => return internal_error(&Uuid::now_v7().to_string(), "track page", &e),
    };
    let status = report.status.to_value();
    let photos: String = report
        .files
        .iter()
        .filter(|a| a.thumbnail_key.is_some())
        .map(|a| {
            format!(
                "<img class=\"photo\" alt=\"报事照片\" src=\"{}\">\n",
                esc(&app.store.files.signed_path(a.id, true, "tracking"))
            )
        })
        .collect();
    let mut steps = String::new();
    for s in &report.timeline {
        let after = s
            .status
            .map(|st| format!(" → {}", status_label(&st.to_value())))
            .unwrap_or_default();
        steps.push_str(&format!(
            "<li data-kind=\"{kind}\"><time>{at}</time>{label}{after}</li>\n",
            kind = esc(&s.kind.to_value()),
            at = esc(&beijing(s.at)),
            label = esc(step_label(&s.kind.to_value())),
            after = esc(&after),
        ));
    }
    let body = format!(
        "<header class=\"code\">\n<p class=\"brand\">民情码 · 报事进度</p>\n<h1>报事进度</h1>\n</header>\n\
<div class=\"card\">\n<p>受理编号：<strong id=\"tracking-number\">{number}</strong></p>\n\
<p>当前状态：</p>\n<p class=\"status\" id=\"status\" data-status=\"{status_code}\">{status}</p>\n\
<p class=\"note\">上报时间：{created}　最近更新：{updated}（北京时间）</p>\n</div>\n\
<div class=\"card\">\n<h2>处理经过</h2>\n<ol class=\"timeline\" id=\"timeline\">\n{steps}</ol>\n</div>{photos}",
        photos = if photos.is_empty() {
            String::new()
        } else {
            format!("\n<div class=\"card\" id=\"photos\">\n<h2>报事照片</h2>\n{photos}</div>")
        },
        number = esc(&report.tracking_number),
        status_code = esc(&status),
        status = esc(status_label(&status)),
        created = esc(&beijing(report.created_at)),
        updated = esc(&beijing(report.updated_at)),
    );
    page(StatusCode::OK, "报事进度", &body)
}

// ---------------------------------------------------------------------------------------
// QR codes

/// Renders a QR code into (content type, bytes).
type Renderer = fn(&qrcode::QrCode) -> Result<(&'static str, Vec<u8>), String>;

/// The QR code of an active code's page address, rendered by `render`.
async fn qr(app: &AppState, addr: SocketAddr, code: &str, render: Renderer) -> Response {
    if let Some(r) = limit(app, addr.ip(), false).await {
        return r;
    }
    let c = match svc::public_by_code(&app.db, code).await {
        Ok(c) => c,
        Err(AppError::NotFound) => return not_found_code(),
        Err(e) => return internal_error(&Uuid::now_v7().to_string(), "qr code", &e),
    };
    let url = format!("{}/r/{}", app.config.public_base(), c.code);
    let rendered = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| e.to_string())
        .and_then(|q| render(&q));
    match rendered {
        Ok((content_type, bytes)) => image(content_type, bytes),
        Err(e) => internal_error(&Uuid::now_v7().to_string(), "qr code", &e),
    }
}

fn image(content_type: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn qr_svg(
    State(app): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
) -> Response {
    qr(&app, addr, &code, |q| {
        let svg = q
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(320, 320)
            .quiet_zone(true)
            .build();
        Ok(("image/svg+xml", svg.into_bytes()))
    })
    .await
}

/// Pixels per QR module in the PNG, and the quiet zone in modules.
const PNG_SCALE: usize = 10;
const QUIET_ZONE: usize = 4;

/// An 8-bit greyscale PNG of `q`, with its quiet zone.
pub fn qr_png_bytes(q: &qrcode::QrCode) -> Result<Vec<u8>, png::EncodingError> {
    let modules = q.width();
    let colors = q.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * PNG_SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c != qrcode::Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET_ZONE, i / modules + QUIET_ZONE);
        for y in my * PNG_SCALE..(my + 1) * PNG_SCALE {
            let row = y * side;
            pixels[row + mx * PNG_SCALE..row + (mx + 1) * PNG_SCALE].fill(0);
        }
    }
    let side32 = u32::try_from(side).unwrap_or(u32::MAX);
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side32, side32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header()?;
        w.write_image_data(&pixels)?;
        w.finish()?;
    }
    Ok(out)
}

async fn qr_png(
    State(app): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
) -> Response {
    qr(&app, addr, &code, |q| {
        qr_png_bytes(q)
            .map(|b| ("image/png", b))
            .map_err(|e| e.to_string())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>alert("x") & 'y'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
        );
        assert_eq!(esc("路灯"), "路灯");
    }

    #[test]
    fn authorities_are_read_from_origins_and_urls() {
        assert_eq!(
            authority("http://127.0.0.1:8080"),
            Some(("http", "127.0.0.1:8080"))
        );
        assert_eq!(
            authority("https://fq.example.gov.cn/base?x"),
            Some(("https", "fq.example.gov.cn"))
        );
        assert_eq!(authority("null"), None);
    }

    #[test]
    fn qr_png_is_a_png_with_a_quiet_zone() {
        let q = qrcode::QrCode::new(b"http://127.0.0.1:8080/r/abc").expect("qr");
        let png = qr_png_bytes(&q).expect("png");
        assert!(png.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]));
        let d = png::Decoder::new(std::io::Cursor::new(png));
        let r = d.read_info().expect("decode");
        assert_eq!(r.info().width as usize, (q.width() + 2 * QUIET_ZONE) * PNG_SCALE);
    }
}

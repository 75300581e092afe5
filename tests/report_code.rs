//! Story 8 through the real router: a 民情码 on a lamp post, a report with a photo from
//! someone without an account, a tracking token, and the report seen through to RESOLVED.

use std::path::{Path, PathBuf};

use entity::{
    case, case_attachment,
    enums::{CaseKind, CaseSource, ReporterRole},
};
use fengqiao_api::auth::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{
    fixtures::{persona, world, World},
    harness::{data, error_code, error_field, TestApp},
};

/// The reporter's phone: it must never appear in anything public.
const PHONE: &str = "13912345678";

pub fn sha256_hex(b: &[u8]) -> String {
    Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

/// A small real PNG (8×8 RGB gradient).
pub fn small_png() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, 8, 8);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().expect("png header");
        let pixels: Vec<u8> = (0..8 * 8 * 3).map(|i| (i * 5 % 256) as u8).collect();
        w.write_image_data(&pixels).expect("png data");
    }
    out
}

/// An app whose photos go to a fresh directory of its own.
pub async fn spawn() -> (TestApp, PathBuf) {
    let dir = std::env::temp_dir().join(format!("fengqiao-photos-{}", uuid::Uuid::new_v4().simple()));
    let d = dir.clone();
    let app =
        TestApp::spawn_with(move |c| c.files.storage = fengqiao_api::storage::StorageConfig::Local(d)).await;
    (app, dir)
}

fn token_of(app: &TestApp, role: Role, w: &World) -> String {
    let (sub, scope) = persona(role, &w.a);
    app.token(role, &sub, scope)
}

/// Creates a code as the side-A admin; returns (id, code).
async fn create_code(app: &TestApp, w: &World, label: &str) -> (String, String) {
    let admin = token_of(app, Role::Admin, w);
    let body = app
        .gql(
            Some(&admin),
            "mutation($i: CreateReportCodeInput!) { createReportCode(input: $i) {
               reportCode { id code label place active pagePath grid { id name } } } }",
            json!({ "i": { "label": label, "place": "武林路与体育场路口东北角",
                           "gridId": w.a.community.to_string() } }),
        )
        .await;
    let rc = &data(&body)["createReportCode"]["reportCode"];
    assert_eq!(rc["active"], true);
    assert_eq!(rc["label"], label);
    assert_eq!(rc["grid"]["id"], w.a.community.to_string());
    let code = rc["code"].as_str().expect("code").to_owned();
    assert_eq!(code.len(), 10, "a short random code: {code}");
    assert_eq!(rc["pagePath"], format!("/r/{code}"));
    (rc["id"].as_str().expect("id").to_owned(), code)
}

/// A `multipart/form-data` body: text fields and an optional file `photo`.
pub fn multipart(fields: &[(&str, &str)], photo: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = format!("----fengqiao{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    if let Some((file_name, content_type, bytes)) = photo {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{file_name}\"\r\n\
                 Content-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// POSTs the form as a browser on this origin would; returns status, content type and page.
async fn post_form(
    app: &TestApp,
    code: &str,
    form: (String, Vec<u8>),
    origin: Option<&str>,
) -> (u16, String, String) {
    let mut req = app
        .client
        .post(format!("{}/r/{code}", app.base))
        .header("content-type", form.0)
        .body(form.1);
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    let res = req.send().await.expect("form post");
    let status = res.status().as_u16();
    let ct = header(&res, "content-type");
    (status, ct, res.text().await.expect("page"))
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn get(app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let res = app
        .client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .expect("get");
    let status = res.status().as_u16();
    let ct = header(&res, "content-type");
    (status, ct, res.bytes().await.expect("body").to_vec())
}

/// The text of the element with `id` (which holds no markup).
pub fn element_text(html: &str, id: &str) -> Option<String> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let open = html[start..].find('>')? + start + 1;
    let close = html[open..].find('<')? + open;
    Some(html[open..close].trim().to_owned())
}

const TRACK: &str = "query($t: String!) { trackReport(token: $t) {
    trackingNumber status createdAt updatedAt timeline { kind status createdAt } } }";

async fn step(app: &TestApp, token: &str, mutation: &str, input_type: &str, input: Value) -> Value {
    let q = format!(
        "mutation($i: {input_type}!) {{ r: {mutation}(input: $i) {{ case {{ id version status }} }} }}"
    );
    let body = app.gql(Some(token), &q, json!({ "i": input })).await;
    data(&body)["r"]["case"].clone()
}

async fn counts(app: &TestApp) -> [i64; 4] {
    [
        app.count("cases").await,
        app.count("case_attachments").await,
        app.count("case_timeline_entries").await,
        app.count("tracking_counters").await,
    ]
}

fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[tokio::test]
async fn a_lamp_post_code_takes_a_photo_report_and_shows_it_resolved() {
    let (app, dir) = spawn().await;
    let w = world(&app.db).await;
    let (code_id, code) = create_code(&app, &w, "武林路12号路灯").await;

    // Anyone who scans the code gets the page, with the label, in Chinese.
    let res = app
        .client
        .get(format!("{}/r/{code}", app.base))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status().as_u16(), 200);
    assert!(header(&res, "content-type").starts_with("text/html"));
    assert!(header(&res, "content-security-policy").contains("script-src 'self'"));
    let html = res.text().await.expect("html");
    assert!(
        html.contains("武林路12号路灯") && html.contains("描述") && html.contains("照片"),
        "{html}"
    );
    assert!(html.contains("enctype=\"multipart/form-data\"") && html.contains("capture"));
    assert!(html.contains("社区A"), "the grid's name is public: {html}");

    // The report, with a photo and a position, from this origin.
    let photo = small_png();
    let form = multipart(
        &[
            ("description", "路灯杆倾斜，随时可能倒下，请尽快处理。"),
            ("phone", PHONE),
            ("latitude", "30.274"),
            ("longitude", "120.155"),
        ],
        Some(("IMG_0001.png", "image/png", &photo)),
    );
    let (status, ct, page) = post_form(&app, &code, form, Some(&app.base)).await;
    assert_eq!(status, 200, "{page}");
    assert!(ct.starts_with("text/html"));
    let token = element_text(&page, "token").expect("the page shows the token");
    let number = element_text(&page, "tracking-number").expect("tracking number");
    assert!(token.len() >= 43, "at least 256 bits in base64url: {token}");
    assert!(page.contains(&format!("href=\"/t/{token}\"")));

    // The case: from the code, anonymous, with the code's grid, and only the token's hash.
    let c = case::Entity::find()
        .filter(case::Column::TrackingNumber.eq(number.as_str()))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the case");
    assert_eq!(c.source, CaseSource::ReportCode);
    assert_eq!(c.reporter_role, ReporterRole::Anonymous);
    assert_eq!(c.reporter_subject, None);
    assert_eq!(c.kind, CaseKind::SafetyHazard);
    assert_eq!(c.grid_id, Some(w.a.community));
    assert_eq!(c.report_code_id.map(|u| u.to_string()), Some(code_id.clone()));
    assert_eq!(c.reporter_phone.as_deref(), Some(PHONE));
    assert_eq!(c.latitude, Some(30.274));
    assert_eq!(
        c.tracking_token_hash.as_deref(),
        Some(sha256_hex(token.as_bytes()).as_str())
    );
    assert!(!c.title.is_empty());
    let atts = case_attachment::Entity::find()
        .filter(case_attachment::Column::CaseId.eq(c.id))
        .all(&app.db)
        .await
        .expect("attachments");
    assert_eq!(atts.len(), 1);
    let sha = sha256_hex(&photo);
    assert_eq!(atts[0].sha256, sha);
    assert_eq!(atts[0].size_bytes, photo.len() as i64);
    assert_eq!(atts[0].content_type, "image/png");
    assert_eq!(std::fs::read(dir.join(&sha)).expect("photo on disk"), photo);
    // The page's submission is audited like a mutation: outcome and case, no values.
    let audit = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Operation.eq("publicReportPage"))
        .all(&app.db)
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (
            audit[0].outcome.as_str(),
            audit[0].object_id,
            audit[0].actor_role.as_str()
        ),
        ("OK", Some(c.id), "anonymous")
    );

    // The reporter tracks it without an account: status and public steps, nothing personal.
    let body = app.gql(None, TRACK, json!({ "t": token })).await;
    let r = &data(&body)["trackReport"];
    assert_eq!(r["status"], "REPORTED");
    assert_eq!(r["trackingNumber"], number.as_str());
    assert_eq!(r["timeline"][0]["kind"], "REPORTED");
    let text = body.to_string();
    assert!(!text.contains(PHONE) && !text.contains("路灯杆倾斜"), "{text}");
    // The reporter sees their photo through signed URLs, and nothing else of it.
    let files = app
        .gql(
            None,
            "query($t: String!) { trackReport(token: $t) { files { contentType sizeBytes url thumbnailUrl } } }",
            json!({ "t": token }),
        )
        .await;
    let f = &data(&files)["trackReport"]["files"][0];
    assert_eq!(f["contentType"], "image/png");
    for key in ["url", "thumbnailUrl"] {
        let path = f[key].as_str().expect("signed path");
        let res = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .expect("signed download");
        assert_eq!(res.status().as_u16(), 200, "{key}");
        let bytes = res.bytes().await.expect("bytes");
        if key == "url" {
            assert_eq!(
                bytes.as_ref(),
                photo.as_slice(),
                "the reporter gets their photo back"
            );
        }
    }

    // Staff see the case with its source and photo.
    let commander = token_of(&app, Role::Commander, &w);
    let body = app
        .gql(
            Some(&commander),
            "query($n: String!) { caseByTrackingNumber(trackingNumber: $n) {
               id version source reporterRole attachments { sha256 contentType } } }",
            json!({ "n": number }),
        )
        .await;
    let cs = data(&body)["caseByTrackingNumber"].clone();
    assert_eq!(cs["source"], "REPORT_CODE");
    assert_eq!(cs["reporterRole"], "ANONYMOUS");
    assert_eq!(cs["attachments"][0]["sha256"], sha.as_str());

    // The commander handles it through the workflow API.
    let s =
        |c: &Value, note: Option<&str>| json!({ "caseId": c["id"], "version": c["version"], "note": note });
    let cs = step(
        &app,
        &commander,
        "assessCase",
        "AssessCaseInput",
        json!({ "step": s(&cs, Some("现场核实")), "kind": "SAFETY_HAZARD", "severity": "ORDINARY", "riskColour": "YELLOW" }),
    )
    .await;
    assert_eq!(cs["status"], "ASSESSED");
    let cs = step(&app, &commander, "startHandling", "CaseStepInput", s(&cs, None)).await;
    assert_eq!(cs["status"], "IN_HANDLING");
    let note = format!("已加固路灯杆，已电话{PHONE}告知报事人");
    let cs = step(
        &app,
        &commander,
        "resolveCase",
        "CaseStepInput",
        s(&cs, Some(&note)),
    )
    .await;
    assert_eq!(cs["status"], "RESOLVED");

    let body = app.gql(None, TRACK, json!({ "t": token })).await;
    let r = &data(&body)["trackReport"];
    assert_eq!(r["status"], "RESOLVED");
    let kinds: Vec<&str> = r["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["REPORTED", "ASSESSED", "HANDLING", "RESOLVED"]);
    assert_eq!(r["timeline"][3]["status"], "RESOLVED");
    let text = body.to_string();
    for secret in [PHONE, "已加固", "现场核实", "commander", "路灯杆倾斜"] {
        assert!(!text.contains(secret), "{secret:?} leaked into {text}");
    }

    // The tracking page says the same, in Chinese.
    let (status, ct, page) = get(&app, &format!("/t/{token}")).await;
    let page = String::from_utf8(page).expect("utf-8");
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/html"));
    assert!(
        page.contains("data-status=\"RESOLVED\"") && page.contains("已办结"),
        "{page}"
    );
    assert!(page.contains(&number));
    for secret in [PHONE, "已加固", "现场核实", "commander", "路灯杆倾斜"] {
        assert!(!page.contains(secret), "{secret:?} leaked into the tracking page");
    }

    // Any other token finds nothing.
    for t in [
        "x",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "../../etc/passwd",
        &token[..20],
    ] {
        let body = app.gql(None, TRACK, json!({ "t": t })).await;
        assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"), "{t}: {body}");
    }
    let (status, _, page) = get(&app, "/t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&page).contains("未找到"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A refused form post: what it is, the form, its `Origin`, the status and the message.
type Refused<'a> = (&'a str, (String, Vec<u8>), Option<String>, u16, &'a str);

#[tokio::test]
async fn a_refused_submission_writes_nothing() {
    let (app, dir) = spawn().await;
    let w = world(&app.db).await;
    let (_, code) = create_code(&app, &w, "体育场路公交站").await;
    let before = counts(&app).await;
    let png = small_png();
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    exe.extend(std::iter::repeat_n(0u8, 4096));
    let mut big = png.clone();
    big.resize(6 * 1024 * 1024, 0);

    let cases: Vec<Refused> = vec![
        (
            "empty description",
            multipart(&[("description", "   "), ("phone", PHONE)], None),
            Some(app.base.clone()),
            400,
            "请填写描述",
        ),
        (
            "a 6 MB photo",
            multipart(&[("description", "有隐患")], Some(("big.png", "image/png", &big))),
            Some(app.base.clone()),
            413,
            "照片不能超过 5 MB",
        ),
        (
            "an .exe renamed .png",
            multipart(
                &[("description", "有隐患")],
                Some(("photo.png", "image/png", &exe)),
            ),
            Some(app.base.clone()),
            400,
            "JPEG、PNG 或 WebP",
        ),
        (
            "a bad phone number",
            multipart(&[("description", "有隐患"), ("phone", "9999")], None),
            Some(app.base.clone()),
            400,
            "电话号码格式不正确",
        ),
        (
            "a bad position",
            multipart(
                &[
                    ("description", "有隐患"),
                    ("latitude", "91"),
                    ("longitude", "120"),
                ],
                None,
            ),
            Some(app.base.clone()),
            400,
            "位置信息无效",
        ),
        (
            "a post from another site",
            multipart(&[("description", "有隐患")], Some(("p.png", "image/png", &png))),
            Some("https://evil.example".to_owned()),
            403,
            "请通过民情码页面提交",
        ),
        (
            "a post from an opaque origin",
            multipart(&[("description", "有隐患")], None),
            Some("null".to_owned()),
            403,
            "请通过民情码页面提交",
        ),
    ];
    for (name, form, origin, status, message) in cases {
        let (got, ct, page) = post_form(&app, &code, form, origin.as_deref()).await;
        assert_eq!(got, status, "{name}: {page}");
        assert!(ct.starts_with("text/html"), "{name}: {ct}");
        assert!(page.contains(message), "{name}: expected {message:?} in {page}");
        assert!(
            !page.contains("input.") && !page.contains("error:"),
            "{name}: internals in {page}"
        );
        assert_eq!(counts(&app).await, before, "{name} left something behind");
        assert_eq!(files_in(&dir), 0, "{name} left a file behind");
    }
    let rejected = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Operation.eq("publicReportPage"))
        .filter(entity::audit_event::Column::Outcome.eq("REJECTED"))
        .all(&app.db)
        .await
        .expect("audit");
    assert_eq!(rejected.len(), 2, "both cross-origin posts are on record");
    // What was typed comes back, escaped, so nothing is lost and nothing is injected.
    let (status, _, page) = post_form(
        &app,
        &code,
        multipart(
            &[("description", "<script>alert(1)</script>"), ("phone", "9999")],
            None,
        ),
        Some(&app.base),
    )
    .await;
    assert_eq!(status, 400);
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !page.contains("<script>alert"));
    // A form post that is not multipart is refused in Chinese as well.
    let res = app
        .client
        .post(format!("{}/r/{code}", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("description=x")
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 400);
    assert!(res.text().await.expect("page").contains("无法读取提交的内容"));
    assert_eq!(counts(&app).await, before);

    // The same rules hold through GraphQL.
    let body = app
        .gql(
            None,
            "mutation($i: SubmitPublicReportInput!) { submitPublicReport(input: $i) { trackingToken } }",
            json!({ "i": { "code": code, "description": "" } }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"));
    assert_eq!(error_field(&body).as_deref(), Some("input.description"));
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn qr_codes_print_and_switched_off_codes_are_gone() {
    let (app, _dir) = spawn().await;
    let w = world(&app.db).await;
    let (id, code) = create_code(&app, &w, "梅花碑社区东门").await;

    let (status, ct, svg) = get(&app, &format!("/r/{code}/qr.svg")).await;
    assert_eq!((status, ct.as_str()), (200, "image/svg+xml"));
    let svg = String::from_utf8(svg).expect("svg text");
    assert!(svg.contains("<svg") && svg.contains("<path"), "{svg}");

    let (status, ct, png_bytes) = get(&app, &format!("/r/{code}/qr.png")).await;
    assert_eq!((status, ct.as_str()), (200, "image/png"));
    assert!(png_bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]));
    let info = png::Decoder::new(std::io::Cursor::new(png_bytes))
        .read_info()
        .expect("a PNG")
        .info()
        .clone();
    assert_eq!(info.width, info.height);
    assert!(info.width >= 250, "printable: {}", info.width);

    // Unknown codes: 404 pages, in Chinese.
    for path in [
        "/r/nosuchcode",
        "/r/nosuchcode/qr.svg",
        "/r/nosuchcode/qr.png",
        "/r/%3Cscript%3E",
    ] {
        let (status, _, body) = get(&app, path).await;
        assert_eq!(status, 404, "{path}");
        if !path.ends_with(".png") && !path.ends_with(".svg") {
            assert!(
                String::from_utf8_lossy(&body).contains("民情码不存在或已停用"),
                "{path}"
            );
        }
    }

    // A switched-off code: no page, no QR, no reports, no public lookup.
    let admin = token_of(&app, Role::Admin, &w);
    let body = app
        .gql(
            Some(&admin),
            "mutation($i: SetReportCodeActiveInput!) { setReportCodeActive(input: $i) { reportCode { active } } }",
            json!({ "i": { "id": id, "active": false } }),
        )
        .await;
    assert_eq!(data(&body)["setReportCodeActive"]["reportCode"]["active"], false);
    for path in [
        format!("/r/{code}"),
        format!("/r/{code}/qr.svg"),
        format!("/r/{code}/qr.png"),
    ] {
        assert_eq!(get(&app, &path).await.0, 404, "{path}");
    }
    let before = counts(&app).await;
    let (status, _, page) = post_form(
        &app,
        &code,
        multipart(&[("description", "有隐患")], None),
        Some(&app.base),
    )
    .await;
    assert_eq!(status, 404, "{page}");
    assert_eq!(counts(&app).await, before);
    let body = app
        .gql(
            None,
            "query($c: String!) { publicReportCode(code: $c) { label } }",
            json!({ "c": code }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"));
}

#[tokio::test]
async fn codes_through_graphql_for_staff_and_for_mini_programs() {
    let (app, _dir) = spawn().await;
    let w = world(&app.db).await;
    let (id, code) = create_code(&app, &w, "武林广场").await;

    // Who may create codes.
    let create = "mutation($i: CreateReportCodeInput!) { createReportCode(input: $i) { reportCode { id } } }";
    let citizen = token_of(&app, Role::Citizen, &w);
    let body = app
        .gql(Some(&citizen), create, json!({ "i": { "label": "x" } }))
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"));
    let body = app.gql(None, create, json!({ "i": { "label": "x" } })).await;
    assert_eq!(error_code(&body).as_deref(), Some("UNAUTHENTICATED"));
    let commander = token_of(&app, Role::Commander, &w);
    let body = app
        .gql(
            Some(&commander),
            create,
            json!({ "i": { "label": "x", "gridId": uuid::Uuid::now_v7().to_string() } }),
        )
        .await;
    assert_eq!(error_field(&body).as_deref(), Some("input.gridId"));
    let body = app
        .gql(
            Some(&commander),
            create,
            json!({ "i": { "label": "企业门口", "enterpriseId": w.a.enterprise.to_string(),
                           "roomId": w.a.room.to_string() } }),
        )
        .await;
    assert!(data(&body)["createReportCode"]["reportCode"]["id"].is_string());

    // Staff list and look codes up; anonymous callers see none.
    let list =
        "query { reportCodes(first: 10, filter: { active: true }) { totalCount nodes { code label } } }";
    let grid_worker = token_of(&app, Role::GridWorker, &w);
    let body = app.gql(Some(&grid_worker), list, json!({})).await;
    assert_eq!(data(&body)["reportCodes"]["totalCount"], 2);
    let body = app.gql(None, list, json!({})).await;
    assert!(body["data"].is_null(), "{body}");
    assert_eq!(error_code(&body).as_deref(), Some("UNAUTHENTICATED"), "{body}");
    let by_code = "query($c: String!) { reportCodeByCode(code: $c) { id label } }";
    let body = app.gql(Some(&grid_worker), by_code, json!({ "c": code })).await;
    assert_eq!(data(&body)["reportCodeByCode"]["id"], id.as_str());
    let body = app.gql(None, by_code, json!({ "c": code })).await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"));
    let body = app
        .gql(
            None,
            "query($i: ID!) { reportCode(id: $i) { id } }",
            json!({ "i": id }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"));

    // A mini-program reads the code's public face and submits through it without an account.
    let body = app
        .gql(
            None,
            "query($c: String!) { publicReportCode(code: $c) { code label place gridName } }",
            json!({ "c": code }),
        )
        .await;
    let p = &data(&body)["publicReportCode"];
    assert_eq!(p["label"], "武林广场");
    assert_eq!(p["gridName"], "社区A");
    let body = app
        .gql(
            None,
            "mutation($i: SubmitPublicReportInput!) { submitPublicReport(input: $i) {
               trackingNumber status trackingToken } }",
            json!({ "i": { "code": code, "description": "广场东侧井盖缺失", "phone": PHONE,
                           "latitude": 30.27, "longitude": 120.16 } }),
        )
        .await;
    let s = data(&body)["submitPublicReport"].clone();
    assert_eq!(s["status"], "REPORTED");
    let token = s["trackingToken"].as_str().expect("token").to_owned();
    let body = app.gql(None, TRACK, json!({ "t": token })).await;
    assert_eq!(data(&body)["trackReport"]["trackingNumber"], s["trackingNumber"]);
    assert!(!body.to_string().contains(PHONE));
    let body = app
        .gql(
            None,
            "mutation($i: SubmitPublicReportInput!) { submitPublicReport(input: $i) { trackingToken } }",
            json!({ "i": { "code": "nosuchcode", "description": "x" } }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"));
}

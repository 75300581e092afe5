//! Evidence files, end to end over real HTTP, once on the local folder and once on
//! S3-compatible storage (moto's S3 server, started by the test on 127.0.0.1): a photo with GPS
//! EXIF through the GraphQL multipart request spec and through the two-step `POST /uploads`,
//! downloads in and out of scope, byte ranges, signed URLs and thumbnails, `attachToCase`
//! with its retry key, and refusals (disguised type, over the cap, over the quota) that leave
//! no row and no stored object behind; then the orphan sweep.
//!
//! The S3 half needs moto's `moto_server` (`pip install -r tools/moto/requirements.txt` into
//! `tools/moto/.venv`, as `.ci/run` does, or `FENGQIAO_MOTO_SERVER=<path>`). Without it the S3
//! half is skipped, except under `CI`, where it fails.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use entity::{case, case_attachment, upload};
use fengqiao_api::{
    auth::Role,
    config::Config,
    storage::{S3Config, StorageConfig},
};
use reqwest::multipart::{Form, Part};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

use crate::{
    fixtures::{persona, world, World},
    harness::{error_code, TestApp},
    report_code::sha256_hex,
};

/// A camera make written into the test photo's EXIF: it must not survive storage.
const MAKE: &str = "FengqiaoTestCam";

/// Where the photo was taken: 30°16'27" N, 120°9'18" E.
const LAT: f64 = 30.0 + 16.0 / 60.0 + 27.0 / 3600.0;
const LNG: f64 = 120.0 + 9.0 / 60.0 + 18.0 / 3600.0;

// ---------------------------------------------------------------------------------------
// Fixtures: real images with real metadata

/// A big-endian TIFF (EXIF) block with a camera make and a GPS position.
fn exif_tiff(make: &str, lat: (u32, u32, u32), lng: (u32, u32, u32)) -> Vec<u8> {
    let mut make_bytes = make.as_bytes().to_vec();
    make_bytes.push(0);
    if make_bytes.len() % 2 == 1 {
        make_bytes.push(0);
    }
    let ifd0 = 8u32;
    let ifd0_len = 2 + 2 * 12 + 4;
    let make_at = ifd0 + ifd0_len;
    let gps_at = make_at + make_bytes.len() as u32;
    let gps_len = 2 + 4 * 12 + 4;
    let lat_at = gps_at + gps_len;
    let lng_at = lat_at + 24;
    let mut t = Vec::new();
    t.extend_from_slice(b"MM\0\x2A");
    t.extend_from_slice(&ifd0.to_be_bytes());
    let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        t.extend_from_slice(&tag.to_be_bytes());
        t.extend_from_slice(&kind.to_be_bytes());
        t.extend_from_slice(&count.to_be_bytes());
        t.extend_from_slice(&value);
    };
    t.extend_from_slice(&2u16.to_be_bytes());
    entry(&mut t, 0x010F, 2, make.len() as u32 + 1, make_at.to_be_bytes());
    entry(&mut t, 0x8825, 4, 1, gps_at.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    t.extend_from_slice(&make_bytes);
    t.extend_from_slice(&4u16.to_be_bytes());
    entry(&mut t, 0x0001, 2, 2, *b"N\0\0\0");
    entry(&mut t, 0x0002, 5, 3, lat_at.to_be_bytes());
    entry(&mut t, 0x0003, 2, 2, *b"E\0\0\0");
    entry(&mut t, 0x0004, 5, 3, lng_at.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    for (d, m, s) in [lat, lng] {
        for v in [d, m, s] {
            t.extend_from_slice(&v.to_be_bytes());
            t.extend_from_slice(&1u32.to_be_bytes());
        }
    }
    t
}

/// A real JPEG photo (`w`×`h`, a gradient seeded by `seed`) with an EXIF block carrying a
/// camera make and the GPS position [`LAT`], [`LNG`].
pub fn photo_with_gps(w: u32, h: u32, seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 7) as u8 ^ seed, (y * 5) as u8, seed.wrapping_mul(3)])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode_image(&img)
        .expect("encode jpeg");
    let tiff = exif_tiff(MAKE, (30, 16, 27), (120, 9, 18));
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A small real PNG whose pixels depend on `seed` (distinct content, distinct key).
fn png_seeded(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(16, 12, |x, y| image::Rgb([x as u8 ^ seed, y as u8, seed]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("encode png");
    out.into_inner()
}

/// A minimal real PDF.
fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec()
}

// ---------------------------------------------------------------------------------------
// Storage under test

/// Which storage an app under test uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Storage {
    Local,
    S3,
}

/// moto's S3 server on a free loopback port; killed on drop.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_binary() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("FENGQIAO_MOTO_SERVER") {
        return Some(PathBuf::from(p)).filter(|p| p.exists());
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tools/moto/.venv/bin/moto_server");
    p.exists().then_some(p)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl Moto {
    /// Starts moto, or `None` (outside CI) when it is not installed.
    async fn start() -> Option<Moto> {
        let Some(bin) = moto_binary() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "moto_server is not installed (tools/moto/.venv): the S3 half must run under CI"
            );
            eprintln!("SKIPPING the S3 half: moto_server is not installed (see tools/moto/requirements.txt)");
            return None;
        };
        let port = free_port();
        let child = Command::new(bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start within 30 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Some(moto)
    }
}

/// An app on one storage, with the two-sided world.
struct Env {
    app: TestApp,
    w: World,
    kind: Storage,
    /// The local folder (local storage).
    dir: PathBuf,
    /// moto and the bucket (S3 storage).
    s3: Option<(Moto, String)>,
}

impl Env {
    /// Starts an app on `kind`, or `None` when that storage is not available here.
    async fn start(kind: Storage, adjust: impl FnOnce(&mut Config)) -> Option<Env> {
        let dir = std::env::temp_dir().join(format!("fengqiao-files-{}", uuid::Uuid::new_v4().simple()));
        let (storage, s3) = match kind {
            Storage::Local => (StorageConfig::Local(dir.clone()), None),
            Storage::S3 => {
                let moto = Moto::start().await?;
                let bucket = format!("fq-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
                let made = reqwest::Client::new()
                    .put(format!("{}/{bucket}", moto.endpoint))
                    .send()
                    .await
                    .expect("create bucket");
                assert!(made.status().is_success(), "create bucket: {}", made.status());
                let cfg = StorageConfig::S3(S3Config {
                    bucket: bucket.clone(),
                    endpoint: moto.endpoint.clone(),
                    region: "cn-north-1".into(),
                    access_key_id: "testing".into(),
                    secret_access_key: "testing".into(),
                    prefix: "district-a".into(),
                });
                (cfg, Some((moto, bucket)))
            }
        };
        let app = TestApp::spawn_with(move |c| {
            c.files.storage = storage;
            adjust(c);
        })
        .await;
        let w = world(&app.db).await;
        Some(Env {
            app,
            w,
            kind,
            dir,
            s3,
        })
    }

    fn token(&self, role: Role, side_b: bool) -> String {
        let s = if side_b { &self.w.b } else { &self.w.a };
        let (sub, scope) = persona(role, s);
        self.app.token(role, &sub, scope)
    }

    /// How many objects the store holds (files and thumbnails).
    async fn objects(&self) -> usize {
        match &self.s3 {
            None => count_files(&self.dir),
            Some((moto, bucket)) => {
                let xml = reqwest::Client::new()
                    .get(format!("{}/{bucket}?list-type=2", moto.endpoint))
                    .send()
                    .await
                    .expect("list bucket")
                    .text()
                    .await
                    .expect("list body");
                xml.matches("<Key>").count()
            }
        }
    }

    /// A GraphQL multipart request (the spec's `operations`, `map`, files) as `token`.
    async fn multipart(
        &self,
        token: &str,
        query: &str,
        mut variables: Value,
        files: &[(&str, Vec<u8>)],
    ) -> (u16, Value) {
        let paths: Vec<String> = (0..files.len())
            .map(|i| format!("variables.input.files.{i}"))
            .collect();
        variables["input"]["files"] = json!(vec![Value::Null; files.len()]);
        let map: serde_json::Map<String, Value> = paths
            .iter()
            .enumerate()
            .map(|(i, p)| (i.to_string(), json!([p])))
            .collect();
        let mut form = Form::new()
            .text(
                "operations",
                json!({ "query": query, "variables": variables }).to_string(),
            )
            .text("map", Value::Object(map).to_string());
        for (i, (name, bytes)) in files.iter().enumerate() {
            form = form.part(
                i.to_string(),
                Part::bytes(bytes.clone()).file_name(name.to_string()),
            );
        }
        let res = self
            .app
            .client
            .post(format!("{}/graphql", self.app.base))
            .bearer_auth(token)
            .header("x-requested-with", "fengqiao-tests")
            .multipart(form)
            .send()
            .await
            .expect("multipart request");
        let status = res.status().as_u16();
        (status, res.json().await.expect("json body"))
    }

    /// `POST /uploads` of one file as `token`.
    async fn upload(&self, token: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
        let form = Form::new()
            .text("purpose", "evidence")
            .part("file", Part::bytes(bytes).file_name(name.to_owned()));
        let res = self
            .app
            .client
            .post(format!("{}/uploads", self.app.base))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        let status = res.status().as_u16();
        (status, res.json().await.expect("json body"))
    }

    /// `GET` of a path with an optional token and extra headers: status, headers, bytes.
    async fn get(
        &self,
        path: &str,
        token: Option<&str>,
        range: Option<&str>,
    ) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let mut req = self.app.client.get(format!("{}{path}", self.app.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(r) = range {
            req = req.header("range", r);
        }
        let res = req.send().await.expect("get");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        (status, headers, res.bytes().await.expect("body").to_vec())
    }

    async fn rows(&self) -> (u64, u64, u64) {
        (
            case::Entity::find().count(&self.app.db).await.expect("cases"),
            case_attachment::Entity::find()
                .count(&self.app.db)
                .await
                .expect("attachments"),
            upload::Entity::find().count(&self.app.db).await.expect("uploads"),
        )
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn count_files(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() {
                count_files(&p)
            } else {
                1
            }
        })
        .sum()
}

const REPORT: &str = "mutation($input: ReportCaseInput!) { reportCase(input: $input) {
    locationFromPhoto
    case { id latitude longitude attachments { id fileName contentType sizeBytes sha256 metadataRemoved downloadPath url thumbnailUrl } } } }";

const ATTACH: &str = "mutation($input: AttachToCaseInput!) { attachToCase(input: $input) {
    case { id version attachments { id fileName contentType sha256 } timeline { kind note } } } }";

// ---------------------------------------------------------------------------------------
// Scenarios, run on each storage

/// Every channel in, downloads out, in scope only.
async fn channels(e: &Env) {
    let citizen = e.token(Role::Citizen, false);
    let worker_a = e.token(Role::GridWorker, false);
    let worker_b = e.token(Role::GridWorker, true);
    let commander = e.token(Role::Commander, false);

    // 1. A citizen's mini-program reports with a photo through the multipart spec, without a
    //    position: the photo's GPS becomes the report's, and the stored photo has no EXIF.
    let photo = photo_with_gps(64, 48, 1);
    let (status, body) = e
        .multipart(
            &citizen,
            REPORT,
            json!({ "input": { "title": "路灯杆倾斜", "description": "随手拍：路灯杆倾斜",
                               "gridId": e.w.a.community.to_string(), "idempotencyKey": "photo-report-0001" } }),
            &[("IMG_0001.jpg", photo.clone())],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "{body}");
    let r = &body["data"]["reportCase"];
    assert_eq!(r["locationFromPhoto"], true, "{body}");
    let c = &r["case"];
    assert!((c["latitude"].as_f64().unwrap_or(0.0) - LAT).abs() < 1e-4, "{c}");
    assert!((c["longitude"].as_f64().unwrap_or(0.0) - LNG).abs() < 1e-4, "{c}");
    let att = &c["attachments"][0];
    assert_eq!(att["contentType"], "image/jpeg");
    assert_eq!(att["fileName"], "IMG_0001.jpg");
    assert_eq!(att["metadataRemoved"], true);
    let att_id = att["id"].as_str().expect("attachment id").to_owned();
    let sha = att["sha256"].as_str().expect("sha").to_owned();
    assert_ne!(
        sha,
        sha256_hex(&photo),
        "the stored bytes are the cleaned photo, not the upload"
    );
    // A retry with the same key and the same photo answers the same case and stores nothing new.
    let objects_before_retry = e.objects().await;
    let (_, again) = e
        .multipart(
            &citizen,
            REPORT,
            json!({ "input": { "title": "路灯杆倾斜", "description": "随手拍：路灯杆倾斜",
                               "gridId": e.w.a.community.to_string(), "idempotencyKey": "photo-report-0001" } }),
            &[("IMG_0001.jpg", photo.clone())],
        )
        .await;
    assert_eq!(again["data"]["reportCase"]["case"]["id"], c["id"], "{again}");
    assert_eq!(e.objects().await, objects_before_retry);

    // 2. The grid worker in scope downloads the same bytes: EXIF gone, pixels kept.
    let path = format!("/files/{att_id}");
    let (status, headers, bytes) = e.get(&path, Some(&worker_a), None).await;
    assert_eq!(status, 200);
    assert_eq!(sha256_hex(&bytes), sha);
    assert!(
        !bytes.windows(MAKE.len()).any(|w| w == MAKE.as_bytes()),
        "the camera make survived"
    );
    assert!(!bytes.windows(4).any(|w| w == b"Exif"), "an EXIF block survived");
    let original = image::load_from_memory(&photo)
        .expect("decode original")
        .to_rgb8();
    let stored = image::load_from_memory(&bytes).expect("decode stored").to_rgb8();
    assert_eq!(original.as_raw(), stored.as_raw(), "the pixels are untouched");
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap_or("")
        .contains("IMG_0001.jpg"));
    assert_eq!(headers["accept-ranges"], "bytes");

    // 3. Out of scope: NOT_FOUND, as for a lookup; without a token: UNAUTHENTICATED.
    let (status, _, body) = e.get(&path, Some(&worker_b), None).await;
    assert_eq!(status, 404);
    let err: Value = serde_json::from_slice(&body).expect("json error");
    assert_eq!(error_code(&err).as_deref(), Some("NOT_FOUND"));
    let (status, _, _) = e.get(&path, None, None).await;
    assert_eq!(status, 401);

    // 4. Byte ranges.
    let (status, headers, part) = e.get(&path, Some(&worker_a), Some("bytes=0-9")).await;
    assert_eq!(status, 206);
    assert_eq!(part, bytes[..10].to_vec());
    assert_eq!(
        headers["content-range"],
        format!("bytes 0-9/{}", bytes.len()).as_str()
    );
    let (status, _, _) = e
        .get(&path, Some(&worker_a), Some(&format!("bytes={}-", bytes.len())))
        .await;
    assert_eq!(status, 416);

    // 5. Signed URLs for <img>: the commander who handles it sees the photo and its thumbnail
    //    without sending a token; a changed signature is refused.
    let q = e
        .app
        .gql(
            Some(&commander),
            "query($id: ID!) { case(id: $id) { attachments { url thumbnailUrl urlExpiresAt } } }",
            json!({ "id": c["id"] }),
        )
        .await;
    let a = &q["data"]["case"]["attachments"][0];
    let url = a["url"].as_str().expect("url").to_owned();
    let (status, _, signed) = e.get(&url, None, None).await;
    assert_eq!(status, 200);
    assert_eq!(sha256_hex(&signed), sha);
    let thumb = a["thumbnailUrl"].as_str().expect("thumbnail url").to_owned();
    let (status, headers, t) = e.get(&thumb, None, None).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/jpeg");
    let t = image::load_from_memory(&t).expect("thumbnail decodes");
    assert!(t.width() <= 320 && t.height() <= 320);
    let forged = url.replace("sig=", "sig=0");
    assert_eq!(e.get(&forged, None, None).await.0, 403);
    let other = url.replace(&att_id, &uuid::Uuid::now_v7().to_string());
    assert_eq!(e.get(&other, None, None).await.0, 403);

    // 6. The two-step upload (wx.uploadFile): an id first, then the report names it.
    let png = png_seeded(7);
    let (status, up) = e.upload(&worker_a, "现场.png", png.clone()).await;
    assert_eq!(status, 201, "{up}");
    let upload_id = up["id"].as_str().expect("upload id").to_owned();
    assert_eq!(up["contentType"], "image/png");
    let (_, someone_elses) = e.upload(&citizen, "mine.png", png_seeded(8)).await;
    let report_with = |ids: Vec<Value>| json!({ "input": { "title": "现场照片", "description": "网格员上报", "gridId": e.w.a.community.to_string(), "uploadIds": ids } });
    let body = e
        .app
        .gql(Some(&worker_a), REPORT, report_with(vec![json!(upload_id)]))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let c2 = &body["data"]["reportCase"]["case"];
    assert_eq!(c2["attachments"][0]["sha256"], up["sha256"]);
    assert_eq!(body["data"]["reportCase"]["locationFromPhoto"], false);
    // Each upload attaches once, and only for the account that sent it.
    for (id, why) in [
        (upload_id.clone(), "attached already"),
        (
            someone_elses["id"].as_str().unwrap_or_default().to_owned(),
            "another account's",
        ),
    ] {
        let before = e.rows().await;
        let body = e
            .app
            .gql(Some(&worker_a), REPORT, report_with(vec![json!(id)]))
            .await;
        assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"), "{why}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "input.uploadIds[0]");
        assert_eq!(e.rows().await, before, "{why}: nothing written");
    }

    // 7. attachToCase: a document added to the side's case, with a retry key; the retry
    //    attaches nothing twice; the timeline names the file.
    let input = json!({ "input": { "caseId": e.w.a.case.to_string(), "note": "调解协议", "idempotencyKey": "attach-agreement-1" } });
    let (status, first) = e
        .multipart(&worker_a, ATTACH, input.clone(), &[("协议书.pdf", pdf())])
        .await;
    assert_eq!(status, 200, "{first}");
    assert!(first["errors"].is_null(), "{first}");
    let (_, retry) = e
        .multipart(&worker_a, ATTACH, input, &[("协议书.pdf", pdf())])
        .await;
    assert_eq!(retry["data"], first["data"], "a retry answers the first call");
    let atts = first["data"]["attachToCase"]["case"]["attachments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(atts.len(), 1, "{first}");
    assert_eq!(atts[0]["contentType"], "application/pdf");
    let timeline = first["data"]["attachToCase"]["case"]["timeline"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let last = timeline.last().expect("timeline");
    assert_eq!(last["kind"], "ATTACHED");
    assert!(last["note"].as_str().unwrap_or("").contains("协议书.pdf"));
    // Out of scope: NOT_FOUND, and nothing stored.
    let objects = e.objects().await;
    let (_, refused) = e
        .multipart(
            &worker_b,
            ATTACH,
            json!({ "input": { "caseId": e.w.a.case.to_string() } }),
            &[("x.png", png_seeded(9))],
        )
        .await;
    assert_eq!(error_code(&refused).as_deref(), Some("NOT_FOUND"), "{refused}");
    assert_eq!(e.objects().await, objects);

    // 8. Every download is in the audit log, a signed one with its signer.
    let downloads = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("DOWNLOAD"))
        .all(&e.app.db)
        .await
        .expect("audit");
    // The whole photo, a range, the signed photo and its thumbnail; and the refused attempt.
    let ok = downloads.iter().filter(|d| d.outcome == "OK").count();
    let denied: Vec<_> = downloads.iter().filter(|d| d.outcome == "DENIED").collect();
    assert_eq!(ok, 4, "{downloads:?}");
    assert_eq!(denied.len(), 1, "{downloads:?}");
    assert_eq!(denied[0].actor_role, "grid-worker");
    assert!(downloads.iter().any(|d| d
        .reason
        .as_deref()
        .is_some_and(|r| r.starts_with("signed URL for commander:"))));
}

/// Refused files leave nothing behind; orphaned uploads go after their time.
async fn refusals(e: &Env) {
    let worker = e.token(Role::GridWorker, false);
    let report = |title: &str| json!({ "input": { "title": title, "description": "x", "gridId": e.w.a.community.to_string() } });
    let before = (e.rows().await, e.objects().await);

    // A web page named like a photo, and a file that starts like a JPEG and is not one.
    for (name, bytes) in [
        ("photo.jpg", b"<html><script>alert(1)</script></html>".to_vec()),
        (
            "photo.jpg",
            [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[0u8; 64][..]].concat(),
        ),
        ("virus.pdf", b"MZ\x90\0this is a program".to_vec()),
    ] {
        let (_, body) = e
            .multipart(&worker, REPORT, report("伪装"), &[(name, bytes)])
            .await;
        assert_eq!(
            error_code(&body).as_deref(),
            Some("UNSUPPORTED_FILE_TYPE"),
            "{name}: {body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], "input.files[0]");
    }
    // Over the per-file cap (200 KB here): in a GraphQL request and through /uploads.
    let big: Vec<u8> = [photo_with_gps(8, 8, 2), vec![0u8; 250_000]].concat();
    let (status, body) = e
        .multipart(&worker, REPORT, report("过大"), &[("big.jpg", big.clone())])
        .await;
    assert_eq!(
        (status, error_code(&body).as_deref()),
        (413, Some("FILE_TOO_LARGE")),
        "{body}"
    );
    let (status, body) = e.upload(&worker, "big.jpg", big).await;
    assert_eq!(
        (status, error_code(&body).as_deref()),
        (413, Some("FILE_TOO_LARGE")),
        "{body}"
    );
    // More files than a case holds (4 here) in one report.
    let four: Vec<(&str, Vec<u8>)> = (0..5u8).map(|i| ("p.png", png_seeded(40 + i))).collect();
    let (_, body) = e.multipart(&worker, REPORT, report("太多"), &four).await;
    assert_eq!(error_code(&body).as_deref(), Some("FILE_TOO_LARGE"), "{body}");
    assert_eq!(
        (e.rows().await, e.objects().await),
        before,
        "refusals leave nothing"
    );

    // The daily quota (3 files here): the fourth upload is refused and leaves nothing.
    for i in 0..3u8 {
        let (status, body) = e.upload(&worker, "ok.png", png_seeded(20 + i)).await;
        assert_eq!(status, 201, "{body}");
    }
    let kept = (e.rows().await, e.objects().await);
    assert_eq!(kept.0 .2, before.0 .2 + 3);
    let (status, body) = e.upload(&worker, "over.png", png_seeded(30)).await;
    assert_eq!(
        (status, error_code(&body).as_deref()),
        (429, Some("QUOTA_EXCEEDED")),
        "{body}"
    );
    let (_, body) = e
        .multipart(&worker, REPORT, report("超额"), &[("over.png", png_seeded(31))])
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("QUOTA_EXCEEDED"), "{body}");
    assert_eq!((e.rows().await, e.objects().await), kept);

    // Uploads never attached are removed after their time (2 s here), with their bytes.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let removed = fengqiao_api::service::attachment::sweep(&e.app.state.store)
        .await
        .expect("sweep");
    assert_eq!(removed, 3);
    assert_eq!(e.rows().await, before.0);
    assert_eq!(
        e.objects().await,
        before.1,
        "{:?}: the orphans' bytes are gone",
        e.kind
    );
}

fn strict(c: &mut Config) {
    c.files.max_file_bytes = 200_000;
    c.files.max_case_files = 4;
    c.files.quota_files = 3;
    c.files.upload_ttl = Duration::from_secs(2);
}

#[tokio::test]
async fn evidence_files_by_every_channel_on_local_storage() {
    let e = Env::start(Storage::Local, |_| {}).await.expect("local storage");
    channels(&e).await;
}

#[tokio::test]
async fn evidence_files_by_every_channel_on_s3_storage() {
    let Some(e) = Env::start(Storage::S3, |_| {}).await else {
        return;
    };
    channels(&e).await;
}

#[tokio::test]
async fn refused_files_leave_nothing_on_local_storage() {
    let e = Env::start(Storage::Local, strict).await.expect("local storage");
    refusals(&e).await;
}

#[tokio::test]
async fn refused_files_leave_nothing_on_s3_storage() {
    let Some(e) = Env::start(Storage::S3, strict).await else {
        return;
    };
    refusals(&e).await;
}

//! `fengqiao generate`: a realistic, reproducible city district for benchmarks and statistics.
//!
//! One district with ~10 streets (街道), 150 communities (社区) and ~3,000 micro-grids (微网格),
//! a police-grid tree mapped onto the communities (警格+网格), police stations and offices,
//! street governance centres and departments, enterprises with valid unified social credit
//! codes, volunteer teams and volunteers with valid resident ID numbers, three levels of
//! mediation rooms (with foreign mediators 洋娘舅 in one), the integrated platforms, report
//! codes, and N cases spread over Y years with the mix of the seed reports: kinds and sources,
//! risk colours, the closed loop (assess → dispatch → accept → mediate → resolve → feed back →
//! follow up → close) with realistic delays per colour and kind, ~98.9% resolved, ~98%
//! satisfied, dispute-type cases falling 19.5% a year, and the cases still open at the end of
//! the span in whatever stage their timeline has reached.
//!
//! Everything comes from one seeded RNG (`StdRng::seed_from_u64`), ids included (UUIDv7 with
//! the row's own timestamp), so the same `cases`, `seed`, `years` and `until` give the same
//! rows on any backend. Rows are written as multi-row INSERTs sized to the backend's bind
//! parameter limit, a few thousand cases per transaction, while the next batch is generated
//! on a blocking thread; PostgreSQL writes several batches at once.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::{
    case, case_assignment, case_party, case_timeline_entry, case_volunteer_task, deadline_policy, enterprise,
    enterprise_contact,
    enums::{
        AssignmentStatus, CaseCategory, CaseKind, CaseSource, CaseStatus, ExternalEntity, FollowUpMethod,
        GridKind, GridLevel, MediationLevel, MediatorKind, MembershipRole, PartyRole, PersonKind,
        PlatformKind, PlatformSubscription, ReporterRole, RiskColour, SessionOutcome, Severity, Skill,
        TimelineKind, UnitKind, VolunteerStatus, VolunteerTaskKind, VolunteerTaskStatus, VolunteerTeamKind,
    },
    external_ref, follow_up, grid, mediation_room, mediation_session, mediator, mediator_language, person,
    platform, police_grid_coverage, report_code, session_mediator, tracking_counter, unit, volunteer,
    volunteer_honour, volunteer_language, volunteer_membership, volunteer_skill, volunteer_team,
};
use futures_util::StreamExt;
use rand::{rngs::StdRng, Rng, RngCore, SeedableRng};
use sea_orm::{
    sea_query::OnConflict, ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DbBackend, EntityTrait, Iterable, PaginatorTrait, QueryFilter, QuerySelect, Set, Statement,
};
use uuid::Uuid;

use crate::{
    db::begin_write,
    error::{AppError, AppResult},
    validate,
};

/// Most bind parameters in one SQLite statement (`SQLITE_MAX_VARIABLE_NUMBER` since 3.32).
pub const SQLITE_MAX_PARAMS: usize = 32_766;
/// Most bind parameters in one PostgreSQL statement (a 16-bit count on the wire).
pub const POSTGRES_MAX_PARAMS: usize = 65_535;
/// Cases generated and written per transaction.
pub const BATCH_CASES: usize = 5_000;
/// Largest run accepted.
pub const MAX_CASES: u64 = 50_000_000;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    /// Number of cases.
    pub cases: u64,
    /// Seed of the random number generator.
    pub seed: u64,
    /// Years the cases span, ending at `until`.
    pub years: u32,
    /// The span ends at 00:00 UTC of this day (exclusive). The same options give the same
    /// rows only with the same `until`; the command line defaults it to today (UTC).
    pub until: NaiveDate,
    /// Allow a database that already holds cases: the district is added beside them.
    pub append: bool,
}

impl Options {
    /// `cases` cases with `seed`, over three years up to today (UTC), on an empty database.
    pub fn new(cases: u64, seed: u64) -> Self {
        Options {
            cases,
            seed,
            years: 3,
            until: Utc::now().date_naive(),
            append: false,
        }
    }

    /// Code of the generated district's root grid; every code of the run starts with it.
    pub fn district_code(&self) -> String {
        format!("GEN{}", self.seed)
    }
}

/// What a run wrote.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Root grid of the generated district.
    pub district_id: Uuid,
    /// Its code (`GEN<seed>`).
    pub district_code: String,
    /// Its name.
    pub district_name: String,
    /// Root of the police-grid tree.
    pub police_root_id: Uuid,
    /// Rows written per table, in write order.
    pub rows: Vec<(&'static str, u64)>,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
}

impl Summary {
    /// Rows written to `table`.
    pub fn rows_of(&self, table: &str) -> u64 {
        self.rows.iter().find(|(t, _)| *t == table).map_or(0, |(_, n)| *n)
    }

    /// All rows written.
    pub fn total_rows(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }
}

/// Progress reports of [`run`].
#[derive(Clone, Debug)]
pub enum Progress {
    /// The master data (grids … report codes) is written.
    MasterData {
        /// Rows written.
        rows: u64,
        /// Since the start.
        elapsed: Duration,
    },
    /// Another batch of cases is written.
    Cases {
        /// Cases written so far.
        done: u64,
        /// Cases to write.
        total: u64,
        /// Since the start.
        elapsed: Duration,
    },
}

/// Generates the district and its cases into `db` (migrated). Refuses a database that already
/// holds cases unless `opts.append`, and a seed whose district is already there.
pub async fn run(
    db: &DatabaseConnection,
    opts: &Options,
    mut progress: impl FnMut(Progress),
) -> AppResult<Summary> {
    let started = Instant::now();
    if opts.cases == 0 || opts.cases > MAX_CASES {
        return Err(AppError::bad_input("cases", format!("between 1 and {MAX_CASES}")));
    }
    if !(1..=20).contains(&opts.years) {
        return Err(AppError::bad_input("years", "between 1 and 20"));
    }
    let existing = case::Entity::find().count(db).await?;
    if existing > 0 && !opts.append {
        return Err(AppError::bad_input(
            "append",
            format!(
                "the database already holds {existing} cases; pass --append to add a generated \
                 district beside them, or use an empty database"
            ),
        ));
    }
    let code = opts.district_code();
    if grid::Entity::find()
        .filter(grid::Column::Code.eq(code.as_str()))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::bad_input(
            "seed",
            format!(
                "district {code} (seed {}) is already in this database; pick another seed",
                opts.seed
            ),
        ));
    }
    let max_params = match db.get_database_backend() {
        DbBackend::Sqlite => SQLITE_MAX_PARAMS,
        _ => POSTGRES_MAX_PARAMS,
    };

    // What the database already holds that generated rows must not collide with.
    let mut taken = Taken::default();
    for (day, last) in tracking_counter::Entity::find()
        .select_only()
        .column(tracking_counter::Column::Day)
        .column(tracking_counter::Column::Last)
        .into_tuple::<(String, i64)>()
        .all(db)
        .await?
    {
        taken.counters.insert(day, last);
    }
    if opts.append {
        taken.names = mediation_room::Entity::find()
            .select_only()
            .column(mediation_room::Column::Name)
            .into_tuple::<String>()
            .all(db)
            .await?
            .into_iter()
            .chain(
                volunteer_team::Entity::find()
                    .select_only()
                    .column(volunteer_team::Column::Name)
                    .into_tuple::<String>()
                    .all(db)
                    .await?,
            )
            .collect();
        taken.codes = enterprise::Entity::find()
            .select_only()
            .column(enterprise::Column::CreditCode)
            .into_tuple::<String>()
            .all(db)
            .await?
            .into_iter()
            .chain(
                volunteer::Entity::find()
                    .select_only()
                    .column(volunteer::Column::ResidentId)
                    .filter(volunteer::Column::ResidentId.is_not_null())
                    .into_tuple::<String>()
                    .all(db)
                    .await?,
            )
            .collect();
    }
    let policies = Policies::load(db).await?;

    let mut gen = Gen::new(opts, taken, policies);
    let (master, rows) = gen.master_data();
    let mut written: Vec<(&'static str, u64)> = Vec::new();
    {
        let txn = begin_write(db).await?;
        rows.write(&txn, max_params, &mut written).await?;
        txn.commit().await?;
    }
    progress(Progress::MasterData {
        rows: written.iter().map(|(_, n)| n).sum(),
        elapsed: started.elapsed(),
    });
    let summary_ids = (master.district, master.police_root, master.district_name.clone());

    // Cases: generated on a blocking thread, written here as they come.
    let total = opts.cases;
    let (tx, rx) = tokio::sync::mpsc::channel::<CaseRows>(3);
    let producer = tokio::task::spawn_blocking(move || gen.cases(&master, tx));
    let writers = match db.get_database_backend() {
        DbBackend::Sqlite => 1,
        _ => 3,
    };
    let batches = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) });
    let mut results = std::pin::pin!(batches
        .map(|b| async move {
            let n = b.cases.len() as u64;
            let mut counts = Vec::new();
            let txn = begin_write(db).await?;
            b.write(&txn, max_params, &mut counts).await?;
            txn.commit().await?;
            AppResult::Ok((n, counts))
        })
        .buffer_unordered(writers));
    let mut done = 0u64;
    while let Some(r) = results.next().await {
        let (n, counts) = r?;
        done += n;
        for (table, k) in counts {
            add_count(&mut written, table, k);
        }
        progress(Progress::Cases {
            done,
            total,
            elapsed: started.elapsed(),
        });
    }
    let finish = producer
        .await
        .map_err(|e| AppError::Internal(format!("case generator stopped: {e}")))??;

    // Tracking counters: the last number given out on each day.
    let counters: Vec<tracking_counter::ActiveModel> = finish
        .counters
        .into_iter()
        .map(|(day, last)| tracking_counter::ActiveModel {
            day: Set(day),
            last: Set(last),
        })
        .collect();
    let n = counters.len() as u64;
    let txn = begin_write(db).await?;
    for chunk in counters.chunks(max_params / 2) {
        tracking_counter::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(tracking_counter::Column::Day)
                    .update_column(tracking_counter::Column::Last)
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    add_count(&mut written, "tracking_counters", n);
    // Volunteers earned the minutes of their checked-out tasks (they have no other tasks).
    let district_path = format!("/{}/%", summary_ids.0.simple());
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => SERVICE_MINUTES_SQL.replace('?', "$1"),
        _ => SERVICE_MINUTES_SQL.to_owned(),
    };
    txn.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [district_path.into()],
    ))
    .await?;
    txn.commit().await?;
    if done != total {
        return Err(AppError::Internal(format!("wrote {done} of {total} cases")));
    }
    if db.get_database_backend() == DbBackend::Postgres {
        // Planner statistics for the new rows, and the visibility map that lets statistics
        // read the covering index alone (autovacuum would do both, later).
        // Only the tables written here (by their names on the search path, so a test schema's).
        db.execute_unprepared(
            "VACUUM (ANALYZE) cases, case_timeline_entries, case_assignments, case_parties, \
             mediation_sessions, session_mediators, follow_ups, case_volunteer_tasks, external_refs",
        )
        .await?;
    }
    Ok(Summary {
        district_id: summary_ids.0,
        district_code: code,
        district_name: summary_ids.2,
        police_root_id: summary_ids.1,
        rows: written,
        elapsed: started.elapsed(),
    })
}

const SERVICE_MINUTES_SQL: &str = "UPDATE volunteers SET service_minutes = service_minutes + \
     (SELECT COALESCE(SUM(t.minutes), 0) FROM case_volunteer_tasks t WHERE t.volunteer_id = volunteers.id) \
     WHERE id IN (SELECT t.volunteer_id FROM case_volunteer_tasks t JOIN cases c ON c.id = t.case_id \
     WHERE t.minutes IS NOT NULL AND c.grid_id IN (SELECT g.id FROM grids g WHERE g.path LIKE ?))";

fn add_count(counts: &mut Vec<(&'static str, u64)>, table: &'static str, n: u64) {
    match counts.iter_mut().find(|(t, _)| *t == table) {
        Some((_, k)) => *k += n,
        None => counts.push((table, n)),
    }
}

/// Inserts `rows` as multi-row INSERTs of at most `max_params` bind parameters each.
async fn insert_chunked<A, C>(
    db: &C,
    table: &'static str,
    rows: Vec<A>,
    max_params: usize,
    counts: &mut Vec<(&'static str, u64)>,
) -> AppResult<()>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let n = rows.len() as u64;
    let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
    let per = (max_params / columns).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    add_count(counts, table, n);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Randomness.

/// The seeded generator and the draws made from it.
struct R(StdRng);

impl R {
    fn f(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }

    /// Uniform in `lo..hi` (`lo` when the range is empty).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            self.0.random_range(lo..hi)
        }
    }

    fn idx(&mut self, n: usize) -> usize {
        if n <= 1 {
            0
        } else {
            self.0.random_range(0..n)
        }
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.idx(xs.len())]
    }

    /// One of `items`, with probability proportional to its weight.
    fn choose<T: Copy>(&mut self, items: &[(T, f64)]) -> T {
        let total: f64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.f() * total;
        for (item, w) in items {
            if x < *w {
                return *item;
            }
            x -= w;
        }
        items[items.len() - 1].0
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.f();
        let u2 = self.f();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Log-normal seconds with the given median, at least one.
    fn lognormal(&mut self, median_secs: f64, sigma: f64) -> i64 {
        ((median_secs * (sigma * self.normal()).exp()) as i64).max(1)
    }

    /// A UUIDv7 whose timestamp is `secs` (Unix seconds), random bits from the generator.
    fn uuid(&mut self, secs: i64) -> Uuid {
        let mut bytes = [0u8; 10];
        self.0.fill_bytes(&mut bytes);
        let ms = u64::try_from(secs.max(0)).unwrap_or(0) * 1000 + u64::from(bytes[0]) * 3;
        uuid::Builder::from_unix_timestamp_millis(ms, &bytes).into_uuid()
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.0.random_range(0..10u8)))
            .collect()
    }

    /// A Chinese name: a common surname and one or two given-name characters.
    fn name(&mut self) -> String {
        let mut s = String::from(self.pick(SURNAMES));
        s.push(self.pick(GIVEN));
        if self.chance(0.7) {
            s.push(self.pick(GIVEN));
        }
        s
    }

    /// A mobile number `1[35789]` + 9 digits.
    fn mobile(&mut self) -> String {
        format!("1{}{}", self.pick(&['3', '5', '7', '8', '9']), self.digits(9))
    }

    /// A landline of the city (area code 0571).
    fn landline(&mut self) -> String {
        format!("0571-8{}", self.digits(7))
    }
}

/// Resident identity number (GB 11643): region, birth date `YYYYMMDD`, 3-digit sequence and
/// the check character.
fn resident_id(region: &str, birth: NaiveDate, seq: u32) -> String {
    let body = format!("{region}{}{:03}", birth.format("%Y%m%d"), seq % 1000);
    format!("{body}{}", validate::resident_id_check(&body))
}

/// Unified social credit code (GB 32100): `91` (enterprise), the region, a 9-character
/// organisation code and the check character.
fn credit_code(region: &str, organisation: &str) -> String {
    let body = format!("91{region}{organisation}");
    format!("{body}{}", validate::credit_code_check(&body))
}

fn dt(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

const MIN: f64 = 60.0;
const HOUR: f64 = 3600.0;
const DAY: f64 = 86_400.0;

// ---------------------------------------------------------------------------------------------
// Name pools.

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
    "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田",
    "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "沈", "姚", "卢", "姜",
    "钟", "陆", "汪", "范", "金", "方", "邵", "钱", "严", "戴", "俞", "章", "楼", "应", "施", "包", "倪",
];
const GIVEN: &[char] = &[
    '伟', '芳', '娜', '秀', '英', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛',
    '明', '超', '兰', '霞', '平', '刚', '桂', '建', '华', '文', '辉', '玲', '丹', '萍', '鹏', '红', '宇',
    '浩', '凯', '颖', '婷', '雪', '琳', '晨', '欣', '怡', '涵', '轩', '然', '萱', '远', '国', '庆', '海',
    '燕', '志', '珍', '凤', '玉', '春', '梅', '荣', '根', '福', '德', '龙', '云', '亮', '斌', '波', '宁',
    '佳', '慧', '瑶', '琪', '博', '彬', '嘉', '俊', '铭', '晓', '立', '新', '永', '金', '卫', '东',
];
const DISTRICTS: &[&str] = &[
    "运河区",
    "钱江区",
    "望湖区",
    "栖霞区",
    "之江区",
    "湖墅区",
    "拱宸区",
    "半山区",
    "凤凰区",
    "云栖区",
];
const REGIONS: &[&str] = &["330105", "330106", "330102", "330108", "330110", "330104"];
const OTHER_REGIONS: &[&str] = &[
    "330681", "330782", "330483", "330421", "510722", "320481", "341221", "412723", "362321", "522124",
    "432524", "350583",
];
const STREETS: &[&str] = &[
    "武林",
    "天水",
    "长庆",
    "潮鸣",
    "朝晖",
    "文晖",
    "东新",
    "石桥",
    "米市巷",
    "湖墅",
    "小河",
    "和睦",
    "大关",
    "拱宸桥",
    "上塘",
    "祥符",
    "康桥",
    "半山",
    "德胜",
    "仓基",
    "香积寺",
    "和平",
    "新华",
    "青春",
    "凯旋",
    "采荷",
    "闸弄口",
    "彭埠",
    "笕桥",
    "丁兰",
    "九堡",
    "四季青",
];
const COMMUNITY_ROOTS: &[&str] = &[
    "文晖",
    "朝晖",
    "和睦",
    "大关",
    "米市",
    "卖鱼桥",
    "湖墅",
    "小河",
    "德胜",
    "香积",
    "胜利",
    "华丰",
    "田园",
    "康桥",
    "半山",
    "石桥",
    "祥符",
    "上塘",
    "拱宸",
    "仓基",
    "青蓝",
    "东园",
    "凤起",
    "竹竿巷",
    "武林",
    "天水",
    "长庆",
    "潮鸣",
    "宝善",
    "环北",
    "新华",
    "安吉",
    "紫荆",
    "北景",
    "瓜山",
    "蔡马",
    "申花",
    "登云",
    "皋亭",
    "明月",
    "锦绣",
    "星桥",
    "杏花",
    "双桥",
    "善贤",
    "红石",
    "万家",
    "勤丰",
    "舟山",
    "信义",
    "通益",
    "左家",
    "运河",
    "江涛",
    "永和",
    "兴隆",
    "春晖",
    "秋涛",
    "晓月",
    "桃源",
];
const COMMUNITY_SUFFIXES: &[&str] = &["", "新村", "苑", "花园", "里", "坊"];
const ROADS: &[&str] = &[
    "文晖路",
    "环城北路",
    "中山北路",
    "湖墅南路",
    "莫干山路",
    "上塘路",
    "石祥路",
    "登云路",
    "大关路",
    "德胜路",
    "东新路",
    "沈半路",
    "绍兴路",
    "香积寺路",
    "小河路",
    "丽水路",
    "余杭塘路",
    "学院路",
    "教工路",
    "体育场路",
    "凤起路",
    "庆春路",
    "建国北路",
    "秋涛路",
    "朝晖路",
    "潮王路",
    "长城街",
    "半山路",
    "康桥路",
    "拱康路",
    "舟山东路",
    "湖州街",
    "董家路",
    "隐秀路",
    "勾庄路",
];
const FIRM_WORDS: &[&str] = &[
    "恒信", "华联", "瑞丰", "天成", "嘉禾", "金盛", "宏达", "永安", "鑫源", "泰和", "中宁", "万通", "博远",
    "君诚", "德盛", "海纳", "东方", "星河", "晨光", "新锐", "立信", "协力", "宏图", "盛世", "安达", "福润",
    "和顺", "长兴", "锦程", "凯越", "天辰", "启明", "越秀", "众诚", "正泰", "亿佳", "华腾", "铭远", "振华",
    "运通", "钱塘", "之江", "西子", "湖畔", "良渚", "云栖", "北山", "南屏",
];
/// (industry, name word, weight, hazardous chemicals)
const INDUSTRIES: &[(&str, &str, f64, bool)] = &[
    ("纺织服装", "纺织", 12.0, false),
    ("电子设备制造", "电子科技", 8.0, false),
    ("通用设备制造", "机械", 8.0, false),
    ("批发零售", "商贸", 16.0, false),
    ("进出口贸易", "国际贸易", 8.0, false),
    ("物流仓储", "物流", 7.0, false),
    ("餐饮", "餐饮管理", 12.0, false),
    ("建筑施工", "建设工程", 6.0, false),
    ("软件和信息技术服务", "信息技术", 9.0, false),
    ("食品加工", "食品", 5.0, false),
    ("危险化学品经营", "化工贸易", 2.0, true),
    ("印染", "印染", 3.0, false),
    ("汽车维修", "汽车服务", 4.0, false),
];
/// Foreign mediators of the foreign-trade room: (name, nationality, languages).
const FOREIGN_MEDIATORS: &[(&str, &str, &[&str])] = &[
    ("阿里·哈桑", "EG", &["ar", "en", "zh"]),
    ("穆罕默德·萨利赫", "LB", &["ar", "fr", "zh"]),
    ("约翰·史密斯", "GB", &["en", "zh"]),
    ("皮埃尔·马丁", "FR", &["fr", "en"]),
    ("伊万·彼得罗夫", "RU", &["ru", "zh"]),
    ("卡洛斯·加西亚", "ES", &["es", "en"]),
    ("阿米尔·汗", "PK", &["ur", "en", "zh"]),
    ("金敏洙", "KR", &["ko", "zh"]),
    ("阮文雄", "VN", &["vi", "zh"]),
    ("法蒂玛·努尔", "ID", &["id", "en"]),
    ("奥马尔·阿卜杜拉", "SA", &["ar", "en"]),
    ("苏雷什·库马尔", "IN", &["hi", "en"]),
];
const FOREIGN_TRADER_LANGUAGES: &[&str] = &["ar", "en", "fr", "ru", "es", "ur", "ko", "vi", "id", "hi"];
const MEDAL: &str = "治安荣誉奖章";
const BRAVE: &str = "见义勇为积极分子";

// ---------------------------------------------------------------------------------------------
// Master data.

/// Codes and names already used in the database (append mode) and the tracking counters.
#[derive(Default)]
struct Taken {
    names: HashSet<String>,
    codes: HashSet<String>,
    counters: HashMap<String, i64>,
}

/// Someone who acts on a timeline: subject and role string, with a name and phone for the
/// ones who also report.
#[derive(Clone)]
struct Staff {
    subject: String,
    role: &'static str,
    name: String,
    phone: String,
}

#[derive(Clone)]
struct U {
    id: Uuid,
    name: String,
    staff: Staff,
}

struct Street {
    short: &'static str,
    grid: Uuid,
    station: U,
    offices: Vec<U>,
    gov: U,
    law: U,
    market: U,
    commander: Staff,
    fire: usize,
    /// Street-level rooms.
    rooms: Vec<usize>,
    teams: Vec<usize>,
}

struct Community {
    street: usize,
    name: String,
    grid: Uuid,
    police: Staff,
    office: Option<usize>,
    room: usize,
    report_code: Uuid,
    centre: (f64, f64),
}

struct Micro {
    community: usize,
    grid: Uuid,
    worker: Staff,
}

struct Ent {
    id: Uuid,
    name: String,
    micro: usize,
    liaison: Option<Staff>,
}

struct Med {
    id: Uuid,
    subject: String,
    languages: &'static [&'static str],
}

struct Room {
    id: Uuid,
    name: String,
    level: MediationLevel,
    mediators: Vec<Med>,
}

struct Team {
    id: Uuid,
    name: String,
    kind: VolunteerTeamKind,
    /// Approved members, for tasks.
    members: Vec<Uuid>,
}

#[derive(Clone)]
struct Plat {
    id: Uuid,
    name: String,
    staff: Staff,
    prefix: &'static str,
}

/// The district as the case generator needs it.
struct Master {
    district: Uuid,
    district_name: String,
    police_root: Uuid,
    streets: Vec<Street>,
    communities: Vec<Community>,
    micros: Vec<Micro>,
    micro_cum: Vec<f64>,
    ents: Vec<Ent>,
    ent_cum: Vec<f64>,
    hazardous_ents: Vec<usize>,
    liaison_ents: Vec<usize>,
    rooms: Vec<Room>,
    district_rooms: Vec<usize>,
    foreign_room: usize,
    teams: Vec<Team>,
    rescue_teams: Vec<usize>,
    command: Vec<Staff>,
    justice: U,
    fires: Vec<U>,
    gas: U,
    labour: U,
    housing: U,
    p110: Plat,
    four: Plat,
    police_grid: Plat,
    smart: Plat,
    hotline: Plat,
    mini: Plat,
}

/// The master-data rows, in foreign-key order.
#[derive(Default)]
struct MasterRows {
    grids: Vec<grid::ActiveModel>,
    coverage: Vec<police_grid_coverage::ActiveModel>,
    units: Vec<unit::ActiveModel>,
    enterprises: Vec<enterprise::ActiveModel>,
    persons: Vec<person::ActiveModel>,
    contacts: Vec<enterprise_contact::ActiveModel>,
    rooms: Vec<mediation_room::ActiveModel>,
    mediators: Vec<mediator::ActiveModel>,
    mediator_languages: Vec<mediator_language::ActiveModel>,
    teams: Vec<volunteer_team::ActiveModel>,
    volunteers: Vec<volunteer::ActiveModel>,
    memberships: Vec<volunteer_membership::ActiveModel>,
    skills: Vec<volunteer_skill::ActiveModel>,
    languages: Vec<volunteer_language::ActiveModel>,
    honours: Vec<volunteer_honour::ActiveModel>,
    platforms: Vec<platform::ActiveModel>,
    report_codes: Vec<report_code::ActiveModel>,
}

impl MasterRows {
    async fn write<C: ConnectionTrait>(
        self,
        db: &C,
        max: usize,
        counts: &mut Vec<(&'static str, u64)>,
    ) -> AppResult<()> {
        insert_chunked(db, "grids", self.grids, max, counts).await?;
        insert_chunked(db, "police_grid_coverages", self.coverage, max, counts).await?;
        insert_chunked(db, "units", self.units, max, counts).await?;
        insert_chunked(db, "enterprises", self.enterprises, max, counts).await?;
        insert_chunked(db, "persons", self.persons, max, counts).await?;
        insert_chunked(db, "enterprise_contacts", self.contacts, max, counts).await?;
        insert_chunked(db, "mediation_rooms", self.rooms, max, counts).await?;
        insert_chunked(db, "mediators", self.mediators, max, counts).await?;
        insert_chunked(db, "mediator_languages", self.mediator_languages, max, counts).await?;
        insert_chunked(db, "volunteer_teams", self.teams, max, counts).await?;
        insert_chunked(db, "volunteers", self.volunteers, max, counts).await?;
        insert_chunked(db, "volunteer_memberships", self.memberships, max, counts).await?;
        insert_chunked(db, "volunteer_skills", self.skills, max, counts).await?;
        insert_chunked(db, "volunteer_languages", self.languages, max, counts).await?;
        insert_chunked(db, "volunteer_honours", self.honours, max, counts).await?;
        insert_chunked(db, "platforms", self.platforms, max, counts).await?;
        insert_chunked(db, "report_codes", self.report_codes, max, counts).await?;
        Ok(())
    }
}

/// The case rows of one batch, in foreign-key order.
#[derive(Default)]
struct CaseRows {
    cases: Vec<case::ActiveModel>,
    parties: Vec<case_party::ActiveModel>,
    timeline: Vec<case_timeline_entry::ActiveModel>,
    assignments: Vec<case_assignment::ActiveModel>,
    sessions: Vec<mediation_session::ActiveModel>,
    session_mediators: Vec<session_mediator::ActiveModel>,
    tasks: Vec<case_volunteer_task::ActiveModel>,
    follow_ups: Vec<follow_up::ActiveModel>,
    external: Vec<external_ref::ActiveModel>,
}

impl CaseRows {
    async fn write<C: ConnectionTrait>(
        self,
        db: &C,
        max: usize,
        counts: &mut Vec<(&'static str, u64)>,
    ) -> AppResult<()> {
        insert_chunked(db, "cases", self.cases, max, counts).await?;
        insert_chunked(db, "case_parties", self.parties, max, counts).await?;
        insert_chunked(db, "case_timeline_entries", self.timeline, max, counts).await?;
        insert_chunked(db, "case_assignments", self.assignments, max, counts).await?;
        insert_chunked(db, "mediation_sessions", self.sessions, max, counts).await?;
        insert_chunked(db, "session_mediators", self.session_mediators, max, counts).await?;
        insert_chunked(db, "case_volunteer_tasks", self.tasks, max, counts).await?;
        insert_chunked(db, "follow_ups", self.follow_ups, max, counts).await?;
        insert_chunked(db, "external_refs", self.external, max, counts).await?;
        Ok(())
    }
}

/// The deadline policies (as `deadline_policies` holds them), matched like the workflow does.
struct Policies(Vec<deadline_policy::Model>);

impl Policies {
    async fn load(db: &DatabaseConnection) -> AppResult<Self> {
        Ok(Policies(deadline_policy::Entity::find().all(db).await?))
    }

    /// (first response, resolution) minutes for a case assessed as `colour`, `kind`, `category`.
    fn minutes(&self, colour: RiskColour, kind: CaseKind, category: CaseCategory) -> Option<(i64, i64)> {
        let (c, k, g) = (colour.to_value(), kind.to_value(), category.to_value());
        self.0
            .iter()
            .filter(|p| {
                p.risk_colour == c && (p.kind == k || p.kind == "*") && (p.category == g || p.category == "*")
            })
            .max_by_key(|p| u8::from(p.category != "*") * 2 + u8::from(p.kind != "*"))
            .map(|p| {
                (
                    i64::from(p.first_response_minutes),
                    i64::from(p.resolution_minutes),
                )
            })
    }
}

/// The generator: its randomness, what it must not collide with, and the day counters.
struct Gen {
    r: R,
    opts: Options,
    taken: Taken,
    policies: Policies,
    region: &'static str,
    prefix: String,
    /// Master data is registered at this time (before the first case).
    since: i64,
    start: i64,
    end: i64,
    /// Time of the last master-data id.
    clock: i64,
}

/// What the case generator hands back when done.
struct Finish {
    counters: HashMap<String, i64>,
}

impl Gen {
    fn new(opts: &Options, taken: Taken, policies: Policies) -> Self {
        let mut r = R(StdRng::seed_from_u64(opts.seed));
        let end = opts
            .until
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc().timestamp())
            .unwrap_or_default();
        let start = end - i64::from(opts.years) * 365 * 86_400;
        let region = r.pick(REGIONS);
        Gen {
            r,
            opts: opts.clone(),
            taken,
            policies,
            region,
            prefix: format!("gen{}", opts.seed),
            since: start - 90 * 86_400,
            start,
            end,
            clock: start - 90 * 86_400,
        }
    }

    /// A fresh id for master data, one second after the previous one.
    fn next_id(&mut self) -> Uuid {
        self.clock += 1;
        self.r.uuid(self.clock)
    }

    /// A name not yet in the database or this run: `base`, else `alt`, else numbered.
    fn unique_name(&mut self, base: String, alt: &str) -> String {
        let mut candidate = base.clone();
        if self.taken.names.contains(&candidate) {
            candidate = format!("{alt}{base}");
        }
        let mut n = 2;
        while self.taken.names.contains(&candidate) {
            candidate = format!("{alt}{base}{n}");
            n += 1;
        }
        self.taken.names.insert(candidate.clone());
        candidate
    }

    /// A resident id not used before, born between the given years.
    fn person_id(&mut self, from_year: i32, to_year: i32, local: f64) -> String {
        loop {
            let region = if self.r.chance(local) {
                self.region
            } else {
                self.r.pick(OTHER_REGIONS)
            };
            let year = self.r.range(i64::from(from_year), i64::from(to_year) + 1) as i32;
            let day = self.r.range(0, 365) as u64;
            let birth = NaiveDate::from_ymd_opt(year, 1, 1)
                .and_then(|d| d.checked_add_days(chrono::Days::new(day)))
                .unwrap_or_default();
            let seq = self.r.range(1, 1000) as u32;
            let id = resident_id(region, birth, seq);
            if self.taken.codes.insert(id.clone()) {
                return id;
            }
        }
    }

    fn staff(&mut self, subject: String, role: &'static str) -> Staff {
        Staff {
            subject,
            role,
            name: self.r.name(),
            phone: self.r.mobile(),
        }
    }

    /// Everything but the cases.
    #[allow(clippy::too_many_lines)]
    fn master_data(&mut self) -> (Master, MasterRows) {
        let mut rows = MasterRows::default();
        let code = self.opts.district_code();
        let p = self.prefix.clone();
        let t0 = dt(self.since);
        let district_name = DISTRICTS[(self.opts.seed % DISTRICTS.len() as u64) as usize].to_owned();

        // ---- Grids: district → street → community → micro-grid; police grids beside them.
        let grid_row = |gen: &mut Gen,
                        rows: &mut MasterRows,
                        code: String,
                        name: String,
                        level: GridLevel,
                        kind: GridKind,
                        parent: Option<(Uuid, &str)>|
         -> (Uuid, String) {
            let id = gen.next_id();
            let path = match parent {
                None => format!("/{}/", id.simple()),
                Some((_, pp)) => format!("{pp}{}/", id.simple()),
            };
            rows.grids.push(grid::ActiveModel {
                id: Set(id),
                code: Set(code),
                name: Set(name),
                level: Set(level),
                kind: Set(kind),
                parent_id: Set(parent.map(|(p, _)| p)),
                path: Set(path.clone()),
                depth: Set(parent.map_or(0, |(_, pp)| pp.matches('/').count() as i32 - 1)),
                created_at: Set(t0),
                updated_at: Set(t0),
                ..Default::default()
            });
            (id, path)
        };
        let (district, district_path) = grid_row(
            self,
            &mut rows,
            code.clone(),
            district_name.clone(),
            GridLevel::District,
            GridKind::Community,
            None,
        );
        let street_count = 10usize;
        let mut street_names: Vec<&'static str> = Vec::new();
        while street_names.len() < street_count {
            let s = self.r.pick(STREETS);
            if !street_names.contains(&s) {
                street_names.push(s);
            }
        }
        let mut community_names: Vec<String> = Vec::new();
        let mut street_grids = Vec::new();
        let mut community_grids: Vec<(usize, Uuid, String, String)> = Vec::new();
        for (si, short) in street_names.iter().enumerate() {
            let (sid, spath) = grid_row(
                self,
                &mut rows,
                format!("{code}-S{:02}", si + 1),
                format!("{short}街道"),
                GridLevel::Area,
                GridKind::Community,
                Some((district, &district_path)),
            );
            street_grids.push((sid, spath.clone()));
            for ci in 0..15 {
                let name = loop {
                    let n = format!(
                        "{}{}社区",
                        self.r.pick(COMMUNITY_ROOTS),
                        self.r.pick(COMMUNITY_SUFFIXES)
                    );
                    if !community_names.contains(&n) {
                        break n;
                    }
                };
                community_names.push(name.clone());
                let (cid, cpath) = grid_row(
                    self,
                    &mut rows,
                    format!("{code}-S{:02}-C{:02}", si + 1, ci + 1),
                    name.clone(),
                    GridLevel::Group,
                    GridKind::Community,
                    Some((sid, &spath)),
                );
                community_grids.push((si, cid, cpath, name));
            }
        }
        let mut micro_grids: Vec<(usize, Uuid)> = Vec::new();
        for (ci, (si, cid, cpath, cname)) in community_grids.iter().enumerate() {
            let n = self.r.range(14, 27);
            for mi in 0..n {
                let (mid, _) = grid_row(
                    self,
                    &mut rows,
                    format!("{code}-S{:02}-C{:02}-M{:02}", si + 1, ci % 15 + 1, mi + 1),
                    format!("{cname}第{}网格", mi + 1),
                    GridLevel::Cluster,
                    GridKind::Community,
                    Some((*cid, cpath)),
                );
                micro_grids.push((ci, mid));
            }
        }
        // Police grids: the district's, one per station, one per pair of communities.
        let (police_root, police_path) = grid_row(
            self,
            &mut rows,
            format!("{code}-P"),
            format!("{district_name}警格"),
            GridLevel::District,
            GridKind::Police,
            None,
        );
        let mut community_police_grid = vec![Uuid::nil(); community_grids.len()];
        for (si, short) in street_names.iter().enumerate() {
            let (pid, ppath) = grid_row(
                self,
                &mut rows,
                format!("{code}-P{:02}", si + 1),
                format!("{short}派出所警格"),
                GridLevel::Area,
                GridKind::Police,
                Some((police_root, &police_path)),
            );
            let _ = pid;
            for pair in 0..8 {
                let members: Vec<usize> = (0..15).filter(|c| c / 2 == pair).map(|c| si * 15 + c).collect();
                let (gid, _) = grid_row(
                    self,
                    &mut rows,
                    format!("{code}-P{:02}-{:02}", si + 1, pair + 1),
                    format!("{short}第{}警格", pair + 1),
                    GridLevel::Group,
                    GridKind::Police,
                    Some((pid, &ppath)),
                );
                for c in members {
                    community_police_grid[c] = gid;
                    rows.coverage.push(police_grid_coverage::ActiveModel {
                        police_grid_id: Set(gid),
                        community_grid_id: Set(community_grids[c].1),
                    });
                }
            }
        }

        // ---- Units and their staff.
        let unit_row = |gen: &mut Gen,
                        rows: &mut MasterRows,
                        ucode: String,
                        name: String,
                        kind: UnitKind,
                        parent: Option<Uuid>,
                        grid: Uuid,
                        staff_role: &'static str,
                        person_kind: PersonKind,
                        staff_grid: Option<Uuid>|
         -> U {
            let id = gen.next_id();
            let phone = gen.r.landline();
            let address = format!("{}{}号", gen.r.pick(ROADS), gen.r.range(1, 600));
            rows.units.push(unit::ActiveModel {
                id: Set(id),
                code: Set(ucode.clone()),
                name: Set(name.clone()),
                kind: Set(kind),
                parent_id: Set(parent),
                grid_id: Set(Some(grid)),
                phone: Set(Some(phone)),
                address: Set(Some(address)),
                created_at: Set(t0),
                updated_at: Set(t0),
                ..Default::default()
            });
            let subject = format!("{}-{}", gen.prefix, ucode.to_lowercase());
            let staff = gen.staff(subject, staff_role);
            let rid = gen.person_id(1965, 1998, 0.8);
            let pid = gen.next_id();
            rows.persons.push(person::ActiveModel {
                id: Set(pid),
                subject: Set(Some(staff.subject.clone())),
                name: Set(staff.name.clone()),
                kind: Set(person_kind),
                phone: Set(Some(staff.phone.clone())),
                resident_id: Set(Some(rid)),
                unit_id: Set(Some(id)),
                grid_id: Set(staff_grid),
                enterprise_id: Set(None),
                created_at: Set(t0),
                updated_at: Set(t0),
            });
            U { id, name, staff }
        };
        use PersonKind as PK;
        use UnitKind as UK;
        let cc = code.clone();
        let command = unit_row(
            self,
            &mut rows,
            format!("{cc}-COMMAND"),
            format!("{district_name}社会治理指挥中心"),
            UK::CommandCentre,
            None,
            district,
            "commander",
            PK::Officer,
            Some(district),
        );
        let mut commanders = vec![command.staff.clone()];
        for i in 2..=3 {
            let s = self.staff(format!("{p}-command-{i}"), "commander");
            let rid = self.person_id(1968, 1992, 0.8);
            rows.persons.push(person::ActiveModel {
                id: Set(self.next_id()),
                subject: Set(Some(s.subject.clone())),
                name: Set(s.name.clone()),
                kind: Set(PK::Officer),
                phone: Set(Some(s.phone.clone())),
                resident_id: Set(Some(rid)),
                unit_id: Set(Some(command.id)),
                grid_id: Set(Some(district)),
                enterprise_id: Set(None),
                created_at: Set(t0),
                updated_at: Set(t0),
            });
            commanders.push(s);
        }
        let dep = |kind: UK| (kind, "department-staff", PK::DepartmentStaff);
        let district_unit =
            |gen: &mut Gen, rows: &mut MasterRows, suffix: &str, name: String, k: (UK, &'static str, PK)| {
                unit_row(
                    gen,
                    rows,
                    format!("{cc}-{suffix}"),
                    name,
                    k.0,
                    None,
                    district,
                    k.1,
                    k.2,
                    None,
                )
            };
        let justice = district_unit(
            self,
            &mut rows,
            "JUSTICE",
            format!("{district_name}司法局"),
            dep(UK::Justice),
        );
        let petitions = district_unit(
            self,
            &mut rows,
            "PETITIONS",
            format!("{district_name}信访局"),
            dep(UK::Petitions),
        );
        let gas = district_unit(
            self,
            &mut rows,
            "GAS",
            "城北燃气有限公司".to_owned(),
            dep(UK::Utility),
        );
        let water = district_unit(
            self,
            &mut rows,
            "WATER",
            "城北水务有限公司".to_owned(),
            dep(UK::Utility),
        );
        let labour = district_unit(
            self,
            &mut rows,
            "LABOUR",
            format!("{district_name}人力社保局劳动保障监察大队"),
            dep(UK::OtherDepartment),
        );
        let housing = district_unit(
            self,
            &mut rows,
            "HOUSING",
            format!("{district_name}住建局物业监管科"),
            dep(UK::OtherDepartment),
        );
        let _ = (petitions, water);
        let mut fires = Vec::new();
        for (i, name) in ["城北消防救援站", "运河消防救援站", "半山消防救援站"]
            .iter()
            .enumerate()
        {
            fires.push(district_unit(
                self,
                &mut rows,
                &format!("FIRE{}", i + 1),
                (*name).to_owned(),
                dep(UK::Fire),
            ));
        }
        let mut streets = Vec::new();
        let mut communities: Vec<Community> = Vec::new();
        for (si, short) in street_names.iter().enumerate() {
            let sg = street_grids[si].0;
            let scode = format!("{code}-S{:02}", si + 1);
            let station = unit_row(
                self,
                &mut rows,
                format!("{scode}-STATION"),
                format!("{short}派出所"),
                UK::PoliceStation,
                None,
                sg,
                "community-police",
                PK::Officer,
                Some(sg),
            );
            let commander = {
                let s = self.staff(format!("{p}-s{:02}-commander", si + 1), "commander");
                let rid = self.person_id(1968, 1990, 0.8);
                rows.persons.push(person::ActiveModel {
                    id: Set(self.next_id()),
                    subject: Set(Some(s.subject.clone())),
                    name: Set(s.name.clone()),
                    kind: Set(PK::Officer),
                    phone: Set(Some(s.phone.clone())),
                    resident_id: Set(Some(rid)),
                    unit_id: Set(Some(station.id)),
                    grid_id: Set(Some(sg)),
                    enterprise_id: Set(None),
                    created_at: Set(t0),
                    updated_at: Set(t0),
                });
                s
            };
            let gov = unit_row(
                self,
                &mut rows,
                format!("{scode}-GOV"),
                format!("{short}街道综治中心"),
                UK::GovernanceCentre,
                None,
                sg,
                "grid-worker",
                PK::Other,
                Some(sg),
            );
            let law = unit_row(
                self,
                &mut rows,
                format!("{scode}-LAW"),
                format!("{short}街道综合行政执法队"),
                UK::LawEnforcement,
                None,
                sg,
                "department-staff",
                PK::DepartmentStaff,
                None,
            );
            let market = unit_row(
                self,
                &mut rows,
                format!("{scode}-MARKET"),
                format!("{short}市场监督管理所"),
                UK::MarketSupervision,
                None,
                sg,
                "department-staff",
                PK::DepartmentStaff,
                None,
            );
            // A police office for every third community, named after it.
            let mut offices = Vec::new();
            for ci in 0..15 {
                let c = si * 15 + ci;
                let office = if ci % 3 == 0 {
                    let cname = community_grids[c].3.trim_end_matches("社区").to_owned();
                    offices.push(unit_row(
                        self,
                        &mut rows,
                        format!("{scode}-OFFICE{:02}", ci + 1),
                        format!("{cname}警务室"),
                        UK::PoliceOffice,
                        Some(station.id),
                        community_grids[c].1,
                        "community-police",
                        PK::Officer,
                        Some(community_police_grid[c]),
                    ));
                    Some(offices.len() - 1)
                } else {
                    offices.len().checked_sub(1)
                };
                // The community police officer of the community's police grid.
                let police = if ci % 2 == 0 {
                    let s = self.staff(
                        format!("{p}-police-s{:02}-{:02}", si + 1, ci / 2 + 1),
                        "community-police",
                    );
                    let rid = self.person_id(1975, 1996, 0.8);
                    rows.persons.push(person::ActiveModel {
                        id: Set(self.next_id()),
                        subject: Set(Some(s.subject.clone())),
                        name: Set(s.name.clone()),
                        kind: Set(PK::Officer),
                        phone: Set(Some(s.phone.clone())),
                        resident_id: Set(Some(rid)),
                        unit_id: Set(Some(office.map_or(station.id, |o| offices[o].id))),
                        grid_id: Set(Some(community_police_grid[c])),
                        enterprise_id: Set(None),
                        created_at: Set(t0),
                        updated_at: Set(t0),
                    });
                    s
                } else {
                    communities[c - 1].police.clone()
                };
                let (lat, lng) = (30.27 + self.r.f() * 0.16, 120.08 + self.r.f() * 0.16);
                communities.push(Community {
                    street: si,
                    name: community_grids[c].3.clone(),
                    grid: community_grids[c].1,
                    police,
                    office,
                    room: 0,
                    report_code: Uuid::nil(),
                    centre: (lat, lng),
                });
            }
            streets.push(Street {
                short,
                grid: sg,
                station,
                offices,
                gov,
                law,
                market,
                commander,
                fire: si % 3,
                rooms: Vec::new(),
                teams: Vec::new(),
            });
        }
        // Grid workers: one per micro-grid.
        let mut micros = Vec::with_capacity(micro_grids.len());
        for (i, (ci, mid)) in micro_grids.iter().enumerate() {
            let s = self.staff(format!("{p}-gw-{:05}", i + 1), "grid-worker");
            let rid = self.person_id(1970, 2000, 0.85);
            let gov = streets[communities[*ci].street].gov.id;
            rows.persons.push(person::ActiveModel {
                id: Set(self.next_id()),
                subject: Set(Some(s.subject.clone())),
                name: Set(s.name.clone()),
                kind: Set(PK::GridWorker),
                phone: Set(Some(s.phone.clone())),
                resident_id: Set(Some(rid)),
                unit_id: Set(Some(gov)),
                grid_id: Set(Some(*mid)),
                enterprise_id: Set(None),
                created_at: Set(t0),
                updated_at: Set(t0),
            });
            micros.push(Micro {
                community: *ci,
                grid: *mid,
                worker: s,
            });
        }
        // Activity: some micro-grids (markets, old estates) see far more cases than others.
        let mut micro_cum = Vec::with_capacity(micros.len());
        let mut acc = 0.0;
        for _ in &micros {
            acc += (0.8 * self.r.normal()).exp();
            micro_cum.push(acc);
        }

        // ---- Enterprises, their contacts and liaison accounts.
        let mut ents = Vec::new();
        let mut ent_cum = Vec::new();
        let mut hazardous_ents = Vec::new();
        let mut liaison_ents = Vec::new();
        let mut acc = 0.0;
        let police_person = |communities: &Vec<Community>, micro: usize, micros: &Vec<Micro>| {
            communities[micros[micro].community].police.subject.clone()
        };
        let mut person_ids: HashMap<String, Uuid> = HashMap::new();
        for row in &rows.persons {
            if let (sea_orm::ActiveValue::Set(Some(s)), sea_orm::ActiveValue::Set(id)) =
                (&row.subject, &row.id)
            {
                person_ids.insert(s.clone(), *id);
            }
        }
        let industry_weights: Vec<(usize, f64)> =
            INDUSTRIES.iter().enumerate().map(|(i, x)| (i, x.2)).collect();
        for ei in 0..2000 {
            let ind = self.r.choose(&industry_weights);
            let (industry, word, _, hazardous) = INDUSTRIES[ind];
            let micro = self.r.idx(micros.len());
            let organisation = loop {
                let mut org = String::from("MA");
                for _ in 0..7 {
                    org.push(char::from(validate::CREDIT_ALPHABET[self.r.idx(31)]));
                }
                let cc = credit_code(self.region, &org);
                if self.taken.codes.insert(cc.clone()) {
                    break cc;
                }
            };
            let name = format!(
                "杭州{}{}{}有限公司",
                self.r.pick(FIRM_WORDS),
                self.r.pick(FIRM_WORDS),
                word
            );
            let above = self.r.chance(if ind <= 2 { 0.25 } else { 0.08 });
            let id = self.next_id();
            let liaison_officer = person_ids
                .get(&police_person(&communities, micro, &micros))
                .copied();
            rows.enterprises.push(enterprise::ActiveModel {
                id: Set(id),
                credit_code: Set(organisation),
                name: Set(name.clone()),
                industry: Set(Some(industry.to_owned())),
                above_designated_size: Set(above),
                hazardous_chemicals: Set(hazardous),
                address: Set(Some(format!("{}{}号", self.r.pick(ROADS), self.r.range(1, 900)))),
                grid_id: Set(Some(micros[micro].grid)),
                liaison_officer_id: Set(liaison_officer),
                created_at: Set(t0),
                updated_at: Set(t0),
                ..Default::default()
            });
            let positions = ["法定代表人", "总经理", "人事经理", "安全负责人", "行政主管"];
            let contact_name = self.r.name();
            let contact_phone = self.r.mobile();
            rows.contacts.push(enterprise_contact::ActiveModel {
                id: Set(self.next_id()),
                enterprise_id: Set(id),
                name: Set(contact_name.clone()),
                phone: Set(Some(contact_phone.clone())),
                position: Set(Some(self.r.pick(&positions).to_owned())),
                is_primary: Set(true),
                created_at: Set(t0),
            });
            // A portal account for about a quarter of them, more for the large ones.
            let liaison = if self.r.chance(if above { 0.6 } else { 0.2 }) {
                let s = Staff {
                    subject: format!("{p}-liaison-{:04}", ei + 1),
                    role: "enterprise-liaison",
                    name: contact_name,
                    phone: contact_phone,
                };
                let rid = self.person_id(1965, 1998, 0.6);
                rows.persons.push(person::ActiveModel {
                    id: Set(self.next_id()),
                    subject: Set(Some(s.subject.clone())),
                    name: Set(s.name.clone()),
                    kind: Set(PK::EnterpriseLiaison),
                    phone: Set(Some(s.phone.clone())),
                    resident_id: Set(Some(rid)),
                    unit_id: Set(None),
                    grid_id: Set(Some(micros[micro].grid)),
                    enterprise_id: Set(Some(id)),
                    created_at: Set(t0),
                    updated_at: Set(t0),
                });
                liaison_ents.push(ents.len());
                Some(s)
            } else {
                None
            };
            if hazardous {
                hazardous_ents.push(ents.len());
            }
            acc += if above { 4.0 } else { 1.0 };
            ent_cum.push(acc);
            ents.push(Ent {
                id,
                name,
                micro,
                liaison,
            });
        }

        // ---- Mediation rooms at three levels, and their mediators.
        let mut rooms: Vec<Room> = Vec::new();
        let mut med_no = 0usize;
        let mut room_row = |gen: &mut Gen,
                            rows: &mut MasterRows,
                            name: String,
                            level: MediationLevel,
                            grid: Uuid,
                            unit: Uuid,
                            description: &str|
         -> usize {
            let id = gen.next_id();
            let phone = gen.r.landline();
            let address = format!("{}{}号", gen.r.pick(ROADS), gen.r.range(1, 600));
            rows.rooms.push(mediation_room::ActiveModel {
                id: Set(id),
                name: Set(name.clone()),
                level: Set(level),
                grid_id: Set(Some(grid)),
                unit_id: Set(Some(unit)),
                address: Set(Some(address)),
                phone: Set(Some(phone)),
                description: Set(Some(description.to_owned())),
                created_at: Set(t0),
                updated_at: Set(t0),
                ..Default::default()
            });
            rooms.push(Room {
                id,
                name,
                level,
                mediators: Vec::new(),
            });
            rooms.len() - 1
        };
        let mut district_rooms = Vec::new();
        let n = self.unique_name(format!("{district_name}矛盾纠纷调解中心"), "");
        district_rooms.push(room_row(
            self,
            &mut rows,
            n,
            MediationLevel::District,
            district,
            justice.id,
            "区级重大矛盾纠纷调解，司法、执法部门参与。",
        ));
        let n = self.unique_name(format!("{district_name}共享法庭"), "");
        district_rooms.push(room_row(
            self,
            &mut rows,
            n,
            MediationLevel::District,
            district,
            justice.id,
            "诉前调解与在线司法确认。",
        ));
        let mut foreign_room = 0;
        for (si, street) in streets.iter_mut().enumerate() {
            let surname = self.r.pick(SURNAMES);
            let n = self.unique_name(format!("{}老{surname}调解室", street.short), &district_name);
            let chief = room_row(
                self,
                &mut rows,
                n,
                MediationLevel::Street,
                street.grid,
                street.station.id,
                "以首席调解员命名的调解室，年调处纠纷300余起。",
            );
            let n = self.unique_name(format!("{}百姓议事堂", street.short), &district_name);
            let hall = room_row(
                self,
                &mut rows,
                n,
                MediationLevel::Street,
                street.grid,
                street.gov.id,
                "社区、人大代表、政协委员、警风监督员组成联合调解组，调处较大纠纷。",
            );
            street.rooms = vec![chief, hall];
            if si == 0 {
                let n = self.unique_name(format!("{}同心圆涉外调解室", street.short), &district_name);
                foreign_room = room_row(
                    self,
                    &mut rows,
                    n,
                    MediationLevel::Street,
                    street.grid,
                    street.station.id,
                    "外籍调解员（洋娘舅）调解涉外商贸纠纷，12名调解员来自11个国家。",
                );
            }
        }
        for c in communities.iter_mut() {
            let n = self.unique_name(format!("{}警民联调工作站", c.name), &district_name);
            let station = streets[c.street].station.id;
            c.room = room_row(
                self,
                &mut rows,
                n,
                MediationLevel::Community,
                c.grid,
                station,
                "派出所驻站调解员与网格员联合调解一般纠纷。",
            );
        }
        for (ri, room) in rooms.iter_mut().enumerate() {
            let (kinds, count): (&[(MediatorKind, f64)], i64) = match room.level {
                MediationLevel::District => (
                    &[
                        (MediatorKind::Lawyer, 3.0),
                        (MediatorKind::Professional, 3.0),
                        (MediatorKind::Deputy, 2.0),
                    ],
                    self.r.range(4, 7),
                ),
                MediationLevel::Street => (
                    &[
                        (MediatorKind::Professional, 3.0),
                        (MediatorKind::RetiredPolice, 2.0),
                        (MediatorKind::Deputy, 2.0),
                        (MediatorKind::Lawyer, 1.0),
                    ],
                    self.r.range(3, 6),
                ),
                MediationLevel::Community => (
                    &[
                        (MediatorKind::Police, 3.0),
                        (MediatorKind::Volunteer, 3.0),
                        (MediatorKind::RetiredPolice, 1.0),
                    ],
                    self.r.range(2, 4),
                ),
            };
            let mut people: Vec<(String, MediatorKind, &'static str, &'static [&'static str])> = Vec::new();
            if ri == foreign_room {
                people.push((self.r.name(), MediatorKind::Chief, "CN", &["zh"]));
                for (name, nat, langs) in FOREIGN_MEDIATORS {
                    people.push(((*name).to_owned(), MediatorKind::Foreign, nat, langs));
                }
            } else {
                for k in 0..count {
                    let kind = if k == 0 && room.level == MediationLevel::Street {
                        MediatorKind::Chief
                    } else {
                        self.r.choose(kinds)
                    };
                    let langs: &'static [&'static str] = if self.r.chance(0.1) {
                        &["zh", "en"]
                    } else {
                        &["zh"]
                    };
                    people.push((self.r.name(), kind, "CN", langs));
                }
            }
            for (name, kind, nat, langs) in people {
                med_no += 1;
                let id = self.next_id();
                let subject = format!("{p}-med-{med_no:04}");
                rows.mediators.push(mediator::ActiveModel {
                    id: Set(id),
                    subject: Set(Some(subject.clone())),
                    room_id: Set(room.id),
                    name: Set(name),
                    kind: Set(kind),
                    phone: Set(Some(self.r.mobile())),
                    nationality: Set(Some(nat.to_owned())),
                    active: Set(true),
                    created_at: Set(t0),
                    updated_at: Set(t0),
                    ..Default::default()
                });
                for l in langs {
                    rows.mediator_languages.push(mediator_language::ActiveModel {
                        mediator_id: Set(id),
                        language: Set((*l).to_owned()),
                    });
                }
                room.mediators.push(Med {
                    id,
                    subject,
                    languages: langs,
                });
            }
        }

        // ---- Volunteer teams and volunteers (Gongshu: 265 teams, 92,958 volunteers).
        let alliance = format!("{district_name}义警联盟");
        let mut teams: Vec<Team> = Vec::new();
        let mut team_row = |gen: &mut Gen,
                            rows: &mut MasterRows,
                            name: String,
                            kind: VolunteerTeamKind,
                            grid: Uuid,
                            unit: Uuid,
                            allied: bool|
         -> usize {
            let id = gen.next_id();
            rows.teams.push(volunteer_team::ActiveModel {
                id: Set(id),
                name: Set(name.clone()),
                brand: Set(Some(name.clone())),
                kind: Set(kind),
                alliance: Set(allied.then(|| alliance.clone())),
                grid_id: Set(Some(grid)),
                unit_id: Set(Some(unit)),
                created_at: Set(t0),
                updated_at: Set(t0),
                ..Default::default()
            });
            teams.push(Team {
                id,
                name,
                kind,
                members: Vec::new(),
            });
            teams.len() - 1
        };
        let mut rescue_teams = Vec::new();
        for (name, unit) in [
            ("雄鹰救援队", &command),
            ("蓝天救援队", &command),
            ("水上救援队", &fires[0]),
        ] {
            let n = self.unique_name(format!("{district_name}{name}"), "");
            rescue_teams.push(team_row(
                self,
                &mut rows,
                n,
                VolunteerTeamKind::Rescue,
                district,
                unit.id,
                true,
            ));
        }
        let patterns: &[(&str, VolunteerTeamKind)] = &[
            ("大妈", VolunteerTeamKind::Patrol),
            ("义警", VolunteerTeamKind::Patrol),
            ("平安志愿者服务队", VolunteerTeamKind::General),
            ("邻里调解队", VolunteerTeamKind::Mediation),
            ("应急救援队", VolunteerTeamKind::Rescue),
            ("护学岗志愿队", VolunteerTeamKind::General),
            ("共治队", VolunteerTeamKind::Patrol),
            ("好人服务队", VolunteerTeamKind::Mediation),
        ];
        for si in 0..streets.len() {
            let short = streets[si].short;
            let (sgrid, station) = (streets[si].grid, streets[si].station.id);
            for (suffix, kind) in patterns {
                let n = self.unique_name(format!("{short}{suffix}"), &district_name);
                let allied = self.r.chance(0.6);
                let t = team_row(self, &mut rows, n, *kind, sgrid, station, allied);
                streets[si].teams.push(t);
            }
            // A few communities run their own patrol teams.
            for c in 0..15 {
                if self.r.chance(0.3) {
                    let com = &communities[si * 15 + c];
                    let (cname, cgrid) = (com.name.trim_end_matches("社区").to_owned(), com.grid);
                    let n = self.unique_name(format!("{cname}红袖章巡防队"), &district_name);
                    let t = team_row(
                        self,
                        &mut rows,
                        n,
                        VolunteerTeamKind::Patrol,
                        cgrid,
                        station,
                        false,
                    );
                    streets[si].teams.push(t);
                }
            }
        }
        let volunteers = (self.opts.cases / 5).clamp(3_000, 60_000) as usize;
        let skill_by_kind = |k: VolunteerTeamKind| -> &'static [Skill] {
            match k {
                VolunteerTeamKind::Patrol => &[Skill::Patrol, Skill::FirstAid, Skill::Driving],
                VolunteerTeamKind::Rescue => {
                    &[Skill::Rescue, Skill::FirstAid, Skill::Swimming, Skill::Driving]
                }
                VolunteerTeamKind::Mediation => &[Skill::Mediation, Skill::Legal, Skill::Translation],
                VolunteerTeamKind::General => &[Skill::Patrol, Skill::FirstAid, Skill::Other],
            }
        };
        for vi in 0..volunteers {
            let id = self
                .r
                .uuid(self.since + (vi as i64 * 400) % (self.start - self.since));
            let status = self.r.choose(&[
                (VolunteerStatus::Approved, 90.0),
                (VolunteerStatus::Pending, 7.0),
                (VolunteerStatus::Suspended, 3.0),
            ]);
            let minutes = if status == VolunteerStatus::Pending {
                0
            } else {
                self.r.lognormal(1200.0, 1.0)
            };
            let rid = self.person_id(1950, 2004, 0.85);
            let subject = self.r.chance(0.4).then(|| format!("{p}-vol-{:06}", vi + 1));
            rows.volunteers.push(volunteer::ActiveModel {
                id: Set(id),
                subject: Set(subject),
                name: Set(self.r.name()),
                phone: Set(self.r.mobile()),
                resident_id: Set(Some(rid)),
                status: Set(status),
                service_minutes: Set(minutes),
                created_at: Set(t0),
                updated_at: Set(t0),
                ..Default::default()
            });
            // The first volunteers lead one team each; the rest join one (sometimes two).
            let first = if vi < teams.len() {
                vi
            } else {
                self.r.idx(teams.len())
            };
            let mut joined = vec![first];
            if vi >= teams.len() && self.r.chance(0.12) {
                let second = self.r.idx(teams.len());
                if second != first {
                    joined.push(second);
                }
            }
            for (k, ti) in joined.iter().enumerate() {
                rows.memberships.push(volunteer_membership::ActiveModel {
                    volunteer_id: Set(id),
                    team_id: Set(teams[*ti].id),
                    role: Set(if vi < teams.len() && k == 0 {
                        MembershipRole::Leader
                    } else {
                        MembershipRole::Member
                    }),
                    joined_at: Set(t0),
                });
                if status == VolunteerStatus::Approved {
                    teams[*ti].members.push(id);
                }
            }
            let pool = skill_by_kind(teams[first].kind);
            let mut skills: Vec<Skill> = Vec::new();
            for _ in 0..self.r.range(1, 4) {
                let s = self.r.pick(pool);
                if !skills.contains(&s) {
                    skills.push(s);
                }
            }
            for s in skills {
                rows.skills.push(volunteer_skill::ActiveModel {
                    volunteer_id: Set(id),
                    skill: Set(s),
                });
            }
            let mut langs = vec!["zh"];
            if self.r.chance(0.08) {
                langs.push("en");
            }
            if self.r.chance(0.01) {
                langs.push(self.r.pick(&["ja", "ko", "fr", "ar", "ru"]));
            }
            for l in langs {
                rows.languages.push(volunteer_language::ActiveModel {
                    volunteer_id: Set(id),
                    language: Set(l.to_owned()),
                });
            }
            if status == VolunteerStatus::Approved && self.r.chance(0.03) {
                let (title, by) = if self.r.chance(0.5) {
                    (MEDAL, format!("{district_name}公安分局"))
                } else {
                    (BRAVE, format!("{district_name}见义勇为基金会"))
                };
                let on = dt(self.r.range(self.since, self.end)).date_naive();
                rows.honours.push(volunteer_honour::ActiveModel {
                    id: Set(self.next_id()),
                    volunteer_id: Set(id),
                    title: Set(title.to_owned()),
                    awarded_by: Set(Some(by)),
                    awarded_on: Set(on),
                    created_at: Set(t0),
                });
            }
        }
        // Volunteers were registered over the months before the first case; keep them in
        // id order for keyset pagination.
        rows.volunteers.sort_by_key(|v| match &v.id {
            sea_orm::ActiveValue::Set(id) => *id,
            _ => Uuid::nil(),
        });

        // ---- Platforms and report codes.
        let plat = |gen: &mut Gen,
                    rows: &mut MasterRows,
                    suffix: &str,
                    name: &str,
                    kind: PlatformKind,
                    sub: PlatformSubscription,
                    prefix: &'static str| {
            let id = gen.next_id();
            let mut secret = [0u8; 24];
            gen.r.0.fill_bytes(&mut secret);
            rows.platforms.push(platform::ActiveModel {
                id: Set(id),
                code: Set(format!("{code}-{suffix}")),
                name: Set(format!("{name}（{district_name}）")),
                kind: Set(kind),
                enabled: Set(true),
                webhook_url: Set(None),
                secret: Set(hex::encode(secret)),
                status_map: Set("{}".to_owned()),
                subscription: Set(sub),
                authority: Set(crate::service::platform::DEFAULT_AUTHORITY.to_owned()),
                signature_algorithm: Set(Default::default()),
                created_at: Set(t0),
                updated_at: Set(t0),
            });
            Plat {
                id,
                name: name.to_owned(),
                staff: Staff {
                    subject: format!("{}-platform-{}", gen.prefix, suffix.to_lowercase()),
                    role: "platform",
                    name: name.to_owned(),
                    phone: String::new(),
                },
                prefix,
            }
        };
        use PlatformKind as PF;
        use PlatformSubscription as PS;
        let p110 = plat(
            self,
            &mut rows,
            "110",
            "110接处警平台",
            PF::Dispatch110,
            PS::OwnCases,
            "JJ",
        );
        let four = plat(
            self,
            &mut rows,
            "FOUR",
            "基层治理四平台",
            PF::FourPlatforms,
            PS::AllCases,
            "4PT",
        );
        let police_grid = plat(
            self,
            &mut rows,
            "POLICE-GRID",
            "警网协同指挥调度平台",
            PF::PoliceGrid,
            PS::OwnCases,
            "JWXT",
        );
        let smart = plat(
            self,
            &mut rows,
            "SMART",
            "智安企业平台",
            PF::SmartEnterprise,
            PS::Feedback,
            "ZAQY",
        );
        let hotline = plat(
            self,
            &mut rows,
            "12345",
            "12345政务服务热线",
            PF::Hotline12345,
            PS::Feedback,
            "12345-",
        );
        let mini = plat(
            self,
            &mut rows,
            "MINI",
            "平安共治小程序",
            PF::MiniProgram,
            PS::OwnCases,
            "WX",
        );
        for (ci, c) in communities.iter_mut().enumerate() {
            let id = self.next_id();
            let road = self.r.pick(ROADS);
            let n = self.r.range(1, 400);
            rows.report_codes.push(report_code::ActiveModel {
                id: Set(id),
                code: Set(format!("{code}-RC-{:03}", ci + 1)),
                label: Set(format!("{}民情码", c.name)),
                place: Set(Some(format!("{road}{n}号路灯杆"))),
                grid_id: Set(Some(c.grid)),
                room_id: Set(None),
                enterprise_id: Set(None),
                active: Set(true),
                created_at: Set(t0),
                ..Default::default()
            });
            c.report_code = id;
        }
        for (i, r) in rooms
            .iter()
            .enumerate()
            .filter(|(_, r)| r.level != MediationLevel::Community)
        {
            rows.report_codes.push(report_code::ActiveModel {
                id: Set(self.next_id()),
                code: Set(format!("{code}-RC-ROOM-{:02}", i + 1)),
                label: Set(format!("{}解纷码", r.name)),
                place: Set(Some(format!("{}门口", r.name))),
                grid_id: Set(Some(district)),
                room_id: Set(Some(r.id)),
                enterprise_id: Set(None),
                active: Set(true),
                created_at: Set(t0),
                ..Default::default()
            });
        }

        let master = Master {
            district,
            district_name,
            police_root,
            streets,
            communities,
            micros,
            micro_cum,
            ents,
            ent_cum,
            hazardous_ents,
            liaison_ents,
            rooms,
            district_rooms,
            foreign_room,
            teams,
            rescue_teams,
            command: commanders,
            justice,
            fires,
            gas,
            labour,
            housing,
            p110,
            four,
            police_grid,
            smart,
            hotline,
            mini,
        };
        (master, rows)
    }
}

// ---------------------------------------------------------------------------------------------
// Cases.

/// Share of cases reported in each hour of the day (00–23).
const HOURS: [(i64, f64); 24] = [
    (0, 1.0),
    (1, 0.6),
    (2, 0.4),
    (3, 0.3),
    (4, 0.3),
    (5, 0.5),
    (6, 1.2),
    (7, 2.5),
    (8, 4.0),
    (9, 5.0),
    (10, 5.2),
    (11, 4.8),
    (12, 3.8),
    (13, 4.0),
    (14, 4.8),
    (15, 5.0),
    (16, 4.8),
    (17, 4.5),
    (18, 4.2),
    (19, 4.6),
    (20, 4.8),
    (21, 4.0),
    (22, 2.8),
    (23, 1.8),
];

/// Kinds other than disputes (disputes follow their own yearly trend).
const OTHER_KINDS: &[(CaseKind, f64)] = &[
    (CaseKind::PoliceIncident, 22.0),
    (CaseKind::NonPoliceIncident, 20.0),
    (CaseKind::SafetyHazard, 10.0),
    (CaseKind::HelpRequest, 13.0),
    (CaseKind::EnterpriseCase, 5.0),
];

/// Dispute-type cases fall 19.5% a year (Jinhua); the rest grow a little as channels open.
const DISPUTE_TREND: f64 = 0.805;
const OTHER_TREND: f64 = 1.05;
/// Share of disputes in the middle of the span.
const DISPUTE_SHARE: f64 = 0.30;

fn categories(kind: CaseKind) -> &'static [(CaseCategory, f64)] {
    use CaseCategory as C;
    match kind {
        CaseKind::Dispute => &[
            (C::Neighbour, 30.0),
            (C::Family, 18.0),
            (C::Labour, 12.0),
            (C::Property, 12.0),
            (C::Consumer, 12.0),
            (C::Commercial, 6.0),
            (C::Noise, 10.0),
        ],
        CaseKind::PoliceIncident => &[
            (C::Theft, 35.0),
            (C::Fraud, 25.0),
            (C::Traffic, 15.0),
            (C::Other, 25.0),
        ],
        CaseKind::NonPoliceIncident => &[
            (C::Noise, 30.0),
            (C::Traffic, 20.0),
            (C::Property, 15.0),
            (C::Other, 35.0),
        ],
        CaseKind::SafetyHazard => &[
            (C::FireRisk, 40.0),
            (C::Gas, 25.0),
            (C::Traffic, 10.0),
            (C::Other, 25.0),
        ],
        CaseKind::HelpRequest => &[
            (C::LostProperty, 50.0),
            (C::MissingPerson, 15.0),
            (C::Other, 35.0),
        ],
        CaseKind::EnterpriseCase => &[
            (C::Labour, 25.0),
            (C::Commercial, 30.0),
            (C::Fraud, 10.0),
            (C::Other, 35.0),
        ],
    }
}

fn sources(kind: CaseKind) -> &'static [(CaseSource, f64)] {
    use CaseSource as S;
    match kind {
        CaseKind::PoliceIncident => &[
            (S::Call110, 70.0),
            (S::Officer, 10.0),
            (S::WalkIn, 10.0),
            (S::MiniProgram, 5.0),
            (S::PoliceGridPlatform, 5.0),
        ],
        CaseKind::NonPoliceIncident => &[
            (S::Call110, 45.0),
            (S::FourPlatforms, 15.0),
            (S::PoliceGridPlatform, 15.0),
            (S::Hotline12345, 20.0),
            (S::MiniProgram, 5.0),
        ],
        CaseKind::Dispute => &[
            (S::WalkIn, 20.0),
            (S::Call110, 15.0),
            (S::GridWorker, 20.0),
            (S::FourPlatforms, 10.0),
            (S::Hotline12345, 15.0),
            (S::MiniProgram, 10.0),
            (S::ReportCode, 5.0),
            (S::PoliceGridPlatform, 5.0),
        ],
        CaseKind::SafetyHazard => &[
            (S::GridWorker, 35.0),
            (S::Officer, 15.0),
            (S::ReportCode, 15.0),
            (S::MiniProgram, 15.0),
            (S::FourPlatforms, 10.0),
            (S::Hotline12345, 10.0),
        ],
        CaseKind::HelpRequest => &[
            (S::Call110, 50.0),
            (S::WalkIn, 20.0),
            (S::MiniProgram, 15.0),
            (S::Hotline12345, 10.0),
            (S::ReportCode, 5.0),
        ],
        CaseKind::EnterpriseCase => &[
            (S::EnterprisePortal, 45.0),
            (S::EnterprisePlatform, 35.0),
            (S::WalkIn, 10.0),
            (S::Officer, 10.0),
        ],
    }
}

/// Risk colour weights (red, orange, yellow, green).
fn colours(kind: CaseKind, cat: CaseCategory) -> [(RiskColour, f64); 4] {
    use CaseCategory as C;
    let w = match (kind, cat) {
        (_, C::MissingPerson) => [35.0, 45.0, 15.0, 5.0],
        (_, C::Gas) => [15.0, 35.0, 35.0, 15.0],
        (_, C::FireRisk) => [8.0, 25.0, 40.0, 27.0],
        (_, C::Theft | C::Fraud) => [10.0, 25.0, 40.0, 25.0],
        (_, C::Family) => [6.0, 15.0, 34.0, 45.0],
        (_, C::LostProperty) => [1.0, 5.0, 24.0, 70.0],
        (_, C::Noise) => [0.5, 4.0, 25.0, 70.5],
        (CaseKind::HelpRequest, _) => [12.0, 20.0, 33.0, 35.0],
        _ => [4.0, 13.0, 28.0, 55.0],
    };
    [
        (RiskColour::Red, w[0]),
        (RiskColour::Orange, w[1]),
        (RiskColour::Yellow, w[2]),
        (RiskColour::Green, w[3]),
    ]
}

fn severity(r: &mut R, colour: RiskColour) -> Severity {
    use Severity as S;
    match colour {
        RiskColour::Red => r.choose(&[(S::Major, 25.0), (S::Larger, 50.0), (S::Ordinary, 25.0)]),
        RiskColour::Orange => r.choose(&[(S::Major, 3.0), (S::Larger, 30.0), (S::Ordinary, 67.0)]),
        RiskColour::Yellow => r.choose(&[(S::Larger, 8.0), (S::Ordinary, 92.0)]),
        RiskColour::Green => S::Ordinary,
    }
}

fn colour_cn(c: RiskColour) -> &'static str {
    match c {
        RiskColour::Red => "红色",
        RiskColour::Orange => "橙色",
        RiskColour::Yellow => "黄色",
        RiskColour::Green => "绿色",
    }
}

fn titles(kind: CaseKind, cat: CaseCategory) -> &'static [&'static str] {
    use CaseCategory as C;
    use CaseKind as K;
    match (kind, cat) {
        (K::Dispute, C::Neighbour) => &[
            "楼上楼下漏水纠纷",
            "邻居占用公共楼道堆放杂物",
            "相邻房屋装修引发墙体开裂纠纷",
            "邻里宠物扰民纠纷",
            "公共通道违建引发邻里矛盾",
        ],
        (K::Dispute, C::Family) => &[
            "赡养老人费用分摊纠纷",
            "夫妻感情纠纷引发争吵",
            "遗产继承房屋分配纠纷",
            "子女抚养费纠纷",
        ],
        (K::Dispute, C::Labour) => &[
            "员工讨要拖欠工资",
            "工伤赔偿协商纠纷",
            "解除劳动合同经济补偿纠纷",
            "农民工工资拖欠集体反映",
        ],
        (K::Dispute, C::Property) => &[
            "物业费收取争议",
            "小区停车位分配纠纷",
            "电梯维修资金使用争议",
            "业主与物业因漏水维修推诿产生纠纷",
        ],
        (K::Dispute, C::Consumer) => &[
            "预付卡退费纠纷",
            "网购商品质量退换纠纷",
            "装修工程质量纠纷",
            "餐饮消费争议",
        ],
        (K::Dispute, C::Commercial) => &[
            "货款结算纠纷",
            "外贸订单质量标准争议",
            "租赁合同押金纠纷",
            "加工订单违约纠纷",
        ],
        (K::Dispute, _) => &["广场舞音响扰民", "夜间商铺噪音扰民", "装修施工超时噪音"],
        (K::PoliceIncident, C::Theft) => &[
            "电动自行车被盗",
            "小区车辆内财物被盗",
            "店铺现金被盗",
            "快递包裹被盗",
        ],
        (K::PoliceIncident, C::Fraud) => &[
            "冒充客服电信网络诈骗",
            "刷单返利诈骗",
            "冒充公检法诈骗",
            "投资理财诈骗",
        ],
        (K::PoliceIncident, C::Traffic) => &["非机动车与行人碰擦纠纷", "车辆刮擦后一方驾车离开"],
        (K::PoliceIncident, _) => &["酒后滋事", "路边纠纷引发推搡", "可疑人员徘徊", "醉酒人员倒地"],
        (K::NonPoliceIncident, C::Noise) => &["夜间施工噪音投诉", "KTV噪音扰民"],
        (K::NonPoliceIncident, C::Traffic) => &["车辆违停堵塞消防通道", "共享单车乱停放占道"],
        (K::NonPoliceIncident, C::Property) => &["小区路灯损坏", "下水道堵塞污水外溢"],
        (K::NonPoliceIncident, _) => &["开锁求助", "流浪犬伤人隐患", "流动摊贩占道经营", "楼道堆物清理"],
        (K::SafetyHazard, C::FireRisk) => &[
            "楼道电动自行车充电隐患",
            "群租房消防隐患",
            "仓库消防通道堵塞",
            "沿街店铺灭火器过期",
        ],
        (K::SafetyHazard, C::Gas) => &["餐饮店违规使用液化气钢瓶", "燃气管道老化漏气", "居民家中燃气异味"],
        (K::SafetyHazard, C::Traffic) => &["路口信号灯故障", "道路坑洼积水"],
        (K::SafetyHazard, _) => &["高空坠物隐患", "河道护栏破损", "危旧房屋墙体开裂", "广告牌松动"],
        (K::HelpRequest, C::LostProperty) => {
            &["钱包遗失求助", "手机遗落出租车", "证件遗失求助", "行李箱遗失"]
        }
        (K::HelpRequest, C::MissingPerson) => &["老人走失求助", "儿童走失求助", "智力障碍人员走失"],
        (K::HelpRequest, _) => &[
            "独居老人跌倒求助",
            "被困电梯求助",
            "醉酒人员送医求助",
            "迷路外地游客求助",
        ],
        (K::EnterpriseCase, C::Labour) => &["企业劳资纠纷调处申请", "员工集体讨薪"],
        (K::EnterpriseCase, C::Commercial) => &["企业货物被外地扣押求助", "合同诈骗报案咨询", "涉企案件会商"],
        (K::EnterpriseCase, C::Fraud) => &["企业财务人员遭遇冒充老板诈骗", "企业被骗货款"],
        (K::EnterpriseCase, _) => &["用工人员身份背景摸排", "企业周边治安巡防需求", "危化品安全检查"],
    }
}

fn details(kind: CaseKind) -> &'static [&'static str] {
    match kind {
        CaseKind::Dispute => &[
            "双方多次沟通未果，情绪较为激动。",
            "已持续一段时间，多次向社区反映。",
            "当事人要求尽快调解处理。",
        ],
        CaseKind::PoliceIncident => &[
            "报警人情绪紧张，请求民警到场。",
            "现场有目击者。",
            "报警人已保存相关凭证。",
        ],
        CaseKind::NonPoliceIncident => &[
            "经研判属非警务事项，需分流处置。",
            "周边居民多次反映。",
            "影响居民正常生活。",
        ],
        CaseKind::SafetyHazard => &[
            "存在安全隐患，需尽快整改。",
            "网格巡查发现，已拍照留存。",
            "周边人员密集，风险较高。",
        ],
        CaseKind::HelpRequest => &["求助人十分着急。", "请求尽快协助。", "家属已在周边寻找未果。"],
        CaseKind::EnterpriseCase => &[
            "企业请求派出所协助。",
            "涉及企业正常生产经营。",
            "企业联络员已提交相关材料。",
        ],
    }
}

fn agreements(cat: CaseCategory) -> &'static [&'static str] {
    use CaseCategory as C;
    match cat {
        C::Neighbour => &[
            "漏水方负责维修并赔偿楼下损失。",
            "双方同意清理公共区域杂物，今后互相体谅。",
            "相邻方承担墙体修复费用。",
        ],
        C::Family => &["子女按月分担赡养费用。", "双方就房屋分配达成一致意见。"],
        C::Labour => &["企业于十五日内支付拖欠工资。", "双方协商一次性支付经济补偿。"],
        C::Property => &[
            "物业于一周内完成维修，业主补缴物业费。",
            "车位按抽签方式重新分配。",
        ],
        C::Consumer => &["商家退还剩余费用。", "商家更换商品并承担运费。"],
        C::Commercial => &[
            "双方按合同约定重新验货，差价由卖方承担。",
            "货款分两期于三十日内付清。",
        ],
        C::Noise => &[
            "双方约定活动时间为19:00至20:30，音量控制在60分贝以下。",
            "商铺夜间22点后停止外放音乐。",
        ],
        _ => &["双方达成和解。"],
    }
}

const HANDLING_NOTES: &[&str] = &[
    "已到达现场核实情况。",
    "联系当事人了解情况。",
    "调取周边监控。",
    "现场劝导，稳控情绪。",
    "督促责任方整改。",
];
const UNRESOLVED_NOTES: &[&str] = &[
    "当事人拒绝调解，已引导通过诉讼途径解决。",
    "经多次调解未达成一致，已告知司法救济途径。",
];
const GOOD_COMMENTS: &[&str] = &[
    "处理很及时，谢谢。",
    "民警态度很好。",
    "问题解决了，满意。",
    "网格员很负责。",
    "调解员很公道。",
];
const BAD_COMMENTS: &[&str] = &["处理太慢了。", "对结果不太满意。", "希望后续能持续关注。"];

fn resolved_note(kind: CaseKind, cat: CaseCategory) -> &'static str {
    match (kind, cat) {
        (_, CaseCategory::MissingPerson) => "人员已找到，安全送回家中。",
        (_, CaseCategory::LostProperty) => "失物已找回并归还失主。",
        (_, CaseCategory::Theft) => "已抓获嫌疑人，追回被盗财物。",
        (CaseKind::SafetyHazard, _) => "隐患已整改到位。",
        (CaseKind::Dispute, _) => "纠纷化解。",
        _ => "已处置完毕。",
    }
}

/// Who acts on a timeline step.
#[derive(Clone)]
struct Who {
    subject: Option<String>,
    role: &'static str,
}

impl From<&Staff> for Who {
    fn from(s: &Staff) -> Self {
        Who {
            subject: Some(s.subject.clone()),
            role: s.role,
        }
    }
}

struct PStep {
    at: i64,
    kind: TimelineKind,
    from: Option<CaseStatus>,
    to: CaseStatus,
    who: Who,
    unit: Option<Uuid>,
    room: Option<usize>,
    note: String,
}

struct PAsg {
    unit: Uuid,
    lead: bool,
    by: Option<String>,
    at: i64,
    accepted: Option<i64>,
    rejected: Option<i64>,
    done: Option<i64>,
}

struct PSess {
    room: usize,
    scheduled: i64,
    held: i64,
    outcome: SessionOutcome,
    agreement: Option<String>,
    judicial: bool,
    mediators: Vec<Uuid>,
}

struct PTask {
    team: Uuid,
    volunteer: Option<Uuid>,
    kind: VolunteerTaskKind,
    assigned: i64,
    accepted: i64,
    checked_in: i64,
    checked_out: i64,
}

struct PFollow {
    at: i64,
    method: FollowUpMethod,
    visitor: String,
    ratings: (i16, i16, i16),
    satisfied: bool,
    comment: Option<String>,
}

/// A case's whole life as planned; what happened before the end of the span is written.
struct Plan {
    steps: Vec<PStep>,
    status: CaseStatus,
    t: i64,
}

impl Plan {
    fn step(
        &mut self,
        delay: i64,
        kind: TimelineKind,
        to: Option<CaseStatus>,
        who: &Who,
        unit: Option<Uuid>,
        note: String,
    ) -> i64 {
        self.t += delay.max(1);
        let to = to.unwrap_or(self.status);
        self.steps.push(PStep {
            at: self.t,
            kind,
            from: Some(self.status),
            to,
            who: who.clone(),
            unit,
            room: None,
            note,
        });
        self.status = to;
        self.t
    }
}

impl Gen {
    /// Generates every case in time order and sends them in batches.
    fn cases(mut self, m: &Master, tx: tokio::sync::mpsc::Sender<CaseRows>) -> AppResult<Finish> {
        let days = usize::try_from((self.end - self.start) / 86_400)
            .unwrap_or(1)
            .max(1);
        let mid = f64::from(self.opts.years) / 2.0;
        let ratio = DISPUTE_SHARE / (1.0 - DISPUTE_SHARE) * (OTHER_TREND / DISPUTE_TREND).powf(mid);
        let mut cum = Vec::with_capacity(days);
        let mut p_dispute = Vec::with_capacity(days);
        let mut acc = 0.0;
        for d in 0..days {
            let t = d as f64 / 365.0;
            let disputes = ratio * DISPUTE_TREND.powf(t);
            let others = OTHER_TREND.powf(t);
            let date = dt(self.start + d as i64 * 86_400).date_naive();
            let weekday = match date.weekday() {
                chrono::Weekday::Sat | chrono::Weekday::Sun => 1.1,
                chrono::Weekday::Mon => 1.05,
                _ => 1.0,
            };
            let season =
                1.0 + 0.08 * (std::f64::consts::TAU * (f64::from(date.ordinal()) - 105.0) / 365.25).sin();
            acc += (disputes + others) * weekday * season;
            cum.push(acc);
            p_dispute.push(disputes / (disputes + others));
        }
        let mut times: Vec<i64> = (0..self.opts.cases)
            .map(|_| {
                let u = self.r.f() * acc;
                let d = cum.partition_point(|&c| c <= u).min(days - 1) as i64;
                let hour = self.r.choose(&HOURS);
                self.start + d * 86_400 + hour * 3600 + self.r.range(0, 3600)
            })
            .collect();
        times.sort_unstable();

        let mut touched: HashMap<String, i64> = HashMap::new();
        let mut batch = CaseRows::default();
        for created in times {
            let day = usize::try_from((created - self.start) / 86_400)
                .unwrap_or(0)
                .min(days - 1);
            self.case(m, created, p_dispute[day], &mut touched, &mut batch)?;
            if batch.cases.len() >= BATCH_CASES && tx.blocking_send(std::mem::take(&mut batch)).is_err() {
                return Err(AppError::Internal("the writer stopped".into()));
            }
        }
        if !batch.cases.is_empty() && tx.blocking_send(batch).is_err() {
            return Err(AppError::Internal("the writer stopped".into()));
        }
        Ok(Finish { counters: touched })
    }

    /// The tracking number of a case reported at `created`: `FQ` + UTC date + 6 digits.
    fn tracking_number(&mut self, created: i64, touched: &mut HashMap<String, i64>) -> AppResult<String> {
        let day = dt(created).format("%Y%m%d").to_string();
        let existing = self.taken.counters.get(&day).copied().unwrap_or(0);
        let n = touched.entry(day.clone()).or_insert(existing);
        *n += 1;
        if *n > 999_999 {
            return Err(AppError::Internal(format!("more than 999,999 cases on {day}")));
        }
        Ok(format!("FQ{day}{:06}", *n))
    }

    #[allow(clippy::too_many_lines)]
    fn case(
        &mut self,
        m: &Master,
        created: i64,
        p_dispute: f64,
        touched: &mut HashMap<String, i64>,
        out: &mut CaseRows,
    ) -> AppResult<()> {
        use CaseCategory as C;
        use CaseKind as K;
        use CaseSource as Src;
        use CaseStatus as S;
        use TimelineKind as T;
        let tracking_number = self.tracking_number(created, touched)?;
        let r = &mut self.r;
        let id = r.uuid(created);

        // What, how it came in, where.
        let kind = if r.chance(p_dispute) {
            K::Dispute
        } else {
            r.choose(OTHER_KINDS)
        };
        let cat = r.choose(categories(kind));
        let source = r.choose(sources(kind));
        let ent_chance = match (kind, cat) {
            (K::EnterpriseCase, _) => 1.0,
            (K::Dispute, C::Labour) => 0.6,
            (K::Dispute, C::Commercial) => 0.5,
            (K::Dispute, C::Consumer) => 0.2,
            (K::SafetyHazard, C::FireRisk) => 0.25,
            (K::SafetyHazard, C::Gas) => 0.3,
            (K::PoliceIncident, C::Fraud) => 0.08,
            (K::PoliceIncident, C::Theft) => 0.05,
            _ => 0.0,
        };
        let ent = if source == Src::EnterprisePortal && !m.liaison_ents.is_empty() {
            Some(m.liaison_ents[r.idx(m.liaison_ents.len())])
        } else if r.chance(ent_chance) {
            if kind == K::SafetyHazard && !m.hazardous_ents.is_empty() && r.chance(0.4) {
                Some(m.hazardous_ents[r.idx(m.hazardous_ents.len())])
            } else {
                let total = m.ent_cum.last().copied().unwrap_or(1.0);
                let u = r.f() * total;
                Some(m.ent_cum.partition_point(|&c| c <= u).min(m.ents.len() - 1))
            }
        } else {
            None
        };
        let micro = match ent {
            Some(e) => m.ents[e].micro,
            None => {
                let total = m.micro_cum.last().copied().unwrap_or(1.0);
                let u = r.f() * total;
                m.micro_cum.partition_point(|&c| c <= u).min(m.micros.len() - 1)
            }
        };
        let ci = m.micros[micro].community;
        let com = &m.communities[ci];
        let street = &m.streets[com.street];
        let worker = &m.micros[micro].worker;
        let police = &com.police;
        let colour = r.choose(&colours(kind, cat));
        let sev = severity(r, colour);

        // The reporter, and who logged the report.
        let platform = match source {
            Src::Call110 => Some(&m.p110),
            Src::FourPlatforms => Some(&m.four),
            Src::PoliceGridPlatform => Some(&m.police_grid),
            Src::Hotline12345 => Some(&m.hotline),
            Src::EnterprisePlatform => Some(&m.smart),
            _ => None,
        };
        let caller_name = r.name();
        let caller_phone = r.mobile();
        let (role, subject, name, phone, logger, report_note): (
            ReporterRole,
            Option<String>,
            Option<String>,
            Option<String>,
            Who,
            String,
        ) = match source {
            _ if platform.is_some() => {
                let p = platform.unwrap_or(&m.p110);
                (
                    ReporterRole::Platform,
                    Some(p.staff.subject.clone()),
                    Some(caller_name),
                    Some(caller_phone),
                    Who::from(&p.staff),
                    format!("{}推送。", p.name),
                )
            }
            Src::MiniProgram => {
                let sub = format!("wx-{:08x}", r.0.random::<u32>());
                (
                    ReporterRole::Citizen,
                    Some(sub.clone()),
                    Some(caller_name),
                    Some(caller_phone),
                    Who {
                        subject: Some(sub),
                        role: "citizen",
                    },
                    format!("{}上报。", m.mini.name),
                )
            }
            Src::ReportCode => (
                ReporterRole::Anonymous,
                None,
                None,
                r.chance(0.3).then_some(caller_phone),
                Who {
                    subject: None,
                    role: "anonymous",
                },
                format!("扫描{}民情码上报。", com.name),
            ),
            Src::GridWorker => (
                ReporterRole::GridWorker,
                Some(worker.subject.clone()),
                Some(worker.name.clone()),
                Some(worker.phone.clone()),
                Who::from(worker),
                "网格员巡查上报。".to_owned(),
            ),
            Src::Officer => (
                ReporterRole::Officer,
                Some(police.subject.clone()),
                Some(police.name.clone()),
                Some(police.phone.clone()),
                Who::from(police),
                "民警巡逻发现。".to_owned(),
            ),
            Src::EnterprisePortal => {
                let l = ent.and_then(|e| m.ents[e].liaison.as_ref()).unwrap_or(police);
                (
                    ReporterRole::Enterprise,
                    Some(l.subject.clone()),
                    Some(l.name.clone()),
                    Some(l.phone.clone()),
                    Who::from(l),
                    "企业端上报。".to_owned(),
                )
            }
            _ => (
                ReporterRole::Citizen,
                None,
                Some(caller_name),
                Some(caller_phone),
                Who::from(police),
                "群众来访登记。".to_owned(),
            ),
        };
        let title = r.pick(titles(kind, cat)).to_owned();
        let place = match ent {
            Some(e) => m.ents[e].name.clone(),
            None => format!("{}{}", com.name, r.pick(ROADS)),
        };
        let description = format!("{place}：{title}。{}", r.pick(details(kind)));
        let address = r.chance(0.85).then(|| {
            if r.chance(0.5) {
                format!("{}{}号", r.pick(ROADS), r.range(1, 800))
            } else {
                format!(
                    "{}{}幢{}单元{}室",
                    com.name.trim_end_matches("社区"),
                    r.range(1, 40),
                    r.range(1, 4),
                    r.range(101, 1802)
                )
            }
        });
        let located = matches!(
            source,
            Src::MiniProgram | Src::ReportCode | Src::GridWorker | Src::Officer
        ) || (source == Src::Call110 && r.chance(0.7));
        let coords = located.then(|| {
            (
                com.centre.0 + (r.f() - 0.5) * 0.008,
                com.centre.1 + (r.f() - 0.5) * 0.008,
            )
        });
        let occurred = created - r.lognormal(20.0 * MIN, 1.0).min(3 * 86_400);

        // ---- The plan: the whole closed loop.
        let mut plan = Plan {
            steps: vec![PStep {
                at: 0,
                kind: T::Reported,
                from: None,
                to: S::Reported,
                who: logger,
                unit: None,
                room: None,
                note: report_note,
            }],
            status: S::Reported,
            t: 0,
        };
        let speed = match colour {
            RiskColour::Red => 0,
            RiskColour::Orange => 1,
            RiskColour::Yellow => 2,
            RiskColour::Green => 3,
        };
        let police_kind = matches!(kind, K::PoliceIncident | K::HelpRequest) || source == Src::Call110;
        let commander = if r.chance(0.3) {
            &m.command[r.idx(m.command.len())]
        } else {
            &street.commander
        };
        let assessor: Who = if source == Src::GridWorker {
            worker.into()
        } else if police_kind {
            commander.into()
        } else {
            police.into()
        };
        let delay = r.lognormal([2.0, 7.0, 25.0, 60.0][speed] * MIN, 0.9);
        plan.step(
            delay,
            T::Assessed,
            Some(S::Assessed),
            &assessor,
            None,
            format!("评估赋色：{}。", colour_cn(colour)),
        );

        let mut asgs: Vec<PAsg> = Vec::new();
        let dispatcher: Who = if police_kind || r.chance(0.5) {
            commander.into()
        } else {
            police.into()
        };
        let in_grid = source == Src::GridWorker
            && matches!(colour, RiskColour::Green | RiskColour::Yellow)
            && matches!(kind, K::Dispute | K::SafetyHazard | K::NonPoliceIncident)
            && r.chance(0.5);
        let dispatch_delay = r.lognormal([1.5, 5.0, 20.0, 50.0][speed] * MIN, 1.0);
        let handler: Staff;
        if in_grid {
            // Small matters stay in the grid (微事不出格): the grid worker handles it on the spot.
            plan.step(
                dispatch_delay,
                T::Handling,
                Some(S::InHandling),
                &worker.into(),
                None,
                "网格员现场先期处置。".to_owned(),
            );
            handler = worker.clone();
        } else {
            let (lead, support) = route(r, m, kind, cat, com, street);
            let mut lead = lead;
            let at = if kind == K::NonPoliceIncident {
                plan.step(
                    dispatch_delay,
                    T::Transferred,
                    Some(S::Dispatched),
                    &dispatcher,
                    Some(lead.id),
                    format!("非警务警情分流至{}。", lead.name),
                )
            } else {
                plan.step(
                    dispatch_delay,
                    T::Dispatched,
                    Some(S::Dispatched),
                    &dispatcher,
                    Some(lead.id),
                    format!("推送{}处置。", lead.name),
                )
            };
            asgs.push(PAsg {
                unit: lead.id,
                lead: true,
                by: dispatcher.subject.clone(),
                at,
                accepted: None,
                rejected: None,
                done: None,
            });
            if r.chance(0.02) {
                // Not ours: the unit sends it back and it goes elsewhere.
                let d = r.lognormal(30.0 * MIN, 0.8);
                let at = plan.step(
                    d,
                    T::Rejected,
                    Some(S::Assessed),
                    &(&lead.staff).into(),
                    Some(lead.id),
                    "不属于本单位职责，退回。".to_owned(),
                );
                asgs[0].rejected = Some(at);
                asgs[0].lead = false;
                lead = if lead.id == street.gov.id {
                    street.station.clone()
                } else {
                    street.gov.clone()
                };
                let d = r.lognormal(10.0 * MIN, 0.8);
                let at = plan.step(
                    d,
                    T::Dispatched,
                    Some(S::Dispatched),
                    &dispatcher,
                    Some(lead.id),
                    format!("改派{}处置。", lead.name),
                );
                asgs.push(PAsg {
                    unit: lead.id,
                    lead: true,
                    by: dispatcher.subject.clone(),
                    at,
                    accepted: None,
                    rejected: None,
                    done: None,
                });
            }
            let lead_index = asgs.len() - 1;
            let support_index = support.as_ref().map(|s| {
                let d = r.range(60, 600);
                let at = plan.step(
                    d,
                    T::Dispatched,
                    None,
                    &dispatcher,
                    Some(s.id),
                    format!("同步推送{}协同处置。", s.name),
                );
                asgs.push(PAsg {
                    unit: s.id,
                    lead: false,
                    by: dispatcher.subject.clone(),
                    at,
                    accepted: None,
                    rejected: None,
                    done: None,
                });
                asgs.len() - 1
            });
            let d = r.lognormal([3.0, 8.0, 25.0, 60.0][speed] * MIN, 0.8);
            let at = plan.step(
                d,
                T::Accepted,
                Some(S::InHandling),
                &(&lead.staff).into(),
                Some(lead.id),
                "签收。".to_owned(),
            );
            asgs[lead_index].accepted = Some(at);
            if let (Some(si), Some(s)) = (support_index, support.as_ref()) {
                let d = r.lognormal(15.0 * MIN, 0.8);
                let at = plan.step(
                    d,
                    T::Accepted,
                    None,
                    &(&s.staff).into(),
                    Some(s.id),
                    "签收。".to_owned(),
                );
                asgs[si].accepted = Some(at);
            }
            handler = lead.staff.clone();
        }
        let handler_who: Who = (&handler).into();

        // Volunteers: search teams for missing people, patrols and helpers elsewhere.
        let volunteer_chance = match (kind, cat) {
            (_, C::MissingPerson) => 0.8,
            (_, C::LostProperty) => 0.1,
            (K::SafetyHazard, _) => 0.03,
            (K::PoliceIncident, C::Other) => 0.05,
            (K::Dispute, C::Noise) => 0.05,
            _ => 0.0,
        };
        let mut tasks: Vec<PTask> = Vec::new();
        if r.chance(volunteer_chance) && !street.teams.is_empty() {
            let team = if cat == C::MissingPerson && !m.rescue_teams.is_empty() && r.chance(0.6) {
                &m.teams[m.rescue_teams[r.idx(m.rescue_teams.len())]]
            } else {
                &m.teams[street.teams[r.idx(street.teams.len())]]
            };
            let d = r.lognormal(10.0 * MIN, 0.6);
            let at = plan.step(
                d,
                T::VolunteersAssigned,
                None,
                &dispatcher,
                None,
                format!("{}协助。", team.name),
            );
            let kind = match (kind, cat) {
                (_, C::MissingPerson) => VolunteerTaskKind::Rescue,
                (K::Dispute, _) => VolunteerTaskKind::MediationHelp,
                (K::PoliceIncident | K::SafetyHazard, _) => VolunteerTaskKind::Patrol,
                _ => VolunteerTaskKind::Other,
            };
            let people = r.range(1, 5) as usize;
            for _ in 0..people {
                let volunteer = (!team.members.is_empty()).then(|| team.members[r.idx(team.members.len())]);
                if tasks.iter().any(|t| t.volunteer == volunteer) {
                    continue;
                }
                let accepted = at + r.range(120, 600);
                let checked_in = accepted + r.range(600, 2400);
                tasks.push(PTask {
                    team: team.id,
                    volunteer,
                    kind,
                    assigned: at,
                    accepted,
                    checked_in,
                    checked_out: i64::MAX,
                });
            }
        }

        // Handling, mediation, resolution.
        let unresolved = r.chance(if kind == K::Dispute { 0.028 } else { 0.0035 });
        let mut sessions: Vec<PSess> = Vec::new();
        let foreign = kind == K::Dispute && cat == C::Commercial && r.chance(0.2);
        let mediated = kind == K::Dispute && (foreign || r.chance(0.6));
        let notes = if mediated { r.range(0, 2) } else { r.range(0, 3) };
        let handling = match (kind, cat) {
            (_, C::Theft) => 2.0 * HOUR,
            (_, C::Fraud) => 2.0 * DAY,
            (_, C::LostProperty) => 40.0 * MIN,
            (_, C::MissingPerson) => 3.0 * HOUR,
            (K::PoliceIncident, C::Traffic) => 1.5 * HOUR,
            (K::PoliceIncident, _) => 3.0 * HOUR,
            (K::HelpRequest, _) => 1.5 * HOUR,
            (K::NonPoliceIncident, C::Noise) => 3.0 * HOUR,
            (K::NonPoliceIncident, _) => 10.0 * HOUR,
            (K::SafetyHazard, C::Gas) => 8.0 * HOUR,
            (K::SafetyHazard, C::FireRisk) => 3.0 * DAY,
            (K::SafetyHazard, _) => 2.0 * DAY,
            (K::EnterpriseCase, C::Other) => DAY,
            (K::EnterpriseCase, _) => 5.0 * DAY,
            (K::Dispute, _) => DAY,
        };
        // The redder the case, the faster it is worked.
        let urgency = [0.25, 0.5, 1.0, 1.2][speed];
        let handling = r.lognormal(handling * urgency, 1.0);
        for _ in 0..notes {
            let d = (handling / (notes + 1)).max(60);
            plan.step(
                d,
                T::Handling,
                None,
                &handler_who,
                None,
                r.pick(HANDLING_NOTES).to_owned(),
            );
        }
        let mut final_who = handler_who.clone();
        if mediated {
            let first_room = if foreign {
                m.foreign_room
            } else {
                match sev {
                    Severity::Major => m.district_rooms[0],
                    Severity::Larger => street.rooms[r.idx(street.rooms.len())],
                    Severity::Ordinary => com.room,
                }
            };
            let mut levels = vec![first_room];
            if m.rooms[first_room].level == MediationLevel::Community && r.chance(0.12) {
                levels.push(street.rooms[r.idx(street.rooms.len())]);
            }
            if m.rooms[*levels.last().unwrap_or(&first_room)].level == MediationLevel::Street
                && r.chance(0.2)
                && levels.len() > 1
            {
                levels.push(m.district_rooms[r.idx(m.district_rooms.len())]);
            }
            let referrer: Who = if matches!(handler.role, "community-police" | "grid-worker" | "commander") {
                handler_who.clone()
            } else {
                police.into()
            };
            let d = r.lognormal(0.8 * DAY * urgency, 0.8);
            plan.step(
                d,
                T::MediationReferred,
                Some(S::Mediating),
                &referrer,
                None,
                format!("转{}调解。", m.rooms[first_room].name),
            );
            if let Some(s) = plan.steps.last_mut() {
                s.room = Some(first_room);
            }
            let language = foreign.then(|| r.pick(FOREIGN_TRADER_LANGUAGES));
            for (li, &room) in levels.iter().enumerate() {
                let last_level = li + 1 == levels.len();
                let k = r.choose(&[(1usize, 60.0), (2, 30.0), (3, 10.0)]);
                let rm = &m.rooms[room];
                let mut mediators: Vec<usize> = Vec::new();
                if let Some(lang) = language {
                    if let Some(i) = rm.mediators.iter().position(|x| x.languages.contains(&lang)) {
                        mediators.push(i);
                    }
                }
                if !rm.mediators.is_empty() {
                    let extra = if mediators.is_empty() { r.range(1, 3) } else { 1 };
                    for _ in 0..extra {
                        let i = if language.is_some() {
                            0
                        } else {
                            r.idx(rm.mediators.len())
                        };
                        if !mediators.contains(&i) {
                            mediators.push(i);
                        }
                    }
                }
                let lead_mediator = mediators.first().map_or_else(
                    || handler_who.clone(),
                    |&i| Who {
                        subject: Some(rm.mediators[i].subject.clone()),
                        role: "mediator",
                    },
                );
                for si in 0..k {
                    let d = r.lognormal(if si == 0 { 0.5 * DAY } else { 3.0 * DAY } * urgency, 0.6);
                    let scheduled = plan.step(
                        d,
                        T::MediationSession,
                        None,
                        &lead_mediator,
                        None,
                        format!("安排调解（{}）。", rm.name),
                    );
                    let d = r.lognormal(1.5 * DAY * urgency, 0.6);
                    let last = si + 1 == k;
                    let outcome = match (last, last_level) {
                        (true, true) if unresolved => SessionOutcome::NoAgreement,
                        (true, true) => SessionOutcome::Agreement,
                        (true, false) => SessionOutcome::Escalated,
                        _ => SessionOutcome::NoAgreement,
                    };
                    let note = match outcome {
                        SessionOutcome::Agreement => "调解结果：达成协议。",
                        SessionOutcome::Escalated => "调解未果，提级调解。",
                        _ => "调解未达成协议，择期再调。",
                    };
                    let held = plan.step(
                        d,
                        T::MediationSession,
                        None,
                        &lead_mediator,
                        None,
                        note.to_owned(),
                    );
                    let agreement =
                        (outcome == SessionOutcome::Agreement).then(|| r.pick(agreements(cat)).to_owned());
                    let judicial =
                        agreement.is_some() && r.chance(if room == m.district_rooms[1] { 0.6 } else { 0.1 });
                    sessions.push(PSess {
                        room,
                        scheduled,
                        held,
                        outcome,
                        agreement,
                        judicial,
                        mediators: mediators.iter().map(|&i| rm.mediators[i].id).collect(),
                    });
                }
                if !last_level {
                    let next = levels[li + 1];
                    let d = r.lognormal(1.5 * DAY, 0.5);
                    plan.step(
                        d,
                        T::MediationEscalated,
                        None,
                        &lead_mediator,
                        None,
                        format!("提级至{}。", m.rooms[next].name),
                    );
                    if let Some(s) = plan.steps.last_mut() {
                        s.room = Some(next);
                    }
                }
                final_who = lead_mediator;
            }
            let d = r.lognormal(4.0 * HOUR, 0.8);
            plan.t += d;
        } else {
            plan.t += (handling - (handling / (notes + 1)) * notes).max(60);
        }
        let resolved_at = if unresolved {
            plan.step(
                0,
                T::Unresolved,
                Some(S::Unresolved),
                &final_who,
                None,
                r.pick(UNRESOLVED_NOTES).to_owned(),
            )
        } else {
            plan.step(
                0,
                T::Resolved,
                Some(S::Resolved),
                &final_who,
                None,
                resolved_note(kind, cat).to_owned(),
            )
        };
        for a in asgs
            .iter_mut()
            .filter(|a| a.accepted.is_some() && a.rejected.is_none())
        {
            a.done = Some(resolved_at);
        }
        for t in &mut tasks {
            t.checked_out = (resolved_at - r.range(0, 1800)).max(t.checked_in + 600);
        }

        // Closure: feedback, follow-up visit, closing.
        let closer: Who = if r.chance(0.5) {
            police.into()
        } else {
            worker.into()
        };
        let d = r.lognormal(2.0 * HOUR, 1.0);
        let fed_back = match platform {
            Some(p) => format!("已回传{}。", p.name),
            None => "已向报告人反馈处置结果。".to_owned(),
        };
        plan.step(d, T::FedBack, Some(S::FedBack), &closer, None, fed_back);
        let mut follow = None;
        if r.chance(0.96) {
            let d = r.lognormal(2.5 * DAY, 0.6);
            let satisfied = r.chance(if unresolved { 0.6 } else { 0.984 });
            let rating = |r: &mut R| -> i16 {
                if satisfied {
                    r.choose(&[(5, 72.0), (4, 25.0), (3, 3.0)])
                } else {
                    r.choose(&[(1, 25.0), (2, 45.0), (3, 30.0)])
                }
            };
            let ratings = (rating(r), rating(r), rating(r));
            let method = r.choose(&[
                (FollowUpMethod::Phone, 70.0),
                (FollowUpMethod::Visit, 20.0),
                (FollowUpMethod::Online, 10.0),
            ]);
            let how = match method {
                FollowUpMethod::Phone => "电话回访",
                FollowUpMethod::Visit => "上门回访",
                FollowUpMethod::Online => "线上回访",
            };
            let comment = r.chance(0.3).then(|| {
                r.pick(if satisfied { GOOD_COMMENTS } else { BAD_COMMENTS })
                    .to_owned()
            });
            let at = plan.step(
                d,
                T::FollowedUp,
                Some(S::FollowedUp),
                &closer,
                None,
                format!("{how}：{}。", if satisfied { "满意" } else { "不满意" }),
            );
            follow = Some(PFollow {
                at,
                method,
                visitor: closer.subject.clone().unwrap_or_default(),
                ratings,
                satisfied,
                comment,
            });
        }
        let close_who: Who = if r.chance(0.5) {
            police.into()
        } else {
            (&street.commander).into()
        };
        let d = r.lognormal(3.0 * HOUR, 1.0);
        let note = if follow.is_some() {
            "结案。"
        } else {
            "回访未接通，按规定办结。"
        };
        plan.step(d, T::Closed, Some(S::Closed), &close_who, None, note.to_owned());

        // ---- What happened before the end of the span.
        let horizon = self.end - created;
        let kept = plan.steps.iter().take_while(|s| s.at < horizon).count().max(1);
        let steps = &plan.steps[..kept];
        let at = |o: i64| dt(created + o);
        let first = |f: &dyn Fn(TimelineKind) -> bool| steps.iter().find(|s| f(s.kind)).map(|s| s.at);
        let assessed = first(&|k| k == T::Assessed);
        let last = &steps[kept - 1];
        let (first_due, resolution_due) =
            match assessed.and_then(|a| self.policies.minutes(colour, kind, cat).map(|p| (a, p))) {
                Some((a, (f, res))) => (Some(at(a + f * 60)), Some(at(a + res * 60))),
                None => (None, None),
            };
        let room = steps.iter().rev().find_map(|s| s.room).map(|i| m.rooms[i].id);
        let updated = at(last.at);
        let r = &mut self.r;
        out.cases.push(case::ActiveModel {
            id: Set(id),
            tracking_number: Set(tracking_number.clone()),
            kind: Set(kind),
            category: Set(Some(cat)),
            title: Set(title),
            description: Set(description),
            status: Set(last.to),
            risk_colour: Set(assessed.map(|_| colour)),
            severity: Set(assessed.map(|_| sev)),
            source: Set(source),
            reporter_role: Set(role),
            reporter_subject: Set(subject),
            reporter_name: Set(name),
            reporter_phone: Set(phone),
            address: Set(address),
            latitude: Set(coords.map(|c| c.0)),
            longitude: Set(coords.map(|c| c.1)),
            grid_id: Set(Some(m.micros[micro].grid)),
            placement: Set(Some(entity::enums::Placement::Given)),
            enterprise_id: Set(ent.map(|e| m.ents[e].id)),
            room_id: Set(room),
            report_code_id: Set((source == Src::ReportCode).then_some(com.report_code)),
            tracking_token_hash: Set(None),
            occurred_at: Set(Some(dt(occurred))),
            first_response_due: Set(first_due),
            resolution_due: Set(resolution_due),
            first_response_at: Set(first(&|k| {
                matches!(k, T::Dispatched | T::Transferred | T::Accepted | T::Handling)
            })
            .map(at)),
            resolved_at: Set(first(&|k| matches!(k, T::Resolved | T::Unresolved)).map(at)),
            closed_at: Set(first(&|k| k == T::Closed).map(at)),
            version: Set(kept as i32),
            created_at: Set(dt(created)),
            updated_at: Set(updated),
        });
        for (i, s) in steps.iter().enumerate() {
            out.timeline.push(case_timeline_entry::ActiveModel {
                id: Set(r.uuid(created + s.at)),
                case_id: Set(id),
                seq: Set(i as i32 + 1),
                kind: Set(s.kind),
                from_status: Set(s.from),
                to_status: Set(Some(s.to)),
                actor_subject: Set(s.who.subject.clone()),
                actor_role: Set(Some(s.who.role.to_owned())),
                unit_id: Set(s.unit),
                note: Set(Some(s.note.clone())),
                public: Set(true),
                created_at: Set(at(s.at)),
            });
        }
        let before = |o: Option<i64>| o.filter(|&t| t < horizon);
        for a in asgs.iter().filter(|a| a.at < horizon) {
            let (status, responded, reason) = match (before(a.rejected), before(a.done), before(a.accepted)) {
                (Some(t), _, _) => (
                    AssignmentStatus::Rejected,
                    Some(t),
                    Some("不属于本单位职责".to_owned()),
                ),
                (None, Some(_), acc) => (AssignmentStatus::Done, acc, None),
                (None, None, Some(t)) => (AssignmentStatus::Accepted, Some(t), None),
                (None, None, None) => (AssignmentStatus::Pending, None, None),
            };
            out.assignments.push(case_assignment::ActiveModel {
                id: Set(r.uuid(created + a.at)),
                case_id: Set(id),
                unit_id: Set(a.unit),
                lead: Set(a.lead),
                status: Set(status),
                reason: Set(reason),
                assigned_by: Set(a.by.clone()),
                assigned_at: Set(at(a.at)),
                responded_at: Set(responded.map(at)),
            });
        }
        for s in sessions.iter().filter(|s| s.scheduled < horizon) {
            let held = s.held < horizon;
            let sid = r.uuid(created + s.scheduled);
            let rm = &m.rooms[s.room];
            out.sessions.push(mediation_session::ActiveModel {
                id: Set(sid),
                case_id: Set(id),
                room_id: Set(rm.id),
                level: Set(rm.level),
                scheduled_at: Set(at(s.held)),
                held_at: Set(held.then(|| at(s.held))),
                outcome: Set(if held { s.outcome } else { SessionOutcome::Pending }),
                agreement_text: Set(if held { s.agreement.clone() } else { None }),
                judicial_confirmed: Set(held && s.judicial),
                notes: Set(Some(format!("{}调解。", rm.name))),
                created_at: Set(at(s.scheduled)),
                updated_at: Set(at(if held { s.held } else { s.scheduled })),
            });
            for mid in &s.mediators {
                out.session_mediators.push(session_mediator::ActiveModel {
                    session_id: Set(sid),
                    mediator_id: Set(*mid),
                });
            }
        }
        for t in tasks.iter().filter(|t| t.assigned < horizon) {
            let (status, last_change) = if t.checked_out < horizon {
                (VolunteerTaskStatus::CheckedOut, t.checked_out)
            } else if t.checked_in < horizon {
                (VolunteerTaskStatus::CheckedIn, t.checked_in)
            } else if t.accepted < horizon {
                (VolunteerTaskStatus::Accepted, t.accepted)
            } else {
                (VolunteerTaskStatus::Assigned, t.assigned)
            };
            let checked_in = t.checked_in < horizon;
            let out_ok = t.checked_out < horizon;
            let spot = (
                com.centre.0 + (r.f() - 0.5) * 0.01,
                com.centre.1 + (r.f() - 0.5) * 0.01,
            );
            out.tasks.push(case_volunteer_task::ActiveModel {
                id: Set(r.uuid(created + t.assigned)),
                case_id: Set(id),
                team_id: Set(Some(t.team)),
                volunteer_id: Set(t.volunteer),
                kind: Set(t.kind),
                status: Set(status),
                checked_in_at: Set(checked_in.then(|| at(t.checked_in))),
                checked_out_at: Set(out_ok.then(|| at(t.checked_out))),
                check_in_latitude: Set(checked_in.then_some(spot.0)),
                check_in_longitude: Set(checked_in.then_some(spot.1)),
                minutes: Set(out_ok.then(|| ((t.checked_out - t.checked_in) / 60).max(1))),
                created_at: Set(at(t.assigned)),
                updated_at: Set(at(last_change)),
            });
        }
        if let Some(f) = follow.filter(|f| f.at < horizon) {
            out.follow_ups.push(follow_up::ActiveModel {
                id: Set(r.uuid(created + f.at)),
                case_id: Set(id),
                method: Set(f.method),
                visited_at: Set(at(f.at)),
                visitor_subject: Set(Some(f.visitor)),
                repeat_case_id: Set(None),
                response_speed_rating: Set(f.ratings.0),
                attitude_rating: Set(f.ratings.1),
                handling_rating: Set(f.ratings.2),
                satisfied: Set(f.satisfied),
                comment: Set(f.comment),
                created_at: Set(at(f.at)),
            });
        }
        let parties = plan_parties(r, kind, cat, ent.map(|e| (&m.ents[e], m.ents[e].id)), self.region);
        for (prole, pname, pphone, prid, paddr, pent) in parties {
            out.parties.push(case_party::ActiveModel {
                id: Set(r.uuid(created)),
                case_id: Set(id),
                role: Set(prole),
                name: Set(pname),
                phone: Set(pphone),
                resident_id: Set(prid),
                id_document_kind: Set(None),
                id_document_number: Set(None),
                id_document_country: Set(None),
                address: Set(paddr),
                enterprise_id: Set(pent),
                created_at: Set(dt(created)),
            });
        }
        if let Some(p) = platform {
            out.external.push(external_ref::ActiveModel {
                id: Set(r.uuid(created)),
                platform_id: Set(p.id),
                entity: Set(ExternalEntity::Case),
                entity_id: Set(id),
                external_id: Set(format!("{}{}", p.prefix, &tracking_number[2..])),
                external_version: Set(Some(i64::from(kept as i32))),
                external_status: Set(None),
                last_synced_at: Set(updated),
                created_at: Set(dt(created)),
            });
        }
        Ok(())
    }
}

/// (role, name, phone, resident id, address, enterprise) of the parties of a case.
type PartyRow = (
    PartyRole,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<Uuid>,
);

fn plan_parties(
    r: &mut R,
    kind: CaseKind,
    cat: CaseCategory,
    ent: Option<(&Ent, Uuid)>,
    region: &'static str,
) -> Vec<PartyRow> {
    use CaseCategory as C;
    let person = |r: &mut R, role: PartyRole, from: i32, to: i32, rid_chance: f64| -> PartyRow {
        let name = r.name();
        let phone = r.chance(0.9).then(|| r.mobile());
        let rid = r.chance(rid_chance).then(|| {
            let region = if r.chance(0.7) {
                region
            } else {
                r.pick(OTHER_REGIONS)
            };
            let year = r.range(i64::from(from), i64::from(to) + 1) as i32;
            let birth = NaiveDate::from_ymd_opt(year, 1, 1)
                .and_then(|d| d.checked_add_days(chrono::Days::new(r.range(0, 365) as u64)))
                .unwrap_or_default();
            resident_id(region, birth, r.range(1, 1000) as u32)
        });
        let addr = r
            .chance(0.3)
            .then(|| format!("{}{}号", r.pick(ROADS), r.range(1, 800)));
        (role, name, phone, rid, addr, None)
    };
    let org = |e: (&Ent, Uuid), role: PartyRole| -> PartyRow {
        (
            role,
            e.0.name.chars().take(60).collect(),
            None,
            None,
            None,
            Some(e.1),
        )
    };
    match (kind, cat) {
        (CaseKind::Dispute, _) => {
            let a = person(r, PartyRole::Complainant, 1945, 2003, 0.5);
            let b = match ent {
                Some(e) => org(e, PartyRole::Respondent),
                None => person(r, PartyRole::Respondent, 1945, 2003, 0.3),
            };
            vec![a, b]
        }
        (CaseKind::PoliceIncident, C::Theft | C::Fraud) => {
            vec![person(r, PartyRole::Victim, 1940, 2005, 0.7)]
        }
        (_, C::MissingPerson) => {
            let (from, to) = if r.chance(0.75) {
                (1928, 1950)
            } else {
                (2012, 2020)
            };
            vec![person(r, PartyRole::MissingPerson, from, to, 0.9)]
        }
        (CaseKind::EnterpriseCase, _) => ent.map(|e| vec![org(e, PartyRole::Other)]).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The lead unit and an optional supporting one for a case.
fn route(
    r: &mut R,
    m: &Master,
    kind: CaseKind,
    cat: CaseCategory,
    com: &Community,
    street: &Street,
) -> (U, Option<U>) {
    use CaseCategory as C;
    use CaseKind as K;
    let office = || {
        com.office
            .map_or_else(|| street.station.clone(), |o| street.offices[o].clone())
    };
    let police_first = |r: &mut R| {
        if r.chance(0.6) {
            office()
        } else {
            street.station.clone()
        }
    };
    let fire = m.fires[street.fire % m.fires.len()].clone();
    match (kind, cat) {
        (K::PoliceIncident, C::Fraud | C::Traffic) => (street.station.clone(), None),
        (K::PoliceIncident, _) => (police_first(r), None),
        (K::NonPoliceIncident, C::Property) => (street.gov.clone(), r.chance(0.3).then(|| m.housing.clone())),
        (K::NonPoliceIncident, C::Traffic) => (street.gov.clone(), r.chance(0.4).then(|| street.law.clone())),
        (K::NonPoliceIncident, _) => (street.gov.clone(), r.chance(0.3).then(|| street.law.clone())),
        (K::Dispute, C::Labour) => {
            if r.chance(0.5) {
                (m.labour.clone(), None)
            } else {
                (street.gov.clone(), r.chance(0.3).then(|| m.labour.clone()))
            }
        }
        (K::Dispute, C::Consumer) => (street.market.clone(), None),
        (K::Dispute, C::Property) => (street.gov.clone(), r.chance(0.2).then(|| m.housing.clone())),
        (K::Dispute, C::Commercial) => match r.idx(3) {
            0 => (street.station.clone(), None),
            1 => (street.market.clone(), None),
            _ => (street.gov.clone(), r.chance(0.2).then(|| m.justice.clone())),
        },
        (K::Dispute, _) => {
            if r.chance(0.6) {
                (police_first(r), None)
            } else {
                (street.gov.clone(), None)
            }
        }
        (K::SafetyHazard, C::FireRisk) => (fire, r.chance(0.2).then(|| street.law.clone())),
        (K::SafetyHazard, C::Gas) => (m.gas.clone(), r.chance(0.5).then_some(fire)),
        (K::SafetyHazard, C::Traffic) => (street.law.clone(), None),
        (K::SafetyHazard, _) => (street.gov.clone(), r.chance(0.2).then(|| m.housing.clone())),
        (K::HelpRequest, C::MissingPerson) => (street.station.clone(), None),
        (K::HelpRequest, _) => (police_first(r), None),
        (K::EnterpriseCase, C::Commercial | C::Fraud) => (
            street.station.clone(),
            r.chance(0.2).then(|| street.market.clone()),
        ),
        (K::EnterpriseCase, C::Labour) => (street.station.clone(), r.chance(0.4).then(|| m.labour.clone())),
        (K::EnterpriseCase, _) => (office(), None),
    }
}

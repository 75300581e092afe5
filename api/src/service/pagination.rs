//! Keyset pagination shared by every list: opaque cursors, no OFFSET.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::ExprTrait,
    sea_query::{Expr, SimpleExpr},
    ColumnTrait, ConnectionTrait, EntityTrait, ModelTrait, Order, QueryFilter, QueryOrder, Select, Value,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Relay arguments as the client sent them.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    /// Page size going forwards.
    pub first: Option<i32>,
    /// Cursor to start after.
    pub after: Option<String>,
    /// Page size going backwards.
    pub last: Option<i32>,
    /// Cursor to end before.
    pub before: Option<String>,
}

/// Page size limits from configuration.
#[derive(Clone, Copy, Debug)]
pub struct PageLimits {
    /// Size when none is given.
    pub default: u64,
    /// Largest size accepted.
    pub max: u64,
}

/// How a list is ordered: an optional key column, then the id as a tie-breaker.
#[derive(Clone, Copy, Debug)]
pub struct Sort<C> {
    /// The key column, or `None` to order by id alone (ids are UUIDv7, so id order is creation order).
    pub key: Option<C>,
    /// Descending when true.
    pub descending: bool,
}

/// One page of rows with their cursors.
#[derive(Debug)]
pub struct Page<M> {
    /// Rows with their opaque cursors, in the requested order.
    pub items: Vec<(String, M)>,
    /// More rows after the last one.
    pub has_next: bool,
    /// More rows before the first one.
    pub has_previous: bool,
}

/// A page plus the filtered query, so a total can be counted only when asked for.
pub struct Listing<E: EntityTrait> {
    /// The page.
    pub page: Page<E::Model>,
    /// The filtered, unordered query behind the page.
    pub query: Select<E>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
enum Key {
    #[serde(rename = "t")]
    Time(DateTime<Utc>),
    #[serde(rename = "s")]
    Text(String),
    #[serde(rename = "i")]
    Int(i64),
    #[serde(rename = "n")]
    None,
}

#[derive(Serialize, Deserialize, Debug)]
struct Cursor {
    k: Key,
    id: Uuid,
}

fn key_of(v: Value) -> Key {
    match v {
        Value::ChronoDateTimeUtc(Some(t)) => Key::Time(t),
        Value::String(Some(s)) => Key::Text(s),
        Value::Int(Some(i)) => Key::Int(i64::from(i)),
        Value::BigInt(Some(i)) => Key::Int(i),
        _ => Key::None,
    }
}

fn key_value(k: &Key) -> Option<Value> {
    match k {
        Key::Time(t) => Some(Value::from(*t)),
        Key::Text(s) => Some(Value::from(s.clone())),
        Key::Int(i) => Some(Value::from(*i)),
        Key::None => None,
    }
}

/// The cursor of the row with `id` in a list sorted by id alone (e.g. cases newest first): lets
/// tools such as the benchmark start a page at any row.
pub fn id_cursor(id: Uuid) -> String {
    encode(Key::None, id)
}

fn encode(k: Key, id: Uuid) -> String {
    let json = serde_json::to_vec(&Cursor { k, id }).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

fn decode(field: &str, cursor: &str) -> AppResult<Cursor> {
    URL_SAFE_NO_PAD
        .decode(cursor.as_bytes())
        .ok()
        .and_then(|b| serde_json::from_slice::<Cursor>(&b).ok())
        .ok_or_else(|| AppError::bad_input(field, "not a cursor from this list"))
}

/// Rows strictly beyond `c` in the direction given by `greater`.
fn beyond<C: ColumnTrait>(
    id_col: C,
    key_col: Option<C>,
    c: &Cursor,
    greater: bool,
    field: &str,
) -> AppResult<SimpleExpr> {
    let cmp_id = |col: C, v: Uuid| -> SimpleExpr {
        if greater {
            col.gt(v)
        } else {
            col.lt(v)
        }
    };
    match (key_col, key_value(&c.k)) {
        (None, None) => Ok(cmp_id(id_col, c.id)),
        (Some(col), Some(v)) => {
            let strict = if greater {
                Expr::col(col).gt(v.clone())
            } else {
                Expr::col(col).lt(v.clone())
            };
            Ok(strict.or(Expr::col(col).eq(v).and(cmp_id(id_col, c.id))))
        }
        _ => Err(AppError::bad_input(field, "cursor belongs to another sort order")),
    }
}

/// Fetches one page of `query` (already filtered and scoped) in `sort` order.
pub async fn fetch<E, C>(
    db: &C,
    query: Select<E>,
    id_col: E::Column,
    sort: Sort<E::Column>,
    args: &PageArgs,
    limits: PageLimits,
) -> AppResult<Listing<E>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    if args.first.is_some() && args.last.is_some() {
        return Err(AppError::bad_input("last", "give either first or last, not both"));
    }
    let size = |field: &str, n: Option<i32>| -> AppResult<u64> {
        match n {
            None => Ok(limits.default),
            Some(n) if n < 0 => Err(AppError::bad_input(field, "must not be negative")),
            Some(n) if u64::try_from(n).unwrap_or(u64::MAX) > limits.max => Err(AppError::bad_input(
                field,
                format!("at most {} per page", limits.max),
            )),
            Some(n) => Ok(u64::try_from(n).unwrap_or(0)),
        }
    };
    let backward = args.last.is_some();
    let n = if backward {
        size("last", args.last)?
    } else {
        size("first", args.first)?
    };
    let after = args.after.as_deref().map(|c| decode("after", c)).transpose()?;
    let before = args.before.as_deref().map(|c| decode("before", c)).transpose()?;

    // "after" means further along the sort order: greater when ascending.
    let mut q = query.clone();
    if let Some(c) = &after {
        q = q.filter(beyond(id_col, sort.key, c, !sort.descending, "after")?);
    }
    if let Some(c) = &before {
        q = q.filter(beyond(id_col, sort.key, c, sort.descending, "before")?);
    }
    // Going backwards reads the order reversed, then flips the rows back.
    let ascending = sort.descending == backward;
    let order = if ascending { Order::Asc } else { Order::Desc };
    if let Some(k) = sort.key {
        q = q.order_by(k, order.clone());
    }
    q = q.order_by(id_col, order);
    let mut rows = if n == 0 {
        Vec::new()
    } else {
        super::first_rows(db, q, n + 1).await?
    };
    let more = rows.len() as u64 > n;
    rows.truncate(usize::try_from(n).unwrap_or(usize::MAX));
    if backward {
        rows.reverse();
    }
    let items = rows
        .into_iter()
        .map(|m| {
            let k = sort.key.map(|col| key_of(m.get(col))).unwrap_or(Key::None);
            let id = match m.get(id_col) {
                Value::Uuid(Some(u)) => u,
                _ => Uuid::nil(),
            };
            (encode(k, id), m)
        })
        .collect();
    let (has_next, has_previous) = if backward {
        (before.is_some(), more)
    } else {
        (more, after.is_some())
    };
    Ok(Listing {
        page: Page {
            items,
            has_next,
            has_previous,
        },
        query,
    })
}

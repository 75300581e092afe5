//! Facts about the HTTP request that services record (never personal values).

use std::{
    net::IpAddr,
    sync::{
        atomic::{AtomicU32, Ordering},
        Arc,
    },
};

/// Who sent the request, through which client, under which id.
#[derive(Clone, Debug)]
pub struct RequestInfo {
    /// Id quoted in errors and logs.
    pub request_id: String,
    /// The registered client application, when known.
    pub client_id: Option<String>,
    /// The caller's address.
    pub ip: IpAddr,
    /// Personal values revealed so far in this request (the per-request reveal budget).
    reveals: Arc<AtomicU32>,
}

impl RequestInfo {
    /// The facts of one request.
    pub fn new(request_id: impl Into<String>, client_id: Option<String>, ip: IpAddr) -> Self {
        RequestInfo {
            request_id: request_id.into(),
            client_id,
            ip,
            reveals: Arc::default(),
        }
    }

    /// Information for work started outside HTTP (CLI, demo loader, tests).
    pub fn internal() -> Self {
        RequestInfo::new(
            uuid::Uuid::now_v7().to_string(),
            None,
            IpAddr::from([127, 0, 0, 1]),
        )
    }

    /// Counts one more reveal in this request; returns how many there are now.
    pub fn count_reveal(&self) -> u32 {
        self.reveals.fetch_add(1, Ordering::SeqCst).saturating_add(1)
    }
}

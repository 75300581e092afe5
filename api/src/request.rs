//! Facts about the HTTP request that services record (never personal values).

use std::net::IpAddr;

/// Who sent the request, through which client, under which id.
#[derive(Clone, Debug)]
pub struct RequestInfo {
    /// Id quoted in errors and logs.
    pub request_id: String,
    /// The registered client application, when known.
    pub client_id: Option<String>,
    /// The caller's address.
    pub ip: IpAddr,
}

impl RequestInfo {
    /// Information for work started outside HTTP (CLI, demo loader, tests).
    pub fn internal() -> Self {
        RequestInfo {
            request_id: uuid::Uuid::now_v7().to_string(),
            client_id: None,
            ip: IpAddr::from([127, 0, 0, 1]),
        }
    }
}

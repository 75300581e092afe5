//! Where the service may send requests of its own accord: platform webhooks.
//!
//! An administrator types a webhook URL; the outbox worker later posts signed events to it
//! from inside the operator's network. Unchecked, that is a way to make the service call
//! cloud metadata (`169.254.169.254`), its own loopback services or hosts on the private
//! network (SSRF). So a webhook URL is checked twice: when it is registered (an address
//! written in the URL) and at every delivery, after DNS, so that a name that resolves — or
//! later starts resolving — to such an address is refused too. An operator who really
//! delivers to an internal host allows it by name (`FENGQIAO_OUTBOUND_ALLOW_HOSTS`);
//! development allows loopback so that a receiver on the developer's machine works.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::config::EgressPolicy;

/// The special-purpose range `ip` lies in, if webhooks may not go there.
pub fn forbidden_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        _ if ip.is_loopback() => "loopback",
        (169, 254, _) => "link-local (cloud metadata)",
        _ if ip.is_private() => "private",
        (0, _, _) => "unspecified",
        (100, b, _) if (64..128).contains(&b) => "shared (carrier-grade NAT)",
        (192, 0, 0) => "IETF protocol assignments",
        (198, 18..=19, _) => "benchmarking",
        _ if ip.is_multicast() => "multicast",
        (240..=255, _, _) => "reserved or broadcast",
        _ => return None,
    })
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let s = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = s[6].to_be_bytes();
        let [c, d] = s[7].to_be_bytes();
        return forbidden_v4(Ipv4Addr::new(a, b, c, d));
    }
    Some(match s[0] {
        _ if ip.is_loopback() => "loopback",
        _ if ip.is_unspecified() => "unspecified",
        _ if ip.is_unicast_link_local() => "link-local",
        x if x & 0xffc0 == 0xfec0 => "site-local",
        _ if ip.is_unique_local() => "unique local (private; includes cloud metadata)",
        _ if ip.is_multicast() => "multicast",
        _ => return None,
    })
}

impl EgressPolicy {
    /// Whether an operator allowed this host by name.
    fn allows_host(&self, host: &str) -> bool {
        let host = bare_host(host);
        self.allow_hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }

    /// Whether an address may be reached (for a host not allowed by name).
    fn allows_ip(&self, ip: IpAddr) -> Result<(), &'static str> {
        match forbidden_range(ip) {
            Some("loopback") if self.allow_loopback => Ok(()),
            Some(range) => Err(range),
            None => Ok(()),
        }
    }

    /// Checks a webhook URL's host as written: an address in a refused range, or a
    /// `localhost` name, is refused unless the host is allowed by name. Other names are
    /// checked after DNS, at each delivery ([`GuardedResolver`]).
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), String> {
        let Some(host) = url.host_str() else {
            return Err("the URL has no host".to_owned());
        };
        if self.allows_host(host) {
            return Ok(());
        }
        let bare = bare_host(host).trim_end_matches('.');
        let ip = match bare.parse::<IpAddr>() {
            Ok(ip) => ip,
            Err(_) if bare.eq_ignore_ascii_case("localhost") || ends_with_ci(bare, ".localhost") => {
                IpAddr::V4(Ipv4Addr::LOCALHOST)
            }
            Err(_) => return Ok(()),
        };
        self.allows_ip(ip).map_err(|range| refusal(host, range))
    }

    /// The addresses of `host` that may be reached; an error when none may.
    pub fn filter(&self, host: &str, addrs: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, String> {
        if self.allows_host(host) {
            return Ok(addrs);
        }
        let mut refused = None;
        let kept: Vec<SocketAddr> = addrs
            .into_iter()
            .filter(|a| match self.allows_ip(a.ip()) {
                Ok(()) => true,
                Err(range) => {
                    refused = Some(range);
                    false
                }
            })
            .collect();
        match (kept.is_empty(), refused) {
            (true, Some(range)) => Err(refusal(host, range)),
            (true, None) => Err(format!("{host} has no address")),
            (false, _) => Ok(kept),
        }
    }
}

fn refusal(host: &str, range: &str) -> String {
    format!(
        "{host} is a {range} address; webhooks may not go there unless an operator allows the \
         host by name (FENGQIAO_OUTBOUND_ALLOW_HOSTS)"
    )
}

/// `[::1]` as `::1`: URLs bracket IPv6 literals, operators write them either way.
fn bare_host(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

fn ends_with_ci(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.get(s.len() - suffix.len()..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
}

/// The outbox's DNS resolver: the system's lookup, then [`EgressPolicy::filter`], so that
/// the connection can only be made to an address the policy allows (no second lookup that
/// could answer differently).
pub struct GuardedResolver(Arc<EgressPolicy>);

impl GuardedResolver {
    /// A resolver enforcing `policy`.
    pub fn new(policy: EgressPolicy) -> Arc<GuardedResolver> {
        Arc::new(GuardedResolver(Arc::new(policy)))
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept = policy.filter(&host, found)?;
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn strict() -> EgressPolicy {
        EgressPolicy {
            allow_hosts: Vec::new(),
            allow_loopback: false,
        }
    }

    fn url(u: &str) -> reqwest::Url {
        reqwest::Url::parse(u).unwrap_or_else(|e| panic!("{u}: {e}"))
    }

    #[test]
    fn special_ranges_are_named() {
        for (ip, range) in [
            ("127.0.0.2", "loopback"),
            ("169.254.169.254", "link-local (cloud metadata)"),
            ("10.1.2.3", "private"),
            ("172.31.0.1", "private"),
            ("192.168.1.1", "private"),
            ("0.0.0.0", "unspecified"),
            ("100.100.100.200", "shared (carrier-grade NAT)"),
            ("255.255.255.255", "reserved or broadcast"),
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("fe80::1", "link-local"),
            ("fd00:ec2::254", "unique local (private; includes cloud metadata)"),
            ("::ffff:169.254.169.254", "link-local (cloud metadata)"),
            ("64:ff9b::a9fe:a9fe", "link-local (cloud metadata)"),
        ] {
            let parsed = IpAddr::from_str(ip).unwrap_or_else(|e| panic!("{ip}: {e}"));
            assert_eq!(forbidden_range(parsed), Some(range), "{ip}");
        }
        for ip in ["8.8.8.8", "100.128.0.1", "172.32.0.1", "2001:4860:4860::8888"] {
            let parsed = IpAddr::from_str(ip).unwrap_or_else(|e| panic!("{ip}: {e}"));
            assert_eq!(forbidden_range(parsed), None, "{ip}");
        }
    }

    #[test]
    fn urls_are_checked_as_written_and_names_may_be_allowed() {
        let p = strict();
        for u in [
            "http://169.254.169.254/latest/meta-data",
            "http://127.0.0.1:8080/hook",
            "http://[::1]/hook",
            "http://localhost/hook",
            "http://LOCALHOST./hook",
            "http://api.localhost/hook",
            "http://10.0.0.5/hook",
            "http://0x7f000001/hook",
            "http://2130706433/hook",
        ] {
            assert!(p.check_url(&url(u)).is_err(), "{u} should be refused");
        }
        assert!(p.check_url(&url("https://hooks.example.com/x")).is_ok());
        let allowed = EgressPolicy {
            allow_hosts: vec!["10.0.0.5".into(), "::1".into()],
            allow_loopback: false,
        };
        assert!(allowed.check_url(&url("http://10.0.0.5/hook")).is_ok());
        assert!(allowed.check_url(&url("http://[::1]/hook")).is_ok());
        assert!(allowed.check_url(&url("http://10.0.0.6/hook")).is_err());
        let dev = EgressPolicy {
            allow_hosts: Vec::new(),
            allow_loopback: true,
        };
        assert!(dev.check_url(&url("http://127.0.0.1:9/hook")).is_ok());
        assert!(dev.check_url(&url("http://169.254.169.254/")).is_err());
    }

    #[tokio::test]
    async fn the_resolver_drops_refused_addresses_after_dns() {
        let refused = GuardedResolver::new(strict())
            .resolve(Name::from_str("localhost").unwrap_or_else(|_| unreachable!()))
            .await;
        let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("loopback"), "{message}");
        let dev = GuardedResolver::new(EgressPolicy {
            allow_hosts: Vec::new(),
            allow_loopback: true,
        });
        let found = dev
            .resolve(Name::from_str("localhost").unwrap_or_else(|_| unreachable!()))
            .await
            .map(|a| a.count())
            .unwrap_or(0);
        assert!(found >= 1);
    }
}

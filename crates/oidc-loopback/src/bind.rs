//! Choosing the listening socket: the configured ports in order on `127.0.0.1`, `[::1]` when
//! IPv4 loopback is unavailable, and a clear error for a busy fixed port.

use std::future::Future;
use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::Error;

/// The addresses to try, in order: the configured one, else `127.0.0.1` then `[::1]`.
pub(crate) fn candidates(configured: Option<IpAddr>) -> Vec<IpAddr> {
    match configured {
        Some(ip) => vec![ip],
        None => vec![
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ],
    }
}

/// Whether a bind error means the address itself is not there (no IPv4 loopback, IPv6
/// disabled), as opposed to the port being taken or the bind being forbidden.
fn address_unavailable(e: &std::io::Error) -> bool {
    // EADDRNOTAVAIL, EAFNOSUPPORT (Linux 97, BSD/macOS 47) when the family is missing.
    matches!(
        e.kind(),
        ErrorKind::AddrNotAvailable | ErrorKind::Unsupported
    ) || matches!(e.raw_os_error(), Some(97 | 47))
}

/// Binds the first port of `ports` (in order) that is free, on the first address of `ips`
/// that exists. A port taken by another program moves on to the next port; all of them
/// taken is [`Error::PortInUse`] (one port) or [`Error::PortsInUse`] (several), naming them.
pub(crate) async fn bind_first<L, F, Fut>(
    ips: &[IpAddr],
    ports: &[u16],
    bind: F,
) -> Result<L, Error>
where
    F: Fn(SocketAddr) -> Fut,
    Fut: Future<Output = std::io::Result<L>>,
{
    let mut busy = Vec::new();
    let mut busy_ip = ips
        .first()
        .copied()
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    for &port in ports {
        let mut last_unavailable = None;
        for &ip in ips {
            if !ip.is_loopback() {
                return Err(Error::NotLoopback { ip });
            }
            let addr = SocketAddr::new(ip, port);
            match bind(addr).await {
                Ok(listener) => return Ok(listener),
                // This address does not exist here: try the next one.
                Err(e) if address_unavailable(&e) => last_unavailable = Some((addr, e)),
                Err(e) if port != 0 && e.kind() == ErrorKind::AddrInUse => {
                    busy.push((port, e));
                    busy_ip = ip;
                    break;
                }
                Err(source) => return Err(Error::BindFailed { addr, source }),
            }
        }
        if busy.last().map(|(p, _)| *p) != Some(port)
            && let Some((addr, source)) = last_unavailable
        {
            // No loopback address exists at all.
            return Err(Error::BindFailed { addr, source });
        }
    }
    match busy.len() {
        0 => Err(Error::BindFailed {
            addr: SocketAddr::new(busy_ip, 0),
            source: std::io::Error::new(ErrorKind::InvalidInput, "no port to listen on"),
        }),
        1 => {
            let (port, source) = busy.remove(0);
            Err(Error::PortInUse {
                ip: busy_ip,
                port,
                source,
            })
        }
        _ => Err(Error::PortsInUse {
            ip: busy_ip,
            ports: busy.into_iter().map(|(p, _)| p).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    fn err(kind: ErrorKind) -> std::io::Error {
        std::io::Error::new(kind, format!("{kind:?}"))
    }

    /// A fake system: which addresses exist, which ports are taken; records the tries.
    struct Fake {
        no_ipv4: bool,
        taken: Vec<u16>,
        tries: Mutex<Vec<SocketAddr>>,
    }

    impl Fake {
        async fn bind(&self, addr: SocketAddr) -> std::io::Result<SocketAddr> {
            self.tries
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(addr);
            if self.no_ipv4 && addr.is_ipv4() {
                return Err(err(ErrorKind::AddrNotAvailable));
            }
            if self.taken.contains(&addr.port()) {
                return Err(err(ErrorKind::AddrInUse));
            }
            Ok(addr)
        }

        fn tries(&self) -> Vec<String> {
            self.tries
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .iter()
                .map(ToString::to_string)
                .collect()
        }
    }

    fn fake(no_ipv4: bool, taken: &[u16]) -> Fake {
        Fake {
            no_ipv4,
            taken: taken.to_vec(),
            tries: Mutex::new(Vec::new()),
        }
    }

    #[tokio::test]
    async fn ports_are_tried_in_order_and_ipv4_comes_first() {
        let f = fake(false, &[8000]);
        let got = bind_first(&candidates(None), &[8000, 18000], |a| f.bind(a))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.to_string(), "127.0.0.1:18000");
        assert_eq!(f.tries(), ["127.0.0.1:8000", "127.0.0.1:18000"]);
    }

    #[tokio::test]
    async fn ipv6_loopback_when_ipv4_loopback_is_unavailable() {
        let f = fake(true, &[]);
        let got = bind_first(&candidates(None), &[8000], |a| f.bind(a))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.to_string(), "[::1]:8000");
        assert_eq!(f.tries(), ["127.0.0.1:8000", "[::1]:8000"]);
        // an explicitly configured address is the only one tried
        let f = fake(true, &[]);
        let e = bind_first(
            &candidates(Some(IpAddr::V4(Ipv4Addr::LOCALHOST))),
            &[0],
            |a| f.bind(a),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, Error::BindFailed { .. }), "{e}");
    }

    #[tokio::test]
    async fn busy_ports_are_named_never_waited_for() {
        let f = fake(false, &[8000]);
        let e = bind_first(&candidates(None), &[8000], |a| f.bind(a))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::PortInUse { port: 8000, .. }), "{e}");
        let text = e.to_string();
        assert!(text.contains("8000") && text.contains("lsof"), "{text}");
        // a busy IPv4 port does not move the listener to IPv6
        assert_eq!(f.tries(), ["127.0.0.1:8000"]);
        let f = fake(false, &[8000, 18000]);
        let e = bind_first(&candidates(None), &[8000, 18000], |a| f.bind(a))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::PortsInUse { ports, .. } if ports == &[8000, 18000]),
            "{e}"
        );
        assert!(e.to_string().contains("8000, 18000"), "{e}");
    }

    #[tokio::test]
    async fn wildcards_are_refused() {
        let f = fake(false, &[]);
        let e = bind_first(&[IpAddr::V4(Ipv4Addr::UNSPECIFIED)], &[0], |a| f.bind(a))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::NotLoopback { .. }), "{e}");
        assert!(f.tries().is_empty());
    }
}

//! IPv4/IPv6 preference, as a resolver wrapper.

use std::net::SocketAddr;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Which address families to connect to. The numbers in brackets are the numeric values
/// of the OIDCDesktop component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum IpPreference {
    /// The system resolver's order (default).
    #[default]
    System,
    /// IPv4 addresses only (`0`).
    Ipv4Only,
    /// IPv6 addresses only (`1`).
    Ipv6Only,
    /// IPv6 first, IPv4 as fallback (`2`).
    PreferIpv6,
}

#[derive(Debug)]
pub(crate) struct PreferenceResolver(pub(crate) IpPreference);

impl Resolve for PreferenceResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let pref = self.0;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut addrs = filter(addrs, pref);
            if addrs.is_empty() {
                return Err(
                    format!("no address of the preferred family ({pref:?}) for {host}").into(),
                );
            }
            addrs.dedup();
            let it: Addrs = Box::new(addrs.into_iter());
            Ok(it)
        })
    }
}

pub(crate) fn filter(mut addrs: Vec<SocketAddr>, pref: IpPreference) -> Vec<SocketAddr> {
    match pref {
        IpPreference::System => addrs,
        IpPreference::Ipv4Only => {
            addrs.retain(SocketAddr::is_ipv4);
            addrs
        }
        IpPreference::Ipv6Only => {
            addrs.retain(SocketAddr::is_ipv6);
            addrs
        }
        IpPreference::PreferIpv6 => {
            addrs.sort_by_key(SocketAddr::is_ipv4);
            addrs
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_filtered_and_ordered() {
        let v4: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let v6: SocketAddr = "[::1]:0".parse().unwrap();
        let both = vec![v4, v6];
        assert_eq!(filter(both.clone(), IpPreference::Ipv4Only), vec![v4]);
        assert_eq!(filter(both.clone(), IpPreference::Ipv6Only), vec![v6]);
        assert_eq!(filter(both.clone(), IpPreference::PreferIpv6), vec![v6, v4]);
        assert_eq!(filter(both.clone(), IpPreference::System), both);
    }
}

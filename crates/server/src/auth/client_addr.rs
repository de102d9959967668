//! The client's address: the TCP peer, or — when the peer is a trusted proxy (`auth.trusted_proxies`) —
//! the address the proxy chain reports in `Forwarded` (RFC 7239) or `X-Forwarded-For`.
//!
//! The chain is read from the right: each hop appends the address it received the request from, so
//! the rightmost address that is not a trusted proxy is the one no trusted party can have been lied
//! to about. Headers from untrusted peers are ignored (anyone can send them).

use axum::extract::{ConnectInfo, Request};
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// The address failed logins are throttled and audited by.
pub fn of_request(request: &Request, trusted: &[IpNet]) -> Option<String> {
    of(request.extensions(), request.headers(), trusted)
}

/// [`of_request`] from a request's head.
pub fn of_request_parts(parts: &http::request::Parts, trusted: &[IpNet]) -> Option<String> {
    of(&parts.extensions, &parts.headers, trusted)
}

fn of(extensions: &http::Extensions, headers: &http::HeaderMap, trusted: &[IpNet]) -> Option<String> {
    let peer = extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    Some(resolve(peer, headers, trusted).to_string())
}

fn resolve(peer: IpAddr, headers: &http::HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let chain = forwarded_chain(headers);
    // Rightmost untrusted hop; if every hop is a trusted proxy, the leftmost (the origin).
    chain.iter().rev().find(|ip| !is_trusted(ip)).or(chain.first()).copied().unwrap_or(peer)
}

/// The addresses of `Forwarded: for=…` if present, else of `X-Forwarded-For`, left to right.
/// An unparsable element (`unknown`, an obfuscated identifier) ends the chain there: what is left of
/// it cannot be attributed.
fn forwarded_chain(headers: &http::HeaderMap) -> Vec<IpAddr> {
    let forwarded: Vec<&str> =
        headers.get_all(http::header::FORWARDED).iter().filter_map(|v| v.to_str().ok()).collect();
    let elements: Vec<String> = if forwarded.is_empty() {
        let xff = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        xff.flat_map(|v| v.split(',')).map(|s| s.trim().to_owned()).collect()
    } else {
        forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (key, value) = pair.trim().split_once('=')?;
                    key.trim().eq_ignore_ascii_case("for").then(|| value.trim().trim_matches('"').to_owned())
                })
            })
            .collect()
    };
    let mut chain = Vec::new();
    for element in elements.iter().rev() {
        match parse_node(element) {
            Some(ip) => chain.push(ip),
            None => break,
        }
    }
    chain.reverse();
    chain
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711`, `2001:db8::1`.
fn parse_node(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse() {
        return Some(ip);
    }
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    text.strip_prefix('[').and_then(|rest| rest.split(']').next()).and_then(|ip| ip.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (k, v) in pairs {
            map.append(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn headers_of_untrusted_peers_are_ignored() {
        let h = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(resolve(ip("10.0.0.9"), &h, &[]), ip("10.0.0.9"));
        let trusted = ["10.0.0.1/32".parse().unwrap()];
        assert_eq!(resolve(ip("10.0.0.9"), &h, &trusted), ip("10.0.0.9"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 1.2.3.4, 10.0.0.2")]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("1.2.3.4"), "the spoofed 6.6.6.6 is not believed");
        let h = headers(&[("x-forwarded-for", "10.1.1.1, 10.0.0.2")]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("10.1.1.1"));
        let h = headers(&[("x-forwarded-for", "1.2.3.4"), ("x-forwarded-for", "5.6.7.8")]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("5.6.7.8"));
        assert_eq!(resolve(ip("10.0.0.1"), &headers(&[]), &trusted), ip("10.0.0.1"));
    }

    #[test]
    fn forwarded_wins_over_x_forwarded_for() {
        let trusted: Vec<IpNet> = vec!["127.0.0.1/32".parse().unwrap()];
        let h = headers(&[
            ("forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43, for=\"[2001:db8:cafe::17]:4711\""),
            ("x-forwarded-for", "9.9.9.9"),
        ]);
        assert_eq!(resolve(ip("127.0.0.1"), &h, &trusted), ip("2001:db8:cafe::17"));
        let h = headers(&[("forwarded", "for=unknown, for=192.0.2.43:80")]);
        assert_eq!(resolve(ip("127.0.0.1"), &h, &trusted), ip("192.0.2.43"));
        let h = headers(&[("forwarded", "for=192.0.2.43, for=unknown")]);
        assert_eq!(resolve(ip("127.0.0.1"), &h, &trusted), ip("127.0.0.1"), "an unattributable hop stops the chain");
    }
}

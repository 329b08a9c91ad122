//! Where the engine listens: parsing `unix://`, `tcp://`, `http://` and
//! `https://` URIs into something a connector can dial.

use std::fmt;
use std::path::PathBuf;

use crate::error::Error;

/// The schemes [`Endpoint::parse`] accepts, named in its errors.
pub(crate) const SUPPORTED_SCHEMES: &str = "unix://, tcp://, http://, https://, ssh://";

/// A parsed engine address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// A unix domain socket at this path.
    Unix(PathBuf),
    /// A TCP host and port; `tls` is decided by the scheme (`https://`) or,
    /// for `tcp://`, by whether TLS settings were given.
    Tcp {
        /// A DNS name or an IP literal, without brackets.
        host: String,
        port: u16,
        tls: bool,
    },
    /// A remote engine reached through the system `ssh` client.
    Ssh {
        /// User, host, port and remote socket.
        target: crate::ssh::SshTarget,
        /// How to run `ssh` (set by the transport builder).
        ssh: crate::ssh::Ssh,
    },
}

impl Endpoint {
    /// Parses `uri`; `tls_given` makes `tcp://` mean HTTPS, as the Docker CLI
    /// does when a TLS configuration exists.
    pub(crate) fn parse(uri: &str, tls_given: bool) -> Result<Endpoint, Error> {
        let invalid = |reason: String| Error::InvalidUri {
            uri: uri.to_string(),
            reason,
        };
        let Some((scheme, rest)) = uri.split_once("://") else {
            return Err(invalid(format!(
                "it has no scheme; expected one of {SUPPORTED_SCHEMES}"
            )));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "unix" => {
                if rest.is_empty() {
                    return Err(invalid(
                        "the socket path is empty; expected e.g. unix:///var/run/docker.sock"
                            .to_string(),
                    ));
                }
                Ok(Endpoint::Unix(PathBuf::from(rest)))
            }
            "tcp" => Self::parse_tcp(rest, tls_given, None).map_err(invalid),
            "http" => Self::parse_tcp(rest, false, Some(80)).map_err(invalid),
            "https" => Self::parse_tcp(rest, true, Some(443)).map_err(invalid),
            "ssh" => crate::ssh::SshTarget::parse(rest)
                .map(|target| Endpoint::Ssh {
                    target,
                    ssh: crate::ssh::Ssh::default(),
                })
                .map_err(invalid),
            other => Err(invalid(format!(
                "the scheme {other}:// is not supported; expected one of {SUPPORTED_SCHEMES}"
            ))),
        }
    }

    fn parse_tcp(rest: &str, tls: bool, default_port: Option<u16>) -> Result<Endpoint, String> {
        // A trailing slash (`tcp://host:2375/`) is common in DOCKER_HOST values;
        // any other path is a mistake we should not silently drop.
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains('/') || authority.contains('?') || authority.contains('#') {
            return Err("an endpoint takes no path, query or fragment; expected host:port".into());
        }
        if authority.contains('@') {
            return Err("user information in the endpoint is not supported".into());
        }
        let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
            // IPv6 literal: [::1]:2375 or [::1]
            let Some((host, after)) = bracketed.split_once(']') else {
                return Err("the IPv6 literal has no closing `]`".into());
            };
            if host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(format!("`{host}` is not an IPv6 address"));
            }
            let port = match after {
                "" => None,
                p => Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| format!("unexpected `{p}` after the IPv6 literal"))?,
                ),
            };
            (host.to_string(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, _)) if h.contains(':') => {
                    return Err("an IPv6 literal must be in brackets, e.g. tcp://[::1]:2375".into())
                }
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (authority.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err("the host is empty".into());
        }
        let port = match (port, default_port) {
            (Some(p), _) => p
                .parse::<u16>()
                .map_err(|_| format!("`{p}` is not a port number (0-65535)"))?,
            (None, Some(d)) => d,
            (None, None) => return Err("tcp:// needs a port, e.g. tcp://127.0.0.1:2375".into()),
        };
        Ok(Endpoint::Tcp { host, port, tls })
    }

    /// The `Host` header and URI authority for requests to this endpoint.
    pub(crate) fn authority(&self) -> String {
        match self {
            // Engines ignore the host on a unix socket; `localhost` is what
            // the Docker CLI's own requests look like to proxies and logs.
            Endpoint::Unix(_) | Endpoint::Ssh { .. } => "localhost".to_string(),
            Endpoint::Tcp { host, port, .. } if host.contains(':') => format!("[{host}]:{port}"),
            Endpoint::Tcp { host, port, .. } => format!("{host}:{port}"),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Unix(path) => write!(f, "unix://{}", path.display()),
            Endpoint::Tcp { tls: true, .. } => write!(f, "https://{}", self.authority()),
            Endpoint::Tcp { tls: false, .. } => write!(f, "tcp://{}", self.authority()),
            Endpoint::Ssh { target, .. } => target.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(host: &str, port: u16, tls: bool) -> Endpoint {
        Endpoint::Tcp {
            host: host.into(),
            port,
            tls,
        }
    }

    #[test]
    fn parses_every_scheme() {
        assert_eq!(
            Endpoint::parse("unix:///var/run/docker.sock", false).ok(),
            Some(Endpoint::Unix("/var/run/docker.sock".into()))
        );
        assert_eq!(
            Endpoint::parse("tcp://127.0.0.1:2375", false).ok(),
            Some(tcp("127.0.0.1", 2375, false))
        );
        assert_eq!(
            Endpoint::parse("tcp://127.0.0.1:2376/", true).ok(),
            Some(tcp("127.0.0.1", 2376, true))
        );
        assert_eq!(
            Endpoint::parse("http://localhost", false).ok(),
            Some(tcp("localhost", 80, false))
        );
        assert_eq!(
            Endpoint::parse("HTTPS://[::1]:2376", false).ok(),
            Some(tcp("::1", 2376, true))
        );
        assert_eq!(
            Endpoint::parse("https://[::1]", false).ok(),
            Some(tcp("::1", 443, true))
        );
    }

    #[test]
    fn ipv6_authority_keeps_brackets() {
        let e = tcp("::1", 2375, false);
        assert_eq!(e.authority(), "[::1]:2375");
        assert_eq!(e.to_string(), "tcp://[::1]:2375");
    }

    #[test]
    fn rejects_with_reasons() {
        for (uri, needle) in [
            ("ftp://host", "unix://, tcp://, http://, https://, ssh://"),
            ("/var/run/docker.sock", "no scheme"),
            ("tcp://host", "needs a port"),
            ("tcp://host:99999", "not a port"),
            ("tcp://::1:2375", "brackets"),
            ("tcp://[::1:2375", "closing"),
            ("tcp://[zz]:1", "not an IPv6"),
            ("http://host:1/path", "no path"),
            ("unix://", "empty"),
        ] {
            let err = Endpoint::parse(uri, false).err().map(|e| e.to_string());
            let err = err.unwrap_or_default();
            assert!(err.contains(needle), "{uri}: {err}");
            assert!(err.contains(uri), "{uri}: {err}");
        }
    }
}

//! Turning errors from rustls and the OS into our [`Error`]: finds the
//! meaningful cause in the chain (a TLS alert, our write timeout) and keeps
//! the rest as the source.

use std::error::Error as StdError;

use rustls::pki_types::ServerName;
use rustls::{AlertDescription, CertificateError};

use crate::connect::WriteTimedOut;
use crate::endpoint::Endpoint;
use crate::error::{
    BoxError, ConnectError, ConnectErrorKind, Error, TimeoutKind, TlsError, TlsErrorKind,
};

/// Finds a `T` in `err`'s chain, looking inside `io::Error`s too (whose
/// `source()` skips the error they wrap).
pub(crate) fn find<'a, T: StdError + 'static>(
    mut err: &'a (dyn StdError + 'static),
) -> Option<&'a T> {
    loop {
        if let Some(found) = err.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|e| e.get_ref())
        {
            if let Some(found) = find::<T>(inner) {
                return Some(found);
            }
        }
        err = err.source()?;
    }
}

/// Context for classifying errors after the connection exists.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    pub(crate) endpoint: &'a Endpoint,
    pub(crate) server_name: Option<&'a ServerName<'static>>,
    pub(crate) client_auth: bool,
}

/// An error on an open connection: sending, or reading an answer.
pub(crate) fn any(err: BoxError, ctx: Context<'_>, during: &'static str) -> Error {
    let root: &(dyn StdError + 'static) = err.as_ref();
    if find::<WriteTimedOut>(root).is_some() {
        return Error::Timeout(TimeoutKind::Write);
    }
    if let Some(tls) = find::<rustls::Error>(root) {
        if let Some(kind) = tls_kind(tls, ctx.client_auth) {
            return Error::Tls(tls_error(kind, ctx, err));
        }
    }
    Error::Io {
        during,
        source: err,
    }
}

/// An error from the TLS handshake.
pub(crate) fn handshake(
    endpoint: &Endpoint,
    server_name: &ServerName<'static>,
    client_auth: bool,
    err: std::io::Error,
) -> Error {
    let ctx = Context {
        endpoint,
        server_name: Some(server_name),
        client_auth,
    };
    let tls = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    match tls {
        Some(rustls::Error::InvalidMessage(_))
        | Some(rustls::Error::InappropriateMessage { .. }) => {
            Error::Connect(ConnectError::new(endpoint, ConnectErrorKind::NotTls, err))
        }
        Some(tls) => {
            let kind = tls_kind(tls, client_auth).unwrap_or(TlsErrorKind::Handshake);
            Error::Tls(tls_error(kind, ctx, Box::new(err)))
        }
        // No TLS error: the peer closed or reset during the handshake, which
        // is what a plain HTTP server does with a ClientHello it cannot read.
        None if err.kind() == std::io::ErrorKind::UnexpectedEof => {
            Error::Connect(ConnectError::new(endpoint, ConnectErrorKind::NotTls, err))
        }
        None => Error::Tls(tls_error(TlsErrorKind::Handshake, ctx, Box::new(err))),
    }
}

fn tls_kind(err: &rustls::Error, client_auth: bool) -> Option<TlsErrorKind> {
    use CertificateError as C;
    Some(match err {
        rustls::Error::InvalidCertificate(cert) => match cert {
            C::UnknownIssuer | C::BadSignature => TlsErrorKind::UnknownCa,
            C::NotValidForName | C::NotValidForNameContext { .. } => TlsErrorKind::NameMismatch,
            C::Expired
            | C::ExpiredContext { .. }
            | C::NotValidYet
            | C::NotValidYetContext { .. } => TlsErrorKind::Expired,
            _ => TlsErrorKind::Handshake,
        },
        rustls::Error::AlertReceived(alert) => match alert {
            AlertDescription::CertificateRequired => TlsErrorKind::ClientCertRequired,
            AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::HandshakeFailure
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateRevoked
            | AlertDescription::AccessDenied => {
                if client_auth {
                    TlsErrorKind::ClientCertRejected
                } else {
                    TlsErrorKind::ClientCertRequired
                }
            }
            _ => TlsErrorKind::Handshake,
        },
        // Anything else after the connection exists is not a TLS verdict on
        // either side; leave it an IO error.
        _ => return None,
    })
}

fn tls_error(kind: TlsErrorKind, ctx: Context<'_>, source: BoxError) -> TlsError {
    let name = ctx
        .server_name
        .map(|n| n.to_str().into_owned())
        .unwrap_or_default();
    let endpoint = ctx.endpoint;
    let detail = match kind {
        TlsErrorKind::UnknownCa => format!(
            "the certificate of {endpoint} is not signed by a trusted CA (when a CA is given, it is the only one trusted)"
        ),
        TlsErrorKind::NameMismatch => {
            format!("the certificate of {endpoint} is not valid for the name `{name}`")
        }
        TlsErrorKind::Expired => {
            format!("the certificate of {endpoint} has expired or is not valid yet")
        }
        TlsErrorKind::ClientCertRequired => format!(
            "{endpoint} requires a client certificate; give one with Tls::client_cert_file and Tls::client_key_file"
        ),
        TlsErrorKind::ClientCertRejected => {
            format!("{endpoint} rejected the client certificate")
        }
        _ => format!("with {endpoint}"),
    };
    TlsError {
        kind,
        file: None,
        detail,
        source: Some(source),
    }
}

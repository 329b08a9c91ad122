//! TLS settings: CA, client certificate and key, from files or memory,
//! loaded and validated once when the transport is built.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ClientConfig, RootCertStore};

use crate::error::{BoxError, Error, TlsError};

/// Where a piece of TLS material comes from.
#[derive(Clone)]
enum Source {
    File(PathBuf),
    Pem(Vec<u8>),
}

/// TLS settings for a [`Transport`](crate::Transport).
///
/// When a CA is given it is the only trust root; otherwise the platform's
/// roots are used. A client certificate and key go together. Keys may be
/// PKCS#1 (`RSA PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`), PKCS#8
/// (`PRIVATE KEY`) or encrypted PKCS#8 (`ENCRYPTED PRIVATE KEY`, with
/// [`Tls::key_passphrase`]). Nothing is read until
/// [`TransportBuilder::build`](crate::TransportBuilder::build), which reads
/// and checks everything once.
///
/// ```no_run
/// use contajners_transport::{Tls, Transport};
///
/// let tls = Tls::new()
///     .ca_file("/certs/ca.pem")
///     .client_cert_file("/certs/cert.pem")
///     .client_key_file("/certs/key.pem");
/// let transport = Transport::builder("https://127.0.0.1:2376").tls(tls).build()?;
/// # Ok::<(), contajners_transport::Error>(())
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct Tls {
    ca: Option<Source>,
    cert: Option<Source>,
    key: Option<Source>,
    passphrase: Option<String>,
    server_name: Option<String>,
    skip_verify: bool,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material or the passphrase.
        let describe = |s: &Option<Source>| match s {
            Some(Source::File(p)) => p.display().to_string(),
            Some(Source::Pem(_)) => "<pem in memory>".to_string(),
            None => "-".to_string(),
        };
        f.debug_struct("Tls")
            .field("ca", &describe(&self.ca))
            .field("cert", &describe(&self.cert))
            .field("key", &describe(&self.key))
            .field("passphrase", &self.passphrase.as_ref().map(|_| "<set>"))
            .field("server_name", &self.server_name)
            .field("skip_verify", &self.skip_verify)
            .finish()
    }
}

impl Tls {
    /// Empty settings: platform roots, no client certificate.
    ///
    /// ```
    /// let tls = contajners_transport::Tls::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Trust only the CA certificate(s) in this PEM file.
    ///
    /// ```
    /// let tls = contajners_transport::Tls::new().ca_file("ca.pem");
    /// ```
    pub fn ca_file(mut self, path: impl AsRef<Path>) -> Self {
        self.ca = Some(Source::File(path.as_ref().to_path_buf()));
        self
    }

    /// Trust only the CA certificate(s) in this PEM text.
    ///
    /// ```
    /// let pem = b"-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n";
    /// let tls = contajners_transport::Tls::new().ca_pem(pem.to_vec());
    /// ```
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca = Some(Source::Pem(pem.into()));
        self
    }

    /// The client certificate (chain) from this PEM file.
    ///
    /// ```
    /// let tls = contajners_transport::Tls::new().client_cert_file("cert.pem");
    /// ```
    pub fn client_cert_file(mut self, path: impl AsRef<Path>) -> Self {
        self.cert = Some(Source::File(path.as_ref().to_path_buf()));
        self
    }

    /// The client certificate (chain) from this PEM text.
    ///
    /// ```
    /// let tls = contajners_transport::Tls::new().client_cert_pem(b"...".to_vec());
    /// ```
    pub fn client_cert_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.cert = Some(Source::Pem(pem.into()));
        self
    }

    /// The client key from this PEM file.
    ///
    /// ```
    /// let tls = contajners_transport::Tls::new().client_key_file("key.pem");
    /// ```
    pub fn client_key_file(mut self, path: impl AsRef<Path>) -> Self {
        self.key = Some(Source::File(path.as_ref().to_path_buf()));
        self
    }

    /// The client key from this PEM text.
    ///
    /// ```
    /// let tls = contajners_transport::Tls::new().client_key_pem(b"...".to_vec());
    /// ```
    pub fn client_key_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.key = Some(Source::Pem(pem.into()));
        self
    }

    /// The passphrase of an encrypted PKCS#8 client key.
    ///
    /// ```
    /// let tls = contajners_transport::Tls::new()
    ///     .client_key_file("key.pem")
    ///     .key_passphrase("secret");
    /// ```
    pub fn key_passphrase(mut self, passphrase: impl Into<String>) -> Self {
        self.passphrase = Some(passphrase.into());
        self
    }

    /// Check the engine's certificate against this name instead of the
    /// endpoint's host (for engines reached through an address their
    /// certificate does not name).
    ///
    /// ```
    /// let tls = contajners_transport::Tls::new().server_name("docker.example");
    /// ```
    pub fn server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// Accept any server certificate, for any name (Docker's
    /// `SkipTLSVerify` and `DOCKER_TLS` without `DOCKER_TLS_VERIFY`). The
    /// connection is encrypted but the engine is not authenticated; a CA,
    /// if given, is ignored. The handshake signatures are still checked.
    ///
    /// ```
    /// let tls = contajners_transport::Tls::new().skip_verify(true);
    /// ```
    pub fn skip_verify(mut self, skip: bool) -> Self {
        self.skip_verify = skip;
        self
    }

    pub(crate) fn server_name_override(&self) -> Option<&str> {
        self.server_name.as_deref()
    }

    pub(crate) fn has_client_auth(&self) -> bool {
        self.cert.is_some()
    }

    /// Reads and checks all the material, once.
    pub(crate) fn load(&self) -> Result<Arc<ClientConfig>, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let versions = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| material(None, "no TLS protocol version is usable", Some(e.into())))?;
        let builder = if self.skip_verify {
            versions
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(
                    crate::skip_verify::AnyCertificate::new(provider),
                ))
        } else {
            versions.with_root_certificates(self.roots()?)
        };
        let config = match (&self.cert, &self.key) {
            (None, None) => builder.with_no_client_auth(),
            (Some(_), None) => {
                return Err(material(
                    None,
                    "a client certificate was given without its key; give both or neither",
                    None,
                ))
            }
            (None, Some(_)) => {
                return Err(material(
                    None,
                    "a client key was given without its certificate; give both or neither",
                    None,
                ))
            }
            (Some(cert), Some(key)) => {
                let chain = certificates(cert, "client certificate")?;
                let (key_bytes, key_file) = read(key)?;
                let private = private_key(&key_bytes, self.passphrase.as_deref())
                    .map_err(|(detail, source)| material(key_file.clone(), detail, source))?;
                builder.with_client_auth_cert(chain, private).map_err(|e| {
                    material(
                        key_file,
                        "the client key is unusable or does not match the client certificate",
                        Some(e.into()),
                    )
                })?
            }
        };
        Ok(Arc::new(config))
    }

    fn roots(&self) -> Result<RootCertStore, Error> {
        let mut roots = RootCertStore::empty();
        match &self.ca {
            Some(ca) => {
                let file = file_of(ca);
                for cert in certificates(ca, "CA certificate")? {
                    roots.add(cert).map_err(|e| {
                        material(
                            file.clone(),
                            "a CA certificate is not a valid trust anchor",
                            Some(e.into()),
                        )
                    })?;
                }
            }
            None => {
                let found = rustls_native_certs::load_native_certs();
                let (added, _ignored) = roots.add_parsable_certificates(found.certs);
                if added == 0 {
                    let source = found
                        .errors
                        .into_iter()
                        .next()
                        .map(|e| Box::new(e) as BoxError);
                    return Err(material(
                        None,
                        "no CA was given and no platform root certificate was found; give a CA with Tls::ca_file",
                        source,
                    ));
                }
            }
        }
        Ok(roots)
    }
}

fn material(file: Option<PathBuf>, detail: impl Into<String>, source: Option<BoxError>) -> Error {
    Error::Tls(TlsError::material(file, detail, source))
}

fn file_of(source: &Source) -> Option<PathBuf> {
    match source {
        Source::File(path) => Some(path.clone()),
        Source::Pem(_) => None,
    }
}

fn read(source: &Source) -> Result<(Vec<u8>, Option<PathBuf>), Error> {
    match source {
        Source::Pem(bytes) => Ok((bytes.clone(), None)),
        Source::File(path) => std::fs::read(path)
            .map(|bytes| (bytes, Some(path.clone())))
            .map_err(|e| material(Some(path.clone()), "cannot read the file", Some(e.into()))),
    }
}

fn certificates(source: &Source, what: &str) -> Result<Vec<CertificateDer<'static>>, Error> {
    let (bytes, file) = read(source)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            material(
                file.clone(),
                format!("the {what} PEM is malformed"),
                Some(e.into()),
            )
        })?;
    if certs.is_empty() {
        return Err(material(
            file,
            format!("no {what} found; expected a PEM block `BEGIN CERTIFICATE`"),
            None,
        ));
    }
    Ok(certs)
}

type KeyProblem = (String, Option<BoxError>);

/// Parses a PEM private key in any of the supported forms.
fn private_key(pem: &[u8], passphrase: Option<&str>) -> Result<PrivateKeyDer<'static>, KeyProblem> {
    let text = String::from_utf8_lossy(pem);
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err((
            "the key uses legacy OpenSSL PEM encryption, which is not supported; convert it with \
             `openssl pkcs8 -topk8 -v2 aes-256-cbc` to encrypted PKCS#8"
                .into(),
            None,
        ));
    }
    if let Some(block) = pem_block(&text, "ENCRYPTED PRIVATE KEY") {
        let Some(passphrase) = passphrase else {
            return Err((
                "the key is encrypted; give its passphrase with Tls::key_passphrase".into(),
                None,
            ));
        };
        let (_label, der) = pkcs8::der::pem::decode_vec(block.as_bytes()).map_err(|e| {
            (
                "the encrypted key's PEM is malformed".to_string(),
                Some(boxed(e)),
            )
        })?;
        let info = pkcs8::EncryptedPrivateKeyInfo::try_from(der.as_slice()).map_err(|e| {
            (
                "the encrypted key is not valid PKCS#8".to_string(),
                Some(boxed(e)),
            )
        })?;
        let plain = info.decrypt(passphrase).map_err(|e| {
            (
                "cannot decrypt the key: wrong passphrase or unsupported encryption".to_string(),
                Some(boxed(e)),
            )
        })?;
        return Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            plain.as_bytes().to_vec(),
        )));
    }
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| {
        (
            "no private key found; expected a PEM block `RSA PRIVATE KEY`, `EC PRIVATE KEY`, \
             `PRIVATE KEY` or `ENCRYPTED PRIVATE KEY`"
                .to_string(),
            Some(e.into()),
        )
    })
}

fn boxed(e: impl fmt::Display) -> BoxError {
    // The pkcs8/der errors are not all `std::error::Error` in every feature
    // set; their text is what matters.
    e.to_string().into()
}

/// The first PEM block with this label, BEGIN to END lines included.
fn pem_block<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)?;
    let stop = text[start..].find(&end)? + start + end.len();
    Some(&text[start..stop])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cert_without_key_is_refused() {
        let err = Tls::new().client_cert_pem(b"x".to_vec()).load().err();
        assert!(err.is_some_and(|e| e.to_string().contains("without its key")));
    }

    #[test]
    fn missing_ca_file_names_the_file() {
        let err = Tls::new().ca_file("/no/such/ca.pem").load().err();
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.contains("/no/such/ca.pem") && text.contains("cannot read"),
            "{text}"
        );
    }

    #[test]
    fn ca_without_certificates_is_refused() {
        let err = Tls::new().ca_pem(b"hello".to_vec()).load().err();
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains("BEGIN CERTIFICATE"), "{text}");
    }

    #[test]
    fn encrypted_key_needs_passphrase() {
        let pem =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let err = private_key(pem.as_bytes(), None).err().map(|e| e.0);
        assert!(err.is_some_and(|e| e.contains("passphrase")));
    }

    #[test]
    fn debug_hides_secrets() {
        let tls = Tls::new()
            .client_key_pem(b"SECRET".to_vec())
            .key_passphrase("hunter2");
        let text = format!("{tls:?}");
        assert!(
            !text.contains("SECRET") && !text.contains("hunter2"),
            "{text}"
        );
    }
}

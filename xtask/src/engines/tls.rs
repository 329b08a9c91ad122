//! A CA, a dockerd server certificate and a client certificate, new for
//! every `up`.
//!
//! The client files are where Docker users keep theirs (`ca.pem`,
//! `cert.pem`, `key.pem` in one dir), so `DOCKER_CERT_PATH=<state>/tls/client`
//! works with any Docker tool.

use std::path::PathBuf;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

use super::Layout;

/// The PEM files written by [`generate`].
#[derive(Debug, Clone)]
pub(crate) struct TlsFiles {
    pub(crate) server_ca: PathBuf,
    pub(crate) server_cert: PathBuf,
    pub(crate) server_key: PathBuf,
    pub(crate) client_ca: PathBuf,
    pub(crate) client_cert: PathBuf,
    pub(crate) client_key: PathBuf,
}

pub(crate) fn generate(layout: &Layout) -> Result<TlsFiles, String> {
    let err = |what: &str, e: rcgen::Error| format!("cannot generate the {what}: {e}");

    let ca_key = KeyPair::generate().map_err(|e| err("CA key", e))?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(|e| err("CA", e))?;
    ca.distinguished_name
        .push(DnType::CommonName, "contajners test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = ca.self_signed(&ca_key).map_err(|e| err("CA", e))?;

    // "127.0.0.1" becomes an IP SAN, "localhost" a DNS SAN.
    let server_key = KeyPair::generate().map_err(|e| err("server key", e))?;
    let mut server = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .map_err(|e| err("server certificate", e))?;
    server
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    server.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server = server
        .signed_by(&server_key, &ca, &ca_key)
        .map_err(|e| err("server certificate", e))?;

    let client_key = KeyPair::generate().map_err(|e| err("client key", e))?;
    let mut client =
        CertificateParams::new(Vec::<String>::new()).map_err(|e| err("client certificate", e))?;
    client
        .distinguished_name
        .push(DnType::CommonName, "contajners test client");
    client.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client = client
        .signed_by(&client_key, &ca, &ca_key)
        .map_err(|e| err("client certificate", e))?;

    let dir = layout.tls();
    let files = TlsFiles {
        server_ca: dir.join("server").join("ca.pem"),
        server_cert: dir.join("server").join("cert.pem"),
        server_key: dir.join("server").join("key.pem"),
        client_ca: dir.join("client").join("ca.pem"),
        client_cert: dir.join("client").join("cert.pem"),
        client_key: dir.join("client").join("key.pem"),
    };
    write_public(&files.server_ca, ca.pem())?;
    write_public(&files.server_cert, server.pem())?;
    write_private(&files.server_key, server_key.serialize_pem())?;
    write_public(&files.client_ca, ca.pem())?;
    write_public(&files.client_cert, client.pem())?;
    write_private(&files.client_key, client_key.serialize_pem())?;
    Ok(files)
}

fn write_public(path: &std::path::Path, pem: String) -> Result<(), String> {
    super::layout::write(path, pem)
}

/// Keys are readable by their owner only, as ssh and Docker expect.
fn write_private(path: &std::path::Path, pem: String) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    super::layout::write(path, pem)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| format!("cannot restrict {}: {e}", path.display()))
}

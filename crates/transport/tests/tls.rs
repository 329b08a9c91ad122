//! TLS against an in-process mutual-TLS server, with material generated
//! here: success, each kind of rejection, key formats, material errors.

mod support;

use std::sync::Arc;

use contajners_transport::{
    ConnectErrorKind, Error, Request, Tls, TlsError, TlsErrorKind, Transport,
};
use http::Method;
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).unwrap();
        Ca { cert, key }
    }

    /// A leaf certificate for `names` (DNS names or IPs), and its key.
    fn issue(&self, names: &[&str], expired: bool) -> (String, KeyPair) {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        if expired {
            params.not_before = rcgen::date_time_ymd(2000, 1, 1);
            params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        }
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        (cert.pem(), key)
    }

    fn pem(&self) -> String {
        self.cert.pem()
    }
}

/// An HTTPS server answering "OK", requiring a client certificate signed by
/// `client_ca` when given.
async fn https_server(
    server_ca: &Ca,
    names: &[&str],
    expired: bool,
    client_ca: Option<&Ca>,
) -> String {
    let (cert_pem, key) = server_ca.issue(names, expired);
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(key.serialize_pem().as_bytes()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca.cert.der().clone()).unwrap();
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = Arc::new(builder.with_single_cert(chain, key).unwrap());
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(|_req| async {
                    Ok::<_, std::convert::Infallible>(support::reply(200, "OK"))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    format!("https://{addr}")
}

async fn ping(uri: &str, tls: Tls) -> Result<String, Error> {
    let t = Transport::builder(uri).tls(tls).build()?;
    let res = t.fetch(Request::new(Method::GET, "/_ping")).await?;
    Ok(res.text()?.to_string())
}

fn tls_error(result: Result<String, Error>) -> TlsError {
    match result {
        Err(Error::Tls(e)) => e,
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[tokio::test]
async fn mutual_tls_works_and_rejections_are_named() {
    let ca = Ca::new("test ca");
    let uri = https_server(&ca, &["localhost", "127.0.0.1"], false, Some(&ca)).await;
    let (client_cert, client_key) = ca.issue(&["client"], false);
    let good = Tls::new()
        .ca_pem(ca.pem())
        .client_cert_pem(client_cert.clone())
        .client_key_pem(client_key.serialize_pem());
    assert_eq!(ping(&uri, good.clone()).await.unwrap(), "OK");

    // tcp:// with TLS settings is HTTPS too.
    let tcp_uri = uri.replace("https://", "tcp://");
    assert_eq!(ping(&tcp_uri, good).await.unwrap(), "OK");

    // Wrong CA: the server's certificate is not trusted.
    let other = Ca::new("other ca");
    let wrong_ca = Tls::new()
        .ca_pem(other.pem())
        .client_cert_pem(client_cert.clone())
        .client_key_pem(client_key.serialize_pem());
    let err = tls_error(ping(&uri, wrong_ca).await);
    assert_eq!(err.kind(), TlsErrorKind::UnknownCa, "{err:?}");

    // No client certificate.
    let err = tls_error(ping(&uri, Tls::new().ca_pem(ca.pem())).await);
    assert_eq!(err.kind(), TlsErrorKind::ClientCertRequired, "{err}");
    assert!(
        err.to_string().contains("requires a client certificate"),
        "{err}"
    );

    // A client certificate from a CA the server does not trust.
    let (stranger_cert, stranger_key) = other.issue(&["client"], false);
    let stranger = Tls::new()
        .ca_pem(ca.pem())
        .client_cert_pem(stranger_cert)
        .client_key_pem(stranger_key.serialize_pem());
    assert_eq!(
        tls_error(ping(&uri, stranger).await).kind(),
        TlsErrorKind::ClientCertRejected
    );
}

#[tokio::test]
async fn server_name_is_checked() {
    let ca = Ca::new("test ca");
    let uri = https_server(&ca, &["engine.example"], false, None).await;
    let err = tls_error(ping(&uri, Tls::new().ca_pem(ca.pem())).await);
    assert_eq!(err.kind(), TlsErrorKind::NameMismatch, "{err}");
    assert!(err.to_string().contains("127.0.0.1"), "{err}");

    // Naming the certificate's name explicitly makes it acceptable.
    let named = Tls::new().ca_pem(ca.pem()).server_name("engine.example");
    assert_eq!(ping(&uri, named).await.unwrap(), "OK");

    // An IP SAN matches the IP connected to.
    let by_ip = https_server(&ca, &["127.0.0.1"], false, None).await;
    assert_eq!(
        ping(&by_ip, Tls::new().ca_pem(ca.pem())).await.unwrap(),
        "OK"
    );
}

#[tokio::test]
async fn expired_certificate_is_named() {
    let ca = Ca::new("test ca");
    let uri = https_server(&ca, &["127.0.0.1"], true, None).await;
    assert_eq!(
        tls_error(ping(&uri, Tls::new().ca_pem(ca.pem())).await).kind(),
        TlsErrorKind::Expired
    );
}

#[tokio::test]
async fn plain_http_where_tls_was_expected() {
    let server = support::tcp(|_| async { support::reply(200, "OK") }).await;
    let ca = Ca::new("test ca");
    let uri = server.uri.replace("tcp://", "https://");
    let err = ping(&uri, Tls::new().ca_pem(ca.pem())).await.unwrap_err();
    let Error::Connect(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.kind(), ConnectErrorKind::NotTls, "{err:?}");
    assert!(err.to_string().contains("plain HTTP"), "{err}");
}

/// The key as encrypted PKCS#8 PEM.
fn encrypted_pkcs8(key: &KeyPair, passphrase: &str) -> String {
    let der = key.serialize_der();
    let info = pkcs8::PrivateKeyInfo::try_from(der.as_slice()).unwrap();
    let params =
        pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(2048, &[7u8; 16], &[9u8; 16])
            .unwrap();
    let encrypted = info.encrypt_with_params(params, passphrase).unwrap();
    encrypted
        .to_pem("ENCRYPTED PRIVATE KEY", pkcs8::LineEnding::LF)
        .unwrap()
        .to_string()
}

/// The (EC) key as SEC1 `EC PRIVATE KEY` PEM.
fn sec1(key: &KeyPair) -> String {
    let der = key.serialize_der();
    let info = pkcs8::PrivateKeyInfo::try_from(der.as_slice()).unwrap();
    pkcs8::der::pem::encode_string("EC PRIVATE KEY", pkcs8::LineEnding::LF, info.private_key)
        .unwrap()
}

#[tokio::test]
async fn key_formats_and_files() {
    let ca = Ca::new("test ca");
    let uri = https_server(&ca, &["127.0.0.1"], false, Some(&ca)).await;
    let (client_cert, client_key) = ca.issue(&["client"], false);
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let ca_file = write("ca.pem", &ca.pem());
    let cert_file = write("cert.pem", &client_cert);
    let files = || Tls::new().ca_file(&ca_file).client_cert_file(&cert_file);

    // Encrypted PKCS#8 with its passphrase.
    let encrypted = write("key-enc.pem", &encrypted_pkcs8(&client_key, "s3cret"));
    let tls = files().client_key_file(&encrypted).key_passphrase("s3cret");
    assert_eq!(ping(&uri, tls).await.unwrap(), "OK");

    // Wrong passphrase, and none: errors at build that name the file.
    for tls in [
        files().client_key_file(&encrypted).key_passphrase("wrong"),
        files().client_key_file(&encrypted),
    ] {
        let err = Transport::builder(&uri).tls(tls).build().unwrap_err();
        let Error::Tls(e) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(e.kind(), TlsErrorKind::Material);
        assert_eq!(e.file(), Some(encrypted.as_path()));
        assert!(err.to_string().contains("key-enc.pem"), "{err}");
        assert!(err.to_string().contains("passphrase"), "{err}");
    }

    // SEC1 and plain PKCS#8.
    let sec1_file = write("key-sec1.pem", &sec1(&client_key));
    assert_eq!(
        ping(&uri, files().client_key_file(&sec1_file))
            .await
            .unwrap(),
        "OK"
    );
    let plain = write("key.pem", &client_key.serialize_pem());
    assert_eq!(
        ping(&uri, files().client_key_file(&plain)).await.unwrap(),
        "OK"
    );

    // A key that is not a key, and a key that does not match the certificate.
    let garbage = write("garbage.pem", "not a key");
    let err = Transport::builder(&uri)
        .tls(files().client_key_file(&garbage))
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("garbage.pem") && err.to_string().contains("no private key"),
        "{err}"
    );
    let (_, other_key) = ca.issue(&["other"], false);
    let mismatched = write("other-key.pem", &other_key.serialize_pem());
    let err = Transport::builder(&uri)
        .tls(files().client_key_file(&mismatched))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("does not match"), "{err}");
}

#[tokio::test]
async fn pkcs1_rsa_key() {
    let ca = Ca::new("test ca");
    let uri = https_server(&ca, &["127.0.0.1"], false, Some(&ca)).await;
    // The fixture key, as rcgen reads it (PKCS#8) and as the user gives it (PKCS#1).
    let pkcs8 = include_str!("fixtures/rsa-pkcs8.pem");
    let pkcs1 = include_str!("fixtures/rsa-pkcs1.pem");
    assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    let key = KeyPair::from_pem(pkcs8).unwrap();
    let cert = CertificateParams::new(vec!["client".to_string()])
        .unwrap()
        .signed_by(&key, &ca.cert, &ca.key)
        .unwrap();
    let tls = Tls::new()
        .ca_pem(ca.pem())
        .client_cert_pem(cert.pem())
        .client_key_pem(pkcs1.as_bytes().to_vec());
    assert_eq!(ping(&uri, tls).await.unwrap(), "OK");
}

//! contajners-transport against the real engines (`cargo xtask engines up`):
//! raw fetch over every endpoint kind, an undocumented endpoint, a streamed
//! archive upload, an attach socket with half-close, and TLS rejections by
//! the real dockerd.

use std::io::Read;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use contajners_tests::Engines;
use contajners_transport::http::Method;
use contajners_transport::{Body, Error, Request, Tls, TlsErrorKind, Transport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn docker_tls(e: &Engines) -> Tls {
    Tls::new()
        .ca_file(&e.tls_ca)
        .client_cert_file(&e.tls_cert)
        .client_key_file(&e.tls_key)
}

/// Every way this crate reaches the engines, with a name for messages.
fn transports(e: &Engines) -> Vec<(&'static str, Transport)> {
    vec![
        ("docker unix", Transport::new(&e.docker_uri).unwrap()),
        (
            "docker https mTLS",
            Transport::builder(&e.docker_tls_uri)
                .tls(docker_tls(e))
                .build()
                .unwrap(),
        ),
        ("podman unix", Transport::new(&e.podman_uri).unwrap()),
        ("podman tcp", Transport::new(&e.podman_tcp_uri).unwrap()),
    ]
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "contajners-transport-{prefix}-{}-{nanos}",
        std::process::id()
    )
}

/// A container that is force-removed when dropped, whatever the test did.
struct Container {
    transport: Transport,
    id: String,
}

impl Container {
    async fn create(transport: &Transport, image: &str, config: serde_json::Value) -> Container {
        let mut config = config;
        config["Image"] = image.into();
        config["HostConfig"] = serde_json::json!({"NetworkMode": "none"});
        let req = Request::new(Method::POST, "/v1.41/containers/create")
            .query("name", unique("c"))
            .body(Body::json(&config).unwrap())
            .throw_exceptions(true);
        let created: serde_json::Value = transport.fetch(req).await.unwrap().json().unwrap();
        let id = created["Id"].as_str().unwrap().to_string();
        Container {
            transport: transport.clone(),
            id,
        }
    }

    fn path(&self, rest: &str) -> String {
        format!("/v1.41/containers/{}{rest}", self.id)
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let transport = self.transport.clone();
        let path = format!("/v1.41/containers/{}", self.id);
        // Drop may run inside the test's runtime; remove from a fresh thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async {
                    let req = Request::new(Method::DELETE, path)
                        .query("force", "1")
                        .query("v", "1");
                    let _ = transport.fetch(req).await;
                });
            }
        })
        .join();
    }
}

/// The single file `name` from a tar archive.
fn file_in_tar(archive: &[u8], name: &str) -> Option<Vec<u8>> {
    let mut tar = tar::Archive::new(archive);
    for entry in tar.entries().ok()? {
        let mut entry = entry.ok()?;
        if entry
            .path()
            .ok()?
            .to_string_lossy()
            .trim_start_matches("./")
            == name
        {
            let mut out = Vec::new();
            entry.read_to_end(&mut out).ok()?;
            return Some(out);
        }
    }
    None
}

async fn read_file(c: &Container, path: &str, name: &str) -> Vec<u8> {
    let req = Request::new(Method::GET, c.path("/archive"))
        .query("path", path)
        .throw_exceptions(true);
    let archive = c.transport.fetch(req).await.unwrap().into_body();
    file_in_tar(&archive, name).unwrap_or_else(|| panic!("{name} not in the archive of {path}"))
}

#[tokio::test]
async fn ping_is_ok_on_every_endpoint() {
    let Some(e) = contajners_tests::engines("ping_is_ok_on_every_endpoint") else {
        return;
    };
    for (name, t) in transports(&e) {
        let res = t.fetch(Request::new(Method::GET, "/v1.41/_ping")).await;
        let res = res.unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(res.status(), 200, "{name}");
        assert_eq!(res.text().unwrap(), "OK", "{name}");
        // Podman tells itself apart by this header.
        let libpod = res.headers().contains_key("libpod-api-version");
        assert_eq!(libpod, name.starts_with("podman"), "{name}");
    }
}

#[tokio::test]
async fn undocumented_checkpoints_endpoint_answers() {
    let Some(e) = contajners_tests::engines("undocumented_checkpoints_endpoint_answers") else {
        return;
    };
    let t = Transport::new(&e.docker_uri).unwrap();
    let c = Container::create(&t, &e.image, serde_json::json!({"Cmd": ["true"]})).await;
    let res = t
        .fetch(Request::new(Method::GET, c.path("/checkpoints")))
        .await
        .unwrap();
    // The route exists: with experimental features it lists checkpoints (a
    // JSON array); without, dockerd answers 501 and says why (an unknown
    // route would be a 404 "page not found").
    match res.status().as_u16() {
        200 => assert!(res.json::<serde_json::Value>().unwrap().is_array()),
        501 => {
            let req = Request::new(Method::GET, c.path("/checkpoints")).throw_exceptions(true);
            let err = t.fetch(req).await.unwrap_err();
            let Error::Status(e) = err else {
                panic!("{err:?}")
            };
            assert!(e.message().contains("experimental"), "{}", e.message());
        }
        other => panic!("checkpoints answered {other}: {:?}", res.text()),
    }
}

#[tokio::test]
async fn archive_put_with_a_streamed_tar_then_read_back() {
    let Some(e) = contajners_tests::engines("archive_put_with_a_streamed_tar_then_read_back")
    else {
        return;
    };
    for (name, t) in [
        ("docker", Transport::new(&e.docker_uri).unwrap()),
        ("podman", Transport::new(&e.podman_uri).unwrap()),
    ] {
        let c = Container::create(&t, &e.image, serde_json::json!({"Cmd": ["true"]})).await;
        // A tar big enough to need many chunks, produced by a blocking
        // writer into a pipe and streamed as it is written.
        let content: Vec<u8> = (0..3_000_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let (reader, writer) = tokio::io::duplex(64 * 1024);
        let expected = content.clone();
        let producer = tokio::task::spawn_blocking(move || {
            let writer = blocking_writer(writer);
            let mut tar = tar::Builder::new(writer);
            let mut header = tar::Header::new_gnu();
            header.set_size(expected.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, "contajners-hello.txt", expected.as_slice())
                .unwrap();
            tar.into_inner().unwrap();
        });
        let req = Request::new(Method::PUT, c.path("/archive"))
            .query("path", "/")
            .header("Content-Type", "application/x-tar")
            .body(Body::reader(reader))
            .throw_exceptions(true);
        let res = t
            .fetch(req)
            .await
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(res.status(), 200, "{name}");
        producer.await.unwrap();
        let back = read_file(&c, "/contajners-hello.txt", "contajners-hello.txt").await;
        assert!(back == content, "{name}: the file read back differs");
    }
}

/// A blocking `Write` over the async pipe, for the tar builder.
fn blocking_writer(writer: tokio::io::DuplexStream) -> impl std::io::Write {
    struct Bridge(tokio::io::DuplexStream, tokio::runtime::Handle);
    impl std::io::Write for Bridge {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let (w, h) = (&mut self.0, &self.1);
            h.block_on(w.write(buf))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            let (w, h) = (&mut self.0, &self.1);
            h.block_on(w.flush())
        }
    }
    Bridge(writer, tokio::runtime::Handle::current())
}

#[tokio::test]
async fn attach_socket_sends_stdin_and_half_closes() {
    let Some(e) = contajners_tests::engines("attach_socket_sends_stdin_and_half_closes") else {
        return;
    };
    for (name, t) in transports(&e) {
        let c = Container::create(
            &t,
            &e.image,
            serde_json::json!({
                "Cmd": ["sh", "-c", "cat - > /out"],
                "OpenStdin": true,
                "StdinOnce": true,
                "AttachStdin": true,
            }),
        )
        .await;
        let attach = Request::new(Method::POST, c.path("/attach"))
            .query("stream", "1")
            .query("stdin", "1");
        let mut io = t
            .fetch_socket(attach)
            .await
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        let started = t
            .fetch(Request::new(Method::POST, c.path("/start")).throw_exceptions(true))
            .await
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        assert!(started.status().is_success(), "{name}");
        io.write_all(b"hello").await.unwrap();
        io.shutdown().await.unwrap();
        let wait = Request::new(Method::POST, c.path("/wait")).throw_exceptions(true);
        let waited = tokio::time::timeout(Duration::from_secs(60), t.fetch(wait))
            .await
            .unwrap_or_else(|_| panic!("{name}: the container did not exit: stdin was not closed"))
            .unwrap();
        let exit: serde_json::Value = waited.json().unwrap();
        assert_eq!(exit["StatusCode"], 0, "{name}: {exit}");
        // Whatever the engine still had to say ends cleanly.
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), io.read_to_end(&mut rest)).await;
        assert_eq!(read_file(&c, "/out", "out").await, b"hello", "{name}");
    }
}

#[tokio::test]
async fn real_dockerd_rejects_wrong_ca_and_missing_client_certificate() {
    let Some(e) =
        contajners_tests::engines("real_dockerd_rejects_wrong_ca_and_missing_client_certificate")
    else {
        return;
    };
    let ping = |tls: Tls| {
        let uri = e.docker_tls_uri.clone();
        async move {
            let t = Transport::builder(&uri).tls(tls).build()?;
            t.fetch(Request::new(Method::GET, "/_ping")).await
        }
    };
    // The client certificate is not the CA that signed dockerd's certificate.
    let wrong_ca = Tls::new()
        .ca_file(&e.tls_cert)
        .client_cert_file(&e.tls_cert)
        .client_key_file(&e.tls_key);
    match ping(wrong_ca).await {
        Err(Error::Tls(t)) => assert_eq!(t.kind(), TlsErrorKind::UnknownCa, "{t}"),
        other => panic!("wrong CA: {other:?}"),
    }
    match ping(Tls::new().ca_file(&e.tls_ca)).await {
        Err(Error::Tls(t)) => {
            assert_eq!(t.kind(), TlsErrorKind::ClientCertRequired, "{t}");
            assert!(
                t.to_string().contains("requires a client certificate"),
                "{t}"
            );
        }
        other => panic!("no client certificate: {other:?}"),
    }
    // Plain HTTP to the TLS port: dockerd answers with a 400 in plain text.
    let plain = e.docker_tls_uri.replace("https://", "http://");
    let res = Transport::new(&plain)
        .unwrap()
        .fetch(Request::new(Method::GET, "/_ping"))
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

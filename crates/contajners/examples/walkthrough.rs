//! The seed's walkthrough on a real Docker engine: categories, ops, doc,
//! pull (with registry credentials when given), create and start a counting
//! container, a network, the first log lines as they come, and the engine's
//! error read from the error. Everything it creates is removed at the end.
//!
//! `cargo run -p contajners --example walkthrough -- [DOCKER_URI]`; the URI
//! defaults to `CONTAJNERS_TEST_DOCKER_URI`, then `DOCKER_HOST`. With
//! `CONTAJNERS_TEST_REGISTRY`, `_USER` and `_PASSWORD` set (as
//! `cargo xtask engines env` prints them) it pulls from that registry.

use std::process::ExitCode;
use std::time::Duration;

use contajners::codec::{payloads, Lines, StreamKind};
use contajners::{Client, Engine, Error, Invocation, RegistryAuth};
use futures_util::StreamExt;
use serde_json::json;

const IMAGE: &str = "busybox:musl";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let uri = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("CONTAJNERS_TEST_DOCKER_URI").ok())
        .or_else(|| std::env::var("DOCKER_HOST").ok())
        .unwrap_or_else(|| "unix:///var/run/docker.sock".to_string());
    let name = format!("conny-{}", std::process::id());
    let result = walkthrough(&uri, &name).await;
    // Clean up whatever the walkthrough got to create.
    if let Ok(containers) = client(&uri, "containers") {
        let _ = containers
            .invoke(
                Invocation::new("ContainerDelete")
                    .param("id", name.as_str())
                    .param("force", true),
            )
            .await;
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("walkthrough failed: {err}");
            ExitCode::FAILURE
        }
    }
}

fn client(uri: &str, category: &str) -> Result<Client, Error> {
    Client::builder(Engine::Docker, "v1.41")
        .category(category)
        .uri(uri)
        .connect_timeout(Duration::from_secs(5))
        .build()
}

async fn walkthrough(uri: &str, name: &str) -> Result<(), Error> {
    let categories = contajners::categories(Engine::Docker, "v1.41")?;
    println!("categories: {}", categories.join(", "));

    let images = client(uri, "images")?;
    let containers = images.with_category("containers")?;
    let networks = images.with_category("networks")?;
    println!("images ops: {}", images.ops().join(", "));
    let doc = images.doc("ImageList")?;
    println!(
        "{}: {}\n  {}",
        doc.id(),
        doc.summary().lines().next().unwrap_or(""),
        doc.doc_url()
    );

    let mut image = IMAGE.to_string();
    if let (Ok(registry), Ok(user), Ok(password)) = (
        std::env::var("CONTAJNERS_TEST_REGISTRY"),
        std::env::var("CONTAJNERS_TEST_REGISTRY_USER"),
        std::env::var("CONTAJNERS_TEST_REGISTRY_PASSWORD"),
    ) {
        image = format!("{registry}/{IMAGE}");
        let pull = images
            .invoke(
                Invocation::new("ImageCreate")
                    .param("fromImage", format!("{registry}/busybox"))
                    .param("tag", "musl")
                    .param(
                        "X-Registry-Auth",
                        RegistryAuth::new(&user, &password, &registry),
                    )
                    .as_stream()
                    .throw_exceptions(true),
            )
            .await?
            .into_stream()?;
        let mut progress = pull.json();
        while let Some(step) = progress.next().await {
            println!("pull: {}", step?["status"].as_str().unwrap_or(""));
        }
    }

    containers
        .invoke(
            Invocation::new("ContainerCreate")
                .param("name", name)
                .data(json!({
                    "Image": image,
                    "Cmd": ["sh", "-c", "i=1; while :; do echo $i; sleep 1; i=$((i+1)); done"],
                    "HostConfig": {"NetworkMode": "none"}
                }))
                .throw_exceptions(true),
        )
        .await?;
    containers
        .invoke(
            Invocation::new("ContainerStart")
                .param("id", name)
                .throw_exceptions(true),
        )
        .await?;
    println!("created and started {name}");

    let network = format!("{name}-network");
    let created = networks
        .invoke(
            Invocation::new("NetworkCreate")
                .data(json!({"Name": network, "Internal": true}))
                .throw_exceptions(true),
        )
        .await?
        .into_data()?;
    println!(
        "network {network}: {:?}",
        created.json().and_then(|v| v["Id"].as_str())
    );
    networks
        .invoke(
            Invocation::new("NetworkDelete")
                .param("id", network.as_str())
                .throw_exceptions(true),
        )
        .await?;

    let logs = containers
        .invoke(
            Invocation::new("ContainerLogs")
                .param("id", name)
                .param("follow", true)
                .param("stdout", true)
                .as_stream()
                .multiplexed(true),
        )
        .await?
        .into_stream()?;
    let mut lines = Lines::new(payloads(logs.output(), |kind| kind == StreamKind::Stdout)).take(3);
    while let Some(line) = lines.next().await {
        println!("log: {}", String::from_utf8_lossy(&line?));
    }

    let missing = containers
        .invoke(
            Invocation::new("ContainerArchive")
                .param("id", name)
                .param("path", "/this-does-not-exist")
                .as_stream()
                .throw_exceptions(true)
                .throw_entire_message(true),
        )
        .await;
    match missing {
        Err(Error::Engine(err)) => println!("the engine said {}: {}", err.status(), err.message()),
        Err(other) => return Err(other),
        Ok(_) => println!("/this-does-not-exist exists?"),
    }
    Ok(())
}

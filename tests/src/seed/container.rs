//! A test container: created, used and always removed, through the ops of
//! one API (Docker's, Podman's libpod or Podman's compat).

use std::future::Future;

use bytes::Bytes;
use contajners::{Client, Data, EngineError, Error, Invocation, Response, Streamed, Upgraded};
use futures_util::TryStreamExt;
use serde_json::Value;

use super::{first_file, TestResult};

/// The container ops of one API and how they name things.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ContainerOps {
    /// Creates a container.
    pub create: &'static str,
    /// Starts it.
    pub start: &'static str,
    /// Removes it.
    pub delete: &'static str,
    /// Reads a path as a tar.
    pub archive: &'static str,
    /// Writes a tar into a path.
    pub put_archive: &'static str,
    /// Attaches to its stdio (a socket).
    pub attach: &'static str,
    /// Its logs.
    pub logs: &'static str,
    /// The name of the container's path param: Docker's `id`, Podman's `name`.
    pub key: &'static str,
    /// Whether create takes the name as a query param (Docker and compat);
    /// libpod's takes it in the body.
    pub name_in_query: bool,
    /// Whether delete takes `timeout=0` (libpod), so a running container
    /// goes at once.
    pub delete_now: bool,
}

/// Docker's container ops.
pub const DOCKER: ContainerOps = ContainerOps {
    create: "ContainerCreate",
    start: "ContainerStart",
    delete: "ContainerDelete",
    archive: "ContainerArchive",
    put_archive: "PutContainerArchive",
    attach: "ContainerAttach",
    logs: "ContainerLogs",
    key: "id",
    name_in_query: true,
    delete_now: false,
};

/// Podman's libpod container ops.
pub const LIBPOD: ContainerOps = ContainerOps {
    create: "ContainerCreateLibpod",
    start: "ContainerStartLibpod",
    delete: "ContainerDeleteLibpod",
    archive: "ContainerArchiveLibpod",
    put_archive: "PutContainerArchiveLibpod",
    attach: "ContainerAttachLibpod",
    logs: "ContainerLogsLibpod",
    key: "name",
    delete_now: true,
    name_in_query: false,
};

/// Podman's Docker-compatible container ops: Docker's ids, but its spec
/// names the path param `name`.
pub const PODMAN_COMPAT: ContainerOps = ContainerOps {
    key: "name",
    ..DOCKER
};

/// A named container reached through a client and the ops of its API.
///
/// [`run`](Self::run) runs a test body and removes the container whatever
/// happened, a panic included: a failed assertion never leaves a container
/// behind.
#[derive(Debug, Clone)]
pub struct Container {
    client: Client,
    ops: ContainerOps,
    name: String,
}

impl Container {
    /// The container `name` (not created yet) of `client`'s engine.
    pub fn new(client: Client, ops: ContainerOps, name: impl Into<String>) -> Self {
        Container {
            client,
            ops,
            name: name.into(),
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The client it is reached through.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `op` with the container's path param set.
    pub fn invocation(&self, op: &str) -> Invocation {
        Invocation::new(op).param(self.ops.key, self.name.as_str())
    }

    /// Runs `test` with this container on a task of its own, then removes
    /// the container, then fails the test if `test` failed or panicked.
    ///
    /// # Panics
    /// With `test`'s error or panic.
    pub async fn run<F, Fut>(&self, test: F)
    where
        F: FnOnce(Container) -> Fut,
        Fut: Future<Output = TestResult> + Send + 'static,
    {
        let outcome = tokio::spawn(test(self.clone())).await;
        self.remove().await;
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(err)) => panic!("{err}"),
            Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
            Err(join) => panic!("{join}"),
        }
    }

    /// Creates it from `body` (a Docker create body, or a libpod
    /// SpecGenerator holding the name).
    ///
    /// # Errors
    /// The engine's refusal, or no answer.
    pub async fn create(&self, body: Value) -> Result<(), Error> {
        let mut create = Invocation::new(self.ops.create);
        if self.ops.name_in_query {
            create = create.param("name", self.name.as_str());
        }
        self.client
            .invoke(create.data(body).throw_exceptions(true))
            .await
            .map(drop)
    }

    /// Starts it.
    ///
    /// # Errors
    /// The engine's refusal, or no answer.
    pub async fn start(&self) -> Result<(), Error> {
        self.client
            .invoke(self.invocation(self.ops.start).throw_exceptions(true))
            .await
            .map(drop)
    }

    /// Removes it, whatever state it is in; a failure is only reported.
    pub async fn remove(&self) {
        let mut delete = self.invocation(self.ops.delete).param("force", true);
        if self.ops.delete_now {
            delete = delete.param("timeout", 0);
        }
        if let Err(err) = self.client.invoke(delete).await {
            eprintln!("cleanup: could not remove container {}: {err}", self.name);
        }
    }

    /// Its stdout, followed, as a multiplexed stream.
    ///
    /// # Errors
    /// The engine's refusal, or no answer.
    pub async fn follow_logs(&self) -> Result<Streamed, Error> {
        self.client
            .invoke(
                self.invocation(self.ops.logs)
                    .param("follow", true)
                    .param("stdout", true)
                    .as_stream()
                    // libpod frames its logs even for a TTY.
                    .multiplexed(true),
            )
            .await?
            .into_stream()
    }

    /// Attaches to the `streams` named (`stdin`, `stdout`, `stderr`).
    ///
    /// # Errors
    /// The engine's refusal (no upgrade), or no answer.
    pub async fn attach(&self, streams: &[&str]) -> Result<Upgraded, Error> {
        let mut attach = self.invocation(self.ops.attach).param("stream", true);
        for stream in streams {
            attach = attach.param(*stream, true);
        }
        self.client.invoke(attach.as_socket()).await?.into_socket()
    }

    /// Sends `chunks` (a tar) as a stream, unpacked into `path`.
    ///
    /// # Errors
    /// The engine's refusal, or no answer.
    pub async fn put_archive(&self, path: &str, chunks: Vec<Bytes>) -> Result<Response, Error> {
        let stream = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
        self.client
            .invoke(
                self.invocation(self.ops.put_archive)
                    .param("path", path)
                    .data(Data::stream(stream))
                    .throw_exceptions(true),
            )
            .await?
            .into_data()
    }

    /// The file at `path`, read back from the archive the engine gives.
    ///
    /// # Errors
    /// The engine's refusal, or no answer.
    pub async fn read_file(&self, path: &str) -> Result<Vec<u8>, Error> {
        let tar = self
            .client
            .invoke(
                self.invocation(self.ops.archive)
                    .param("path", path)
                    .throw_exceptions(true),
            )
            .await?
            .into_data()?;
        Ok(first_file(tar.body()).unwrap_or_default())
    }

    /// Asks for the archive of `path`, which must not exist, as a stream
    /// with throw-exceptions and throw-entire-message, and gives the
    /// engine's error with its whole body (read from the error's stream,
    /// as in the seed).
    ///
    /// # Errors
    /// When the engine did not refuse, or the body could not be read.
    pub async fn archive_refused(
        &self,
        path: &str,
    ) -> Result<(EngineError, Vec<u8>), Box<dyn std::error::Error + Send + Sync>> {
        let answer = self
            .client
            .invoke(
                self.invocation(self.ops.archive)
                    .param("path", path)
                    .as_stream()
                    .throw_exceptions(true)
                    .throw_entire_message(true),
            )
            .await;
        match answer {
            Err(Error::Engine(mut err)) => {
                let body = match err.take_stream() {
                    Some(stream) => stream.try_collect::<Vec<Bytes>>().await?.concat(),
                    None => err.body().map(|b| b.to_vec()).unwrap_or_default(),
                };
                Ok((err, body))
            }
            Err(other) => Err(format!("expected the engine's refusal, got {other}").into()),
            Ok(_) => Err(format!("the archive of {path} was given, not refused").into()),
        }
    }
}

//! Talking to the engines with the `curl` CLI: xtask needs a handful of
//! calls, each checked by status, and curl does unix sockets and mutual TLS
//! without pulling the crate under test into the tool that tests it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::Vars;

/// One way to reach one engine.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    /// What it is, for messages ("docker over https").
    pub(crate) name: &'static str,
    base: String,
    unix_socket: Option<String>,
    tls: Option<[String; 3]>,
    basic_auth: Option<String>,
    ping_path: &'static str,
    /// Registry pings answer 401 without credentials; 200 with.
    ping_status: u16,
}

/// An answer: status and body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: String,
}

impl Endpoint {
    pub(crate) fn docker(vars: &Vars) -> Endpoint {
        Endpoint::unix("docker over unix", &vars.docker_uri)
    }

    pub(crate) fn docker_tls(vars: &Vars) -> Endpoint {
        Endpoint {
            name: "docker over https (mutual TLS)",
            base: vars.docker_tls_uri.clone(),
            unix_socket: None,
            tls: Some([
                vars.tls_ca.clone(),
                vars.tls_cert.clone(),
                vars.tls_key.clone(),
            ]),
            basic_auth: None,
            ping_path: "/_ping",
            ping_status: 200,
        }
    }

    pub(crate) fn podman(vars: &Vars) -> Endpoint {
        Endpoint::unix("podman over unix", &vars.podman_uri)
    }

    pub(crate) fn podman_tcp(vars: &Vars) -> Endpoint {
        Endpoint {
            name: "podman over tcp",
            base: vars.podman_tcp_uri.replacen("tcp://", "http://", 1),
            unix_socket: None,
            tls: None,
            basic_auth: None,
            ping_path: "/_ping",
            ping_status: 200,
        }
    }

    pub(crate) fn registry(vars: &Vars) -> Endpoint {
        Endpoint {
            name: "registry (basic auth)",
            base: format!("http://{}", vars.registry),
            unix_socket: None,
            tls: None,
            basic_auth: Some(format!("{}:{}", vars.registry_user, vars.registry_password)),
            ping_path: "/v2/",
            ping_status: 200,
        }
    }

    pub(crate) fn all(vars: &Vars) -> [Endpoint; 5] {
        [
            Endpoint::docker(vars),
            Endpoint::docker_tls(vars),
            Endpoint::podman(vars),
            Endpoint::podman_tcp(vars),
            Endpoint::registry(vars),
        ]
    }

    fn unix(name: &'static str, uri: &str) -> Endpoint {
        Endpoint {
            name,
            base: "http://localhost".to_string(),
            unix_socket: Some(uri.trim_start_matches("unix://").to_string()),
            tls: None,
            basic_auth: None,
            ping_path: "/_ping",
            ping_status: 200,
        }
    }

    /// Where the ping goes, for messages.
    pub(crate) fn url(&self) -> String {
        match &self.unix_socket {
            Some(socket) => format!("unix://{socket} {}", self.ping_path),
            None => format!("{}{}", self.base, self.ping_path),
        }
    }

    /// Pings once: the right status, and for engines the body `OK`.
    pub(crate) fn ping(&self) -> Result<(), String> {
        let answer = self.call("GET", self.ping_path, &[], None, Duration::from_secs(10))?;
        let body_ok = self.ping_path != "/_ping" || answer.body.trim() == "OK";
        if answer.status == self.ping_status && body_ok {
            Ok(())
        } else {
            Err(format!(
                "{} answered {} `{}` to GET {} (expected {})",
                self.name,
                answer.status,
                answer.body.trim(),
                self.ping_path,
                self.ping_status
            ))
        }
    }

    /// Sends one request; `body` is a file sent as is.
    pub(crate) fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Path>,
        timeout: Duration,
    ) -> Result<Answer, String> {
        let mut cmd = Command::new("curl");
        cmd.args(["--silent", "--show-error", "--globoff", "--noproxy", "*"])
            .arg("--max-time")
            .arg(timeout.as_secs().max(1).to_string())
            .args(["--request", method])
            .args(["--write-out", "\n%{http_code}"]);
        if let Some(socket) = &self.unix_socket {
            cmd.arg("--unix-socket").arg(socket);
        }
        if let Some([ca, cert, key]) = &self.tls {
            cmd.arg("--cacert")
                .arg(ca)
                .arg("--cert")
                .arg(cert)
                .arg("--key")
                .arg(key);
        }
        if let Some(auth) = &self.basic_auth {
            cmd.arg("--user").arg(auth);
        }
        for (name, value) in headers {
            cmd.arg("--header").arg(format!("{name}: {value}"));
        }
        if let Some(file) = body {
            cmd.arg("--data-binary").arg(format!("@{}", file.display()));
        }
        cmd.arg(format!("{}{}", self.base, path));
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run curl: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", text.as_ref()));
        let status: u16 = code.trim().parse().unwrap_or(0);
        if !out.status.success() || status == 0 {
            return Err(format!(
                "{method} {path} on {} failed: {}",
                self.name,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Answer {
            status,
            body: body.to_string(),
        })
    }
}

/// The first error in a JSON progress stream (`{"error": …}` or
/// `{"errorDetail": {"message": …}}`), if any.
pub(crate) fn stream_error(body: &str) -> Option<String> {
    let stream = serde_json::Deserializer::from_str(body).into_iter::<serde_json::Value>();
    for value in stream {
        let Ok(value) = value else {
            return Some(format!("the answer is not a JSON stream: {body}"));
        };
        if let Some(message) = value
            .pointer("/errorDetail/message")
            .or_else(|| value.get("error"))
            .and_then(|m| m.as_str())
            .filter(|m| !m.is_empty())
        {
            return Some(message.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_errors_are_found() {
        let ok = "{\"status\":\"Pulling\"}\n{\"status\":\"Done\"}";
        assert_eq!(stream_error(ok), None);
        let bad = "{\"status\":\"Pushing\"}{\"errorDetail\":{\"message\":\"denied\"},\"error\":\"denied\"}";
        assert_eq!(stream_error(bad).as_deref(), Some("denied"));
        let podman = "{\"stream\":\"x\"}\n{\"error\":\"unauthorized\"}";
        assert_eq!(stream_error(podman).as_deref(), Some("unauthorized"));
    }
}

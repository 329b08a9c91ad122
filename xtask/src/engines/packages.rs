//! Installs the engines' packages when they are missing (root on Debian or
//! Ubuntu), or says which to install.

use std::path::Path;
use std::process::{Command, Stdio};

/// A Debian package and a file that shows it is installed.
const PACKAGES: [(&str, &str); 13] = [
    ("docker.io", "/usr/sbin/dockerd"),
    ("containerd", "/usr/bin/containerd"),
    ("podman", "/usr/bin/podman"),
    ("runc", "/usr/sbin/runc"),
    ("conmon", "/usr/bin/conmon"),
    ("docker-registry", "/usr/bin/docker-registry"),
    ("busybox-static", "/bin/busybox"),
    ("apache2-utils", "/usr/bin/htpasswd"),
    ("curl", "/usr/bin/curl"),
    ("uidmap", "/usr/bin/newuidmap"),
    ("ca-certificates", "/usr/sbin/update-ca-certificates"),
    ("openssh-server", "/usr/sbin/sshd"),
    ("openssh-client", "/usr/bin/ssh-keygen"),
];

/// Makes sure every package is installed.
pub(crate) fn ensure() -> Result<(), String> {
    let missing: Vec<&str> = PACKAGES
        .iter()
        .filter(|(_, file)| !installed(file))
        .map(|(name, _)| *name)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let is_root = rustix::process::geteuid().is_root();
    if !is_root || !is_debian_like() {
        return Err(format!(
            "missing packages: {}. Install them (on Debian/Ubuntu as root: \
             `apt-get install -y {}`), then run this again; as root on \
             Debian/Ubuntu this task installs them itself",
            missing.join(" "),
            missing.join(" ")
        ));
    }
    eprintln!("installing missing packages: {}", missing.join(" "));
    apt(&["update"])?;
    let mut install = vec!["install", "-y"];
    install.extend(&missing);
    apt(&install)?;
    let still: Vec<&str> = PACKAGES
        .iter()
        .filter(|(_, file)| !installed(file))
        .map(|(name, _)| *name)
        .collect();
    if still.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "apt-get installed, but still missing: {}",
            still.join(" ")
        ))
    }
}

fn installed(file: &str) -> bool {
    // The test image holds nothing but busybox, so it must be the static
    // build (package busybox-static), not the dynamic one (package busybox).
    if file == "/bin/busybox" {
        return std::fs::read(file).is_ok_and(|elf| is_static_elf(&elf));
    }
    // usrmerge: /bin and /usr/bin are the same dir on newer systems, not on
    // older ones; accept either.
    let path = Path::new(file);
    path.exists()
        || path
            .strip_prefix("/usr")
            .map(|rest| Path::new("/").join(rest).exists())
            .unwrap_or(false)
        || path
            .file_name()
            .map(|name| Path::new("/usr/bin").join(name).exists())
            .unwrap_or(false)
}

fn is_debian_like() -> bool {
    let Ok(text) = std::fs::read_to_string("/etc/os-release") else {
        return false;
    };
    text.lines().any(|line| {
        let Some((key, value)) = line.split_once('=') else {
            return false;
        };
        (key == "ID" || key == "ID_LIKE")
            && value
                .trim_matches('"')
                .split_whitespace()
                .any(|id| id == "debian" || id == "ubuntu")
    }) && Path::new("/usr/bin/apt-get").exists()
}

fn apt(args: &[&str]) -> Result<(), String> {
    let status = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run apt-get: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`apt-get {}` failed ({status})", args.join(" ")))
    }
}

/// A 64-bit little-endian ELF file without a program interpreter (PT_INTERP),
/// i.e. statically linked.
fn is_static_elf(elf: &[u8]) -> bool {
    const PT_INTERP: u32 = 3;
    let u16_at = |at: usize| {
        elf.get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |at: usize| {
        elf.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let u64_at = |at: usize| {
        elf.get(at..at + 8).map(|b| {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(b);
            u64::from_le_bytes(raw)
        })
    };
    if !elf.starts_with(b"\x7fELF\x02\x01") {
        return false;
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38))
    else {
        return false;
    };
    let Ok(phoff) = usize::try_from(phoff) else {
        return false;
    };
    (0..usize::from(phnum))
        .all(|i| u32_at(phoff + i * usize::from(phentsize)).is_some_and(|kind| kind != PT_INTERP))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dynamic_binary_is_not_static() {
        // This test binary links libc dynamically.
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        assert!(!is_static_elf(&me));
        assert!(!is_static_elf(b"#!/bin/sh\n"));
    }
}

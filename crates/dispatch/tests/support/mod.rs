//! What the loopback servers of these tests share.

use tokio::io::{AsyncRead, AsyncReadExt};

/// Reads one request head, up to and with its blank line; `None` when the
/// client closed before sending a whole one.
pub(crate) async fn read_head<R: AsyncRead + Unpin>(conn: &mut R) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match conn.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    Some(head)
}

//! An interactive attach: stdin to the container, its output back.

use contajners::codec::reader_stream;
use contajners::Upgraded;
use tokio::io::AsyncWriteExt;

use crate::error::CliError;
use crate::output;

/// Bridges the upgraded connection and the terminal until the engine ends
/// the output. stdin's EOF half-closes the connection, so that the container
/// sees the end of its input (`cat` ends) while its output still comes back.
pub(crate) async fn bridge(socket: Upgraded) -> Result<(), CliError> {
    let (read, mut write) = tokio::io::split(socket);
    let input = tokio::spawn(async move {
        let mut stdin = tokio::io::stdin();
        let copied = tokio::io::copy(&mut stdin, &mut write).await;
        let _ = write.shutdown().await;
        copied
    });
    let result = output::sniffed(reader_stream(read)).await;
    // The output is over: whatever stdin still holds has nowhere to go.
    input.abort();
    result
}

//! Shared helpers of the benches in `benches/benches`: an in-process
//! stand-in for dockerd ([`BenchServer`]), the floor and limit contenders
//! (a bare pooled hyper-util client, a raw socket read, [`FrameCounter`]),
//! the interleaved measurement of contenders ([`Interleaved`]), CPU time,
//! and where the real test engines listen.
#![warn(missing_docs)]

mod engine;
mod floor;
mod interleave;
mod measure;
mod server;

pub use engine::docker_socket;
pub use floor::{
    floor_client, floor_get, floor_logs, raw_get, raw_read, FloorClient, FrameCounter, RawPinger,
    UnixConnector,
};
pub use interleave::{iters_for, median, Contender, Interleaved, Work};
pub use measure::{env_samples, env_size, process_cpu};
pub use server::{widen, BenchServer, LogShape};

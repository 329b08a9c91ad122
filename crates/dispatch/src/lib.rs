//! placeholder
#![warn(missing_docs)]

pub mod codec;
mod error;

pub use error::{DecodeError, EngineError, Error, RequestError, TransportError};

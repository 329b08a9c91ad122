//! Shared helpers for tests against real engines.

//! The directory (annuaire): which platform receives for each addressing identifier.
//!
//! - [`model`]: legal units, establishments, routing codes, platforms, lines.
//! - [`rules`]: the management rules (G1.80–G1.115) as pure functions.
//! - [`index`]: the in-memory resolution index and its atomically published snapshots.
//! - [`service`]: applies changes (rules → storage → index) and resolves.
//! - [`import`]: CSV bulk import and export.
//! - [`generate`]: realistic synthetic directories for tests and benchmarks.
//! - [`day`]: calendar days as integers, "today" in Paris.

pub mod day;
pub mod generate;
pub mod import;
pub mod index;
pub mod model;
pub mod rules;
pub mod service;

pub use day::Day;
pub use index::{Fallback, Index, Level, Resolved};
pub use service::{Directory, DirectoryError};

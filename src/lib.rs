//! facteur: an e-invoicing interchange hub for the French reform.
//!
//! Crate map (one line per module; ARCHITECTURE.md has the long version):
//! - [`xml`]: secure XML reading (encodings, no DTD, limits) into an element tree.
//! - [`identifiers`]: French identifiers (SIREN, SIRET, routing code, addressing id, matricule).
//! - [`invoice`]: the EN 16931 semantic model (BG-/BT-).
//! - [`ingest`]: bytes -> (invoice, validation report); pure, no I/O.
//! - [`lifecycle`]: lifecycle statuses, allowed transitions, CDAR messages in and out.
//! - [`samples`]: synthetic valid invoices for benchmarks, fixtures and demos.
//! - [`cli`]: the `facteur` command line.

pub mod cli;
mod fxhash;
pub mod identifiers;
pub mod ingest;
pub mod invoice;
pub mod lifecycle;
pub mod samples;
pub mod xml;

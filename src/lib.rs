//! facteur: an e-invoicing interchange hub for the French reform.
//!
//! Crate map (one line per module; ARCHITECTURE.md has the long version):
//! - [`accounts`]: structures, services, users, rights, approvals, lock-out, authorisation (pure rules; `service` over storage).
//! - [`xml`]: secure XML reading (encodings, no DTD, limits) into an element tree.
//! - [`identifiers`]: French identifiers (SIREN, SIRET, routing code, addressing id, matricule).
//! - [`invoice`]: the EN 16931 semantic model (BG-/BT-).
//! - [`ingest`]: bytes -> (invoice, validation report); pure, no I/O.
//! - [`directory`]: the annuaire: lines, management rules, in-memory resolution, import/export.
//! - [`hub`]: the pipeline: submit (validate, admit, store, queue), statuses, audit; no SQL or HTTP.
//! - [`storage`]: the only module that writes SQL (SQLite or PostgreSQL), migrations; directory, hub and accounts.
//! - [`lifecycle`]: lifecycle statuses, allowed transitions, CDAR messages in and out.
//! - [`taxfeed`]: F1 regulatory data, F6 mandatory statuses, F10 e-reporting, flows to the PPF.
//! - [`routing`]: AMQP topology, confirmed publishing, the outbox relay, status consumer; the only lapin user.
//! - [`samples`]: synthetic valid invoices for benchmarks, fixtures and demos.
//! - [`batch`]: uploaded archives processed in the background through the hub, once per document.
//! - [`api`]: the HTTP API: the directory (PPF directory API paths and shapes), the hub, batches and accounts (`/v1`), health, readiness, metrics.
//! - [`portal`]: the web portal (server-rendered French HTML pages under `/portail/`).
//! - [`config`]: typed settings (TOML file, then environment), secrets wrapped, URL redaction.
//! - [`logging`]: structured `tracing` logs, text or JSON.
//! - [`metrics`]: counters, gauges, histograms rendered as Prometheus text.
//! - [`readiness`]: probes of the service's dependencies for `GET /ready`.
//! - [`client`]: the HTTP client of a hub's batch API, for `facteur send`.
//! - [`cli`]: the `facteur` command line.

pub mod accounts;
pub mod api;
pub mod batch;
pub mod cli;
pub mod client;
pub mod config;
pub mod directory;
mod fxhash;
pub mod hub;
pub mod identifiers;
pub mod ingest;
pub mod invoice;
pub mod lifecycle;
pub mod logging;
pub mod metrics;
pub mod portal;
pub mod readiness;
pub mod routing;
pub mod samples;
pub mod storage;
pub mod taxfeed;
pub mod xml;

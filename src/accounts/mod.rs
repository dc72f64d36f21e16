//! Accounts and access: structures and services, users, rights, requests and their
//! approval, principal-manager hand-over, sign-in lock-out, password and token
//! handling — the rules, pure — and [`service`], which runs them over `storage` (the
//! HTTP API in `api::accounts` calls the service and nothing else).
//!
//! Authorisation is decided in one place, [`policy::authorize`].

pub mod lockout;
pub mod model;
pub mod password;
pub mod policy;
pub mod service;
pub mod time;
pub mod tokens;
pub mod workflow;

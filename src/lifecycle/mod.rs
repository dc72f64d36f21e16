//! Lifecycle of an invoice: the reform's statuses with their rules (who sets them,
//! which reasons, allowed transitions), CDAR messages in and out, and the hash chain
//! that makes a stored history tamper-evident.

pub mod cdar;
pub mod chain;
pub mod status;

pub use cdar::LifecycleMessage;
pub use status::{Actor, Status, TransitionError, check_transition};

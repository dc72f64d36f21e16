//! Lifecycle of an invoice: the reform's statuses with their rules (who sets them,
//! which reasons, allowed transitions) and CDAR messages in and out.

pub mod cdar;
pub mod status;

pub use cdar::LifecycleMessage;
pub use status::{Actor, Status, TransitionError, check_transition};

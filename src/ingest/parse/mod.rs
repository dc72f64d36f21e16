//! From a validated tree (or a PDF container) to the invoice model.

pub mod cii;
pub mod facturx;
mod read;
pub mod ubl;

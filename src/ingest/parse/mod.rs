//! From a validated tree (or a PDF container) to the invoice model.

pub mod cii;
mod cii_line;
pub mod facturx;
mod read;
pub mod ubl;
mod ubl_line;

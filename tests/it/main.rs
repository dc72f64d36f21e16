//! One integration-test binary (see STYLE.md): each module is one area.

mod cli;
mod conformance;
mod facturx;
mod golden;
mod lifecycle;
mod model;
mod properties;
mod routing;
mod schema;
mod taxfeed;

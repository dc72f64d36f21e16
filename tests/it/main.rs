//! One integration-test binary (see STYLE.md): each module is one area.

mod cli;
mod conformance;
mod directory_api;
mod directory_index;
mod directory_rules;
mod directory_scale;
mod directory_schema;
mod directory_service;
mod directory_support;
mod facturx;
mod golden;
mod lifecycle;
mod model;
mod properties;
mod routing;
mod schema;
mod taxfeed;
mod taxfeed_push;
mod taxfeed_queue;

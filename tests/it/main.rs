//! One integration-test binary (see STYLE.md): each module is one area.

mod archive;
mod batches;
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
mod hub_api;
mod hub_e2e;
mod hub_pipeline;
mod hub_storage;
mod hub_support;
mod lifecycle;
mod model;
mod properties;
mod routing;
mod schema;
mod service;
mod taxfeed;

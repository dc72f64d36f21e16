//! Fault tests: the real `facteur serve` binary against the real PostgreSQL and
//! RabbitMQ, killed with SIGKILL, run twice at once, its broker stopped under it.
//! A separate test binary (`cargo test --test faults`): cargo runs test binaries one
//! after another, so stopping the broker here never disturbs the `it` binary, and
//! inside it the tests take a global lock ([`harness::serial`]).

mod broker_outage;
mod crash;
mod database_outage;
mod harness;
mod metrics;
mod two_instances;

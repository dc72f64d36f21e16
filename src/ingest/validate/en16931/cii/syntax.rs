//! Syntax-binding rules CII-SR-*, CII-DT-* (CII). Being written: no rule is registered until it is implemented.

use super::Doc;
use crate::ingest::validate::Sink;
use crate::ingest::validate::en16931::rules;

rules! {}

pub(super) fn check(_doc: &Doc<'_>, _sink: &mut Sink<'_>) {}

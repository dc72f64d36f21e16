//! VAT category families BR-S, BR-Z, BR-E, BR-AE, BR-IC, BR-G, BR-O, BR-AF, BR-AG, BR-B (CII). Being written: no rule is registered until it is implemented.

use super::Doc;
use crate::ingest::validate::Sink;
use crate::ingest::validate::en16931::rules;

rules! {}

pub(super) fn check(_doc: &Doc<'_>, _sink: &mut Sink<'_>) {}

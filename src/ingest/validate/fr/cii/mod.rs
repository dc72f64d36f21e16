//! BR-FR rules bound to UN/CEFACT CII (`BR-FR-Flux2-Schematron-CII.sch` v1.4.0).

use super::{Abort, FrSink};
use crate::xml::Node;

/// Runs every BR-FR CII rule on a document.
pub(crate) fn check(_root: Node<'_>, _sink: &mut FrSink<'_, '_>) -> Result<(), Abort> {
    Ok(())
}

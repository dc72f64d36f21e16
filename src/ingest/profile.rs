//! Which rule set a document's specification identifier (BT-24) selects.
//!
//! The official pipeline picks the rule stylesheet from BT-24 before any rule runs:
//! a standalone UBL or CII invoice is checked with the EN 16931 rules, or with the
//! EXTENDED-CTC-FR rules when BT-24 names that profile; the CII embedded in a
//! Factur-X PDF always goes to one of the Factur-X profile rule sets, whatever BT-24
//! says (rules-catalogue-profiles §2.1, §3.1). Both selections are by substring of the
//! lower-cased identifier; the Factur-X rules then check the exact value themselves,
//! which is how a PDF naming MINIMUM, BASIC or an unknown profile gets rejected.

use crate::ingest::report::Syntax;
use crate::xml::{Namespace, Node, trim_space};

/// Where the XML came from: the selection differs for a Factur-X attachment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A UBL, CII or CDAR file on its own.
    Standalone,
    /// The XML attachment of a Factur-X PDF.
    FacturX,
}

/// The three Factur-X 1.09 profile rule sets the official artefacts have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FacturX {
    /// BASIC WL: header only, no lines (transitional in the French reform).
    BasicWl,
    /// EN16931 (COMFORT); also the fallback for MINIMUM, BASIC and unknown values.
    En16931,
    /// EXTENDED (and anything naming `extended`, EXTENDED-CTC-FR included).
    Extended,
}

impl FacturX {
    /// The exact BT-24 values the profile's code list 1 accepts (catalogue §3.1).
    pub fn accepted_identifiers(self) -> &'static [&'static str] {
        match self {
            FacturX::BasicWl => &["urn:factur-x.eu:1p0:basicwl", "urn:zugferd.de:2p0:basicwl"],
            FacturX::En16931 => &["urn:cen.eu:en16931:2017"],
            FacturX::Extended => &[
                "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
                "urn:cen.eu:en16931:2017#conformant#urn:zugferd.de:2p0:extended",
            ],
        }
    }

    /// The profile name used in version strings and messages.
    pub fn name(self) -> &'static str {
        match self {
            FacturX::BasicWl => "BASIC WL",
            FacturX::En16931 => "EN16931",
            FacturX::Extended => "EXTENDED",
        }
    }
}

/// The business-rule set a document gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// EN 16931 1.3.16 (standalone UBL/CII whose BT-24 does not name EXTENDED-CTC-FR).
    En16931,
    /// EXTENDED-CTC-FR 1.4.0 (standalone UBL/CII, BT-24 contains `extended-ctc-fr`).
    ExtendedCtcFr,
    /// A Factur-X 1.09 profile (CII attached to a PDF).
    FacturX(FacturX),
}

impl Profile {
    /// The rule-set label named in reports (the French rules are added by the caller).
    pub fn label(self) -> &'static str {
        match self {
            Profile::En16931 => "EN16931 1.3.16",
            Profile::ExtendedCtcFr => "EXTENDED-CTC-FR 1.4.0",
            Profile::FacturX(FacturX::BasicWl) => "Factur-X 1.09 BASIC WL",
            Profile::FacturX(FacturX::En16931) => "Factur-X 1.09 EN16931",
            Profile::FacturX(FacturX::Extended) => "Factur-X 1.09 EXTENDED",
        }
    }
}

/// BT-24 as the official pipeline reads it: the first text node of UBL
/// `cbc:CustomizationID` or CII `$CTX/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID`,
/// surrounding whitespace stripped. `None` when the element is absent.
pub fn specification_identifier(root: Node<'_>, syntax: Syntax) -> Option<&str> {
    let node = match syntax {
        Syntax::Ubl => root.child(Namespace::CBC, "CustomizationID"),
        Syntax::Cii => root.first(&[
            (Namespace::RSM, "ExchangedDocumentContext"),
            (Namespace::RAM, "GuidelineSpecifiedDocumentContextParameter"),
            (Namespace::RAM, "ID"),
        ]),
        Syntax::Cdar | Syntax::Unknown => None,
    }?;
    Some(trim_space(node.text()))
}

/// Selects the rule set for a document of `syntax` read from `origin`.
pub fn detect(root: Node<'_>, syntax: Syntax, origin: Origin) -> Profile {
    let bt24 = specification_identifier(root, syntax)
        .unwrap_or("")
        .to_lowercase();
    match (syntax, origin) {
        // A UBL attachment is validated like a standalone UBL file (§3.1).
        (Syntax::Cii, Origin::FacturX) => Profile::FacturX(if bt24.contains("basicwl") {
            FacturX::BasicWl
        } else if bt24.contains("extended") {
            FacturX::Extended
        } else {
            FacturX::En16931
        }),
        (Syntax::Ubl | Syntax::Cii, _) if bt24.contains("extended-ctc-fr") => {
            Profile::ExtendedCtcFr
        }
        _ => Profile::En16931,
    }
}

/// A reader-facing name for a Factur-X BT-24 the profile rules do not accept, so
/// the rejection says why (the French reform takes BASIC WL, EN16931, EXTENDED).
pub fn unaccepted_profile_name(bt24: &str) -> Option<&'static str> {
    let lower = bt24.to_lowercase();
    if lower.ends_with(":minimum") {
        Some("Factur-X MINIMUM")
    } else if lower.ends_with(":basic") {
        Some("Factur-X BASIC")
    } else if lower.contains("extended-ctc-fr") {
        Some("EXTENDED-CTC-FR (a UBL/CII profile, not a Factur-X one)")
    } else if lower.contains("xrechnung") {
        Some("XRechnung")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{Limits, parse};

    fn cii(bt24: &str) -> String {
        format!(
            r#"<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"><rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>{bt24}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext></rsm:CrossIndustryInvoice>"#
        )
    }

    fn detect_cii(bt24: &str, origin: Origin) -> Profile {
        let xml = cii(bt24);
        let doc = parse(xml.as_bytes(), &Limits::default()).expect("well-formed test document");
        detect(doc.root(), Syntax::Cii, origin)
    }

    #[test]
    fn standalone_cii_selects_extended_ctc_fr_by_substring() {
        let ext = "  urn:cen.eu:en16931:2017#conformant#urn.cpro.gouv.fr:1p0:EXTENDED-CTC-FR ";
        assert_eq!(detect_cii(ext, Origin::Standalone), Profile::ExtendedCtcFr);
        assert_eq!(
            detect_cii("urn:cen.eu:en16931:2017", Origin::Standalone),
            Profile::En16931
        );
        // Factur-X EXTENDED in a standalone file is still EN 16931.
        assert_eq!(
            detect_cii(
                "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
                Origin::Standalone
            ),
            Profile::En16931
        );
    }

    #[test]
    fn pdf_attachment_selects_a_factur_x_profile() {
        let fx = |v| detect_cii(v, Origin::FacturX);
        assert_eq!(
            fx("urn:factur-x.eu:1p0:basicwl"),
            Profile::FacturX(FacturX::BasicWl)
        );
        assert_eq!(
            fx("urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended"),
            Profile::FacturX(FacturX::Extended)
        );
        // EXTENDED-CTC-FR in a PDF goes to the Factur-X EXTENDED rules.
        assert_eq!(
            fx("urn:cen.eu:en16931:2017#conformant#urn.cpro.gouv.fr:1p0:extended-ctc-fr"),
            Profile::FacturX(FacturX::Extended)
        );
        // MINIMUM, BASIC and unknown values fall back to EN16931.
        for other in [
            "urn:factur-x.eu:1p0:minimum",
            "urn:factur-x.eu:1p0:basic",
            "",
        ] {
            assert_eq!(fx(other), Profile::FacturX(FacturX::En16931));
        }
    }

    #[test]
    fn unaccepted_profiles_are_named() {
        assert_eq!(
            unaccepted_profile_name("urn:factur-x.eu:1p0:minimum"),
            Some("Factur-X MINIMUM")
        );
        assert_eq!(
            unaccepted_profile_name("urn:factur-x.eu:1p0:basic"),
            Some("Factur-X BASIC")
        );
        assert_eq!(unaccepted_profile_name("urn:factur-x.eu:1p0:basicwl"), None);
    }
}

//! Admission of an incoming invoice at the hub: the PPF management rules (Annexe 7)
//! that apply to an invoice entering the circuit, and the decision they lead to —
//! status 200 (Déposée) or 213 (Rejetée) with the reform's reason codes.
//!
//! Pure: the checks that need state (has this uniqueness key been seen? is the
//! recipient in the directory?) take their answer as input, so the hub asks storage
//! and the directory, and this module decides.

use serde::Serialize;

use super::report::{Report, Severity, Syntax};
use crate::identifiers::Siren;
use crate::invoice::{Date, Invoice};
use crate::lifecycle::Status;

/// A reason for status 213, as the reform codes it (BR-FR-CDV-CL-09, status 213).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum RejectionReason {
    /// The totals do not add up (BR-CO-10 … 16).
    TotalAmountError,
    /// A calculation is wrong (VAT amounts, breakdowns).
    CalculationError,
    /// The same invoice was already received (uniqueness key G1.42/G1.45).
    Duplicate,
    /// The recipient is unknown to the directory.
    UnknownRecipient,
    /// The electronic address is malformed.
    AddressError,
    /// A rule of the semantic format failed (EN 16931, BR-FR, schema, syntax).
    Semantic,
    /// Uniqueness control of the regulatory data.
    Uniqueness,
    /// Inconsistent data (G1.xx coherence rules).
    Coherence,
}

impl RejectionReason {
    /// The reform's code (MDT-113).
    pub fn code(self) -> &'static str {
        match self {
            RejectionReason::TotalAmountError => "MONTANTTOTAL_ERR",
            RejectionReason::CalculationError => "CALCUL_ERR",
            RejectionReason::Duplicate => "DOUBLON",
            RejectionReason::UnknownRecipient => "DEST_INC",
            RejectionReason::AddressError => "ADR_ERR",
            RejectionReason::Semantic => "REJ_SEMAN",
            RejectionReason::Uniqueness => "REJ_UNI",
            RejectionReason::Coherence => "REJ_COH",
        }
    }
}

/// The key that identifies an invoice for the uniqueness rules (G1.42, G1.45):
/// invoice number, year of the issue date, seller SIREN.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct UniquenessKey {
    pub number: String,
    pub year: u16,
    pub seller_siren: String,
}

impl UniquenessKey {
    /// The key of an invoice, when it has the three parts.
    pub fn of(invoice: &Invoice) -> Option<UniquenessKey> {
        Some(UniquenessKey {
            number: invoice.number.clone()?,
            year: invoice.issue_date?.year,
            seller_siren: seller_siren(invoice)?.as_str().to_string(),
        })
    }
}

/// The seller's SIREN: its legal registration identifier with scheme 0002 (BT-30),
/// else the first SIREN-shaped identifier.
pub fn seller_siren(invoice: &Invoice) -> Option<Siren> {
    let seller = &invoice.seller;
    seller
        .legal_registration_identifier
        .iter()
        .chain(seller.identifiers.iter())
        .filter(|id| id.has_scheme("0002"))
        .find_map(|id| Siren::parse(id.value.trim()).ok())
}

/// A management rule that failed at admission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleFailure {
    /// The Annexe 7 rule (`G1.01`), or the validation rule id behind the reason.
    pub rule: String,
    pub reason: RejectionReason,
    pub message: String,
}

/// What the hub knows about the invoice beyond its content.
#[derive(Clone, Copy, Debug)]
pub struct Context {
    /// The day of the control (G1.07: the invoice date may not be later).
    pub today: Date,
    /// The uniqueness key was already seen for an accepted invoice.
    pub duplicate: bool,
    /// The recipient's address resolved in the directory (`None`: not looked up).
    pub recipient_known: Option<bool>,
}

/// The decision on an incoming invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// 200 Déposée or 213 Rejetée.
    pub status: Status,
    /// Why, when rejected; distinct reasons in order of first appearance.
    pub failures: Vec<RuleFailure>,
}

impl Decision {
    /// The distinct reason codes, in order.
    pub fn reason_codes(&self) -> Vec<&'static str> {
        let mut codes: Vec<&'static str> = Vec::new();
        for f in &self.failures {
            if !codes.contains(&f.reason.code()) {
                codes.push(f.reason.code());
            }
        }
        codes
    }

    /// [`Self::reason_codes`] as a status record keeps them.
    pub fn reasons(&self) -> Vec<String> {
        self.reason_codes().into_iter().map(String::from).collect()
    }
}

/// Document types allowed in the circuit (G1.01).
pub const ALLOWED_TYPES: &[&str] = &[
    "380", "389", "393", "501", "386", "500", "384", "471", "472", "473", "261", "381", "396",
    "262", "502", "503",
];

/// The reason a validation finding leads to: totals rules are total-amount errors,
/// VAT amount and breakdown calculations are calculation errors, everything else is a
/// failure of the semantic format.
fn reason_of(rule: &str) -> RejectionReason {
    const TOTALS: &[&str] = &[
        "BR-CO-10", "BR-CO-11", "BR-CO-12", "BR-CO-13", "BR-CO-14", "BR-CO-15", "BR-CO-16",
    ];
    const VAT_FAMILIES: &[&str] = &["S", "Z", "E", "AE", "IC", "G", "O", "AF", "AG"];
    if TOTALS.contains(&rule) {
        return RejectionReason::TotalAmountError;
    }
    if rule == "BR-CO-17" {
        return RejectionReason::CalculationError;
    }
    // BR-<family>-08 (taxable amount) and -09 (tax amount) of a VAT category.
    let breakdown = rule
        .strip_prefix("BR-")
        .and_then(|r| r.rsplit_once('-'))
        .is_some_and(|(family, n)| VAT_FAMILIES.contains(&family) && (n == "08" || n == "09"));
    if breakdown {
        RejectionReason::CalculationError
    } else {
        RejectionReason::Semantic
    }
}

/// Decides 200 or 213 for an ingested invoice.
pub fn decide(invoice: Option<&Invoice>, report: &Report, context: &Context) -> Decision {
    let mut failures: Vec<RuleFailure> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Fatal)
        .map(|f| RuleFailure {
            rule: f.rule.to_string(),
            reason: reason_of(f.rule),
            message: f.message.clone(),
        })
        .collect();
    if let Some(invoice) = invoice.filter(|_| report.syntax != Syntax::Cdar) {
        failures.extend(management_rules(invoice, context));
    } else if failures.is_empty() {
        failures.push(RuleFailure {
            rule: "G1.01".into(),
            reason: RejectionReason::Semantic,
            message: "the document is not an invoice".into(),
        });
    }
    let status = if failures.is_empty() {
        Status::Deposited
    } else {
        Status::Rejected
    };
    Decision { status, failures }
}

fn management_rules(invoice: &Invoice, context: &Context) -> Vec<RuleFailure> {
    let mut out = Vec::new();
    let mut fail = |rule: &str, reason, message: String| {
        out.push(RuleFailure {
            rule: rule.into(),
            reason,
            message,
        })
    };
    match invoice.type_code.as_ref().map(|t| t.as_str()) {
        Some(code) if ALLOWED_TYPES.contains(&code) => {}
        Some(code) => fail(
            "G1.01",
            RejectionReason::Semantic,
            format!("document type {code} is not allowed in the circuit"),
        ),
        None => fail(
            "G1.01",
            RejectionReason::Semantic,
            "the invoice has no document type".into(),
        ),
    }
    if let Some(date) = invoice.issue_date {
        if date > context.today {
            fail(
                "G1.07",
                RejectionReason::Coherence,
                format!(
                    "the invoice date {date} is later than the day of the control {}",
                    context.today
                ),
            );
        }
        if !(2000..=2099).contains(&date.year) {
            fail(
                "G1.36",
                RejectionReason::Semantic,
                format!("the invoice date {date} is outside the years 2000–2099"),
            );
        }
    }
    if seller_siren(invoice).is_none() {
        fail(
            "G1.63",
            RejectionReason::Semantic,
            "the seller's SIREN (BT-30, scheme 0002) is missing or invalid".into(),
        );
    }
    if context.duplicate {
        let key = UniquenessKey::of(invoice)
            .map(|k| format!("{} / {} / {}", k.number, k.year, k.seller_siren))
            .unwrap_or_default();
        fail(
            "G1.42",
            RejectionReason::Duplicate,
            format!(
                "an invoice with the same number, year and seller SIREN was already received ({key})"
            ),
        );
    }
    if context.recipient_known == Some(false) {
        let address = invoice
            .buyer
            .electronic_address
            .as_ref()
            .map(|a| a.value.clone())
            .unwrap_or_default();
        fail(
            "DIRECTORY",
            RejectionReason::UnknownRecipient,
            format!(
                "the recipient address {address:?} (BT-49) has no line in force in the directory"
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Options, ingest};
    use crate::samples;

    fn context() -> Context {
        Context {
            today: Date::new(2026, 11, 28).unwrap(),
            duplicate: false,
            recipient_known: Some(true),
        }
    }

    fn sample() -> (Invoice, Report) {
        let outcome = ingest(
            samples::ubl_invoice("F-1", 2).as_bytes(),
            &Options::default(),
        );
        (outcome.invoice.unwrap(), outcome.report)
    }

    #[test]
    fn a_valid_invoice_is_deposited() {
        let (invoice, report) = sample();
        let decision = decide(Some(&invoice), &report, &context());
        assert_eq!(decision.status, Status::Deposited, "{decision:?}");
        assert!(decision.failures.is_empty());
        let key = UniquenessKey::of(&invoice).unwrap();
        assert_eq!(
            (key.number.as_str(), key.year, key.seller_siren.as_str()),
            ("F-1", 2026, "906170857")
        );
    }

    #[test]
    fn duplicates_and_unknown_recipients_are_rejected_with_their_reasons() {
        let (invoice, report) = sample();
        let decision = decide(
            Some(&invoice),
            &report,
            &Context {
                duplicate: true,
                recipient_known: Some(false),
                ..context()
            },
        );
        assert_eq!(decision.status, Status::Rejected);
        assert_eq!(decision.reason_codes(), vec!["DOUBLON", "DEST_INC"]);
        // Every reason is one status 213 accepts.
        let allowed = Status::Rejected.allowed_reasons().unwrap();
        assert!(decision.reason_codes().iter().all(|c| allowed.contains(c)));
    }

    #[test]
    fn validation_failures_map_to_reasons() {
        let xml = samples::ubl_invoice("F-2", 2).replace(
            "<cbc:PayableAmount currencyID=\"EUR\">",
            "<cbc:PayableAmount currencyID=\"EUR\">1",
        );
        let outcome = ingest(xml.as_bytes(), &Options::default());
        let decision = decide(outcome.invoice.as_ref(), &outcome.report, &context());
        assert_eq!(decision.status, Status::Rejected);
        assert!(
            decision.reason_codes().contains(&"MONTANTTOTAL_ERR"),
            "{decision:?}"
        );
    }

    #[test]
    fn future_dates_and_unknown_types_break_management_rules() {
        let (mut invoice, report) = sample();
        invoice.issue_date = Date::new(2027, 1, 1);
        invoice.type_code = Some(crate::invoice::InvoiceTypeCode("875".into()));
        let decision = decide(Some(&invoice), &report, &context());
        let rules: Vec<&str> = decision.failures.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, vec!["G1.01", "G1.07"]);
    }

    #[test]
    fn reasons_of_rule_ids() {
        assert_eq!(reason_of("BR-CO-13"), RejectionReason::TotalAmountError);
        assert_eq!(reason_of("BR-S-08"), RejectionReason::CalculationError);
        assert_eq!(reason_of("BR-AE-09"), RejectionReason::CalculationError);
        assert_eq!(reason_of("BR-CO-09"), RejectionReason::Semantic);
        assert_eq!(reason_of("BR-FR-05"), RejectionReason::Semantic);
        assert_eq!(reason_of("XSD-INVALID"), RejectionReason::Semantic);
    }

    #[test]
    fn unreadable_documents_are_rejected_as_semantic() {
        let outcome = ingest(b"<x/>", &Options::default());
        let decision = decide(outcome.invoice.as_ref(), &outcome.report, &context());
        assert_eq!(decision.status, Status::Rejected);
        assert_eq!(decision.reason_codes(), vec!["REJ_SEMAN"]);
    }
}

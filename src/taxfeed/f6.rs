//! Flow F6 towards the PPF: one CDAR message per mandatory status (200 Déposée,
//! 210 Refusée, 212 Encaissée when the VAT is due on payment, 213 Rejetée), one
//! invoice and one status per message (P1.14), built with
//! [`crate::lifecycle::cdar::LifecycleMessage`] in the shape of the DGFiP examples
//! "POUR_PPF", and due 24 hours after the status was set (specs-externes §3.6.6).
//!
//! The PPF rejects a message about a non-mandatory status (G7.44) and a 212 whose
//! amounts are not split per VAT rate (G7.45); both are refused here, before sending.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::scope::{Supply, supply_of};
use super::time::format_102;
use super::{Instant, ObjectId, Platform};
use crate::identifiers::Siren;
use crate::invoice::{Date, Invoice, scheme};
use crate::lifecycle::Status;
use crate::lifecycle::cdar::{
    Characteristic, LifecycleMessage, Party, ReferencedInvoice, SchemedId, StatusDetail,
};

/// The profile of a lifecycle message whose single recipient is the PPF (MDT-3).
pub const GUIDELINE_TO_PPF: &str = "urn.cpro.gouv.fr:1p0:CDV:einvoicingF2";

/// The PPF as the recipient of a message (MDT-57, scheme 0238). The DGFiP examples
/// wrote 9998; the v1.4 rules (FNFE-MPE, XP Z12-012) identify the PPF as `0000`, and
/// the CDAR rules check that value to accept the `einvoicingF2` profile.
pub const PPF_ID: &str = "0000";

/// Hours the platform has to send a mandatory status (or the F1 after a 200).
pub const DUE_HOURS: i64 = 24;

/// The invoice a status is about: what the message must say of it (MDT-87, 91, 100,
/// 129).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceRef {
    /// BT-1.
    pub number: String,
    /// BT-2.
    #[serde(with = "super::f10::serde_date")]
    pub issue_date: Date,
    /// BT-3.
    pub type_code: String,
    /// BT-30, the seller's SIREN.
    pub seller_siren: Siren,
    /// BT-27, the seller's name: the issuer of a 212 (G7.46).
    #[serde(default)]
    pub seller_name: Option<String>,
    /// BT-47, the buyer's SIREN: the issuer of a 210.
    #[serde(default)]
    pub buyer_siren: Option<Siren>,
    /// BT-44.
    #[serde(default)]
    pub buyer_name: Option<String>,
}

/// A mandatory status to send, as the lifecycle records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEvent {
    pub invoice: InvoiceRef,
    pub status: Status,
    /// When the status was set (MDT-78); the 24 hours run from here.
    pub at: Instant,
    /// When the invoice was deposited (status 200), MDT-95; defaults to `at`.
    #[serde(default)]
    pub deposited_at: Option<Instant>,
    /// MDT-113, required for 210 and 213.
    #[serde(default)]
    pub reason_code: Option<String>,
    /// The reason in words; required for 210 (G7.25).
    #[serde(default)]
    pub reason: Option<String>,
    /// For 212: the amounts collected per VAT rate, in EUR (G7.45, P1.15; negative
    /// for a refund).
    #[serde(default)]
    pub collected: Vec<CollectedAmount>,
}

/// An amount collected at one VAT rate (MDG-43 with MDT-207 = MEN).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectedAmount {
    #[serde(with = "super::f10::serde_decimal")]
    pub rate: Decimal,
    #[serde(with = "super::f10::serde_decimal")]
    pub amount: Decimal,
}

/// Why a status gives no F6 message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum F6Error {
    #[error("status {0} is not mandatory: the PPF rejects it (G7.44)")]
    NotMandatory(u16),
    #[error("status 212 is only sent when the VAT is due on payment")]
    VatNotDueOnPayment,
    #[error("status 212 needs the amounts collected per VAT rate (G7.45)")]
    NoAmounts,
    #[error("status {0} needs a reason code (BR-FR-CDV-15)")]
    ReasonRequired(u16),
    #[error("reason {reason:?} is not allowed with status {status} (BR-FR-CDV-CL-09)")]
    ReasonNotAllowed { status: u16, reason: String },
    #[error("status 210 needs the reason in words (G7.25)")]
    CommentRequired,
    #[error("the invoice has no {0}")]
    Missing(&'static str),
    #[error("the seller SIREN is invalid: {0}")]
    Siren(#[from] crate::identifiers::IdentifierError),
}

impl InvoiceRef {
    /// Reads BT-1, BT-2, BT-3 and the seller SIREN (BT-30, scheme 0002).
    pub fn from_invoice(invoice: &Invoice) -> Result<InvoiceRef, F6Error> {
        let siren = invoice
            .seller
            .legal_registration_identifier
            .as_ref()
            .filter(|id| id.has_scheme(scheme::SIREN))
            .ok_or(F6Error::Missing("seller SIREN (BT-30)"))?;
        Ok(InvoiceRef {
            number: invoice.number.clone().ok_or(F6Error::Missing("BT-1"))?,
            issue_date: invoice.issue_date.ok_or(F6Error::Missing("BT-2"))?,
            type_code: invoice
                .type_code
                .as_ref()
                .map(|c| c.as_str().to_string())
                .ok_or(F6Error::Missing("BT-3"))?,
            seller_siren: Siren::parse(&siren.value)?,
            seller_name: invoice.seller.name.clone(),
            buyer_siren: invoice
                .buyer
                .legal_registration_identifier
                .as_ref()
                .filter(|id| id.has_scheme(scheme::SIREN))
                .and_then(|id| Siren::parse(&id.value).ok()),
            buyer_name: invoice.buyer.name.clone(),
        })
    }
}

/// True when the invoice's VAT falls due on payment, so that its 212 is mandatory:
/// services (or mixed supplies) without the VAT-on-debits option (BT-8 = 3 in UBL,
/// 5 in CII), an explicit "paid" tax point (432 / 72), and down payments. Goods'
/// VAT falls due on delivery.
pub fn vat_due_on_payment(invoice: &Invoice) -> bool {
    match invoice.vat_point_date_code.as_deref().map(str::trim) {
        Some("3" | "5") => return false,
        Some("432" | "72") => return true,
        _ => {}
    }
    if invoice
        .type_code
        .as_ref()
        .is_some_and(|c| c.is_down_payment())
    {
        return true;
    }
    let supply = invoice
        .process_control
        .business_process
        .as_deref()
        .and_then(supply_of);
    matches!(supply, Some(Supply::Services | Supply::Mixed))
}

/// One F6 message, ready to be put in a flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct F6Message {
    /// `F6/<SIREN>/<year>/<number>/<status>/<time>`.
    pub id: ObjectId,
    pub file_name: String,
    pub message: LifecycleMessage,
    pub xml: String,
    /// The status time plus 24 hours.
    pub due_at: Instant,
}

/// Checks the event (mandatory status, reason, amounts) and builds its message.
/// `vat_on_payment` says whether the invoice's VAT is due on payment
/// ([`vat_due_on_payment`]); it only matters for 212.
pub fn message(
    platform: &Platform,
    event: &StatusEvent,
    vat_on_payment: bool,
) -> Result<F6Message, F6Error> {
    let status = event.status;
    let code = status.code();
    if !status.mandatory_for_tax_administration() {
        return Err(F6Error::NotMandatory(code));
    }
    let reason_code = event.reason_code.as_deref().map(str::trim);
    if status.requires_reason() && reason_code.is_none_or(str::is_empty) {
        return Err(F6Error::ReasonRequired(code));
    }
    if let (Some(reason), Some(allowed)) = (reason_code, status.allowed_reasons())
        && !allowed.contains(&reason)
    {
        return Err(F6Error::ReasonNotAllowed {
            status: code,
            reason: reason.to_string(),
        });
    }
    if status == Status::Refused && event.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(F6Error::CommentRequired);
    }
    let collected = status == Status::Collected;
    if collected && !vat_on_payment {
        return Err(F6Error::VatNotDueOnPayment);
    }
    if collected && event.collected.is_empty() {
        return Err(F6Error::NoAmounts);
    }

    let inv = &event.invoice;
    let at = event.at.format_204();
    // The uniqueness key of an invoice is (SIREN, year of issue, number), G1.45.
    let digest = Sha256::digest(format!("{}/{}", inv.issue_date.year, inv.number).as_bytes());
    let short: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    // MDT-4: deterministic, so a retried message keeps its id.
    let message_id = format!("{}-{code}-{at}-{short}", inv.seller_siren.as_str());
    let platform_party = || Party {
        global_ids: vec![SchemedId {
            scheme: Some(scheme::PLATFORM.into()),
            value: platform.matricule.to_string(),
        }],
        name: Some(platform.name.clone()),
        role: Some("WK".into()),
        electronic_address: None,
    };
    let mut details = Vec::new();
    if reason_code.is_some() || event.reason.is_some() {
        details.push(StatusDetail {
            reason_code: reason_code.map(str::to_string),
            reason: event.reason.clone(),
            sequence: Some("1".into()),
            ..StatusDetail::default()
        });
    }
    if collected {
        details.push(StatusDetail {
            sequence: Some((details.len() + 1).to_string()),
            characteristics: event
                .collected
                .iter()
                .map(|c| Characteristic {
                    type_code: Some("MEN".into()),
                    changed: Some("false".into()),
                    amount: Some(c.amount.to_string()),
                    currency: Some("EUR".into()),
                    percent: Some(c.rate.to_string()),
                    ..Characteristic::default()
                })
                .collect(),
            ..StatusDetail::default()
        });
    }
    // A processing status (23) is issued by the party that set it: the buyer refuses
    // (210), the seller collects (212); a transmission status by the platform.
    let business_issuer = |siren: &Siren, name: &Option<String>, role: &str| Party {
        global_ids: vec![SchemedId {
            scheme: Some(scheme::SIREN.into()),
            value: siren.as_str().into(),
        }],
        name: name.clone(),
        role: Some(role.into()),
        electronic_address: None,
    };
    let issuer = match status {
        Status::Refused => {
            let buyer = inv
                .buyer_siren
                .as_ref()
                .ok_or(F6Error::Missing("buyer SIREN (BT-47), the issuer of a 210"))?;
            business_issuer(buyer, &inv.buyer_name, "BY")
        }
        Status::Collected => business_issuer(&inv.seller_siren, &inv.seller_name, "SE"),
        _ => platform_party(),
    };
    let message = LifecycleMessage {
        business_process: None,
        guideline: Some(GUIDELINE_TO_PPF.into()),
        id: message_id.clone(),
        name: None,
        issued_at: Some(at.clone()),
        sender: Some(platform_party()),
        issuer: Some(issuer),
        recipients: vec![Party {
            global_ids: vec![SchemedId {
                scheme: Some(scheme::PLATFORM.into()),
                value: PPF_ID.into(),
            }],
            name: Some("PPF".into()),
            role: Some("DFH".into()),
            electronic_address: None,
        }],
        // 305 = transmission phase (deposit, rejection), 23 = processing phase.
        type_code: Some(if matches!(status, Status::Deposited | Status::Rejected) {
            "305".into()
        } else {
            "23".into()
        }),
        status_at: Some(at.clone()),
        references: vec![ReferencedInvoice {
            invoice_number: inv.number.clone(),
            // MDT-88 as in the DGFiP examples (200 → 10, 212 → 47); left out where
            // the specification gives no mapping.
            status_code: match status {
                Status::Deposited => Some("10".into()),
                Status::Collected => Some("47".into()),
                _ => None,
            },
            type_code: Some(inv.type_code.clone()),
            received_at: Some(event.deposited_at.unwrap_or(event.at).format_204()),
            invoice_date: Some(format_102(inv.issue_date)),
            status: Some(code.to_string()),
            status_label: Some(status.label().into()),
            issuer: Some(Party {
                global_ids: vec![SchemedId {
                    scheme: Some(scheme::SIREN.into()),
                    value: inv.seller_siren.as_str().into(),
                }],
                ..Party::default()
            }),
            details,
        }],
    };
    let xml = message.to_xml();
    Ok(F6Message {
        id: ObjectId(format!(
            "F6/{}/{}/{}/{code}/{at}",
            inv.seller_siren.as_str(),
            inv.issue_date.year,
            inv.number
        )),
        file_name: format!("{message_id}.xml"),
        message,
        xml,
        due_at: event.at.plus_hours(DUE_HOURS),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifiers::Matricule;
    use crate::taxfeed::ApplicationCode;

    fn platform() -> Platform {
        Platform {
            matricule: Matricule::parse("0042").expect("valid"),
            name: "facteur PA".into(),
            application_code: ApplicationCode::parse("FAC001").expect("valid"),
        }
    }

    fn event(status: Status) -> StatusEvent {
        StatusEvent {
            invoice: InvoiceRef {
                number: "F-1".into(),
                issue_date: Date::new(2026, 9, 15).expect("valid"),
                type_code: "380".into(),
                seller_siren: Siren::parse("906170857").expect("valid"),
                seller_name: Some("Vendeur".into()),
                buyer_siren: Some(Siren::parse("479612384").expect("valid")),
                buyer_name: None,
            },
            status,
            at: Instant::parse("20260915101500").expect("valid"),
            deposited_at: None,
            reason_code: None,
            reason: None,
            collected: Vec::new(),
        }
    }

    #[test]
    fn deposit_message_is_due_in_24_hours() {
        let m = message(&platform(), &event(Status::Deposited), false).expect("builds");
        assert_eq!(m.due_at.format_204(), "20260916101500");
        assert_eq!(m.message.type_code.as_deref(), Some("305"));
        let r = &m.message.references[0];
        assert_eq!(r.status.as_deref(), Some("200"));
        assert_eq!(r.status_code.as_deref(), Some("10"));
        assert_eq!(m.message.recipients[0].global_ids[0].value, "0000");
        assert!(
            m.xml
                .contains("<ram:ProcessConditionCode>200</ram:ProcessConditionCode>")
        );
    }

    #[test]
    fn refusals_of_the_ppf_rules_happen_here() {
        let p = platform();
        assert_eq!(
            message(&p, &event(Status::Approved), true),
            Err(F6Error::NotMandatory(205))
        );
        assert_eq!(
            message(&p, &event(Status::Refused), true),
            Err(F6Error::ReasonRequired(210))
        );
        let mut e = event(Status::Refused);
        e.reason_code = Some("DOUBLON".into());
        assert_eq!(message(&p, &e, true), Err(F6Error::CommentRequired));
        e.reason_code = Some("NON_TRANSMISE".into());
        assert!(matches!(
            message(&p, &e, true),
            Err(F6Error::ReasonNotAllowed { .. })
        ));
        let mut e = event(Status::Collected);
        assert_eq!(message(&p, &e, false), Err(F6Error::VatNotDueOnPayment));
        assert_eq!(message(&p, &e, true), Err(F6Error::NoAmounts));
        e.collected = vec![CollectedAmount {
            rate: Decimal::new(2000, 2),
            amount: Decimal::new(12000, 0),
        }];
        let m = message(&p, &e, true).expect("builds");
        let c = &m.message.references[0].details[0].characteristics[0];
        assert_eq!(c.type_code.as_deref(), Some("MEN"));
        assert_eq!(c.percent.as_deref(), Some("20.00"));
    }

    #[test]
    fn vat_on_payment_follows_framework_and_option() {
        let mut inv = Invoice::default();
        inv.process_control.business_process = Some("S1".into());
        assert!(vat_due_on_payment(&inv));
        inv.vat_point_date_code = Some("5".into());
        assert!(!vat_due_on_payment(&inv), "VAT-on-debits option");
        inv.vat_point_date_code = None;
        inv.process_control.business_process = Some("B1".into());
        assert!(!vat_due_on_payment(&inv));
        inv.type_code = Some(crate::invoice::InvoiceTypeCode("386".into()));
        assert!(vat_due_on_payment(&inv), "down payment");
    }
}

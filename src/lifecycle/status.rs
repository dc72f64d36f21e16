//! The reform's lifecycle statuses: codes, labels, who sets them, which reasons each
//! accepts, which must reach the tax administration, and the allowed transitions.
//!
//! Source: DGFiP external specifications v3.2 (digest `fr-reform.md` §4) and the
//! BR-FR-CDV code lists (FNFE-MPE v1.4, rules catalogue Appendix A.18).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A lifecycle status code (MDT-105 `ProcessConditionCode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub enum Status {
    Deposited = 200,
    Issued = 201,
    Received = 202,
    MadeAvailable = 203,
    TakenOver = 204,
    Approved = 205,
    PartiallyApproved = 206,
    Disputed = 207,
    Suspended = 208,
    Completed = 209,
    Refused = 210,
    PaymentSent = 211,
    Collected = 212,
    Rejected = 213,
    Endorsed = 214,
    Cancelled = 220,
    RoutingError = 221,
    DirectPaymentRequest = 224,
    Factored = 225,
    FactoredConfidential = 226,
    PayeeAccountChanged = 227,
    NotFactored = 228,
    RegulatoryDataDeposited = 250,
    RegulatoryDataRejected = 251,
    EReportingDeposited = 300,
    EReportingRejected = 301,
    DirectoryLineAccepted = 400,
    DirectoryLineRejected = 401,
    FlowReceivable = 500,
    FlowUnreceivable = 501,
    MandatoryStatusRejected = 601,
}

/// Every status, in code order.
pub const ALL: &[Status] = &[
    Status::Deposited,
    Status::Issued,
    Status::Received,
    Status::MadeAvailable,
    Status::TakenOver,
    Status::Approved,
    Status::PartiallyApproved,
    Status::Disputed,
    Status::Suspended,
    Status::Completed,
    Status::Refused,
    Status::PaymentSent,
    Status::Collected,
    Status::Rejected,
    Status::Endorsed,
    Status::Cancelled,
    Status::RoutingError,
    Status::DirectPaymentRequest,
    Status::Factored,
    Status::FactoredConfidential,
    Status::PayeeAccountChanged,
    Status::NotFactored,
    Status::RegulatoryDataDeposited,
    Status::RegulatoryDataRejected,
    Status::EReportingDeposited,
    Status::EReportingRejected,
    Status::DirectoryLineAccepted,
    Status::DirectoryLineRejected,
    Status::FlowReceivable,
    Status::FlowUnreceivable,
    Status::MandatoryStatusRejected,
];

/// Every reason code of the reform (MDT-113, BR-FR-CDV-CL-09), whatever the status;
/// [`Status::allowed_reasons`] narrows it per status.
pub const REASON_CODES: &[&str] = &[
    "RETRAIT_MAN_SERV",
    "ST_CT_NON_DECLAR",
    "SUPPR_COMP_AVOIR",
    "TRANSF_PMNT_REGIE",
    "CONTACT_ACHTR",
    "NON_TRANSMISE",
    "JUSTIF_ABS",
    "ROUTAGE_ERR",
    "AUTRE",
    "COORD_BANC_ERR",
    "TX_TVA_ERR",
    "MONTANTTOTAL_ERR",
    "CALCUL_ERR",
    "NON_CONFORME",
    "DOUBLON",
    "DEST_INC",
    "DEST_ERR",
    "TRANSAC_INC",
    "EMMET_INC",
    "CONTRAT_TERM",
    "DOUBLE_FACT",
    "CMD_ERR",
    "ADR_ERR",
    "SIRET_ERR",
    "CODE_ROUTAGE_ERR",
    "REF_CT_ABSENT",
    "REF_ERR",
    "PU_ERR",
    "REM_ERR",
    "QTE_ERR",
    "ART_ERR",
    "MODPAI_ERR",
    "QUALITE_ERR",
    "LIVR_INCOMP",
    "REJ_SEMAN",
    "REJ_UNI",
    "REJ_COH",
    "REJ_ADR",
    "REJ_CONT_B2G",
    "REJ_REF_PJ",
    "REJ_ASS_PJ",
    "IRR_VIDE_F",
    "IRR_TYPE_F",
    "IRR_SYNTAX",
    "IRR_TAILLE_PJ",
    "IRR_NOM_PJ",
    "IRR_VID_PJ",
    "IRR_EXT_DOC",
    "IRR_TAILLE_F",
    "IRR_ANTIVIRUS",
    "IRR_NOM_F",
];

/// Who may set a status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The seller's platform (PA-E).
    IssuerPlatform,
    /// The buyer's platform (PA-R).
    ReceiverPlatform,
    Buyer,
    Supplier,
    /// The public platform (PPF) / tax administration side.
    Ppf,
}

/// A status code that is not one of the reform's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a lifecycle status code of the reform")]
pub struct UnknownStatus(pub String);

impl TryFrom<u16> for Status {
    type Error = UnknownStatus;
    fn try_from(code: u16) -> Result<Self, UnknownStatus> {
        ALL.iter()
            .copied()
            .find(|s| s.code() == code)
            .ok_or_else(|| UnknownStatus(code.to_string()))
    }
}

impl From<Status> for u16 {
    fn from(s: Status) -> u16 {
        s.code()
    }
}

impl Status {
    pub fn code(self) -> u16 {
        self as u16
    }

    /// Parses the textual code of a CDAR message (`"200"`).
    pub fn parse(text: &str) -> Result<Self, UnknownStatus> {
        text.parse::<u16>()
            .map_err(|_| UnknownStatus(text.to_string()))
            .and_then(Status::try_from)
    }

    /// The French label used in messages and the portal.
    pub fn label(self) -> &'static str {
        match self {
            Status::Deposited => "Déposée",
            Status::Issued => "Émise par la plateforme",
            Status::Received => "Reçue par la plateforme",
            Status::MadeAvailable => "Mise à disposition",
            Status::TakenOver => "Prise en charge",
            Status::Approved => "Approuvée",
            Status::PartiallyApproved => "Approuvée partiellement",
            Status::Disputed => "En litige",
            Status::Suspended => "Suspendue",
            Status::Completed => "Complétée",
            Status::Refused => "Refusée",
            Status::PaymentSent => "Paiement transmis",
            Status::Collected => "Encaissée",
            Status::Rejected => "Rejetée",
            Status::Endorsed => "Visée",
            Status::Cancelled => "Annulée",
            Status::RoutingError => "Erreur de routage",
            Status::DirectPaymentRequest => "Demande de paiement direct",
            Status::Factored => "Affacturée",
            Status::FactoredConfidential => "Affacturée confidentiel",
            Status::PayeeAccountChanged => "Changement de compte à payer",
            Status::NotFactored => "Non affacturée",
            Status::RegulatoryDataDeposited => "Données réglementaires déposées",
            Status::RegulatoryDataRejected => "Données réglementaires rejetées",
            Status::EReportingDeposited => "E-reporting déposé",
            Status::EReportingRejected => "E-reporting rejeté",
            Status::DirectoryLineAccepted => "Ligne d'annuaire acceptée",
            Status::DirectoryLineRejected => "Ligne d'annuaire rejetée",
            Status::FlowReceivable => "Recevable",
            Status::FlowUnreceivable => "Irrecevable",
            Status::MandatoryStatusRejected => "Statut obligatoire rejeté",
        }
    }

    /// Statuses an invoice's lifecycle carries (the others are about flows, the
    /// directory or the data sent to the administration).
    pub fn is_invoice_status(self) -> bool {
        self.code() < 250
    }

    /// Must be sent to the tax administration (flow F6). 212 only when VAT is due
    /// on receipt of payment: [`Status::Collected`] answers `true` and the tax feed
    /// decides with the invoice's VAT regime.
    pub fn mandatory_for_tax_administration(self) -> bool {
        matches!(
            self,
            Status::Deposited | Status::Refused | Status::Collected | Status::Rejected
        )
    }

    /// A reason code is required (BR-FR-CDV-15).
    pub fn requires_reason(self) -> bool {
        matches!(
            self,
            Status::Refused
                | Status::Rejected
                | Status::FlowUnreceivable
                | Status::Disputed
                | Status::PartiallyApproved
                | Status::Suspended
        )
    }

    /// The reason codes this status accepts (BR-FR-CDV-CL-09); `None` when the
    /// status does not restrict its reasons.
    pub fn allowed_reasons(self) -> Option<&'static [&'static str]> {
        Some(match self {
            Status::Deposited => &["NON_TRANSMISE"],
            Status::Rejected => &[
                "MONTANTTOTAL_ERR",
                "CALCUL_ERR",
                "DOUBLON",
                "DEST_INC",
                "ADR_ERR",
                "REJ_SEMAN",
                "REJ_UNI",
                "REJ_COH",
                "REJ_ADR",
                "REJ_CONT_B2G",
                "REJ_REF_PJ",
                "REJ_ASS_PJ",
            ],
            Status::Refused => &[
                "TX_TVA_ERR",
                "MONTANTTOTAL_ERR",
                "CALCUL_ERR",
                "NON_CONFORME",
                "DOUBLON",
                "DEST_ERR",
                "TRANSAC_INC",
                "EMMET_INC",
                "CONTRAT_TERM",
                "DOUBLE_FACT",
                "CMD_ERR",
                "ADR_ERR",
                "REF_CT_ABSENT",
            ],
            Status::Disputed => &[
                "AUTRE",
                "COORD_BANC_ERR",
                "TX_TVA_ERR",
                "MONTANTTOTAL_ERR",
                "CALCUL_ERR",
                "NON_CONFORME",
                "DOUBLON",
                "DEST_INC",
                "DEST_ERR",
                "TRANSAC_INC",
                "EMMET_INC",
                "CONTRAT_TERM",
                "DOUBLE_FACT",
                "CMD_ERR",
                "ADR_ERR",
                "SIRET_ERR",
                "CODE_ROUTAGE_ERR",
                "REF_CT_ABSENT",
                "REF_ERR",
                "PU_ERR",
                "REM_ERR",
                "QTE_ERR",
                "ART_ERR",
                "MODPAI_ERR",
                "QUALITE_ERR",
                "LIVR_INCOMP",
            ],
            Status::PartiallyApproved => &[
                "AUTRE",
                "CMD_ERR",
                "SIRET_ERR",
                "CODE_ROUTAGE_ERR",
                "REF_CT_ABSENT",
                "REF_ERR",
                "PU_ERR",
                "REM_ERR",
                "QTE_ERR",
                "ART_ERR",
                "MODPAI_ERR",
                "QUALITE_ERR",
                "LIVR_INCOMP",
            ],
            Status::Suspended => &[
                "JUSTIF_ABS",
                "COORD_BANC_ERR",
                "CMD_ERR",
                "SIRET_ERR",
                "CODE_ROUTAGE_ERR",
                "REF_CT_ABSENT",
                "REF_ERR",
            ],
            Status::RoutingError => &["ROUTAGE_ERR"],
            Status::FlowUnreceivable => &[
                "IRR_VIDE_F",
                "IRR_TYPE_F",
                "IRR_SYNTAX",
                "IRR_TAILLE_PJ",
                "IRR_NOM_PJ",
                "IRR_VID_PJ",
                "IRR_EXT_DOC",
                "IRR_TAILLE_F",
                "IRR_ANTIVIRUS",
                "IRR_NOM_F",
            ],
            _ => return None,
        })
    }

    /// Who may set this status on an invoice.
    pub fn setters(self) -> &'static [Actor] {
        use Actor::*;
        match self {
            Status::Deposited | Status::Issued => &[IssuerPlatform],
            Status::Received | Status::MadeAvailable => &[ReceiverPlatform],
            Status::Rejected | Status::RoutingError => &[IssuerPlatform, ReceiverPlatform],
            Status::TakenOver
            | Status::Approved
            | Status::PartiallyApproved
            | Status::Disputed
            | Status::Suspended
            | Status::Refused
            | Status::Endorsed => &[Buyer],
            Status::PaymentSent => &[Buyer, Supplier],
            Status::Completed
            | Status::Collected
            | Status::Cancelled
            | Status::Factored
            | Status::FactoredConfidential
            | Status::PayeeAccountChanged
            | Status::NotFactored => &[Supplier],
            Status::DirectPaymentRequest => &[Supplier],
            Status::RegulatoryDataDeposited
            | Status::RegulatoryDataRejected
            | Status::EReportingDeposited
            | Status::EReportingRejected
            | Status::DirectoryLineAccepted
            | Status::DirectoryLineRejected
            | Status::FlowReceivable => &[Ppf],
            Status::FlowUnreceivable | Status::MandatoryStatusRejected => {
                &[Ppf, IssuerPlatform, ReceiverPlatform]
            }
        }
    }

    /// No status may follow: the invoice is out of the circuit.
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Rejected | Status::Refused | Status::Cancelled)
    }

    /// The stage of the exchange the status belongs to; an invoice's stage never
    /// goes back, except within processing (dispute and suspension are resolved by
    /// later processing statuses) and for the statuses that may come at any time.
    fn stage(self) -> Option<u8> {
        Some(match self {
            Status::Deposited => 0,
            Status::Issued => 1,
            Status::Received => 2,
            Status::MadeAvailable => 3,
            Status::TakenOver
            | Status::Approved
            | Status::PartiallyApproved
            | Status::Disputed
            | Status::Suspended
            | Status::Completed
            | Status::Refused
            | Status::Endorsed => 4,
            Status::PaymentSent | Status::Collected => 5,
            _ => return None,
        })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.label())
    }
}

/// Why a status may not be recorded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("{0} is not an invoice lifecycle status")]
    NotAnInvoiceStatus(Status),
    #[error("the first status of an invoice must be 200 Déposée or 213 Rejetée, not {0}")]
    MustStartDeposited(Status),
    #[error("the invoice is {0}: no status may follow")]
    Terminal(Status),
    #[error("{next} cannot follow {last}")]
    Backwards { last: Status, next: Status },
    #[error("209 Complétée answers 208 Suspendue, which the invoice never had")]
    NotSuspended,
    #[error("{status} may only be set by {allowed:?}, not {actor:?}")]
    NotAllowed {
        status: Status,
        actor: Actor,
        allowed: &'static [Actor],
    },
    #[error("{status} requires a reason code")]
    ReasonRequired { status: Status },
    #[error("reason {reason} is not allowed with {status}")]
    ReasonNotAllowed { status: Status, reason: String },
}

/// Checks that `actor` may record `next` (with `reason`) after the invoice's
/// `history` (oldest first).
pub fn check_transition(
    history: &[Status],
    next: Status,
    actor: Actor,
    reason: Option<&str>,
) -> Result<(), TransitionError> {
    if !next.is_invoice_status() {
        return Err(TransitionError::NotAnInvoiceStatus(next));
    }
    if !next.setters().contains(&actor) {
        return Err(TransitionError::NotAllowed {
            status: next,
            actor,
            allowed: next.setters(),
        });
    }
    match (reason, next.allowed_reasons()) {
        (None, _) if next.requires_reason() => {
            return Err(TransitionError::ReasonRequired { status: next });
        }
        (Some(r), Some(allowed)) if !allowed.contains(&r) => {
            return Err(TransitionError::ReasonNotAllowed {
                status: next,
                reason: r.to_string(),
            });
        }
        _ => {}
    }
    let Some(&last) = history.last() else {
        return match next {
            Status::Deposited | Status::Rejected => Ok(()),
            other => Err(TransitionError::MustStartDeposited(other)),
        };
    };
    if let Some(terminal) = history.iter().copied().find(|s| s.is_terminal()) {
        return Err(TransitionError::Terminal(terminal));
    }
    if next == Status::Completed && !history.contains(&Status::Suspended) {
        return Err(TransitionError::NotSuspended);
    }
    // The furthest stage reached so far bounds what may come next.
    let reached = history.iter().filter_map(|s| s.stage()).max();
    if let (Some(reached), Some(stage)) = (reached, next.stage())
        && stage < reached
        && !(stage == 4 && reached == 5 && next == Status::Disputed)
    {
        return Err(TransitionError::Backwards { last, next });
    }
    if next == Status::Deposited {
        return Err(TransitionError::Backwards { last, next });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Actor::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_refused() {
        for s in ALL {
            assert_eq!(Status::parse(&s.code().to_string()), Ok(*s));
        }
        assert!(Status::parse("215").is_err());
        assert!(Status::parse("abc").is_err());
        assert_eq!(ALL.len(), 31);
    }

    #[test]
    fn every_status_reason_is_a_reason_code() {
        assert_eq!(REASON_CODES.len(), 51);
        for s in ALL {
            for r in s.allowed_reasons().unwrap_or(&[]) {
                assert!(REASON_CODES.contains(r), "{s}: {r}");
            }
        }
    }

    #[test]
    fn mandatory_statuses_are_the_four_of_the_reform() {
        let mandatory: Vec<u16> = ALL
            .iter()
            .filter(|s| s.mandatory_for_tax_administration())
            .map(|s| s.code())
            .collect();
        assert_eq!(mandatory, vec![200, 210, 212, 213]);
    }

    #[test]
    fn a_normal_lifecycle_is_accepted() {
        let steps = [
            (Status::Deposited, IssuerPlatform, None),
            (Status::Issued, IssuerPlatform, None),
            (Status::Received, ReceiverPlatform, None),
            (Status::MadeAvailable, ReceiverPlatform, None),
            (Status::TakenOver, Buyer, None),
            (Status::Suspended, Buyer, Some("JUSTIF_ABS")),
            (Status::Completed, Supplier, None),
            (Status::Approved, Buyer, None),
            (Status::PaymentSent, Buyer, None),
            (Status::Collected, Supplier, None),
            (Status::Collected, Supplier, None),
        ];
        let mut history = Vec::new();
        for (status, actor, reason) in steps {
            check_transition(&history, status, actor, reason)
                .unwrap_or_else(|e| panic!("{status} after {history:?}: {e}"));
            history.push(status);
        }
    }

    #[test]
    fn refusals_of_transitions() {
        use Status::*;
        assert_eq!(
            check_transition(&[], Approved, Buyer, None),
            Err(TransitionError::MustStartDeposited(Approved))
        );
        assert!(matches!(
            check_transition(&[Deposited, Rejected], Issued, IssuerPlatform, None),
            Err(TransitionError::NotAllowed { .. }) | Err(TransitionError::Terminal(_))
        ));
        assert_eq!(
            check_transition(
                &[Deposited, Issued, Received, Refused],
                Approved,
                Buyer,
                None
            ),
            Err(TransitionError::Terminal(Refused))
        );
        assert!(matches!(
            check_transition(
                &[Deposited, Issued, Received, MadeAvailable],
                Received,
                ReceiverPlatform,
                None
            ),
            Err(TransitionError::Backwards { .. })
        ));
        assert_eq!(
            check_transition(
                &[Deposited, Issued, Received, MadeAvailable],
                Completed,
                Supplier,
                None
            ),
            Err(TransitionError::NotSuspended)
        );
        assert!(matches!(
            check_transition(&[Deposited], Approved, Supplier, None),
            Err(TransitionError::NotAllowed { .. })
        ));
        assert_eq!(
            check_transition(&[Deposited, Issued, Received], Refused, Buyer, None),
            Err(TransitionError::ReasonRequired { status: Refused })
        );
        assert!(matches!(
            check_transition(
                &[Deposited, Issued, Received],
                Refused,
                Buyer,
                Some("ROUTAGE_ERR")
            ),
            Err(TransitionError::ReasonNotAllowed { .. })
        ));
        assert!(
            check_transition(
                &[Deposited, Issued, Received],
                Refused,
                Buyer,
                Some("DOUBLON")
            )
            .is_ok()
        );
        assert!(matches!(
            check_transition(&[Deposited], EReportingDeposited, Ppf, None),
            Err(TransitionError::NotAnInvoiceStatus(_))
        ));
    }

    #[test]
    fn rejection_may_be_the_first_status() {
        assert!(check_transition(&[], Status::Rejected, IssuerPlatform, Some("REJ_SEMAN")).is_ok());
    }
}

//! Acknowledgements of the tax administration's side, and what they mean for each
//! object of a flow.
//!
//! The PPF answers a flow with its lifecycle (500 receivable / 501 unreceivable with
//! IRR_* reasons, specs-externes §3.4.4) and then each business object's: F1 250
//! deposited / 251 rejected (§3.6.8), F10 300 / 301 (§3.7.9), and for mandatory
//! statuses only a rejection, 601 (§3.6.8, table 10). Over the HTTP transport facteur
//! speaks, these arrive together as one JSON document in the response to the upload
//! (the reference receiver writes it; see `receiver`):
//!
//! ```json
//! {"flow_id": "FAC0010111000000000000001", "flow_name": "FFE0111A_FAC001_FAC0010111000000000000001",
//!  "status": 500, "reasons": [],
//!  "objects": [{"file": "Base_123456789_2026_F1.xml", "status": 250, "reason": null}]}
//! ```
//!
//! [`outcomes`] turns one into an outcome per object, and refuses a document that does
//! not account for every object exactly once with a status its kind can have: an
//! incomplete acknowledgement is an error to retry, never a guess.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::flow::InterfaceCode;
use crate::storage::taxfeed::{ObjectKind, ObjectOutcome};

/// Flow receivable.
pub const FLOW_RECEIVABLE: u16 = 500;
/// Flow unreceivable.
pub const FLOW_UNRECEIVABLE: u16 = 501;
/// F1 deposited / rejected.
pub const F1_DEPOSITED: u16 = 250;
pub const F1_REJECTED: u16 = 251;
/// F10 deposited / rejected.
pub const F10_DEPOSITED: u16 = 300;
pub const F10_REJECTED: u16 = 301;
/// A mandatory status rejected (there is no positive status for them).
pub const STATUS_REJECTED: u16 = 601;

/// A reason of an unreceivable flow or a rejected object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// `IRR_*` for a flow, `REJ_*` for an object.
    pub code: String,
    /// The file it is about, when it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One object's status in an acknowledgement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectAck {
    pub file: String,
    pub status: u16,
    #[serde(default)]
    pub reason: Option<String>,
}

/// The acknowledgement of one flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub flow_id: String,
    pub flow_name: String,
    /// 500 or 501.
    pub status: u16,
    #[serde(default)]
    pub reasons: Vec<Reason>,
    #[serde(default)]
    pub objects: Vec<ObjectAck>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AckError {
    #[error("acknowledgement is not readable JSON: {0}")]
    Json(String),
    #[error("acknowledgement is for flow {found}, not {expected}")]
    WrongFlow { expected: String, found: String },
    #[error("flow status {0} is neither 500 nor 501")]
    FlowStatus(u16),
    #[error("acknowledgement names {0}, which is not in the flow")]
    UnknownFile(String),
    #[error("acknowledgement names {0} twice")]
    DuplicateFile(String),
    #[error("acknowledgement gives no status for {0}")]
    MissingFile(String),
    #[error("status {status} is not an outcome of an {kind} object ({file})")]
    WrongStatus {
        kind: ObjectKind,
        status: u16,
        file: String,
    },
}

/// Reads an acknowledgement document.
pub fn parse(document: &[u8]) -> Result<Acknowledgement, AckError> {
    serde_json::from_slice(document).map_err(|e| AckError::Json(e.to_string()))
}

fn join_reasons<'a>(reasons: impl Iterator<Item = &'a Reason>) -> Option<String> {
    let codes: Vec<&str> = reasons.map(|r| r.code.as_str()).collect();
    (!codes.is_empty()).then(|| codes.join(" "))
}

/// The outcome of every object of the flow `flow_id` on `interface`, whose archive
/// holds `files`.
pub fn outcomes(
    ack: &Acknowledgement,
    flow_id: &str,
    interface: InterfaceCode,
    files: &[String],
) -> Result<Vec<ObjectOutcome>, AckError> {
    if ack.flow_id != flow_id {
        return Err(AckError::WrongFlow {
            expected: flow_id.to_string(),
            found: ack.flow_id.clone(),
        });
    }
    let kind = ObjectKind::of(interface);
    let mut by_file: HashMap<&str, &ObjectAck> = HashMap::with_capacity(ack.objects.len());
    for o in &ack.objects {
        if !files.iter().any(|f| f == &o.file) {
            return Err(AckError::UnknownFile(o.file.clone()));
        }
        if by_file.insert(o.file.as_str(), o).is_some() {
            return Err(AckError::DuplicateFile(o.file.clone()));
        }
    }
    match ack.status {
        FLOW_UNRECEIVABLE => {
            // Nothing of an unreceivable flow is integrated: every object is rejected,
            // with the reasons about its file, else the flow's.
            Ok(files
                .iter()
                .map(|file| {
                    let own = join_reasons(
                        ack.reasons
                            .iter()
                            .filter(|r| r.file.as_deref() == Some(file.as_str())),
                    );
                    ObjectOutcome {
                        file_name: file.clone(),
                        accepted: false,
                        status: FLOW_UNRECEIVABLE,
                        reason: own.or_else(|| join_reasons(ack.reasons.iter())),
                    }
                })
                .collect())
        }
        FLOW_RECEIVABLE => files
            .iter()
            .map(|file| {
                let given = by_file.get(file.as_str());
                let (accepted, status) = match (kind, given.map(|o| o.status)) {
                    (ObjectKind::F1, Some(F1_DEPOSITED)) => (true, F1_DEPOSITED),
                    (ObjectKind::F1, Some(F1_REJECTED)) => (false, F1_REJECTED),
                    (ObjectKind::F10, Some(F10_DEPOSITED)) => (true, F10_DEPOSITED),
                    (ObjectKind::F10, Some(F10_REJECTED)) => (false, F10_REJECTED),
                    (ObjectKind::F6, Some(STATUS_REJECTED)) => (false, STATUS_REJECTED),
                    // A mandatory status has no positive acknowledgement: in a
                    // receivable flow and not rejected, it is taken into account.
                    (ObjectKind::F6, None) => (true, FLOW_RECEIVABLE),
                    (_, None) => return Err(AckError::MissingFile(file.clone())),
                    (_, Some(status)) => {
                        return Err(AckError::WrongStatus {
                            kind,
                            status,
                            file: file.clone(),
                        });
                    }
                };
                Ok(ObjectOutcome {
                    file_name: file.clone(),
                    accepted,
                    status,
                    reason: given.and_then(|o| o.reason.clone()),
                })
            })
            .collect(),
        other => Err(AckError::FlowStatus(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ack(status: u16, objects: &[(&str, u16)]) -> Acknowledgement {
        Acknowledgement {
            flow_id: "F".into(),
            flow_name: "N".into(),
            status,
            reasons: vec![],
            objects: objects
                .iter()
                .map(|(f, s)| ObjectAck {
                    file: f.to_string(),
                    status: *s,
                    reason: (*s % 2 == 1).then(|| "REJ_SEMAN".to_string()),
                })
                .collect(),
        }
    }

    fn files(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn f1_outcomes_follow_250_and_251() {
        let got = outcomes(
            &ack(500, &[("a", 250), ("b", 251)]),
            "F",
            InterfaceCode::F1Ubl,
            &files(&["a", "b"]),
        )
        .expect("complete");
        assert_eq!(
            got.iter()
                .map(|o| (o.accepted, o.status, o.reason.clone()))
                .collect::<Vec<_>>(),
            vec![
                (true, 250, None),
                (false, 251, Some("REJ_SEMAN".to_string()))
            ]
        );
    }

    #[test]
    fn an_incomplete_or_foreign_acknowledgement_is_refused() {
        let f = files(&["a", "b"]);
        assert_eq!(
            outcomes(&ack(500, &[("a", 250)]), "F", InterfaceCode::F1Cii, &f),
            Err(AckError::MissingFile("b".into()))
        );
        assert_eq!(
            outcomes(
                &ack(500, &[("a", 250), ("b", 250), ("c", 250)]),
                "F",
                InterfaceCode::F1Cii,
                &f
            ),
            Err(AckError::UnknownFile("c".into()))
        );
        assert_eq!(
            outcomes(
                &ack(500, &[("a", 250), ("a", 250)]),
                "F",
                InterfaceCode::F1Cii,
                &f
            ),
            Err(AckError::DuplicateFile("a".into()))
        );
        assert!(matches!(
            outcomes(
                &ack(500, &[("a", 300), ("b", 250)]),
                "F",
                InterfaceCode::F1Cii,
                &f
            ),
            Err(AckError::WrongStatus { status: 300, .. })
        ));
        assert!(matches!(
            outcomes(&ack(500, &[]), "G", InterfaceCode::F6Invoice, &f),
            Err(AckError::WrongFlow { .. })
        ));
        assert_eq!(
            outcomes(&ack(502, &[]), "F", InterfaceCode::F6Invoice, &f),
            Err(AckError::FlowStatus(502))
        );
    }

    #[test]
    fn statuses_are_accepted_unless_601_and_an_unreceivable_flow_rejects_all() {
        let f = files(&["a", "b"]);
        let got = outcomes(&ack(500, &[("b", 601)]), "F", InterfaceCode::F6Invoice, &f)
            .expect("complete");
        assert_eq!(
            got.iter()
                .map(|o| (o.accepted, o.status))
                .collect::<Vec<_>>(),
            vec![(true, 500), (false, 601)]
        );
        let mut unreceivable = ack(501, &[]);
        unreceivable.reasons = vec![
            Reason {
                code: "IRR_SYNTAX".into(),
                file: Some("b".into()),
                detail: None,
            },
            Reason {
                code: "IRR_NOM_F".into(),
                file: None,
                detail: None,
            },
        ];
        let got = outcomes(&unreceivable, "F", InterfaceCode::F10, &f).expect("complete");
        assert_eq!(
            got.iter()
                .map(|o| (o.accepted, o.status, o.reason.as_deref()))
                .collect::<Vec<_>>(),
            vec![
                (false, 501, Some("IRR_SYNTAX IRR_NOM_F")),
                (false, 501, Some("IRR_SYNTAX"))
            ]
        );
    }
}

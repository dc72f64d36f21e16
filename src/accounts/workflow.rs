//! Requests and decisions: approving (effective at once: the grant to apply comes
//! back with the decision), refusing with a mandatory reason, handing over the
//! principal-manager role, and support assigning one. Every decision yields its
//! audit event; every refusal of the workflow is a typed error.

use std::collections::BTreeSet;

use super::model::{
    AuditEvent, Grant, Request, RequestKind, RequestState, Right, Structure, UserId,
};
use super::policy::{Action, Denied, Principal, authorize};
use super::time::Instant;

/// Why a workflow step was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("this request was already decided")]
    AlreadyDecided,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("you cannot decide your own request")]
    OwnRequest,
    #[error("the new principal manager must be a user of the structure")]
    NotAMember,
    #[error("the structure has a principal manager: it must hand the role over itself")]
    HasManager,
}

/// The decision on a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Refuse { reason: String },
}

/// Decides a pending request. On approval, returns the grant to apply (effective at
/// once); every decision returns its audit event.
pub fn decide(
    request: &mut Request,
    approver: &Principal,
    decision: Decision,
    now: Instant,
) -> Result<(Option<Grant>, AuditEvent), WorkflowError> {
    authorize(approver, Action::DecideRequests(request.kind.scope()))?;
    if request.requester == approver.user {
        return Err(WorkflowError::OwnRequest);
    }
    if request.state != RequestState::Pending {
        return Err(WorkflowError::AlreadyDecided);
    }
    let subject = format!("request {}", request.id);
    match decision {
        Decision::Approve => {
            request.state = RequestState::Approved {
                by: approver.user,
                at: now,
            };
            let grant = match &request.kind {
                RequestKind::Attach { scope } => Grant {
                    user: request.requester,
                    scope: *scope,
                    rights: BTreeSet::from([Right::ReadInvoices]),
                },
                RequestKind::ExtraRights { scope, rights } => Grant {
                    user: request.requester,
                    scope: *scope,
                    rights: rights.clone(),
                },
            };
            let event = AuditEvent {
                at: now,
                actor: approver.user,
                action: "approve".into(),
                subject,
                reason: None,
            };
            Ok((Some(grant), event))
        }
        Decision::Refuse { reason } => {
            let reason = reason.trim().to_string();
            if reason.is_empty() {
                return Err(WorkflowError::ReasonRequired);
            }
            request.state = RequestState::Refused {
                by: approver.user,
                at: now,
                reason: reason.clone(),
            };
            let event = AuditEvent {
                at: now,
                actor: approver.user,
                action: "refuse".into(),
                subject,
                reason: Some(reason),
            };
            Ok((None, event))
        }
    }
}

/// Whether `principal` may see `request` (its own, or one it may decide).
pub fn can_see(principal: &Principal, request: &Request) -> bool {
    request.requester == principal.user
        || authorize(principal, Action::DecideRequests(request.kind.scope())).is_ok()
}

/// The current principal manager hands the role to another user of the structure.
pub fn transfer_manager(
    structure: &mut Structure,
    by: &Principal,
    to: UserId,
    to_is_member: bool,
    now: Instant,
) -> Result<AuditEvent, WorkflowError> {
    authorize(by, Action::TransferManager(structure.id))?;
    if !to_is_member || to == by.user {
        return Err(WorkflowError::NotAMember);
    }
    structure.principal_manager = Some(to);
    Ok(AuditEvent {
        at: now,
        actor: by.user,
        action: "transfer_principal_manager".into(),
        subject: format!("structure {} to user {to}", structure.id),
        reason: None,
    })
}

/// Support assigns a principal manager to a structure that has lost its own (the
/// manager left): never over an existing manager, always with a reason.
pub fn assign_manager(
    structure: &mut Structure,
    admin: &Principal,
    to: UserId,
    to_is_member: bool,
    reason: &str,
    now: Instant,
) -> Result<AuditEvent, WorkflowError> {
    authorize(admin, Action::AssignManager(structure.id))?;
    if structure.principal_manager.is_some() {
        return Err(WorkflowError::HasManager);
    }
    if !to_is_member {
        return Err(WorkflowError::NotAMember);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(WorkflowError::ReasonRequired);
    }
    structure.principal_manager = Some(to);
    Ok(AuditEvent {
        at: now,
        actor: admin.user,
        action: "assign_principal_manager".into(),
        subject: format!("structure {} to user {to}", structure.id),
        reason: Some(reason.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::model::Scope;
    use crate::identifiers::Siren;

    const NOW: Instant = Instant(1_795_827_600);

    fn manager(structure: i64) -> Principal {
        Principal {
            user: 1,
            managed: [structure].into_iter().collect(),
            ..Principal::default()
        }
    }

    fn request(scope: Scope) -> Request {
        Request {
            id: 7,
            requester: 20,
            kind: RequestKind::Attach { scope },
            comment: "je rejoins la comptabilité fournisseurs".into(),
            created_at: NOW,
            state: RequestState::Pending,
        }
    }

    #[test]
    fn approval_grants_at_once_and_is_audited() {
        let mut r = request(Scope::Service {
            structure: 5,
            service: 50,
        });
        let (grant, event) = decide(&mut r, &manager(5), Decision::Approve, NOW).unwrap();
        let grant = grant.unwrap();
        assert_eq!(grant.user, 20);
        assert!(grant.rights.contains(&Right::ReadInvoices));
        assert_eq!(event.action, "approve");
        assert!(matches!(r.state, RequestState::Approved { by: 1, .. }));
        assert_eq!(
            decide(&mut r, &manager(5), Decision::Approve, NOW),
            Err(WorkflowError::AlreadyDecided)
        );
    }

    #[test]
    fn refusal_needs_a_reason_and_records_it() {
        let mut r = request(Scope::Structure { structure: 5 });
        let blank = Decision::Refuse {
            reason: "  ".into(),
        };
        assert_eq!(
            decide(&mut r, &manager(5), blank, NOW),
            Err(WorkflowError::ReasonRequired)
        );
        assert_eq!(r.state, RequestState::Pending);
        let refuse = Decision::Refuse {
            reason: "inconnu du service".into(),
        };
        let (grant, event) = decide(&mut r, &manager(5), refuse, NOW).unwrap();
        assert!(grant.is_none());
        assert_eq!(event.reason.as_deref(), Some("inconnu du service"));
        assert!(
            matches!(&r.state, RequestState::Refused { reason, .. } if reason == "inconnu du service")
        );
    }

    #[test]
    fn managers_cannot_decide_elsewhere_or_for_themselves() {
        let mut other = request(Scope::Structure { structure: 6 });
        assert!(matches!(
            decide(&mut other, &manager(5), Decision::Approve, NOW),
            Err(WorkflowError::Denied(_))
        ));
        assert!(!can_see(&manager(5), &other));
        let mut own = request(Scope::Structure { structure: 5 });
        own.requester = 1;
        assert_eq!(
            decide(&mut own, &manager(5), Decision::Approve, NOW),
            Err(WorkflowError::OwnRequest)
        );
        assert!(can_see(&manager(5), &own));
    }

    fn structure(manager: Option<UserId>) -> Structure {
        Structure {
            id: 5,
            siren: Siren::parse("906170857").unwrap(),
            siret: None,
            name: "Conseil Numérique Azur SAS".into(),
            principal_manager: manager,
        }
    }

    #[test]
    fn the_role_is_handed_over_and_never_left_empty() {
        let mut s = structure(Some(1));
        assert_eq!(
            transfer_manager(&mut s, &manager(5), 30, false, NOW),
            Err(WorkflowError::NotAMember)
        );
        let event = transfer_manager(&mut s, &manager(5), 30, true, NOW).unwrap();
        assert_eq!(s.principal_manager, Some(30));
        assert_eq!(event.action, "transfer_principal_manager");
        // The former manager no longer may (its principal would be rebuilt without it).
        let former = Principal {
            user: 1,
            ..Principal::default()
        };
        assert!(matches!(
            transfer_manager(&mut s, &former, 1, true, NOW),
            Err(WorkflowError::Denied(_))
        ));
    }

    #[test]
    fn support_assigns_only_when_the_manager_is_gone() {
        let admin = Principal {
            user: 99,
            admin: true,
            ..Principal::default()
        };
        let mut s = structure(Some(1));
        assert_eq!(
            assign_manager(&mut s, &admin, 30, true, "départ", NOW),
            Err(WorkflowError::HasManager)
        );
        let mut s = structure(None);
        assert_eq!(
            assign_manager(&mut s, &admin, 30, true, "", NOW),
            Err(WorkflowError::ReasonRequired)
        );
        let event =
            assign_manager(&mut s, &admin, 30, true, "départ du gestionnaire", NOW).unwrap();
        assert_eq!(s.principal_manager, Some(30));
        assert_eq!(event.actor, 99);
        assert!(matches!(
            assign_manager(&mut structure(None), &manager(5), 30, true, "x", NOW),
            Err(WorkflowError::Denied(_))
        ));
    }
}

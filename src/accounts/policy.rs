//! Authorisation, in one place: every question "may this principal do that?" is
//! answered by [`authorize`], and handlers never decide it themselves.
//!
//! A principal is what a request is made by: a signed-in user with its grants and
//! the structures it is principal manager of, an administrator (support), or a
//! technical account scoped to a structure or a platform.

use std::collections::BTreeSet;

use super::model::{Grant, Right, Scope, StructureId, TechnicalScope, UserId};
use crate::identifiers::{Matricule, RoutingCode, Siren};

/// Who makes a request, with everything needed to decide.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Principal {
    pub user: UserId,
    /// Support: may assign a principal manager, nothing else by itself.
    pub admin: bool,
    pub grants: Vec<Grant>,
    /// Structures whose principal manager this user is.
    pub managed: BTreeSet<StructureId>,
    /// Set when the principal is a technical account (a machine), not a person: it
    /// then has no user (`user` is 0) and only the grants of its scope.
    pub technical: Option<TechnicalScope>,
}

/// What a principal wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    ReadInvoices(Scope),
    SubmitInvoices(Scope),
    ManageDirectory(StructureId),
    /// See and decide access requests on a scope.
    DecideRequests(Scope),
    /// Hand the principal-manager role to another user.
    TransferManager(StructureId),
    /// Support: give a structure without a manager a new one.
    AssignManager(StructureId),
    /// Person-only features: one's own requests, profile and session. Machines
    /// (technical accounts) have no requests to make.
    UseAccount,
    /// See a structure, or a service, and what is attached to it: members of that
    /// scope only (a service's user does not see the structure's other services).
    View(Scope),
    /// Create services under a structure.
    ManageServices(StructureId),
    /// Create, list, rotate and revoke technical accounts of a scope.
    ManageTechnicalAccounts(TechnicalScope),
    /// Read a structure's audit trail.
    ReadAudit(StructureId),
    /// Support: register structures on the hub and disable users.
    AdministerStructures,
}

/// Refused. The message names the action, never whose data was asked for, so a
/// refusal leaks nothing about other structures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("you are not allowed to {0}")]
pub struct Denied(pub &'static str);

impl Principal {
    fn manages(&self, structure: StructureId) -> bool {
        self.managed.contains(&structure)
    }

    fn is_person(&self) -> bool {
        self.technical.is_none() && self.user != 0
    }

    /// Whether this principal belongs to `scope`: its manager, or a grant covering it.
    fn is_member(&self, scope: Scope) -> bool {
        self.manages(scope.structure()) || self.grants.iter().any(|g| g.scope.covers(scope))
    }

    fn has(&self, right: Right, scope: Scope) -> bool {
        self.grants
            .iter()
            .any(|g| g.rights.contains(&right) && g.scope.covers(scope))
    }

    /// The scopes on which this principal may read invoices (for filtering lists).
    pub fn readable_scopes(&self) -> Vec<Scope> {
        let mut scopes: Vec<Scope> = self
            .managed
            .iter()
            .map(|&structure| Scope::Structure { structure })
            .collect();
        scopes.extend(
            self.grants
                .iter()
                .filter(|g| g.rights.contains(&Right::ReadInvoices))
                .map(|g| g.scope),
        );
        scopes.sort();
        scopes.dedup();
        scopes
    }
}

/// Decides whether `principal` may perform `action`.
pub fn authorize(principal: &Principal, action: Action) -> Result<(), Denied> {
    let allowed = match action {
        Action::ReadInvoices(scope) => {
            principal.manages(scope.structure()) || principal.has(Right::ReadInvoices, scope)
        }
        Action::SubmitInvoices(scope) => {
            principal.manages(scope.structure()) || principal.has(Right::SubmitInvoices, scope)
        }
        Action::ManageDirectory(structure) => {
            principal.manages(structure)
                || principal.has(Right::ManageDirectory, Scope::Structure { structure })
        }
        Action::DecideRequests(scope) => {
            principal.manages(scope.structure()) || principal.has(Right::ManageUsers, scope)
        }
        Action::TransferManager(structure) => principal.manages(structure),
        Action::AssignManager(_) => principal.admin,
        Action::UseAccount => principal.is_person(),
        Action::View(scope) => principal.is_member(scope),
        Action::ManageServices(structure) => principal.manages(structure),
        Action::ManageTechnicalAccounts(TechnicalScope::Structure { structure }) => {
            principal.manages(structure)
                || principal.has(Right::ManageUsers, Scope::Structure { structure })
        }
        Action::ManageTechnicalAccounts(TechnicalScope::Platform { .. }) => principal.admin,
        Action::ReadAudit(structure) => {
            principal.manages(structure)
                || principal.has(Right::ManageUsers, Scope::Structure { structure })
        }
        Action::AdministerStructures => principal.admin,
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied(match action {
            Action::ReadInvoices(_) => "read these invoices",
            Action::SubmitInvoices(_) => "submit invoices here",
            Action::ManageDirectory(_) => "manage these directory lines",
            Action::DecideRequests(_) => "decide these requests",
            Action::TransferManager(_) => "hand over the principal manager role",
            Action::AssignManager(_) => "assign a principal manager",
            Action::UseAccount => "do this with a technical account",
            Action::View(_) => "see this",
            Action::ManageServices(_) => "manage the services of this structure",
            Action::ManageTechnicalAccounts(_) => "manage these technical accounts",
            Action::ReadAudit(_) => "read this audit trail",
            Action::AdministerStructures => "administer the hub's structures",
        }))
    }
}

/// What a reader may see of the hub's invoices: one entry per scope it may read,
/// turned into the identifiers an invoice carries. Storage makes it a WHERE clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Visible {
    /// A structure: the invoices where its SIREN is seller or buyer.
    Party { siren: String },
    /// A service: the invoices addressed to its routing code (BT-49) or issued from
    /// it (BT-34), under its structure's SIREN.
    Service { siren: String, routing_code: String },
}

/// A scope with the identifiers it stands for, as the accounts store them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeIds {
    pub scope: Scope,
    pub siren: Siren,
    /// The service's routing code; `None` for a structure, or a service without one.
    pub routing_code: Option<RoutingCode>,
}

/// The invoices `principal` may read, among `scopes` (its readable scopes with their
/// identifiers): each one must pass [`authorize`]; a service without a routing code
/// has no invoice addressed to it, so it adds nothing.
pub fn visible_invoices(principal: &Principal, scopes: &[ScopeIds]) -> Vec<Visible> {
    let mut visible: Vec<Visible> = scopes
        .iter()
        .filter(|s| authorize(principal, Action::ReadInvoices(s.scope)).is_ok())
        .filter_map(|s| match (s.scope, &s.routing_code) {
            (Scope::Structure { .. }, _) => Some(Visible::Party {
                siren: s.siren.as_str().to_string(),
            }),
            (Scope::Service { .. }, Some(code)) => Some(Visible::Service {
                siren: s.siren.as_str().to_string(),
                routing_code: code.as_str().to_string(),
            }),
            (Scope::Service { .. }, None) => None,
        })
        .collect();
    visible.dedup();
    visible
}

/// What a platform, authenticated by its API credential, wants to do at the hub.
/// A platform only ever sees the invoices it sent or receives, their statuses, and
/// its own deliveries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlatformAction {
    /// Read an invoice (metadata, history, document) sent by `sender` to `recipient`.
    ReadInvoice {
        sender: Matricule,
        recipient: Option<Matricule>,
    },
    /// Report a lifecycle status on such an invoice.
    SetStatus {
        sender: Matricule,
        recipient: Option<Matricule>,
    },
    /// Take or acknowledge the deliveries of `inbox`.
    UseInbox { inbox: Matricule },
    /// See a batch uploaded by `submitter` and its per-document results.
    ReadBatch { submitter: Matricule },
    /// E-report for a company, whose platform in the directory (its SIREN's line) is
    /// `declarant_platform`: only the platform the company chose reports for it.
    Ereport {
        declarant_platform: Option<Matricule>,
    },
}

/// Decides whether the platform `caller` may perform `action`.
pub fn authorize_platform(caller: Matricule, action: PlatformAction) -> Result<(), Denied> {
    let party = |sender: Matricule, recipient: Option<Matricule>| {
        caller == sender || recipient == Some(caller)
    };
    let (allowed, what) = match action {
        PlatformAction::ReadInvoice { sender, recipient } => {
            (party(sender, recipient), "read this invoice")
        }
        PlatformAction::SetStatus { sender, recipient } => {
            (party(sender, recipient), "report a status on this invoice")
        }
        PlatformAction::UseInbox { inbox } => (caller == inbox, "use another platform's inbox"),
        PlatformAction::ReadBatch { submitter } => (caller == submitter, "see this batch"),
        PlatformAction::Ereport { declarant_platform } => (
            declarant_platform == Some(caller),
            "e-report for a company whose directory line names another platform",
        ),
    };
    if allowed { Ok(()) } else { Err(Denied(what)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S1: StructureId = 1;
    const S2: StructureId = 2;

    fn grant(user: UserId, scope: Scope, rights: &[Right]) -> Grant {
        Grant {
            user,
            scope,
            rights: rights.iter().copied().collect(),
        }
    }

    fn service(structure: StructureId, service: i64) -> Scope {
        Scope::Service { structure, service }
    }

    #[test]
    fn a_service_user_sees_only_its_service() {
        let user = Principal {
            user: 10,
            grants: vec![grant(10, service(S1, 100), &[Right::ReadInvoices])],
            ..Principal::default()
        };
        assert!(authorize(&user, Action::ReadInvoices(service(S1, 100))).is_ok());
        assert!(
            authorize(&user, Action::ReadInvoices(service(S1, 101))).is_err(),
            "other service, same structure"
        );
        assert!(
            authorize(
                &user,
                Action::ReadInvoices(Scope::Structure { structure: S1 })
            )
            .is_err(),
            "the whole structure"
        );
        assert!(
            authorize(&user, Action::ReadInvoices(service(S2, 200))).is_err(),
            "other structure"
        );
        assert!(
            authorize(&user, Action::SubmitInvoices(service(S1, 100))).is_err(),
            "right not granted"
        );
        assert_eq!(user.readable_scopes(), vec![service(S1, 100)]);
    }

    #[test]
    fn a_structure_grant_covers_its_services_only() {
        let user = Principal {
            user: 11,
            grants: vec![grant(
                11,
                Scope::Structure { structure: S1 },
                &[Right::ReadInvoices, Right::ManageUsers],
            )],
            ..Principal::default()
        };
        assert!(authorize(&user, Action::ReadInvoices(service(S1, 100))).is_ok());
        assert!(authorize(&user, Action::DecideRequests(service(S1, 101))).is_ok());
        assert!(authorize(&user, Action::DecideRequests(service(S2, 200))).is_err());
        assert!(
            authorize(&user, Action::TransferManager(S1)).is_err(),
            "only the principal manager"
        );
    }

    #[test]
    fn the_principal_manager_decides_for_their_structure_only() {
        let manager = Principal {
            user: 1,
            managed: [S1].into_iter().collect(),
            ..Principal::default()
        };
        assert!(authorize(&manager, Action::DecideRequests(service(S1, 100))).is_ok());
        assert!(authorize(&manager, Action::TransferManager(S1)).is_ok());
        assert!(authorize(&manager, Action::DecideRequests(service(S2, 100))).is_err());
        assert!(authorize(&manager, Action::AssignManager(S1)).is_err());
    }

    #[test]
    fn membership_is_per_scope_and_machines_are_not_people() {
        let user = Principal {
            user: 10,
            grants: vec![grant(10, service(S1, 100), &[Right::ReadInvoices])],
            ..Principal::default()
        };
        assert!(authorize(&user, Action::View(service(S1, 100))).is_ok());
        assert!(authorize(&user, Action::View(service(S1, 101))).is_err());
        assert!(authorize(&user, Action::View(Scope::Structure { structure: S1 })).is_err());
        assert!(authorize(&user, Action::ReadAudit(S1)).is_err());
        assert!(authorize(&user, Action::UseAccount).is_ok());
        let machine = Principal {
            technical: Some(TechnicalScope::Structure { structure: S1 }),
            grants: vec![grant(
                0,
                Scope::Structure { structure: S1 },
                &[Right::SubmitInvoices],
            )],
            ..Principal::default()
        };
        assert!(authorize(&machine, Action::UseAccount).is_err());
        assert!(authorize(&machine, Action::SubmitInvoices(service(S1, 100))).is_ok());
        assert!(
            authorize(
                &machine,
                Action::ManageTechnicalAccounts(TechnicalScope::Structure { structure: S1 })
            )
            .is_err()
        );
        let manager = Principal {
            user: 1,
            managed: [S1].into_iter().collect(),
            ..Principal::default()
        };
        let platform = TechnicalScope::Platform { matricule: 1 };
        assert!(authorize(&manager, Action::ManageTechnicalAccounts(platform)).is_err());
        assert!(authorize(&manager, Action::ReadAudit(S1)).is_ok());
        assert!(authorize(&manager, Action::ReadAudit(S2)).is_err());
    }

    #[test]
    fn support_assigns_managers_and_nothing_else() {
        let admin = Principal {
            user: 99,
            admin: true,
            ..Principal::default()
        };
        assert!(authorize(&admin, Action::AssignManager(S2)).is_ok());
        assert!(authorize(&admin, Action::ReadInvoices(service(S2, 1))).is_err());
        let denied = authorize(&admin, Action::ReadInvoices(service(S2, 1))).unwrap_err();
        assert_eq!(
            denied.to_string(),
            "you are not allowed to read these invoices"
        );
    }

    #[test]
    fn a_platform_sees_only_its_own_invoices_and_inbox() {
        let m = |t: &str| Matricule::parse(t).unwrap();
        let (sender, recipient, other) = (m("0001"), m("0002"), m("0003"));
        for action in [
            PlatformAction::ReadInvoice {
                sender,
                recipient: Some(recipient),
            },
            PlatformAction::SetStatus {
                sender,
                recipient: Some(recipient),
            },
        ] {
            assert!(authorize_platform(sender, action).is_ok());
            assert!(authorize_platform(recipient, action).is_ok());
            assert!(authorize_platform(other, action).is_err());
        }
        let unrouted = PlatformAction::ReadInvoice {
            sender,
            recipient: None,
        };
        assert!(authorize_platform(other, unrouted).is_err());
        assert!(authorize_platform(other, PlatformAction::UseInbox { inbox: other }).is_ok());
        assert!(authorize_platform(other, PlatformAction::UseInbox { inbox: sender }).is_err());
        let batch = PlatformAction::ReadBatch { submitter: sender };
        assert!(authorize_platform(sender, batch).is_ok());
        assert!(
            authorize_platform(recipient, batch).is_err(),
            "only the submitter sees a batch"
        );
        let ereport = |declarant_platform| PlatformAction::Ereport { declarant_platform };
        assert!(authorize_platform(sender, ereport(Some(sender))).is_ok());
        assert!(
            authorize_platform(other, ereport(Some(sender))).is_err(),
            "only the company's platform reports for it"
        );
        assert!(
            authorize_platform(sender, ereport(None)).is_err(),
            "no line, no platform"
        );
    }

    #[test]
    fn invoice_visibility_follows_the_read_right_per_scope() {
        let siren = |s: &str| Siren::parse(s).unwrap();
        let code = |c: &str| Some(RoutingCode::parse(c).unwrap());
        let (acme, globex) = (siren("552100554"), siren("732829320"));
        let scopes = vec![
            ScopeIds {
                scope: Scope::Structure { structure: S1 },
                siren: acme.clone(),
                routing_code: None,
            },
            ScopeIds {
                scope: service(S1, 100),
                siren: acme.clone(),
                routing_code: code("COMPTA-A"),
            },
            ScopeIds {
                scope: service(S1, 101),
                siren: acme.clone(),
                routing_code: None,
            },
            ScopeIds {
                scope: Scope::Structure { structure: S2 },
                siren: globex,
                routing_code: None,
            },
        ];
        let service_user = Principal {
            user: 10,
            grants: vec![
                grant(10, service(S1, 100), &[Right::ReadInvoices]),
                grant(10, service(S1, 101), &[Right::ReadInvoices]),
            ],
            ..Principal::default()
        };
        assert_eq!(
            visible_invoices(&service_user, &scopes),
            vec![Visible::Service {
                siren: "552100554".into(),
                routing_code: "COMPTA-A".into()
            }],
            "its service only; a service without a routing code adds nothing"
        );
        let manager = Principal {
            user: 1,
            managed: [S1].into_iter().collect(),
            ..Principal::default()
        };
        assert_eq!(
            visible_invoices(&manager, &scopes)[0],
            Visible::Party {
                siren: "552100554".into()
            }
        );
        assert!(
            !visible_invoices(&manager, &scopes).contains(&Visible::Party {
                siren: "732829320".into()
            }),
            "another structure"
        );
        let submitter = Principal {
            user: 12,
            grants: vec![grant(
                12,
                Scope::Structure { structure: S1 },
                &[Right::SubmitInvoices],
            )],
            ..Principal::default()
        };
        assert!(
            visible_invoices(&submitter, &scopes).is_empty(),
            "no read right"
        );
    }
}

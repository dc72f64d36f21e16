//! Who is who: structures (companies, by SIREN/SIRET) and their services (routing
//! codes), users, rights (habilitations) granted on a structure or one service,
//! requests for access and their decisions, and the audit trail.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::time::Instant;
use crate::identifiers::{RoutingCode, Siren, Siret};

pub type UserId = i64;
pub type StructureId = i64;
pub type ServiceId = i64;
pub type RequestId = i64;

/// A right (habilitation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Right {
    SubmitInvoices,
    ReadInvoices,
    ManageDirectory,
    ManageUsers,
}

impl Right {
    pub const ALL: [Right; 4] = [
        Right::SubmitInvoices,
        Right::ReadInvoices,
        Right::ManageDirectory,
        Right::ManageUsers,
    ];

    /// The stored and JSON name (`submit_invoices`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Right::SubmitInvoices => "submit_invoices",
            Right::ReadInvoices => "read_invoices",
            Right::ManageDirectory => "manage_directory",
            Right::ManageUsers => "manage_users",
        }
    }

    pub fn parse(name: &str) -> Option<Right> {
        Right::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// A company on the hub, identified by its SIREN (and head-office SIRET).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Structure {
    pub id: StructureId,
    pub siren: Siren,
    pub siret: Option<Siret>,
    pub name: String,
    /// The one principal manager; `None` only while an administrator assigns one.
    pub principal_manager: Option<UserId>,
}

/// A service of a structure, addressed by a routing code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub id: ServiceId,
    pub structure: StructureId,
    pub routing_code: Option<RoutingCode>,
    pub name: String,
}

/// What a grant or a request covers: a whole structure, or one of its services.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    Structure {
        structure: StructureId,
    },
    Service {
        structure: StructureId,
        service: ServiceId,
    },
}

impl Scope {
    pub fn structure(self) -> StructureId {
        match self {
            Scope::Structure { structure } | Scope::Service { structure, .. } => structure,
        }
    }

    /// Whether a grant on `self` covers `other`: a structure covers its services, a
    /// service covers only itself.
    pub fn covers(self, other: Scope) -> bool {
        match self {
            Scope::Structure { structure } => other.structure() == structure,
            Scope::Service { .. } => self == other,
        }
    }
}

/// What a technical account (a machine's API token) acts for: one structure, or one
/// platform (by its matricule).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TechnicalScope {
    Structure { structure: StructureId },
    Platform { matricule: u16 },
}

/// Rights of one user on one scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub user: UserId,
    pub scope: Scope,
    pub rights: BTreeSet<Right>,
}

/// What a user asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RequestKind {
    /// To be attached to a structure or service, with the rights to read invoices.
    Attach { scope: Scope },
    /// More rights on a scope the user belongs to.
    ExtraRights {
        scope: Scope,
        rights: BTreeSet<Right>,
    },
}

impl RequestKind {
    pub fn scope(&self) -> Scope {
        match self {
            RequestKind::Attach { scope } | RequestKind::ExtraRights { scope, .. } => *scope,
        }
    }
}

/// Where a request stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RequestState {
    Pending,
    Approved {
        by: UserId,
        at: Instant,
    },
    Refused {
        by: UserId,
        at: Instant,
        reason: String,
    },
}

/// A request for access (demande d'habilitation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub id: RequestId,
    pub requester: UserId,
    pub kind: RequestKind,
    pub comment: String,
    pub created_at: Instant,
    pub state: RequestState,
}

/// One audited decision: who did what, when, on what, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub at: Instant,
    pub actor: UserId,
    pub action: String,
    pub subject: String,
    pub reason: Option<String>,
}

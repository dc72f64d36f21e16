//! The shapes the accounts service answers with (serialised as JSON by the API and
//! later the portal): ids with names and emails resolved, instants in RFC 3339.
//! A view is only built for something the caller was authorised to see.

use serde::Serialize;

use super::{AccountError, Caller, Outcome, Result};
use crate::accounts::model::{
    AuditEvent, Request, RequestKind, RequestState, Right, Scope, Service, Structure, StructureId,
    TechnicalScope, UserId,
};
use crate::accounts::time::Instant;
use crate::storage::{AuditRecord, Db, TechnicalAccount};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserRef {
    pub id: UserId,
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StructureView {
    pub id: StructureId,
    pub siren: String,
    pub siret: Option<String>,
    pub name: String,
    /// `null` while support assigns a new one (the previous manager is gone).
    pub principal_manager: Option<UserRef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceView {
    pub id: i64,
    pub structure: StructureId,
    pub name: String,
    pub routing_code: Option<String>,
}

impl From<&Service> for ServiceView {
    fn from(s: &Service) -> ServiceView {
        ServiceView {
            id: s.id,
            structure: s.structure,
            name: s.name.clone(),
            routing_code: s.routing_code.as_ref().map(|c| c.to_string()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StructureRef {
    pub id: StructureId,
    pub siren: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestView {
    pub id: i64,
    /// `attach` or `extra_rights`.
    pub kind: &'static str,
    pub state: Outcome,
    pub description: String,
    pub requester: UserRef,
    pub structure: StructureRef,
    pub service: Option<ServiceView>,
    pub rights: Vec<Right>,
    pub comment: String,
    pub created_at: String,
    pub approver: Option<UserRef>,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TechnicalView {
    pub id: i64,
    pub name: String,
    pub scope: TechnicalScope,
    pub active: bool,
    pub created_at: String,
    pub rotated_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl From<&TechnicalAccount> for TechnicalView {
    fn from(a: &TechnicalAccount) -> TechnicalView {
        TechnicalView {
            id: a.id,
            name: a.name.clone(),
            scope: a.scope,
            active: a.revoked_at.is_none(),
            created_at: a.created_at.to_string(),
            rotated_at: a.rotated_at.map(|i| i.to_string()),
            revoked_at: a.revoked_at.map(|i| i.to_string()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditView {
    pub id: i64,
    pub at: String,
    /// `null` for the hub itself (command line).
    pub actor: Option<UserRef>,
    pub action: String,
    pub subject: String,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub structure: StructureRef,
    pub service: Option<ServiceView>,
    pub rights: Vec<Right>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MeView {
    /// `user` or `technical_account`.
    pub kind: &'static str,
    pub user: Option<UserRef>,
    pub admin: bool,
    pub memberships: Vec<Membership>,
    pub principal_manager_of: Vec<StructureRef>,
    pub technical_account: Option<TechnicalView>,
}

async fn user_ref(db: &Db, id: UserId) -> Result<Option<UserRef>> {
    Ok(db.user_by_id(id).await?.map(|u| UserRef {
        id: u.id,
        email: u.email,
    }))
}

async fn structure_ref(db: &Db, id: StructureId) -> Result<StructureRef> {
    let s = db
        .structure(id)
        .await?
        .ok_or(AccountError::NotFound("structure"))?;
    Ok(StructureRef {
        id: s.id,
        siren: s.siren.to_string(),
        name: s.name,
    })
}

pub(super) async fn structure(db: &Db, s: &Structure) -> Result<StructureView> {
    let manager = match s.principal_manager {
        Some(id) => user_ref(db, id).await?,
        None => None,
    };
    Ok(StructureView {
        id: s.id,
        siren: s.siren.to_string(),
        siret: s.siret.as_ref().map(|s| s.to_string()),
        name: s.name.clone(),
        principal_manager: manager,
    })
}

async fn service_view(db: &Db, scope: Scope) -> Result<Option<ServiceView>> {
    match scope {
        Scope::Structure { .. } => Ok(None),
        Scope::Service { service, .. } => {
            Ok(db.service(service).await?.as_ref().map(ServiceView::from))
        }
    }
}

pub(super) async fn request(db: &Db, r: &Request) -> Result<RequestView> {
    let scope = r.kind.scope();
    let structure = structure_ref(db, scope.structure()).await?;
    let service = service_view(db, scope).await?;
    let requester = user_ref(db, r.requester)
        .await?
        .ok_or(AccountError::NotFound("user"))?;
    let place = match &service {
        Some(s) => format!("service {} of {}", s.name, structure.name),
        None => structure.name.clone(),
    };
    let (kind, rights, description) = match &r.kind {
        RequestKind::Attach { .. } => (
            "attach",
            Vec::new(),
            format!("{} asks to be attached to {place}", requester.email),
        ),
        RequestKind::ExtraRights { rights, .. } => {
            let names: Vec<&str> = rights.iter().map(|r| r.as_str()).collect();
            (
                "extra_rights",
                rights.iter().copied().collect(),
                format!(
                    "{} asks for {} on {place}",
                    requester.email,
                    names.join(", ")
                ),
            )
        }
    };
    let (approver, decided_at, reason) = match &r.state {
        RequestState::Pending => (None, None, None),
        RequestState::Approved { by, at } => (user_ref(db, *by).await?, Some(at.to_string()), None),
        RequestState::Refused { by, at, reason } => (
            user_ref(db, *by).await?,
            Some(at.to_string()),
            Some(reason.clone()),
        ),
    };
    Ok(RequestView {
        id: r.id,
        kind,
        state: Outcome::from(&r.state),
        description,
        requester,
        structure,
        service,
        rights,
        comment: r.comment.clone(),
        created_at: r.created_at.to_string(),
        approver,
        decided_at,
        reason,
    })
}

pub(super) async fn audit(db: &Db, r: &AuditRecord) -> Result<AuditView> {
    Ok(AuditView {
        id: r.id,
        at: r.event.at.to_string(),
        actor: user_ref(db, r.event.actor).await?,
        action: r.event.action.clone(),
        subject: r.event.subject.clone(),
        reason: r.event.reason.clone(),
    })
}

pub(super) async fn me(db: &Db, caller: &Caller) -> Result<MeView> {
    if let Some(account) = &caller.technical {
        return Ok(MeView {
            kind: "technical_account",
            user: None,
            admin: false,
            memberships: Vec::new(),
            principal_manager_of: Vec::new(),
            technical_account: Some(TechnicalView::from(account)),
        });
    }
    let user = caller.user.as_ref().ok_or(AccountError::Unauthenticated)?;
    let mut memberships = Vec::new();
    for g in &caller.principal.grants {
        memberships.push(Membership {
            structure: structure_ref(db, g.scope.structure()).await?,
            service: service_view(db, g.scope).await?,
            rights: g.rights.iter().copied().collect(),
        });
    }
    let mut managed = Vec::new();
    for &s in &caller.principal.managed {
        managed.push(structure_ref(db, s).await?);
    }
    Ok(MeView {
        kind: "user",
        user: Some(UserRef {
            id: user.id,
            email: user.email.clone(),
        }),
        admin: user.admin,
        memberships,
        principal_manager_of: managed,
        technical_account: None,
    })
}

pub(super) fn structure_of(scope: TechnicalScope) -> Option<StructureId> {
    match scope {
        TechnicalScope::Structure { structure } => Some(structure),
        TechnicalScope::Platform { .. } => None,
    }
}

pub(super) fn technical_event(caller: &Caller, at: Instant, action: &str, id: i64) -> AuditEvent {
    AuditEvent {
        at,
        actor: caller.principal.user,
        action: action.into(),
        subject: format!("technical account {id}"),
        reason: None,
    }
}

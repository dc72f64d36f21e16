//! Accounts in service: the orchestration between the pure rules (`policy`,
//! `workflow`, `lockout`, `password`, `tokens`) and `storage`. No SQL, no HTTP.
//!
//! Every operation takes the [`Caller`] rebuilt from the database for this very
//! request (nothing is cached between requests, so switching accounts can never show
//! the previous account's data), asks [`authorize`] and answers "not found" for what
//! the caller may not see, exactly as for what does not exist.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;

use super::lockout::Locked;
use super::model::{
    Grant, Request, RequestId, RequestKind, RequestState, Right, Scope, Service, ServiceId,
    Structure, StructureId, TechnicalScope, UserId,
};
use super::password::{self, PasswordError, Secret};
use super::policy::{Action, Denied, Principal, authorize};
use super::time::{Clock, Instant};
use super::tokens::{self, InvalidReset, NoRandomness, ResetToken};
use super::workflow::{self, Decision, WorkflowError};
use crate::identifiers::{Matricule, RoutingCode, Siren, Siret};
use crate::storage::{Db, StorageError, TechnicalAccount, UserRecord};

mod views;
pub use views::{AuditView, MeView, RequestView, ServiceView, StructureView, TechnicalView};

/// How long a session lasts: 12 hours (a working day), then sign in again.
pub const SESSION_SECONDS: i64 = 12 * 3600;
/// Prefixes that tell what a token is for, and which table to look it up in.
pub const SESSION_PREFIX: &str = "fct_session";
pub const TECHNICAL_PREFIX: &str = "fct_api";

/// Where password-reset links go. The hub sends mail through whatever the operator
/// plugs in here; the clear token goes nowhere else (never to a log).
pub trait Notifier: Send + Sync {
    fn reset_link(&self, email: &str, token: &Secret);
}

/// The default when no mail transport is configured: says on stderr that a reset was
/// asked for (never the token) so support can issue one with the CLI.
pub struct NoMailer;

impl Notifier for NoMailer {
    fn reset_link(&self, _email: &str, _token: &Secret) {
        tracing::warn!(
            "password reset requested but no mail transport is configured; use `facteur accounts user reset-link`"
        );
    }
}

/// Why an accounts operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Unknown email or wrong password: one message for both.
    #[error("wrong email or password")]
    BadCredentials,
    #[error(transparent)]
    Locked(#[from] Locked),
    #[error(
        "sign in first: a session or technical-account token is required (Authorization: Bearer …)"
    )]
    Unauthenticated,
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error(transparent)]
    Reset(#[from] InvalidReset),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Random(#[from] NoRandomness),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

pub type Result<T> = std::result::Result<T, AccountError>;

/// Who is calling, as rebuilt from the database for this request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub principal: Principal,
    /// Set for a signed-in user.
    pub user: Option<UserRecord>,
    /// The session's digest, to sign out.
    pub session: Option<String>,
    /// Set for a technical account.
    pub technical: Option<TechnicalAccount>,
}

/// A new session, handed to its user once.
#[derive(Debug)]
pub struct NewSession {
    pub token: Secret,
    pub expires_at: Instant,
    pub user: UserId,
}

/// Accounts, over one database, one clock and one mail transport.
#[derive(Clone)]
pub struct Accounts {
    db: Db,
    clock: Arc<dyn Clock>,
    notifier: Arc<dyn Notifier>,
}

/// The key an email is unique and looked up by.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

fn nonblank(value: &str, what: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AccountError::Invalid(format!("{what} must not be empty")));
    }
    Ok(value.to_string())
}

/// Argon2 is deliberately slow: it runs off the async workers.
async fn verify_password(password: Secret, hash: String) -> bool {
    tokio::task::spawn_blocking(move || password::verify(&password, &hash))
        .await
        .unwrap_or(false)
}

async fn hash_password(password: Secret) -> Result<String> {
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| AccountError::Password(PasswordError::Hashing(e.to_string())))?
        .map_err(AccountError::from)
}

impl Accounts {
    pub fn new(db: Db, clock: Arc<dyn Clock>, notifier: Arc<dyn Notifier>) -> Accounts {
        Accounts {
            db,
            clock,
            notifier,
        }
    }

    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// Allowed, or the answer for a resource of `visible` the caller may not act on:
    /// forbidden if they can see it, not found (like a missing one) otherwise.
    fn guard(
        &self,
        caller: &Caller,
        action: Action,
        visible: Scope,
        what: &'static str,
    ) -> Result<()> {
        match authorize(&caller.principal, action) {
            Ok(()) => Ok(()),
            Err(denied) if authorize(&caller.principal, Action::View(visible)).is_ok() => {
                Err(denied.into())
            }
            Err(_) => Err(AccountError::NotFound(what)),
        }
    }

    fn person(caller: &Caller) -> Result<&UserRecord> {
        authorize(&caller.principal, Action::UseAccount)?;
        caller.user.as_ref().ok_or(AccountError::Denied(Denied(
            "do this with a technical account",
        )))
    }

    // ----- users and sign-in -----

    /// Creates a user (support and the CLI; self-service comes with the portal).
    pub async fn create_user(&self, email: &str, password: &Secret, admin: bool) -> Result<UserId> {
        let email = nonblank(email, "the email")?;
        if !email.contains('@') {
            return Err(AccountError::Invalid(format!(
                "{email:?} is not an email address"
            )));
        }
        let hash = hash_password(password.clone()).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_user(&email, &email_key(&email), &hash, admin, now)
            .await?
            .ok_or_else(|| {
                AccountError::Invalid("an account with this email already exists".into())
            })?;
        tx.commit().await?;
        Ok(id)
    }

    /// Makes an existing user an administrator (support), or creates one.
    pub async fn ensure_admin(&self, email: &str, password: &Secret) -> Result<UserId> {
        match self.db.user_by_email(&email_key(email)).await? {
            Some(user) => {
                let mut tx = self.db.begin().await?;
                tx.set_admin(user.id, true).await?;
                tx.commit().await?;
                Ok(user.id)
            }
            None => self.create_user(email, password, true).await,
        }
    }

    /// Signs in. Unknown email and wrong password give the same error after the same
    /// work (a hash is verified either way, and unknown emails lock like known ones).
    pub async fn sign_in(&self, email: &str, password: &Secret) -> Result<NewSession> {
        let key = email_key(email);
        let now = self.now();
        let state = self.db.sign_in_state(&key).await?;
        state.check(now)?;
        let user = self.db.user_by_email(&key).await?.filter(|u| !u.disabled);
        let hash = user.as_ref().map_or_else(
            || password::decoy_hash().to_string(),
            |u| u.password_hash.clone(),
        );
        let matches = verify_password(password.clone(), hash).await;
        let mut tx = self.db.begin().await?;
        let Some(user) = user.filter(|_| matches) else {
            let state = state.failed(now);
            tx.save_sign_in_state(&key, state).await?;
            tx.commit().await?;
            // The attempt that locks says so at once.
            state.check(now)?;
            return Err(AccountError::BadCredentials);
        };
        tx.clear_sign_in_state(&key).await?;
        let token = tokens::generate(SESSION_PREFIX)?;
        let expires_at = now.plus_seconds(SESSION_SECONDS);
        tx.insert_session(&tokens::digest(&token), user.id, now, expires_at)
            .await?;
        tx.commit().await?;
        Ok(NewSession {
            token,
            expires_at,
            user: user.id,
        })
    }

    /// Who a bearer token belongs to: a live session or an unrevoked technical account.
    pub async fn authenticate(&self, token: &Secret) -> Result<Caller> {
        let digest = tokens::digest(token);
        if token.expose().starts_with(TECHNICAL_PREFIX) {
            let account = self
                .db
                .technical_by_digest(&digest)
                .await?
                .ok_or(AccountError::Unauthenticated)?;
            let grants = match account.scope {
                TechnicalScope::Structure { structure } => vec![Grant {
                    user: 0,
                    scope: Scope::Structure { structure },
                    rights: BTreeSet::from([Right::SubmitInvoices, Right::ReadInvoices]),
                }],
                TechnicalScope::Platform { .. } => Vec::new(),
            };
            return Ok(Caller {
                principal: Principal {
                    user: 0,
                    admin: false,
                    grants,
                    managed: BTreeSet::new(),
                    technical: Some(account.scope),
                },
                user: None,
                session: None,
                technical: Some(account),
            });
        }
        let user_id = self
            .db
            .session_user(&digest, self.now())
            .await?
            .ok_or(AccountError::Unauthenticated)?;
        let user = self
            .db
            .user_by_id(user_id)
            .await?
            .ok_or(AccountError::Unauthenticated)?;
        Ok(Caller {
            principal: Principal {
                user: user.id,
                admin: user.admin,
                grants: self.db.grants_of(user.id).await?,
                managed: self.db.managed_by(user.id).await?,
                technical: None,
            },
            user: Some(user),
            session: Some(digest),
            technical: None,
        })
    }

    pub async fn sign_out(&self, caller: &Caller) -> Result<()> {
        let session = caller
            .session
            .as_deref()
            .ok_or(AccountError::Denied(Denied("sign out a technical account")))?;
        let mut tx = self.db.begin().await?;
        tx.delete_session(session).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sends a reset link if the email has an active account; the answer is the same
    /// either way.
    pub async fn request_reset(&self, email: &str) -> Result<()> {
        let Some(user) = self.db.user_by_email(&email_key(email)).await? else {
            return Ok(());
        };
        if user.disabled {
            return Ok(());
        }
        let token = self.issue_reset(user.id).await?;
        self.notifier.reset_link(&user.email, &token);
        Ok(())
    }

    /// A reset token for a user (also the CLI's way when no mail is configured).
    pub async fn issue_reset(&self, user: UserId) -> Result<Secret> {
        let (token, stored) = ResetToken::issue(self.now())?;
        let mut tx = self.db.begin().await?;
        tx.insert_reset_token(user, &stored).await?;
        tx.commit().await?;
        Ok(token)
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>> {
        Ok(self.db.user_by_email(&email_key(email)).await?)
    }

    /// Sets a new password with a reset token: single use, expiring; it also ends the
    /// user's sessions and lifts a lock.
    pub async fn reset_password(&self, token: &Secret, new_password: &Secret) -> Result<()> {
        let now = self.now();
        let (user, mut stored) = self
            .db
            .reset_token(&tokens::digest(token))
            .await?
            .ok_or(InvalidReset)?;
        stored.redeem(token, now)?;
        // Checked before the token is spent, so a too-short password does not burn it.
        let hash = hash_password(new_password.clone()).await?;
        let record = self.db.user_by_id(user).await?.ok_or(InvalidReset)?;
        let mut tx = self.db.begin().await?;
        if !tx.use_reset_token(&stored.digest).await? {
            return Err(InvalidReset.into());
        }
        tx.set_password(user, &hash).await?;
        tx.delete_sessions_of(user).await?;
        tx.clear_sign_in_state(&email_key(&record.email)).await?;
        tx.audit(
            None,
            &super::model::AuditEvent {
                at: now,
                actor: user,
                action: "reset_password".into(),
                subject: format!("user {user}"),
                reason: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables a user (support): its sessions end; structures it managed wait for
    /// support to assign a new principal manager.
    pub async fn disable_user(&self, caller: &Caller, email: &str, reason: &str) -> Result<()> {
        authorize(&caller.principal, Action::AdministerStructures)?;
        let reason = nonblank(reason, "the reason")?;
        let user = self
            .db
            .user_by_email(&email_key(email))
            .await?
            .ok_or(AccountError::NotFound("user"))?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if tx.disable_user(user.id, now).await? {
            tx.audit(
                None,
                &super::model::AuditEvent {
                    at: now,
                    actor: caller.principal.user,
                    action: "disable_user".into(),
                    subject: format!("user {}", user.id),
                    reason: Some(reason),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn me(&self, caller: &Caller) -> Result<MeView> {
        views::me(&self.db, caller).await
    }

    // ----- structures and services -----

    /// Registers a company of the directory on the hub, with its principal manager.
    pub async fn create_structure(
        &self,
        caller: &Caller,
        siren: &str,
        siret: Option<&str>,
        name: &str,
        manager_email: &str,
    ) -> Result<StructureView> {
        authorize(&caller.principal, Action::AdministerStructures)?;
        let siren = Siren::parse(siren.trim()).map_err(|e| AccountError::Invalid(e.to_string()))?;
        let name = nonblank(name, "the name")?;
        if self.db.legal_unit(&siren).await?.is_none() {
            return Err(AccountError::Invalid(format!(
                "SIREN {siren} is not in the directory"
            )));
        }
        let siret = match siret {
            None => None,
            Some(s) => {
                let siret =
                    Siret::parse(s.trim()).map_err(|e| AccountError::Invalid(e.to_string()))?;
                if siret.siren() != siren || self.db.establishment(&siret).await?.is_none() {
                    return Err(AccountError::Invalid(format!(
                        "SIRET {siret} is not an establishment of SIREN {siren} in the directory"
                    )));
                }
                Some(siret)
            }
        };
        let manager = self
            .db
            .user_by_email(&email_key(manager_email))
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(|| {
                AccountError::Invalid("the principal manager must be an active user".into())
            })?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_structure(&siren, siret.as_ref(), &name, manager.id, now)
            .await?
            .ok_or_else(|| AccountError::Invalid(format!("SIREN {siren} is already on the hub")))?;
        tx.audit(
            Some(id),
            &super::model::AuditEvent {
                at: now,
                actor: caller.principal.user,
                action: "create_structure".into(),
                subject: format!(
                    "structure {id} ({siren}), principal manager user {}",
                    manager.id
                ),
                reason: None,
            },
        )
        .await?;
        tx.commit().await?;
        // Support created it without belonging to it: answer with what was stored.
        let s = self
            .db
            .structure(id)
            .await?
            .ok_or(AccountError::NotFound("structure"))?;
        views::structure(&self.db, &s).await
    }

    /// The structures the caller belongs to as a whole (not through one service).
    pub async fn structures(&self, caller: &Caller) -> Result<Vec<StructureView>> {
        let mut ids: BTreeSet<StructureId> = caller.principal.managed.clone();
        ids.extend(caller.principal.grants.iter().map(|g| g.scope.structure()));
        let mut out = Vec::new();
        for id in ids {
            if authorize(
                &caller.principal,
                Action::View(Scope::Structure { structure: id }),
            )
            .is_ok()
                && let Some(s) = self.db.structure(id).await?
            {
                out.push(views::structure(&self.db, &s).await?);
            }
        }
        Ok(out)
    }

    async fn load_structure(&self, caller: &Caller, id: StructureId) -> Result<Structure> {
        if authorize(
            &caller.principal,
            Action::View(Scope::Structure { structure: id }),
        )
        .is_err()
        {
            return Err(AccountError::NotFound("structure"));
        }
        self.db
            .structure(id)
            .await?
            .ok_or(AccountError::NotFound("structure"))
    }

    pub async fn structure(&self, caller: &Caller, id: StructureId) -> Result<StructureView> {
        authorize(
            &caller.principal,
            Action::View(Scope::Structure { structure: id }),
        )
        .map_err(|_| AccountError::NotFound("structure"))?;
        let s = self.load_structure(caller, id).await?;
        views::structure(&self.db, &s).await
    }

    pub async fn services(
        &self,
        caller: &Caller,
        structure: StructureId,
    ) -> Result<Vec<ServiceView>> {
        authorize(
            &caller.principal,
            Action::View(Scope::Structure { structure }),
        )
        .map_err(|_| AccountError::NotFound("structure"))?;
        Ok(self
            .db
            .services_of(structure)
            .await?
            .iter()
            .map(ServiceView::from)
            .collect())
    }

    async fn load_service(
        &self,
        caller: &Caller,
        structure: StructureId,
        id: ServiceId,
    ) -> Result<Service> {
        let scope = Scope::Service {
            structure,
            service: id,
        };
        authorize(&caller.principal, Action::View(scope))
            .map_err(|_| AccountError::NotFound("service"))?;
        self.db
            .service(id)
            .await?
            .filter(|s| s.structure == structure)
            .ok_or(AccountError::NotFound("service"))
    }

    pub async fn service(
        &self,
        caller: &Caller,
        structure: StructureId,
        id: ServiceId,
    ) -> Result<ServiceView> {
        Ok(ServiceView::from(
            &self.load_service(caller, structure, id).await?,
        ))
    }

    /// Adds a service (a routing code of the structure's establishments in the
    /// directory, or none) to a structure.
    pub async fn create_service(
        &self,
        caller: &Caller,
        structure: StructureId,
        name: &str,
        routing_code: Option<&str>,
    ) -> Result<ServiceView> {
        self.guard(
            caller,
            Action::ManageServices(structure),
            Scope::Structure { structure },
            "structure",
        )?;
        let s = self.load_structure(caller, structure).await?;
        let name = nonblank(name, "the name")?;
        let code = match routing_code {
            None => None,
            Some(c) => {
                let code = RoutingCode::parse(c.trim())
                    .map_err(|e| AccountError::Invalid(e.to_string()))?;
                if !self.db.directory_has_routing_code(&s.siren, &code).await? {
                    return Err(AccountError::Invalid(format!(
                        "routing code {code} is not in the directory for SIREN {}",
                        s.siren
                    )));
                }
                Some(code)
            }
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_service(structure, code.as_ref(), &name, now)
            .await?
            .ok_or_else(|| {
                AccountError::Invalid(
                    "this structure already has a service with this routing code".into(),
                )
            })?;
        tx.audit(
            Some(structure),
            &super::model::AuditEvent {
                at: now,
                actor: caller.principal.user,
                action: "create_service".into(),
                subject: format!("service {id} ({name})"),
                reason: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(ServiceView {
            id,
            structure,
            name,
            routing_code: code.map(|c| c.to_string()),
        })
    }

    // ----- requests and decisions -----

    /// A user asks to be attached to a structure (by SIREN) or one of its services
    /// (by routing code), or for extra rights on a scope they belong to.
    pub async fn create_request(
        &self,
        caller: &Caller,
        siren: &str,
        routing_code: Option<&str>,
        rights: &[String],
        comment: &str,
    ) -> Result<RequestView> {
        let user = Self::person(caller)?;
        let comment = nonblank(comment, "the comment")?;
        let siren = Siren::parse(siren.trim()).map_err(|e| AccountError::Invalid(e.to_string()))?;
        let structure = self
            .db
            .structure_by_siren(&siren)
            .await?
            .ok_or(AccountError::NotFound("structure"))?;
        let scope = match routing_code {
            None => Scope::Structure {
                structure: structure.id,
            },
            Some(c) => {
                let code = RoutingCode::parse(c.trim())
                    .map_err(|e| AccountError::Invalid(e.to_string()))?;
                let service = self
                    .db
                    .service_by_code(structure.id, &code)
                    .await?
                    .ok_or(AccountError::NotFound("service"))?;
                Scope::Service {
                    structure: structure.id,
                    service: service.id,
                }
            }
        };
        let member = authorize(&caller.principal, Action::View(scope)).is_ok();
        let kind = if rights.is_empty() {
            if member {
                return Err(AccountError::Invalid(
                    "you already belong to this structure or service".into(),
                ));
            }
            RequestKind::Attach { scope }
        } else {
            if !member {
                return Err(AccountError::Invalid(
                    "extra rights are asked for on a structure or service you belong to: ask to be attached first".into(),
                ));
            }
            let rights = rights
                .iter()
                .map(|r| Right::parse(r).ok_or_else(|| AccountError::Invalid(format!("unknown right {r:?}; expected one of submit_invoices, read_invoices, manage_directory, manage_users"))))
                .collect::<Result<BTreeSet<Right>>>()?;
            RequestKind::ExtraRights { scope, rights }
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let id = tx.insert_request(user.id, &kind, &comment, now).await?;
        tx.audit(
            Some(structure.id),
            &super::model::AuditEvent {
                at: now,
                actor: user.id,
                action: "request".into(),
                subject: format!("request {id}"),
                reason: None,
            },
        )
        .await?;
        tx.commit().await?;
        let request = self
            .db
            .request(id)
            .await?
            .ok_or(AccountError::NotFound("request"))?;
        views::request(&self.db, &request).await
    }

    /// The caller's own requests with their outcome and reason.
    pub async fn my_requests(&self, caller: &Caller) -> Result<Vec<RequestView>> {
        let user = Self::person(caller)?;
        let mut out = Vec::new();
        for r in self.db.requests_by(user.id).await? {
            out.push(views::request(&self.db, &r).await?);
        }
        Ok(out)
    }

    /// The pending requests the caller may decide: (total, one page, oldest first).
    pub async fn pending(
        &self,
        caller: &Caller,
        page: usize,
        per_page: usize,
    ) -> Result<(usize, Vec<RequestView>)> {
        Self::person(caller)?;
        let mut structures: BTreeSet<StructureId> = caller.principal.managed.clone();
        structures.extend(
            caller
                .principal
                .grants
                .iter()
                .filter(|g| g.rights.contains(&Right::ManageUsers))
                .map(|g| g.scope.structure()),
        );
        let mut decidable: Vec<Request> = Vec::new();
        for s in structures {
            decidable.extend(
                self.db
                    .pending_requests_in(s)
                    .await?
                    .into_iter()
                    .filter(|r| {
                        r.requester != caller.principal.user
                            && authorize(&caller.principal, Action::DecideRequests(r.kind.scope()))
                                .is_ok()
                    }),
            );
        }
        decidable.sort_by_key(|r| r.id);
        let total = decidable.len();
        let mut out = Vec::new();
        for r in decidable
            .iter()
            .skip(page.saturating_mul(per_page))
            .take(per_page)
        {
            out.push(views::request(&self.db, r).await?);
        }
        Ok((total, out))
    }

    async fn visible_request(&self, caller: &Caller, id: RequestId) -> Result<Request> {
        Self::person(caller)?;
        self.db
            .request(id)
            .await?
            .filter(|r| workflow::can_see(&caller.principal, r))
            .ok_or(AccountError::NotFound("request"))
    }

    pub async fn request(&self, caller: &Caller, id: RequestId) -> Result<RequestView> {
        let r = self.visible_request(caller, id).await?;
        views::request(&self.db, &r).await
    }

    /// Approves (the grant is effective at once) or refuses (reason mandatory): the
    /// request's state, the grant and the audit event commit together.
    pub async fn decide(
        &self,
        caller: &Caller,
        id: RequestId,
        decision: Decision,
    ) -> Result<RequestView> {
        let mut request = self.visible_request(caller, id).await?;
        let now = self.now();
        let (grant, event) = workflow::decide(&mut request, &caller.principal, decision, now)?;
        let mut tx = self.db.begin().await?;
        if !tx.decide_request(id, &request.state).await? {
            return Err(WorkflowError::AlreadyDecided.into());
        }
        if let Some(grant) = &grant {
            tx.add_grant(grant, now).await?;
        }
        tx.audit(Some(request.kind.scope().structure()), &event)
            .await?;
        tx.commit().await?;
        views::request(&self.db, &request).await
    }

    // ----- principal manager -----

    async fn member_by_email(&self, structure: StructureId, email: &str) -> Result<(UserId, bool)> {
        match self
            .db
            .user_by_email(&email_key(email))
            .await?
            .filter(|u| !u.disabled)
        {
            Some(u) => Ok((u.id, self.db.is_member(structure, u.id).await?)),
            None => Ok((0, false)),
        }
    }

    /// The principal manager hands the role to another user of the structure.
    pub async fn transfer_manager(
        &self,
        caller: &Caller,
        structure: StructureId,
        to_email: &str,
    ) -> Result<StructureView> {
        Self::person(caller)?;
        self.guard(
            caller,
            Action::TransferManager(structure),
            Scope::Structure { structure },
            "structure",
        )?;
        let mut s = self.load_structure(caller, structure).await?;
        let (to, member) = self.member_by_email(structure, to_email).await?;
        let event = workflow::transfer_manager(&mut s, &caller.principal, to, member, self.now())?;
        let mut tx = self.db.begin().await?;
        if !tx
            .replace_principal_manager(structure, caller.principal.user, to)
            .await?
        {
            return Err(AccountError::Invalid(
                "the principal manager changed meanwhile; reload".into(),
            ));
        }
        tx.audit(Some(structure), &event).await?;
        tx.commit().await?;
        let s = self
            .db
            .structure(structure)
            .await?
            .ok_or(AccountError::NotFound("structure"))?;
        views::structure(&self.db, &s).await
    }

    /// Support gives a structure whose manager is gone a new one, with a reason.
    pub async fn assign_manager(
        &self,
        caller: &Caller,
        structure: StructureId,
        to_email: &str,
        reason: &str,
    ) -> Result<StructureView> {
        authorize(&caller.principal, Action::AssignManager(structure))?;
        let mut s = self
            .db
            .structure(structure)
            .await?
            .ok_or(AccountError::NotFound("structure"))?;
        let (to, member) = self.member_by_email(structure, to_email).await?;
        let event =
            workflow::assign_manager(&mut s, &caller.principal, to, member, reason, self.now())?;
        let mut tx = self.db.begin().await?;
        if !tx.assign_principal_manager(structure, to).await? {
            return Err(WorkflowError::HasManager.into());
        }
        tx.audit(Some(structure), &event).await?;
        tx.commit().await?;
        let s = self
            .db
            .structure(structure)
            .await?
            .ok_or(AccountError::NotFound("structure"))?;
        views::structure(&self.db, &s).await
    }

    // ----- technical accounts -----

    fn technical_guard(&self, caller: &Caller, scope: TechnicalScope) -> Result<()> {
        match scope {
            TechnicalScope::Structure { structure } => self.guard(
                caller,
                Action::ManageTechnicalAccounts(scope),
                Scope::Structure { structure },
                "structure",
            ),
            TechnicalScope::Platform { .. } => {
                authorize(&caller.principal, Action::ManageTechnicalAccounts(scope))
                    .map_err(|_| AccountError::NotFound("platform"))
            }
        }
    }

    /// Creates a technical account; its token is returned here, once.
    pub async fn create_technical(
        &self,
        caller: &Caller,
        scope: TechnicalScope,
        name: &str,
    ) -> Result<(TechnicalView, Secret)> {
        Self::person(caller)?;
        self.technical_guard(caller, scope)?;
        let name = nonblank(name, "the name")?;
        if let TechnicalScope::Platform { matricule } = scope {
            let known = match Matricule::from_value(matricule) {
                Some(m) => self.db.platform(m).await?.is_some(),
                None => false,
            };
            if !known {
                return Err(AccountError::Invalid(format!(
                    "platform {matricule:04} is not registered"
                )));
            }
        }
        let token = tokens::generate(TECHNICAL_PREFIX)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_technical_account(
                &name,
                &tokens::digest(&token),
                scope,
                caller.principal.user,
                now,
            )
            .await?;
        tx.audit(
            views::structure_of(scope),
            &views::technical_event(caller, now, "create_technical_account", id),
        )
        .await?;
        tx.commit().await?;
        let account = self
            .db
            .technical_account(id)
            .await?
            .ok_or(AccountError::NotFound("technical account"))?;
        Ok((TechnicalView::from(&account), token))
    }

    pub async fn technical_accounts(
        &self,
        caller: &Caller,
        scope: TechnicalScope,
    ) -> Result<Vec<TechnicalView>> {
        Self::person(caller)?;
        self.technical_guard(caller, scope)?;
        Ok(self
            .db
            .technical_accounts_of(scope)
            .await?
            .iter()
            .map(TechnicalView::from)
            .collect())
    }

    async fn managed_technical(&self, caller: &Caller, id: i64) -> Result<TechnicalAccount> {
        Self::person(caller)?;
        let account = self
            .db
            .technical_account(id)
            .await?
            .ok_or(AccountError::NotFound("technical account"))?;
        authorize(
            &caller.principal,
            Action::ManageTechnicalAccounts(account.scope),
        )
        .map_err(|_| AccountError::NotFound("technical account"))?;
        Ok(account)
    }

    /// A new token for a live account; the old one stops working at once.
    pub async fn rotate_technical(
        &self,
        caller: &Caller,
        id: i64,
    ) -> Result<(TechnicalView, Secret)> {
        let account = self.managed_technical(caller, id).await?;
        let token = tokens::generate(TECHNICAL_PREFIX)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !tx
            .rotate_technical_account(id, &tokens::digest(&token), now)
            .await?
        {
            return Err(AccountError::Invalid(
                "this technical account is revoked".into(),
            ));
        }
        tx.audit(
            views::structure_of(account.scope),
            &views::technical_event(caller, now, "rotate_technical_account", id),
        )
        .await?;
        tx.commit().await?;
        let account = self
            .db
            .technical_account(id)
            .await?
            .ok_or(AccountError::NotFound("technical account"))?;
        Ok((TechnicalView::from(&account), token))
    }

    pub async fn revoke_technical(&self, caller: &Caller, id: i64) -> Result<TechnicalView> {
        let account = self.managed_technical(caller, id).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !tx.revoke_technical_account(id, now).await? {
            return Err(AccountError::Invalid(
                "this technical account is already revoked".into(),
            ));
        }
        tx.audit(
            views::structure_of(account.scope),
            &views::technical_event(caller, now, "revoke_technical_account", id),
        )
        .await?;
        tx.commit().await?;
        let account = self
            .db
            .technical_account(id)
            .await?
            .ok_or(AccountError::NotFound("technical account"))?;
        Ok(TechnicalView::from(&account))
    }

    // ----- audit -----

    /// One page of a structure's audit trail (newest first) and its total.
    pub async fn audit(
        &self,
        caller: &Caller,
        structure: StructureId,
        page: usize,
        per_page: usize,
    ) -> Result<(i64, Vec<AuditView>)> {
        Self::person(caller)?;
        self.guard(
            caller,
            Action::ReadAudit(structure),
            Scope::Structure { structure },
            "structure",
        )?;
        let (total, records) = self
            .db
            .audit_of(
                structure,
                per_page as i64,
                (page.saturating_mul(per_page)) as i64,
            )
            .await?;
        let mut out = Vec::new();
        for r in &records {
            out.push(views::audit(&self.db, r).await?);
        }
        Ok((total, out))
    }

    #[doc(hidden)]
    pub fn db(&self) -> &Db {
        &self.db
    }
}

/// Where a request stands, in answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pending,
    Approved,
    Refused,
}

impl From<&RequestState> for Outcome {
    fn from(s: &RequestState) -> Outcome {
        match s {
            RequestState::Pending => Outcome::Pending,
            RequestState::Approved { .. } => Outcome::Approved,
            RequestState::Refused { .. } => Outcome::Refused,
        }
    }
}

//! Accounts in SQL: users, sign-in lock-out state, sessions, structures and services,
//! grants, access requests, technical accounts, reset tokens and the audit trail.
//!
//! Reads are on [`Db`]; every write is on [`Tx`], so that a decision touching several
//! rows (approve = request state + grant + audit event) commits or fails as one.
//! Conditional updates (`… WHERE state = 'pending'`) return whether they applied, so
//! two concurrent decisions cannot both succeed, on either backend.

use std::collections::{BTreeMap, BTreeSet};

use super::lines::Cells;
use super::{Db, Result, StorageError, Tx, with_pool, with_tx};
use crate::accounts::lockout::SignInState;
use crate::accounts::model::{
    AuditEvent, Grant, Request, RequestId, RequestKind, RequestState, Right, Scope, Service,
    ServiceId, Structure, StructureId, TechnicalScope, UserId,
};
use crate::accounts::time::Instant;
use crate::accounts::tokens::ResetToken;
use crate::identifiers::{RoutingCode, Siren, Siret};

/// A user as stored (the password only as its Argon2id hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    pub email: String,
    pub password_hash: String,
    pub admin: bool,
    pub disabled: bool,
}

/// A technical account as stored (the token only as its digest, never returned).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TechnicalAccount {
    pub id: i64,
    pub name: String,
    pub scope: TechnicalScope,
    pub created_by: UserId,
    pub created_at: Instant,
    pub rotated_at: Option<Instant>,
    pub revoked_at: Option<Instant>,
}

/// One audit event with where it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub structure: Option<StructureId>,
    pub event: AuditEvent,
}

fn corrupt(what: impl Into<String>) -> StorageError {
    StorageError::Corrupt(what.into())
}

fn user_from<R: Cells>(row: &R) -> Result<UserRecord> {
    Ok(UserRecord {
        id: row.i64("id")?,
        email: row.text("email")?,
        password_hash: row.text("password_hash")?,
        admin: row.boolean("admin")?,
        disabled: row.opt_i64("disabled_at")?.is_some(),
    })
}

fn structure_from<R: Cells>(row: &R) -> Result<Structure> {
    let siren = row.text("siren")?;
    Ok(Structure {
        id: row.i64("id")?,
        siren: Siren::parse(&siren).map_err(|e| corrupt(format!("structure siren: {e}")))?,
        siret: row
            .opt_text("siret")?
            .map(|s| Siret::parse(&s).map_err(|e| corrupt(format!("structure siret: {e}"))))
            .transpose()?,
        name: row.text("name")?,
        // A disabled manager is gone: the structure waits for support to assign one.
        principal_manager: match row.opt_i64("manager_disabled_at")? {
            Some(_) => None,
            None => Some(row.i64("principal_manager")?),
        },
    })
}

fn service_from<R: Cells>(row: &R) -> Result<Service> {
    Ok(Service {
        id: row.i64("id")?,
        structure: row.i64("structure_id")?,
        routing_code: row
            .opt_text("routing_code")?
            .map(|c| RoutingCode::parse(&c).map_err(|e| corrupt(format!("routing code: {e}"))))
            .transpose()?,
        name: row.text("name")?,
    })
}

fn scope_of(structure: StructureId, service: Option<ServiceId>) -> Scope {
    match service {
        Some(service) => Scope::Service { structure, service },
        None => Scope::Structure { structure },
    }
}

fn service_of(scope: Scope) -> Option<ServiceId> {
    match scope {
        Scope::Structure { .. } => None,
        Scope::Service { service, .. } => Some(service),
    }
}

fn rights_text(rights: &BTreeSet<Right>) -> String {
    rights
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn rights_from(text: &str) -> Result<BTreeSet<Right>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| Right::parse(s).ok_or_else(|| corrupt(format!("right {s:?}"))))
        .collect()
}

fn request_from<R: Cells>(row: &R) -> Result<Request> {
    let scope = scope_of(row.i64("structure_id")?, row.opt_i64("service_id")?);
    let kind = match row.text("kind")?.as_str() {
        "attach" => RequestKind::Attach { scope },
        "extra_rights" => RequestKind::ExtraRights {
            scope,
            rights: rights_from(&row.text("rights")?)?,
        },
        other => return Err(corrupt(format!("request kind {other:?}"))),
    };
    let decided = || -> Result<(UserId, Instant)> {
        Ok((
            row.opt_i64("decided_by")?
                .ok_or_else(|| corrupt("decided request without approver"))?,
            Instant(
                row.opt_i64("decided_at")?
                    .ok_or_else(|| corrupt("decided request without date"))?,
            ),
        ))
    };
    let state = match row.text("state")?.as_str() {
        "pending" => RequestState::Pending,
        "approved" => {
            let (by, at) = decided()?;
            RequestState::Approved { by, at }
        }
        "refused" => {
            let (by, at) = decided()?;
            RequestState::Refused {
                by,
                at,
                reason: row.opt_text("reason")?.unwrap_or_default(),
            }
        }
        other => return Err(corrupt(format!("request state {other:?}"))),
    };
    Ok(Request {
        id: row.i64("id")?,
        requester: row.i64("requester")?,
        kind,
        comment: row.text("comment")?,
        created_at: Instant(row.i64("created_at")?),
        state,
    })
}

fn technical_from<R: Cells>(row: &R) -> Result<TechnicalAccount> {
    let scope = match (row.opt_i64("structure_id")?, row.opt_i32("matricule")?) {
        (Some(structure), None) => TechnicalScope::Structure { structure },
        (None, Some(m)) => TechnicalScope::Platform {
            matricule: u16::try_from(m).map_err(|_| corrupt(format!("matricule {m}")))?,
        },
        _ => return Err(corrupt("technical account without exactly one scope")),
    };
    Ok(TechnicalAccount {
        id: row.i64("id")?,
        name: row.text("name")?,
        scope,
        created_by: row.i64("created_by")?,
        created_at: Instant(row.i64("created_at")?),
        rotated_at: row.opt_i64("rotated_at")?.map(Instant),
        revoked_at: row.opt_i64("revoked_at")?.map(Instant),
    })
}

fn audit_from<R: Cells>(row: &R) -> Result<AuditRecord> {
    Ok(AuditRecord {
        id: row.i64("id")?,
        structure: row.opt_i64("structure_id")?,
        event: AuditEvent {
            at: Instant(row.i64("at")?),
            actor: row.i64("actor")?,
            action: row.text("action")?,
            subject: row.text("subject")?,
            reason: row.opt_text("reason")?,
        },
    })
}

const USER: &str = "SELECT id, email, password_hash, admin, disabled_at FROM acc_users";
const STRUCTURE: &str = "SELECT s.id, s.siren, s.siret, s.name, s.principal_manager, u.disabled_at AS manager_disabled_at \
                         FROM acc_structures s JOIN acc_users u ON u.id = s.principal_manager";
const SERVICE: &str = "SELECT id, structure_id, routing_code, name FROM acc_services";
const REQUEST: &str = "SELECT id, requester, kind, structure_id, service_id, rights, comment, state, decided_by, decided_at, reason, created_at FROM acc_requests";
const TECHNICAL: &str = "SELECT id, name, structure_id, matricule, created_by, created_at, rotated_at, revoked_at FROM acc_technical_accounts";

/// Reads.
impl Db {
    pub async fn user_by_email(&self, email_key: &str) -> Result<Option<UserRecord>> {
        let sql = format!("{USER} WHERE email_key = $1");
        with_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(email_key).fetch_optional(p).await?;
            row.as_ref().map(user_from).transpose()
        })
    }

    pub async fn user_by_id(&self, id: UserId) -> Result<Option<UserRecord>> {
        let sql = format!("{USER} WHERE id = $1");
        with_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?;
            row.as_ref().map(user_from).transpose()
        })
    }

    pub async fn sign_in_state(&self, email_key: &str) -> Result<SignInState> {
        with_pool!(self, p => {
            let row = sqlx::query("SELECT failures, locked_until FROM acc_sign_in WHERE email_key = $1")
                .bind(email_key)
                .fetch_optional(p)
                .await?;
            Ok(match row {
                None => SignInState::default(),
                Some(row) => SignInState {
                    failures: u32::try_from(row.i32("failures")?).map_err(|_| corrupt("negative failure count"))?,
                    locked_until: row.opt_i64("locked_until")?.map(Instant),
                },
            })
        })
    }

    /// The user of a live session (unexpired, user not disabled).
    pub async fn session_user(&self, digest: &str, now: Instant) -> Result<Option<UserId>> {
        with_pool!(self, p => {
            let row = sqlx::query("SELECT s.user_id FROM acc_sessions s JOIN acc_users u ON u.id = s.user_id \
                                   WHERE s.token_digest = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL")
                .bind(digest)
                .bind(now.0)
                .fetch_optional(p)
                .await?;
            row.as_ref().map(|r| r.i64("user_id")).transpose()
        })
    }

    /// A user's grants, one per scope with all its rights.
    pub async fn grants_of(&self, user: UserId) -> Result<Vec<Grant>> {
        with_pool!(self, p => {
            let rows = sqlx::query("SELECT structure_id, service_id, right_name FROM acc_grants WHERE user_id = $1")
                .bind(user)
                .fetch_all(p)
                .await?;
            let mut by_scope: BTreeMap<Scope, BTreeSet<Right>> = BTreeMap::new();
            for row in &rows {
                let scope = scope_of(row.i64("structure_id")?, row.opt_i64("service_id")?);
                let name = row.text("right_name")?;
                let right = Right::parse(&name).ok_or_else(|| corrupt(format!("right {name:?}")))?;
                by_scope.entry(scope).or_default().insert(right);
            }
            Ok(by_scope
                .into_iter()
                .map(|(scope, rights)| Grant { user, scope, rights })
                .collect())
        })
    }

    /// The structures whose principal manager `user` is.
    pub async fn managed_by(&self, user: UserId) -> Result<BTreeSet<StructureId>> {
        with_pool!(self, p => {
            let rows = sqlx::query("SELECT id FROM acc_structures WHERE principal_manager = $1")
                .bind(user)
                .fetch_all(p)
                .await?;
            rows.iter().map(|r| r.i64("id")).collect()
        })
    }

    pub async fn structure(&self, id: StructureId) -> Result<Option<Structure>> {
        let sql = format!("{STRUCTURE} WHERE s.id = $1");
        with_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?;
            row.as_ref().map(structure_from).transpose()
        })
    }

    pub async fn structure_by_siren(&self, siren: &Siren) -> Result<Option<Structure>> {
        let sql = format!("{STRUCTURE} WHERE s.siren = $1");
        with_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(siren.to_string()).fetch_optional(p).await?;
            row.as_ref().map(structure_from).transpose()
        })
    }

    /// Whether `user` belongs to the structure: its principal manager, or a grant on it
    /// or on one of its services.
    pub async fn is_member(&self, structure: StructureId, user: UserId) -> Result<bool> {
        with_pool!(self, p => {
            let row = sqlx::query("SELECT (SELECT COUNT(*) FROM acc_grants WHERE structure_id = $1 AND user_id = $2) \
                                        + (SELECT COUNT(*) FROM acc_structures WHERE id = $1 AND principal_manager = $2) AS n")
                .bind(structure)
                .bind(user)
                .fetch_one(p)
                .await?;
            Ok(row.i64("n")? > 0)
        })
    }

    pub async fn service(&self, id: ServiceId) -> Result<Option<Service>> {
        let sql = format!("{SERVICE} WHERE id = $1");
        with_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?;
            row.as_ref().map(service_from).transpose()
        })
    }

    pub async fn services_of(&self, structure: StructureId) -> Result<Vec<Service>> {
        let sql = format!("{SERVICE} WHERE structure_id = $1 ORDER BY id");
        with_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(structure).fetch_all(p).await?;
            rows.iter().map(service_from).collect()
        })
    }

    pub async fn service_by_code(
        &self,
        structure: StructureId,
        code: &RoutingCode,
    ) -> Result<Option<Service>> {
        let sql = format!("{SERVICE} WHERE structure_id = $1 AND routing_code = $2");
        with_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(structure).bind(code.to_string()).fetch_optional(p).await?;
            row.as_ref().map(service_from).transpose()
        })
    }

    /// Whether the directory knows `code` for an establishment of `siren`.
    pub async fn directory_has_routing_code(
        &self,
        siren: &Siren,
        code: &RoutingCode,
    ) -> Result<bool> {
        with_pool!(self, p => {
            let row = sqlx::query("SELECT COUNT(*) AS n FROM routing_codes WHERE code = $1 AND siret >= $2 AND siret < $3")
                .bind(code.to_string())
                .bind(siren.to_string())
                .bind(format!("{siren}~"))
                .fetch_one(p)
                .await?;
            Ok(row.i64("n")? > 0)
        })
    }

    pub async fn request(&self, id: RequestId) -> Result<Option<Request>> {
        let sql = format!("{REQUEST} WHERE id = $1");
        with_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?;
            row.as_ref().map(request_from).transpose()
        })
    }

    /// A user's own requests, newest first.
    pub async fn requests_by(&self, user: UserId) -> Result<Vec<Request>> {
        let sql = format!("{REQUEST} WHERE requester = $1 ORDER BY id DESC");
        with_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user).fetch_all(p).await?;
            rows.iter().map(request_from).collect()
        })
    }

    /// The pending requests on one structure (and its services), oldest first.
    pub async fn pending_requests_in(&self, structure: StructureId) -> Result<Vec<Request>> {
        let sql = format!("{REQUEST} WHERE structure_id = $1 AND state = 'pending' ORDER BY id");
        with_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(structure).fetch_all(p).await?;
            rows.iter().map(request_from).collect()
        })
    }

    /// A technical account by its token's digest, unless revoked.
    pub async fn technical_by_digest(&self, digest: &str) -> Result<Option<TechnicalAccount>> {
        let sql = format!("{TECHNICAL} WHERE token_digest = $1 AND revoked_at IS NULL");
        with_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(digest).fetch_optional(p).await?;
            row.as_ref().map(technical_from).transpose()
        })
    }

    pub async fn technical_account(&self, id: i64) -> Result<Option<TechnicalAccount>> {
        let sql = format!("{TECHNICAL} WHERE id = $1");
        with_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?;
            row.as_ref().map(technical_from).transpose()
        })
    }

    /// The technical accounts of one scope, revoked ones included (for the record).
    pub async fn technical_accounts_of(
        &self,
        scope: TechnicalScope,
    ) -> Result<Vec<TechnicalAccount>> {
        let (sql, value) = match scope {
            TechnicalScope::Structure { structure } => (
                format!("{TECHNICAL} WHERE structure_id = $1 ORDER BY id"),
                structure,
            ),
            TechnicalScope::Platform { matricule } => (
                format!("{TECHNICAL} WHERE matricule = $1 ORDER BY id"),
                i64::from(matricule),
            ),
        };
        with_pool!(self, p => {
            let rows = match scope {
                TechnicalScope::Structure { .. } => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(value).fetch_all(p).await?,
                TechnicalScope::Platform { .. } => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(value as i32).fetch_all(p).await?,
            };
            rows.iter().map(technical_from).collect()
        })
    }

    /// A reset token by digest, with its user.
    pub async fn reset_token(&self, digest: &str) -> Result<Option<(UserId, ResetToken)>> {
        with_pool!(self, p => {
            let row = sqlx::query("SELECT user_id, token_digest, expires_at, used FROM acc_reset_tokens WHERE token_digest = $1")
                .bind(digest)
                .fetch_optional(p)
                .await?;
            row.map(|r| -> Result<_> {
                Ok((r.i64("user_id")?, ResetToken {
                    digest: r.text("token_digest")?,
                    expires_at: Instant(r.i64("expires_at")?),
                    used: r.boolean("used")?,
                }))
            }).transpose()
        })
    }

    /// One page of a structure's audit trail, newest first, and the total count.
    pub async fn audit_of(
        &self,
        structure: StructureId,
        limit: i64,
        offset: i64,
    ) -> Result<(i64, Vec<AuditRecord>)> {
        with_pool!(self, p => {
            let total = sqlx::query("SELECT COUNT(*) AS n FROM acc_audit WHERE structure_id = $1")
                .bind(structure)
                .fetch_one(p)
                .await?
                .i64("n")?;
            let rows = sqlx::query("SELECT id, at, actor, action, structure_id, subject, reason FROM acc_audit \
                                    WHERE structure_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3")
                .bind(structure)
                .bind(limit)
                .bind(offset)
                .fetch_all(p)
                .await?;
            Ok((total, rows.iter().map(audit_from).collect::<Result<Vec<_>>>()?))
        })
    }
}

/// Writes, inside a transaction.
impl Tx {
    /// Creates a user; `None` if the (lower-cased) email is taken.
    pub async fn insert_user(
        &mut self,
        email: &str,
        email_key: &str,
        password_hash: &str,
        admin: bool,
        now: Instant,
    ) -> Result<Option<UserId>> {
        with_tx!(self, c => {
            let row = sqlx::query("INSERT INTO acc_users (email, email_key, password_hash, admin, created_at) \
                                   VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id")
                .bind(email)
                .bind(email_key)
                .bind(password_hash)
                .bind(admin)
                .bind(now.0)
                .fetch_optional(c)
                .await?;
            row.as_ref().map(|r| r.i64("id")).transpose()
        })
    }

    pub async fn set_admin(&mut self, user: UserId, admin: bool) -> Result<()> {
        with_tx!(self, c => sqlx::query("UPDATE acc_users SET admin = $2 WHERE id = $1").bind(user).bind(admin).execute(c).await?.rows_affected());
        Ok(())
    }

    pub async fn set_password(&mut self, user: UserId, password_hash: &str) -> Result<()> {
        with_tx!(self, c => sqlx::query("UPDATE acc_users SET password_hash = $2 WHERE id = $1").bind(user).bind(password_hash).execute(c).await?.rows_affected());
        Ok(())
    }

    /// Disables a user and ends its sessions; whether it was active.
    pub async fn disable_user(&mut self, user: UserId, now: Instant) -> Result<bool> {
        with_tx!(self, c => {
            let done = sqlx::query("UPDATE acc_users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL")
                .bind(user).bind(now.0).execute(&mut *c).await?;
            sqlx::query("DELETE FROM acc_sessions WHERE user_id = $1").bind(user).execute(c).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    pub async fn save_sign_in_state(&mut self, email_key: &str, state: SignInState) -> Result<()> {
        with_tx!(self, c => sqlx::query("INSERT INTO acc_sign_in (email_key, failures, locked_until) VALUES ($1, $2, $3) \
                                         ON CONFLICT (email_key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until")
            .bind(email_key)
            .bind(i32::try_from(state.failures).unwrap_or(i32::MAX))
            .bind(state.locked_until.map(|i| i.0))
            .execute(c)
            .await?.rows_affected());
        Ok(())
    }

    pub async fn clear_sign_in_state(&mut self, email_key: &str) -> Result<()> {
        with_tx!(self, c => sqlx::query("DELETE FROM acc_sign_in WHERE email_key = $1").bind(email_key).execute(c).await?.rows_affected());
        Ok(())
    }

    pub async fn insert_session(
        &mut self,
        digest: &str,
        user: UserId,
        now: Instant,
        expires_at: Instant,
    ) -> Result<()> {
        with_tx!(self, c => sqlx::query("INSERT INTO acc_sessions (token_digest, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(digest).bind(user).bind(now.0).bind(expires_at.0).execute(c).await?.rows_affected());
        Ok(())
    }

    pub async fn delete_session(&mut self, digest: &str) -> Result<()> {
        with_tx!(self, c => sqlx::query("DELETE FROM acc_sessions WHERE token_digest = $1").bind(digest).execute(c).await?.rows_affected());
        Ok(())
    }

    pub async fn delete_sessions_of(&mut self, user: UserId) -> Result<()> {
        with_tx!(self, c => sqlx::query("DELETE FROM acc_sessions WHERE user_id = $1").bind(user).execute(c).await?.rows_affected());
        Ok(())
    }

    /// Registers a structure; `None` if its SIREN already is.
    pub async fn insert_structure(
        &mut self,
        siren: &Siren,
        siret: Option<&Siret>,
        name: &str,
        manager: UserId,
        now: Instant,
    ) -> Result<Option<StructureId>> {
        with_tx!(self, c => {
            let row = sqlx::query("INSERT INTO acc_structures (siren, siret, name, principal_manager, created_at) \
                                   VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id")
                .bind(siren.to_string())
                .bind(siret.map(|s| s.to_string()))
                .bind(name)
                .bind(manager)
                .bind(now.0)
                .fetch_optional(c)
                .await?;
            row.as_ref().map(|r| r.i64("id")).transpose()
        })
    }

    /// Hands the role from `from` to `to`; false if `from` no longer holds it (a
    /// concurrent change won).
    pub async fn replace_principal_manager(
        &mut self,
        structure: StructureId,
        from: UserId,
        to: UserId,
    ) -> Result<bool> {
        with_tx!(self, c => {
            let done = sqlx::query("UPDATE acc_structures SET principal_manager = $3 WHERE id = $1 AND principal_manager = $2")
                .bind(structure).bind(from).bind(to).execute(c).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Gives a structure whose manager is gone (disabled) a new one; false if the
    /// structure still has an active manager.
    pub async fn assign_principal_manager(
        &mut self,
        structure: StructureId,
        to: UserId,
    ) -> Result<bool> {
        with_tx!(self, c => {
            let done = sqlx::query("UPDATE acc_structures SET principal_manager = $2 WHERE id = $1 \
                                    AND principal_manager IN (SELECT id FROM acc_users WHERE disabled_at IS NOT NULL)")
                .bind(structure).bind(to).execute(c).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Creates a service; `None` if the structure already has one with that code.
    pub async fn insert_service(
        &mut self,
        structure: StructureId,
        code: Option<&RoutingCode>,
        name: &str,
        now: Instant,
    ) -> Result<Option<ServiceId>> {
        with_tx!(self, c => {
            let row = sqlx::query("INSERT INTO acc_services (structure_id, routing_code, name, created_at) \
                                   VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id")
                .bind(structure)
                .bind(code.map(|c| c.to_string()))
                .bind(name)
                .bind(now.0)
                .fetch_optional(c)
                .await?;
            row.as_ref().map(|r| r.i64("id")).transpose()
        })
    }

    /// Adds a grant's rights (rights already held stay as they are).
    pub async fn add_grant(&mut self, grant: &Grant, now: Instant) -> Result<()> {
        for right in &grant.rights {
            with_tx!(self, c => sqlx::query("INSERT INTO acc_grants (user_id, structure_id, service_id, right_name, granted_at) \
                                             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
                .bind(grant.user)
                .bind(grant.scope.structure())
                .bind(service_of(grant.scope))
                .bind(right.as_str())
                .bind(now.0)
                .execute(c)
                .await?.rows_affected());
        }
        Ok(())
    }

    pub async fn insert_request(
        &mut self,
        requester: UserId,
        kind: &RequestKind,
        comment: &str,
        now: Instant,
    ) -> Result<RequestId> {
        let (name, rights) = match kind {
            RequestKind::Attach { .. } => ("attach", String::new()),
            RequestKind::ExtraRights { rights, .. } => ("extra_rights", rights_text(rights)),
        };
        let scope = kind.scope();
        with_tx!(self, c => {
            let row = sqlx::query("INSERT INTO acc_requests (requester, kind, structure_id, service_id, rights, comment, state, created_at) \
                                   VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) RETURNING id")
                .bind(requester)
                .bind(name)
                .bind(scope.structure())
                .bind(service_of(scope))
                .bind(rights)
                .bind(comment)
                .bind(now.0)
                .fetch_one(c)
                .await?;
            row.i64("id")
        })
    }

    /// Records a decision on a request that is still pending; false if it no longer is.
    pub async fn decide_request(&mut self, id: RequestId, state: &RequestState) -> Result<bool> {
        let (name, by, at, reason) = match state {
            RequestState::Pending => return Err(corrupt("a decision cannot be pending")),
            RequestState::Approved { by, at } => ("approved", *by, *at, None),
            RequestState::Refused { by, at, reason } => ("refused", *by, *at, Some(reason.clone())),
        };
        with_tx!(self, c => {
            let done = sqlx::query("UPDATE acc_requests SET state = $2, decided_by = $3, decided_at = $4, reason = $5 \
                                    WHERE id = $1 AND state = 'pending'")
                .bind(id).bind(name).bind(by).bind(at.0).bind(reason).execute(c).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    pub async fn insert_technical_account(
        &mut self,
        name: &str,
        digest: &str,
        scope: TechnicalScope,
        by: UserId,
        now: Instant,
    ) -> Result<i64> {
        let (structure, matricule) = match scope {
            TechnicalScope::Structure { structure } => (Some(structure), None),
            TechnicalScope::Platform { matricule } => (None, Some(i32::from(matricule))),
        };
        with_tx!(self, c => {
            let row = sqlx::query("INSERT INTO acc_technical_accounts (name, token_digest, structure_id, matricule, created_by, created_at) \
                                   VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(name).bind(digest).bind(structure).bind(matricule).bind(by).bind(now.0)
                .fetch_one(c)
                .await?;
            row.i64("id")
        })
    }

    /// Replaces a live account's token; false if it is revoked.
    pub async fn rotate_technical_account(
        &mut self,
        id: i64,
        digest: &str,
        now: Instant,
    ) -> Result<bool> {
        with_tx!(self, c => {
            let done = sqlx::query("UPDATE acc_technical_accounts SET token_digest = $2, rotated_at = $3 WHERE id = $1 AND revoked_at IS NULL")
                .bind(id).bind(digest).bind(now.0).execute(c).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Revokes a live account; false if it already was.
    pub async fn revoke_technical_account(&mut self, id: i64, now: Instant) -> Result<bool> {
        with_tx!(self, c => {
            let done = sqlx::query("UPDATE acc_technical_accounts SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(id).bind(now.0).execute(c).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    pub async fn insert_reset_token(&mut self, user: UserId, token: &ResetToken) -> Result<()> {
        with_tx!(self, c => sqlx::query("INSERT INTO acc_reset_tokens (token_digest, user_id, expires_at, used) VALUES ($1, $2, $3, FALSE)")
            .bind(&token.digest).bind(user).bind(token.expires_at.0).execute(c).await?.rows_affected());
        Ok(())
    }

    /// Marks a reset token used; false if it already was (single use, even when two
    /// redemptions race).
    pub async fn use_reset_token(&mut self, digest: &str) -> Result<bool> {
        with_tx!(self, c => {
            let done = sqlx::query("UPDATE acc_reset_tokens SET used = TRUE WHERE token_digest = $1 AND used = FALSE")
                .bind(digest).execute(c).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Appends to the audit trail (there is no update or delete of it).
    pub async fn audit(
        &mut self,
        structure: Option<StructureId>,
        event: &AuditEvent,
    ) -> Result<()> {
        with_tx!(self, c => sqlx::query("INSERT INTO acc_audit (at, actor, action, structure_id, subject, reason) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(event.at.0)
            .bind(event.actor)
            .bind(&event.action)
            .bind(structure)
            .bind(&event.subject)
            .bind(&event.reason)
            .execute(c)
            .await?.rows_affected());
        Ok(())
    }
}

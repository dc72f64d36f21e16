//! Users, sign-in and lock-out, sessions, password reset, `me`.

use super::*;

impl Accounts {
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
            &AuditEvent {
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
                &AuditEvent {
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
}

//! Technical accounts, and the audit trail.

use super::*;

impl Accounts {
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
}

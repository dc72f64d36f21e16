//! Structures and services, and the principal manager (hand-over by the manager, assignment by support).

use super::*;

impl Accounts {
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
            &AuditEvent {
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
            &AuditEvent {
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
}

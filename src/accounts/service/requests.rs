//! Access requests and their decisions.

use super::*;

impl Accounts {
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
            &AuditEvent {
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
}

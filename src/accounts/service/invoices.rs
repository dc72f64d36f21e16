//! The invoices a person follows: the hub's invoices of the structures and services
//! the caller may read (decided by `policy::visible_invoices`, filtered in SQL), their
//! status history, findings and original document. What the caller may not see
//! answers "not found", exactly like an invoice that does not exist.

use super::*;
use crate::accounts::policy::{ScopeIds, Visible, visible_invoices};
use crate::storage::search::Page;
use crate::storage::{InvoiceFilter, InvoiceRecord, StatusRecord};

/// One invoice as its reader sees it, with its history (oldest first).
#[derive(Clone, Debug)]
pub struct MyInvoice {
    pub record: InvoiceRecord,
    pub history: Vec<StatusRecord>,
}

impl Accounts {
    /// What `caller` may see of the hub's invoices.
    pub async fn invoice_visibility(&self, caller: &Caller) -> Result<Vec<Visible>> {
        let mut scopes = Vec::new();
        for scope in caller.principal.readable_scopes() {
            let Some(structure) = self.db.structure(scope.structure()).await? else {
                continue;
            };
            let routing_code = match scope {
                Scope::Structure { .. } => None,
                Scope::Service { service, .. } => {
                    match self.db.service(service).await? {
                        // A service is only ever its own structure's.
                        Some(s) if s.structure == structure.id => s.routing_code,
                        _ => continue,
                    }
                }
            };
            scopes.push(ScopeIds {
                scope,
                siren: structure.siren,
                routing_code,
            });
        }
        Ok(visible_invoices(&caller.principal, &scopes))
    }

    /// A page of the caller's invoices matching `filter`, newest first, and the total.
    pub async fn my_invoices(
        &self,
        caller: &Caller,
        filter: &InvoiceFilter,
        page: Page,
    ) -> Result<(i64, Vec<InvoiceRecord>)> {
        let visible = self.invoice_visibility(caller).await?;
        Ok(self.db.visible_invoices(&visible, filter, page).await?)
    }

    /// One of the caller's invoices with its history.
    pub async fn my_invoice(&self, caller: &Caller, id: &str) -> Result<MyInvoice> {
        let visible = self.invoice_visibility(caller).await?;
        let record = self
            .db
            .visible_invoice(&visible, id)
            .await?
            .ok_or(AccountError::NotFound("invoice"))?;
        let history = self.db.statuses(&record.id).await?;
        Ok(MyInvoice { record, history })
    }

    /// The original document of one of the caller's invoices, and its syntax.
    pub async fn my_invoice_document(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<(InvoiceRecord, Vec<u8>)> {
        let visible = self.invoice_visibility(caller).await?;
        let record = self
            .db
            .visible_invoice(&visible, id)
            .await?
            .ok_or(AccountError::NotFound("invoice"))?;
        let bytes = self
            .db
            .document(&record.sha256)
            .await?
            .ok_or(AccountError::NotFound("invoice"))?;
        Ok((record, bytes))
    }
}

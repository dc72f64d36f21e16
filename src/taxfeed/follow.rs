//! The hub feeds the tax feed: a follower reads the hub's status records after its
//! durable cursor, a page at a time, and turns each into what the tax administration
//! is owed, then stores all of it and moves the cursor in one transaction
//! (`storage::taxfeed::follow`). The hub's submission path is untouched: nothing is
//! lost if facteur stops between the hub's commit and the follower's, since the
//! follower starts again from its cursor.
//!
//! What a status record gives ([`extract`]):
//! - 200 of a domestic B2B invoice: its F1 file per configured profile and its F6 200;
//! - 200 of an international B2B invoice: a 10.1 record (F10) filed under the seller
//!   (or, for a purchase from abroad, the buyer) and the period of its operation date;
//! - 200 of a B2C invoice: a B2C transaction record, summed per day, currency and
//!   category with per-rate subtotals when its period is transmitted (10.3);
//! - 210, 212 (when the VAT is due on payment) and 213 of a domestic B2B invoice:
//!   the F6 message;
//! - any other status, and out-of-scope or archive-only invoices: nothing.
//!
//! What cannot be extracted (an F1 the PPF would reject, a 210 without a reason) is
//! kept as a problem next to the cursor rather than blocking the follower forever.
//! The documents are read back with [`crate::ingest::read_invoice`] (the reader and
//! the mapping, not the rules: the hub already validated them).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;

use super::ereporting::{Filed, RecordBody, parse_regime};
use super::f1::{self, F1Syntax, Profile};
use super::f6::{self, CollectedAmount, InvoiceRef, StatusEvent};
use super::f10::{self, DataKind, F10Invoice, Role, VatRegime};
use super::flow::FlowObject;
use super::scope::{ProcessingType, processing_type};
use super::service::{FeedError, TaxFeed, check_object};
use super::{Instant, Platform};
use crate::identifiers::Siren;
use crate::ingest::report::Syntax;
use crate::invoice::{Invoice, scheme};
use crate::lifecycle::Status;
use crate::storage::taxfeed::{
    Cursor, FollowProblem, FollowWrite, FollowedStatus, NewRecord, StoredDeclarant,
};
use crate::xml::Limits;

/// The follower's name in `taxfeed_cursors`.
pub const HUB: &str = "hub";

/// What the extraction needs besides the page.
#[derive(Clone, Debug)]
pub struct ExtractContext {
    pub platform: Platform,
    pub f1_profiles: Vec<Profile>,
    /// The regime of a declarant the feed has not been told about.
    pub default_regime: VatRegime,
    /// Declarants the feed knows, by SIREN (their regimes set their periods).
    pub declarants: HashMap<String, StoredDeclarant>,
}

/// What [`TaxFeed::follow`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FollowStats {
    /// Status records read (mandatory or not).
    pub followed: u64,
    pub objects: u64,
    pub records: u64,
    pub problems: u64,
    pub pages: u64,
    /// Another instance holds the follower.
    pub leased_elsewhere: bool,
}

/// Everything one page of status records gives, and the cursor after it.
pub fn extract(page: &[FollowedStatus], from: Cursor, cx: &ExtractContext) -> FollowWrite {
    let mut write = FollowWrite {
        from,
        to: page.last().map_or(from, |s| s.at),
        followed: page.len() as u64,
        ..FollowWrite::default()
    };
    for status in page {
        if let Err(problem) = extract_one(status, cx, &mut write) {
            write.problems.push(FollowProblem {
                status_id: status.at.status_id,
                invoice_id: status.invoice_id.clone(),
                status: status.status,
                problem,
            });
        }
    }
    write
}

fn mandatory(code: u16) -> Option<Status> {
    Status::try_from(code)
        .ok()
        .filter(|s| s.mandatory_for_tax_administration())
}

/// One status record; an `Err` is the problem to keep.
fn extract_one(
    status: &FollowedStatus,
    cx: &ExtractContext,
    write: &mut FollowWrite,
) -> Result<(), String> {
    let Some(code) = mandatory(status.status) else {
        return Ok(());
    };
    let document = status
        .document
        .as_deref()
        .ok_or("the invoice's document is missing")?;
    let (invoice, syntax) = crate::ingest::read_invoice(document, &Limits::default())
        .map_err(|e| format!("document unreadable: {e}"))?;
    let at = Instant::parse(&status.recorded_at)
        .ok_or_else(|| format!("status time {:?} unreadable", status.recorded_at))?;
    let kind = processing_type(&invoice).map_err(|e| e.to_string())?;
    let source = format!("hub:{}", status.invoice_id);
    let mut problems = Vec::new();
    match (code, kind) {
        (Status::Deposited, ProcessingType::B2B) => {
            let f1_syntax = match syntax {
                Syntax::Ubl => F1Syntax::Ubl,
                _ => F1Syntax::Cii,
            };
            for profile in &cx.f1_profiles {
                match f1::extract(&invoice, f1_syntax, *profile) {
                    Ok(file) => push(write, status, FlowObject::f1(file, Some(at)), &source)?,
                    Err(e) => problems.push(format!("F1 {profile}: {e}")),
                }
            }
            if let Err(e) = status_message(status, code, at, &invoice, cx, write, &source) {
                problems.push(e);
            }
        }
        (Status::Deposited, ProcessingType::B2BInt) => {
            let f10 = F10Invoice::from_invoice(&invoice).map_err(|e| e.to_string())?;
            let (siren, name, role) = international_declarant(&invoice)?;
            let body = RecordBody::Invoice {
                invoice_id: status.invoice_id.clone(),
                sha256: status.sha256.clone(),
            };
            file(
                write,
                cx,
                &format!("hub:{}", status.invoice_id),
                (siren, name, role),
                f10.operation_date,
                &body,
                &source,
            )?;
        }
        (Status::Deposited, ProcessingType::B2C | ProcessingType::B2CInt) => {
            let transaction =
                f10::international::b2c_transaction(&invoice).map_err(|e| e.to_string())?;
            let seller = seller_siren(&invoice).ok_or("no seller SIREN (BT-30)")?;
            let name = invoice.seller.name.clone().unwrap_or_default();
            let date = transaction.date;
            file(
                write,
                cx,
                &format!("hub:{}", status.invoice_id),
                (seller, name, Role::Seller),
                date,
                &RecordBody::B2cTransaction(transaction),
                &source,
            )?;
        }
        (_, ProcessingType::B2B) if code != Status::Deposited => {
            status_message(status, code, at, &invoice, cx, write, &source)?;
        }
        _ => {}
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

fn push(
    write: &mut FollowWrite,
    status: &FollowedStatus,
    object: FlowObject,
    source: &str,
) -> Result<(), String> {
    check_object(&object).map_err(|e| e.to_string())?;
    write.objects.push((object, source.to_string()));
    write.origins.push(FollowProblem {
        status_id: status.at.status_id,
        invoice_id: status.invoice_id.clone(),
        status: status.status,
        problem: String::new(),
    });
    Ok(())
}

/// The F6 message of a mandatory status of a domestic invoice. A 212 whose VAT is not
/// due on payment is owed nothing (not an error).
fn status_message(
    status: &FollowedStatus,
    code: Status,
    at: Instant,
    invoice: &Invoice,
    cx: &ExtractContext,
    write: &mut FollowWrite,
    source: &str,
) -> Result<(), String> {
    let vat_on_payment = f6::vat_due_on_payment(invoice);
    if code == Status::Collected && !vat_on_payment {
        return Ok(());
    }
    let event = StatusEvent {
        invoice: InvoiceRef::from_invoice(invoice)
            .map_err(|e| format!("F6 {}: {e}", code.code()))?,
        status: code,
        at,
        deposited_at: None,
        reason_code: status.reasons.first().cloned(),
        reason: status.comment.clone(),
        collected: if code == Status::Collected {
            collected_in_full(invoice)
        } else {
            Vec::new()
        },
    };
    let message = f6::message(&cx.platform, &event, vat_on_payment)
        .map_err(|e| format!("F6 {}: {e}", code.code()))?;
    push(write, status, FlowObject::f6(message), source)
}

/// A 212 from the hub says the invoice was paid; the status record carries no
/// amounts, so the payment is taken as the whole invoice: per VAT rate, the taxable
/// amount plus its VAT (negative for a credit note).
fn collected_in_full(invoice: &Invoice) -> Vec<CollectedAmount> {
    let sign = if invoice.is_credit_note() {
        Decimal::NEGATIVE_ONE
    } else {
        Decimal::ONE
    };
    let mut out: Vec<CollectedAmount> = Vec::new();
    for v in &invoice.vat_breakdown {
        let rate = v.rate.map(|r| r.value()).unwrap_or(Decimal::ZERO);
        let amount = sign
            * (v.taxable_amount.map(|a| a.value()).unwrap_or_default()
                + v.tax_amount.map(|a| a.value()).unwrap_or_default());
        match out.iter_mut().find(|c| c.rate == rate) {
            Some(c) => c.amount += amount,
            None => out.push(CollectedAmount { rate, amount }),
        }
    }
    out
}

fn seller_siren(invoice: &Invoice) -> Option<Siren> {
    crate::ingest::admission::seller_siren(invoice)
}

fn buyer_siren(invoice: &Invoice) -> Option<Siren> {
    let b = &invoice.buyer;
    b.legal_registration_identifier
        .iter()
        .chain(b.identifiers.iter())
        .filter(|id| id.has_scheme(scheme::SIREN))
        .find_map(|id| Siren::parse(&id.value).ok())
}

/// Who reports an international invoice: the French seller (sales, SE), else the
/// French buyer of a seller established abroad (purchases, BY).
pub(crate) fn international_declarant(invoice: &Invoice) -> Result<(Siren, String, Role), String> {
    if let Some(siren) = seller_siren(invoice) {
        return Ok((
            siren,
            invoice.seller.name.clone().unwrap_or_default(),
            Role::Seller,
        ));
    }
    if let Some(siren) = buyer_siren(invoice) {
        return Ok((
            siren,
            invoice.buyer.name.clone().unwrap_or_default(),
            Role::Buyer,
        ));
    }
    Err("international invoice with neither a French seller nor a French buyer (no SIREN)".into())
}

/// Files a transactions record under its declarant and the period of `date`.
fn file(
    write: &mut FollowWrite,
    cx: &ExtractContext,
    key: &str,
    (siren, name, role): (Siren, String, Role),
    date: crate::invoice::Date,
    body: &RecordBody,
    source: &str,
) -> Result<(), String> {
    let known = cx.declarants.get(siren.as_str());
    let regime = known
        .and_then(|d| parse_regime(&d.regime))
        .unwrap_or(cx.default_regime);
    let name = match known {
        Some(d) => d.name.clone(),
        None => name,
    };
    let filed = Filed {
        key: key.to_string(),
        siren,
        name,
        role,
        regime,
        kind: DataKind::Transactions,
        date,
        body,
        source,
    };
    let record: NewRecord = filed.to_record().map_err(|e| e.to_string())?;
    write.records.push(record);
    Ok(())
}

impl TaxFeed {
    /// Follows the hub until caught up: pages of status records after the cursor,
    /// each extracted and stored with the cursor's move in one transaction. Returns at
    /// once when another instance holds the follower's lease.
    pub async fn follow(&self) -> Result<FollowStats, FeedError> {
        let config = self.config();
        let holder = &config.pusher_id;
        let lease = i64::try_from(config.lease.as_secs()).unwrap_or(i64::MAX);
        let mut stats = FollowStats::default();
        let started = super::service::now();
        // Read when there is a page to extract: an idle poll costs one query.
        let mut context: Option<Arc<ExtractContext>> = None;
        let Some(mut cursor) = self
            .db()
            .taxfeed_follow_lease(HUB, holder, started, started.plus_seconds(lease))
            .await?
        else {
            stats.leased_elsewhere = true;
            return Ok(stats);
        };
        loop {
            let page = self
                .db()
                .taxfeed_follow_page(cursor, config.follow_page)
                .await?;
            if page.is_empty() {
                break;
            }
            let full = page.len() >= config.follow_page as usize;
            let cx = match &context {
                Some(cx) => cx.clone(),
                None => context
                    .insert(Arc::new(self.extract_context().await?))
                    .clone(),
            };
            // Reading the documents back is CPU work: off the async workers.
            let write = tokio::task::spawn_blocking(move || extract(&page, cursor, &cx))
                .await
                .map_err(|e| FeedError::Object {
                    id: super::ObjectId(HUB.into()),
                    problem: format!("extraction task failed: {e}"),
                })?;
            let now = super::service::now();
            self.db()
                .taxfeed_follow_commit(HUB, holder, &write, now)
                .await?;
            for p in &write.problems {
                tracing::warn!(invoice = %p.invoice_id, status = p.status, problem = %p.problem, "tax feed: nothing extracted");
            }
            stats.pages += 1;
            stats.followed += write.followed;
            stats.objects += write.objects.len() as u64;
            stats.records += write.records.len() as u64;
            stats.problems += write.problems.len() as u64;
            cursor = write.to;
            if !full {
                break;
            }
            // Each page renews the lease, so a long catch-up keeps it.
            let now = super::service::now();
            if self
                .db()
                .taxfeed_follow_lease(HUB, holder, now, now.plus_seconds(lease))
                .await?
                .is_none()
            {
                break;
            }
        }
        Ok(stats)
    }

    /// The platform, profiles and declarants, read once per [`TaxFeed::follow`].
    async fn extract_context(&self) -> Result<ExtractContext, FeedError> {
        let config = self.config();
        let declarants = self
            .db()
            .taxfeed_all_declarants()
            .await?
            .into_iter()
            .map(|d| (d.siren.clone(), d))
            .collect();
        Ok(ExtractContext {
            platform: config.platform.clone(),
            f1_profiles: config.f1_profiles.clone(),
            default_regime: config.default_regime,
            declarants,
        })
    }

    /// [`TaxFeed::follow`], then, by the instance that holds the follower's lease
    /// (so two instances never build the same transmission), the closed e-reporting
    /// periods ([`TaxFeed::transmit_periods`]).
    pub async fn follow_and_transmit(&self) -> Result<FollowStats, FeedError> {
        let stats = self.follow().await?;
        if !stats.leased_elsewhere {
            self.transmit_periods(super::service::now()).await?;
        }
        Ok(stats)
    }

    /// Follows the hub every `poll` until `shutdown` resolves (inside `facteur
    /// serve`); a failed round (database down) is logged and tried again.
    pub async fn follow_until(
        &self,
        poll: Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            let busy = match self.follow_and_transmit().await {
                Ok(stats) => {
                    if stats.followed > 0 {
                        tracing::info!(
                            followed = stats.followed,
                            objects = stats.objects,
                            records = stats.records,
                            problems = stats.problems,
                            "tax feed followed the hub"
                        );
                    }
                    stats.followed > 0
                }
                Err(e) => {
                    tracing::error!(error = %e, "tax feed follower round failed");
                    false
                }
            };
            let pause = if busy { Duration::ZERO } else { poll };
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(pause) => {}
            }
        }
        let _ = self
            .db()
            .taxfeed_follow_release(HUB, &self.config().pusher_id)
            .await;
    }
}

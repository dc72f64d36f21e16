//! `facteur audit verify`'s check: every invoice's document still hashes to its
//! address, and every status chain recomputes and links from the first record.

use serde::Serialize;

use crate::lifecycle::Status;
use crate::lifecycle::chain::{GENESIS, sha256_hex};
use crate::storage::{Db, InvoiceRecord, StatusRecord, StorageError};

/// The first broken link of one invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Break {
    pub invoice_id: String,
    /// The status record where the chain breaks; `None` for the document itself.
    pub seq: Option<i64>,
    pub problem: String,
}

/// What the audit found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    pub invoices: u64,
    pub statuses: u64,
    pub breaks: Vec<Break>,
}

const PAGE: i64 = 500;

/// Walks every invoice, in id order, reporting at most one break per invoice.
pub async fn verify(db: &Db) -> Result<AuditReport, StorageError> {
    let mut report = AuditReport::default();
    let mut after = String::new();
    loop {
        let page = db.invoices_after(&after, PAGE).await?;
        let Some(last) = page.last() else {
            return Ok(report);
        };
        after = last.id.clone();
        for invoice in &page {
            report.invoices += 1;
            let content = db.document(&invoice.sha256).await?;
            let history = db.statuses(&invoice.id).await?;
            report.statuses += history.len() as u64;
            if let Some(found) = first_break(invoice, content.as_deref(), &history) {
                report.breaks.push(found);
            }
        }
    }
}

/// The first problem of one invoice's records, if any.
pub fn first_break(
    invoice: &InvoiceRecord,
    content: Option<&[u8]>,
    history: &[StatusRecord],
) -> Option<Break> {
    let broken = |seq: Option<i64>, problem: String| {
        Some(Break {
            invoice_id: invoice.id.clone(),
            seq,
            problem,
        })
    };
    match content {
        None => return broken(None, format!("document {} is missing", invoice.sha256)),
        Some(bytes) if sha256_hex(bytes) != invoice.sha256 => {
            return broken(
                None,
                format!("document content no longer hashes to {}", invoice.sha256),
            );
        }
        Some(_) => {}
    }
    if history.is_empty() {
        return broken(None, "the invoice has no status".into());
    }
    let mut previous = GENESIS.to_string();
    for (expected_seq, record) in (1..).zip(history) {
        if record.seq != expected_seq {
            return broken(
                Some(record.seq),
                format!("record {expected_seq} is missing"),
            );
        }
        if record.prev_hash != previous {
            return broken(
                Some(record.seq),
                "does not link to the previous record".into(),
            );
        }
        if record.link(&invoice.sha256).hash() != record.hash {
            return broken(
                Some(record.seq),
                "its content no longer matches its hash".into(),
            );
        }
        previous = record.hash.clone();
    }
    // The current status is the chain's last, except that a 201 recorded after a
    // recipient's status (the confirm came back late) does not replace it.
    let issued = Status::Issued.code();
    let deposited = Status::Deposited.code();
    let expected = history.iter().fold(None, |current, r| {
        if r.status == issued && current.is_some_and(|c| c != deposited) {
            current
        } else {
            Some(r.status)
        }
    });
    if expected != Some(invoice.status.code()) {
        return broken(
            None,
            format!(
                "current status {} is not the chain's ({})",
                invoice.status.code(),
                expected.unwrap_or_default()
            ),
        );
    }
    None
}

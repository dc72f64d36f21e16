//! E-reporting over time: records (10.1 invoices from the hub, B2C transactions,
//! payments from the hub or the platforms' API) are filed under their declarant and
//! reporting period as they come; when a period has closed (its last day is before
//! today) its records are read back whole and sent as one F10 transmission: the
//! initial one (IN), or, when records arrived after the period was sent, a
//! corrective one (RE, the next sequence) that replaces the whole period.
//!
//! Each transmission is enqueued in the transaction that marks the records it carries,
//! so a crash sends a period either not at all or exactly once per sequence.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::f10::period::{deadline, period_of};
use super::f10::{
    B2cAggregator, B2cPayment, B2cTransaction, Body, DataKind, Declarant, F10Invoice,
    InvoicePayment, Role, Sequence, Transmission, VatRegime, aggregate_payments,
};
use super::flow::FlowObject;
use super::service::{FeedError, TaxFeed};
use super::{Instant, ObjectId};
use crate::identifiers::Siren;
use crate::invoice::Date;
use crate::storage::taxfeed::{NewRecord, PeriodKey, StoredRecord};
use crate::xml::Limits;

/// One record's content, as filed (JSON in `taxfeed_ereporting_records.body`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordBody {
    /// A 10.1 international invoice accepted by the hub: read back from its document
    /// when the period is sent (the model is not stored twice).
    Invoice {
        invoice_id: String,
        sha256: String,
    },
    B2cTransaction(B2cTransaction),
    InvoicePayment(InvoicePayment),
    B2cPayment(B2cPayment),
}

impl RecordBody {
    pub fn record_type(&self) -> &'static str {
        match self {
            RecordBody::Invoice { .. } => "invoice",
            RecordBody::B2cTransaction(_) => "b2c_transaction",
            RecordBody::InvoicePayment(_) => "invoice_payment",
            RecordBody::B2cPayment(_) => "b2c_payment",
        }
    }

    pub fn kind(&self) -> DataKind {
        match self {
            RecordBody::Invoice { .. } | RecordBody::B2cTransaction(_) => DataKind::Transactions,
            RecordBody::InvoicePayment(_) | RecordBody::B2cPayment(_) => DataKind::Payments,
        }
    }

    fn read(stored: &StoredRecord) -> Result<RecordBody, String> {
        let bad = |e: serde_json::Error| format!("record {}: {e}", stored.id);
        serde_json::from_str(&stored.body).map_err(bad)
    }
}

/// The regime of a declarant nobody stated one for: réel normal, monthly returns
/// (ten-day periods), the most frequent calendar and the shortest.
pub const DEFAULT_REGIME: VatRegime = VatRegime::NormalMonthly;

pub fn regime_name(regime: VatRegime) -> &'static str {
    match regime {
        VatRegime::NormalMonthly => "NormalMonthly",
        VatRegime::NormalQuarterly => "NormalQuarterly",
        VatRegime::Simplified => "Simplified",
        VatRegime::Franchise => "Franchise",
    }
}

pub fn parse_regime(text: &str) -> Option<VatRegime> {
    Some(match text {
        "NormalMonthly" => VatRegime::NormalMonthly,
        "NormalQuarterly" => VatRegime::NormalQuarterly,
        "Simplified" => VatRegime::Simplified,
        "Franchise" => VatRegime::Franchise,
        _ => return None,
    })
}

fn kind_name(kind: DataKind) -> &'static str {
    match kind {
        DataKind::Transactions => "transactions",
        DataKind::Payments => "payments",
    }
}

fn parse_kind(text: &str) -> Option<DataKind> {
    match text {
        "transactions" => Some(DataKind::Transactions),
        "payments" => Some(DataKind::Payments),
        _ => None,
    }
}

fn parse_role(text: &str) -> Option<Role> {
    match text {
        "SE" => Some(Role::Seller),
        "BY" => Some(Role::Buyer),
        _ => None,
    }
}

/// A record about to be filed: its declarant and the date that places it in a period.
pub struct Filed<'a> {
    /// Unique per record: the same key twice is filed once.
    pub key: String,
    pub siren: Siren,
    pub name: String,
    pub role: Role,
    pub regime: VatRegime,
    pub kind: DataKind,
    /// Operation date (transactions) or cash-in date (payments).
    pub date: Date,
    pub body: &'a RecordBody,
    pub source: &'a str,
}

impl Filed<'_> {
    pub fn to_record(&self) -> Result<NewRecord, serde_json::Error> {
        let period = period_of(self.regime, self.kind, self.date);
        Ok(NewRecord {
            key: self.key.clone(),
            declarant_siren: self.siren.as_str().to_string(),
            declarant_name: self.name.clone(),
            role: self.role.code().to_string(),
            regime: regime_name(self.regime).to_string(),
            kind: kind_name(self.kind).to_string(),
            period_start: period.start.to_string(),
            period_end: period.end.to_string(),
            record_type: self.body.record_type().to_string(),
            body: serde_json::to_string(self.body)?,
            source: self.source.to_string(),
        })
    }
}

/// What [`TaxFeed::transmit_periods`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransmitStats {
    /// The F10 objects enqueued (one per period sent).
    pub transmitted: Vec<ObjectId>,
    /// Periods that could not be sent, and why (tried again next round).
    pub failed: Vec<(PeriodKey, String)>,
}

/// The PPF's deadline as an instant: 08:00 in Paris is 06:00 or 07:00 UTC; 06:00 UTC
/// is never late.
fn due_instant(
    regime: VatRegime,
    kind: DataKind,
    period: super::f10::ReportingPeriod,
) -> Option<Instant> {
    Instant::at(deadline(regime, kind, period).date, 6, 0, 0)
}

impl TaxFeed {
    /// Sends every closed period that holds data not yet transmitted: each in its own
    /// transaction that enqueues the F10 file and marks the records it carries.
    pub async fn transmit_periods(&self, now: Instant) -> Result<TransmitStats, FeedError> {
        let today = now.date().to_string();
        let mut stats = TransmitStats::default();
        let due = self.db().taxfeed_periods_due(&today).await?;
        if due.is_empty() {
            return Ok(stats);
        }
        let options: HashMap<String, Option<String>> = self
            .db()
            .taxfeed_all_declarants()
            .await?
            .into_iter()
            .map(|d| (d.siren, d.vat_option_code))
            .collect();
        for key in due {
            match self.transmit_period(&key, &options, now).await {
                Ok(Some(id)) => {
                    tracing::info!(object = %id, "e-reporting period transmitted");
                    stats.transmitted.push(id);
                }
                Ok(None) => {}
                Err(problem) => {
                    tracing::error!(declarant = %key.declarant_siren, period = %key.period_start, problem = %problem, "e-reporting period not transmitted");
                    stats.failed.push((key, problem));
                }
            }
        }
        Ok(stats)
    }

    async fn transmit_period(
        &self,
        key: &PeriodKey,
        options: &HashMap<String, Option<String>>,
        now: Instant,
    ) -> Result<Option<ObjectId>, String> {
        let mut tx = self.db().begin().await.map_err(|e| e.to_string())?;
        let (last, records) = tx
            .taxfeed_period_records(key)
            .await
            .map_err(|e| e.to_string())?;
        let new: Vec<i64> = records
            .iter()
            .filter(|r| r.transmitted_sequence.is_none())
            .map(|r| r.id)
            .collect();
        // Another transmitter got here first.
        let Some(latest) = records.last().filter(|_| !new.is_empty()) else {
            return Ok(None);
        };
        let kind = parse_kind(&key.kind).ok_or_else(|| format!("kind {:?}", key.kind))?;
        let role = parse_role(&key.role).ok_or_else(|| format!("role {:?}", key.role))?;
        let regime =
            parse_regime(&latest.regime).ok_or_else(|| format!("regime {:?}", latest.regime))?;
        let start = Date::parse(&key.period_start).ok_or("period start")?;
        let end = Date::parse(&key.period_end).ok_or("period end")?;
        let period = super::f10::ReportingPeriod { start, end };
        let sequence = Sequence(
            u16::try_from(last.unwrap_or(0) + 1)
                .map_err(|_| "too many corrective transmissions")?,
        );
        let body = self.body_of(kind, &records).await?;
        let transmission = Transmission {
            sender: self.config().platform.clone(),
            declarant: Declarant {
                siren: Siren::parse(&key.declarant_siren).map_err(|e| e.to_string())?,
                name: latest.declarant_name.clone(),
                role,
                regime,
                vat_option_code: options.get(&key.declarant_siren).cloned().flatten(),
            },
            period,
            sequence,
            issued_at: now,
            body,
        };
        let file = transmission.to_file().map_err(|e| e.to_string())?;
        let object = FlowObject::f10(file, due_instant(regime, kind, period));
        super::service::check_object(&object).map_err(|e| e.to_string())?;
        let id = object.id.clone();
        let source = format!(
            "ereporting:{}/{}/{}/{}",
            key.declarant_siren, key.role, key.kind, key.period_start
        );
        tx.taxfeed_enqueue_many(&[(object, source)], now)
            .await
            .map_err(|e| e.to_string())?;
        tx.taxfeed_period_transmitted(
            key,
            i64::from(sequence.0),
            (records.len(), &new),
            &id.0,
            now,
        )
        .await
        .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        Ok(Some(id))
    }

    /// The whole period's content: 10.1 invoices read back from the hub's documents
    /// and B2C transactions summed per day (10.3), or payments (10.2, 10.4 per day).
    async fn body_of(&self, kind: DataKind, records: &[StoredRecord]) -> Result<Body, String> {
        let mut invoices = Vec::new();
        let mut aggregator = B2cAggregator::new();
        let mut invoice_payments = Vec::new();
        let mut b2c_payments = Vec::new();
        for stored in records {
            match RecordBody::read(stored)? {
                RecordBody::Invoice { invoice_id, sha256 } => {
                    let document = self
                        .db()
                        .document(&sha256)
                        .await
                        .map_err(|e| e.to_string())?
                        .ok_or_else(|| format!("invoice {invoice_id}: document missing"))?;
                    let (invoice, _) = crate::ingest::read_invoice(&document, &Limits::default())
                        .map_err(|e| format!("invoice {invoice_id}: {e}"))?;
                    invoices.push(F10Invoice::from_invoice(&invoice).map_err(|e| e.to_string())?);
                }
                RecordBody::B2cTransaction(t) => aggregator.add(&t),
                RecordBody::InvoicePayment(p) => invoice_payments.push(p),
                RecordBody::B2cPayment(p) => b2c_payments.push(p),
            }
        }
        Ok(match kind {
            DataKind::Transactions => Body::Transactions {
                invoices,
                aggregates: aggregator.finish(),
            },
            DataKind::Payments => Body::Payments {
                invoices: invoice_payments,
                days: aggregate_payments(&b2c_payments),
            },
        })
    }
}

//! What platforms submit for e-reporting, checked before anything is stored: B2C
//! transactions and payments as JSON, or an F10 report as XML. Every refusal names
//! the field (`transactions[2].amounts[0].rate`, `Report/TransactionsReport/
//! Transactions[1]/TaxTotal`) and says what is wrong; a submission is stored whole or
//! not at all. The result is a list of [`Filed`] records, each filed under the
//! declarant and the period of its date by the declarant's VAT regime.
//!
//! An uploaded F10 report is read with the project's secure XML reader; its 10.3
//! daily aggregates and 10.2 / 10.4 payments become records (so that they join the
//! period's other data and are sent, corrected, with it); its own identifier and type
//! code are not kept, since facteur numbers the period's transmissions itself.

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

use super::ereporting::{Filed, RecordBody};
use super::f10::period::period_of;
use super::f10::{
    B2cPayment, B2cTransaction, Category, Currency, DataKind, InvoicePayment, RateAmount,
    RatePayment, ReportingPeriod, Role, VatRegime,
};
use crate::identifiers::Siren;
use crate::invoice::{Amount, Date};
use crate::xml::{self, Limits, Namespace, Node};

/// A refusal: which field, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct Invalid {
    pub field: String,
    pub problem: String,
}

fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        problem: problem.into(),
    }
}

/// Who reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclarantInput {
    pub siren: Siren,
    pub name: String,
    pub role: Role,
    pub regime: VatRegime,
    pub vat_option_code: Option<String>,
}

/// A checked submission: its declarant and its records, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Submission {
    pub declarant: DeclarantInput,
    pub records: Vec<(RecordBody, Date)>,
}

impl Submission {
    /// The records to file; `key` makes each record's key unique and stable (the
    /// same submission again files nothing new).
    pub fn filed<'a>(&'a self, key: &str, source: &'a str) -> Vec<Filed<'a>> {
        self.records
            .iter()
            .enumerate()
            .map(|(i, (body, date))| Filed {
                key: format!("{key}:{i}"),
                siren: self.declarant.siren.clone(),
                name: self.declarant.name.clone(),
                role: self.declarant.role,
                regime: self.declarant.regime,
                kind: body.kind(),
                date: *date,
                body,
                source,
            })
            .collect()
    }
}

/// One field of a JSON object, deserialized, with the error naming it.
fn field<T: for<'de> Deserialize<'de>>(
    value: &Value,
    path: &str,
    name: &str,
) -> Result<T, Invalid> {
    let at = if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    };
    let v = value.get(name).ok_or_else(|| invalid(&at, "missing"))?;
    T::deserialize(v).map_err(|e| invalid(&at, e.to_string()))
}

fn opt_field<T: for<'de> Deserialize<'de>>(
    value: &Value,
    path: &str,
    name: &str,
) -> Result<Option<T>, Invalid> {
    match value.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => field(value, path, name).map(Some),
    }
}

fn array<'v>(value: &'v Value, name: &str) -> Result<&'v [Value], Invalid> {
    match value.get(name) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(invalid(name, "must be an array")),
    }
}

fn regime_of(text: &str) -> Option<VatRegime> {
    super::ereporting::parse_regime(text)
}

fn declarant(body: &Value) -> Result<DeclarantInput, Invalid> {
    let d = body
        .get("declarant")
        .filter(|d| d.is_object())
        .ok_or_else(|| invalid("declarant", "missing (an object: siren, name, regime)"))?;
    let siren: String = field(d, "declarant", "siren")?;
    let siren =
        Siren::parse(siren.trim()).map_err(|e| invalid("declarant.siren", e.to_string()))?;
    let name: String = field(d, "declarant", "name")?;
    if name.trim().is_empty() {
        return Err(invalid("declarant.name", "empty"));
    }
    let regime: String = field(d, "declarant", "regime")?;
    let regime = regime_of(&regime).ok_or_else(|| {
        invalid(
            "declarant.regime",
            format!("{regime:?}: expected NormalMonthly, NormalQuarterly, Simplified or Franchise"),
        )
    })?;
    let role = match opt_field::<String>(d, "declarant", "role")?.as_deref() {
        None | Some("SE") => Role::Seller,
        Some("BY") => Role::Buyer,
        Some(other) => {
            return Err(invalid(
                "declarant.role",
                format!("{other:?}: expected SE or BY"),
            ));
        }
    };
    Ok(DeclarantInput {
        siren,
        name: name.trim().to_string(),
        role,
        regime,
        vat_option_code: opt_field(d, "declarant", "vat_option_code")?,
    })
}

fn check_rate(rate: Decimal, at: &str) -> Result<(), Invalid> {
    if rate < Decimal::ZERO || rate > Decimal::ONE_HUNDRED {
        return Err(invalid(
            at,
            format!("VAT rate {rate} is not a percentage (0 to 100)"),
        ));
    }
    Ok(())
}

fn check_transaction(t: &B2cTransaction, at: &str) -> Result<(), Invalid> {
    if t.amounts.is_empty() {
        return Err(invalid(
            format!("{at}.amounts"),
            "empty: at least one VAT rate",
        ));
    }
    if t.count == 0 {
        return Err(invalid(format!("{at}.count"), "must be at least 1"));
    }
    for (j, a) in t.amounts.iter().enumerate() {
        check_rate(a.rate, &format!("{at}.amounts[{j}].rate"))?;
        if t.amounts[..j].iter().any(|b| b.rate == a.rate) {
            return Err(invalid(
                format!("{at}.amounts[{j}].rate"),
                format!("rate {} given twice", a.rate),
            ));
        }
    }
    Ok(())
}

fn check_payments(amounts: &[RatePayment], at: &str) -> Result<(), Invalid> {
    if amounts.is_empty() {
        return Err(invalid(
            format!("{at}.amounts"),
            "empty: at least one VAT rate",
        ));
    }
    for (j, a) in amounts.iter().enumerate() {
        check_rate(a.rate, &format!("{at}.amounts[{j}].rate"))?;
    }
    Ok(())
}

/// `POST /v1/ereporting/transactions`: `{"declarant": {…}, "transactions": [B2C
/// transaction, …]}`.
pub fn transactions_json(bytes: &[u8]) -> Result<Submission, Invalid> {
    let body: Value =
        serde_json::from_slice(bytes).map_err(|e| invalid("body", format!("not JSON: {e}")))?;
    let declarant = declarant(&body)?;
    let items = array(&body, "transactions")?;
    if items.is_empty() {
        return Err(invalid("transactions", "missing or empty"));
    }
    let mut records = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("transactions[{i}]");
        let t = B2cTransaction::deserialize(item).map_err(|e| invalid(&at, e.to_string()))?;
        check_transaction(&t, &at)?;
        let date = t.date;
        records.push((RecordBody::B2cTransaction(t), date));
    }
    Ok(Submission { declarant, records })
}

/// `POST /v1/ereporting/payments`: `{"declarant": {…}, "invoices": [payment of an
/// international invoice, …], "b2c": [B2C payment, …]}` (either may be absent).
pub fn payments_json(bytes: &[u8]) -> Result<Submission, Invalid> {
    let body: Value =
        serde_json::from_slice(bytes).map_err(|e| invalid("body", format!("not JSON: {e}")))?;
    let declarant = declarant(&body)?;
    let invoices = array(&body, "invoices")?;
    let b2c = array(&body, "b2c")?;
    if invoices.is_empty() && b2c.is_empty() {
        return Err(invalid("invoices", "no payment: give invoices or b2c"));
    }
    let mut records = Vec::with_capacity(invoices.len() + b2c.len());
    for (i, item) in invoices.iter().enumerate() {
        let at = format!("invoices[{i}]");
        let p = InvoicePayment::deserialize(item).map_err(|e| invalid(&at, e.to_string()))?;
        if p.invoice_id.trim().is_empty() {
            return Err(invalid(format!("{at}.invoice_id"), "empty"));
        }
        check_payments(&p.amounts, &at)?;
        let date = p.payment_date;
        records.push((RecordBody::InvoicePayment(p), date));
    }
    for (i, item) in b2c.iter().enumerate() {
        let at = format!("b2c[{i}]");
        let p = B2cPayment::deserialize(item).map_err(|e| invalid(&at, e.to_string()))?;
        check_payments(&p.amounts, &at)?;
        let date = p.date;
        records.push((RecordBody::B2cPayment(p), date));
    }
    Ok(Submission { declarant, records })
}

/// Reading an F10 report: each lookup names its path in the refusal.
struct Reader<'d> {
    node: Node<'d>,
    path: String,
}

impl<'d> Reader<'d> {
    fn children(&self, name: &str) -> Vec<Reader<'d>> {
        self.node
            .children_named(Namespace::NONE, name)
            .enumerate()
            .map(|(i, node)| Reader {
                node,
                path: format!("{}/{name}[{}]", self.path, i + 1),
            })
            .collect()
    }

    fn child(&self, name: &str) -> Result<Reader<'d>, Invalid> {
        let node = self
            .node
            .child(Namespace::NONE, name)
            .ok_or_else(|| invalid(format!("{}/{name}", self.path), "missing"))?;
        Ok(Reader {
            node,
            path: format!("{}/{name}", self.path),
        })
    }

    fn text(&self, name: &str) -> Result<(String, String), Invalid> {
        let c = self.child(name)?;
        let text = c.node.text().trim().to_string();
        if text.is_empty() {
            return Err(invalid(&c.path, "empty"));
        }
        Ok((text, c.path))
    }

    fn date(&self, name: &str) -> Result<Date, Invalid> {
        let (text, at) = self.text(name)?;
        Date::parse(&text).ok_or_else(|| invalid(at, format!("{text:?} is not a date (YYYYMMDD)")))
    }

    fn decimal(&self, name: &str) -> Result<Decimal, Invalid> {
        let (text, at) = self.text(name)?;
        Amount::parse(&text)
            .map(Amount::value)
            .ok_or_else(|| invalid(at, format!("{text:?} is not a decimal")))
    }
}

/// An F10 `Report` read and checked in everything but its period, which depends on
/// the declarant's regime: [`ReadReport::under`] finishes the check once the caller
/// has looked that regime up.
pub struct ReadReport {
    submission: Submission,
    kind: DataKind,
    period: ReportingPeriod,
    period_path: String,
}

impl ReadReport {
    /// The declarant the report is for (its SIREN keys the regime look-up).
    pub fn declarant(&self) -> &Siren {
        &self.submission.declarant.siren
    }

    /// Files the records under `regime` (what the feed knows of the declarant), else
    /// the default regime; the period the file states must be one of that regime.
    pub fn under(mut self, regime: Option<VatRegime>) -> Result<Submission, Invalid> {
        let regime = regime.unwrap_or(super::ereporting::DEFAULT_REGIME);
        let (kind, period) = (self.kind, self.period);
        if period_of(regime, kind, period.start) != period {
            return Err(invalid(
                &self.period_path,
                format!("{period} is not a {kind:?} period of the declarant's regime {regime:?}"),
            ));
        }
        self.submission.declarant.regime = regime;
        Ok(self.submission)
    }
}

/// `POST /v1/ereporting/reports`: an F10 `Report`, read whole; see [`ReadReport`].
pub fn report_xml(bytes: &[u8]) -> Result<ReadReport, Invalid> {
    let doc = xml::parse(bytes, &Limits::default())
        .map_err(|e| invalid("body", format!("not well-formed XML: {}", e.message)))?;
    let root = doc.root();
    if !root.is(Namespace::NONE, "Report") {
        return Err(invalid(
            root.local_name(),
            "the root element must be Report (no namespace), as in xsd-f10/ereporting.xsd",
        ));
    }
    let report = Reader {
        node: root,
        path: "Report".into(),
    };
    let document = report.child("ReportDocument")?;
    document.text("Id")?;
    let (type_code, at) = document.text("TypeCode")?;
    if type_code != "IN" && type_code != "RE" {
        return Err(invalid(at, format!("{type_code:?}: expected IN or RE")));
    }
    let issuer = document.child("Issuer")?;
    let (siren, at) = issuer.text("Id")?;
    if issuer.child("Id")?.node.attr("schemeId") != Some("0002") {
        return Err(invalid(
            format!("{at}/@schemeId"),
            "the declarant is identified by its SIREN (0002)",
        ));
    }
    let siren = Siren::parse(&siren).map_err(|e| invalid(&at, e.to_string()))?;
    let (name, _) = issuer.text("Name")?;
    let (role, at) = issuer.text("RoleCode")?;
    let role = match role.as_str() {
        "SE" => Role::Seller,
        "BY" => Role::Buyer,
        other => return Err(invalid(at, format!("{other:?}: expected SE or BY"))),
    };
    let declarant = DeclarantInput {
        siren,
        name,
        role,
        // Set by `ReadReport::under`.
        regime: super::ereporting::DEFAULT_REGIME,
        vat_option_code: None,
    };
    let transactions = report.children("TransactionsReport");
    let payments = report.children("PaymentsReport");
    let (part, kind) = match (transactions.len(), payments.len()) {
        (1, 0) => (transactions.into_iter().next(), DataKind::Transactions),
        (0, 1) => (payments.into_iter().next(), DataKind::Payments),
        _ => {
            return Err(invalid(
                "Report",
                "exactly one TransactionsReport or one PaymentsReport (G6.29)",
            ));
        }
    };
    let part = part.ok_or_else(|| invalid("Report", "no report"))?;
    let period_node = part.child("ReportPeriod")?;
    let period = ReportingPeriod {
        start: period_node.date("StartDate")?,
        end: period_node.date("EndDate")?,
    };
    let mut records = Vec::new();
    let inside = |date: Date, at: &str| -> Result<Date, Invalid> {
        if period.contains(date) {
            Ok(date)
        } else {
            Err(invalid(
                at,
                format!("{date} lies outside the period {period}"),
            ))
        }
    };
    match kind {
        DataKind::Transactions => {
            if let Some(first) = part.children("Invoice").first() {
                return Err(invalid(
                    &first.path,
                    "10.1 invoices are not taken from an upload: report the invoice itself to POST /v1/ereporting/invoices",
                ));
            }
            for t in part.children("Transactions") {
                let transaction = aggregate(&t)?;
                let date = inside(transaction.date, &format!("{}/Date", t.path))?;
                records.push((RecordBody::B2cTransaction(transaction), date));
            }
        }
        DataKind::Payments => {
            for i in part.children("Invoice") {
                let payment = i.child("Payment")?;
                let p = InvoicePayment {
                    invoice_id: i.text("InvoiceID")?.0,
                    issue_date: i.date("IssueDate")?,
                    payment_date: payment.date("Date")?,
                    amounts: subtotals(&payment)?,
                };
                let date = inside(p.payment_date, &format!("{}/Date", payment.path))?;
                records.push((RecordBody::InvoicePayment(p), date));
            }
            for t in part.children("Transactions") {
                let payment = t.child("Payment")?;
                let p = B2cPayment {
                    date: payment.date("Date")?,
                    amounts: subtotals(&payment)?,
                };
                let date = inside(p.date, &format!("{}/Date", payment.path))?;
                records.push((RecordBody::B2cPayment(p), date));
            }
        }
    }
    if records.is_empty() {
        return Err(invalid(
            &part.path,
            "no transaction or payment: an empty report is not sent",
        ));
    }
    Ok(ReadReport {
        submission: Submission { declarant, records },
        kind,
        period,
        period_path: period_node.path.clone(),
    })
}

/// A 10.3 occurrence back to one B2C record (its count kept), its totals checked
/// against its subtotals.
fn aggregate(t: &Reader<'_>) -> Result<B2cTransaction, Invalid> {
    let (currency, at) = t.text("TransactionsCurrency")?;
    let currency = Currency::parse(&currency)
        .ok_or_else(|| invalid(at, format!("{currency:?} is not a currency code")))?;
    let (category, at) = t.text("CategoryCode")?;
    let category = match category.as_str() {
        "TLB1" => Category::TLB1,
        "TPS1" => Category::TPS1,
        "TNT1" => Category::TNT1,
        "TMA1" => Category::TMA1,
        other => {
            return Err(invalid(
                at,
                format!("{other:?}: expected TLB1, TPS1, TNT1 or TMA1"),
            ));
        }
    };
    let (count, at) = t.text("TransactionsCount")?;
    let count: u64 = count
        .parse()
        .ok()
        .filter(|&c| c > 0)
        .ok_or_else(|| invalid(at, format!("{count:?} is not a positive count")))?;
    let mut amounts = Vec::new();
    for s in t.children("TaxSubtotal") {
        let rate = s.decimal("TaxPercent")?;
        check_rate(rate, &format!("{}/TaxPercent", s.path))?;
        if amounts.iter().any(|a: &RateAmount| a.rate == rate) {
            return Err(invalid(
                format!("{}/TaxPercent", s.path),
                format!("rate {rate} given twice"),
            ));
        }
        amounts.push(RateAmount {
            rate,
            taxable: s.decimal("TaxableAmount")?,
            vat: s.decimal("TaxTotal")?,
        });
    }
    if amounts.is_empty() {
        return Err(invalid(
            format!("{}/TaxSubtotal", t.path),
            "missing: at least one VAT rate",
        ));
    }
    let taxable = t.decimal("TaxExclusiveAmount")?;
    let sum: Decimal = amounts.iter().map(|a| a.taxable).sum();
    if taxable != sum {
        return Err(invalid(
            format!("{}/TaxExclusiveAmount", t.path),
            format!("{taxable} is not the sum of the subtotals' taxable amounts ({sum})"),
        ));
    }
    let vat = t.decimal("TaxTotal")?;
    let sum: Decimal = amounts.iter().map(|a| a.vat).sum();
    if vat != sum {
        return Err(invalid(
            format!("{}/TaxTotal", t.path),
            format!("{vat} is not the sum of the subtotals' VAT ({sum})"),
        ));
    }
    Ok(B2cTransaction {
        date: t.date("Date")?,
        currency,
        category,
        amounts,
        count,
    })
}

fn subtotals(payment: &Reader<'_>) -> Result<Vec<RatePayment>, Invalid> {
    let mut out = Vec::new();
    for s in payment.children("SubTotals") {
        let rate = s.decimal("TaxPercent")?;
        check_rate(rate, &format!("{}/TaxPercent", s.path))?;
        out.push(RatePayment {
            rate,
            amount: s.decimal("Amount")?,
        });
    }
    if out.is_empty() {
        return Err(invalid(
            format!("{}/SubTotals", payment.path),
            "missing: at least one VAT rate",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECLARANT: &str =
        r#""declarant":{"siren":"906170857","name":"Seller SAS","regime":"NormalMonthly"}"#;

    /// One day of B2C payments for September 2026 (a monthly payments period).
    const SEPTEMBER_PAYMENTS: &str = r#"<Report>
  <ReportDocument>
    <Id>UPLOAD-1</Id>
    <IssueDateTime><DateTimeString>20261001080000</DateTimeString></IssueDateTime>
    <TypeCode>IN</TypeCode>
    <Sender><Id schemeId="0238">0001</Id><Name>Alpha</Name><RoleCode>WK</RoleCode></Sender>
    <Issuer><Id schemeId="0002">906170857</Id><Name>Seller SAS</Name><RoleCode>SE</RoleCode></Issuer>
  </ReportDocument>
  <PaymentsReport>
    <ReportPeriod><StartDate>20260901</StartDate><EndDate>20260930</EndDate></ReportPeriod>
    <Transactions><Payment><Date>20260915</Date>
      <SubTotals><TaxPercent>20</TaxPercent><CurrencyCode>EUR</CurrencyCode><Amount>120.00</Amount></SubTotals>
    </Payment></Transactions>
  </PaymentsReport>
</Report>"#;

    #[test]
    fn a_report_period_is_checked_against_the_regime_looked_up_for_its_declarant() {
        let read = || report_xml(SEPTEMBER_PAYMENTS.as_bytes()).expect("a well-formed report");
        assert_eq!(read().declarant().as_str(), "906170857");
        let unknown = read().under(None).expect("the default regime pays monthly");
        assert_eq!(
            unknown.declarant.regime,
            super::super::ereporting::DEFAULT_REGIME
        );
        assert_eq!(unknown.records.len(), 1);
        let monthly = read().under(Some(VatRegime::Simplified)).expect("monthly");
        assert_eq!(monthly.declarant.regime, VatRegime::Simplified);
        // A franchise declarant reports per civil bimester: September alone is not one
        // of its periods.
        let refused = read().under(Some(VatRegime::Franchise)).unwrap_err();
        assert_eq!(
            refused.field, "Report/PaymentsReport[1]/ReportPeriod",
            "{refused}"
        );
        assert!(refused.to_string().contains("Franchise"), "{refused}");
    }

    #[test]
    fn json_refusals_name_the_field() {
        let cases = [
            ("{", "body"),
            (r#"{"transactions":[]}"#, "declarant"),
            (
                r#"{"declarant":{"siren":"123","name":"X","regime":"NormalMonthly"},"transactions":[{}]}"#,
                "declarant.siren",
            ),
            (
                r#"{"declarant":{"siren":"906170857","name":"X","regime":"Weekly"}}"#,
                "declarant.regime",
            ),
        ];
        for (body, field) in cases {
            let e = transactions_json(body.as_bytes()).unwrap_err();
            assert_eq!(e.field, field, "{body}: {e}");
        }
        let t = |amounts: &str| {
            format!(
                r#"{{{DECLARANT},"transactions":[{{"date":"2026-09-15","currency":"EUR","category":"TLB1","amounts":[{{"rate":"20","taxable":"10.00","vat":"2.00"}}]}},{{"date":"2026-09-15","currency":"EUR","category":"TLB1","amounts":{amounts}}}]}}"#
            )
        };
        assert_eq!(
            transactions_json(t("[]").as_bytes()).unwrap_err().field,
            "transactions[1].amounts"
        );
        let e = transactions_json(t(r#"[{"rate":"120","taxable":"1","vat":"1"}]"#).as_bytes())
            .unwrap_err();
        assert_eq!(e.field, "transactions[1].amounts[0].rate");
        let e = transactions_json(t(r#"[{"rate":20,"taxable":"1","vat":"1"}]"#).as_bytes())
            .unwrap_err();
        assert_eq!(e.field, "transactions[1]");
        assert!(e.problem.contains("string"), "{e}");
        let ok = transactions_json(t(r#"[{"rate":"5.5","taxable":"1","vat":"0.06"}]"#).as_bytes())
            .unwrap();
        assert_eq!(ok.records.len(), 2);
        assert_eq!(ok.declarant.regime, VatRegime::NormalMonthly);
    }
}

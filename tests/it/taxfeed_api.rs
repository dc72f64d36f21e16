//! The platforms' e-reporting API (`/v1/ereporting/…`) through the router, on SQLite
//! and PostgreSQL: refusals name the field and store nothing; only the declarant's
//! platform may report; good JSON and F10 XML are filed under the declarant's
//! periods, sent when the period closes (IN) and again when late data arrives (RE),
//! and acknowledged by the reference receiver, which checks every file against the
//! official XSD.

use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use facteur::api::{AppState, app};
use facteur::storage::Db;
use facteur::storage::taxfeed::{FlowState, ObjectKind, ObjectState, PeriodKey};
use facteur::taxfeed::Instant;
use facteur::taxfeed::flow::BatchPolicy;
use facteur::taxfeed::receiver::{Receiver, ReceiverConfig, ReceiverState, Schemas};
use facteur::taxfeed::service::{FeedConfig, PackMode, TaxFeed};
use facteur::taxfeed::transport::{Transport, TransportConfig};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::directory_support::backends;
use crate::hub_support::{SELLER, count, token, world};
use crate::taxfeed::f10::platform;
use crate::taxfeed::{have_xmllint, shared};

/// A POST through the router as `platform` (none: no credential): status and JSON.
pub(crate) async fn post(
    router: &Router,
    path: &str,
    platform: Option<&str>,
    content_type: &str,
    body: impl Into<Vec<u8>>,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::CONTENT_TYPE, content_type);
    if let Some(p) = platform {
        request = request.header(header::AUTHORIZATION, format!("Bearer {}", token(p)));
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::from(body.into())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn declarant() -> Value {
    json!({"siren": SELLER, "name": "Seller SAS", "regime": "NormalMonthly"})
}

fn sale(date: &str, category: &str, rate: &str, taxable: &str, vat: &str) -> Value {
    json!({"date": date, "currency": "EUR", "category": category,
           "amounts": [{"rate": rate, "taxable": taxable, "vat": vat}]})
}

/// A 10.4 report of one day's B2C payments, as a platform would upload it.
fn payments_report(period: (&str, &str), day: &str, amount: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Report>
  <ReportDocument>
    <Id>UPLOAD-1</Id>
    <IssueDateTime><DateTimeString>20261001080000</DateTimeString></IssueDateTime>
    <TypeCode>IN</TypeCode>
    <Sender><Id schemeId="0238">0001</Id><Name>Alpha</Name><RoleCode>WK</RoleCode></Sender>
    <Issuer><Id schemeId="0002">{SELLER}</Id><Name>Seller SAS</Name><RoleCode>SE</RoleCode></Issuer>
  </ReportDocument>
  <PaymentsReport>
    <ReportPeriod><StartDate>{}</StartDate><EndDate>{}</EndDate></ReportPeriod>
    <Transactions><Payment><Date>{day}</Date>
      <SubTotals><TaxPercent>20</TaxPercent><CurrencyCode>EUR</CurrencyCode><Amount>{amount}</Amount></SubTotals>
    </Payment></Transactions>
  </PaymentsReport>
</Report>
"#,
        period.0, period.1
    )
}

async fn filed(db: &Db) -> i64 {
    count(db, "taxfeed_ereporting_records").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_submissions_are_refused_with_the_field_named_and_store_nothing() {
    for tdb in backends().await {
        let db = &tdb.db;
        let router = app(AppState::with_hub(world(db).await));
        let path = "/v1/ereporting/transactions";
        let good = sale("2026-09-15", "TLB1", "20", "100.00", "20.00");
        let cases = [
            (json!({"transactions": [good]}), "declarant"),
            (
                json!({"declarant": {"siren": "906170858", "name": "X", "regime": "NormalMonthly"}, "transactions": [good]}),
                "declarant.siren",
            ),
            (
                json!({"declarant": {"siren": SELLER, "name": "X", "regime": "Weekly"}, "transactions": [good]}),
                "declarant.regime",
            ),
            (
                json!({"declarant": declarant(), "transactions": []}),
                "transactions",
            ),
            (
                json!({"declarant": declarant(), "transactions": [good, sale("2026-09-15", "TLB1", "120", "1", "1")]}),
                "transactions[1].amounts[0].rate",
            ),
            (
                json!({"declarant": declarant(), "transactions": [good, sale("2026-09-15", "TXX9", "20", "1", "0.2")]}),
                "transactions[1]",
            ),
            (
                json!({"declarant": declarant(), "transactions": [{"date": "2026-02-30", "currency": "EUR", "category": "TLB1", "amounts": [{"rate": "20", "taxable": "1", "vat": "0.2"}]}]}),
                "transactions[0]",
            ),
            (
                json!({"declarant": declarant(), "transactions": [{"date": "2026-09-15", "currency": "EUR", "category": "TLB1", "amounts": [{"rate": 20, "taxable": "1", "vat": "0.2"}]}]}),
                "transactions[0]",
            ),
        ];
        for (body, field) in cases {
            let (status, problem) = post(
                &router,
                path,
                Some("0001"),
                "application/json",
                body.to_string(),
            )
            .await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}: {body}",
                tdb.name
            );
            let detail = problem["detail"].as_str().unwrap_or_default();
            assert!(
                detail.starts_with(&format!("{field}: ")),
                "{field}: {detail}"
            );
        }
        let (status, problem) = post(&router, "/v1/ereporting/payments", Some("0001"), "application/json",
            json!({"declarant": declarant(), "invoices": [{"invoice_id": " ", "issue_date": "2026-09-01", "payment_date": "2026-09-15", "amounts": [{"rate": "20", "amount": "10"}]}]}).to_string()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .starts_with("invoices[0].invoice_id: "),
            "{problem}"
        );

        // XML: malformed, a DOCTYPE, a wrong period, an element missing, totals that disagree.
        let xml = "/v1/ereporting/reports";
        let good_xml = payments_report(("20260901", "20260930"), "20260915", "120.00");
        let xml_cases = [
            ("<Report><ReportDocument>".to_string(), "body"),
            (
                format!(
                    "<!DOCTYPE Report [<!ENTITY x \"y\">]>{}",
                    good_xml.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                ),
                "body",
            ),
            (
                good_xml
                    .replace("<Report>", "<Rapport>")
                    .replace("</Report>", "</Rapport>"),
                "Rapport",
            ),
            (
                payments_report(("20260911", "20260920"), "20260915", "1"),
                "Report/PaymentsReport[1]/ReportPeriod",
            ),
            (
                payments_report(("20260901", "20260930"), "20261015", "1"),
                "Report/PaymentsReport[1]/Transactions[1]/Payment/Date",
            ),
            (
                good_xml.replace("<Amount>120.00</Amount>", ""),
                "Report/PaymentsReport[1]/Transactions[1]/Payment/SubTotals[1]/Amount",
            ),
            (
                good_xml.replace("<TypeCode>IN</TypeCode>", "<TypeCode>XX</TypeCode>"),
                "Report/ReportDocument/TypeCode",
            ),
        ];
        for (body, field) in xml_cases {
            let (status, problem) =
                post(&router, xml, Some("0001"), "application/xml", body.clone()).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}: {body}",
                tdb.name
            );
            let detail = problem["detail"].as_str().unwrap_or_default();
            assert!(
                detail.starts_with(&format!("{field}: ")),
                "{field}: {detail}"
            );
        }

        // Authentication and the declarant's platform.
        let body = json!({"declarant": declarant(), "transactions": [good]}).to_string();
        assert_eq!(
            post(&router, path, None, "application/json", body.clone())
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
        let (status, problem) = post(
            &router,
            path,
            Some("0003"),
            "application/json",
            body.clone(),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "0003 is not the seller's platform"
        );
        assert!(
            problem["detail"].as_str().unwrap().contains(SELLER),
            "{problem}"
        );
        assert_eq!(
            filed(db).await,
            0,
            "{}: nothing refused is stored",
            tdb.name
        );
        tdb.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submissions_become_acknowledged_f10_flows_initial_then_corrective() {
    let Some(shared) = shared() else { return };
    if !have_xmllint() {
        return;
    }
    for tdb in backends().await {
        let db = &tdb.db;
        let router = app(AppState::with_hub(world(db).await));
        let sales = json!({"declarant": declarant(), "transactions": [
            sale("2026-09-12", "TLB1", "20", "100.00", "20.00"),
            sale("2026-09-12", "TLB1", "5.5", "10.00", "0.55"),
            sale("2026-09-12", "TPS1", "20", "50.00", "10.00"),
            {"date": "2026-09-13", "currency": "EUR", "category": "TLB1", "count": 40,
             "amounts": [{"rate": "20", "taxable": "400.00", "vat": "80.00"}]},
        ]})
        .to_string();
        let (status, answer) = post(
            &router,
            "/v1/ereporting/transactions",
            Some("0001"),
            "application/json",
            sales.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{}: {answer}", tdb.name);
        assert_eq!(answer["new_records"], 4);
        assert_eq!(
            answer["periods"],
            json!([{"kind": "transactions", "start": "2026-09-11", "end": "2026-09-20"}])
        );
        // The same bytes again: a retry, nothing new.
        let (status, answer) = post(
            &router,
            "/v1/ereporting/transactions",
            Some("0001"),
            "application/json",
            sales,
        )
        .await;
        assert_eq!(
            (status, answer["new_records"].clone()),
            (StatusCode::OK, json!(0))
        );
        let (status, answer) = post(
            &router,
            "/v1/ereporting/reports",
            Some("0001"),
            "application/xml",
            payments_report(("20260901", "20260930"), "20260915", "120.00"),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        assert_eq!(filed(db).await, 5);

        let state = ReceiverState::new(ReceiverConfig {
            schemas: Some(Schemas {
                reference: shared.join("reference"),
            }),
            scratch: std::env::temp_dir().join(format!(
                "facteur-rcv-{}-api-{}",
                std::process::id(),
                tdb.name
            )),
        });
        let receiver = Receiver::start(state.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let mut config = FeedConfig::new(platform());
        config.batch = BatchPolicy {
            max_age_seconds: 0,
            ..BatchPolicy::default()
        };
        let mut transport = TransportConfig::new(receiver.url().parse().unwrap());
        transport.request_timeout = Duration::from_secs(30);
        let feed =
            TaxFeed::new(db.clone(), config).with_transport(Transport::new(transport).unwrap());

        // September's ten days 11..20 close on the 21st, the month of payments on 1 October.
        let oct2 = Instant::parse("20261002000000").unwrap();
        let sent = feed.transmit_periods(oct2).await.unwrap();
        let mut ids: Vec<String> = sent.transmitted.iter().map(|i| i.0.clone()).collect();
        ids.sort();
        assert_eq!(
            ids,
            [
                "F10/906170857/SE/Payments/20260901-20260930/1",
                "F10/906170857/SE/Transactions/20260911-20260920/1",
            ],
            "{}: {:?}",
            tdb.name,
            sent.failed
        );
        feed.pack(oct2, PackMode::All).await.unwrap();
        let pushed = feed.push_due().await.unwrap();
        assert_eq!(
            (pushed.attempted, pushed.acknowledged),
            (1, 1),
            "{}",
            tdb.name
        );

        let objects = db.taxfeed_objects().await.unwrap();
        assert!(
            objects
                .iter()
                .all(|o| o.kind == ObjectKind::F10 && o.state == ObjectState::Acknowledged),
            "{objects:#?}"
        );
        let flows = db.taxfeed_flows().await.unwrap();
        assert_eq!(flows.len(), 1);
        assert_eq!(
            (flows[0].state, flows[0].ack_status),
            (FlowState::Acknowledged, Some(500))
        );
        let body: Vec<u8> = match db {
            Db::Sqlite(p) => sqlx::query_scalar("SELECT body FROM taxfeed_objects WHERE object_id = 'F10/906170857/SE/Transactions/20260911-20260920/1'").fetch_one(p).await.unwrap(),
            Db::Pg(p) => sqlx::query_scalar("SELECT body FROM taxfeed_objects WHERE object_id = 'F10/906170857/SE/Transactions/20260911-20260920/1'").fetch_one(p).await.unwrap(),
        };
        let xml = String::from_utf8(body).unwrap();
        // Three aggregates: the 12th TLB1 (two rates), the 12th TPS1, the 13th TLB1 (40 sales).
        assert_eq!(xml.matches("<Transactions>").count(), 3, "{xml}");
        let aggregates: Vec<&str> = xml.split("<Transactions>").skip(1).collect();
        for expected in [
            "<Date>20260912</Date>",
            "<CategoryCode>TLB1</CategoryCode>",
            "<TaxExclusiveAmount>110.00</TaxExclusiveAmount>",
            "<TaxTotal>20.55</TaxTotal>",
            "<TransactionsCount>2</TransactionsCount>",
            "<TaxPercent>5.5</TaxPercent>",
        ] {
            assert!(
                aggregates[0].contains(expected),
                "{expected} in {}",
                aggregates[0]
            );
        }
        assert!(xml.contains("<TransactionsCount>40</TransactionsCount>"));

        // A late sale of the 15th: the period goes again, whole, as RE, and is acknowledged.
        let late = json!({"declarant": declarant(), "transactions": [sale("2026-09-15", "TLB1", "20", "7.00", "1.40")]}).to_string();
        assert_eq!(
            post(
                &router,
                "/v1/ereporting/transactions",
                Some("0001"),
                "application/json",
                late
            )
            .await
            .0,
            StatusCode::ACCEPTED
        );
        let sent = feed.transmit_periods(oct2).await.unwrap();
        assert_eq!(
            sent.transmitted
                .iter()
                .map(|i| i.0.as_str())
                .collect::<Vec<_>>(),
            ["F10/906170857/SE/Transactions/20260911-20260920/2"]
        );
        feed.pack(oct2, PackMode::All).await.unwrap();
        assert_eq!(feed.push_due().await.unwrap().acknowledged, 1);
        let period = db
            .taxfeed_transmitted_period(&PeriodKey {
                declarant_siren: SELLER.into(),
                role: "SE".into(),
                kind: "transactions".into(),
                period_start: "2026-09-11".into(),
                period_end: "2026-09-20".into(),
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!((period.sequence, period.records), (2, 5));
        let received = state.counts().await;
        assert_eq!(
            received.len(),
            3,
            "{}: three F10 files taken into account: {received:?}",
            tdb.name
        );
        assert!(
            received.values().all(|&n| n == 1),
            "each once: {received:?}"
        );
        receiver.stop().await;
        tdb.cleanup().await;
    }
}

//! The hub feeds the tax feed, on SQLite and PostgreSQL: invoices submitted through
//! `Hub::submit` (samples and corpus) become F1 files and F6 messages, B2C invoices
//! become 10.3 aggregates sent when their period has closed (and again, corrected,
//! when a late invoice arrives), all valid against the DGFiP XSDs and equal to their
//! sources; the follower's transaction leaves cursor and queue unchanged when it
//! fails, and a re-run enqueues everything once.

use std::collections::BTreeMap;

use facteur::hub::Hub;
use facteur::lifecycle::Status;
use facteur::samples;
use facteur::storage::Db;
use facteur::storage::taxfeed::{Cursor, ObjectKind, StoredDeclarant};
use facteur::taxfeed::f1::Profile;
use facteur::taxfeed::follow::HUB;
use facteur::taxfeed::service::{FeedConfig, TaxFeed, now};

use crate::directory_support::{backends, m};
use crate::hub_support::{execute, world};
use crate::taxfeed::f10::platform;
use crate::taxfeed::{have_xmllint, shared, xmllint};

fn feed(db: &Db, profiles: &[Profile]) -> TaxFeed {
    let mut config = FeedConfig::new(platform());
    config.f1_profiles = profiles.to_vec();
    config.follow_page = 3;
    TaxFeed::new(db.clone(), config)
}

/// A sample invoice marked B2C (the BAR note), with its own number.
fn b2c_invoice(number: &str, lines: usize) -> String {
    samples::ubl_invoice(number, lines).replace(
        "<cbc:Note>#AAB#",
        "<cbc:Note>#BAR#B2C</cbc:Note>\n  <cbc:Note>#AAB#",
    )
}

async fn submit(hub: &Hub, bytes: String) -> Status {
    hub.submit(bytes.into_bytes(), m("0001"), None)
        .await
        .expect("submitted")
        .status
}

/// The stored bodies of the objects of `kind`, by object id.
async fn bodies(db: &Db, kind: &str) -> BTreeMap<String, String> {
    let sql = format!("SELECT object_id, body FROM taxfeed_objects WHERE kind = '{kind}'");
    let rows: Vec<(String, Vec<u8>)> = match db {
        Db::Sqlite(p) => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(p)
            .await
            .unwrap(),
        Db::Pg(p) => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(p)
            .await
            .unwrap(),
    };
    rows.into_iter()
        .map(|(id, body)| (id, String::from_utf8(body).expect("utf-8")))
        .collect()
}

/// The text of the first `<name>…</name>` after `from` in `xml`.
fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(&xml[start..end])
}

fn elements<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(&close) else { break };
        out.push(&after[..j]);
        rest = &after[j + close.len()..];
    }
    out
}

#[tokio::test]
async fn accepted_and_rejected_invoices_become_f1_and_f6_once() {
    for tdb in backends().await {
        let db = &tdb.db;
        let hub = world(db).await;
        assert_eq!(
            submit(&hub, samples::ubl_invoice("TW-1", 2)).await,
            Status::Deposited
        );
        assert_eq!(
            submit(&hub, samples::cii_invoice("TW-2", 3)).await,
            Status::Deposited
        );
        // The same number again from other bytes: a duplicate, rejected (213 DOUBLON).
        assert_eq!(
            submit(&hub, samples::ubl_invoice("TW-1", 4)).await,
            Status::Rejected
        );

        let feed = feed(db, &[Profile::Base, Profile::Full]);
        let stats = feed.follow().await.expect("follow");
        assert_eq!(stats.followed, 3, "{}", tdb.name);
        // Two accepted invoices: 2 F1 (Base, Full) + one F6 200 each; the duplicate: F6 213.
        assert_eq!((stats.objects, stats.problems), (7, 0), "{}", tdb.name);
        assert_eq!(
            stats.pages, 1,
            "3 records fill the page of 3, the next read is empty"
        );
        let (cursor, followed) = db.taxfeed_cursor(HUB).await.unwrap();
        assert!(cursor > Cursor::default());
        assert_eq!(followed, 3);

        let objects = db.taxfeed_objects().await.unwrap();
        let ids: Vec<&str> = objects.iter().map(|o| o.id.0.as_str()).collect();
        for id in [
            "F1/Base/906170857/2026/TW-1",
            "F1/Full/906170857/2026/TW-1",
            "F1/Base/906170857/2026/TW-2",
            "F1/Full/906170857/2026/TW-2",
        ] {
            assert!(ids.contains(&id), "{}: {id} in {ids:?}", tdb.name);
        }
        let f6 = bodies(db, "F6").await;
        assert_eq!(f6.len(), 3, "{}: {:?}", tdb.name, f6.keys());
        let statuses: Vec<&str> = f6
            .values()
            .filter_map(|xml| element(xml, "ram:ProcessConditionCode"))
            .collect();
        let mut sorted = statuses.clone();
        sorted.sort();
        assert_eq!(sorted, ["200", "200", "213"], "{}", tdb.name);
        let rejected = f6
            .values()
            .find(|xml| element(xml, "ram:ProcessConditionCode") == Some("213"))
            .unwrap();
        assert!(
            rejected.contains("DOUBLON"),
            "the 213 carries its reason code"
        );
        assert!(rejected.contains("TW-1"));

        // The F1 files carry the invoices' numbers and totals.
        let f1 = bodies(db, "F1").await;
        let tw2 = &f1["F1/Base/906170857/2026/TW-2"];
        let invoice = facteur::ingest::ingest(
            samples::cii_invoice("TW-2", 3).as_bytes(),
            &facteur::ingest::Options::default(),
        )
        .invoice
        .unwrap();
        let vat = invoice.totals.total_vat.unwrap().value().to_string();
        assert!(tw2.contains(">TW-2<"), "{tw2}");
        assert!(
            tw2.contains(&format!(">{vat}<")),
            "VAT total {vat} in {tw2}"
        );

        // Idempotent: nothing new on a second run, and the same objects.
        let again = feed.follow().await.expect("follow again");
        assert_eq!((again.followed, again.objects), (0, 0));
        assert_eq!(db.taxfeed_objects().await.unwrap().len(), 7);

        if let Some(shared) = shared()
            && have_xmllint()
        {
            let cdar = shared
                .join("reference/xsd/cdar-d22b/CrossDomainAcknowledgementAndResponse_100pD22B.xsd");
            let files: Vec<(String, String)> = f6
                .iter()
                .enumerate()
                .map(|(i, (_, xml))| (format!("f6-{i}.xml"), xml.clone()))
                .collect();
            let failures = xmllint(&cdar, &format!("follow-f6-{}", tdb.name), &files);
            assert!(failures.is_empty(), "{failures:#?}");
        }
        tdb.cleanup().await;
    }
}

#[tokio::test]
async fn b2c_invoices_are_aggregated_per_period_and_corrected_when_late() {
    for tdb in backends().await {
        let db = &tdb.db;
        let hub = world(db).await;
        for (number, lines) in [("C-1", 1), ("C-2", 3)] {
            assert_eq!(
                submit(&hub, b2c_invoice(number, lines)).await,
                Status::Deposited,
                "{}",
                tdb.name
            );
        }
        // The seller reports monthly, in ten-day periods: 2026-09-15 is in 11..20.
        let feed = feed(db, &[Profile::Base]);
        let stats = feed.follow().await.expect("follow");
        assert_eq!(
            (stats.followed, stats.objects, stats.records),
            (2, 0, 2),
            "{}",
            tdb.name
        );

        // Before the period ends nothing leaves; after, the initial transmission.
        let during = facteur::taxfeed::Instant::parse("20260918120000").unwrap();
        assert!(
            feed.transmit_periods(during)
                .await
                .unwrap()
                .transmitted
                .is_empty()
        );
        let after = facteur::taxfeed::Instant::parse("20260921000000").unwrap();
        let sent = feed.transmit_periods(after).await.unwrap();
        assert_eq!(sent.transmitted.len(), 1, "{}: {:?}", tdb.name, sent.failed);
        assert_eq!(
            sent.transmitted[0].0,
            "F10/906170857/SE/Transactions/20260911-20260920/1"
        );
        // Nothing more to send until new data arrives.
        assert!(
            feed.transmit_periods(after)
                .await
                .unwrap()
                .transmitted
                .is_empty()
        );

        let expected = |numbers: &[(&str, usize)]| {
            let mut taxable = rust_decimal::Decimal::ZERO;
            let mut vat = rust_decimal::Decimal::ZERO;
            for (n, lines) in numbers {
                let invoice = facteur::ingest::ingest(
                    b2c_invoice(n, *lines).as_bytes(),
                    &facteur::ingest::Options::default(),
                )
                .invoice
                .unwrap();
                taxable += invoice.totals.sum_of_line_net_amounts.unwrap().value();
                vat += invoice.totals.total_vat.unwrap().value();
            }
            (taxable, vat)
        };
        let f10 = bodies(db, "F10").await;
        let initial = &f10["F10/906170857/SE/Transactions/20260911-20260920/1"];
        assert_eq!(element(initial, "TypeCode"), Some("IN"));
        let (taxable, vat) = expected(&[("C-1", 1), ("C-2", 3)]);
        assert_eq!(
            elements(initial, "Transactions").len(),
            1,
            "one day, one currency, one category"
        );
        assert_eq!(element(initial, "CategoryCode"), Some("TLB1"));
        assert_eq!(
            element(initial, "TaxExclusiveAmount")
                .map(|v| v.parse::<rust_decimal::Decimal>().unwrap()),
            Some(taxable),
            "{initial}"
        );
        assert_eq!(
            element(initial, "TaxTotal").map(|v| v.parse::<rust_decimal::Decimal>().unwrap()),
            Some(vat),
            "{initial}"
        );
        assert_eq!(element(initial, "TransactionsCount"), Some("2"));

        // A late invoice of the same period: a corrective transmission of the whole period.
        assert_eq!(submit(&hub, b2c_invoice("C-3", 2)).await, Status::Deposited);
        assert_eq!(feed.follow().await.unwrap().records, 1);
        let sent = feed.transmit_periods(after).await.unwrap();
        assert_eq!(sent.transmitted.len(), 1);
        let f10 = bodies(db, "F10").await;
        let corrective = &f10["F10/906170857/SE/Transactions/20260911-20260920/2"];
        assert_eq!(element(corrective, "TypeCode"), Some("RE"));
        let (taxable, vat) = expected(&[("C-1", 1), ("C-2", 3), ("C-3", 2)]);
        assert_eq!(
            element(corrective, "TaxExclusiveAmount")
                .map(|v| v.parse::<rust_decimal::Decimal>().unwrap()),
            Some(taxable)
        );
        assert_eq!(
            element(corrective, "TaxTotal").map(|v| v.parse::<rust_decimal::Decimal>().unwrap()),
            Some(vat)
        );
        assert_eq!(element(corrective, "TransactionsCount"), Some("3"));

        // A quarterly declarant reports per month.
        db.taxfeed_upsert_declarant(
            &StoredDeclarant {
                siren: "906170857".into(),
                name: "Seller SAS".into(),
                regime: "NormalQuarterly".into(),
                vat_option_code: None,
            },
            now(),
        )
        .await
        .unwrap();
        let late = b2c_invoice("C-4", 1).replace("2026-09-15", "2026-09-02");
        assert_eq!(submit(&hub, late).await, Status::Deposited);
        assert_eq!(feed.follow().await.unwrap().records, 1);
        let october = facteur::taxfeed::Instant::parse("20261001000000").unwrap();
        let sent = feed.transmit_periods(october).await.unwrap();
        assert_eq!(
            sent.transmitted
                .iter()
                .map(|i| i.0.as_str())
                .collect::<Vec<_>>(),
            ["F10/906170857/SE/Transactions/20260901-20260930/1"]
        );

        if let Some(shared) = shared()
            && have_xmllint()
        {
            let xsd = shared.join("reference/dgfip/xsd-f10/ereporting.xsd");
            let files: Vec<(String, String)> = bodies(db, "F10")
                .await
                .into_values()
                .enumerate()
                .map(|(i, xml)| (format!("f10-{i}.xml"), xml))
                .collect();
            assert_eq!(files.len(), 3);
            let failures = xmllint(&xsd, &format!("follow-f10-{}", tdb.name), &files);
            assert!(failures.is_empty(), "{failures:#?}");
        }
        tdb.cleanup().await;
    }
}

/// A failure injected in the follower's transaction, after the extraction and the
/// cursor's move (a trigger refusing the queue's insert): nothing is kept, neither the
/// cursor nor any object; once the fault is gone a re-run enqueues everything once.
#[tokio::test]
async fn a_failed_follow_leaves_cursor_and_queue_unchanged() {
    for tdb in backends().await {
        let db = &tdb.db;
        let hub = world(db).await;
        for n in 0..5 {
            submit(&hub, samples::ubl_invoice(&format!("K-{n}"), 1)).await;
        }
        match db {
            Db::Sqlite(_) => {
                execute(
                    db,
                    "CREATE TRIGGER injected BEFORE INSERT ON taxfeed_objects \
                     BEGIN SELECT RAISE(ABORT, 'injected fault'); END",
                )
                .await;
            }
            Db::Pg(_) => {
                execute(
                    db,
                    "CREATE FUNCTION injected() RETURNS trigger AS $$ BEGIN \
                     RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql",
                )
                .await;
                execute(
                    db,
                    "CREATE TRIGGER injected BEFORE INSERT ON taxfeed_objects \
                     FOR EACH ROW EXECUTE FUNCTION injected()",
                )
                .await;
            }
        }
        let feed = feed(db, &[Profile::Base]);
        let err = feed.follow().await.expect_err("the fault stops the page");
        assert!(
            err.to_string().contains("injected fault"),
            "{}: {err}",
            tdb.name
        );
        assert_eq!(
            db.taxfeed_cursor(HUB).await.unwrap(),
            (Cursor::default(), 0),
            "{}",
            tdb.name
        );
        assert!(db.taxfeed_objects().await.unwrap().is_empty());

        execute(
            db,
            match db {
                Db::Sqlite(_) => "DROP TRIGGER injected",
                Db::Pg(_) => "DROP TRIGGER injected ON taxfeed_objects",
            },
        )
        .await;
        let stats = feed.follow().await.expect("follow");
        assert_eq!(
            (stats.followed, stats.objects, stats.pages),
            (5, 10, 2),
            "{}",
            tdb.name
        );
        let again = feed.follow().await.expect("follow again");
        assert_eq!(again.objects, 0);
        let objects = db.taxfeed_objects().await.unwrap();
        assert_eq!(
            objects.iter().filter(|o| o.kind == ObjectKind::F1).count(),
            5
        );
        assert_eq!(
            objects.iter().filter(|o| o.kind == ObjectKind::F6).count(),
            5
        );
        tdb.cleanup().await;
    }
}

/// PostgreSQL takes a status id before its transaction commits, so records can
/// become visible out of id order. A record still being written (its transaction
/// open) holds the follower back; once it commits, it is followed, not stepped over.
#[tokio::test]
async fn a_status_committed_late_is_not_stepped_over_on_postgres() {
    use sqlx::Connection;
    let Some(tdb) = crate::directory_support::postgres().await else {
        return;
    };
    let db = &tdb.db;
    let hub = world(db).await;
    let first = hub
        .submit(samples::ubl_invoice("L-1", 1).into_bytes(), m("0001"), None)
        .await
        .unwrap();
    let mut slow = sqlx::PgConnection::connect(&tdb.url).await.unwrap();
    let mut open = slow.begin().await.unwrap();
    // A 210 on L-1 without a reason, whose transaction is still open: its id is taken.
    sqlx::query(
        "INSERT INTO invoice_statuses (invoice_id, seq, status, reasons, comment, set_by, \
         recorded_at, prev_hash, hash) VALUES ($1, 2, 210, '[]', NULL, 2, '2026-11-28T10:00:00Z', 'x', 'y')",
    )
    .bind(&first.invoice_id)
    .execute(&mut *open)
    .await
    .unwrap();
    // L-2 commits after it, with a higher id.
    submit(&hub, samples::ubl_invoice("L-2", 1)).await;

    let feed = feed(db, &[Profile::Base]);
    let stats = feed.follow().await.unwrap();
    assert_eq!(
        stats.followed, 1,
        "only L-1's 200: L-2's waits for the open transaction"
    );
    open.commit().await.unwrap();
    let stats = feed.follow().await.unwrap();
    assert_eq!(stats.followed, 2, "the late 210 and L-2's 200");
    let problems = db.taxfeed_follow_problems().await.unwrap();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].status, 210);
    assert!(
        problems[0].problem.contains("reason code"),
        "{:?}",
        problems[0]
    );
    let ids: Vec<String> = db
        .taxfeed_objects()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id.0)
        .collect();
    assert!(
        ids.contains(&"F1/Base/906170857/2026/L-2".to_string()),
        "{ids:?}"
    );
    slow.close().await.unwrap();
    tdb.cleanup().await;
}

/// The corpus's accepted French invoices submitted through the hub (their buyers'
/// SIRENs given directory lines first): every one the hub accepts as domestic B2B
/// gives, through the follower, exactly the F1 file extracted from its validated model
/// (same bytes, valid against its DGFiP XSD) and its F6 200; nothing else is owed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_invoices_through_the_hub_give_their_f1_and_f6() {
    use facteur::directory::day::{timestamp, unix_now};
    use facteur::directory::model::{Actor, LineSpec};
    use facteur::directory::{Directory, Fallback};
    use facteur::identifiers::{AddressingId, Siren};
    use facteur::taxfeed::f1;
    use facteur::taxfeed::{ProcessingType, processing_type};

    let Some(shared) = shared() else { return };
    let corpus = crate::taxfeed::accepted_corpus_invoices(&shared);
    assert!(
        corpus.len() > 50,
        "{} accepted corpus invoices",
        corpus.len()
    );
    for tdb in backends().await {
        let db = &tdb.db;
        // Lines for the corpus buyers' SIRENs, on platform 0002, before the hub opens.
        let _ = world(db).await;
        let eve = Directory::open(db.clone(), Fallback::Hierarchical)
            .await
            .unwrap()
            .with_today(crate::directory_support::day(crate::hub_support::TODAY).add_days(-1));
        let mut sirens = std::collections::BTreeSet::new();
        for (_, invoice, _) in &corpus {
            let address = invoice
                .buyer
                .electronic_address
                .as_ref()
                .map(|a| a.value.trim().to_string());
            let Some(siren) = address
                .as_deref()
                .and_then(|a| a.get(..9))
                .and_then(|s| Siren::parse(s).ok())
            else {
                continue;
            };
            if siren.as_str() == crate::hub_support::BUYER
                || !sirens.insert(siren.as_str().to_string())
            {
                continue;
            }
            db.upsert_legal_unit(&siren, "Corpus buyer", "A", &timestamp(unix_now()))
                .await
                .unwrap();
            let _ = eve
                .create_line(
                    Actor::Admin,
                    &LineSpec {
                        addressing: AddressingId::parse(siren.as_str()).unwrap(),
                        matricule: m("0002"),
                        start: crate::directory_support::day(crate::hub_support::TODAY),
                        end: None,
                    },
                )
                .await;
        }
        // A hub whose directory index holds the new lines.
        let directory = Directory::open(db.clone(), Fallback::Hierarchical)
            .await
            .unwrap()
            .with_today(crate::directory_support::day(crate::hub_support::TODAY));
        let hub = Hub::new(db.clone(), std::sync::Arc::new(directory));
        let mut expected_f1 = BTreeMap::new();
        let mut deposited = Vec::new();
        for (name, invoice, syntax) in &corpus {
            let bytes = std::fs::read(shared.join("corpus/fr").join(name)).unwrap();
            let receipt = hub.submit(bytes, m("0001"), None).await.unwrap();
            if receipt.status != Status::Deposited
                || processing_type(invoice) != Ok(ProcessingType::B2B)
            {
                continue;
            }
            if let Ok(file) = f1::extract(invoice, *syntax, Profile::Base) {
                deposited.push(file.id.0.splitn(3, '/').nth(2).unwrap().to_string());
                expected_f1.insert(file.id.0.clone(), file);
            }
        }
        // Most corpus buyers' addresses resolve to no line (the hub answers 213
        // DEST_INC), so only a handful are accepted; each must be fed exactly.
        assert!(
            expected_f1.len() >= 5,
            "{}: {} corpus invoices accepted as B2B",
            tdb.name,
            expected_f1.len()
        );

        let feed = feed(db, &[Profile::Base]);
        let stats = feed.follow().await.unwrap();
        let f1 = bodies(db, "F1").await;
        assert_eq!(
            f1.keys().collect::<Vec<_>>(),
            expected_f1.keys().collect::<Vec<_>>(),
            "{}: the F1 files of exactly the accepted domestic invoices ({} problems)",
            tdb.name,
            stats.problems
        );
        for (id, file) in &expected_f1 {
            assert_eq!(
                &f1[id], &file.xml,
                "{id}: the follower's F1 is the model's extract"
            );
        }
        let f6 = bodies(db, "F6").await;
        for key in &deposited {
            let prefix = format!("F6/{key}/200/");
            assert!(
                f6.keys().any(|k| k.starts_with(&prefix)),
                "{}: {prefix}",
                tdb.name
            );
        }
        if have_xmllint() {
            let mut by_xsd: BTreeMap<std::path::PathBuf, Vec<(String, String)>> = BTreeMap::new();
            for file in expected_f1.values() {
                by_xsd
                    .entry(crate::taxfeed::f1_xsd(&shared, file))
                    .or_default()
                    .push((file.file_name.clone(), file.xml.clone()));
            }
            for (i, (xsd, files)) in by_xsd.iter().enumerate() {
                let failures = xmllint(xsd, &format!("follow-corpus-{}-{i}", tdb.name), files);
                assert!(failures.is_empty(), "{failures:#?}");
            }
        }
        tdb.cleanup().await;
    }
}

/// Once its ten days (11 to 20 September) have closed, the seller's transactions
/// period is sent with `number` as its one 10.1 invoice, valid against the F10 XSD.
async fn assert_sent_as_10_1(feed: &TaxFeed, db: &Db, backend: &str, number: &str) {
    let after = facteur::taxfeed::Instant::parse("20260921000000").unwrap();
    let sent = feed.transmit_periods(after).await.unwrap();
    assert_eq!(
        sent.transmitted
            .iter()
            .map(|i| i.0.as_str())
            .collect::<Vec<_>>(),
        ["F10/906170857/SE/Transactions/20260911-20260920/1"],
        "{backend}: {:?}",
        sent.failed
    );
    let f10 = bodies(db, "F10").await;
    let xml = f10.values().next().unwrap();
    assert_eq!(elements(xml, "Invoice").len(), 1, "{xml}");
    assert!(xml.contains(&format!(">{number}<")), "{xml}");
    if let Some(shared) = shared()
        && have_xmllint()
    {
        let xsd = shared.join("reference/dgfip/xsd-f10/ereporting.xsd");
        let failures = xmllint(
            &xsd,
            &format!("int-{number}-{backend}"),
            &[("int.xml".into(), xml.clone())],
        );
        assert!(failures.is_empty(), "{failures:#?}");
    }
}

/// An international B2B invoice (BAR note B2BINT) accepted by the hub is e-reported
/// per invoice (10.1) in its seller's period, read back from its stored document.
#[tokio::test]
async fn an_international_invoice_is_reported_in_its_period() {
    for tdb in backends().await {
        let db = &tdb.db;
        let hub = world(db).await;
        let xml = samples::ubl_invoice("INT-1", 2).replace(
            "<cbc:Note>#AAB#",
            "<cbc:Note>#BAR#B2BINT</cbc:Note>\n  <cbc:Note>#AAB#",
        );
        assert_eq!(submit(&hub, xml).await, Status::Deposited, "{}", tdb.name);
        let feed = feed(db, &[Profile::Base]);
        let stats = feed.follow().await.unwrap();
        assert_eq!(
            (stats.objects, stats.records, stats.problems),
            (0, 1, 0),
            "{}: no F1 or F6 for an international invoice",
            tdb.name
        );
        assert_sent_as_10_1(&feed, db, tdb.name, "INT-1").await;
        tdb.cleanup().await;
    }
}

/// An international B2B invoice that never travels through the hub (its buyer is
/// abroad) is reported by the seller's platform as itself: validated, refused with
/// the reason when it is not B2BINT, not valid or not the caller's to report, else
/// filed once with its document and sent as 10.1 in its period.
#[tokio::test]
async fn a_platform_reports_an_international_invoice_as_a_10_1_transaction() {
    use crate::taxfeed_api::post;
    const PATH: &str = "/v1/ereporting/invoices";
    for tdb in backends().await {
        let db = &tdb.db;
        let router = facteur::api::app(facteur::api::AppState::with_hub(world(db).await));
        let domestic = samples::ubl_invoice("INT-API-1", 2);
        let international = domestic.replace(
            "<cbc:Note>#AAB#",
            "<cbc:Note>#BAR#B2BINT</cbc:Note>\n  <cbc:Note>#AAB#",
        );
        let refusals = [
            ("0002", international.clone(), 403, "may not"),
            ("0001", domestic.clone(), 422, "B2BINT"),
            ("0001", "<Invoice/>".to_string(), 422, "invoice refused"),
            (
                "0001",
                international.replace("<cbc:IssueDate>", "<cbc:IssueDate>x"),
                422,
                "invoice refused",
            ),
        ];
        for (platform, body, status, reason) in refusals {
            let (got, answer) = post(&router, PATH, Some(platform), "application/xml", body).await;
            assert_eq!(got.as_u16(), status, "{}: {answer}", tdb.name);
            assert!(
                answer.to_string().contains(reason),
                "{}: {reason}: {answer}",
                tdb.name
            );
        }
        assert_eq!(
            crate::hub_support::count(db, "taxfeed_ereporting_records").await,
            0
        );
        assert_eq!(crate::hub_support::count(db, "documents").await, 0);

        let (status, answer) = post(
            &router,
            PATH,
            Some("0001"),
            "application/xml",
            international.clone(),
        )
        .await;
        assert_eq!(status.as_u16(), 202, "{}: {answer}", tdb.name);
        assert_eq!(answer["new_records"], 1);
        assert_eq!(
            answer["periods"],
            serde_json::json!([{"kind": "transactions", "start": "2026-09-11", "end": "2026-09-20"}])
        );
        let (status, answer) = post(
            &router,
            PATH,
            Some("0001"),
            "application/xml",
            international,
        )
        .await;
        assert_eq!(
            (status.as_u16(), answer["new_records"].clone()),
            (200, serde_json::json!(0)),
            "a retry files nothing"
        );

        let feed = feed(db, &[Profile::Base]);
        assert_sent_as_10_1(&feed, db, tdb.name, "INT-API-1").await;
        tdb.cleanup().await;
    }
}

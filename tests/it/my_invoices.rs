//! `/v1/my/invoices`: a structure's people see the invoices where its SIREN is seller
//! or buyer; a service's people only those addressed to (BT-49) or issued from (BT-34)
//! its routing code;
//! filters, paging, history, findings and the original, on both backends.

use axum::http::StatusCode;
use serde_json::Value;

use super::accounts_support::{
    CODE_A, CODE_B, SIREN_1, SIRET_1, hub, invoice_from, invoice_to, seed_invoices, submit, world,
};
use super::directory_support::backends;

fn numbers(body: &Value) -> Vec<String> {
    let mut n: Vec<String> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["invoice_number"].as_str().unwrap().to_string())
        .collect();
    n.sort();
    n
}

#[tokio::test]
async fn each_reader_sees_its_structures_and_services_invoices_only() {
    for t in backends().await {
        let hub = hub(&t).await;
        let w = world(&hub).await;
        let inv = seed_invoices(&t.db).await;
        let list = |token: String, query: &'static str| {
            let hub = &hub;
            async move {
                let r = hub
                    .call(
                        "GET",
                        &format!("/v1/my/invoices{query}"),
                        Some(&token),
                        None,
                    )
                    .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                r
            }
        };
        // Who sees what: the manager the whole structure, a service's user its own.
        let r = list(w.m1.clone(), "").await;
        assert_eq!(
            numbers(&r.body),
            ["F-B-1", "MARKA-A-1"],
            "{} ({})",
            r.text,
            t.name
        );
        assert_eq!(r.body["total"], 2);
        assert_eq!(numbers(&list(w.ua.clone(), "").await.body), ["MARKA-A-1"]);
        assert_eq!(numbers(&list(w.ub.clone(), "").await.body), ["F-B-1"]);
        let r = list(w.m2.clone(), "").await;
        assert_eq!(numbers(&r.body), ["F-G-1"]);
        assert!(
            !r.text.contains("MARKA") && !r.text.contains("ACME"),
            "{}",
            r.text
        );
        // Support reads no invoice by itself.
        assert_eq!(list(w.admin.clone(), "").await.body["total"], 0);

        // Filters: counterpart by name (any case) or SIREN, status, issue dates; paging.
        let r = list(w.m1.clone(), "?counterpart=marka").await;
        assert_eq!(numbers(&r.body), ["MARKA-A-1"]);
        let r = list(w.m1.clone(), "?counterpart=906170857").await;
        assert_eq!(r.body["total"], 2, "the seller's SIREN");
        let r = list(w.m1.clone(), "?counterpart=nobody").await;
        assert_eq!(r.body["total"], 0);
        let r = list(w.m1.clone(), "?from=2026-09-15&to=2026-09-15").await;
        assert_eq!(r.body["total"], 2);
        let r = list(w.m1.clone(), "?from=2026-09-16").await;
        assert_eq!(r.body["total"], 0);
        let all = list(w.m1.clone(), "").await;
        let code = all.body["items"][0]["status"].as_i64().unwrap();
        let other = if code == 200 { 213 } else { 200 };
        let r = hub
            .call(
                "GET",
                &format!("/v1/my/invoices?status={code}"),
                Some(&w.m1),
                None,
            )
            .await;
        assert_eq!(r.body["total"], 2, "{}", r.text);
        let r = hub
            .call(
                "GET",
                &format!("/v1/my/invoices?status={other}"),
                Some(&w.m1),
                None,
            )
            .await;
        assert_eq!(r.body["total"], 0, "{}", r.text);
        let r = list(w.m1.clone(), "?per_page=1&page=1").await;
        assert_eq!(r.body["total"], 2);
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
        let r = hub
            .call("GET", "/v1/my/invoices?from=yesterday", Some(&w.m1), None)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);

        // One invoice: its history with labels, its findings; others' answer 404.
        let r = hub
            .call(
                "GET",
                &format!("/v1/my/invoices/{}", inv.a),
                Some(&w.ua),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["history"][0]["seq"], 1);
        assert_eq!(r.body["history"][0]["status"], r.body["status"]);
        assert!(
            !r.body["history"][0]["status_label"]
                .as_str()
                .unwrap()
                .is_empty()
        );
        assert!(r.body["findings"].is_array());
        assert_eq!(r.body["buyer_siren"], SIREN_1);
        for (token, id) in [
            (&w.ub, &inv.a),
            (&w.m2, &inv.a),
            (&w.ua, &inv.globex),
            (&w.ua, &inv.b),
        ] {
            for suffix in ["", "/document"] {
                let r = hub
                    .call(
                        "GET",
                        &format!("/v1/my/invoices/{id}{suffix}"),
                        Some(token),
                        None,
                    )
                    .await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
                assert!(!r.text.contains("MARKA"), "{}", r.text);
            }
        }
        let r = hub
            .call("GET", "/v1/my/invoices/no-such-invoice", Some(&w.m1), None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // The original, byte for byte.
        let r = hub
            .call(
                "GET",
                &format!("/v1/my/invoices/{}/document", inv.a),
                Some(&w.ua),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let original = invoice_to(
            "MARKA-A-1",
            (
                SIREN_1,
                super::accounts_support::SIRET_1,
                "ACME MARKA comptabilité",
            ),
            &format!(
                "{SIREN_1}_{}_{}",
                super::accounts_support::SIRET_1,
                super::accounts_support::CODE_A
            ),
        );
        assert_eq!(r.text.as_bytes(), original.as_slice());

        // A rejection (the same number again: DOUBLON) shows its findings; and an
        // invoice issued from service B (BT-34 with B's routing code) is B's, not A's.
        let rejected = submit(
            &t.db,
            invoice_to(
                "MARKA-A-1",
                (SIREN_1, SIRET_1, "ACME MARKA comptabilité"),
                &format!("{SIREN_1}_{SIRET_1}_{CODE_A}"),
            )
            .into_iter()
            .chain(b"\n".iter().copied())
            .collect(),
        )
        .await;
        assert_eq!(rejected.status.code(), 213, "{:?}", rejected.failures);
        let r = hub
            .call(
                "GET",
                &format!("/v1/my/invoices/{}", rejected.invoice_id),
                Some(&w.m1),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["history"][0]["status"], 213);
        let findings = r.body["findings"].as_array().unwrap();
        assert!(!findings.is_empty(), "{}", r.text);
        assert!(
            findings.iter().all(|f| f["reason"].is_string()),
            "{}",
            r.text
        );
        let r = hub
            .call("GET", "/v1/my/invoices?status=213", Some(&w.m1), None)
            .await;
        assert_eq!(r.body["total"], 1, "{}", r.text);
        let issued = submit(
            &t.db,
            invoice_from(
                "F-B-OUT",
                (SIREN_1, SIRET_1, "ACME achats"),
                &format!("{SIREN_1}_{SIRET_1}_{CODE_B}"),
            ),
        )
        .await;
        let r = hub.call("GET", "/v1/my/invoices", Some(&w.ub), None).await;
        assert_eq!(numbers(&r.body), ["F-B-1", "F-B-OUT"], "{}", r.text);
        let r = hub
            .call(
                "GET",
                &format!("/v1/my/invoices/{}", issued.invoice_id),
                Some(&w.ua),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        let r = hub.call("GET", "/v1/my/invoices", Some(&w.m1), None).await;
        assert_eq!(r.body["total"], 4, "{}", r.text);
        t.cleanup().await;
    }
}

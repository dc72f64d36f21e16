//! Partitioning, route by route: for every accounts endpoint, a call without a
//! token, by a user of another structure, by a technical account of another
//! structure and by a user of another service of the same structure is refused (or,
//! for endpoints about oneself, answers only about the caller), and the data of
//! others never appears in any answer (lists, counts, errors). The table must list
//! every route of the router and of the OpenAPI document, so a new route without a
//! row fails here.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use facteur::api::OPENAPI;
use facteur::api::accounts::ROUTES;
use serde_json::{Value, json};

use super::accounts_support::{
    CODE_A, PASSWORD, SIREN_1, SIREN_2, UA_EMAIL, hub, seed_invoices, world,
};
use super::directory_support::backends;

/// How a route treats callers who are not the resource's owner.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Class {
    /// About a resource of structure 1 or its service A: outsiders are refused.
    Guarded,
    /// About the caller itself: outsiders get their own (empty of others') answer.
    Own,
    /// No token needed (sign-in, reset): anonymous answers leak nothing.
    Public,
}

struct Row {
    method: &'static str,
    template: &'static str,
    uri: String,
    class: Class,
    owner: Option<String>,
    owner_body: Option<Value>,
    owner_status: StatusCode,
    /// What outsiders send (their own, harmless request).
    outsider_body: Option<Value>,
}

fn row(
    method: &'static str,
    template: &'static str,
    uri: String,
    class: Class,
    owner: Option<&str>,
    owner_body: Option<Value>,
    owner_status: StatusCode,
) -> Row {
    Row {
        method,
        template,
        uri,
        class,
        owner: owner.map(str::to_string),
        outsider_body: owner_body.clone(),
        owner_body,
        owner_status,
    }
}

fn documented_operations() -> BTreeSet<(String, String)> {
    let doc: Value = serde_json::from_str(OPENAPI).unwrap();
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .iter()
                // The accounts operations are the ones tagged Comptes (other `/v1/`
                // operations, the hub's, are tested with the hub).
                .filter(|(_, op)| {
                    op["tags"]
                        .as_array()
                        .is_some_and(|t| t.contains(&json!("Comptes")))
                })
                .map(|(m, _)| (m.to_uppercase(), p.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn every_route_refuses_outsiders_and_leaks_nothing() {
    for t in backends().await {
        let hub = hub(&t).await;
        let w = world(&hub).await;
        let invoices = seed_invoices(&t.db).await;
        use StatusCode as S;

        // Resources of structure 1 / service A, all marked MARKA.
        hub.user("applicant-marka@acme.test").await;
        let applicant = hub.sign_in("applicant-marka@acme.test").await;
        let mut requests = Vec::new();
        for comment in ["MARKA open", "MARKA approve", "MARKA refuse"] {
            let r = hub
                .call(
                    "POST",
                    "/v1/requests",
                    Some(&applicant),
                    Some(json!({"siren": SIREN_1, "routing_code": CODE_A, "comment": comment})),
                )
                .await;
            assert_eq!(r.status, S::CREATED, "{}", r.text);
            requests.push(r.body["id"].as_i64().unwrap());
        }
        let mut robots = Vec::new();
        for name in ["MARKA robot 1", "MARKA robot 2"] {
            let r = hub
                .call(
                    "POST",
                    "/v1/technical-accounts",
                    Some(&w.m1),
                    Some(json!({"name": name, "structure": w.s1})),
                )
                .await;
            assert_eq!(r.status, S::CREATED, "{}", r.text);
            robots.push(r.body["id"].as_i64().unwrap());
        }
        let r = hub
            .call(
                "POST",
                "/v1/technical-accounts",
                Some(&w.m2),
                Some(json!({"name": "globex robot", "structure": w.s2})),
            )
            .await;
        let robot2 = r.body["token"].as_str().unwrap().to_string();

        let (s1, a) = (w.s1, w.svc_a);
        let own_request = json!({"siren": SIREN_2, "comment": "hello"});
        let mut rows = vec![
            // Four wrong attempts by the outsiders (a fifth would lock), then the right one.
            Row {
                outsider_body: Some(json!({"email": UA_EMAIL, "password": "not the password"})),
                ..row(
                    "POST",
                    "/v1/auth/sign-in",
                    "/v1/auth/sign-in".into(),
                    Class::Public,
                    None,
                    Some(json!({"email": UA_EMAIL, "password": PASSWORD})),
                    S::OK,
                )
            },
            row(
                "POST",
                "/v1/auth/sign-out",
                "/v1/auth/sign-out".into(),
                Class::Own,
                Some(&applicant),
                None,
                S::NO_CONTENT,
            ),
            row(
                "POST",
                "/v1/auth/password-reset",
                "/v1/auth/password-reset".into(),
                Class::Public,
                None,
                Some(json!({"email": UA_EMAIL})),
                S::ACCEPTED,
            ),
            row(
                "POST",
                "/v1/auth/password-reset/confirm",
                "/v1/auth/password-reset/confirm".into(),
                Class::Public,
                None,
                Some(json!({"token": "fct_reset_guess", "password": "a new long password"})),
                S::BAD_REQUEST,
            ),
            row(
                "GET",
                "/v1/me",
                "/v1/me".into(),
                Class::Own,
                Some(&w.ua),
                None,
                S::OK,
            ),
            row(
                "GET",
                "/v1/structures",
                "/v1/structures".into(),
                Class::Own,
                Some(&w.m1),
                None,
                S::OK,
            ),
            row(
                "POST",
                "/v1/structures",
                "/v1/structures".into(),
                Class::Guarded,
                Some(&w.admin),
                Some(
                    json!({"siren": SIREN_1, "name": "MARKA again", "principal_manager": UA_EMAIL}),
                ),
                S::UNPROCESSABLE_ENTITY,
            ),
            row(
                "GET",
                "/v1/structures/{structure}",
                format!("/v1/structures/{s1}"),
                Class::Guarded,
                Some(&w.m1),
                None,
                S::OK,
            ),
            row(
                "GET",
                "/v1/structures/{structure}/services",
                format!("/v1/structures/{s1}/services"),
                Class::Guarded,
                Some(&w.m1),
                None,
                S::OK,
            ),
            row(
                "POST",
                "/v1/structures/{structure}/services",
                format!("/v1/structures/{s1}/services"),
                Class::Guarded,
                Some(&w.m1),
                Some(json!({"name": "MARKA new service"})),
                S::CREATED,
            ),
            row(
                "GET",
                "/v1/structures/{structure}/services/{service}",
                format!("/v1/structures/{s1}/services/{a}"),
                Class::Guarded,
                Some(&w.ua),
                None,
                S::OK,
            ),
            row(
                "POST",
                "/v1/structures/{structure}/principal-manager",
                format!("/v1/structures/{s1}/principal-manager"),
                Class::Guarded,
                Some(&w.m1),
                Some(json!({"email": "m2@globex.test"})),
                S::UNPROCESSABLE_ENTITY,
            ),
            row(
                "POST",
                "/v1/structures/{structure}/principal-manager/assign",
                format!("/v1/structures/{s1}/principal-manager/assign"),
                Class::Guarded,
                Some(&w.admin),
                Some(json!({"email": UA_EMAIL, "reason": "MARKA"})),
                S::CONFLICT,
            ),
            row(
                "GET",
                "/v1/structures/{structure}/audit",
                format!("/v1/structures/{s1}/audit"),
                Class::Guarded,
                Some(&w.m1),
                None,
                S::OK,
            ),
            row(
                "GET",
                "/v1/requests",
                "/v1/requests".into(),
                Class::Own,
                Some(&applicant),
                None,
                S::OK,
            ),
            Row {
                outsider_body: Some(own_request.clone()),
                ..row(
                    "POST",
                    "/v1/requests",
                    "/v1/requests".into(),
                    Class::Own,
                    Some(&w.ua),
                    Some(
                        json!({"siren": SIREN_1, "routing_code": CODE_A, "rights": ["submit_invoices"], "comment": "MARKA more"}),
                    ),
                    S::CREATED,
                )
            },
            row(
                "GET",
                "/v1/requests/pending",
                "/v1/requests/pending".into(),
                Class::Own,
                Some(&w.m1),
                None,
                S::OK,
            ),
            row(
                "GET",
                "/v1/requests/{request}",
                format!("/v1/requests/{}", requests[0]),
                Class::Guarded,
                Some(&w.m1),
                None,
                S::OK,
            ),
            row(
                "POST",
                "/v1/requests/{request}/approve",
                format!("/v1/requests/{}/approve", requests[1]),
                Class::Guarded,
                Some(&w.m1),
                None,
                S::OK,
            ),
            row(
                "POST",
                "/v1/requests/{request}/refuse",
                format!("/v1/requests/{}/refuse", requests[2]),
                Class::Guarded,
                Some(&w.m1),
                Some(json!({"reason": "MARKA unknown here"})),
                S::OK,
            ),
            row(
                "GET",
                "/v1/technical-accounts",
                format!("/v1/technical-accounts?structure={s1}"),
                Class::Guarded,
                Some(&w.m1),
                None,
                S::OK,
            ),
            row(
                "POST",
                "/v1/technical-accounts",
                "/v1/technical-accounts".into(),
                Class::Guarded,
                Some(&w.m1),
                Some(json!({"name": "MARKA robot 3", "structure": s1})),
                S::CREATED,
            ),
            row(
                "POST",
                "/v1/technical-accounts/{account}/rotate",
                format!("/v1/technical-accounts/{}/rotate", robots[0]),
                Class::Guarded,
                Some(&w.m1),
                None,
                S::OK,
            ),
            row(
                "DELETE",
                "/v1/technical-accounts/{account}",
                format!("/v1/technical-accounts/{}", robots[1]),
                Class::Guarded,
                Some(&w.m1),
                None,
                S::OK,
            ),
            row(
                "GET",
                "/v1/my/invoices",
                "/v1/my/invoices".into(),
                Class::Own,
                Some(&w.ua),
                None,
                S::OK,
            ),
            row(
                "GET",
                "/v1/my/invoices/{id}",
                format!("/v1/my/invoices/{}", invoices.a),
                Class::Guarded,
                Some(&w.ua),
                None,
                S::OK,
            ),
            row(
                "GET",
                "/v1/my/invoices/{id}/document",
                format!("/v1/my/invoices/{}/document", invoices.a),
                Class::Guarded,
                Some(&w.ua),
                None,
                S::OK,
            ),
        ];
        // Sign-out last, so that every other row still has its sessions.
        rows.sort_by_key(|r| r.template == "/v1/auth/sign-out");

        // The table, the router's list and the OpenAPI document agree.
        let listed: BTreeSet<(String, String)> = rows
            .iter()
            .map(|r| (r.method.to_string(), r.template.to_string()))
            .collect();
        assert_eq!(listed.len(), rows.len(), "a route is listed twice");
        let routed: BTreeSet<(String, String)> = ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        assert_eq!(listed, routed, "every route has a row in this table");
        assert_eq!(
            documented_operations(),
            routed,
            "every route is in openapi.json"
        );

        // Outsiders: (name, token, markers that must never appear in their answers).
        let outsiders: Vec<(&str, Option<&str>, &[&str])> = vec![
            ("anonymous", None, &["MARKA", "ACME", "m1@acme"]),
            (
                "user of another structure",
                Some(&w.m2),
                &["MARKA", "ACME", "m1@acme"],
            ),
            (
                "technical account of another structure",
                Some(&robot2),
                &["MARKA", "ACME", "m1@acme"],
            ),
            (
                "user of another service of the same structure",
                Some(&w.ub),
                &["MARKA"],
            ),
        ];
        for row in &rows {
            for (who, token, markers) in &outsiders {
                let r = hub
                    .call(row.method, &row.uri, *token, row.outsider_body.clone())
                    .await;
                let what = format!(
                    "{} {} by {who} ({}): {}",
                    row.method, row.uri, t.name, r.text
                );
                for marker in *markers {
                    assert!(!r.text.contains(marker), "{what} shows {marker}");
                }
                match (row.class, token) {
                    (Class::Public, _) => assert_ne!(r.status, S::INTERNAL_SERVER_ERROR, "{what}"),
                    (_, None) => assert_eq!(r.status, S::UNAUTHORIZED, "{what}"),
                    (Class::Guarded, Some(_)) => assert!(
                        r.status == S::NOT_FOUND || r.status == S::FORBIDDEN,
                        "{what}: expected 403 or 404"
                    ),
                    (Class::Own, Some(_)) => assert!(
                        r.status.is_success()
                            || r.status == S::FORBIDDEN
                            || r.status == S::UNPROCESSABLE_ENTITY,
                        "{what}"
                    ),
                }
            }
            // And the owner is served: the refusals above are not a broken route.
            let r = hub
                .call(
                    row.method,
                    &row.uri,
                    row.owner.as_deref(),
                    row.owner_body.clone(),
                )
                .await;
            assert_eq!(
                r.status, row.owner_status,
                "{} {} by its owner ({}): {}",
                row.method, row.uri, t.name, r.text
            );
        }

        // Counts: the pending approvals of outsiders do not count structure 1's (m2
        // has ub's own request to Globex, made in the table above; ub has none on B).
        // (The sign-out row ended the outsiders' sessions: their old tokens are dead.)
        let r = hub.call("GET", "/v1/me", Some(&w.m2), None).await;
        assert_eq!(r.status, S::UNAUTHORIZED, "{}", r.text);
        let m2 = hub.sign_in("m2@globex.test").await;
        let ub = hub.sign_in("ub@acme.test").await;
        let r = hub
            .call("GET", "/v1/requests/pending", Some(&m2), None)
            .await;
        assert_eq!(r.body["total"], 1, "{}", r.text);
        assert_eq!(
            r.body["items"][0]["structure"]["siren"], SIREN_2,
            "{}",
            r.text
        );
        let r = hub
            .call("GET", "/v1/requests/pending", Some(&ub), None)
            .await;
        assert_eq!(r.body["total"], 0, "{}", r.text);
        let r = hub
            .call("GET", "/v1/requests/pending", Some(&w.m1), None)
            .await;
        assert_eq!(r.body["total"], 2, "MARKA open and MARKA more: {}", r.text);
        t.cleanup().await;
    }
}

//! The accounts flows through the HTTP API, on SQLite and PostgreSQL with the same
//! bodies: sign-in lock-out (with the hand-moved clock, no sleeping), the answers
//! that must not tell whether an email has an account, the password reset, approval
//! and refusal, principal-manager hand-over and assignment, technical accounts,
//! switching accounts, and the audit trail they leave.

use std::time::Instant as WallClock;

use axum::http::StatusCode as S;
use facteur::accounts::service::Caller;
use serde_json::{Value, json};

use super::accounts_support::{
    CODE_A, CODE_B, Hub, PASSWORD, SIREN_1, SIREN_2, UA_EMAIL, hub, world,
};
use super::directory_support::backends;

fn sign_in_body(email: &str, password: &str) -> Option<Value> {
    Some(json!({"email": email, "password": password}))
}

async fn admin_caller(hub: &Hub, token: &str) -> Caller {
    hub.accounts
        .authenticate(&facteur::accounts::password::Secret::new(token))
        .await
        .unwrap()
}

#[tokio::test]
async fn five_failures_lock_for_an_hour_with_the_time_then_unlock() {
    for t in backends().await {
        let hub = hub(&t).await;
        hub.user("lena@acme.test").await;
        let wrong = sign_in_body("lena@acme.test", "wrong password!");
        let right = sign_in_body("lena@acme.test", PASSWORD);
        for i in 0..4 {
            let r = hub
                .call("POST", "/v1/auth/sign-in", None, wrong.clone())
                .await;
            assert_eq!(r.status, S::UNAUTHORIZED, "attempt {i}: {}", r.text);
            assert_eq!(r.body["detail"], "wrong email or password");
        }
        hub.clock.advance(10);
        let r = hub
            .call("POST", "/v1/auth/sign-in", None, wrong.clone())
            .await;
        assert_eq!(r.status, S::LOCKED, "the fifth failure locks: {}", r.text);
        let locked = "this account is locked after 5 failed sign-in attempts; it unlocks at 2026-11-28T02:00:10Z";
        assert_eq!(r.body["detail"], locked, "{}", t.name);
        // Locked even with the right password, until the hour is over.
        hub.clock.advance(3599);
        let r = hub
            .call("POST", "/v1/auth/sign-in", None, right.clone())
            .await;
        assert_eq!(r.status, S::LOCKED);
        assert_eq!(r.body["detail"], locked);
        hub.clock.advance(1);
        let r = hub
            .call("POST", "/v1/auth/sign-in", None, right.clone())
            .await;
        assert_eq!(r.status, S::OK, "unlocked after an hour: {}", r.text);
        assert_eq!(
            r.body["expires_at"], "2026-11-28T14:00:10Z",
            "12-hour session"
        );
        // The success cleared the count: four more failures do not lock.
        for _ in 0..4 {
            let r = hub
                .call("POST", "/v1/auth/sign-in", None, wrong.clone())
                .await;
            assert_eq!(r.status, S::UNAUTHORIZED);
        }
        let r = hub.call("POST", "/v1/auth/sign-in", None, right).await;
        assert_eq!(r.status, S::OK);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn answers_do_not_tell_whether_an_email_has_an_account() {
    for t in backends().await {
        let hub = hub(&t).await;
        hub.user("lena@acme.test").await;
        // Warm the decoy hash so that both sides are timed in their steady state.
        let _ = facteur::accounts::password::decoy_hash();
        let mut known = Vec::new();
        let mut unknown = Vec::new();
        for i in 0..5 {
            let started = WallClock::now();
            let a = hub
                .call(
                    "POST",
                    "/v1/auth/sign-in",
                    None,
                    sign_in_body("lena@acme.test", "wrong password!"),
                )
                .await;
            known.push(started.elapsed());
            let started = WallClock::now();
            let b = hub
                .call(
                    "POST",
                    "/v1/auth/sign-in",
                    None,
                    sign_in_body("nobody@acme.test", "wrong password!"),
                )
                .await;
            unknown.push(started.elapsed());
            // Same status and body, the fifth (locking) attempt included.
            assert_eq!(
                (a.status, &a.text),
                (b.status, &b.text),
                "attempt {i} ({})",
                t.name
            );
        }
        // Same timing class: both verify an Argon2 hash (a skipped hash would be
        // a hundred times faster). The medians are compared loosely: the machine is shared.
        known.sort();
        unknown.sort();
        let (k, u) = (known[2].as_secs_f64(), unknown[2].as_secs_f64());
        assert!(
            k < u * 5.0 && u < k * 5.0,
            "known {k:.4}s vs unknown {u:.4}s"
        );
        // Reset requests: the same answer, a link only for the real account.
        let a = hub
            .call(
                "POST",
                "/v1/auth/password-reset",
                None,
                Some(json!({"email": "LENA@acme.test"})),
            )
            .await;
        let b = hub
            .call(
                "POST",
                "/v1/auth/password-reset",
                None,
                Some(json!({"email": "nobody@acme.test"})),
            )
            .await;
        assert_eq!(a.status, S::ACCEPTED);
        assert_eq!((a.status, &a.text), (b.status, &b.text));
        assert_eq!(hub.mail.count(), 1, "one link, to the existing account");
        assert!(
            hub.mail.last_for("lena@acme.test").is_some(),
            "emails match whatever their case"
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_reset_link_works_once_and_expires() {
    for t in backends().await {
        let hub = hub(&t).await;
        hub.user("lena@acme.test").await;
        let old_session = hub.sign_in("lena@acme.test").await;
        let ask = || async {
            hub.call(
                "POST",
                "/v1/auth/password-reset",
                None,
                Some(json!({"email": "lena@acme.test"})),
            )
            .await;
            hub.mail.last_for("lena@acme.test").unwrap()
        };
        let token = ask().await;
        // A password that is too short is refused without spending the link.
        let r = hub
            .call(
                "POST",
                "/v1/auth/password-reset/confirm",
                None,
                Some(json!({"token": token, "password": "short"})),
            )
            .await;
        assert_eq!(r.status, S::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(
            r.body["detail"],
            "the password must have at least 12 characters"
        );
        let new = json!({"token": token, "password": "a brand new passphrase"});
        let r = hub
            .call(
                "POST",
                "/v1/auth/password-reset/confirm",
                None,
                Some(new.clone()),
            )
            .await;
        assert_eq!(r.status, S::NO_CONTENT, "{}", r.text);
        // Single use.
        let r = hub
            .call("POST", "/v1/auth/password-reset/confirm", None, Some(new))
            .await;
        assert_eq!(r.status, S::BAD_REQUEST);
        assert_eq!(
            r.body["detail"],
            "this reset link is invalid or has expired; ask for a new one"
        );
        // The new password works, the old one and the old session do not.
        let r = hub
            .call(
                "POST",
                "/v1/auth/sign-in",
                None,
                sign_in_body("lena@acme.test", PASSWORD),
            )
            .await;
        assert_eq!(r.status, S::UNAUTHORIZED);
        let r = hub
            .call(
                "POST",
                "/v1/auth/sign-in",
                None,
                sign_in_body("lena@acme.test", "a brand new passphrase"),
            )
            .await;
        assert_eq!(r.status, S::OK);
        let r = hub.call("GET", "/v1/me", Some(&old_session), None).await;
        assert_eq!(r.status, S::UNAUTHORIZED, "a reset ends the sessions");
        // Expiry: 30 minutes.
        let token = ask().await;
        hub.clock.advance(1800);
        let r = hub
            .call(
                "POST",
                "/v1/auth/password-reset/confirm",
                None,
                Some(json!({"token": token, "password": "another passphrase!"})),
            )
            .await;
        assert_eq!(r.status, S::BAD_REQUEST, "expired: {}", r.text);
        // A guessed token gets the same answer.
        let r = hub
            .call(
                "POST",
                "/v1/auth/password-reset/confirm",
                None,
                Some(json!({"token": "fct_reset_00", "password": "another passphrase!"})),
            )
            .await;
        assert_eq!(
            r.body["detail"],
            "this reset link is invalid or has expired; ask for a new one"
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn requests_are_approved_at_once_or_refused_with_a_reason_the_requester_sees() {
    for t in backends().await {
        let hub = hub(&t).await;
        let w = world(&hub).await;
        hub.user("zoe@acme.test").await;
        let zoe = hub.sign_in("zoe@acme.test").await;
        let ask = |body: Value| {
            let zoe = zoe.clone();
            let hub = &hub;
            async move {
                let r = hub
                    .call("POST", "/v1/requests", Some(&zoe), Some(body))
                    .await;
                assert_eq!(r.status, S::CREATED, "{}", r.text);
                r.body
            }
        };
        // Bad requests are refused with what is wrong.
        let r = hub
            .call(
                "POST",
                "/v1/requests",
                Some(&zoe),
                Some(json!({"siren": SIREN_1, "comment": "  "})),
            )
            .await;
        assert_eq!(r.status, S::UNPROCESSABLE_ENTITY);
        assert_eq!(r.body["detail"], "the comment must not be empty");
        let r = hub
            .call(
                "POST",
                "/v1/requests",
                Some(&zoe),
                Some(json!({"siren": SIREN_1, "rights": ["manage_users"], "comment": "more"})),
            )
            .await;
        assert_eq!(
            r.status,
            S::UNPROCESSABLE_ENTITY,
            "extra rights need membership: {}",
            r.text
        );
        let r = hub
            .call(
                "POST",
                "/v1/requests",
                Some(&zoe),
                Some(json!({"siren": SIREN_1, "routing_code": "NOPE", "comment": "x"})),
            )
            .await;
        assert_eq!(r.status, S::NOT_FOUND);
        assert_eq!(r.body["detail"], "service not found");

        let first = ask(
            json!({"siren": SIREN_1, "routing_code": CODE_A, "comment": "je rejoins la compta"}),
        )
        .await;
        let second =
            ask(json!({"siren": SIREN_1, "routing_code": CODE_B, "comment": "et les achats"}))
                .await;
        assert_eq!(first["state"], "pending");

        // The manager's pending approvals: count and list with what the issue lists.
        let r = hub
            .call("GET", "/v1/requests/pending?per_page=1", Some(&w.m1), None)
            .await;
        assert_eq!(r.body["total"], 2, "{}", r.text);
        let item = &r.body["items"][0];
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "paged");
        assert_eq!(item["state"], "pending");
        assert_eq!(
            item["description"],
            "zoe@acme.test asks to be attached to service Comptabilité MARKA of ACME"
        );
        assert_eq!(item["requester"]["email"], "zoe@acme.test");
        assert_eq!(item["structure"]["name"], "ACME");
        assert_eq!(item["service"]["routing_code"], CODE_A);
        assert_eq!(item["created_at"], "2026-11-28T01:00:00Z");
        let r = hub
            .call(
                "GET",
                "/v1/requests/pending?page=1&per_page=1",
                Some(&w.m1),
                None,
            )
            .await;
        assert_eq!(r.body["items"][0]["id"], second["id"]);
        // ub manages service B only: sees the B request, not the A one.
        let r = hub
            .call("GET", "/v1/requests/pending", Some(&w.ub), None)
            .await;
        assert_eq!(r.body["total"], 1);
        assert_eq!(r.body["items"][0]["id"], second["id"]);

        // Open one: requester, comment; no approver yet.
        let id = first["id"].as_i64().unwrap();
        let r = hub
            .call("GET", &format!("/v1/requests/{id}"), Some(&w.m1), None)
            .await;
        assert_eq!(r.body["comment"], "je rejoins la compta");
        assert_eq!(r.body["approver"], Value::Null);

        // Before approval zoe cannot see service A; after, at once.
        let service_a = format!("/v1/structures/{}/services/{}", w.s1, w.svc_a);
        assert_eq!(
            hub.call("GET", &service_a, Some(&zoe), None).await.status,
            S::NOT_FOUND
        );
        hub.clock.advance(60);
        let r = hub
            .call(
                "POST",
                &format!("/v1/requests/{id}/approve"),
                Some(&w.m1),
                None,
            )
            .await;
        assert_eq!(r.status, S::OK, "{}", r.text);
        assert_eq!(r.body["state"], "approved");
        assert_eq!(r.body["approver"]["email"], "m1@acme.test");
        assert_eq!(r.body["decided_at"], "2026-11-28T01:01:00Z");
        assert_eq!(
            hub.call("GET", &service_a, Some(&zoe), None).await.status,
            S::OK
        );
        let me = hub.call("GET", "/v1/me", Some(&zoe), None).await;
        assert_eq!(
            me.body["memberships"][0]["rights"],
            json!(["read_invoices"])
        );
        // Decided once only.
        let r = hub
            .call(
                "POST",
                &format!("/v1/requests/{id}/approve"),
                Some(&w.m1),
                None,
            )
            .await;
        assert_eq!(r.status, S::CONFLICT);
        assert_eq!(r.body["detail"], "this request was already decided");

        // Refusal: the reason is mandatory, and the request stays pending without it.
        let id2 = second["id"].as_i64().unwrap();
        let refuse = format!("/v1/requests/{id2}/refuse");
        for body in [None, Some(json!({"reason": "   "}))] {
            let r = hub.call("POST", &refuse, Some(&w.ub), body).await;
            assert_eq!(r.status, S::UNPROCESSABLE_ENTITY, "{}", r.text);
            assert_eq!(r.body["detail"], "a reason is required");
        }
        let r = hub
            .call("GET", &format!("/v1/requests/{id2}"), Some(&zoe), None)
            .await;
        assert_eq!(r.body["state"], "pending");
        // A requester cannot decide their own request.
        let r = hub
            .call(
                "POST",
                &format!("/v1/requests/{id2}/approve"),
                Some(&zoe),
                None,
            )
            .await;
        assert_eq!(r.status, S::FORBIDDEN, "{}", r.text);
        let r = hub
            .call(
                "POST",
                &refuse,
                Some(&w.ub),
                Some(json!({"reason": "inconnue aux achats"})),
            )
            .await;
        assert_eq!(r.status, S::OK, "{}", r.text);

        // The requester sees each outcome, the approver and the reason.
        let r = hub.call("GET", "/v1/requests", Some(&zoe), None).await;
        let items = r.body["items"].as_array().unwrap();
        let refused = items.iter().find(|i| i["id"] == second["id"]).unwrap();
        assert_eq!(refused["state"], "refused");
        assert_eq!(refused["reason"], "inconnue aux achats");
        assert_eq!(refused["approver"]["email"], "ub@acme.test");
        let approved = items.iter().find(|i| i["id"] == first["id"]).unwrap();
        assert_eq!(approved["state"], "approved");
        assert_eq!(approved["reason"], Value::Null);
        assert_eq!(
            hub.call("GET", "/v1/requests/pending", Some(&w.m1), None)
                .await
                .body["total"],
            0
        );

        // Extra rights on a scope one belongs to, approved: zoe now decides for A.
        let more = ask(json!({"siren": SIREN_1, "routing_code": CODE_A, "rights": ["manage_users"], "comment": "je remplace Paul"})).await;
        let r = hub
            .call(
                "POST",
                &format!("/v1/requests/{}/approve", more["id"]),
                Some(&w.m1),
                None,
            )
            .await;
        assert_eq!(r.status, S::OK, "{}", r.text);
        hub.user("newbie@acme.test").await;
        let newbie = hub.sign_in("newbie@acme.test").await;
        hub.call(
            "POST",
            "/v1/requests",
            Some(&newbie),
            Some(json!({"siren": SIREN_1, "routing_code": CODE_A, "comment": "bonjour"})),
        )
        .await;
        let r = hub
            .call("GET", "/v1/requests/pending", Some(&zoe), None)
            .await;
        assert_eq!(r.body["total"], 1, "{}", r.text);

        // Every decision is in the audit trail: who, when, what, why.
        let r = hub
            .call(
                "GET",
                &format!("/v1/structures/{}/audit", w.s1),
                Some(&w.m1),
                None,
            )
            .await;
        let events = r.body["items"].as_array().unwrap();
        let refusal = events.iter().find(|e| e["action"] == "refuse").unwrap();
        assert_eq!(refusal["actor"]["email"], "ub@acme.test");
        assert_eq!(refusal["subject"], format!("request {id2}"));
        assert_eq!(refusal["reason"], "inconnue aux achats");
        assert_eq!(refusal["at"], "2026-11-28T01:01:00Z");
        let approval = events
            .iter()
            .find(|e| e["action"] == "approve" && e["subject"] == format!("request {id}"))
            .unwrap();
        assert_eq!(approval["actor"]["email"], "m1@acme.test");
        assert_eq!(r.body["total"].as_u64().unwrap() as usize, events.len());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_principal_manager_is_handed_over_and_never_missing() {
    for t in backends().await {
        let hub = hub(&t).await;
        let w = world(&hub).await;
        let structure = format!("/v1/structures/{}", w.s1);
        let transfer = format!("{structure}/principal-manager");
        // Only to a user of the structure.
        for email in ["m2@globex.test", "nobody@acme.test", "m1@acme.test"] {
            let r = hub
                .call(
                    "POST",
                    &transfer,
                    Some(&w.m1),
                    Some(json!({"email": email})),
                )
                .await;
            assert_eq!(r.status, S::UNPROCESSABLE_ENTITY, "{email}: {}", r.text);
            assert_eq!(
                r.body["detail"],
                "the new principal manager must be a user of the structure"
            );
        }
        // ub manages users on service B but is not the principal manager.
        let r = hub
            .call(
                "POST",
                &transfer,
                Some(&w.ub),
                Some(json!({"email": UA_EMAIL})),
            )
            .await;
        assert_eq!(r.status, S::NOT_FOUND);
        let r = hub
            .call(
                "POST",
                &transfer,
                Some(&w.m1),
                Some(json!({"email": UA_EMAIL})),
            )
            .await;
        assert_eq!(r.status, S::OK, "{}", r.text);
        assert_eq!(r.body["principal_manager"]["email"], UA_EMAIL);
        // The former manager no longer is.
        let r = hub
            .call(
                "POST",
                &transfer,
                Some(&w.m1),
                Some(json!({"email": "ub@acme.test"})),
            )
            .await;
        assert_eq!(r.status, S::NOT_FOUND, "{}", r.text);
        let r = hub.call("GET", "/v1/me", Some(&w.ua), None).await;
        assert_eq!(r.body["principal_manager_of"][0]["siren"], SIREN_1);

        // Support cannot assign over a present manager.
        let assign = format!("{structure}/principal-manager/assign");
        let r = hub
            .call(
                "POST",
                &assign,
                Some(&w.admin),
                Some(json!({"email": "ub@acme.test", "reason": "départ"})),
            )
            .await;
        assert_eq!(r.status, S::CONFLICT, "{}", r.text);
        assert_eq!(
            r.body["detail"],
            "the structure has a principal manager: it must hand the role over itself"
        );
        // The manager leaves: the structure waits for support, which assigns one.
        let admin = admin_caller(&hub, &w.admin).await;
        hub.accounts
            .disable_user(&admin, UA_EMAIL, "left the company")
            .await
            .unwrap();
        let r = hub
            .call(
                "GET",
                &format!("/v1/structures/{}/services/{}", w.s1, w.svc_b),
                Some(&w.ub),
                None,
            )
            .await;
        assert_eq!(r.status, S::OK);
        let r = hub.call("GET", &structure, Some(&w.ua), None).await;
        assert_eq!(r.status, S::UNAUTHORIZED, "a disabled user's sessions end");
        let r = hub
            .call(
                "POST",
                &assign,
                Some(&w.m2),
                Some(json!({"email": "ub@acme.test", "reason": "départ"})),
            )
            .await;
        assert_eq!(r.status, S::FORBIDDEN, "only support assigns");
        let r = hub
            .call(
                "POST",
                &assign,
                Some(&w.admin),
                Some(json!({"email": "ub@acme.test", "reason": " "})),
            )
            .await;
        assert_eq!(r.status, S::UNPROCESSABLE_ENTITY);
        assert_eq!(r.body["detail"], "a reason is required");
        let r = hub
            .call(
                "POST",
                &assign,
                Some(&w.admin),
                Some(json!({"email": "m2@globex.test", "reason": "départ"})),
            )
            .await;
        assert_eq!(
            r.status,
            S::UNPROCESSABLE_ENTITY,
            "not a member: {}",
            r.text
        );
        let r = hub
            .call(
                "POST",
                &assign,
                Some(&w.admin),
                Some(json!({"email": "ub@acme.test", "reason": "départ de la gestionnaire"})),
            )
            .await;
        assert_eq!(r.status, S::OK, "{}", r.text);
        assert_eq!(r.body["principal_manager"]["email"], "ub@acme.test");
        let r = hub.call("GET", &structure, Some(&w.ub), None).await;
        assert_eq!(
            r.body["principal_manager"]["email"], "ub@acme.test",
            "ub now sees the structure"
        );

        // Both changes are audited, with the support's reason.
        let r = hub
            .call("GET", &format!("{structure}/audit"), Some(&w.ub), None)
            .await;
        let events = r.body["items"].as_array().unwrap();
        assert_eq!(events[0]["action"], "assign_principal_manager");
        assert_eq!(events[0]["actor"]["email"], "support@hub.test");
        assert_eq!(events[0]["reason"], "départ de la gestionnaire");
        assert_eq!(events[1]["action"], "transfer_principal_manager");
        assert_eq!(events[1]["actor"]["email"], "m1@acme.test");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn technical_accounts_are_created_rotated_and_revoked_by_managers() {
    for t in backends().await {
        let hub = hub(&t).await;
        let w = world(&hub).await;
        let r = hub
            .call(
                "POST",
                "/v1/technical-accounts",
                Some(&w.m1),
                Some(json!({"name": "ERP", "structure": w.s1})),
            )
            .await;
        assert_eq!(r.status, S::CREATED, "{}", r.text);
        let id = r.body["id"].as_i64().unwrap();
        let token = r.body["token"].as_str().unwrap().to_string();
        assert!(token.starts_with("fct_api_"));
        // Listed without its token.
        let list = hub
            .call(
                "GET",
                &format!("/v1/technical-accounts?structure={}", w.s1),
                Some(&w.m1),
                None,
            )
            .await;
        assert!(!list.text.contains(&token));
        assert_eq!(
            list.body["items"][0]["scope"],
            json!({"kind": "structure", "structure": w.s1})
        );
        // The token authenticates as the machine, which is no person.
        let me = hub.call("GET", "/v1/me", Some(&token), None).await;
        assert_eq!(me.body["kind"], "technical_account");
        assert_eq!(me.body["technical_account"]["name"], "ERP");
        let r = hub.call("GET", "/v1/requests", Some(&token), None).await;
        assert_eq!(r.status, S::FORBIDDEN);
        assert_eq!(
            r.body["detail"],
            "you are not allowed to do this with a technical account"
        );
        // Rotation: the old token stops, the new one works.
        let r = hub
            .call(
                "POST",
                &format!("/v1/technical-accounts/{id}/rotate"),
                Some(&w.m1),
                None,
            )
            .await;
        let rotated = r.body["token"].as_str().unwrap().to_string();
        assert_ne!(rotated, token);
        assert_eq!(
            hub.call("GET", "/v1/me", Some(&token), None).await.status,
            S::UNAUTHORIZED
        );
        assert_eq!(
            hub.call("GET", "/v1/me", Some(&rotated), None).await.status,
            S::OK
        );
        // Revocation: stops at once, stays listed as revoked, cannot be rotated back.
        let r = hub
            .call(
                "DELETE",
                &format!("/v1/technical-accounts/{id}"),
                Some(&w.m1),
                None,
            )
            .await;
        assert_eq!(r.body["active"], false);
        assert_eq!(
            hub.call("GET", "/v1/me", Some(&rotated), None).await.status,
            S::UNAUTHORIZED
        );
        let r = hub
            .call(
                "POST",
                &format!("/v1/technical-accounts/{id}/rotate"),
                Some(&w.m1),
                None,
            )
            .await;
        assert_eq!(r.status, S::UNPROCESSABLE_ENTITY);
        // Platform-scoped accounts are support's; a manager does not see them.
        let r = hub
            .call(
                "POST",
                "/v1/technical-accounts",
                Some(&w.admin),
                Some(json!({"name": "PA", "platform": "0001"})),
            )
            .await;
        assert_eq!(
            r.status,
            S::UNPROCESSABLE_ENTITY,
            "unregistered platform: {}",
            r.text
        );
        let r = hub
            .call(
                "POST",
                "/v1/technical-accounts",
                Some(&w.admin),
                Some(json!({"name": "PPF", "platform": "9998"})),
            )
            .await;
        assert_eq!(r.status, S::CREATED, "{}", r.text);
        assert_eq!(
            r.body["scope"],
            json!({"kind": "platform", "matricule": 9998})
        );
        let r = hub
            .call(
                "GET",
                "/v1/technical-accounts?platform=9998",
                Some(&w.m1),
                None,
            )
            .await;
        assert_eq!(r.status, S::NOT_FOUND);
        let r = hub
            .call(
                "GET",
                "/v1/technical-accounts?platform=9998",
                Some(&w.admin),
                None,
            )
            .await;
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
        // Audited in the structure's trail.
        let r = hub
            .call(
                "GET",
                &format!("/v1/structures/{}/audit", w.s1),
                Some(&w.m1),
                None,
            )
            .await;
        let actions: Vec<&str> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            &actions[..3],
            [
                "revoke_technical_account",
                "rotate_technical_account",
                "create_technical_account"
            ]
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn switching_accounts_never_shows_the_previous_one() {
    for t in backends().await {
        let hub = hub(&t).await;
        let w = world(&hub).await;
        // The same client alternates between two accounts' tokens.
        for _ in 0..2 {
            let a = hub.call("GET", "/v1/me", Some(&w.ua), None).await;
            assert_eq!(a.body["user"]["email"], UA_EMAIL);
            let b = hub.call("GET", "/v1/me", Some(&w.m2), None).await;
            assert_eq!(b.body["user"]["email"], "m2@globex.test");
            assert!(
                !b.text.contains("MARKA") && !b.text.contains("ACME"),
                "{}",
                b.text
            );
            let s = hub.call("GET", "/v1/structures", Some(&w.m2), None).await;
            assert_eq!(s.body["items"].as_array().unwrap().len(), 1);
            assert_eq!(s.body["items"][0]["siren"], SIREN_2);
        }
        // Rights change between two requests of the same session: seen at once.
        let r = hub
            .call(
                "POST",
                "/v1/requests",
                Some(&w.m2),
                Some(json!({"siren": SIREN_1, "comment": "audit"})),
            )
            .await;
        let before = hub.call("GET", "/v1/structures", Some(&w.m2), None).await;
        assert_eq!(before.body["items"].as_array().unwrap().len(), 1);
        hub.call(
            "POST",
            &format!("/v1/requests/{}/approve", r.body["id"]),
            Some(&w.m1),
            None,
        )
        .await;
        let after = hub.call("GET", "/v1/structures", Some(&w.m2), None).await;
        assert_eq!(
            after.body["items"].as_array().unwrap().len(),
            2,
            "{}",
            after.text
        );
        // Signing out one account leaves the other signed in.
        assert_eq!(
            hub.call("POST", "/v1/auth/sign-out", Some(&w.ua), None)
                .await
                .status,
            S::NO_CONTENT
        );
        assert_eq!(
            hub.call("GET", "/v1/me", Some(&w.ua), None).await.status,
            S::UNAUTHORIZED
        );
        assert_eq!(
            hub.call("GET", "/v1/me", Some(&w.m2), None).await.status,
            S::OK
        );
        // Sessions expire after 12 hours.
        hub.clock.advance(12 * 3600);
        assert_eq!(
            hub.call("GET", "/v1/me", Some(&w.m2), None).await.status,
            S::UNAUTHORIZED
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn structures_and_services_come_from_the_directory() {
    for t in backends().await {
        let hub = hub(&t).await;
        let w = world(&hub).await;
        let create = |body: Value| hub.call("POST", "/v1/structures", Some(&w.admin), Some(body));
        let r = create(
            json!({"siren": "123456782", "name": "Inconnue", "principal_manager": "m1@acme.test"}),
        )
        .await;
        assert_eq!(r.status, S::UNPROCESSABLE_ENTITY);
        assert_eq!(r.body["detail"], "SIREN 123456782 is not in the directory");
        let r =
            create(json!({"siren": "12345678", "name": "x", "principal_manager": "m1@acme.test"}))
                .await;
        assert_eq!(r.status, S::UNPROCESSABLE_ENTITY, "{}", r.text);
        let r = create(
            json!({"siren": SIREN_2, "name": "Globex", "principal_manager": "m1@acme.test"}),
        )
        .await;
        assert_eq!(
            r.body["detail"],
            format!("SIREN {SIREN_2} is already on the hub")
        );
        let r = hub
            .call(
                "POST",
                "/v1/structures",
                Some(&w.m1),
                Some(json!({"siren": SIREN_2, "name": "x", "principal_manager": "m1@acme.test"})),
            )
            .await;
        assert_eq!(r.status, S::FORBIDDEN, "only support registers structures");
        let r = hub
            .call(
                "POST",
                &format!("/v1/structures/{}/services", w.s1),
                Some(&w.m1),
                Some(json!({"name": "Globex's", "routing_code": "GLOBEX-1"})),
            )
            .await;
        assert_eq!(
            r.status,
            S::UNPROCESSABLE_ENTITY,
            "another company's routing code: {}",
            r.text
        );
        let r = hub
            .call(
                "POST",
                &format!("/v1/structures/{}/services", w.s1),
                Some(&w.m1),
                Some(json!({"name": "twice", "routing_code": CODE_A})),
            )
            .await;
        assert_eq!(r.status, S::UNPROCESSABLE_ENTITY, "{}", r.text);
        let r = hub
            .call(
                "GET",
                &format!("/v1/structures/{}/services", w.s1),
                Some(&w.m1),
                None,
            )
            .await;
        let codes: Vec<&str> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["routing_code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, [CODE_A, CODE_B]);
        let r = hub
            .call(
                "POST",
                "/v1/auth/sign-in",
                None,
                Some(json!({"email": "x"})),
            )
            .await;
        assert_eq!(r.status, S::BAD_REQUEST);
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap()
                .contains("missing field `password`"),
            "{}",
            r.text
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn concurrent_decisions_apply_once() {
    for t in backends().await {
        let hub = hub(&t).await;
        let w = world(&hub).await;
        for round in 0..5 {
            // A new requester each round (an approved one would already belong).
            let email = format!("zoe{round}@acme.test");
            hub.user(&email).await;
            let zoe = hub.sign_in(&email).await;
            let r = hub
                .call("POST", "/v1/requests", Some(&zoe), Some(json!({"siren": SIREN_1, "routing_code": CODE_B, "comment": format!("round {round}")})))
                .await;
            let id = r.body["id"].as_i64().unwrap();
            // m1 approves while ub refuses: one decision wins, the other is told so.
            let approve = format!("/v1/requests/{id}/approve");
            let refuse = format!("/v1/requests/{id}/refuse");
            let (a, b) = tokio::join!(
                hub.call("POST", &approve, Some(&w.m1), None),
                hub.call("POST", &refuse, Some(&w.ub), Some(json!({"reason": "non"}))),
            );
            let mut statuses = [a.status, b.status];
            statuses.sort();
            assert_eq!(
                statuses,
                [S::OK, S::CONFLICT],
                "round {round} ({}): {} / {}",
                t.name,
                a.text,
                b.text
            );
            let audit = hub
                .call(
                    "GET",
                    &format!("/v1/structures/{}/audit?per_page=200", w.s1),
                    Some(&w.m1),
                    None,
                )
                .await;
            let decisions = audit.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["subject"] == format!("request {id}") && e["action"] != "request")
                .count();
            assert_eq!(decisions, 1, "one audited decision per request");
            // The stored state is the winner's.
            let stored = hub
                .call("GET", &format!("/v1/requests/{id}"), Some(&zoe), None)
                .await;
            let winner = if a.status == S::OK {
                "approved"
            } else {
                "refused"
            };
            assert_eq!(stored.body["state"], winner);
        }
        t.cleanup().await;
    }
}

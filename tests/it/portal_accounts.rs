//! The portal's signed-in pages through the router, with a cookie jar, on SQLite and
//! PostgreSQL: sign-in and the lock-out message, sign-out and account switching, the
//! approvals count, list, page, approval and refusal, the requester's view of the
//! reason, and partitioning: no page shows a manager another structure's or service's
//! requests, and what one may not see answers like what does not exist.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;

use super::accounts_support::PASSWORD;
use super::directory_support::backends;
use super::portal_support::{
    ALICE, BOB, CAROL, DAVE, GLOBEX_MARKER, M1, M2, PortalWorld, UB, portal_world,
};

/// One browser: a cookie jar of one cookie (the session).
pub struct Visitor {
    app: Router,
    pub cookie: Option<String>,
}

pub struct Answer {
    pub status: StatusCode,
    pub location: String,
    pub body: String,
}

impl Visitor {
    pub fn new(app: &Router) -> Visitor {
        Visitor {
            app: app.clone(),
            cookie: None,
        }
    }

    async fn send(&mut self, request: axum::http::request::Builder, body: Body) -> Answer {
        let request = match &self.cookie {
            Some(c) => request.header(header::COOKIE, c.as_str()),
            None => request,
        };
        let response = self
            .app
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        if let Some(set) = response.headers().get(header::SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_string();
            self.cookie = (!pair.ends_with('=')).then_some(pair);
        }
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Answer {
            status,
            location,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    pub async fn get(&mut self, uri: &str) -> Answer {
        self.send(Request::get(uri), Body::empty()).await
    }

    pub async fn post(&mut self, uri: &str, form: &[(&str, &str)]) -> Answer {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.send(
            Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from(body),
        )
        .await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        self.post(
            "/portail/connexion",
            &[("email", email), ("password", password)],
        )
        .await
    }
}

/// The approvals badge of the menu, as a number.
fn badge(body: &str) -> Option<u64> {
    let start = body.find("id=\"approbations-en-attente\"")?;
    let rest = &body[start..];
    let open = rest.find('>')? + 1;
    let close = rest.find("</span>")?;
    rest[open..close].parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_says_when_a_locked_account_unlocks_and_sign_out_ends_the_session() {
    for t in backends().await {
        let w = portal_world(&t).await;
        let mut v = Visitor::new(&w.app);
        for attempt in 1..=4 {
            let a = v.sign_in(DAVE, "mauvais").await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{} {attempt}", t.name);
            assert!(
                a.body
                    .contains("Adresse électronique ou mot de passe incorrect."),
                "{}",
                t.name
            );
        }
        // The fifth failure locks, and says until when (the test clock is at
        // 2026-11-28T01:00Z: one hour later, 03:00 in Paris).
        let locked = "Ce compte est verrouillé après 5 tentatives de connexion infructueuses. Il sera déverrouillé le 28/11/2026 à 03:00 (heure de Paris).";
        let a = v.sign_in(DAVE, "mauvais").await;
        assert_eq!(a.status, StatusCode::LOCKED, "{}", t.name);
        assert!(a.body.contains(locked), "{}: {}", t.name, a.body);
        // Even the right password is refused while the lock lasts.
        let a = v.sign_in(DAVE, PASSWORD).await;
        assert_eq!(a.status, StatusCode::LOCKED, "{}", t.name);
        assert!(a.body.contains(locked), "{}", t.name);
        assert!(v.cookie.is_none(), "{}", t.name);

        // Unknown email: the same message as a wrong password.
        let a = v.sign_in("personne@nulle.part", PASSWORD).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", t.name);
        assert!(
            a.body
                .contains("Adresse électronique ou mot de passe incorrect."),
            "{}",
            t.name
        );

        // A page that needs a session sends visitors to sign in, then back.
        let a = v.get("/portail/approbations?page=1").await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", t.name);
        assert_eq!(
            a.location, "/portail/connexion?retour=%2Fportail%2Fapprobations%3Fpage%3D1",
            "{}",
            t.name
        );
        let a = v
            .post(
                "/portail/connexion",
                &[
                    ("email", M1),
                    ("password", PASSWORD),
                    ("retour", "/portail/approbations?page=1"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", t.name);
        assert_eq!(a.location, "/portail/approbations?page=1", "{}", t.name);
        let session = v.cookie.clone().expect("session cookie");
        let a = v.get("/portail/approbations").await;
        assert_eq!(a.status, StatusCode::OK, "{}", t.name);
        assert_eq!(badge(&a.body), Some(2), "{}", t.name);
        let home = v.get("/portail/").await;
        assert!(
            home.body.contains("2 demandes attendent votre décision."),
            "{}",
            t.name
        );
        assert!(
            home.body
                .contains("<span class=\"who\">m1@acme.test</span>")
        );

        // Sign-out forgets the cookie and ends the session on the server: the old
        // cookie, replayed, no longer opens anything.
        let a = v.post("/portail/deconnexion", &[]).await;
        assert_eq!(
            a.location, "/portail/connexion?fait=deconnecte",
            "{}",
            t.name
        );
        assert!(v.cookie.is_none(), "{}", t.name);
        v.cookie = Some(session);
        let a = v.get("/portail/approbations").await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", t.name);

        // A form posted from another site is refused.
        let a = v
            .send(
                Request::post("/portail/deconnexion")
                    .header(header::HOST, "hub.example")
                    .header(header::ORIGIN, "https://evil.example"),
                Body::empty(),
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", t.name);
        t.cleanup().await;
    }
}

/// Every page a signed-in person can open, with what it shows.
async fn all_pages(v: &mut Visitor, w: &PortalWorld) -> Vec<(String, Answer)> {
    let mut pages = Vec::new();
    for uri in [
        "/portail/".to_string(),
        "/portail/approbations".to_string(),
        "/portail/demandes".to_string(),
        "/portail/annuaire".to_string(),
        format!("/portail/approbations/{}", w.alice_request),
        format!("/portail/approbations/{}", w.bob_request),
        format!("/portail/approbations/{}", w.carol_request),
        format!("/portail/approbations/{}/refuser", w.carol_request),
    ] {
        let answer = v.get(&uri).await;
        pages.push((uri, answer));
    }
    pages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_shows_another_structures_or_services_requests() {
    for t in backends().await {
        let w = portal_world(&t).await;
        // (who, pending count, requests they must never see)
        let cases: [(&str, Option<u64>, &[&str]); 3] = [
            (M1, Some(2), &[GLOBEX_MARKER, CAROL]),
            (M2, Some(1), &["Alice rejoint", ALICE, "Bob saisit", BOB]),
            // ub manages the users of ACME's service B only.
            (UB, Some(1), &[GLOBEX_MARKER, CAROL, "Alice rejoint", ALICE]),
        ];
        for (who, count, hidden) in cases {
            let mut v = Visitor::new(&w.app);
            assert_eq!(v.sign_in(who, PASSWORD).await.status, StatusCode::SEE_OTHER);
            for (uri, page) in all_pages(&mut v, &w).await {
                assert_eq!(
                    badge(&page.body).or(None),
                    count.filter(|_| page.status == StatusCode::OK),
                    "{} {who} {uri}",
                    t.name
                );
                for secret in hidden {
                    assert!(
                        !page.body.contains(secret),
                        "{}: {who} sees {secret:?} on {uri}",
                        t.name
                    );
                }
            }
            // Another structure's request reads like a missing one, and cannot be
            // decided.
            let foreign = if who == M2 {
                w.alice_request
            } else {
                w.carol_request
            };
            let page = v.get(&format!("/portail/approbations/{foreign}")).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{} {who}", t.name);
            assert!(
                page.body
                    .contains("Cet élément n'existe pas ou ne vous est pas accessible.")
            );
            let missing = v.get("/portail/approbations/999999").await;
            assert_eq!(missing.status, page.status, "{} {who}", t.name);
            let a = v
                .post(&format!("/portail/approbations/{foreign}/approuver"), &[])
                .await;
            assert_eq!(a.status, StatusCode::NOT_FOUND, "{} {who}", t.name);
        }
        // A requester cannot approve their own pending request through the form.
        let mut alice = Visitor::new(&w.app);
        alice.sign_in(ALICE, PASSWORD).await;
        let own = alice
            .post(
                &format!("/portail/approbations/{}/approuver", w.alice_request),
                &[],
            )
            .await;
        assert_ne!(own.status, StatusCode::SEE_OTHER, "{}", t.name);
        let mut m1 = Visitor::new(&w.app);
        m1.sign_in(M1, PASSWORD).await;
        let page = m1
            .get(&format!("/portail/approbations/{}", w.alice_request))
            .await;
        assert!(
            page.body.contains("<dd id=\"etat\">En attente</dd>"),
            "{}",
            t.name
        );

        // Nothing was decided by those attempts: m2 still has carol's request.
        let mut v = Visitor::new(&w.app);
        v.sign_in(M2, PASSWORD).await;
        let page = v
            .get(&format!("/portail/approbations/{}", w.carol_request))
            .await;
        assert!(
            page.body.contains("<dd id=\"etat\">En attente</dd>"),
            "{}",
            t.name
        );
        assert!(page.body.contains(GLOBEX_MARKER), "{}", t.name);

        // Switching accounts in the same browser: m1's session ends, and every page
        // then shows m2's data only.
        let mut v = Visitor::new(&w.app);
        v.sign_in(M1, PASSWORD).await;
        let m1_session = v.cookie.clone().unwrap();
        assert!(v.get("/portail/approbations").await.body.contains(ALICE));
        v.sign_in(M2, PASSWORD).await;
        for (uri, page) in all_pages(&mut v, &w).await {
            assert!(!page.body.contains(ALICE), "{}: {uri}", t.name);
            assert!(!page.body.contains(M1), "{}: {uri}", t.name);
        }
        v.cookie = Some(m1_session);
        assert_eq!(
            v.get("/portail/approbations").await.status,
            StatusCode::SEE_OTHER,
            "{}: m1's session survived the switch",
            t.name
        );
        t.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_approves_and_refuses_and_the_requester_sees_the_reason() {
    for t in backends().await {
        let w = portal_world(&t).await;
        let mut m1 = Visitor::new(&w.app);
        m1.sign_in(M1, PASSWORD).await;
        let list = m1.get("/portail/approbations").await;
        for text in [
            "<th scope=\"col\">État</th>",
            "Rattachement à ACME — service Comptabilité MARKA",
            ALICE,
            "Date de la demande",
        ] {
            assert!(list.body.contains(text), "{}: {text}", t.name);
        }
        let page = m1
            .get(&format!("/portail/approbations/{}", w.alice_request))
            .await;
        assert!(
            page.body
                .contains("<dd id=\"demandeur\">alice@acme.test</dd>")
        );
        assert!(
            page.body
                .contains("<dd id=\"commentaire\">Alice rejoint la comptabilité</dd>")
        );
        assert!(page.body.contains("<dd id=\"approbateur\">—</dd>"));
        assert!(page.body.contains("id=\"approuver\""));
        assert!(page.body.contains("<dialog id=\"dialogue-refus\""));

        // Approve: effective at once, back to the list, which says so.
        let a = m1
            .post(
                &format!("/portail/approbations/{}/approuver", w.alice_request),
                &[],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", t.name);
        let list = m1.get(&a.location).await;
        assert!(list.body.contains(&format!(
            "La demande n° {} a été approuvée.",
            w.alice_request
        )));
        assert_eq!(badge(&list.body), Some(1), "{}", t.name);
        let page = m1
            .get(&format!("/portail/approbations/{}", w.alice_request))
            .await;
        assert!(
            page.body
                .contains("<dd id=\"approbateur\">m1@acme.test</dd>")
        );
        assert!(!page.body.contains("id=\"approuver\""), "decided twice");
        let again = m1
            .post(
                &format!("/portail/approbations/{}/approuver", w.alice_request),
                &[],
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", t.name);

        // Refuse: without the script, "Refuser" leads to the form as a page.
        let bob_refusal = format!("/portail/approbations/{}/refuser", w.bob_request);
        let form = m1.get(&bob_refusal).await;
        assert_eq!(form.status, StatusCode::OK, "{}", t.name);
        assert!(form.body.contains("<textarea id=\"motif\" name=\"motif\""));
        assert!(
            form.body
                .contains("<dd id=\"demandeur\">bob@acme.test</dd>")
        );
        // A reason is required.
        let a = m1.post(&bob_refusal, &[("motif", "   ")]).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", t.name);
        assert!(a.body.contains("Indiquez le motif du refus"));
        assert!(a.body.contains("aria-invalid=\"true\""));
        let a = m1
            .post(&bob_refusal, &[("motif", "Service <B> complet")])
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", t.name);
        let list = m1.get(&a.location).await;
        assert!(list.body.contains("a été refusée."));
        assert_eq!(badge(&list.body), Some(0), "{}", t.name);

        // Bob sees the refusal and its reason (escaped), on his list and the page.
        let mut bob = Visitor::new(&w.app);
        bob.sign_in(BOB, PASSWORD).await;
        let mine = bob.get("/portail/demandes").await;
        assert!(mine.body.contains("Refusée"), "{}", t.name);
        assert!(
            mine.body
                .contains("Motif du refus : Service &lt;B&gt; complet")
        );
        let page = bob
            .get(&format!("/portail/approbations/{}", w.bob_request))
            .await;
        assert!(
            page.body
                .contains("<dd id=\"motif-refus\">Service &lt;B&gt; complet</dd>")
        );
        assert!(
            page.body
                .contains("<dd id=\"approbateur\">m1@acme.test</dd>")
        );
        // A requester has no approvals entry and no decision buttons, and cannot
        // decide their own request through the form either.
        assert_eq!(badge(&page.body), None);
        assert!(!page.body.contains("id=\"approuver\""));
        assert!(
            page.body
                .contains("<a href=\"/portail/demandes\" aria-current=\"page\">")
        );
        let mut alice = Visitor::new(&w.app);
        alice.sign_in(ALICE, PASSWORD).await;
        let own = alice
            .post(
                &format!("/portail/approbations/{}/approuver", w.alice_request),
                &[],
            )
            .await;
        assert_ne!(own.status, StatusCode::SEE_OTHER, "{}", t.name);
        t.cleanup().await;
    }
}

//! "Factures" through the router, on SQLite and PostgreSQL: the menu entry, the list
//! with its filters and pager, an invoice's page (lifecycle with labels, findings),
//! the download of the original; and partitioning: no page shows a reader another
//! structure's or another service's invoice, and an invoice one may not see answers
//! like one that does not exist.

use axum::http::StatusCode;

use super::accounts_support::{CODE_A, PASSWORD, SIREN_1, SIRET_1, UA_EMAIL, invoice_to, submit};
use super::directory_support::backends;
use super::portal_accounts::Visitor;
use super::portal_support::{GLOBEX_MARKER, M1, M2, UB, portal_world};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_reader_follows_its_invoices_and_never_sees_others() {
    for t in backends().await {
        let w = portal_world(&t).await;
        let inv = &w.invoices;
        let n = t.name;

        // Anonymous: sent to sign in, and no menu entry.
        let mut anonymous = Visitor::new(&w.app);
        let a = anonymous.get("/portail/factures").await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{n}");
        assert!(a.location.starts_with("/portail/connexion"), "{n}");
        let a = anonymous.get("/portail/").await;
        assert!(!a.body.contains("href=\"/portail/factures\""), "{n}");

        // The manager of ACME: both of ACME's invoices, none of Globex's.
        let mut m1 = Visitor::new(&w.app);
        m1.sign_in(M1, PASSWORD).await;
        let a = m1.get("/portail/factures").await;
        assert_eq!(a.status, StatusCode::OK, "{n}");
        assert!(a.body.contains(">Factures</a>"), "menu entry ({n})");
        assert!(a.body.contains("aria-current=\"page\">Factures"), "{n}");
        assert!(
            a.body.contains("MARKA-A-1") && a.body.contains("F-B-1"),
            "{n}"
        );
        assert!(
            !a.body.contains("F-G-1") && !a.body.contains(GLOBEX_MARKER),
            "{n}"
        );
        assert!(
            a.body.contains("Page 1 sur 1 — 2 résultats"),
            "{n}: {}",
            a.body
        );
        // Filters: counterpart name, issue dates, status; the pager keeps them.
        let a = m1.get("/portail/factures?contrepartie=marka").await;
        assert!(
            a.body.contains("MARKA-A-1") && !a.body.contains("F-B-1"),
            "{n}"
        );
        assert!(a.body.contains("value=\"marka\""), "{n}");
        let a = m1.get("/portail/factures?du=2026-09-16").await;
        assert!(a.body.contains("id=\"aucune-facture\""), "{n}");
        let a = m1
            .get("/portail/factures?du=2026-09-01&au=2026-09-30")
            .await;
        assert!(a.body.contains("2 résultats"), "{n}");
        let a = m1.get("/portail/factures?statut=200").await;
        assert!(a.body.contains("2 résultats"), "{n}");
        let a = m1.get("/portail/factures?statut=205").await;
        assert!(
            a.body.contains("id=\"aucune-facture\""),
            "no approved invoice ({n})"
        );

        // An invoice's page: history with labels, findings or their absence, download.
        let a = m1.get(&format!("/portail/factures/{}", inv.a)).await;
        assert_eq!(a.status, StatusCode::OK, "{n}");
        assert!(a.body.contains("id=\"historique\""), "{n}");
        assert!(a.body.contains("200 — Déposée"), "{n}: {}", a.body);
        assert!(a.body.contains("id=\"aucun-constat\""), "{n}");
        let a = m1
            .get(&format!("/portail/factures/{}/original", inv.a))
            .await;
        assert_eq!(a.status, StatusCode::OK, "{n}");
        assert!(a.body.contains("<cbc:ID>MARKA-A-1</cbc:ID>"), "{n}");

        // Service A's user: its invoice only; B's and Globex's read as missing.
        let mut ua = Visitor::new(&w.app);
        ua.sign_in(UA_EMAIL, PASSWORD).await;
        let a = ua.get("/portail/factures").await;
        assert!(
            a.body.contains("MARKA-A-1") && !a.body.contains("F-B-1"),
            "{n}"
        );
        assert!(a.body.contains("1 résultat"), "{n}");
        // Service B's user and Globex's manager never see A's (marked MARKA).
        let mut ub = Visitor::new(&w.app);
        ub.sign_in(UB, PASSWORD).await;
        let mut m2 = Visitor::new(&w.app);
        m2.sign_in(M2, PASSWORD).await;
        for (who, v, hidden) in [
            ("ub", &mut ub, vec![&inv.a, &inv.globex]),
            ("m2", &mut m2, vec![&inv.a, &inv.b]),
            ("ua", &mut ua, vec![&inv.b, &inv.globex]),
        ] {
            for id in hidden {
                for suffix in ["", "/original"] {
                    let a = v.get(&format!("/portail/factures/{id}{suffix}")).await;
                    assert_eq!(a.status, StatusCode::NOT_FOUND, "{who} {id}{suffix} ({n})");
                    assert!(
                        a.body
                            .contains("Cet élément n'existe pas ou ne vous est pas accessible."),
                        "{n}"
                    );
                }
            }
        }
        let a = m2.get("/portail/factures").await;
        assert!(a.body.contains("F-G-1") && !a.body.contains("MARKA"), "{n}");
        assert!(!a.body.contains("F-B-1"), "{n}");
        for page in [
            "/portail/factures",
            "/portail/factures?contrepartie=Globex",
            "/portail/",
        ] {
            let a = ub.get(page).await;
            assert!(
                !a.body.contains("MARKA") && !a.body.contains(GLOBEX_MARKER),
                "{page} ({n})"
            );
            let a = m1.get(page).await;
            assert!(!a.body.contains(GLOBEX_MARKER), "{page} ({n})");
        }
        // A rejection's page lists its findings (rule, reason code, message), escaped.
        let rejected = submit(
            &t.db,
            invoice_to(
                "MARKA-A-1",
                (
                    SIREN_1,
                    SIRET_1,
                    "ACME MARKA &lt;b&gt;comptabilité&lt;/b&gt;",
                ),
                &format!("{SIREN_1}_{SIRET_1}_{CODE_A}"),
            ),
        )
        .await;
        assert_eq!(rejected.status.code(), 213, "{n}");
        let a = ua
            .get(&format!("/portail/factures/{}", rejected.invoice_id))
            .await;
        assert_eq!(a.status, StatusCode::OK, "{n}");
        assert!(a.body.contains("id=\"constats\""), "{n}");
        assert!(a.body.contains("(DOUBLON)"), "{n}: {}", a.body);
        assert!(a.body.contains("213 — Rejetée"), "{n}");
        assert!(a.body.contains("&lt;b&gt;comptabilité&lt;/b&gt;"), "{n}");
        assert!(!a.body.contains("<b>comptabilité"), "{n}");
        t.cleanup().await;
    }
}

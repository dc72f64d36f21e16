//! Accounts storage on SQLite and PostgreSQL with the same bodies: uniqueness rules,
//! grants read back per scope, conditional updates that apply once, and a decision
//! whose transaction is dropped leaving nothing behind.

use std::collections::BTreeSet;

use facteur::accounts::lockout::SignInState;
use facteur::accounts::model::{
    AuditEvent, Grant, RequestKind, RequestState, Right, Scope, TechnicalScope,
};
use facteur::accounts::time::Instant;
use facteur::identifiers::{RoutingCode, Siren};

use super::accounts_support::SIREN_1;
use super::directory_support::backends;

const NOW: Instant = Instant(1_795_827_600);

#[tokio::test]
async fn accounts_rows_keep_their_rules_on_both_backends() {
    for t in backends().await {
        let db = &t.db;
        let mut tx = db.begin().await.unwrap();
        let lena = tx
            .insert_user(
                "Lena@acme.test",
                "lena@acme.test",
                "$argon2id$x",
                false,
                NOW,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            tx.insert_user(
                "LENA@acme.test",
                "lena@acme.test",
                "$argon2id$y",
                false,
                NOW
            )
            .await
            .unwrap(),
            None,
            "one account per email whatever its case"
        );
        let zoe = tx
            .insert_user("zoe@acme.test", "zoe@acme.test", "$argon2id$z", false, NOW)
            .await
            .unwrap()
            .unwrap();
        let siren = Siren::parse(SIREN_1).unwrap();
        let s = tx
            .insert_structure(&siren, None, "ACME", lena, NOW)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            tx.insert_structure(&siren, None, "ACME bis", zoe, NOW)
                .await
                .unwrap(),
            None,
            "one structure per SIREN"
        );
        let code = RoutingCode::parse("COMPTA-A").unwrap();
        let a = tx
            .insert_service(s, Some(&code), "Compta", NOW)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            tx.insert_service(s, Some(&code), "Compta 2", NOW)
                .await
                .unwrap(),
            None
        );
        tx.commit().await.unwrap();
        let stored = db.user_by_email("lena@acme.test").await.unwrap().unwrap();
        assert_eq!(
            (stored.id, stored.email.as_str(), stored.admin),
            (lena, "Lena@acme.test", false)
        );

        // Grants: one row per right, read back one grant per scope; adding twice is harmless.
        let service = Scope::Service {
            structure: s,
            service: a,
        };
        let grant = Grant {
            user: zoe,
            scope: service,
            rights: BTreeSet::from([Right::ReadInvoices, Right::ManageUsers]),
        };
        let mut tx = db.begin().await.unwrap();
        tx.add_grant(&grant, NOW).await.unwrap();
        tx.add_grant(&grant, NOW).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(db.grants_of(zoe).await.unwrap(), vec![grant]);
        assert!(db.is_member(s, zoe).await.unwrap());
        assert_eq!(db.managed_by(lena).await.unwrap(), BTreeSet::from([s]));

        // A decision applies once; a dropped transaction leaves the request pending,
        // without grant or audit event.
        let kind = RequestKind::ExtraRights {
            scope: service,
            rights: BTreeSet::from([Right::SubmitInvoices]),
        };
        let mut tx = db.begin().await.unwrap();
        let id = tx.insert_request(zoe, &kind, "plus", NOW).await.unwrap();
        tx.commit().await.unwrap();
        let approved = RequestState::Approved { by: lena, at: NOW };
        let mut tx = db.begin().await.unwrap();
        assert!(tx.decide_request(id, &approved).await.unwrap());
        tx.add_grant(
            &Grant {
                user: zoe,
                scope: service,
                rights: BTreeSet::from([Right::SubmitInvoices]),
            },
            NOW,
        )
        .await
        .unwrap();
        tx.audit(
            Some(s),
            &AuditEvent {
                at: NOW,
                actor: lena,
                action: "approve".into(),
                subject: format!("request {id}"),
                reason: None,
            },
        )
        .await
        .unwrap();
        drop(tx);
        assert_eq!(
            db.request(id).await.unwrap().unwrap().state,
            RequestState::Pending
        );
        assert!(
            !db.grants_of(zoe).await.unwrap()[0]
                .rights
                .contains(&Right::SubmitInvoices)
        );
        assert_eq!(db.audit_of(s, 10, 0).await.unwrap().0, 0);
        let mut tx = db.begin().await.unwrap();
        assert!(tx.decide_request(id, &approved).await.unwrap());
        assert!(
            !tx.decide_request(id, &approved).await.unwrap(),
            "decided once"
        );
        tx.commit().await.unwrap();

        // Technical accounts: rotate and revoke only while live.
        let mut tx = db.begin().await.unwrap();
        let scope = TechnicalScope::Structure { structure: s };
        let robot = tx
            .insert_technical_account("ERP", "digest-1", scope, lena, NOW)
            .await
            .unwrap();
        assert!(
            tx.rotate_technical_account(robot, "digest-2", NOW)
                .await
                .unwrap()
        );
        assert!(tx.revoke_technical_account(robot, NOW).await.unwrap());
        assert!(!tx.revoke_technical_account(robot, NOW).await.unwrap());
        assert!(
            !tx.rotate_technical_account(robot, "digest-3", NOW)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        assert_eq!(
            db.technical_by_digest("digest-2").await.unwrap(),
            None,
            "revoked"
        );
        assert_eq!(db.technical_accounts_of(scope).await.unwrap().len(), 1);

        // Lock-out state round-trips.
        let state = SignInState {
            failures: 0,
            locked_until: Some(NOW.plus_seconds(3600)),
        };
        let mut tx = db.begin().await.unwrap();
        tx.save_sign_in_state("lena@acme.test", state)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(db.sign_in_state("lena@acme.test").await.unwrap(), state);
        assert_eq!(
            db.sign_in_state("nobody@acme.test").await.unwrap(),
            SignInState::default()
        );
        t.cleanup().await;
    }
}

//! The directory API against the official PPF OpenAPI document: every response body
//! is validated against the schema the official document gives for that path, method
//! and status (field names, types, enums, lengths; unknown fields are errors), errors
//! are `application/problem+json` `erreur` objects, and facteur's own document lists
//! exactly the official operations (plus `/openapi.json` and the hub's `/v1/` ones).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use facteur::api::{AppState, OPENAPI, app, credential_hash};
use facteur::directory::Directory;
use facteur::directory::import::import_csv;
use facteur::directory::index::Fallback;
use facteur::identifiers::AddressingId;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::directory_schema::{check, official, template};
use super::directory_support::{CODE, SIREN, SIRET, TestDb, backends, day, m, seed};

const ALPHA: &str = "alpha-credential";
const BETA: &str = "beta-credential";

struct Api {
    app: Router,
    doc: Option<Value>,
    checked: usize,
}

impl Api {
    async fn call(
        &mut self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let response = self.app.clone().oneshot(req).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let value: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        if let Some(doc) = &self.doc {
            let path = uri.split('?').next().unwrap_or(uri);
            let schema = if status.is_client_error() || status.is_server_error() {
                assert_eq!(content_type, "application/problem+json", "{method} {uri}");
                Some(json!({"$ref": "#/components/schemas/erreur"}))
            } else if path == "/openapi.json" || value.is_null() {
                None
            } else {
                let t =
                    template(doc, path).unwrap_or_else(|| panic!("{path} is not an official path"));
                let op = &doc["paths"][t][method.to_lowercase()];
                assert!(op.is_object(), "{method} {t} is not an official operation");
                let content =
                    &op["responses"][status.as_str()]["content"]["application/json"]["schema"];
                assert!(
                    content.is_object(),
                    "{method} {t} has no {status} body in the official document"
                );
                Some(content.clone())
            };
            if let Some(schema) = schema {
                let mut errors = Vec::new();
                check(doc, &schema, &value, "$", &mut errors);
                assert!(
                    errors.is_empty(),
                    "{method} {uri} {status}: {errors:#?}\n{value:#}"
                );
                self.checked += 1;
            }
        }
        (status, value)
    }
}

async fn setup(t: &TestDb) -> (Api, Arc<Directory>) {
    seed(&t.db).await;
    let csv = format!(
        "siren,siret,routing_code,suffix,platform,start,end\n{SIREN},,,,0001,2026-01-01,\n{SIREN},{SIRET},,,0001,2026-01-01,\n\
         {SIREN},,,FACTURES,0002,2026-01-01,\n479612384,,,,9998,2025-01-01,\n"
    );
    import_csv(
        &t.db,
        std::io::Cursor::new(csv.into_bytes()),
        100,
        |_, _| {},
    )
    .await
    .unwrap();
    t.db.add_credential(m("0001"), &credential_hash(ALPHA), "2026-10-15T00:00:00Z")
        .await
        .unwrap();
    t.db.add_credential(m("0002"), &credential_hash(BETA), "2026-10-15T00:00:00Z")
        .await
        .unwrap();
    let dir = Arc::new(
        Directory::open(t.db.clone(), Fallback::Hierarchical)
            .await
            .unwrap()
            .with_today(day("2026-10-15")),
    );
    (
        Api {
            app: app(AppState::new(dir.clone())),
            doc: official(),
            checked: 0,
        },
        dir,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_api_follows_the_official_document() {
    for t in backends().await {
        let (mut api, dir) = setup(&t).await;
        let a = Some(ALPHA);
        assert_eq!(
            api.call("GET", "/healthcheck", None, None).await.0,
            StatusCode::OK
        );
        assert_eq!(
            api.call("POST", "/ligne-annuaire/recherche", None, Some(json!({})))
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            api.call(
                "POST",
                "/ligne-annuaire/recherche",
                Some("wrong"),
                Some(json!({}))
            )
            .await
            .0,
            StatusCode::UNAUTHORIZED
        );

        let (s, all) = api
            .call("POST", "/ligne-annuaire/recherche", a, Some(json!({})))
            .await;
        assert_eq!(
            (s, all["nombre_total_resultats"].as_i64()),
            (StatusCode::OK, Some(4)),
            "{}",
            t.name
        );
        let (s, page) = api
            .call("POST", "/ligne-annuaire/recherche", a, Some(json!({"tris": [{"champ": "identifiantAdressage", "ordre": "descendant"}], "limite": 2, "ignorer": 1})))
            .await;
        assert_eq!(s, StatusCode::PARTIAL_CONTENT);
        let ids: Vec<&str> = page["resultats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["identifiantAdressage"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [format!("{SIREN}_{SIRET}"), SIREN.to_string()]);
        let (s, _) = api
            .call(
                "POST",
                "/ligne-annuaire/recherche",
                a,
                Some(json!({"filtres": {"siren": {"op": "strict", "valeur": "552100554"}}})),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, found) = api
            .call("POST", "/ligne-annuaire/recherche", a, Some(json!({
                "filtres": {"identifiantAdressage": {"op": "contient", "valeur": "_factures"}, "matriculePlateforme": {"op": "strict", "valeur": "0002"}},
                "champs": ["identifiantAdressage", "idInstance"]})))
            .await;
        assert_eq!(
            (s, found["nombre_total_resultats"].as_i64()),
            (StatusCode::OK, Some(1))
        );
        let r = &found["resultats"][0];
        assert_eq!(
            r.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["historisation", "identifiantAdressage"]
        );
        assert!(r["historisation"]["idInstance"].is_i64());
        assert_eq!(
            api.call(
                "POST",
                "/ligne-annuaire/recherche",
                a,
                Some(json!({"filtres": {"nope": {}}}))
            )
            .await
            .0,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            api.call(
                "POST",
                "/ligne-annuaire/recherche",
                a,
                Some(json!({"tris": [{"champ": "x"}]}))
            )
            .await
            .0,
            StatusCode::BAD_REQUEST
        );

        let (s, line) = api
            .call(
                "GET",
                &format!("/ligne-annuaire/code:{SIREN}_{SIRET}?inclure=plateforme"),
                a,
                None,
            )
            .await;
        assert_eq!(
            (s, line["matriculePlateforme"].as_str()),
            (StatusCode::OK, Some("0001"))
        );
        assert_eq!(line["plateforme"]["statutPlateforme"], "Actif");
        let id = line["historisation"]["idInstance"].as_i64().unwrap();
        let (s, by_id) = api
            .call(
                "GET",
                &format!("/ligne-annuaire/id-instance:{id}?champs=siret,idInstance"),
                a,
                None,
            )
            .await;
        assert_eq!((s, by_id["siret"].as_str()), (StatusCode::OK, Some(SIRET)));
        assert_eq!(
            api.call("GET", "/ligne-annuaire/code:552100554", a, None)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            api.call("GET", "/ligne-annuaire/id-instance:99999", a, None)
                .await
                .0,
            StatusCode::NOT_FOUND
        );

        // Create: tomorrow, for a routing code Alpha creates first.
        let (s, _) = api
            .call("POST", "/code-routage", a, Some(json!({"siret": SIRET, "identifiantRoutage": CODE, "libelleCodeRoutage": "Service 42", "natureEtablissement": "Privé", "etatAdministratif": "A"})))
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let create = |start: &str, platform: &str| json!({"periodeEffet": {"dateDebutEffet": start}, "informationAdressage": {"siren": SIREN, "siret": SIRET, "identifiantRoutage": CODE, "matriculePlateforme": platform}});
        let (s, created) = api
            .call(
                "POST",
                "/ligne-annuaire",
                a,
                Some(create("2026-10-16", "0001")),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let new_id = created["idInstance"].as_i64().unwrap();
        let address = AddressingId::parse(&format!("{SIREN}_{SIRET}_{CODE}")).unwrap();
        assert_eq!(
            dir.resolve(&address, day("2026-10-16")).unwrap().line.id,
            new_id
        );

        let (s, err) = api
            .call(
                "POST",
                "/ligne-annuaire",
                a,
                Some(create("2026-10-15", "0001")),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            err["detail"].as_str().unwrap().starts_with("G1.87"),
            "{err}"
        );
        let (s, err) = api
            .call(
                "POST",
                "/ligne-annuaire",
                Some(BETA),
                Some(create("2026-11-01", "0001")),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(err["detail"].as_str().unwrap().starts_with("HAB"), "{err}");
        let (s, _) = api
            .call(
                "POST",
                "/ligne-annuaire",
                a,
                Some(json!({"periodeEffet": {}})),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        // Change and mask.
        let (s, changed) = api
            .call(
                "PATCH",
                &format!("/ligne-annuaire/id-instance:{new_id}"),
                a,
                Some(json!({"dateFinEffet": "2027-01-01"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let changed_id = changed["idInstance"].as_i64().unwrap();
        assert_ne!(changed_id, new_id);
        let (s, put) = api
            .call(
                "PUT",
                &format!("/ligne-annuaire/id-instance:{changed_id}"),
                a,
                Some(json!({"matriculePlateforme": "0001"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let put_id = put["idInstance"].as_i64().unwrap();
        assert_eq!(
            api.call(
                "DELETE",
                &format!("/ligne-annuaire/id-instance:{put_id}"),
                a,
                None
            )
            .await
            .0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            dir.resolve(&address, day("2026-10-16")).unwrap().line.id,
            id,
            "falls back to the SIRET line"
        );
        let (s, err) = api
            .call(
                "DELETE",
                &format!("/ligne-annuaire/id-instance:{id}"),
                a,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            err["detail"].as_str().unwrap().starts_with("G1.85"),
            "{err}"
        );
        let (_, audit) = api
            .call("POST", "/ligne-annuaire/recherche", a, Some(json!({"filtres": {"identifiantRoutage": {"op": "contient", "valeur": CODE}, "historisation": {"modeAudit": {"op": "strict", "valeur": true}}}})))
            .await;
        assert_eq!(
            audit["nombre_total_resultats"].as_i64(),
            Some(4),
            "three versions and the masking line"
        );

        if api.doc.is_some() {
            assert!(api.checked >= 20, "{} responses checked", api.checked);
        }
        t.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn siren_siret_and_routing_code_apis_follow_the_official_document() {
    for t in backends().await {
        let (mut api, _dir) = setup(&t).await;
        let a = Some(ALPHA);
        let (s, units) = api
            .call(
                "POST",
                "/siren/recherche",
                a,
                Some(json!({"filtres": {"raisonSociale": {"op": "contient", "valeur": "acme"}}})),
            )
            .await;
        assert_eq!(
            (s, units["resultats"][0]["siren"].as_str()),
            (StatusCode::OK, Some(SIREN)),
            "{}",
            t.name
        );
        let (s, unit) = api
            .call("GET", &format!("/siren/code-insee:{SIREN}"), a, None)
            .await;
        assert_eq!(
            (s, unit["etatAdministratif"].as_str()),
            (StatusCode::OK, Some("A"))
        );
        let unit_id = unit["historisation"]["idInstance"].as_i64().unwrap();
        assert_eq!(
            api.call("GET", &format!("/siren/id-instance:{unit_id}"), a, None)
                .await
                .0,
            StatusCode::OK
        );
        assert_eq!(
            api.call("GET", "/siren/code-insee:552100554", a, None)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            api.call("GET", "/siren/code-insee:123", a, None).await.0,
            StatusCode::BAD_REQUEST
        );

        let (s, sirets) = api.call("POST", "/siret/recherche", a, Some(json!({"filtres": {"siren": {"op": "strict", "valeur": SIREN}}, "inclure": ["siren"]}))).await;
        assert_eq!(
            (
                s,
                sirets["resultats"][0]["uniteLegale"]["raisonSociale"].as_str()
            ),
            (StatusCode::OK, Some("ACME"))
        );
        let (s, _) = api
            .call(
                "GET",
                &format!("/siret/code-insee:{SIRET}?inclure=siren"),
                a,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = api
            .call(
                "POST",
                "/siret/recherche",
                a,
                Some(json!({"filtres": {"codePostal": {"op": "contient", "valeur": "69"}}})),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);

        let body = json!({"siret": SIRET, "identifiantRoutage": CODE, "libelleCodeRoutage": "Service 42", "natureEtablissement": "Privé", "etatAdministratif": "A", "typeIdentifiantRoutage": "0224"});
        let (s, created) = api
            .call("POST", "/code-routage", a, Some(body.clone()))
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let rc = created["idInstance"].as_i64().unwrap();
        let (s, err) = api
            .call("POST", "/code-routage", a, Some(body.clone()))
            .await;
        assert!(
            s == StatusCode::UNPROCESSABLE_ENTITY
                && err["detail"].as_str().unwrap().starts_with("DUP"),
            "{err}"
        );
        let mut bad = body.clone();
        bad["typeIdentifiantRoutage"] = json!("0088");
        bad["identifiantRoutage"] = json!("OTHER");
        let (s, err) = api.call("POST", "/code-routage", a, Some(bad)).await;
        assert!(
            s == StatusCode::UNPROCESSABLE_ENTITY
                && err["detail"].as_str().unwrap().starts_with("G1.83"),
            "{err}"
        );
        // Beta serves no line of this company.
        let mut other = body.clone();
        other["identifiantRoutage"] = json!("BETA-1");
        assert_eq!(
            api.call("POST", "/code-routage", Some(BETA), Some(other))
                .await
                .0,
            StatusCode::CREATED,
            "Beta has the suffix line"
        );

        let (s, got) = api
            .call(
                "GET",
                &format!("/code-routage/siret:{SIRET}/code:{CODE}"),
                a,
                None,
            )
            .await;
        assert_eq!(
            (s, got["libelleCodeRoutage"].as_str()),
            (StatusCode::OK, Some("Service 42"))
        );
        assert_eq!(
            api.call("GET", &format!("/code-routage/id-instance:{rc}"), a, None)
                .await
                .0,
            StatusCode::OK
        );
        let (s, _) = api
            .call(
                "PATCH",
                &format!("/code-routage/id-instance:{rc}"),
                a,
                Some(json!({"etatAdministratif": "F"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = api
            .call(
                "PUT",
                &format!("/code-routage/id-instance:{rc}"),
                a,
                Some(json!({"libelleCodeRoutage": "x"})),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, found) = api
            .call("POST", "/code-routage/recherche", a, Some(json!({"filtres": {"etatAdministratif": {"op": "strict", "valeur": "F"}}, "inclure": ["siren", "siret"]})))
            .await;
        assert_eq!(
            (s, found["nombre_total_resultats"].as_i64()),
            (StatusCode::OK, Some(1))
        );
        assert_eq!(
            found["resultats"][0]["uniteLegale"]["siren"].as_str(),
            Some(SIREN)
        );
        assert_eq!(
            found["resultats"][0]["etablissement"]["siret"].as_str(),
            Some(SIRET)
        );
        // A line on the closed routing code is refused (G1.92).
        let (s, err) = api
            .call("POST", "/ligne-annuaire", a, Some(json!({"periodeEffet": {"dateDebutEffet": "2026-11-01"}, "informationAdressage": {"siren": SIREN, "siret": SIRET, "identifiantRoutage": CODE, "matriculePlateforme": "0001"}})))
            .await;
        assert!(
            s == StatusCode::UNPROCESSABLE_ENTITY
                && err["detail"].as_str().unwrap().starts_with("G1.92"),
            "{err}"
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn facteur_document_lists_the_official_operations() {
    let ours: Value = serde_json::from_str(OPENAPI).expect("facteur's document is JSON");
    let Some(doc) = official() else { return };
    let operations = |d: &Value| -> Vec<String> {
        let mut v: Vec<String> = d["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(p, ops)| {
                ops.as_object()
                    .unwrap()
                    .keys()
                    .filter(|m| m.as_str() != "parameters")
                    .map(move |m| format!("{} {p}", m.to_uppercase()))
            })
            .collect();
        v.sort();
        v
    };
    // The PPF's operations, plus facteur's own (documented, not the PPF's).
    let mut expected = operations(&doc);
    expected.push("GET /openapi.json".into());
    expected.extend(["GET /health", "GET /ready", "GET /metrics"].map(String::from));
    expected.sort();
    // facteur's own API (`/v1/…`, accounts) is tested in `accounts_partition`.
    let ppf_operations: Vec<String> = operations(&ours)
        .into_iter()
        .filter(|op| !op.contains(" /v1/"))
        .collect();
    assert_eq!(ppf_operations, expected);
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        assert_eq!(
            &ours["components"]["schemas"][name], schema,
            "same schema {name} as the PPF"
        );
    }
    // The hub's own endpoints (issue #6) are documented too.
    let hub_operations = [
        "POST /v1/invoices",
        "GET /v1/invoices/{id}",
        "GET /v1/invoices/{id}/document",
        "POST /v1/invoices/{id}/statuses",
        "GET /v1/platforms/{matricule}/inbox",
        "POST /v1/platforms/{matricule}/inbox/{delivery_id}/ack",
        "POST /v1/batches",
        "GET /v1/batches/{id}",
        "POST /v1/ereporting/transactions",
        "POST /v1/ereporting/payments",
        "POST /v1/ereporting/reports",
        "POST /v1/ereporting/invoices",
    ];
    for op in hub_operations {
        assert!(operations(&ours).iter().any(|o| o == op), "{op} documented");
    }

    // Every documented operation is routed (401 without a credential, never 404/405).
    let t = super::directory_support::sqlite().await;
    let dir = Arc::new(
        Directory::open(t.db.clone(), Fallback::Hierarchical)
            .await
            .unwrap(),
    );
    let router = app(AppState::new(dir));
    for op in ppf_operations
        .iter()
        .map(String::as_str)
        .chain(hub_operations)
    {
        let (method, path) = op.split_once(' ').unwrap();
        let concrete = path
            .replace("{siren}", SIREN)
            .replace("{siret}", SIRET)
            .replace("{id-instance}", "1")
            .replace("{identifiant-routage}", CODE)
            .replace("{identifiant-adressage}", SIREN)
            .replace("{id}", "x")
            .replace("{matricule}", "0001")
            .replace("{delivery_id}", "1");
        let req = Request::builder()
            .method(method)
            .uri(&concrete)
            .body(Body::empty())
            .unwrap();
        let status = router.clone().oneshot(req).await.unwrap().status();
        assert!(
            status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
            "{op}: {status}"
        );
    }
    t.cleanup().await;
}

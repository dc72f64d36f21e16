//! The hub's HTTP API (`/v1/`) through the router, on SQLite and PostgreSQL: submit,
//! read, statuses, the embedded inbox, and every refusal a platform can meet.

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use facteur::api::{AppState, app};
use facteur::samples;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::directory_support::backends;
use crate::hub_support::{token, world};

struct Call<'a> {
    method: &'a str,
    path: String,
    platform: Option<&'a str>,
    content_type: Option<&'a str>,
    headers: Vec<(&'a str, &'a str)>,
    body: Vec<u8>,
}

fn call<'a>(method: &'a str, path: impl Into<String>, platform: Option<&'a str>) -> Call<'a> {
    Call {
        method,
        path: path.into(),
        platform,
        content_type: None,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

impl<'a> Call<'a> {
    fn body(mut self, content_type: &'a str, body: impl Into<Vec<u8>>) -> Self {
        self.content_type = Some(content_type);
        self.body = body.into();
        self
    }

    fn header(mut self, name: &'a str, value: &'a str) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Sends it; the answer's status, JSON (or Null) and raw bytes.
    async fn send(self, router: &Router) -> (StatusCode, Value, Vec<u8>) {
        let mut request = Request::builder().method(self.method).uri(&self.path);
        if let Some(platform) = self.platform {
            request = request.header(header::AUTHORIZATION, format!("Bearer {}", token(platform)));
        }
        if let Some(content_type) = self.content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        for (name, value) in self.headers {
            request = request.header(name, value);
        }
        let response = router
            .clone()
            .oneshot(request.body(Body::from(self.body)).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = to_bytes(response.into_body(), 64 << 20)
            .await
            .unwrap()
            .to_vec();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, value, bytes)
    }
}

const XML: &str = "application/xml";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoices_are_submitted_read_and_hidden_from_other_platforms() {
    for t in backends().await {
        let router = app(AppState::with_hub(world(&t.db).await));
        let bytes = samples::ubl_invoice("H-1", 2).into_bytes();

        let (s, _, _) = call("POST", "/v1/invoices", None)
            .body(XML, bytes.clone())
            .send(&router)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{}", t.name);
        let (s, body, _) = call("POST", "/v1/invoices", Some("0001"))
            .body(XML, Vec::new())
            .send(&router)
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(body["detail"].as_str().unwrap().contains("empty"), "{body}");

        let (s, receipt, _) = call("POST", "/v1/invoices", Some("0001"))
            .body(XML, bytes.clone())
            .header("idempotency-key", "k1")
            .send(&router)
            .await;
        assert_eq!(s, StatusCode::CREATED, "{receipt}");
        assert_eq!(receipt["status"], 200);
        assert_eq!(receipt["recipient_platform"], "0002");
        assert_eq!(receipt["reasons"], json!([]));
        let id = receipt["invoice_id"].as_str().unwrap().to_string();
        let (s, again, _) = call("POST", "/v1/invoices", Some("0001"))
            .body(XML, bytes.clone())
            .send(&router)
            .await;
        assert_eq!(
            (s, &again["invoice_id"], &again["replayed"]),
            (StatusCode::OK, &json!(id), &json!(true))
        );
        let (s, body, _) = call("POST", "/v1/invoices", Some("0001"))
            .body(XML, samples::ubl_invoice("H-2", 1))
            .header("idempotency-key", "k1")
            .send(&router)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

        // A rejected document gets its receipt too, with its reasons.
        let (s, rejected, _) = call("POST", "/v1/invoices", Some("0001"))
            .body(XML, "<Invoice/>")
            .send(&router)
            .await;
        assert_eq!(
            (s, &rejected["status"], &rejected["reasons"]),
            (StatusCode::CREATED, &json!(213), &json!(["REJ_SEMAN"]))
        );

        for platform in ["0001", "0002"] {
            let (s, invoice, _) = call("GET", format!("/v1/invoices/{id}"), Some(platform))
                .send(&router)
                .await;
            assert_eq!(s, StatusCode::OK, "{platform}");
            assert_eq!(invoice["invoice_number"], "H-1");
            assert_eq!(invoice["history"][0]["status"], 200);
            assert_eq!(invoice["history"][0]["hash"].as_str().unwrap().len(), 64);
            let (s, _, document) =
                call("GET", format!("/v1/invoices/{id}/document"), Some(platform))
                    .send(&router)
                    .await;
            assert_eq!((s, document.as_slice()), (StatusCode::OK, bytes.as_slice()));
        }
        for path in [
            format!("/v1/invoices/{id}"),
            format!("/v1/invoices/{id}/document"),
            "/v1/invoices/nope".into(),
        ] {
            let (s, _, _) = call("GET", path.clone(), Some("0003")).send(&router).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        }
        t.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_are_posted_as_json_or_cdar_and_refused_when_not_allowed() {
    for t in backends().await {
        let router = app(AppState::with_hub(world(&t.db).await));
        let (_, receipt, _) = call("POST", "/v1/invoices", Some("0001"))
            .body(XML, samples::ubl_invoice("P-1", 1))
            .send(&router)
            .await;
        let id = receipt["invoice_id"].as_str().unwrap().to_string();
        let statuses = format!("/v1/invoices/{id}/statuses");
        let json_type = "application/json";

        let (s, body, _) = call("POST", statuses.clone(), Some("0002"))
            .body(json_type, json!({"status": 202}).to_string())
            .send(&router)
            .await;
        assert_eq!(s, StatusCode::CREATED, "{}: {body}", t.name);
        assert_eq!(
            (&body["record"]["status"], &body["delivered_to"]),
            (&json!(202), &json!("0001"))
        );

        let cases = [
            ("0001", json!({"status": 205}), StatusCode::FORBIDDEN),
            ("0003", json!({"status": 205}), StatusCode::NOT_FOUND),
            ("0002", json!({"status": 999}), StatusCode::BAD_REQUEST),
            (
                "0002",
                json!({"status": 210}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "0002",
                json!({"status": 210, "reasons": ["PAS_UN_CODE"]}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "0002",
                json!({"status": 205, "extra": 1}),
                StatusCode::BAD_REQUEST,
            ),
        ];
        for (platform, body, expected) in cases {
            let (s, answer, _) = call("POST", statuses.clone(), Some(platform))
                .body(json_type, body.to_string())
                .send(&router)
                .await;
            assert_eq!(s, expected, "{platform} {body}: {answer}");
            assert!(answer["detail"].as_str().is_some_and(|d| !d.is_empty()));
        }
        let (s, answer, _) = call("POST", statuses.clone(), Some("0002"))
            .body(XML, "<x/>")
            .send(&router)
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{answer}");

        let (s, body, _) = call("POST", statuses.clone(), Some("0002"))
            .body(
                json_type,
                json!({"status": 210, "reasons": ["DOUBLON"], "comment": "déjà reçue"}).to_string(),
            )
            .send(&router)
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let (_, invoice, _) = call("GET", format!("/v1/invoices/{id}"), Some("0001"))
            .send(&router)
            .await;
        let codes: Vec<i64> = invoice["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["status"].as_i64().unwrap())
            .collect();
        assert_eq!(codes, [200, 202, 210]);
        assert_eq!(invoice["history"][2]["comment"], "déjà reçue");
        // 210 is terminal.
        let (s, _, _) = call("POST", statuses, Some("0002"))
            .body(json_type, json!({"status": 205}).to_string())
            .send(&router)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        t.cleanup().await;
    }
}

fn deliveries(body: &Value) -> Vec<Value> {
    body["deliveries"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_inbox_delivers_until_acknowledged_and_only_to_its_platform() {
    for t in backends().await {
        let mut state = AppState::with_hub(world(&t.db).await);
        state.inbox_visibility = Duration::from_millis(1500);
        let router = app(state.clone());
        let bytes = samples::ubl_invoice("I-1", 1).into_bytes();
        let (_, receipt, _) = call("POST", "/v1/invoices", Some("0001"))
            .body(XML, bytes.clone())
            .send(&router)
            .await;
        let id = receipt["invoice_id"].as_str().unwrap().to_string();

        let (s, _, _) = call("GET", "/v1/platforms/0002/inbox", Some("0003"))
            .send(&router)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{}", t.name);
        let (s, _, _) = call("GET", "/v1/platforms/0002/inbox?wait=x", Some("0002"))
            .send(&router)
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        let (s, inbox, _) = call("GET", "/v1/platforms/0002/inbox", Some("0002"))
            .send(&router)
            .await;
        assert_eq!(s, StatusCode::OK);
        let got = deliveries(&inbox);
        assert_eq!(got.len(), 1, "{inbox}");
        assert_eq!(
            (&got[0]["kind"], &got[0]["message_id"]),
            (&json!("invoice"), &json!(id))
        );
        assert_eq!(got[0]["headers"]["x-facteur-sender-platform"], "0001");
        let body = base64::engine::general_purpose::STANDARD
            .decode(got[0]["body_base64"].as_str().unwrap())
            .unwrap();
        assert_eq!(body, bytes);
        let delivery = got[0]["delivery_id"].as_i64().unwrap();

        // Invisible while leased: a long poll waits, then answers empty.
        let started = Instant::now();
        let (_, inbox, _) = call("GET", "/v1/platforms/0002/inbox?wait=1", Some("0002"))
            .send(&router)
            .await;
        assert!(deliveries(&inbox).is_empty());
        assert!(started.elapsed() >= Duration::from_millis(900));
        // Not acknowledged: delivered again once the visibility timeout has passed.
        let (_, inbox, _) = call("GET", "/v1/platforms/0002/inbox?wait=2", Some("0002"))
            .send(&router)
            .await;
        assert_eq!(deliveries(&inbox).len(), 1, "{}: redelivery", t.name);

        let ack = format!("/v1/platforms/0002/inbox/{delivery}/ack");
        let (s, _, _) = call(
            "POST",
            format!("/v1/platforms/0003/inbox/{delivery}/ack"),
            Some("0003"),
        )
        .send(&router)
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "not in 0003's inbox");
        let (s, _, _) = call("POST", ack.clone(), Some("0002")).send(&router).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _, _) = call("POST", ack, Some("0002")).send(&router).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "acknowledging twice is harmless");
        let (_, invoice, _) = call("GET", format!("/v1/invoices/{id}"), Some("0001"))
            .send(&router)
            .await;
        assert_eq!(invoice["status"], 201, "acknowledged: Émise");
        tokio::time::sleep(Duration::from_millis(1600)).await;
        let (_, inbox, _) = call("GET", "/v1/platforms/0002/inbox", Some("0002"))
            .send(&router)
            .await;
        assert!(
            deliveries(&inbox).is_empty(),
            "acknowledged deliveries never come back"
        );

        // A status from the buyer's platform reaches the seller's inbox, waking its poll.
        let poll = {
            let router = router.clone();
            tokio::spawn(async move {
                call("GET", "/v1/platforms/0001/inbox?wait=10", Some("0001"))
                    .send(&router)
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (s, _, _) = call("POST", format!("/v1/invoices/{id}/statuses"), Some("0002"))
            .body("application/json", json!({"status": 202}).to_string())
            .send(&router)
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let (_, inbox, _) = poll.await.unwrap();
        let got = deliveries(&inbox);
        assert_eq!(got.len(), 1, "{inbox}");
        assert_eq!(got[0]["kind"], "status");
        assert_eq!(got[0]["headers"]["x-facteur-kind"], "status");
        assert_eq!(got[0]["headers"]["x-facteur-status"], "202");
        assert_eq!(got[0]["headers"]["x-facteur-invoice-id"], json!(id));

        // With a broker, the inbox is not where deliveries go.
        state.broker_delivery = true;
        let (s, answer, _) = call("GET", "/v1/platforms/0002/inbox", Some("0002"))
            .send(&app(state))
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{answer}");
        t.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_its_database_the_hub_answers_503_with_a_clear_error() {
    for t in backends().await {
        let router = app(AppState::with_hub(world(&t.db).await));
        t.db.close().await;
        let (s, body, _) = call("POST", "/v1/invoices", Some("0001"))
            .body(XML, samples::ubl_invoice("N-1", 1))
            .send(&router)
            .await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{}: {body}", t.name);
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("database is unavailable"),
            "{body}"
        );
        t.cleanup().await;
    }
}

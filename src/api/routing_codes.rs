//! `/code-routage`: search, read, create and change routing codes (closing one,
//! `etatAdministratif: F`, is how a routing code ends).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json as j};

use super::registry::{included_establishment, included_unit};
use super::search::{SearchRequest, list_param, project};
use super::{ApiError, AppState, Caller, id_instance, json, json_body, keyed};
use crate::directory::model::RoutingCodeRecord;
use crate::directory::service::NewRoutingCode;
use crate::identifiers::Siret;
use crate::storage::Bind;
use crate::storage::search::{Where, routing_code_sort_column};

/// A routing code in the PPF shape (`codeRoutagePayloadHisto`).
pub fn routing_code_json(r: &RoutingCodeRecord) -> Value {
    j!({
        "identifiantRoutage": r.code.to_string(),
        "siret": r.siret.to_string(),
        "typeIdentifiantRoutage": r.code_type,
        "libelleCodeRoutage": r.label,
        "gestionEngagementJuridique": r.legal_commitment,
        "etatAdministratif": r.state,
        "historisation": {"dateDefinition": r.created_at, "creePar": r.created_by, "idInstance": r.id},
    })
}

fn reference(r: &RoutingCodeRecord, status: StatusCode) -> Response {
    json(
        status,
        j!({"idInstance": r.id, "siret": r.siret.to_string(), "identifiantRoutage": r.code.to_string()}),
    )
}

pub async fn search(
    State(state): State<AppState>,
    _caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut req = SearchRequest::parse(&body, true)?;
    let db = state.directory.db();
    let mut w = Where::default();
    if let Some(v) = req.text("identifiantRoutage", "contient")? {
        w.contains(db, "code", &v);
    }
    if let Some(v) = req.text("siret", "strict")? {
        w.eq("siret", Bind::Text(v));
    }
    if let Some(v) = req.text("libelleCodeRoutage", "contient")? {
        w.contains(db, "label", &v);
    }
    if let Some(v) = req.text("etatAdministratif", "strict")? {
        w.eq("state", Bind::Text(v));
    }
    for name in ["lignesAdresse", "codePostal", "localite"] {
        if req.text(name, "contient")?.is_some() {
            w.eq("siret", Bind::Text(String::new()));
        }
    }
    let history = req.history()?;
    req.finish()?;
    w.created_between(history.from, history.to);
    let sorts = req.sorts(routing_code_sort_column)?;
    let (total, codes) = db.search_routing_codes(&w, &sorts, req.page).await?;
    let mut items = Vec::with_capacity(codes.len());
    for r in &codes {
        let mut v = routing_code_json(r);
        if let Value::Object(map) = &mut v {
            if req.include.iter().any(|i| i == "siren")
                && let Some(u) = db.legal_unit(&r.siret.siren()).await?
            {
                map.insert("uniteLegale".into(), included_unit(&u));
            }
            if req.include.iter().any(|i| i == "siret")
                && let Some(e) = db.establishment(&r.siret).await?
            {
                map.insert("etablissement".into(), included_establishment(&e));
            }
        }
        items.push(v);
    }
    Ok(req.respond(total, items))
}

pub async fn get_by_id(
    State(state): State<AppState>,
    _caller: Caller,
    Path(key): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let id = id_instance(&key)?;
    let r = state
        .directory
        .db()
        .routing_code_by_id(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("routing code {id} not found")))?;
    Ok(json(
        StatusCode::OK,
        project(
            routing_code_json(&r),
            list_param(&params, "champs").as_deref(),
        ),
    ))
}

pub async fn get_by_code(
    State(state): State<AppState>,
    _caller: Caller,
    Path((siret, code)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (Some(siret), Some(code)) = (keyed(&siret, "siret"), keyed(&code, "code")) else {
        return Err(ApiError::not_found("no such path"));
    };
    let siret = Siret::parse(siret).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let r = state
        .directory
        .db()
        .routing_code(&siret, code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("routing code {code} of {siret} not found")))?;
    Ok(json(
        StatusCode::OK,
        project(
            routing_code_json(&r),
            list_param(&params, "champs").as_deref(),
        ),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateBody {
    nature_etablissement: String,
    identifiant_routage: String,
    siret: String,
    #[serde(default)]
    type_identifiant_routage: Option<String>,
    libelle_code_routage: String,
    #[serde(default)]
    gestion_engagement_juridique: Option<bool>,
    etat_administratif: String,
    #[serde(default)]
    #[allow(dead_code)]
    adresse: Option<Value>,
}

fn check_enum(value: &str, allowed: &[&str], what: &str) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "{what} must be one of {allowed:?}"
        )))
    }
}

pub async fn create(
    State(state): State<AppState>,
    Caller(actor): Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let b: CreateBody = json_body(&body)?;
    check_enum(
        &b.nature_etablissement,
        &["Privé", "Public"],
        "natureEtablissement",
    )?;
    check_enum(&b.etat_administratif, &["A", "F"], "etatAdministratif")?;
    if b.libelle_code_routage.trim().is_empty() || b.libelle_code_routage.chars().count() > 100 {
        return Err(ApiError::bad_request(
            "libelleCodeRoutage must be 1 to 100 characters",
        ));
    }
    let siret = Siret::parse(&b.siret)
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("G2.07: {e}")))?;
    let new = NewRoutingCode {
        siret,
        code: b.identifiant_routage,
        code_type: b
            .type_identifiant_routage
            .unwrap_or_else(|| "0224".to_string()),
        label: b.libelle_code_routage,
        state: b.etat_administratif,
        nature: b.nature_etablissement,
        legal_commitment: b.gestion_engagement_juridique.unwrap_or(false),
    };
    let r = state.directory.create_routing_code(actor, &new).await?;
    Ok(reference(&r, StatusCode::CREATED))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateBody {
    #[serde(default)]
    type_identifiant_routage: Option<String>,
    #[serde(default)]
    libelle_code_routage: Option<String>,
    #[serde(default)]
    etat_administratif: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    adresse: Option<Value>,
}

async fn update(
    state: AppState,
    actor: crate::directory::model::Actor,
    key: &str,
    body: &Bytes,
    put: bool,
) -> Result<Response, ApiError> {
    let id = id_instance(key)?;
    let b: UpdateBody = json_body(body)?;
    if put
        && (b.type_identifiant_routage.is_none()
            || b.libelle_code_routage.is_none()
            || b.etat_administratif.is_none())
    {
        return Err(ApiError::bad_request(
            "PUT requires typeIdentifiantRoutage, libelleCodeRoutage and etatAdministratif",
        ));
    }
    if let Some(s) = &b.etat_administratif {
        check_enum(s, &["A", "F"], "etatAdministratif")?;
    }
    let r = state
        .directory
        .update_routing_code(actor, id, |r| {
            if let Some(t) = b.type_identifiant_routage {
                r.code_type = t;
            }
            if let Some(l) = b.libelle_code_routage {
                r.label = l;
            }
            if let Some(s) = b.etat_administratif {
                r.state = s;
            }
        })
        .await?;
    Ok(reference(&r, StatusCode::OK))
}

pub async fn put(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    update(state, actor, &key, &body, true).await
}

pub async fn patch(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    update(state, actor, &key, &body, false).await
}

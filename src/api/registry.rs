//! `/siren` and `/siret`: search and read legal units and establishments.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json as j};

use super::search::{SearchRequest, list_param, project};
use super::{ApiError, AppState, Caller, id_instance, json, keyed};
use crate::directory::model::{Establishment, LegalUnit};
use crate::identifiers::{Siren, Siret};
use crate::storage::search::{Where, establishment_sort_column, unit_sort_column};
use crate::storage::{Bind, Page};

/// A legal unit in the PPF shape (`uniteLegalePayloadHisto`).
pub fn unit_json(u: &LegalUnit) -> Value {
    j!({
        "siren": u.siren.to_string(),
        "raisonSociale": u.name,
        "typeEntite": u.entity_type,
        "etatAdministratif": u.state,
        "diffusible": "O",
        "historisation": {"dateDefinition": u.created_at, "idInstance": u.id},
    })
}

/// An establishment in the PPF shape (`etablissementPayloadHisto`).
pub fn establishment_json(e: &Establishment) -> Value {
    j!({
        "siret": e.siret.to_string(),
        "siren": e.siret.siren().to_string(),
        "denomination": e.name,
        "typeEtablissement": e.kind,
        "diffusible": "O",
        "etatAdministratif": e.state,
        "historisation": {"dateDefinition": e.created_at, "idInstance": e.id},
    })
}

/// A legal unit as an included relation (`uniteLegalePayloadIncluded`).
pub fn included_unit(u: &LegalUnit) -> Value {
    let mut v = unit_json(u);
    if let Value::Object(m) = &mut v {
        m.remove("historisation");
    }
    v
}

/// An establishment as an included relation (`etablissementPayloadIncluded`).
pub fn included_establishment(e: &Establishment) -> Value {
    let mut v = establishment_json(e);
    if let Value::Object(m) = &mut v {
        m.remove("historisation");
    }
    v
}

pub async fn search_units(
    State(state): State<AppState>,
    _caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut req = SearchRequest::parse(&body, false)?;
    let db = state.directory.db();
    let mut w = Where::default();
    if let Some(v) = req.text("siren", "strict")? {
        w.eq("siren", Bind::Text(v));
    }
    if let Some(v) = req.text("raisonSociale", "contient")? {
        w.contains(db, "name", &v);
    }
    if let Some(v) = req.text("typeEntite", "strict")? {
        w.eq("entity_type", Bind::Text(v));
    }
    if let Some(v) = req.text("etatAdministratif", "strict")? {
        w.eq("state", Bind::Text(v));
    }
    let history = req.history()?;
    req.finish()?;
    w.created_between(history.from, history.to);
    let sorts = req.sorts(unit_sort_column)?;
    let (total, units) = db.search_units(&w, &sorts, req.page).await?;
    Ok(req.respond(total, units.iter().map(unit_json).collect()))
}

pub async fn get_unit(
    State(state): State<AppState>,
    _caller: Caller,
    Path(key): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let db = state.directory.db();
    let unit = if let Some(siren) = keyed(&key, "code-insee") {
        let siren = Siren::parse(siren).map_err(|e| ApiError::bad_request(e.to_string()))?;
        let mut w = Where::default();
        w.eq("siren", Bind::Text(siren.to_string()));
        db.search_units(
            &w,
            &[],
            Page {
                limit: 1,
                offset: 0,
            },
        )
        .await?
        .1
        .into_iter()
        .next()
    } else {
        db.legal_unit_by_id(id_instance(&key)?).await?
    };
    let unit = unit.ok_or_else(|| ApiError::not_found("legal unit not found"))?;
    Ok(json(
        StatusCode::OK,
        project(unit_json(&unit), list_param(&params, "champs").as_deref()),
    ))
}

async fn with_unit(
    state: &AppState,
    e: &Establishment,
    include: &[String],
) -> Result<Value, ApiError> {
    let mut v = establishment_json(e);
    if include.iter().any(|i| i == "siren") {
        let mut w = Where::default();
        w.eq("siren", Bind::Text(e.siret.siren().to_string()));
        let units = state
            .directory
            .db()
            .search_units(
                &w,
                &[],
                Page {
                    limit: 1,
                    offset: 0,
                },
            )
            .await?
            .1;
        if let (Some(u), Value::Object(m)) = (units.first(), &mut v) {
            m.insert("uniteLegale".into(), included_unit(u));
        }
    }
    Ok(v)
}

pub async fn search_establishments(
    State(state): State<AppState>,
    _caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut req = SearchRequest::parse(&body, true)?;
    let db = state.directory.db();
    let mut w = Where::default();
    if let Some(v) = req.text("siret", "strict")? {
        w.eq("siret", Bind::Text(v));
    }
    if let Some(v) = req.text("siren", "strict")? {
        w.eq("siren", Bind::Text(v));
    }
    if let Some(v) = req.text("typeEtablissement", "strict")? {
        w.eq("kind", Bind::Text(v));
    }
    if let Some(v) = req.text("denomination", "contient")? {
        w.contains(db, "name", &v);
    }
    if let Some(v) = req.text("etatAdministratif", "strict")? {
        w.eq("state", Bind::Text(v));
    }
    // facteur keeps no postal addresses: an address filter matches nothing.
    for name in ["lignesAdresse", "codePostal", "subDivisionPays", "localite"] {
        if req.text(name, "contient")?.is_some() {
            w.eq("siret", Bind::Text(String::new()));
        }
    }
    let history = req.history()?;
    req.finish()?;
    w.created_between(history.from, history.to);
    let sorts = req.sorts(establishment_sort_column)?;
    let (total, establishments) = db.search_establishments(&w, &sorts, req.page).await?;
    let mut items = Vec::with_capacity(establishments.len());
    for e in &establishments {
        items.push(with_unit(&state, e, &req.include).await?);
    }
    Ok(req.respond(total, items))
}

pub async fn get_establishment(
    State(state): State<AppState>,
    _caller: Caller,
    Path(key): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let db = state.directory.db();
    let establishment = if let Some(siret) = keyed(&key, "code-insee") {
        let siret = Siret::parse(siret).map_err(|e| ApiError::bad_request(e.to_string()))?;
        let mut w = Where::default();
        w.eq("siret", Bind::Text(siret.to_string()));
        db.search_establishments(
            &w,
            &[],
            Page {
                limit: 1,
                offset: 0,
            },
        )
        .await?
        .1
        .into_iter()
        .next()
    } else {
        db.establishment_by_id(id_instance(&key)?).await?
    };
    let e = establishment.ok_or_else(|| ApiError::not_found("establishment not found"))?;
    let include = list_param(&params, "inclure").unwrap_or_default();
    let v = with_unit(&state, &e, &include).await?;
    Ok(json(
        StatusCode::OK,
        project(v, list_param(&params, "champs").as_deref()),
    ))
}

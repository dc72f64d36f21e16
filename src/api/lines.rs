//! `/ligne-annuaire`: search, read (by addressing identifier or id-instance), create,
//! change (`PUT`/`PATCH`: a new version with another end date or platform) and
//! delete (a masking line; lines are never deleted).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json as j};

use super::search::{SearchRequest, list_param, project};
use super::{ApiError, AppState, Caller, id_instance, json, json_body, keyed};
use crate::directory::Day;
use crate::directory::model::{AddressParts, Line, LineSpec, Nature, Platform, parts_of};
use crate::directory::rules::addressing_from_parts;
use crate::directory::service::LineChange;
use crate::identifiers::{AddressingId, Matricule};
use crate::storage::Bind;
use crate::storage::search::{Where, line_sort_column};

/// A line in the PPF shape (`ligneAnnuairePayloadHisto`).
pub fn line_json(line: &Line) -> Value {
    let (siren, siret, code, suffix) = parts_of(&line.addressing);
    let mut v = j!({
        "identifiantAdressage": line.addressing.to_string(),
        "siren": siren.to_string(),
        "matriculePlateforme": line.matricule.to_string(),
        "dateFinEffet": line.end.map(|d| d.to_string()),
        "historisation": {
            "dateDefinition": line.created_at,
            "dateDebutEffet": line.start.to_string(),
            "creePar": line.created_by,
            "masque": line.masked || line.nature == Nature::Masking,
            "idInstance": line.id,
        },
    });
    if let Value::Object(map) = &mut v {
        if let Some(t) = siret {
            map.insert("siret".into(), j!(t.to_string()));
        }
        if let Some(c) = code {
            map.insert("identifiantRoutage".into(), j!(c.to_string()));
        }
        if let Some(x) = suffix {
            map.insert("suffixeAdressage".into(), j!(x.to_string()));
        }
        if let Some(e) = line.effective_end {
            map.insert("dateFinEffective".into(), j!(e.to_string()));
        }
    }
    v
}

/// The platform in the PPF shape (`…_plateforme`).
pub fn platform_json(p: &Platform, today: Day) -> Value {
    j!({
        "typePlateforme": p.kind.code(),
        "matriculePlateforme": p.matricule.to_string(),
        "raisonSocialePlateforme": p.name,
        "nomCommercialPlateforme": p.name,
        "statutPlateforme": if p.is_active_on(today) { "Actif" } else { "Inactif" },
    })
}

async fn with_platform(
    state: &AppState,
    line: &Line,
    include: &[String],
) -> Result<Value, ApiError> {
    let mut v = line_json(line);
    if include.iter().any(|i| i == "plateforme")
        && let Some(p) = state.directory.db().platform(line.matricule).await?
        && let Value::Object(map) = &mut v
    {
        map.insert(
            "plateforme".into(),
            platform_json(&p, state.directory.today()),
        );
    }
    Ok(v)
}

pub async fn search(
    State(state): State<AppState>,
    _caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut req = SearchRequest::parse(&body, false)?;
    let db = state.directory.db();
    let mut w = Where::default();
    if let Some(v) = req.text("identifiantAdressage", "contient")? {
        w.contains(db, "addressing_id", &v);
    }
    if let Some(v) = req
        .text("matriculePlateforme", "strict")?
        .filter(|v| !v.is_empty())
    {
        let m = Matricule::parse(&v).map_err(|e| ApiError::bad_request(e.to_string()))?;
        w.eq("matricule", Bind::Int(i64::from(m.value())));
    }
    if let Some(v) = req.text("siren", "strict")? {
        w.prefix("addressing_id", &v).eq("siren", Bind::Text(v));
    }
    if let Some(v) = req.text("siret", "strict")? {
        w.eq("siret", Bind::Text(v));
    }
    if let Some(v) = req.text("identifiantRoutage", "contient")? {
        w.contains(db, "routing_code", &v);
    }
    if let Some(v) = req
        .text("suffixeAdressage", "strict")?
        .filter(|v| !v.is_empty())
    {
        w.eq("suffix", Bind::Text(v));
    }
    let history = req.history()?;
    req.finish()?;
    if let Some(by) = &history.created_by {
        w.contains(db, "created_by", by);
    }
    w.created_between(history.from, history.to);
    // Without modeAudit only what the PPF shows: current lines not yet expired (or
    // in force on dateObservation); with it, every version.
    match (history.audit, history.observed) {
        (true, _) => {}
        (false, Some(day)) => {
            w.in_force_on(day);
        }
        (false, None) => {
            w.visible_on(state.directory.today());
        }
    }
    let sorts = req.sorts(line_sort_column)?;
    let (total, lines) = db.search_lines(&w, &sorts, req.page).await?;
    let mut items = Vec::with_capacity(lines.len());
    for line in &lines {
        items.push(with_platform(&state, line, &req.include).await?);
    }
    Ok(req.respond(total, items))
}

pub async fn get(
    State(state): State<AppState>,
    _caller: Caller,
    Path(key): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let include = list_param(&params, "inclure").unwrap_or_default();
    let fields = list_param(&params, "champs");
    let line = if let Some(code) = keyed(&key, "code") {
        let addressing =
            AddressingId::parse(code).map_err(|e| ApiError::bad_request(e.to_string()))?;
        let day = match params.get("dateObservation") {
            Some(d) => Day::parse(d).map_err(|e| ApiError::bad_request(e.to_string()))?,
            None => state.directory.today(),
        };
        let platforms = state.directory.db().platforms().await?;
        let active = |m: Matricule| {
            platforms
                .iter()
                .any(|p| p.matricule == m && p.is_active_on(day))
        };
        state
            .directory
            .db()
            .lines_of(&addressing)
            .await?
            .into_iter()
            .rev()
            .find(|l| l.in_force_on(day) && active(l.matricule))
            .ok_or_else(|| {
                ApiError::not_found(format!("no line in force for {addressing} on {day}"))
            })?
    } else {
        let id = id_instance(&key)?;
        state
            .directory
            .db()
            .line(id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("line {id} not found")))?
    };
    let v = with_platform(&state, &line, &include).await?;
    Ok(json(StatusCode::OK, project(v, fields.as_deref())))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Period {
    date_debut_effet: String,
    #[serde(default)]
    date_fin_effet: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Addressing {
    siren: String,
    #[serde(default)]
    siret: Option<String>,
    #[serde(default)]
    identifiant_routage: Option<String>,
    #[serde(default)]
    suffixe_adressage: Option<String>,
    matricule_plateforme: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    periode_effet: Period,
    information_adressage: Addressing,
}

fn day(value: &str, what: &str) -> Result<Day, ApiError> {
    Day::parse(value).map_err(|e| ApiError::bad_request(format!("{what}: {e}")))
}

fn created(line: &Line, status: StatusCode) -> Response {
    json(
        status,
        j!({
            "idInstance": line.id,
            "identifiantAdressage": line.addressing.to_string(),
            "dateDebutEffet": line.start.to_string(),
        }),
    )
}

pub async fn create(
    State(state): State<AppState>,
    Caller(actor): Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: CreateBody = json_body(&body)?;
    let a = body.information_adressage;
    let addressing = addressing_from_parts(&AddressParts {
        siren: a.siren,
        siret: a.siret,
        routing_code: a.identifiant_routage,
        suffix: a.suffixe_adressage,
    })
    .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    let spec = LineSpec {
        addressing,
        matricule: Matricule::parse(&a.matricule_plateforme)
            .map_err(|e| ApiError::bad_request(e.to_string()))?,
        start: day(&body.periode_effet.date_debut_effet, "dateDebutEffet")?,
        end: body
            .periode_effet
            .date_fin_effet
            .as_deref()
            .map(|d| day(d, "dateFinEffet"))
            .transpose()?,
    };
    let line = state.directory.create_line(actor, &spec).await?;
    Ok(created(&line, StatusCode::CREATED))
}

/// Reads `dateFinEffet` and `matriculePlateforme` of a PUT or PATCH body; absent
/// and `null` differ for PATCH (`null` removes the end date).
fn change(body: &Bytes, put: bool) -> Result<LineChange, ApiError> {
    let v: Value = json_body(body)?;
    let Value::Object(map) = v else {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    };
    if let Some(k) = map
        .keys()
        .find(|k| !["dateFinEffet", "matriculePlateforme"].contains(&k.as_str()))
    {
        return Err(ApiError::bad_request(format!("unknown member {k:?}")));
    }
    let end = match map.get("dateFinEffet") {
        None if put => Some(None),
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(day(s, "dateFinEffet")?)),
        Some(_) => return Err(ApiError::bad_request("dateFinEffet must be a date or null")),
    };
    let matricule = match map.get("matriculePlateforme") {
        None if put => return Err(ApiError::bad_request("matriculePlateforme is required")),
        None => None,
        Some(Value::String(s)) => {
            Some(Matricule::parse(s).map_err(|e| ApiError::bad_request(e.to_string()))?)
        }
        Some(_) => {
            return Err(ApiError::bad_request(
                "matriculePlateforme must be a string",
            ));
        }
    };
    Ok(LineChange { end, matricule })
}

async fn apply(
    state: AppState,
    actor: crate::directory::model::Actor,
    key: &str,
    body: &Bytes,
    put: bool,
) -> Result<Response, ApiError> {
    let id = id_instance(key)?;
    let change = change(body, put)?;
    let line = state.directory.change_line(actor, id, &change).await?;
    Ok(created(&line, StatusCode::OK))
}

pub async fn put(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    apply(state, actor, &key, &body, true).await
}

pub async fn patch(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    apply(state, actor, &key, &body, false).await
}

pub async fn delete(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_instance(&key)?;
    state.directory.mask_line(actor, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

//! The PPF search request (`filtres`, `tris`, `champs`, `inclure`, `limite`,
//! `ignorer`) and response (`recherche`, `nombre_total_resultats`, `resultats`; 200
//! when complete, 206 when more results remain, 204 when none), and the `champs`
//! projection shared by searches and reads.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::{ApiError, json};
use crate::directory::Day;
use crate::storage::{Page, Sort};

/// Default and largest page.
pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 1000;

/// Fields that live under `historisation` in every PPF payload.
const HISTORY_FIELDS: [&str; 5] = [
    "dateDefinition",
    "dateDebutEffet",
    "creePar",
    "masque",
    "idInstance",
];

/// A parsed search request.
pub struct SearchRequest {
    raw: Value,
    filters: Map<String, Value>,
    history: Map<String, Value>,
    sorts: Vec<(String, bool)>,
    pub fields: Option<Vec<String>>,
    pub include: Vec<String>,
    pub page: Page,
}

fn strings(value: Option<&Value>, what: &str) -> Result<Option<Vec<String>>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(String::from).ok_or_else(|| {
                    ApiError::bad_request(format!("{what} must be a list of strings"))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(ApiError::bad_request(format!("{what} must be a list"))),
    }
}

fn object(value: Option<&Value>, what: &str) -> Result<Map<String, Value>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(ApiError::bad_request(format!("{what} must be an object"))),
    }
}

impl SearchRequest {
    /// Parses a search body; `inclure` is a member of the SIRET and routing-code
    /// searches only (as in the PPF document).
    pub fn parse(body: &Bytes, with_include: bool) -> Result<SearchRequest, ApiError> {
        let raw: Value = if body.is_empty() {
            Value::Object(Map::new())
        } else {
            super::json_body(body)?
        };
        let Value::Object(top) = &raw else {
            return Err(ApiError::bad_request(
                "the search body must be a JSON object",
            ));
        };
        for key in top.keys() {
            let known = ["filtres", "tris", "champs", "limite", "ignorer"].contains(&key.as_str())
                || (with_include && key == "inclure");
            if !known {
                return Err(ApiError::bad_request(format!(
                    "unknown search member {key:?}"
                )));
            }
        }
        let mut filters = object(top.get("filtres"), "filtres")?;
        let history = object(
            filters.remove("historisation").as_ref(),
            "filtres.historisation",
        )?;
        let mut sorts = Vec::new();
        if let Some(tris) = top.get("tris") {
            let Value::Array(items) = tris else {
                return Err(ApiError::bad_request("tris must be a list"));
            };
            for item in items {
                let champ = item
                    .get("champ")
                    .and_then(Value::as_str)
                    .ok_or_else(|| ApiError::bad_request("tris[].champ is required"))?;
                let descending = match item.get("ordre").and_then(Value::as_str) {
                    None | Some("ascendant") => false,
                    Some("descendant") => true,
                    Some(other) => {
                        return Err(ApiError::bad_request(format!(
                            "tris[].ordre {other:?} must be ascendant or descendant"
                        )));
                    }
                };
                sorts.push((champ.to_string(), descending));
            }
        }
        let number = |key: &str, default: i64| -> Result<i64, ApiError> {
            match top.get(key) {
                None | Some(Value::Null) => Ok(default),
                Some(v) => v.as_i64().filter(|n| *n >= 0).ok_or_else(|| {
                    ApiError::bad_request(format!("{key} must be a non-negative integer"))
                }),
            }
        };
        let limit = number("limite", DEFAULT_LIMIT)?;
        if limit > MAX_LIMIT {
            return Err(ApiError::bad_request(format!(
                "limite must be at most {MAX_LIMIT}"
            )));
        }
        Ok(SearchRequest {
            fields: strings(top.get("champs"), "champs")?,
            include: strings(top.get("inclure"), "inclure")?.unwrap_or_default(),
            page: Page {
                limit,
                offset: number("ignorer", 0)?,
            },
            filters,
            history,
            sorts,
            raw,
        })
    }

    fn take(map: &mut Map<String, Value>, name: &str, op: &str) -> Result<Option<Value>, ApiError> {
        let Some(filter) = map.remove(name) else {
            return Ok(None);
        };
        match filter.get("op").and_then(Value::as_str) {
            None => {}
            Some(o) if o == op => {}
            Some(o) => {
                return Err(ApiError::bad_request(format!(
                    "filter {name}: op {o:?} must be {op:?}"
                )));
            }
        }
        Ok(filter.get("valeur").cloned().filter(|v| !v.is_null()))
    }

    /// The `valeur` of a text filter with operator `op` (`strict` or `contient`).
    pub fn text(&mut self, name: &str, op: &str) -> Result<Option<String>, ApiError> {
        match Self::take(&mut self.filters, name, op)? {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ApiError::bad_request(format!(
                "filter {name}: valeur must be a string"
            ))),
        }
    }

    fn history_day(&mut self, name: &str) -> Result<Option<Day>, ApiError> {
        match Self::take(&mut self.history, name, "strict")? {
            None => Ok(None),
            Some(Value::String(s)) => Day::parse(&s)
                .map(Some)
                .map_err(|e| ApiError::bad_request(format!("{name}: {e}"))),
            Some(_) => Err(ApiError::bad_request(format!(
                "{name}: valeur must be a date"
            ))),
        }
    }

    /// `historisation` filters: dateObservation, dateDebutRecherche, dateFinRecherche,
    /// creePar (contient), modeAudit.
    pub fn history(&mut self) -> Result<History, ApiError> {
        let observed = self.history_day("dateObservation")?;
        let from = self.history_day("dateDebutRecherche")?;
        let to = self.history_day("dateFinRecherche")?;
        let created_by = match Self::take(&mut self.history, "creePar", "contient")? {
            Some(Value::String(s)) => Some(s),
            None => None,
            Some(_) => return Err(ApiError::bad_request("creePar: valeur must be a string")),
        };
        let audit = match Self::take(&mut self.history, "modeAudit", "strict")? {
            Some(Value::Bool(b)) => b,
            None => false,
            Some(_) => return Err(ApiError::bad_request("modeAudit: valeur must be a boolean")),
        };
        Ok(History {
            observed,
            from,
            to,
            created_by,
            audit,
        })
    }

    /// Refuses filters the resource does not have.
    pub fn finish(&self) -> Result<(), ApiError> {
        if let Some(name) = self.filters.keys().chain(self.history.keys()).next() {
            return Err(ApiError::bad_request(format!("unknown filter {name:?}")));
        }
        Ok(())
    }

    /// The sort keys, mapped to columns by `column`.
    pub fn sorts(&self, column: fn(&str) -> Option<&'static str>) -> Result<Vec<Sort>, ApiError> {
        self.sorts
            .iter()
            .map(|(champ, descending)| {
                column(champ)
                    .map(|column| Sort {
                        column,
                        descending: *descending,
                    })
                    .ok_or_else(|| ApiError::bad_request(format!("cannot sort on {champ:?}")))
            })
            .collect()
    }

    /// The search response: 204 when nothing matched, 206 when more results remain.
    pub fn respond(&self, total: i64, items: Vec<Value>) -> Response {
        if total == 0 {
            return StatusCode::NO_CONTENT.into_response();
        }
        let complete = self.page.offset + (items.len() as i64) >= total;
        let results: Vec<Value> = items
            .into_iter()
            .map(|v| project(v, self.fields.as_deref()))
            .collect();
        json(
            if complete {
                StatusCode::OK
            } else {
                StatusCode::PARTIAL_CONTENT
            },
            serde_json::json!({
                "recherche": self.raw,
                "nombre_total_resultats": total,
                "resultats": results,
            }),
        )
    }
}

/// The `historisation` filters of a search.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub observed: Option<Day>,
    pub from: Option<Day>,
    pub to: Option<Day>,
    pub created_by: Option<String>,
    pub audit: bool,
}

/// Keeps only the requested `champs` (top-level fields, and the history fields inside
/// `historisation`); included relations are kept.
pub fn project(value: Value, fields: Option<&[String]>) -> Value {
    let (Some(fields), Value::Object(mut map)) = (fields, value.clone()) else {
        return value;
    };
    let wanted = |k: &str| fields.iter().any(|f| f == k);
    let relations = ["uniteLegale", "etablissement", "codeRoutage", "plateforme"];
    map.retain(|k, _| k == "historisation" || wanted(k) || relations.contains(&k.as_str()));
    if let Some(Value::Object(history)) = map.get_mut("historisation") {
        history.retain(|k, _| HISTORY_FIELDS.contains(&k.as_str()) && wanted(k));
        if history.is_empty() {
            map.remove("historisation");
        }
    }
    Value::Object(map)
}

/// `champs` and `inclure` of a GET (comma-separated, `explode: false`).
pub fn list_param(
    params: &std::collections::HashMap<String, String>,
    name: &str,
) -> Option<Vec<String>> {
    params.get(name).map(|v| {
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    })
}

//! A JSON-Schema check for the subset of OpenAPI the PPF directory document uses
//! (`$ref`, `allOf`, `type`, `properties`, `items`, `enum`, `maxLength`, `nullable`,
//! `format: date`), strict about unknown fields, and the official document itself.

use facteur::directory::Day;
use serde_json::Value;

const OFFICIAL: &str =
    "../shared/reference/dgfip/ppf-openapi-annuaire-api-public-1.11.0-openapi.json";

pub fn official() -> Option<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(OFFICIAL);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).expect("official document is JSON")),
        Err(_) => {
            eprintln!("SKIPPED: schema checks ({} not found)", path.display());
            None
        }
    }
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// A JSON-Schema check for the subset the PPF document uses.
pub fn check(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    // A nullable `allOf: [$ref]` (OpenAPI 3.0's nullable reference) accepts null.
    if value.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
        return;
    }
    let schema = resolve(doc, schema);
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            check(doc, s, value, at, errors);
        }
        return;
    }
    if value.is_null() {
        if schema.get("nullable") != Some(&Value::Bool(true)) && schema.get("type").is_some() {
            errors.push(format!("{at}: null but not nullable"));
        }
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {value} not in {allowed:?}"));
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => {
            let Some(s) = value.as_str() else {
                return errors.push(format!("{at}: {value} is not a string"));
            };
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
                && s.chars().count() as u64 > max
            {
                errors.push(format!("{at}: longer than {max}"));
            }
            match schema.get("format").and_then(Value::as_str) {
                Some("date") if Day::parse(s).is_err() => {
                    errors.push(format!("{at}: {s:?} is not a date"))
                }
                Some("date-time") if !s.contains('T') => {
                    errors.push(format!("{at}: {s:?} is not a date-time"))
                }
                _ => {}
            }
        }
        Some("integer") if !value.is_i64() => {
            errors.push(format!("{at}: {value} is not an integer"))
        }
        Some("boolean") if !value.is_boolean() => {
            errors.push(format!("{at}: {value} is not a boolean"))
        }
        Some("array") => match value.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    check(doc, &schema["items"], item, &format!("{at}[{i}]"), errors);
                }
            }
            None => errors.push(format!("{at}: not an array")),
        },
        Some("object") | None if schema.get("properties").is_some() => match value.as_object() {
            Some(map) => {
                for (k, v) in map {
                    match schema["properties"].get(k) {
                        Some(s) => check(doc, s, v, &format!("{at}.{k}"), errors),
                        None => errors.push(format!("{at}: unknown field {k:?}")),
                    }
                }
            }
            None => errors.push(format!("{at}: not an object")),
        },
        _ => {}
    }
}

/// The official template of a concrete path (`/siren/code-insee:123` →
/// `/siren/code-insee:{siren}`).
pub fn template<'a>(doc: &'a Value, path: &str) -> Option<&'a str> {
    let segments: Vec<&str> = path.split('/').collect();
    doc["paths"]
        .as_object()?
        .keys()
        .map(String::as_str)
        .find(|t| {
            let ts: Vec<&str> = t.split('/').collect();
            ts.len() == segments.len()
                && ts
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| match t.split_once('{') {
                        Some((prefix, _)) => s.starts_with(prefix) && s.len() > prefix.len(),
                        None => t == s,
                    })
        })
}

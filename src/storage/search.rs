//! Searches for the directory API (`…/recherche`): typed filters become a WHERE
//! clause with `$N` parameters, sort fields come from a fixed list of columns (never
//! from the request text), and each search returns the total count with one page.

use sqlx::AssertSqlSafe;

use super::lines::{Cells, LINE_COLUMNS, line_from};
use super::registry::{ROUTING_CODE, establishment_row, routing_code_from, unit_row};
use super::{Db, Result, with_pool};
use crate::directory::day::Day;
use crate::directory::model::{Establishment, LegalUnit, Line, RoutingCodeRecord};

/// A parameter value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bind {
    Int(i64),
    Text(String),
}

/// One sort key: a column from the fixed lists below.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    pub column: &'static str,
    pub descending: bool,
}

/// Paging (`limite`, `ignorer`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

/// A WHERE clause under construction.
#[derive(Default)]
pub struct Where {
    conditions: Vec<String>,
    binds: Vec<Bind>,
}

impl Where {
    fn next(&mut self, bind: Bind) -> String {
        self.binds.push(bind);
        format!("${}", self.binds.len())
    }

    /// `column = value`; `column` must be a literal of this module's callers.
    pub fn eq(&mut self, column: &'static str, value: Bind) -> &mut Self {
        let p = self.next(value);
        self.conditions.push(format!("{column} = {p}"));
        self
    }

    /// `column` starts with `value` (an index range, so it uses the column's index).
    pub fn prefix(&mut self, column: &'static str, value: &str) -> &mut Self {
        let lo = self.next(Bind::Text(value.to_string()));
        let hi = self.next(Bind::Text(format!("{value}~")));
        self.conditions
            .push(format!("{column} >= {lo} AND {column} < {hi}"));
        self
    }

    /// Case-insensitive substring (`op: contient`), without LIKE so that `_` and `%`
    /// in identifiers are plain characters.
    pub fn contains(&mut self, db: &Db, column: &'static str, value: &str) -> &mut Self {
        let p = self.next(Bind::Text(value.to_lowercase()));
        let f = match db {
            Db::Sqlite(_) => "instr",
            Db::Pg(_) => "strpos",
        };
        self.conditions
            .push(format!("{f}(lower({column}), {p}) > 0"));
        self
    }

    /// Lines in force on `day` (definition, current, start ≤ day < stop).
    pub fn in_force_on(&mut self, day: Day) -> &mut Self {
        let p = self.next(Bind::Int(i64::from(day.days())));
        self.conditions.push(format!(
            "nature = 'D' AND superseded_by IS NULL AND start_day <= {p} AND (end_day IS NULL OR end_day > {p}) AND (effective_end IS NULL OR effective_end > {p})"
        ));
        self
    }

    /// Current lines not yet expired on `day` (in force or to come).
    pub fn visible_on(&mut self, day: Day) -> &mut Self {
        let p = self.next(Bind::Int(i64::from(day.days())));
        self.conditions.push(format!(
            "superseded_by IS NULL AND (end_day IS NULL OR end_day > {p}) AND (effective_end IS NULL OR effective_end > {p})"
        ));
        self
    }

    /// Rows created within `[from, to]` (history filters).
    pub fn created_between(&mut self, from: Option<Day>, to: Option<Day>) -> &mut Self {
        if let Some(from) = from {
            let p = self.next(Bind::Text(from.to_string()));
            self.conditions.push(format!("created_at >= {p}"));
        }
        if let Some(to) = to {
            let p = self.next(Bind::Text(to.next().to_string()));
            self.conditions.push(format!("created_at < {p}"));
        }
        self
    }

    fn sql(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }
}

fn order_by(sort: &[Sort], tie_breaker: &str) -> String {
    let mut keys: Vec<String> = sort
        .iter()
        .map(|s| format!("{} {}", s.column, if s.descending { "DESC" } else { "ASC" }))
        .collect();
    keys.push(tie_breaker.to_string());
    format!(" ORDER BY {}", keys.join(", "))
}

macro_rules! run_search {
    ($db:expr, $select:expr, $table:expr, $w:expr, $sort:expr, $page:expr, $from:ident) => {{
        let where_sql = $w.sql();
        let count_sql = format!("SELECT COUNT(*) AS n FROM {}{}", $table, where_sql);
        let page_sql = format!(
            "{} FROM {}{}{} LIMIT {} OFFSET {}",
            $select,
            $table,
            where_sql,
            order_by($sort, "id ASC"),
            $page.limit.max(0),
            $page.offset.max(0)
        );
        with_pool!($db, p => {
            let mut count = sqlx::query(AssertSqlSafe(count_sql));
            let mut rows = sqlx::query(AssertSqlSafe(page_sql));
            for b in &$w.binds {
                match b {
                    Bind::Int(i) => {
                        count = count.bind(*i);
                        rows = rows.bind(*i);
                    }
                    Bind::Text(t) => {
                        count = count.bind(t.clone());
                        rows = rows.bind(t.clone());
                    }
                }
            }
            let total = count.fetch_one(p).await?.i64("n")?;
            let rows = rows.fetch_all(p).await?;
            let items = rows.iter().map($from).collect::<Result<Vec<_>>>()?;
            Ok((total, items))
        })
    }};
}

/// Sortable columns of lines, by PPF field name (`champLigneAnnuaire`).
pub fn line_sort_column(field: &str) -> Option<&'static str> {
    Some(match field {
        "identifiantAdressage" => "addressing_id",
        "siren" => "siren",
        "siret" => "siret",
        "identifiantRoutage" => "routing_code",
        "suffixeAdressage" => "suffix",
        "matriculePlateforme" => "matricule",
        "dateFinEffet" => "end_day",
        "dateFinEffective" => "effective_end",
        "dateDefinition" => "created_at",
        "dateDebutEffet" => "start_day",
        "masque" => "masked",
        "idInstance" => "id",
        "creePar" => "created_by",
        _ => return None,
    })
}

/// Sortable columns of legal units (`champSiren`).
pub fn unit_sort_column(field: &str) -> Option<&'static str> {
    Some(match field {
        "siren" => "siren",
        "raisonSociale" => "name",
        "typeEntite" => "entity_type",
        "etatAdministratif" => "state",
        "dateDefinition" | "dateDebutEffet" => "created_at",
        "idInstance" => "id",
        _ => return None,
    })
}

/// Sortable columns of establishments (`champSiret`).
pub fn establishment_sort_column(field: &str) -> Option<&'static str> {
    Some(match field {
        "siret" => "siret",
        "siren" => "siren",
        "denomination" => "name",
        "typeEtablissement" => "kind",
        "etatAdministratif" => "state",
        "dateDefinition" | "dateDebutEffet" => "created_at",
        "idInstance" => "id",
        _ => return None,
    })
}

/// Sortable columns of routing codes (`champCodeRoutage`).
pub fn routing_code_sort_column(field: &str) -> Option<&'static str> {
    Some(match field {
        "siret" => "siret",
        "identifiantRoutage" => "code",
        "libelleCodeRoutage" => "label",
        "typeIdentifiantRoutage" => "code_type",
        "etatAdministratif" => "state",
        "gestionEngagementJuridique" => "legal_commitment",
        "dateDefinition" | "dateDebutEffet" => "created_at",
        "idInstance" => "id",
        "creePar" => "created_by",
        _ => return None,
    })
}

impl Db {
    pub async fn search_lines(
        &self,
        w: &Where,
        sort: &[Sort],
        page: Page,
    ) -> Result<(i64, Vec<Line>)> {
        run_search!(
            self,
            format!("SELECT {LINE_COLUMNS}"),
            "lines",
            w,
            sort,
            page,
            line_from
        )
    }

    pub async fn search_units(
        &self,
        w: &Where,
        sort: &[Sort],
        page: Page,
    ) -> Result<(i64, Vec<LegalUnit>)> {
        run_search!(
            self,
            "SELECT id, siren, name, entity_type, state, created_at",
            "legal_units",
            w,
            sort,
            page,
            unit_row
        )
    }

    pub async fn search_establishments(
        &self,
        w: &Where,
        sort: &[Sort],
        page: Page,
    ) -> Result<(i64, Vec<Establishment>)> {
        run_search!(
            self,
            "SELECT id, siret, name, kind, state, created_at",
            "establishments",
            w,
            sort,
            page,
            establishment_row
        )
    }

    pub async fn search_routing_codes(
        &self,
        w: &Where,
        sort: &[Sort],
        page: Page,
    ) -> Result<(i64, Vec<RoutingCodeRecord>)> {
        run_search!(
            self,
            ROUTING_CODE.trim_end_matches(" FROM routing_codes"),
            "routing_codes",
            w,
            sort,
            page,
            routing_code_from
        )
    }
}

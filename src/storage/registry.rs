//! The directory's reference records in SQL: platforms and their credentials, legal
//! units, establishments and routing codes.

use super::lines::{Cells, matricule_of};
use super::{Db, Result, StorageError, Tx, with_pool, with_tx};
use crate::directory::day::Day;
use crate::directory::model::{
    Establishment, LegalUnit, Platform, PlatformKind, RoutingCodeRecord,
};
use crate::identifiers::{Matricule, RoutingCode, Siren, Siret};

fn platform_from<R: Cells>(row: &R) -> Result<Platform> {
    let kind = row.text("kind")?;
    Ok(Platform {
        matricule: matricule_of(row.i32("matricule")?)?,
        name: row.text("name")?,
        kind: PlatformKind::from_code(&kind)
            .ok_or_else(|| StorageError::Corrupt(format!("platform kind {kind:?}")))?,
        inactive_from: row.opt_i32("inactive_from")?.map(Day::from_days),
    })
}

fn legal_unit_from<R: Cells>(row: &R) -> Result<LegalUnit> {
    let siren = row.text("siren")?;
    Ok(LegalUnit {
        id: row.i64("id")?,
        siren: Siren::parse(&siren).map_err(|e| StorageError::Corrupt(e.to_string()))?,
        name: row.text("name")?,
        entity_type: row.text("entity_type")?,
        state: row.text("state")?,
        created_at: row.text("created_at")?,
    })
}

fn establishment_from<R: Cells>(row: &R) -> Result<Establishment> {
    let siret = row.text("siret")?;
    Ok(Establishment {
        id: row.i64("id")?,
        siret: Siret::parse(&siret).map_err(|e| StorageError::Corrupt(e.to_string()))?,
        name: row.text("name")?,
        kind: row.text("kind")?,
        state: row.text("state")?,
        created_at: row.text("created_at")?,
    })
}

pub(crate) fn routing_code_from<R: Cells>(row: &R) -> Result<RoutingCodeRecord> {
    let siret = row.text("siret")?;
    let code = row.text("code")?;
    Ok(RoutingCodeRecord {
        id: row.i64("id")?,
        siret: Siret::parse(&siret).map_err(|e| StorageError::Corrupt(e.to_string()))?,
        code: RoutingCode::parse(&code).map_err(|e| StorageError::Corrupt(e.to_string()))?,
        label: row.text("label")?,
        code_type: row.text("code_type")?,
        state: row.text("state")?,
        nature: row.text("nature")?,
        legal_commitment: row.boolean("legal_commitment")?,
        created_by: row.text("created_by")?,
        created_at: row.text("created_at")?,
    })
}

const PLATFORM: &str = "SELECT matricule, name, kind, inactive_from FROM platforms";
const UNIT: &str = "SELECT id, siren, name, entity_type, state, created_at FROM legal_units";
const ESTABLISHMENT: &str = "SELECT id, siret, name, kind, state, created_at FROM establishments";
pub(crate) const ROUTING_CODE: &str = "SELECT id, siret, code, label, code_type, state, nature, legal_commitment, created_by, created_at FROM routing_codes";

macro_rules! select_one {
    ($exec:expr, $sql:expr, $bind:expr, $from:ident) => {{
        let row = sqlx::query(sqlx::AssertSqlSafe($sql))
            .bind($bind)
            .fetch_optional($exec)
            .await?;
        row.as_ref().map($from).transpose()
    }};
}

/// The reads a line change needs, in the write transaction.
impl Tx {
    pub async fn platform(&mut self, m: Matricule) -> Result<Option<Platform>> {
        with_tx!(self, c => select_one!(c, format!("{PLATFORM} WHERE matricule = $1"), i32::from(m.value()), platform_from))
    }

    pub async fn legal_unit(&mut self, siren: &Siren) -> Result<Option<LegalUnit>> {
        with_tx!(self, c => select_one!(c, format!("{UNIT} WHERE siren = $1"), siren.to_string(), legal_unit_from))
    }

    pub async fn establishment(&mut self, siret: &Siret) -> Result<Option<Establishment>> {
        with_tx!(self, c => select_one!(c, format!("{ESTABLISHMENT} WHERE siret = $1"), siret.to_string(), establishment_from))
    }
}

/// The same reads on the pool.
impl Db {
    pub async fn platform(&self, m: Matricule) -> Result<Option<Platform>> {
        with_pool!(self, p => select_one!(p, format!("{PLATFORM} WHERE matricule = $1"), i32::from(m.value()), platform_from))
    }

    pub async fn legal_unit(&self, siren: &Siren) -> Result<Option<LegalUnit>> {
        with_pool!(self, p => select_one!(p, format!("{UNIT} WHERE siren = $1"), siren.to_string(), legal_unit_from))
    }

    pub async fn establishment(&self, siret: &Siret) -> Result<Option<Establishment>> {
        with_pool!(self, p => select_one!(p, format!("{ESTABLISHMENT} WHERE siret = $1"), siret.to_string(), establishment_from))
    }
}

impl Tx {
    pub async fn routing_code(
        &mut self,
        siret: &Siret,
        code: &RoutingCode,
    ) -> Result<Option<RoutingCodeRecord>> {
        let sql = format!("{ROUTING_CODE} WHERE siret = $1 AND code = $2");
        with_tx!(self, c => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(siret.to_string())
                .bind(code.to_string())
                .fetch_optional(c)
                .await?;
            row.as_ref().map(routing_code_from).transpose()
        })
    }

    pub async fn routing_code_by_id(&mut self, id: i64) -> Result<Option<RoutingCodeRecord>> {
        with_tx!(self, c => select_one!(c, format!("{ROUTING_CODE} WHERE id = $1"), id, routing_code_from))
    }

    /// Whether `matricule` has a current definition line for some identifier of `siren`
    /// (the platform serves that company).
    pub async fn has_line_for(&mut self, siren: &Siren, matricule: Matricule) -> Result<bool> {
        with_tx!(self, c => {
            let row = sqlx::query("SELECT COUNT(*) AS n FROM lines WHERE addressing_id >= $1 AND addressing_id < $2 AND matricule = $3 AND superseded_by IS NULL AND nature = 'D'")
                .bind(siren.to_string())
                .bind(format!("{siren}~"))
                .bind(i32::from(matricule.value()))
                .fetch_one(c)
                .await?;
            Ok(row.i64("n")? > 0)
        })
    }

    pub async fn insert_routing_code(&mut self, r: &RoutingCodeRecord) -> Result<i64> {
        let sql = "INSERT INTO routing_codes (siret, code, label, code_type, state, nature, legal_commitment, created_by, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
        with_tx!(self, c => {
            let row = sqlx::query(sql)
                .bind(r.siret.to_string())
                .bind(r.code.to_string())
                .bind(r.label.clone())
                .bind(r.code_type.clone())
                .bind(r.state.clone())
                .bind(r.nature.clone())
                .bind(r.legal_commitment)
                .bind(r.created_by.clone())
                .bind(r.created_at.clone())
                .fetch_one(c)
                .await?;
            row.i64("id")
        })
    }

    /// Updates a routing code's label, type, state and legal-commitment flag (routing
    /// codes are reference data, not historised lines).
    pub async fn update_routing_code(&mut self, r: &RoutingCodeRecord) -> Result<()> {
        with_tx!(self, c => {
            sqlx::query("UPDATE routing_codes SET label = $1, code_type = $2, state = $3, legal_commitment = $4 WHERE id = $5")
                .bind(r.label.clone())
                .bind(r.code_type.clone())
                .bind(r.state.clone())
                .bind(r.legal_commitment)
                .bind(r.id)
                .execute(c)
                .await?;
        });
        Ok(())
    }
}

impl Db {
    pub async fn platforms(&self) -> Result<Vec<Platform>> {
        with_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{PLATFORM} ORDER BY matricule"))).fetch_all(p).await?;
            rows.iter().map(platform_from).collect()
        })
    }

    /// Registers a platform, or renames it and restores its registration.
    pub async fn upsert_platform(&self, platform: &Platform, created_at: &str) -> Result<()> {
        with_pool!(self, p => {
            sqlx::query("INSERT INTO platforms (matricule, name, kind, inactive_from, created_at) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (matricule) DO UPDATE SET name = excluded.name, kind = excluded.kind, inactive_from = excluded.inactive_from")
                .bind(i32::from(platform.matricule.value()))
                .bind(platform.name.clone())
                .bind(platform.kind.code())
                .bind(platform.inactive_from.map(Day::days))
                .bind(created_at.to_string())
                .execute(p)
                .await?;
        });
        Ok(())
    }

    /// Ends (or restores, with `None`) a platform's registration; returns whether it exists.
    pub async fn set_platform_inactive_from(&self, m: Matricule, day: Option<Day>) -> Result<bool> {
        with_pool!(self, p => {
            let done = sqlx::query("UPDATE platforms SET inactive_from = $1 WHERE matricule = $2")
                .bind(day.map(Day::days))
                .bind(i32::from(m.value()))
                .execute(p)
                .await?;
            Ok(done.rows_affected() > 0)
        })
    }

    pub async fn add_credential(
        &self,
        m: Matricule,
        token_hash: &str,
        created_at: &str,
    ) -> Result<()> {
        with_pool!(self, p => {
            sqlx::query("INSERT INTO platform_credentials (token_hash, matricule, created_at) VALUES ($1, $2, $3)")
                .bind(token_hash.to_string())
                .bind(i32::from(m.value()))
                .bind(created_at.to_string())
                .execute(p)
                .await?;
        });
        Ok(())
    }

    /// The platform a credential (its SHA-256, hex) belongs to.
    pub async fn platform_for_credential(&self, token_hash: &str) -> Result<Option<Platform>> {
        let sql = "SELECT p.matricule, p.name, p.kind, p.inactive_from FROM platform_credentials c JOIN platforms p ON p.matricule = c.matricule WHERE c.token_hash = $1";
        with_pool!(self, p => {
            let row = sqlx::query(sql).bind(token_hash.to_string()).fetch_optional(p).await?;
            row.as_ref().map(platform_from).transpose()
        })
    }

    pub async fn legal_unit_by_id(&self, id: i64) -> Result<Option<LegalUnit>> {
        with_pool!(self, p => select_one!(p, format!("{UNIT} WHERE id = $1"), id, legal_unit_from))
    }

    pub async fn establishment_by_id(&self, id: i64) -> Result<Option<Establishment>> {
        with_pool!(self, p => select_one!(p, format!("{ESTABLISHMENT} WHERE id = $1"), id, establishment_from))
    }

    pub async fn routing_code_by_id(&self, id: i64) -> Result<Option<RoutingCodeRecord>> {
        with_pool!(self, p => select_one!(p, format!("{ROUTING_CODE} WHERE id = $1"), id, routing_code_from))
    }

    pub async fn routing_code(
        &self,
        siret: &Siret,
        code: &str,
    ) -> Result<Option<RoutingCodeRecord>> {
        let sql = format!("{ROUTING_CODE} WHERE siret = $1 AND code = $2");
        with_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(siret.to_string())
                .bind(code.to_string())
                .fetch_optional(p)
                .await?;
            row.as_ref().map(routing_code_from).transpose()
        })
    }

    /// Registers a legal unit and establishment directly (administrator, tests).
    pub async fn upsert_legal_unit(
        &self,
        siren: &Siren,
        name: &str,
        state: &str,
        created_at: &str,
    ) -> Result<()> {
        with_pool!(self, p => {
            sqlx::query("INSERT INTO legal_units (siren, name, state, created_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (siren) DO UPDATE SET name = excluded.name, state = excluded.state")
                .bind(siren.to_string())
                .bind(name.to_string())
                .bind(state.to_string())
                .bind(created_at.to_string())
                .execute(p)
                .await?;
        });
        Ok(())
    }

    pub async fn upsert_establishment(
        &self,
        siret: &Siret,
        name: &str,
        state: &str,
        created_at: &str,
    ) -> Result<()> {
        with_pool!(self, p => {
            sqlx::query("INSERT INTO establishments (siret, siren, name, state, created_at) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (siret) DO UPDATE SET name = excluded.name, state = excluded.state")
                .bind(siret.to_string())
                .bind(siret.siren().to_string())
                .bind(name.to_string())
                .bind(state.to_string())
                .bind(created_at.to_string())
                .execute(p)
                .await?;
        });
        Ok(())
    }
}

pub(crate) fn unit_row<R: Cells>(row: &R) -> Result<LegalUnit> {
    legal_unit_from(row)
}

pub(crate) fn establishment_row<R: Cells>(row: &R) -> Result<Establishment> {
    establishment_from(row)
}

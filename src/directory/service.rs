//! The directory service: applies a change (rules, then storage, then the index) and
//! answers resolutions from the index.
//!
//! One writer at a time (an async mutex held from the first read of the facts to the
//! publication of the new index snapshot): the rules decide on the state the write
//! transaction sees, and snapshots are published in commit order, so the index always
//! equals the database's current definitions after the last committed change.

use std::sync::Arc;

use tokio::sync::Mutex;

use crate::directory::day::{Day, timestamp, unix_now};
use crate::directory::index::{
    COMPACT_AFTER, Fallback, Index, IndexBuilder, IndexLine, PlatformStates, Resolved, Snapshot,
};
use crate::directory::model::{Actor, Line, LineSpec, Nature, RoutingCodeRecord};
use crate::directory::rules::{self, Facts, RoutingCodeFacts, RuleError};
use crate::identifiers::{AddressingId, Matricule, Siret};
use crate::storage::{Db, StorageError, Tx};

/// A refused or failed directory operation.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("{0} not found")]
    NotFound(String),
}

pub type Result<T> = std::result::Result<T, DirectoryError>;

/// A change to a line (`PUT`/`PATCH`): `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineChange {
    /// `Some(None)` removes the end date.
    pub end: Option<Option<Day>>,
    pub matricule: Option<Matricule>,
}

/// A new routing code (`POST /code-routage`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRoutingCode {
    pub siret: Siret,
    pub code: String,
    pub code_type: String,
    pub label: String,
    pub state: String,
    pub nature: String,
    pub legal_commitment: bool,
}

/// The directory: database, published index, resolution policy.
pub struct Directory {
    db: Db,
    index: Index,
    writer: Mutex<()>,
    fallback: Fallback,
    /// A fixed "today" (tests and what-if runs); the Paris day otherwise.
    fixed_today: Option<Day>,
}

fn index_lines(lines: &[Line]) -> Vec<IndexLine> {
    lines
        .iter()
        .filter(|l| l.is_live_definition())
        .map(|l| IndexLine::new(l.id, l.matricule, l.start, l.stop()))
        .collect()
}

impl Directory {
    /// Opens the directory and builds the index from the database.
    pub async fn open(db: Db, fallback: Fallback) -> Result<Directory> {
        let snapshot = Self::build_snapshot(&db).await?;
        Ok(Directory {
            db,
            index: Index::new(snapshot),
            writer: Mutex::new(()),
            fallback,
            fixed_today: None,
        })
    }

    /// Opens the directory with an index of only the lines that can resolve
    /// `addresses` (each identifier and its fallback parents): the same resolution
    /// for a handful of addresses without loading the whole country.
    pub async fn open_for(
        db: Db,
        fallback: Fallback,
        addresses: &[AddressingId],
    ) -> Result<Directory> {
        let mut builder = IndexBuilder::default();
        for address in addresses {
            let mut next = Some(address.clone());
            while let Some(a) = next {
                for l in db
                    .lines_of(&a)
                    .await?
                    .iter()
                    .filter(|l| l.is_live_definition())
                {
                    builder.push(&a, IndexLine::new(l.id, l.matricule, l.start, l.stop()));
                }
                next = a.parent();
            }
        }
        let snapshot = Snapshot::new(builder.build(), Self::platform_states(&db).await?);
        Ok(Directory {
            db,
            index: Index::new(snapshot),
            writer: Mutex::new(()),
            fallback,
            fixed_today: None,
        })
    }

    /// Uses `today` instead of the calendar (tests, simulations).
    pub fn with_today(mut self, today: Day) -> Directory {
        self.fixed_today = Some(today);
        self
    }

    pub async fn build_snapshot(db: &Db) -> Result<Snapshot> {
        let mut builder = IndexBuilder::default();
        db.load_index(&mut builder).await?;
        let platforms = Self::platform_states(db).await?;
        let base = builder.build();
        Ok(Snapshot::new(base, platforms))
    }

    async fn platform_states(db: &Db) -> Result<PlatformStates> {
        let platforms = db.platforms().await?;
        Ok(PlatformStates::new(
            platforms.iter().map(|p| (p.matricule, p.inactive_from)),
        ))
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    pub fn fallback(&self) -> Fallback {
        self.fallback
    }

    pub fn today(&self) -> Day {
        self.fixed_today.unwrap_or_else(Day::today)
    }

    /// The line that receives for `addressing` on `day`, by the configured policy.
    pub fn resolve(&self, addressing: &AddressingId, day: Day) -> Option<Resolved> {
        self.index.resolve(addressing, day, self.fallback)
    }

    /// Rebuilds the index from the database (after a bulk import by another process).
    pub async fn reload(&self) -> Result<()> {
        let _writer = self.writer.lock().await;
        let snapshot = Self::build_snapshot(&self.db).await?;
        self.index.publish(snapshot);
        Ok(())
    }

    /// Re-reads platform registrations (deactivations made with the CLI).
    pub async fn reload_platforms(&self) -> Result<()> {
        let _writer = self.writer.lock().await;
        self.index
            .set_platforms(Self::platform_states(&self.db).await?);
        Ok(())
    }

    async fn definition(
        &self,
        tx: &mut Tx,
        actor: Actor,
        spec: &LineSpec,
    ) -> Result<(Line, Vec<Line>)> {
        let lines = tx.lines_of(&spec.addressing).await?;
        let siren = spec.addressing.siren();
        let unit = tx.legal_unit(&siren).await?;
        let (establishment, routing_code) = match &spec.addressing {
            AddressingId::Siret(t) => (tx.establishment(t).await?, None),
            AddressingId::RoutingCode(t, c) => {
                (tx.establishment(t).await?, tx.routing_code(t, c).await?)
            }
            _ => (None, None),
        };
        let platform = tx.platform(spec.matricule).await?;
        let facts = Facts {
            today: self.today(),
            actor,
            legal_unit: unit.as_ref(),
            establishment: establishment.as_ref(),
            routing_code: routing_code.as_ref(),
            platform: platform.as_ref(),
            lines: &lines,
        };
        let decision = rules::check_definition(spec, &facts)?;
        let now = timestamp(unix_now());
        let who = actor.label();
        if let Some(old) = decision.supersede {
            tx.retire(old).await?;
        }
        for (old, _) in &decision.end_defaults {
            tx.retire(*old).await?;
        }
        let id = tx.insert_line(spec, Nature::Definition, &who, &now).await?;
        if let Some(old) = decision.supersede {
            tx.supersede(old, id, false).await?;
        }
        for (old, end) in &decision.end_defaults {
            if let Some(previous) = lines.iter().find(|l| l.id == *old) {
                let ended = LineSpec {
                    end: Some(*end),
                    ..previous.spec()
                };
                let new = tx
                    .insert_line(&ended, Nature::Definition, &who, &now)
                    .await?;
                tx.supersede(*old, new, false).await?;
            }
        }
        let line = tx
            .line(id)
            .await?
            .ok_or_else(|| DirectoryError::NotFound(format!("line {id}")))?;
        let current = tx.lines_of(&spec.addressing).await?;
        Ok((line, current))
    }

    /// Publishes the addressing identifier's new current lines, compacting the delta
    /// into a new base when it has grown (still under the writer lock).
    async fn publish(&self, addressing: AddressingId, current: &[Line]) {
        self.index.replace(&[(addressing, index_lines(current))]);
        let snapshot = self.index.load();
        if snapshot.delta_len() > COMPACT_AFTER {
            let compacted = snapshot.compacted();
            self.index.publish(compacted);
        }
    }

    /// Creates a definition line (`POST /ligne-annuaire`).
    pub async fn create_line(&self, actor: Actor, spec: &LineSpec) -> Result<Line> {
        let _writer = self.writer.lock().await;
        let mut tx = self.db.begin().await?;
        let (line, current) = self.definition(&mut tx, actor, spec).await?;
        tx.commit().await?;
        self.publish(spec.addressing.clone(), &current).await;
        Ok(line)
    }

    /// Changes the end date or the platform of a line (`PUT`/`PATCH`): a new version.
    pub async fn change_line(&self, actor: Actor, id: i64, change: &LineChange) -> Result<Line> {
        let _writer = self.writer.lock().await;
        let mut tx = self.db.begin().await?;
        let target = tx
            .line(id)
            .await?
            .ok_or_else(|| DirectoryError::NotFound(format!("line {id}")))?;
        rules::check_current(&target)?;
        let spec = LineSpec {
            end: change.end.unwrap_or(target.end),
            matricule: change.matricule.unwrap_or(target.matricule),
            ..target.spec()
        };
        let (line, current) = self.definition(&mut tx, actor, &spec).await?;
        tx.commit().await?;
        self.publish(spec.addressing.clone(), &current).await;
        Ok(line)
    }

    /// Hides a line that has not taken effect with a masking line (`DELETE`).
    pub async fn mask_line(&self, actor: Actor, id: i64) -> Result<Line> {
        let _writer = self.writer.lock().await;
        let mut tx = self.db.begin().await?;
        let target = tx
            .line(id)
            .await?
            .ok_or_else(|| DirectoryError::NotFound(format!("line {id}")))?;
        let facts = Facts {
            today: self.today(),
            actor,
            legal_unit: None,
            establishment: None,
            routing_code: None,
            platform: None,
            lines: &[],
        };
        rules::check_mask(&target, &facts)?;
        let now = timestamp(unix_now());
        let mask = tx
            .insert_line(&target.spec(), Nature::Masking, &actor.label(), &now)
            .await?;
        tx.supersede(target.id, mask, true).await?;
        let line = tx
            .line(mask)
            .await?
            .ok_or_else(|| DirectoryError::NotFound(format!("line {mask}")))?;
        let current = tx.lines_of(&target.addressing).await?;
        tx.commit().await?;
        self.publish(target.addressing.clone(), &current).await;
        Ok(line)
    }

    /// Creates a routing code (`POST /code-routage`).
    pub async fn create_routing_code(
        &self,
        actor: Actor,
        new: &NewRoutingCode,
    ) -> Result<RoutingCodeRecord> {
        let _writer = self.writer.lock().await;
        let mut tx = self.db.begin().await?;
        let establishment = tx.establishment(&new.siret).await?;
        let existing = match crate::identifiers::RoutingCode::parse(&new.code) {
            Ok(code) => tx.routing_code(&new.siret, &code).await?,
            Err(_) => None,
        };
        let actor_has_line = match actor {
            Actor::Admin => true,
            Actor::Platform(m) => tx.has_line_for(&new.siret.siren(), m).await?,
        };
        let facts = RoutingCodeFacts {
            actor,
            establishment: establishment.as_ref(),
            existing: existing.as_ref(),
            actor_has_line,
        };
        let code = rules::check_routing_code(&new.siret, &new.code, &new.code_type, &facts)?;
        let mut record = RoutingCodeRecord {
            id: 0,
            siret: new.siret.clone(),
            code,
            label: new.label.clone(),
            code_type: new.code_type.clone(),
            state: new.state.clone(),
            nature: new.nature.clone(),
            legal_commitment: new.legal_commitment,
            created_by: actor.label(),
            created_at: timestamp(unix_now()),
        };
        record.id = tx.insert_routing_code(&record).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Updates a routing code (`PUT`/`PATCH /code-routage/id-instance:…`); closing it
    /// (`etatAdministratif: F`) is how a routing code ends.
    pub async fn update_routing_code(
        &self,
        actor: Actor,
        id: i64,
        apply: impl FnOnce(&mut RoutingCodeRecord),
    ) -> Result<RoutingCodeRecord> {
        let _writer = self.writer.lock().await;
        let mut tx = self.db.begin().await?;
        let mut record = tx
            .routing_code_by_id(id)
            .await?
            .ok_or_else(|| DirectoryError::NotFound(format!("routing code {id}")))?;
        if let Actor::Platform(m) = actor
            && !tx.has_line_for(&record.siret.siren(), m).await?
        {
            return Err(RuleError::NotClient {
                actor: m,
                siren: record.siret.siren().to_string(),
            }
            .into());
        }
        apply(&mut record);
        if record.code_type != "0224" {
            return Err(RuleError::RoutingCodeType(record.code_type).into());
        }
        tx.update_routing_code(&record).await?;
        tx.commit().await?;
        Ok(record)
    }
}

/// A directory shared by the server's tasks.
pub type SharedDirectory = Arc<Directory>;

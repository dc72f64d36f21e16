//! The directory's records: legal units (SIREN), establishments (SIRET), routing codes,
//! platforms and directory lines, in the vocabulary of the reform (PPF directory API
//! and annex 7). Records are plain data; the rules that govern their changes live in
//! `rules`, their persistence in `storage`.

use crate::directory::day::Day;
use crate::identifiers::{AddressingId, Matricule, RoutingCode, Siren, Siret, Suffix};

/// Nature of a directory line (DT-7-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Nature {
    /// `D`: defines which platform receives for the addressing identifier.
    Definition,
    /// `M`: hides a definition line that has not taken effect yet (G1.84, G1.85).
    Masking,
}

impl Nature {
    pub fn code(self) -> &'static str {
        match self {
            Nature::Definition => "D",
            Nature::Masking => "M",
        }
    }

    pub fn from_code(code: &str) -> Option<Nature> {
        match code {
            "D" => Some(Nature::Definition),
            "M" => Some(Nature::Masking),
            _ => None,
        }
    }
}

/// Who asks for a change: the administrator (CLI, bulk import) or a platform
/// authenticated through the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Admin,
    Platform(Matricule),
}

impl Actor {
    /// The `creePar` recorded in the line history.
    pub fn label(self) -> String {
        match self {
            Actor::Admin => "admin".to_string(),
            Actor::Platform(m) => format!("platform:{m}"),
        }
    }
}

/// The platform type of the PPF API (`typePlateforme`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlatformKind {
    /// A plateforme agréée (historically "PDP").
    Pdp,
    /// The public platform (9998) and Chorus Pro (9997, 9999).
    Ppf,
    Ap,
    Na,
}

impl PlatformKind {
    pub fn code(self) -> &'static str {
        match self {
            PlatformKind::Pdp => "PDP",
            PlatformKind::Ppf => "PPF",
            PlatformKind::Ap => "AP",
            PlatformKind::Na => "NA",
        }
    }

    pub fn from_code(code: &str) -> Option<PlatformKind> {
        match code {
            "PDP" => Some(PlatformKind::Pdp),
            "PPF" => Some(PlatformKind::Ppf),
            "AP" => Some(PlatformKind::Ap),
            "NA" => Some(PlatformKind::Na),
            _ => None,
        }
    }
}

/// A registered platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    pub matricule: Matricule,
    pub name: String,
    pub kind: PlatformKind,
    /// `None` while the registration is in force; the first day it no longer is.
    pub inactive_from: Option<Day>,
}

impl Platform {
    pub fn is_active_on(&self, day: Day) -> bool {
        self.inactive_from.is_none_or(|d| day < d)
    }
}

/// A legal unit (unité légale).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegalUnit {
    pub id: i64,
    pub siren: Siren,
    pub name: String,
    /// `Publique` or `Privée assujettie`.
    pub entity_type: String,
    /// `A` active, `C` ceased.
    pub state: String,
    pub created_at: String,
}

impl LegalUnit {
    pub fn is_active(&self) -> bool {
        self.state == "A"
    }
}

/// An establishment (établissement).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Establishment {
    pub id: i64,
    pub siret: Siret,
    pub name: String,
    /// `P` head office, `S` secondary.
    pub kind: String,
    /// `A` active, `F` closed.
    pub state: String,
    pub created_at: String,
}

impl Establishment {
    pub fn is_active(&self) -> bool {
        self.state == "A"
    }
}

/// A routing code, attached to a SIRET.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutingCodeRecord {
    pub id: i64,
    pub siret: Siret,
    pub code: RoutingCode,
    pub label: String,
    /// Always `0224` (G1.83).
    pub code_type: String,
    /// `A` active, `F` closed.
    pub state: String,
    /// `Privé` or `Public`.
    pub nature: String,
    pub legal_commitment: bool,
    pub created_by: String,
    pub created_at: String,
}

impl RoutingCodeRecord {
    pub fn is_active(&self) -> bool {
        self.state == "A"
    }
}

/// What a new line says: the addressing identifier, the platform and the period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineSpec {
    pub addressing: AddressingId,
    pub matricule: Matricule,
    pub start: Day,
    pub end: Option<Day>,
}

/// A stored directory line, one version of it: a change never updates a line, it
/// inserts a new version and records `superseded_by` on the old one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub id: i64,
    pub addressing: AddressingId,
    pub matricule: Matricule,
    pub start: Day,
    pub end: Option<Day>,
    /// Set by the administrator when an external event shortens the line.
    pub effective_end: Option<Day>,
    pub nature: Nature,
    /// A definition line hidden by a masking line.
    pub masked: bool,
    pub superseded_by: Option<i64>,
    pub created_by: String,
    pub created_at: String,
}

impl Line {
    /// The first day the line no longer applies: the earlier of the end and the
    /// effective end (periods are half-open, `[start, end)`).
    pub fn stop(&self) -> Option<Day> {
        match (self.end, self.effective_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// A definition line, current (not superseded, not masked), in force on `day`.
    pub fn in_force_on(&self, day: Day) -> bool {
        self.is_live_definition() && self.start <= day && self.stop().is_none_or(|s| day < s)
    }

    /// A current definition line (any period).
    pub fn is_live_definition(&self) -> bool {
        self.nature == Nature::Definition && !self.masked && self.superseded_by.is_none()
    }

    pub fn spec(&self) -> LineSpec {
        LineSpec {
            addressing: self.addressing.clone(),
            matricule: self.matricule,
            start: self.start,
            end: self.end,
        }
    }
}

/// The parts of an addressing identifier as the PPF API carries them (separate fields).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AddressParts {
    pub siren: String,
    pub siret: Option<String>,
    pub routing_code: Option<String>,
    pub suffix: Option<String>,
}

/// The separate fields of an addressing identifier.
pub fn parts_of(
    addressing: &AddressingId,
) -> (Siren, Option<&Siret>, Option<&RoutingCode>, Option<&Suffix>) {
    match addressing {
        AddressingId::Siren(s) => (s.clone(), None, None, None),
        AddressingId::Siret(t) => (t.siren(), Some(t), None, None),
        AddressingId::RoutingCode(t, c) => (t.siren(), Some(t), Some(c), None),
        AddressingId::Suffix(s, x) => (s.clone(), None, None, Some(x)),
    }
}

//! The management rules of the directory (annex 7, G1.80–G1.115) as pure functions
//! over the facts a change needs. Storage reads the facts inside the write transaction
//! and applies the [`Decision`]; nothing here does I/O, so every rule is tested alone.
//!
//! Each refusal is a [`RuleError`] whose message starts with the rule it breaks
//! (`G1.86: …`). Two refusals are not numbered rules of annex 7: `HAB` (a platform
//! may only create or change lines that point to itself; REJ_HAB in the F6 reasons)
//! and `HIST` (a change must name the current version of a line).

use crate::directory::day::Day;
use crate::directory::model::{
    Actor, AddressParts, Establishment, LegalUnit, Line, LineSpec, Platform, RoutingCodeRecord,
};
use crate::identifiers::{
    AddressingId, IdentifierError, Matricule, RoutingCode, Siren, Siret, Suffix,
};

/// A refused change, named by the rule it breaks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("G1.80: SIRET {siret} does not belong to SIREN {siren}")]
    SiretNotOfSiren { siren: String, siret: String },
    #[error("G1.83: a routing code must be qualified 0224, not {0:?}")]
    RoutingCodeType(String),
    #[error(
        "G1.84: a masking line must copy an existing current definition line; line {0} is not one"
    )]
    MaskWithoutDefinition(i64),
    #[error(
        "G1.85: a masking line must start on {tomorrow} or later; line {line} starts on {start}"
    )]
    MaskTooLate {
        line: i64,
        start: Day,
        tomorrow: Day,
    },
    #[error(
        "G1.86: {addressing} [{start}, {end}) overlaps line {other} [{other_start}, {other_end})"
    )]
    Overlap {
        addressing: String,
        start: Day,
        end: String,
        other: i64,
        other_start: Day,
        other_end: String,
    },
    #[error(
        "G1.87: a definition line must start on {tomorrow} or later, or repeat the line in force with only its end changed (start {start})"
    )]
    StartTooEarly { start: Day, tomorrow: Day },
    #[error("G1.88: the end date {end} must be {tomorrow} or later")]
    EndTooEarly { end: Day, tomorrow: Day },
    #[error("G1.89: SIREN {0:?} must be 9 digits with a valid check digit")]
    SirenFormat(String),
    #[error("G1.91: a routing code requires a SIRET")]
    RoutingWithoutSiret,
    #[error("G1.92: routing code {code} does not exist or is not in force for SIRET {siret}")]
    RoutingCodeNotInForce { siret: String, code: String },
    #[error("G1.93: a suffix goes with a SIREN only, never with a SIRET")]
    SuffixWithSiret,
    #[error("G1.94: platform {0} is not registered or its registration is not in force")]
    PlatformNotInForce(Matricule),
    #[error("G1.95: routing code {0:?} must be 1 to 100 characters among A-Z a-z 0-9 - _")]
    RoutingCodeFormat(String),
    #[error("G1.96: SIREN {0} is not in the directory or not active")]
    SirenNotActive(String),
    #[error("G1.97: SIRET {0} is not in the directory or not active")]
    SiretNotActive(String),
    #[error("G2.07: SIRET {0:?} must be 14 digits with a valid check digit")]
    SiretFormat(String),
    #[error("G1.112: a platform may not point a line at reserved matricule {0} (9997, 9998, 9999)")]
    ReservedMatricule(Matricule),
    #[error("G1.113: the end date {end} must be after the start date {start}")]
    EndNotAfterStart { start: Day, end: Day },
    #[error("G1.115: suffix {0:?} must be 1 to 100 characters among A-Z a-z 0-9 - _ .")]
    SuffixFormat(String),
    #[error(
        "HAB: platform {actor} may only create or change lines that point to itself (line points to {target})"
    )]
    NotOwner { actor: Matricule, target: Matricule },
    #[error(
        "HAB: platform {actor} has no line for SIREN {siren}, so it may not manage its routing codes"
    )]
    NotClient { actor: Matricule, siren: String },
    #[error("HIST: line {line} is not the current version (superseded by {by})")]
    NotCurrent { line: i64, by: i64 },
    #[error("DUP: routing code {code} already exists for SIRET {siret}")]
    RoutingCodeExists { siret: String, code: String },
}

impl RuleError {
    /// The rule's identifier (`G1.86`, `HAB`, …).
    pub fn rule(&self) -> &'static str {
        match self {
            RuleError::SiretNotOfSiren { .. } => "G1.80",
            RuleError::RoutingCodeType(_) => "G1.83",
            RuleError::MaskWithoutDefinition(_) => "G1.84",
            RuleError::MaskTooLate { .. } => "G1.85",
            RuleError::Overlap { .. } => "G1.86",
            RuleError::StartTooEarly { .. } => "G1.87",
            RuleError::EndTooEarly { .. } => "G1.88",
            RuleError::SirenFormat(_) => "G1.89",
            RuleError::RoutingWithoutSiret => "G1.91",
            RuleError::RoutingCodeNotInForce { .. } => "G1.92",
            RuleError::SuffixWithSiret => "G1.93",
            RuleError::PlatformNotInForce(_) => "G1.94",
            RuleError::RoutingCodeFormat(_) => "G1.95",
            RuleError::SirenNotActive(_) => "G1.96",
            RuleError::SiretNotActive(_) => "G1.97",
            RuleError::SiretFormat(_) => "G2.07",
            RuleError::ReservedMatricule(_) => "G1.112",
            RuleError::EndNotAfterStart { .. } => "G1.113",
            RuleError::SuffixFormat(_) => "G1.115",
            RuleError::NotOwner { .. } | RuleError::NotClient { .. } => "HAB",
            RuleError::NotCurrent { .. } => "HIST",
            RuleError::RoutingCodeExists { .. } => "DUP",
        }
    }

    /// A refusal about who asks rather than what is asked (HTTP 403 rather than 422).
    pub fn is_authorization(&self) -> bool {
        matches!(
            self,
            RuleError::NotOwner { .. } | RuleError::NotClient { .. }
        )
    }
}

/// Builds the addressing identifier from the separate fields of the PPF API
/// (G1.89, G2.07, G1.80, G1.91, G1.93, G1.95, G1.115).
pub fn addressing_from_parts(parts: &AddressParts) -> Result<AddressingId, RuleError> {
    let siren =
        Siren::parse(&parts.siren).map_err(|_| RuleError::SirenFormat(parts.siren.clone()))?;
    let siret = match parts.siret.as_deref() {
        None => None,
        Some(value) => {
            let siret = Siret::parse(value).map_err(|err| match err {
                IdentifierError::Format { .. } => RuleError::SiretFormat(value.into()),
                _ => RuleError::SiretFormat(value.into()),
            })?;
            if siret.siren() != siren {
                return Err(RuleError::SiretNotOfSiren {
                    siren: siren.to_string(),
                    siret: value.into(),
                });
            }
            Some(siret)
        }
    };
    match (
        siret,
        parts.routing_code.as_deref(),
        parts.suffix.as_deref(),
    ) {
        (_, Some(_), Some(_)) | (Some(_), None, Some(_)) => Err(RuleError::SuffixWithSiret),
        (None, Some(_), None) => Err(RuleError::RoutingWithoutSiret),
        (Some(siret), Some(code), None) => {
            let code =
                RoutingCode::parse(code).map_err(|_| RuleError::RoutingCodeFormat(code.into()))?;
            Ok(AddressingId::RoutingCode(siret, code))
        }
        (Some(siret), None, None) => Ok(AddressingId::Siret(siret)),
        (None, None, Some(suffix)) => {
            let suffix =
                Suffix::parse(suffix).map_err(|_| RuleError::SuffixFormat(suffix.into()))?;
            Ok(AddressingId::Suffix(siren, suffix))
        }
        (None, None, None) => Ok(AddressingId::Siren(siren)),
    }
}

/// What storage knows about the addressing identifier of a change, read in the
/// write transaction so that the decision and the write see the same state.
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    pub today: Day,
    pub actor: Actor,
    pub legal_unit: Option<&'a LegalUnit>,
    pub establishment: Option<&'a Establishment>,
    pub routing_code: Option<&'a RoutingCodeRecord>,
    /// The platform the new line points to.
    pub platform: Option<&'a Platform>,
    /// Every current version (not superseded) of every line of the same addressing
    /// identifier, definitions and maskings.
    pub lines: &'a [Line],
}

/// What to write for an accepted definition line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    /// The current line the new one replaces (same start: an end change, or the
    /// replacement of a line that has not taken effect yet).
    pub supersede: Option<i64>,
    /// Default lines (reserved matricule) the new line takes over: each is ended on
    /// the given day by a new version.
    pub end_defaults: Vec<(i64, Day)>,
}

fn show_end(end: Option<Day>) -> String {
    end.map_or_else(|| "open".to_string(), |d| d.to_string())
}

fn overlaps(a_start: Day, a_stop: Option<Day>, b_start: Day, b_stop: Option<Day>) -> bool {
    a_stop.is_none_or(|e| b_start < e) && b_stop.is_none_or(|e| a_start < e)
}

/// Decides a new definition line (API `POST /ligne-annuaire`, and the new version
/// behind `PUT`/`PATCH`).
pub fn check_definition(spec: &LineSpec, facts: &Facts<'_>) -> Result<Decision, RuleError> {
    let tomorrow = facts.today.next();
    if let Some(end) = spec.end
        && end <= spec.start
    {
        return Err(RuleError::EndNotAfterStart {
            start: spec.start,
            end,
        });
    }
    check_identity(&spec.addressing, facts)?;

    // The live line with the same start, if any: the new line replaces it.
    let same_start = facts
        .lines
        .iter()
        .find(|l| l.is_live_definition() && l.start == spec.start);
    // G1.87's exception: the same information as the line in force, only the end
    // date set or changed.
    let end_change = same_start
        .filter(|l| l.matricule == spec.matricule && l.in_force_on(facts.today))
        .is_some();
    if spec.start < tomorrow && !end_change {
        return Err(RuleError::StartTooEarly {
            start: spec.start,
            tomorrow,
        });
    }
    if let Some(end) = spec.end
        && end < tomorrow
    {
        return Err(RuleError::EndTooEarly { end, tomorrow });
    }

    // G1.94, with its exception: a platform may still close a line of a platform
    // whose registration is no longer in force.
    let platform_in_force = facts
        .platform
        .is_some_and(|p| p.matricule == spec.matricule && p.is_active_on(facts.today));
    if !platform_in_force && !end_change {
        return Err(RuleError::PlatformNotInForce(spec.matricule));
    }
    if let Actor::Platform(actor) = facts.actor {
        if spec.matricule.is_reserved() {
            return Err(RuleError::ReservedMatricule(spec.matricule));
        }
        // Closing the line of a platform no longer registered (G1.94's exception)
        // is the one change a platform may make to a line that is not its own.
        let closing_orphan = end_change && !platform_in_force;
        if let Some(previous) = same_start
            && previous.matricule != actor
            && !closing_orphan
        {
            return Err(RuleError::NotOwner {
                actor,
                target: previous.matricule,
            });
        }
        if spec.matricule != actor && !closing_orphan {
            return Err(RuleError::NotOwner {
                actor,
                target: spec.matricule,
            });
        }
    }

    let mut decision = Decision {
        supersede: same_start.map(|l| l.id),
        end_defaults: Vec::new(),
    };
    for other in facts.lines.iter().filter(|l| l.is_live_definition()) {
        if Some(other.id) == decision.supersede
            || !overlaps(spec.start, spec.end, other.start, other.stop())
        {
            continue;
        }
        // Taking over a default line (9998, set at initialisation): it ends the day
        // the new line starts, as the reform's "replace the default line" implies.
        if other.matricule.is_reserved() && other.start < spec.start {
            decision.end_defaults.push((other.id, spec.start));
            continue;
        }
        return Err(RuleError::Overlap {
            addressing: spec.addressing.to_string(),
            start: spec.start,
            end: show_end(spec.end),
            other: other.id,
            other_start: other.start,
            other_end: show_end(other.stop()),
        });
    }
    Ok(decision)
}

/// G1.96, G1.97, G1.92: the SIREN, the SIRET and the routing code exist and are in force.
fn check_identity(addressing: &AddressingId, facts: &Facts<'_>) -> Result<(), RuleError> {
    let siren = addressing.siren();
    if !facts
        .legal_unit
        .is_some_and(|u| u.siren == siren && u.is_active())
    {
        return Err(RuleError::SirenNotActive(siren.to_string()));
    }
    if let AddressingId::Siret(siret) | AddressingId::RoutingCode(siret, _) = addressing
        && !facts
            .establishment
            .is_some_and(|e| &e.siret == siret && e.is_active())
    {
        return Err(RuleError::SiretNotActive(siret.to_string()));
    }
    if let AddressingId::RoutingCode(siret, code) = addressing
        && !facts
            .routing_code
            .is_some_and(|r| &r.siret == siret && &r.code == code && r.is_active())
    {
        return Err(RuleError::RoutingCodeNotInForce {
            siret: siret.to_string(),
            code: code.to_string(),
        });
    }
    Ok(())
}

/// Decides a masking line for `target` (API `DELETE /ligne-annuaire/id-instance:…`):
/// it copies a current definition line (G1.84) that has not taken effect (G1.85),
/// owned by the actor (HAB).
pub fn check_mask(target: &Line, facts: &Facts<'_>) -> Result<(), RuleError> {
    if let Some(by) = target.superseded_by {
        return Err(RuleError::NotCurrent {
            line: target.id,
            by,
        });
    }
    if !target.is_live_definition() {
        return Err(RuleError::MaskWithoutDefinition(target.id));
    }
    let tomorrow = facts.today.next();
    if target.start < tomorrow {
        return Err(RuleError::MaskTooLate {
            line: target.id,
            start: target.start,
            tomorrow,
        });
    }
    if let Actor::Platform(actor) = facts.actor
        && target.matricule != actor
    {
        return Err(RuleError::NotOwner {
            actor,
            target: target.matricule,
        });
    }
    Ok(())
}

/// The version a change (`PUT`/`PATCH`) applies to must be the current one.
pub fn check_current(target: &Line) -> Result<(), RuleError> {
    match target.superseded_by {
        Some(by) => Err(RuleError::NotCurrent {
            line: target.id,
            by,
        }),
        None if !target.is_live_definition() => Err(RuleError::MaskWithoutDefinition(target.id)),
        None => Ok(()),
    }
}

/// What a new routing code needs.
#[derive(Clone, Copy, Debug)]
pub struct RoutingCodeFacts<'a> {
    pub actor: Actor,
    pub establishment: Option<&'a Establishment>,
    pub existing: Option<&'a RoutingCodeRecord>,
    /// Whether the actor has a current definition line for the SIREN.
    pub actor_has_line: bool,
}

/// Decides a new routing code (API `POST /code-routage`): G1.83, G1.95, G1.97, HAB.
pub fn check_routing_code(
    siret: &Siret,
    code: &str,
    code_type: &str,
    facts: &RoutingCodeFacts<'_>,
) -> Result<RoutingCode, RuleError> {
    if code_type != "0224" {
        return Err(RuleError::RoutingCodeType(code_type.into()));
    }
    let code = RoutingCode::parse(code).map_err(|_| RuleError::RoutingCodeFormat(code.into()))?;
    if !facts
        .establishment
        .is_some_and(|e| &e.siret == siret && e.is_active())
    {
        return Err(RuleError::SiretNotActive(siret.to_string()));
    }
    if let Actor::Platform(actor) = facts.actor
        && !facts.actor_has_line
    {
        return Err(RuleError::NotClient {
            actor,
            siren: siret.siren().to_string(),
        });
    }
    if facts.existing.is_some() {
        return Err(RuleError::RoutingCodeExists {
            siret: siret.to_string(),
            code: code.to_string(),
        });
    }
    Ok(code)
}

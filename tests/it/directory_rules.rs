//! Every management rule, one by one: the accepted and the refused case, on the pure
//! functions of `directory::rules` (no database).

use facteur::directory::Day;
use facteur::directory::model::{
    Actor, AddressParts, Establishment, LegalUnit, Line, LineSpec, Nature, Platform, PlatformKind,
    RoutingCodeRecord,
};
use facteur::directory::rules::{
    Decision, Facts, RoutingCodeFacts, RuleError, addressing_from_parts, check_current,
    check_definition, check_mask, check_routing_code,
};
use facteur::identifiers::{AddressingId, Matricule, RoutingCode, Siren, Siret};

use super::directory_support::{CODE, SIREN, SIRET, day, m};

const TODAY: &str = "2026-10-15";

fn today() -> Day {
    day(TODAY)
}

struct World {
    unit: LegalUnit,
    establishment: Establishment,
    code: RoutingCodeRecord,
    platform: Platform,
    lines: Vec<Line>,
}

fn world() -> World {
    World {
        unit: LegalUnit {
            id: 1,
            siren: Siren::parse(SIREN).unwrap(),
            name: "ACME".into(),
            entity_type: "Privée assujettie".into(),
            state: "A".into(),
            created_at: String::new(),
        },
        establishment: Establishment {
            id: 1,
            siret: Siret::parse(SIRET).unwrap(),
            name: String::new(),
            kind: "P".into(),
            state: "A".into(),
            created_at: String::new(),
        },
        code: RoutingCodeRecord {
            id: 1,
            siret: Siret::parse(SIRET).unwrap(),
            code: RoutingCode::parse(CODE).unwrap(),
            label: "Service".into(),
            code_type: "0224".into(),
            state: "A".into(),
            nature: "Privé".into(),
            legal_commitment: false,
            created_by: String::new(),
            created_at: String::new(),
        },
        platform: Platform {
            matricule: m("0001"),
            name: "Alpha".into(),
            kind: PlatformKind::Pdp,
            inactive_from: None,
        },
        lines: Vec::new(),
    }
}

impl World {
    fn facts(&self, actor: Actor) -> Facts<'_> {
        Facts {
            today: today(),
            actor,
            legal_unit: Some(&self.unit),
            establishment: Some(&self.establishment),
            routing_code: Some(&self.code),
            platform: Some(&self.platform),
            lines: &self.lines,
        }
    }

    fn check(&self, spec: &LineSpec) -> Result<Decision, RuleError> {
        check_definition(spec, &self.facts(Actor::Platform(m("0001"))))
    }
}

fn siren_id() -> AddressingId {
    AddressingId::parse(SIREN).unwrap()
}

fn spec(addressing: AddressingId, platform: &str, start: &str, end: Option<&str>) -> LineSpec {
    LineSpec {
        addressing,
        matricule: m(platform),
        start: day(start),
        end: end.map(day),
    }
}

fn line(id: i64, platform: &str, start: &str, end: Option<&str>) -> Line {
    Line {
        id,
        addressing: siren_id(),
        matricule: m(platform),
        start: day(start),
        end: end.map(day),
        effective_end: None,
        nature: Nature::Definition,
        masked: false,
        superseded_by: None,
        created_by: "test".into(),
        created_at: String::new(),
    }
}

fn rule_of<T: std::fmt::Debug>(r: Result<T, RuleError>) -> String {
    let err = r.expect_err("refused");
    assert!(
        err.to_string().starts_with(err.rule()),
        "{err} names its rule"
    );
    err.rule().to_string()
}

fn parts(
    siren: &str,
    siret: Option<&str>,
    code: Option<&str>,
    suffix: Option<&str>,
) -> AddressParts {
    AddressParts {
        siren: siren.into(),
        siret: siret.map(Into::into),
        routing_code: code.map(Into::into),
        suffix: suffix.map(Into::into),
    }
}

#[test]
fn g1_80_siret_belongs_to_siren() {
    assert!(addressing_from_parts(&parts(SIREN, Some(SIRET), None, None)).is_ok());
    assert_eq!(
        rule_of(addressing_from_parts(&parts(
            "479612384",
            Some(SIRET),
            None,
            None
        ))),
        "G1.80"
    );
}

#[test]
fn g1_83_routing_code_type_0224() {
    let w = world();
    let facts = RoutingCodeFacts {
        actor: Actor::Admin,
        establishment: Some(&w.establishment),
        existing: None,
        actor_has_line: true,
    };
    let siret = Siret::parse(SIRET).unwrap();
    assert!(check_routing_code(&siret, "NEW-1", "0224", &facts).is_ok());
    assert_eq!(
        rule_of(check_routing_code(&siret, "NEW-1", "0088", &facts)),
        "G1.83"
    );
}

#[test]
fn g1_84_masking_copies_a_current_definition() {
    let w = world();
    let future = line(7, "0001", "2026-11-01", None);
    assert!(check_mask(&future, &w.facts(Actor::Platform(m("0001")))).is_ok());
    let mut mask = future.clone();
    mask.nature = Nature::Masking;
    assert_eq!(
        rule_of(check_mask(&mask, &w.facts(Actor::Platform(m("0001"))))),
        "G1.84"
    );
    let mut superseded = future.clone();
    superseded.superseded_by = Some(9);
    assert_eq!(
        rule_of(check_mask(
            &superseded,
            &w.facts(Actor::Platform(m("0001")))
        )),
        "HIST"
    );
    assert_eq!(rule_of(check_current(&superseded)), "HIST");
    assert!(check_current(&future).is_ok());
}

#[test]
fn g1_85_masking_starts_tomorrow_or_later() {
    let w = world();
    assert!(
        check_mask(
            &line(7, "0001", "2026-10-16", None),
            &w.facts(Actor::Platform(m("0001")))
        )
        .is_ok()
    );
    assert_eq!(
        rule_of(check_mask(
            &line(7, "0001", TODAY, None),
            &w.facts(Actor::Platform(m("0001")))
        )),
        "G1.85"
    );
}

#[test]
fn g1_86_no_overlap_of_definitions() {
    let mut w = world();
    w.lines = vec![line(1, "0001", "2026-01-01", Some("2026-12-01"))];
    // Starting the day the other ends: adjacent, accepted (periods are [start, end)).
    assert!(
        w.check(&spec(siren_id(), "0001", "2026-12-01", None))
            .is_ok()
    );
    assert_eq!(
        rule_of(w.check(&spec(siren_id(), "0001", "2026-11-30", None))),
        "G1.86"
    );
    // A masked or superseded line does not count.
    w.lines[0].masked = true;
    assert!(
        w.check(&spec(siren_id(), "0001", "2026-11-30", None))
            .is_ok()
    );
}

#[test]
fn g1_87_start_tomorrow_or_repeat_the_line_in_force() {
    let mut w = world();
    assert!(
        w.check(&spec(siren_id(), "0001", "2026-10-16", None))
            .is_ok()
    );
    assert_eq!(
        rule_of(w.check(&spec(siren_id(), "0001", TODAY, None))),
        "G1.87"
    );
    assert_eq!(
        rule_of(w.check(&spec(siren_id(), "0001", "2026-01-01", None))),
        "G1.87"
    );
    // The exception: same information as the line in force, only the end set.
    w.lines = vec![line(1, "0001", "2026-01-01", None)];
    let decision = w
        .check(&spec(siren_id(), "0001", "2026-01-01", Some("2026-12-31")))
        .unwrap();
    assert_eq!(decision.supersede, Some(1));
    // Not the same platform: not a mere end change.
    w.platform.matricule = m("0002");
    assert_eq!(
        rule_of(check_definition(
            &spec(siren_id(), "0002", "2026-01-01", None),
            &w.facts(Actor::Platform(m("0002")))
        )),
        "G1.87"
    );
}

#[test]
fn g1_88_end_tomorrow_or_later() {
    let mut w = world();
    w.lines = vec![line(1, "0001", "2026-01-01", None)];
    assert!(
        w.check(&spec(siren_id(), "0001", "2026-01-01", Some("2026-10-16")))
            .is_ok()
    );
    assert_eq!(
        rule_of(w.check(&spec(siren_id(), "0001", "2026-01-01", Some(TODAY)))),
        "G1.88"
    );
}

#[test]
fn g1_89_siren_format() {
    assert!(addressing_from_parts(&parts(SIREN, None, None, None)).is_ok());
    assert_eq!(
        rule_of(addressing_from_parts(&parts("90617085", None, None, None))),
        "G1.89"
    );
    assert_eq!(
        rule_of(addressing_from_parts(&parts("906170858", None, None, None))),
        "G1.89"
    );
}

#[test]
fn g1_91_routing_code_needs_a_siret() {
    assert!(addressing_from_parts(&parts(SIREN, Some(SIRET), Some(CODE), None)).is_ok());
    assert_eq!(
        rule_of(addressing_from_parts(&parts(SIREN, None, Some(CODE), None))),
        "G1.91"
    );
}

#[test]
fn g1_92_routing_code_exists_and_in_force() {
    let mut w = world();
    let id = AddressingId::parse(&format!("{SIREN}_{SIRET}_{CODE}")).unwrap();
    assert!(
        w.check(&spec(id.clone(), "0001", "2026-10-16", None))
            .is_ok()
    );
    w.code.state = "F".into();
    assert_eq!(
        rule_of(w.check(&spec(id.clone(), "0001", "2026-10-16", None))),
        "G1.92"
    );
    let other = AddressingId::parse(&format!("{SIREN}_{SIRET}_OTHER")).unwrap();
    w.code.state = "A".into();
    assert_eq!(
        rule_of(w.check(&spec(other, "0001", "2026-10-16", None))),
        "G1.92"
    );
}

#[test]
fn g1_93_suffix_only_with_a_siren() {
    assert!(addressing_from_parts(&parts(SIREN, None, None, Some("FACTURES"))).is_ok());
    assert_eq!(
        rule_of(addressing_from_parts(&parts(
            SIREN,
            Some(SIRET),
            None,
            Some("FACTURES")
        ))),
        "G1.93"
    );
}

#[test]
fn g1_94_platform_registered_and_in_force() {
    let mut w = world();
    assert!(
        w.check(&spec(siren_id(), "0001", "2026-10-16", None))
            .is_ok()
    );
    w.platform.inactive_from = Some(day("2026-10-01"));
    assert_eq!(
        rule_of(w.check(&spec(siren_id(), "0001", "2026-10-16", None))),
        "G1.94"
    );
    let mut unknown = world();
    let facts = Facts {
        platform: None,
        ..unknown.facts(Actor::Admin)
    };
    assert_eq!(
        rule_of(check_definition(
            &spec(siren_id(), "0001", "2026-10-16", None),
            &facts
        )),
        "G1.94"
    );
    // The exception: a platform may close a line of a de-registered platform.
    unknown.lines = vec![line(1, "0002", "2026-01-01", None)];
    unknown.platform = Platform {
        matricule: m("0002"),
        name: "Beta".into(),
        kind: PlatformKind::Pdp,
        inactive_from: Some(day("2026-10-01")),
    };
    let closing = spec(siren_id(), "0002", "2026-01-01", Some("2026-10-16"));
    assert_eq!(unknown.check(&closing).unwrap().supersede, Some(1));
}

#[test]
fn g1_95_routing_code_characters() {
    assert!(addressing_from_parts(&parts(SIREN, Some(SIRET), Some("A-b_9"), None)).is_ok());
    assert_eq!(
        rule_of(addressing_from_parts(&parts(
            SIREN,
            Some(SIRET),
            Some("A.B"),
            None
        ))),
        "G1.95"
    );
    let w = world();
    let facts = RoutingCodeFacts {
        actor: Actor::Admin,
        establishment: Some(&w.establishment),
        existing: None,
        actor_has_line: true,
    };
    assert_eq!(
        rule_of(check_routing_code(
            &Siret::parse(SIRET).unwrap(),
            "é",
            "0224",
            &facts
        )),
        "G1.95"
    );
}

#[test]
fn g1_96_siren_in_directory_and_active() {
    let mut w = world();
    assert!(
        w.check(&spec(siren_id(), "0001", "2026-10-16", None))
            .is_ok()
    );
    w.unit.state = "C".into();
    assert_eq!(
        rule_of(w.check(&spec(siren_id(), "0001", "2026-10-16", None))),
        "G1.96"
    );
    let w = world();
    let facts = Facts {
        legal_unit: None,
        ..w.facts(Actor::Platform(m("0001")))
    };
    assert_eq!(
        rule_of(check_definition(
            &spec(siren_id(), "0001", "2026-10-16", None),
            &facts
        )),
        "G1.96"
    );
}

#[test]
fn g1_97_siret_in_directory_and_active() {
    let mut w = world();
    let id = AddressingId::parse(&format!("{SIREN}_{SIRET}")).unwrap();
    assert!(
        w.check(&spec(id.clone(), "0001", "2026-10-16", None))
            .is_ok()
    );
    w.establishment.state = "F".into();
    assert_eq!(
        rule_of(w.check(&spec(id.clone(), "0001", "2026-10-16", None))),
        "G1.97"
    );
    let facts = RoutingCodeFacts {
        actor: Actor::Admin,
        establishment: Some(&w.establishment),
        existing: None,
        actor_has_line: true,
    };
    assert_eq!(
        rule_of(check_routing_code(
            &Siret::parse(SIRET).unwrap(),
            "NEW",
            "0224",
            &facts
        )),
        "G1.97"
    );
}

#[test]
fn g2_07_siret_format() {
    assert_eq!(
        rule_of(addressing_from_parts(&parts(
            SIREN,
            Some("9061708570023"),
            None,
            None
        ))),
        "G2.07"
    );
    assert_eq!(
        rule_of(addressing_from_parts(&parts(
            SIREN,
            Some("90617085700238"),
            None,
            None
        ))),
        "G2.07"
    );
}

#[test]
fn g1_112_platforms_may_not_use_reserved_matricules() {
    let mut w = world();
    w.platform = Platform {
        matricule: Matricule::PPF,
        name: "PPF".into(),
        kind: PlatformKind::Ppf,
        inactive_from: None,
    };
    let s = spec(siren_id(), "9998", "2026-10-16", None);
    assert_eq!(
        rule_of(check_definition(&s, &w.facts(Actor::Platform(m("0001"))))),
        "G1.112"
    );
    // The administrator sets the default lines.
    assert!(check_definition(&s, &w.facts(Actor::Admin)).is_ok());
}

#[test]
fn g1_113_end_after_start() {
    let w = world();
    assert!(
        w.check(&spec(siren_id(), "0001", "2026-10-16", Some("2026-10-17")))
            .is_ok()
    );
    assert_eq!(
        rule_of(w.check(&spec(siren_id(), "0001", "2026-10-16", Some("2026-10-16")))),
        "G1.113"
    );
    assert_eq!(
        rule_of(w.check(&spec(siren_id(), "0001", "2026-10-16", Some("2026-10-10")))),
        "G1.113"
    );
}

#[test]
fn g1_115_suffix_characters() {
    assert!(addressing_from_parts(&parts(SIREN, None, None, Some("a.B-c_9"))).is_ok());
    assert_eq!(
        rule_of(addressing_from_parts(&parts(
            SIREN,
            None,
            None,
            Some("a b")
        ))),
        "G1.115"
    );
}

#[test]
fn hab_platforms_manage_only_their_own_lines() {
    let mut w = world();
    // Creating a line for another platform.
    w.platform.matricule = m("0002");
    assert_eq!(
        rule_of(w.check(&spec(siren_id(), "0002", "2026-10-16", None))),
        "HAB"
    );
    // Ending another platform's line.
    let mut w = world();
    w.lines = vec![line(1, "0002", "2026-01-01", None)];
    w.platform.matricule = m("0002");
    assert_eq!(
        rule_of(w.check(&spec(siren_id(), "0002", "2026-01-01", Some("2026-11-01")))),
        "HAB"
    );
    // Masking another platform's line.
    let w = world();
    assert_eq!(
        rule_of(check_mask(
            &line(7, "0002", "2026-11-01", None),
            &w.facts(Actor::Platform(m("0001")))
        )),
        "HAB"
    );
    // Routing codes of a company the platform does not serve.
    let facts = RoutingCodeFacts {
        actor: Actor::Platform(m("0001")),
        establishment: Some(&w.establishment),
        existing: None,
        actor_has_line: false,
    };
    assert_eq!(
        rule_of(check_routing_code(
            &Siret::parse(SIRET).unwrap(),
            "NEW",
            "0224",
            &facts
        )),
        "HAB"
    );
    // An existing code is not created twice.
    let facts = RoutingCodeFacts {
        actor: Actor::Admin,
        establishment: Some(&w.establishment),
        existing: Some(&w.code),
        actor_has_line: true,
    };
    assert_eq!(
        rule_of(check_routing_code(
            &Siret::parse(SIRET).unwrap(),
            CODE,
            "0224",
            &facts
        )),
        "DUP"
    );
}

#[test]
fn a_platform_takes_over_the_default_line() {
    let mut w = world();
    w.lines = vec![line(1, "9998", "2026-01-01", None)];
    let decision = w
        .check(&spec(siren_id(), "0001", "2026-10-16", None))
        .unwrap();
    assert_eq!(decision.end_defaults, vec![(1, day("2026-10-16"))]);
    assert_eq!(decision.supersede, None);
    // A line of another real platform is not taken over: that is an overlap.
    w.lines = vec![line(1, "0002", "2026-01-01", None)];
    assert_eq!(
        rule_of(w.check(&spec(siren_id(), "0001", "2026-10-16", None))),
        "G1.86"
    );
}

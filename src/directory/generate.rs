//! A generator of realistic test directories, for benchmarks, demos and tests: the
//! French shape, where most companies have only their SIREN line, some add SIRET,
//! routing-code and suffix lines, and some have history (a line ended and replaced
//! when the company changed platform). Deterministic for a given seed.

use crate::directory::day::Day;
use crate::identifiers::{AddressingId, Matricule, RoutingCode, Siren, Siret, Suffix};

/// One generated directory line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedLine {
    pub addressing: AddressingId,
    pub matricule: Matricule,
    pub start: Day,
    pub end: Option<Day>,
}

/// Number of platforms (matricules 0001 to this) the generator spreads lines over.
pub const PLATFORMS: u16 = 60;

/// SplitMix64: small, fast and good enough to shape test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

fn luhn_digit(body: &str) -> u8 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// The `n`-th synthetic SIREN (8-digit body plus the Luhn digit), never La Poste's.
pub fn siren_of(n: u64) -> Siren {
    let body = format!("{:08}", 10_000_000 + n % 89_999_999);
    let body = if body == "35600000" {
        "35600001".to_string()
    } else {
        body
    };
    let value = format!("{body}{}", luhn_digit(&body));
    Siren::parse(&value).unwrap_or_else(|_| unreachable_siren())
}

fn unreachable_siren() -> Siren {
    // 906170857 is a valid SIREN; reached only if the Luhn digit above were wrong.
    Siren::parse("906170857").unwrap_or_else(|_| unreachable!("constant SIREN is valid"))
}

/// The `nic`-th establishment of `siren`.
pub fn siret_of(siren: &Siren, nic: u32) -> Siret {
    let body = format!("{}{:04}", siren.as_str(), nic % 10_000);
    let value = format!("{body}{}", luhn_digit(&body));
    Siret::parse(&value).unwrap_or_else(|_| unreachable!("generated SIRETs pass Luhn"))
}

fn matricule(n: u64) -> Matricule {
    Matricule::from_value((n % u64::from(PLATFORMS)) as u16 + 1).unwrap_or(Matricule::PPF)
}

fn token(kind: &str, n: u64) -> String {
    format!("{kind}-{n}")
}

/// Generates about `lines` lines (exactly `lines`: the last company is cut short).
pub fn generate(lines: u64, seed: u64) -> impl Iterator<Item = GeneratedLine> {
    let mut rng = Rng(seed);
    let mut company = 0u64;
    let mut pending: Vec<GeneratedLine> = Vec::new();
    let mut produced = 0u64;
    let origin = Day::from_ymd(2026, 1, 1).unwrap_or(Day::from_days(20_454));
    std::iter::from_fn(move || {
        if produced >= lines {
            return None;
        }
        while pending.is_empty() {
            company += 1;
            company_lines(&mut rng, company, origin, &mut pending);
            pending.reverse();
        }
        produced += 1;
        pending.pop()
    })
}

fn company_lines(rng: &mut Rng, n: u64, origin: Day, out: &mut Vec<GeneratedLine>) {
    let siren = siren_of(n.wrapping_mul(7_919));
    let start = origin.add_days(rng.below(240) as i32);
    // One company in ten still has the default line on the PPF (9998).
    let platform = if rng.percent(10) {
        Matricule::PPF
    } else {
        matricule(rng.next())
    };
    // One in twenty changed platform: an ended line and its successor.
    if rng.percent(5) && platform != Matricule::PPF {
        let old_start = start.add_days(-365);
        out.push(GeneratedLine {
            addressing: AddressingId::Siren(siren.clone()),
            matricule: matricule(rng.next()),
            start: old_start,
            end: Some(start),
        });
    }
    out.push(GeneratedLine {
        addressing: AddressingId::Siren(siren.clone()),
        matricule: platform,
        start,
        end: None,
    });
    if platform == Matricule::PPF {
        return;
    }
    // One in eight has establishment lines, a few of them routing codes.
    if rng.percent(12) {
        let establishments = 1 + rng.below(3) as u32;
        for nic in 1..=establishments {
            let siret = siret_of(&siren, nic);
            out.push(GeneratedLine {
                addressing: AddressingId::Siret(siret.clone()),
                matricule: platform,
                start,
                end: None,
            });
            if rng.percent(25) {
                let code = RoutingCode::parse(&token("SERVICE", rng.below(500)))
                    .unwrap_or_else(|_| unreachable!("generated routing codes are valid"));
                out.push(GeneratedLine {
                    addressing: AddressingId::RoutingCode(siret, code),
                    matricule: platform,
                    start,
                    end: None,
                });
            }
        }
    }
    if rng.percent(3) {
        let suffix = Suffix::parse(&token("FACTURES", rng.below(50)))
            .unwrap_or_else(|_| unreachable!("generated suffixes are valid"));
        out.push(GeneratedLine {
            addressing: AddressingId::Suffix(siren, suffix),
            matricule: platform,
            start,
            end: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_determinism() {
        let a: Vec<_> = generate(10_000, 7).collect();
        let b: Vec<_> = generate(10_000, 7).collect();
        assert_eq!(a, b);
        assert_eq!(a.len(), 10_000);
        let sirens = a
            .iter()
            .filter(|l| matches!(l.addressing, AddressingId::Siren(_)))
            .count();
        let routing = a
            .iter()
            .filter(|l| matches!(l.addressing, AddressingId::RoutingCode(..)))
            .count();
        let suffix = a
            .iter()
            .filter(|l| matches!(l.addressing, AddressingId::Suffix(..)))
            .count();
        let ended = a.iter().filter(|l| l.end.is_some()).count();
        assert!(sirens > 7_000, "{sirens}");
        assert!(
            routing > 50 && suffix > 50 && ended > 100,
            "{routing} {suffix} {ended}"
        );
        for l in &a {
            assert_eq!(
                AddressingId::parse(&l.addressing.to_string()).unwrap(),
                l.addressing
            );
        }
    }
}

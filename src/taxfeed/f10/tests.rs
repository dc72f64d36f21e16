//! Unit tests of F10 transmissions: ids, initial and corrective types, the checks
//! that refuse a wrong period, an empty body or a record outside the period.

use rust_decimal::Decimal;

use super::*;
use crate::identifiers::Matricule;
use crate::invoice::Date;
use crate::taxfeed::ApplicationCode;

fn d(day: u8) -> Date {
    Date::new(2026, 9, day).expect("valid")
}

fn transmission(day: u8, sequence: u16) -> Transmission {
    let mut agg = B2cAggregator::new();
    agg.add(&B2cTransaction {
        date: d(day),
        currency: Currency::EUR,
        category: Category::TLB1,
        amounts: vec![RateAmount {
            rate: Decimal::new(20, 0),
            taxable: Decimal::new(1000, 2),
            vat: Decimal::new(200, 2),
        }],
        count: 1,
    });
    Transmission {
        sender: Platform {
            matricule: Matricule::parse("0042").expect("valid"),
            name: "facteur PA".into(),
            application_code: ApplicationCode::parse("FAC001").expect("valid"),
        },
        declarant: Declarant {
            siren: crate::identifiers::Siren::parse("906170857").expect("valid"),
            name: "Conseil Numérique Azur SAS".into(),
            role: Role::Seller,
            regime: VatRegime::NormalMonthly,
            vat_option_code: None,
        },
        period: ReportingPeriod {
            start: d(1),
            end: d(10),
        },
        sequence: Sequence(sequence),
        issued_at: Instant::parse("20260911080000").expect("valid"),
        body: Body::Transactions {
            invoices: Vec::new(),
            aggregates: agg.finish(),
        },
    }
}

#[test]
fn initial_then_corrective() {
    let first = transmission(5, 1).to_file().expect("writes");
    assert_eq!(first.transmission_id, "906170857-SE-T-20260901-001");
    assert!(first.transmission_id.len() <= 50);
    assert!(first.xml.contains("<TypeCode>IN</TypeCode>"));
    let again = transmission(5, 1).to_file().expect("writes");
    assert_eq!(again.id, first.id, "the same transmission keeps its id");
    let first_t = transmission(5, 1);
    let corrective = first_t.corrective(first_t.body.clone(), first_t.issued_at.plus_hours(48));
    assert_eq!(corrective.sequence, Sequence(2));
    assert_eq!(corrective.period, first_t.period);
    let second = corrective.to_file().expect("writes");
    assert!(second.xml.contains("<TypeCode>RE</TypeCode>"));
    assert_ne!(second.transmission_id, first.transmission_id, "G8.05");
    assert_eq!(Sequence(1).next(), Sequence(2));
}

#[test]
fn wrong_period_empty_body_and_outside_dates_are_refused() {
    let outside = transmission(15, 1).to_file();
    assert!(
        matches!(outside, Err(F10Error::OutsidePeriod { .. })),
        "{outside:?}"
    );
    let mut t = transmission(5, 1);
    t.period.end = d(30);
    assert!(matches!(t.to_file(), Err(F10Error::NotAPeriod { .. })));
    let mut t = transmission(5, 1);
    t.body = Body::Payments {
        invoices: Vec::new(),
        days: Vec::new(),
    };
    t.period.end = d(30);
    assert_eq!(t.to_file(), Err(F10Error::Empty));
}

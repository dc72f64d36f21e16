//! Unit tests of the F1 extract: refusals, file names, what each profile keeps.

use super::*;
use crate::ingest::{Options, ingest};
use crate::samples;

fn sample() -> Invoice {
    let xml = samples::ubl_invoice("F-2026/001", 3);
    ingest(xml.as_bytes(), &Options::default())
        .invoice
        .expect("sample maps")
}

#[test]
fn file_names_follow_s1_06_and_stay_distinct() {
    let inv = sample();
    let base = extract(&inv, F1Syntax::Ubl, Profile::Base).expect("extractable");
    let full = extract(&inv, F1Syntax::Ubl, Profile::Full).expect("extractable");
    assert!(
        base.file_name
            .starts_with("Base_906170857_2026_F-2026-001_")
    );
    assert!(full.file_name.starts_with("Full_"));
    assert!(base.file_name.ends_with(".xml"));
    assert_eq!(base.id.0, "F1/Base/906170857/2026/F-2026/001");
    let mut other = inv.clone();
    other.number = Some("F-2026-001".into());
    let plain = extract(&other, F1Syntax::Ubl, Profile::Base).expect("extractable");
    assert_eq!(plain.file_name, "Base_906170857_2026_F-2026-001.xml");
    assert_ne!(plain.file_name, base.file_name);
}

#[test]
fn refusals_name_the_rule() {
    let mut inv = sample();
    inv.type_code = Some(crate::invoice::InvoiceTypeCode("326".into()));
    assert_eq!(
        extract(&inv, F1Syntax::Ubl, Profile::Base),
        Err(F1Error::TypeCode("326".into()))
    );
    let mut inv = sample();
    inv.process_control.business_process = Some("B8".into());
    assert_eq!(
        extract(&inv, F1Syntax::Cii, Profile::Base),
        Err(F1Error::Framework("B8".into()))
    );
    let mut inv = sample();
    inv.number = Some("F 2026  1".into());
    assert!(matches!(
        extract(&inv, F1Syntax::Ubl, Profile::Base),
        Err(F1Error::Number(_))
    ));
    let mut inv = sample();
    inv.vat_breakdown[0].rate = Some(crate::invoice::Percent(rust_decimal::Decimal::new(21, 0)));
    assert_eq!(
        extract(&inv, F1Syntax::Ubl, Profile::Base),
        Err(F1Error::VatRate("21".into()))
    );
    let mut inv = sample();
    inv.vat_breakdown[0].category_code = Some("L".into());
    assert_eq!(
        extract(&inv, F1Syntax::Cii, Profile::Base),
        Err(F1Error::VatCategory("L".into()))
    );
    let mut inv = sample();
    inv.seller.legal_registration_identifier = None;
    assert_eq!(
        extract(&inv, F1Syntax::Cii, Profile::Base),
        Err(F1Error::SellerSiren)
    );
    let mut inv = sample();
    inv.currency_code = Some("USD".into());
    assert!(matches!(
        extract(&inv, F1Syntax::Ubl, Profile::Base),
        Err(F1Error::VatInEuro { .. })
    ));
    let mut inv = sample();
    inv.notes.push(crate::invoice::Note {
        subject_code: Some("BAR".into()),
        text: Some("B2C".into()),
    });
    assert_eq!(
        extract(&inv, F1Syntax::Ubl, Profile::Base),
        Err(F1Error::NotDomestic(ProcessingType::B2C))
    );
}

#[test]
fn base_has_no_lines_and_full_has_them() {
    let inv = sample();
    for syntax in [F1Syntax::Ubl, F1Syntax::Cii] {
        let base = extract(&inv, syntax, Profile::Base).expect("extractable");
        let full = extract(&inv, syntax, Profile::Full).expect("extractable");
        let line = match syntax {
            F1Syntax::Ubl => "<cac:InvoiceLine>",
            F1Syntax::Cii => "<ram:IncludedSupplyChainTradeLineItem>",
        };
        assert_eq!(base.xml.matches(line).count(), 0);
        assert_eq!(full.xml.matches(line).count(), 3);
    }
}

#[test]
fn credit_notes_and_corrections_need_their_preceding_invoice() {
    use crate::invoice::{InvoiceTypeCode, PrecedingInvoiceReference};
    let reference = |date: Option<Date>| PrecedingInvoiceReference {
        reference: Some("F-2026-000".into()),
        issue_date: date,
    };
    let mut inv = sample();
    inv.type_code = Some(InvoiceTypeCode("381".into()));
    assert!(matches!(
        extract(&inv, F1Syntax::Ubl, Profile::Base),
        Err(F1Error::PrecedingInvoice(_))
    ));
    inv.preceding_invoices = vec![reference(None)];
    let base = extract(&inv, F1Syntax::Ubl, Profile::Base).expect("Base needs no date");
    assert!(base.xml.starts_with("<?xml") && base.xml.contains("<CreditNote "));
    assert!(matches!(
        extract(&inv, F1Syntax::Ubl, Profile::Full),
        Err(F1Error::PrecedingInvoice(_))
    ));
    inv.preceding_invoices = vec![reference(Date::new(2026, 8, 1))];
    assert!(extract(&inv, F1Syntax::Cii, Profile::Full).is_ok());
    inv.type_code = Some(InvoiceTypeCode("384".into()));
    inv.preceding_invoices
        .push(reference(Date::new(2026, 8, 2)));
    assert!(matches!(
        extract(&inv, F1Syntax::Cii, Profile::Base),
        Err(F1Error::PrecedingInvoice(_))
    ));
}

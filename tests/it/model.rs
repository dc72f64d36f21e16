//! The invoice model as the UBL and CII mappers build it from real documents: every
//! official EN 16931 example, field-by-field checks on one UBL and one CII example, a
//! UBL credit note, and the French extensions on a French example.

use std::path::{Path, PathBuf};

use facteur::ingest::parse::{cii, ubl};
use facteur::invoice::{Amount, Date, Identifier, Invoice, Percent, Quantity};
use facteur::xml::{self, Limits, Namespace, Node};
use rust_decimal::Decimal;

/// The shared corpus, or `None` (with a message) where this checkout has none.
fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: no corpus at {}", dir.display());
        None
    }
}

/// What a test needs from one mapped document: the model, and the number of line
/// elements counted on the tree independently of the mapper.
struct Mapped {
    invoice: Invoice,
    line_elements: usize,
}

fn map(path: &Path) -> Mapped {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = xml::parse(&bytes, &Limits::default())
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    let root = doc.root();
    let is_line = |n: &Node<'_>| {
        n.is(Namespace::CAC, "InvoiceLine")
            || n.is(Namespace::CAC, "CreditNoteLine")
            || n.is(Namespace::RAM, "IncludedSupplyChainTradeLineItem")
    };
    let line_elements = root.descendants().filter(is_line).count();
    let invoice = if root.is(Namespace::RSM, "CrossIndustryInvoice") {
        cii::to_invoice(root)
    } else {
        ubl::to_invoice(root)
    };
    Mapped {
        invoice,
        line_elements,
    }
}

fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("xml")))
        .collect();
    files.sort();
    files
}

fn dec(s: &str) -> Decimal {
    s.parse()
        .unwrap_or_else(|e| panic!("test literal {s}: {e:?}"))
}
fn amount(s: &str) -> Option<Amount> {
    Some(Amount(dec(s)))
}
fn percent(s: &str) -> Option<Percent> {
    Some(Percent(dec(s)))
}
fn quantity(s: &str) -> Option<Quantity> {
    Some(Quantity(dec(s)))
}
fn date(y: u16, m: u8, d: u8) -> Option<Date> {
    Date::new(y, m, d)
}
fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}
fn id(value: &str, scheme: Option<&str>) -> Identifier {
    Identifier::new(value, scheme)
}

#[test]
fn every_en16931_example_maps_to_a_complete_model() {
    let Some(corpus) = corpus() else { return };
    let mut seen = 0;
    for syntax in ["ubl", "cii"] {
        for path in xml_files(&corpus.join("en16931").join(syntax)) {
            let name = path.display().to_string();
            let Mapped {
                invoice: inv,
                line_elements,
            } = map(&path);
            assert!(
                inv.number.as_deref().is_some_and(|n| !n.is_empty()),
                "{name}: BT-1"
            );
            assert!(inv.issue_date.is_some(), "{name}: BT-2");
            assert!(inv.type_code.is_some(), "{name}: BT-3");
            assert!(inv.currency_code.is_some(), "{name}: BT-5");
            assert!(line_elements > 0, "{name}: the example has lines");
            assert_eq!(inv.lines.len(), line_elements, "{name}: BG-25 count");
            assert!(
                inv.lines.iter().all(|l| l.net_amount.is_some()),
                "{name}: every line has BT-131"
            );
            // BR-CO-10 holds for these valid examples, so the model must reproduce it.
            assert_eq!(
                Some(inv.sum_of_line_net_amounts()),
                inv.totals.sum_of_line_net_amounts,
                "{name}: Σ BT-131 = BT-106"
            );
            assert!(inv.totals.amount_due.is_some(), "{name}: BT-115");
            assert!(inv.seller.name.is_some(), "{name}: BT-27");
            assert!(inv.buyer.name.is_some(), "{name}: BT-44");
            assert!(
                inv.seller
                    .postal_address
                    .as_ref()
                    .is_some_and(|a| a.country_code.is_some()),
                "{name}: BT-40"
            );
            assert!(!inv.vat_breakdown.is_empty(), "{name}: BG-23");
            assert!(
                inv.vat_breakdown.iter().all(|v| v.category_code.is_some()),
                "{name}: BT-118"
            );
            // Valid documents hold no unreadable amount, date or quantity.
            assert_eq!(inv.unparsed, [], "{name}: unparsed values");
            seen += 1;
        }
    }
    assert_eq!(seen, 63, "48 UBL + 15 CII examples");
}

#[test]
fn ubl_max_content_maps_field_by_field() {
    let Some(corpus) = corpus() else { return };
    let inv = map(&corpus.join("en16931/ubl/Invoice-Max_content.xml")).invoice;

    assert_eq!(inv.number, s("2018210"));
    assert_eq!(inv.issue_date, date(2018, 2, 8));
    assert_eq!(inv.type_code.as_ref().map(|c| c.as_str()), Some("380"));
    assert!(!inv.is_credit_note());
    assert_eq!(inv.currency_code, s("SEK"));
    assert_eq!(inv.vat_accounting_currency_code, s("EUR"));
    assert_eq!(inv.vat_point_date, date(2018, 2, 8));
    assert_eq!(inv.due_date, date(2018, 3, 7));
    assert_eq!(inv.buyer_reference, s("Buyer reference"));
    assert_eq!(inv.project_reference, s("Project 99"));
    assert_eq!(inv.contract_reference, s("2017-123"));
    assert_eq!(inv.purchase_order_reference, s("20180117"));
    assert_eq!(inv.sales_order_reference, s("INK/0117/JM"));
    assert_eq!(inv.receiving_advice_reference, s("Receipt_advice 01-07"));
    assert_eq!(
        inv.despatch_advice_reference,
        s("Despatch_advice Feb 01-07")
    );
    assert_eq!(inv.tender_or_lot_reference, s("Tender 2017-12, lot no. 3"));
    assert_eq!(
        inv.invoiced_object_identifier,
        Some(id("ABC123", Some("VT")))
    );
    assert_eq!(inv.buyer_accounting_reference, s("BES, 87392"));
    assert_eq!(
        inv.payment_terms,
        s("30 days net. Penalty rate 12 %\nLine break should be respected here.")
    );
    assert_eq!(inv.notes.len(), 1);
    assert_eq!(inv.notes[0].subject_code, None);
    assert_eq!(
        inv.process_control.business_process,
        s("urn:fdc:peppol.eu:2017:poacc:billing:01:1.0")
    );
    assert_eq!(inv.preceding_invoices.len(), 2);
    assert_eq!(
        inv.preceding_invoices[0].reference,
        s("Preceding invoice no.1")
    );
    assert_eq!(inv.preceding_invoices[0].issue_date, date(2018, 1, 31));
    assert_eq!(inv.preceding_invoices[1].issue_date, None);

    let seller = &inv.seller;
    assert_eq!(seller.name, s("The Global Chain Sweden AB"));
    assert_eq!(seller.trading_name, s("Global Trade Chain"));
    assert_eq!(
        seller.identifiers,
        [id("7350000001204", Some("0088")), id("BilateralID", None)]
    );
    assert_eq!(
        seller.legal_registration_identifier,
        Some(id("1234567890", Some("0007")))
    );
    assert_eq!(seller.vat_identifier, s("SE123456789001"));
    assert_eq!(seller.tax_registration_identifier, s("Godkänd för F-skatt"));
    assert_eq!(seller.additional_legal_information, s("Säte: Big CIty"));
    assert_eq!(
        seller.electronic_address,
        Some(id("1234567890", Some("0007")))
    );
    let address = seller.postal_address.as_ref().expect("BG-5");
    assert_eq!(address.line_one, s("Streetname-line1"));
    assert_eq!(address.line_two, s("AddStreetname-line2"));
    assert_eq!(address.line_three, s("Address-line3"));
    assert_eq!(address.city, s("Big City"));
    assert_eq!(address.post_code, s("11122"));
    assert_eq!(address.country_subdivision, s("Delstat A"));
    assert_eq!(address.country_code, s("SE"));
    let contact = seller.contact.as_ref().expect("BG-6");
    assert_eq!(contact.point, s("A Persson"));
    assert_eq!(contact.telephone, s("0201234567"));
    assert_eq!(contact.email, s("info@UCS.se"));

    assert_eq!(inv.buyer.name, s("Project services AB"));
    assert_eq!(inv.buyer.vat_identifier, s("SE123451234501"));
    assert_eq!(inv.buyer.identifiers, [id("7350000001228", Some("0088"))]);
    let payee = inv.payee.as_ref().expect("BG-10");
    assert_eq!(payee.name, s("Finansiell Support u.p.a."));
    assert_eq!(
        payee.legal_registration_identifier,
        Some(id("5566778899", Some("0007")))
    );
    let rep = inv.tax_representative.as_ref().expect("BG-11");
    assert_eq!(rep.name, s("Tax Administrators Inc."));
    assert_eq!(rep.vat_identifier, s("SE998877665501"));
    let delivery = inv.delivery.as_ref().expect("BG-13");
    assert_eq!(delivery.party_name, s("Deliver-to Name A.S."));
    assert_eq!(
        delivery.location_identifier,
        Some(id("7350000001211", Some("0088")))
    );
    assert_eq!(delivery.actual_delivery_date, date(2017, 12, 1));
    assert_eq!(
        delivery.address.as_ref().and_then(|a| a.city.clone()),
        s("DELIV Town")
    );
    let period = inv.invoicing_period.as_ref().expect("BG-14");
    assert_eq!(
        (period.start, period.end),
        (date(2018, 2, 1), date(2018, 2, 7))
    );

    let pay = inv.payment_instructions.as_ref().expect("BG-16");
    assert_eq!(pay.means_type_code, s("30"));
    assert_eq!(pay.means_text, s("Credit transfer"));
    assert_eq!(pay.remittance_information, s("1800355"));
    assert_eq!(pay.credit_transfers.len(), 4);
    assert_eq!(
        pay.credit_transfers[0].account_identifier,
        s("SE1212341234123412341234")
    );
    assert_eq!(
        pay.credit_transfers[0].service_provider_identifier,
        s("BANKSBIC")
    );

    assert_eq!(inv.allowances.len(), 1);
    assert_eq!(inv.allowances[0].reason_code, s("95"));
    assert_eq!(inv.allowances[0].vat_category_code, s("E"));
    assert_eq!(inv.charges.len(), 1);
    assert_eq!(inv.charges[0].reason, s("Warehousing"));

    let t = &inv.totals;
    assert_eq!(t.sum_of_line_net_amounts, amount("10000"));
    assert_eq!(t.allowances_total, amount("0"));
    assert_eq!(t.charges_total, amount("0"));
    assert_eq!(t.total_without_vat, amount("10000"));
    assert_eq!(t.total_vat, amount("2500"));
    assert_eq!(t.total_vat_accounting_currency, amount("249"));
    assert_eq!(t.total_with_vat, amount("12500"));
    assert_eq!(t.paid_amount, amount("0"));
    assert_eq!(t.rounding_amount, amount("0"));
    assert_eq!(t.amount_due, amount("12500"));

    assert_eq!(inv.vat_breakdown.len(), 2);
    let standard = &inv.vat_breakdown[0];
    assert_eq!(standard.category_code, s("S"));
    assert_eq!(standard.rate, percent("25"));
    assert_eq!(standard.taxable_amount, amount("10000"));
    assert_eq!(standard.tax_amount, amount("2500"));
    assert_eq!(
        inv.vat_breakdown[1].exemption_reason_code,
        s("vatex-eu-132-1g")
    );

    assert_eq!(inv.supporting_documents.len(), 3);
    let attached = inv.supporting_documents[1]
        .attachment
        .as_ref()
        .expect("BT-125");
    assert_eq!(attached.mime_code, s("text/csv"));
    assert_eq!(attached.filename, s("testfilnamn.abc"));
    assert_eq!(
        inv.supporting_documents[2].external_location,
        s("http://www.example.com/index.html")
    );

    assert_eq!(inv.lines.len(), 2);
    let line = &inv.lines[0];
    assert_eq!(line.identifier, s("1"));
    assert_eq!(line.object_identifier, Some(id("130-DR35141", Some("ABZ"))));
    assert_eq!(line.quantity, quantity("500"));
    assert_eq!(line.unit_code, s("MTR"));
    assert_eq!(line.net_amount, amount("10000"));
    assert_eq!(line.order_line_reference, s("20080117/JM"));
    assert_eq!(line.buyer_accounting_reference, s("Accounting 101-222-8"));
    assert_eq!(line.period.as_ref().and_then(|p| p.end), date(2018, 2, 7));
    assert_eq!(line.allowances.len(), 1);
    assert_eq!(line.charges[0].reason_code, s("WH"));
    assert_eq!(line.price.net_price, amount("20"));
    assert_eq!(line.price.discount, amount("0.50"));
    assert_eq!(line.price.gross_price, amount("20.50"));
    assert_eq!(line.price.base_quantity, quantity("1"));
    assert_eq!(line.price.base_quantity_unit_code, s("MTR"));
    assert_eq!(line.vat.category_code, s("S"));
    assert_eq!(line.vat.rate, percent("25"));
    assert_eq!(line.item.name, s("Universal product"));
    assert_eq!(line.item.sellers_identifier, s("UNI+X"));
    assert_eq!(line.item.buyers_identifier, s("Buyer's ID"));
    assert_eq!(
        line.item.standard_identifier,
        Some(id("17350053850016", Some("0088")))
    );
    assert_eq!(line.item.classifications.len(), 2);
    assert_eq!(line.item.classifications[0].scheme, s("SSR"));
    assert_eq!(line.item.classifications[0].scheme_version, s("1.0"));
    assert_eq!(line.item.country_of_origin, s("SE"));
    assert_eq!(line.item.attributes.len(), 2);
    assert_eq!(line.item.attributes[1].name, s("Density"));
    assert_eq!(line.item.attributes[1].value, s("2.33"));
    assert_eq!(inv.lines[1].vat.category_code, s("E"));
}

#[test]
fn cii_example8_maps_field_by_field() {
    let Some(corpus) = corpus() else { return };
    let inv = map(&corpus.join("en16931/cii/CII_example8.xml")).invoice;

    assert_eq!(inv.number, s("1100512149"));
    assert_eq!(inv.issue_date, date(2014, 11, 10));
    assert_eq!(inv.type_code.as_ref().map(|c| c.as_str()), Some("380"));
    assert_eq!(inv.currency_code, s("EUR"));
    assert_eq!(inv.due_date, date(2014, 11, 24));
    assert_eq!(
        inv.process_control.specification_identifier,
        s("urn:cen.eu:en16931:2017")
    );
    assert_eq!(
        inv.invoiced_object_identifier,
        Some(id("871694831000290806", None))
    );
    assert!(
        inv.payment_terms
            .as_deref()
            .is_some_and(|t| t.starts_with("Enexis brengt"))
    );
    assert_eq!(inv.notes.len(), 1);
    assert!(
        inv.notes[0]
            .text
            .as_deref()
            .is_some_and(|t| t.starts_with("Periodieke afrekening"))
    );

    assert_eq!(inv.seller.name, s("Enexis B.V."));
    assert_eq!(inv.seller.trading_name, s("Enexis"));
    assert_eq!(
        inv.seller.legal_registration_identifier,
        Some(id("17131139", None))
    );
    assert_eq!(inv.seller.vat_identifier, s("NL809561074B01"));
    let seller_address = inv.seller.postal_address.as_ref().expect("BG-5");
    assert_eq!(seller_address.line_one, s("Magistratenlaan 116"));
    assert_eq!(seller_address.city, s("'S-HERTOGENBOSCH"));
    assert_eq!(seller_address.post_code, s("5223MB"));
    assert_eq!(seller_address.country_code, s("NL"));
    assert_eq!(
        inv.seller.contact.as_ref().and_then(|c| c.email.clone()),
        s("klantenservice.zakelijk@enexis.nl")
    );
    assert_eq!(inv.buyer.name, s("Klant"));
    assert_eq!(inv.buyer.identifiers, [id("1081119", None)]);
    assert_eq!(
        inv.buyer
            .postal_address
            .as_ref()
            .and_then(|a| a.post_code.clone()),
        s("9999 XX")
    );
    let delivery = inv.delivery.as_ref().expect("BG-13 (ship-to address)");
    assert_eq!(
        delivery.address.as_ref().and_then(|a| a.line_one.clone()),
        s("Bedrijfslaan 4,")
    );
    let period = inv.invoicing_period.as_ref().expect("BG-14");
    assert_eq!(
        (period.start, period.end),
        (date(2014, 8, 1), date(2014, 8, 31))
    );

    let pay = inv.payment_instructions.as_ref().expect("BG-16");
    assert_eq!(pay.means_type_code, s("30"));
    assert_eq!(pay.remittance_information, s("1100512149"));
    // The example repeats the payment means with the same account; both are kept.
    assert_eq!(pay.credit_transfers.len(), 2);
    assert_eq!(
        pay.credit_transfers[0].account_identifier,
        s("NL28RBOS0420242228")
    );

    let t = &inv.totals;
    assert_eq!(t.sum_of_line_net_amounts, amount("908.91"));
    assert_eq!(t.total_without_vat, amount("908.91"));
    assert_eq!(t.total_vat, amount("190.87"));
    assert_eq!(t.total_with_vat, amount("1099.78"));
    assert_eq!(t.amount_due, amount("1099.78"));
    assert_eq!(t.allowances_total, None);
    assert_eq!(t.paid_amount, None);

    assert_eq!(inv.vat_breakdown.len(), 1);
    assert_eq!(inv.vat_breakdown[0].category_code, s("S"));
    assert_eq!(inv.vat_breakdown[0].rate, percent("21"));
    assert_eq!(inv.vat_breakdown[0].taxable_amount, amount("908.91"));
    assert_eq!(inv.vat_breakdown[0].tax_amount, amount("190.87"));

    assert_eq!(inv.lines.len(), 10);
    let line = &inv.lines[0];
    assert_eq!(line.identifier, s("1"));
    assert_eq!(line.quantity, quantity("16000"));
    assert_eq!(line.unit_code, s("KWH"));
    assert_eq!(line.net_amount, amount("140.80"));
    assert_eq!(line.price.net_price, amount("0.0088"));
    assert_eq!(line.price.base_quantity_unit_code, s("KWH"));
    assert_eq!(line.vat.category_code, s("S"));
    assert_eq!(line.vat.rate, percent("21"));
    assert_eq!(line.item.name, s("Getransporteerde kWh’s"));
    assert_eq!(line.item.attributes.len(), 4);
    assert_eq!(
        line.item.attributes[0].name,
        s("contract transportvermogen")
    );
    assert_eq!(line.item.attributes[0].value, s("132,00 kW"));
}

#[test]
fn ubl_credit_note_maps_lines_and_credited_quantities() {
    let Some(corpus) = corpus() else { return };
    let mapped = map(&corpus.join("en16931/ubl/CreditNote-Max_content.xml"));
    let inv = mapped.invoice;
    assert!(inv.is_credit_note(), "BT-3 {:?}", inv.type_code);
    assert_eq!(inv.type_code.as_ref().map(|c| c.as_str()), Some("381"));
    assert_eq!(mapped.line_elements, 2);
    assert_eq!(inv.lines.len(), 2);
    let first = &inv.lines[0];
    assert_eq!(first.identifier, s("1"));
    assert_eq!(first.quantity, quantity("500"));
    assert_eq!(first.unit_code, s("EA"));
    assert_eq!(first.net_amount, amount("10000"));
    assert_eq!(first.item.name, s("Universal product"));
    let second = &inv.lines[1];
    assert_eq!(second.identifier, s("2"));
    assert_eq!(second.quantity, quantity("10000"));
    assert_eq!(second.net_amount, amount("0"));
    assert_eq!(second.item.name, s("Guarantee facility"));
    assert_eq!(inv.totals.sum_of_line_net_amounts, amount("10000"));
    // CreditNote-only binding: BT-11 comes from the document reference typed 50.
    assert_eq!(inv.project_reference, s("11111111"));
    assert_eq!(
        inv.invoiced_object_identifier
            .as_ref()
            .map(|i| i.value.as_str()),
        Some("ABC123")
    );
    // The example comments out its due date, card and direct debit payment means:
    // nothing of them may leak into the model.
    assert_eq!(inv.due_date, None);
    let pay = inv.payment_instructions.as_ref().expect("BG-16");
    assert_eq!(pay.means_type_code, s("30"));
    assert_eq!(pay.payment_card, None);
    assert_eq!(pay.direct_debit, None);
    assert_eq!(pay.credit_transfers.len(), 4);
}

#[test]
fn french_ubl_example_keeps_the_reform_terms() {
    let Some(corpus) = corpus() else { return };
    let inv = map(&corpus.join("fr/ubl/fr_ubl-tc434-example9.xml")).invoice;
    assert_eq!(
        inv.process_control.business_process,
        s("S1"),
        "BT-23 cadre de facturation"
    );
    let coded: Vec<(&str, &str)> = inv
        .notes
        .iter()
        .filter_map(|n| Some((n.subject_code.as_deref()?, n.text.as_deref()?)))
        .collect();
    assert_eq!(coded.len(), 4);
    assert_eq!(coded[3], ("BAR", "B2B"));
    assert_eq!(coded[0].0, "PMT");
    assert!(coded[0].1.starts_with("Indemnité forfaitaire"));
    assert_eq!(
        inv.seller.electronic_address,
        Some(id("723439188", Some("0225")))
    );
    assert_eq!(inv.seller.identifiers, [id("72343918800019", Some("0009"))]);
    assert_eq!(
        inv.seller.legal_registration_identifier,
        Some(id("723439188", Some("0002")))
    );
    assert_eq!(
        inv.buyer.electronic_address,
        Some(id("783671472", Some("0225")))
    );
    assert_eq!(inv.buyer.vat_identifier, s("FR14783671472"));
}

#[test]
fn unreadable_values_are_kept_raw_and_left_out_of_the_model() {
    let text = r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
        xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
        xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
      <cbc:ID>X-1</cbc:ID>
      <cbc:IssueDate>2024-02-30</cbc:IssueDate>
      <cac:InvoiceLine>
        <cbc:ID>1</cbc:ID>
        <cbc:InvoicedQuantity unitCode="C62">three</cbc:InvoicedQuantity>
        <cbc:LineExtensionAmount currencyID="EUR">12,50</cbc:LineExtensionAmount>
      </cac:InvoiceLine>
    </Invoice>"#;
    let doc = xml::parse_str(text, &Limits::default()).expect("well-formed");
    let inv = ubl::to_invoice(doc.root());
    assert_eq!(inv.number, s("X-1"));
    assert_eq!(inv.issue_date, None);
    assert_eq!(inv.lines.len(), 1);
    assert_eq!(inv.lines[0].quantity, None);
    assert_eq!(inv.lines[0].unit_code, s("C62"));
    assert_eq!(inv.lines[0].net_amount, None);
    let kept: Vec<(&str, &str)> = inv
        .unparsed
        .iter()
        .map(|u| (u.term, u.raw.as_str()))
        .collect();
    assert_eq!(
        kept,
        [
            ("BT-2", "2024-02-30"),
            ("BT-129", "three"),
            ("BT-131", "12,50")
        ]
    );
    // Nothing else is invented: the seller, buyer and totals stay empty.
    assert_eq!(inv.seller, Default::default());
    assert_eq!(inv.totals, Default::default());
}

#[test]
fn every_french_example_maps_and_the_accepted_ones_carry_the_reform_terms() {
    let Some(corpus) = corpus() else { return };
    let mut accepted = 0;
    for syntax in ["ubl", "cii"] {
        for path in xml_files(&corpus.join("fr").join(syntax)) {
            let name = path.display().to_string();
            let mapped = map(&path);
            let inv = &mapped.invoice;
            assert_eq!(inv.lines.len(), mapped.line_elements, "{name}: BG-25 count");
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            // The base documents and their `OK_` variants are valid French invoices.
            let accepted_variant = stem.contains("__OK_") || !stem.contains("__");
            if !accepted_variant {
                continue;
            }
            accepted += 1;
            assert!(inv.number.is_some(), "{name}: BT-1");
            assert!(
                inv.process_control.business_process.is_some(),
                "{name}: BT-23 cadre de facturation"
            );
            for (role, legal, address) in [
                (
                    "seller",
                    &inv.seller.legal_registration_identifier,
                    &inv.seller.electronic_address,
                ),
                (
                    "buyer",
                    &inv.buyer.legal_registration_identifier,
                    &inv.buyer.electronic_address,
                ),
            ] {
                // Foreign and consumer buyers have no SIREN.
                if role == "buyer" && (stem.contains("B2C") || stem.contains("B2BINT")) {
                    continue;
                }
                assert!(
                    legal.as_ref().is_some_and(|id| id.has_scheme("0002")),
                    "{name}: {role} SIREN (scheme 0002), got {legal:?}"
                );
                assert!(
                    address.as_ref().is_some_and(|a| a.scheme.is_some()),
                    "{name}: {role} electronic address with scheme, got {address:?}"
                );
            }
            let codes: Vec<&str> = inv
                .notes
                .iter()
                .filter_map(|n| n.subject_code.as_deref())
                .collect();
            for required in ["PMT", "PMD", "AAB"] {
                assert!(
                    codes.contains(&required),
                    "{name}: note {required} in {codes:?}"
                );
            }
            assert_eq!(inv.unparsed, [], "{name}: unparsed values");
        }
    }
    assert!(
        accepted >= 8,
        "only {accepted} accepted French examples found"
    );
}

#[test]
fn an_impossible_french_issue_date_is_kept_raw() {
    let Some(corpus) = corpus() else { return };
    for path in [
        "fr/ubl/fr_ubl-tc434-example9__BR-FR-03_issue_date_feb30.xml",
        "fr/cii/fr_CII_business_example_02__BR-FR-03_issue_date_feb30.xml",
    ] {
        let inv = map(&corpus.join(path)).invoice;
        assert_eq!(inv.issue_date, None, "{path}");
        assert!(
            inv.unparsed.iter().any(|u| u.term == "BT-2"),
            "{path}: {:?}",
            inv.unparsed
        );
    }
}

#[test]
fn the_ingest_pipeline_returns_the_mapped_model() {
    let Some(corpus) = corpus() else { return };
    for (path, number) in [
        ("en16931/ubl/ubl-tc434-example1.xml", "12115118"),
        ("en16931/cii/CII_example1.xml", "12115118"),
    ] {
        let bytes = std::fs::read(corpus.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        let outcome = facteur::ingest::ingest(&bytes, &facteur::ingest::Options::default());
        let inv = outcome
            .invoice
            .unwrap_or_else(|| panic!("{path}: no model"));
        assert_eq!(inv.number.as_deref(), Some(number), "{path}");
        assert!(!inv.lines.is_empty(), "{path}");
    }
}

//! The BR-FR rules as `facteur rules` lists them: one entry per rule id that findings
//! carry (`BR-FR-05`), shared by the UBL and CII bindings. The official assertions
//! (`BR-FR-05_BT-22_PMT` …) are declared next to their checks and report under these.

use crate::ingest::validate::en16931::rules;

rules! {
    BR_FR_01 = "BR-FR-01", Fatal, ["BT-1", "BT-25", "EXT-FR-FE-136"], "Invoice and preceding-invoice numbers are at most 35 characters (and, in UBL, use only letters, digits, + - _ /)";
    BR_FR_02 = "BR-FR-02", Fatal, ["BT-1", "BT-25", "EXT-FR-FE-136"], "Invoice and preceding-invoice numbers use only letters, digits, + - _ / and no space";
    BR_FR_03 = "BR-FR-03", Fatal, ["BT-2", "BT-7", "BT-9", "BT-26", "BT-72", "BT-73", "BT-74", "BT-134", "BT-135"], "Dates are valid calendar days of the years 2000 to 2099";
    BR_FR_04 = "BR-FR-04", Fatal, ["BT-3", "EXT-FR-FE-02", "EXT-FR-FE-137"], "Invoice type codes are among those the French reform admits";
    BR_FR_05 = "BR-FR-05", Fatal, ["BT-21", "BT-22"], "The PMT, PMD and AAB notes are present";
    BR_FR_06 = "BR-FR-06", Fatal, ["BT-21"], "The PMT, PMD, AAB and TXD notes occur at most once each";
    BR_FR_08 = "BR-FR-08", Fatal, ["BT-23"], "The cadre de facturation (BT-23) is present and is one of the listed codes";
    BR_FR_09 = "BR-FR-09", Fatal, ["BT-29", "BT-46", "BT-60", "BT-71"], "A SIRET is 14 digits and starts with the party's SIREN";
    BR_FR_10 = "BR-FR-10", Fatal, ["BT-30"], "The seller has a SIREN (scheme 0002) of nine digits";
    BR_FR_11 = "BR-FR-11", Fatal, ["BT-47"], "On a B2B invoice, the buyer has a SIREN (scheme 0002) of nine digits";
    BR_FR_12 = "BR-FR-12", Fatal, ["BT-49"], "The buyer has an electronic address";
    BR_FR_13 = "BR-FR-13", Fatal, ["BT-34"], "The seller has an electronic address";
    BR_FR_15 = "BR-FR-15", Fatal, ["BT-95", "BT-102", "BT-118", "BT-151"], "VAT categories are S, E, AE, K, G, O or Z";
    BR_FR_16 = "BR-FR-16", Fatal, ["BT-96", "BT-103", "BT-119", "BT-152"], "VAT rates are French rates, written as listed";
    BR_FR_17 = "BR-FR-17", Fatal, ["BT-123"], "Attachment descriptions are among the listed codes";
    BR_FR_18 = "BR-FR-18", Fatal, ["BT-123"], "At most one attachment is the readable rendering (LISIBLE)";
    BR_FR_20 = "BR-FR-20", Fatal, ["BT-21", "BT-22"], "The BAR note carries one of the listed treatments";
    BR_FR_21 = "BR-FR-21", Fatal, ["BT-49"], "On a B2B invoice that is not self-billed, the buyer address starts with the buyer SIREN and uses scheme 0225";
    BR_FR_22 = "BR-FR-22", Fatal, ["BT-34"], "On a self-billed invoice, the seller address starts with the seller SIREN and uses scheme 0225";
    BR_FR_23 = "BR-FR-23", Fatal, ["BT-34", "BT-49"], "Electronic addresses with scheme 0225 use only letters, digits, + - _ .";
    BR_FR_24 = "BR-FR-24", Fatal, ["BT-29", "BT-46"], "Routing identifiers (scheme 0224) use only letters, digits, + - _ .";
    BR_FR_25 = "BR-FR-25", Fatal, ["BT-34", "BT-49"], "Electronic addresses are at most 125 characters";
    BR_FR_26 = "BR-FR-26", Fatal, ["BT-29", "BT-46"], "Routing identifiers (scheme 0224) are at most 100 characters";
    BR_FR_27 = "BR-FR-27", Fatal, ["BG-32", "BT-160", "EXT-FR-FE-159"], "An item attribute has a non-blank name or code";
    BR_FR_28 = "BR-FR-28", Fatal, ["BT-161", "EXT-FR-FE-160"], "An item attribute has either a value or a quantity with a unit";
    BR_FR_29 = "BR-FR-29", Fatal, ["BT-18"], "Invoiced-object references AFL and AVV occur at most once and are not blank";
    BR_FR_30 = "BR-FR-30", Fatal, ["BT-128"], "Line object references AFL and AVV occur at most once and are not blank";
    BR_FR_31 = "BR-FR-31", Fatal, ["BT-21", "BT-22"], "At most one BAR treatment";
    BR_FR_32 = "BR-FR-32", Fatal, ["BT-30", "BT-29", "BT-47", "BT-46"], "Identifiers with scheme 0002 or 0231 are nine digits";
    BR_FR_CO_03 = "BR-FR-CO-03", Fatal, ["BT-3", "BT-12", "BG-14"], "A credit note of type 262 has a contract reference and an invoicing period";
    BR_FR_CO_04 = "BR-FR-CO-04", Fatal, ["BT-3", "BT-25"], "A corrective invoice has exactly one preceding-invoice reference";
    BR_FR_CO_05 = "BR-FR-CO-05", Fatal, ["BT-3", "BT-25", "BT-26"], "A credit note references the invoices it credits, on the header or on every detail line";
    BR_FR_CO_07 = "BR-FR-CO-07", Fatal, ["BT-9", "BT-2"], "The due date is not before the issue date";
    BR_FR_CO_08 = "BR-FR-CO-08", Fatal, ["BT-23", "BT-3"], "A final invoice after down payment (cadre 4) is not a down-payment invoice";
    BR_FR_CO_09 = "BR-FR-CO-09", Fatal, ["BT-23", "BT-113", "BT-115", "BT-9"], "An already-paid invoice (cadre 2) is fully prepaid, has nothing due and a due date";
    BR_FR_CO_10 = "BR-FR-CO-10", Fatal, ["BT-29", "BT-46", "BT-60", "BT-71"], "Party identifiers have a scheme, each scheme at most once per party";
    BR_FR_CO_12 = "BR-FR-CO-12", Fatal, ["BT-5", "BT-6", "BT-111"], "An invoice not in euros gives its VAT total in euros";
    BR_FR_CO_14 = "BR-FR-CO-14", Fatal, ["BT-29", "BT-22"], "A member of a single VAT group says so in a TXD note";
    BR_FR_CO_15 = "BR-FR-CO-15", Fatal, ["BT-29", "BG-11", "BT-63"], "A member of a single VAT group names its tax representative and its VAT id";
    BR_FR_DEC_01 = "BR-FR-DEC-01", Fatal, ["BT-106", "BT-131"], "Amounts have at most 19 digits and 2 decimals";
    BR_FR_DEC_02 = "BR-FR-DEC-02", Fatal, ["BT-129", "BT-149"], "Quantities have at most 19 digits and 4 decimals";
    BR_FR_DEC_03 = "BR-FR-DEC-03", Fatal, ["BT-146", "BT-147", "BT-148"], "Prices have at most 19 digits and 6 decimals, and are negative only on a bidirectional invoice";
    BR_FR_DEC_04 = "BR-FR-DEC-04", Fatal, ["BT-96", "BT-119", "BT-152"], "VAT rates have at most 4 digits and 2 decimals";
    BR_FR_MV_01 = "BR-FR-MV-01", Fatal, ["EXT-FR-FE-163"], "On a multi-vendor or bidirectional invoice, every line has a sub-type";
    BR_FR_MV_02 = "BR-FR-MV-02", Fatal, ["EXT-FR-FE-163"], "A multi-vendor invoice has at least one top GROUP line";
    BR_FR_MV_03 = "BR-FR-MV-03", Fatal, ["EXT-FR-FE-164", "EXT-FR-FE-167", "EXT-FR-FE-177", "EXT-FR-FE-181", "BT-128"], "A top GROUP line names its seller, legal id, country, VAT total and sub-invoice references";
    BR_FR_MV_05 = "BR-FR-MV-05", Fatal, ["BT-131"], "A GROUP line's net amount is the sum of its children's";
    BR_FR_MV_06 = "BR-FR-MV-06", Fatal, ["EXT-FR-FE-167"], "Every line has a seller legal id, the same as its parent line's";
    BR_FR_MV_07 = "BR-FR-MV-07", Fatal, ["BT-128"], "Every line has a sub-invoice number (AFL), the same as its parent line's";
    BR_FR_MV_08 = "BR-FR-MV-08", Fatal, ["BT-120", "BT-128"], "A DETAIL line's VAT exemption reason starts with #AFL#";
    BR_FR_MV_09 = "BR-FR-MV-09", Fatal, ["EXT-FR-FE-181", "BT-117"], "A GROUP line's VAT total is the sum of its sub-invoice's VAT breakdown";
    BR_FR_MV_10 = "BR-FR-MV-10", Fatal, ["EXT-FR-FE-184"], "A GROUP line's total with VAT is its net amount plus its VAT";
    BR_FR_MV_11 = "BR-FR-MV-11", Fatal, ["BT-128", "BT-1"], "Exactly one sub-invoice of the main seller carries the invoice number";
    BR_FR_MV_12 = "BR-FR-MV-12", Fatal, ["BT-128"], "Sub-invoice numbers of top GROUP lines are unique";
    BR_FR_MV_13 = "BR-FR-MV-13", Fatal, ["BT-3"], "A multi-vendor invoice is not self-billed";
    BR_FR_MV_14 = "BR-FR-MV-14", Fatal, ["EXT-FR-FE-136", "EXT-FR-FE-138"], "Top GROUP lines of a multi-vendor corrective or credit note reference the preceding invoice";
    BR_FR_BD_02 = "BR-FR-BD-02", Fatal, ["EXT-FR-FE-163", "BT-30", "BT-47"], "A bidirectional invoice has two top GROUP lines, one for the seller and one for the buyer";
    BR_FR_BD_13 = "BR-FR-BD-13", Fatal, ["BT-3"], "A bidirectional invoice is self-billed";
    BR_FR_BD_14 = "BR-FR-BD-14", Fatal, ["EXT-FR-FE-136", "EXT-FR-FE-138"], "Top GROUP lines of a bidirectional corrective or credit note reference the preceding invoice";
    XSLT_ERROR = "XSLT-ERROR", Fatal, [], "The official BR-FR stylesheet stops with a dynamic error on this document, so it is rejected without BR-FR verdicts";
}

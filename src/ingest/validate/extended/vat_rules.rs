//! The ids of the EXTENDED-CTC-FR VAT breakdown rules (UBL `BR-FREXT-*`, CII
//! `BR-FREXT-x-01` and `BR-FXEXT-x-08*`) and of their Factur-X EXTENDED copies, grouped
//! per VAT category so [`super::vat`] can run one family table per rule set.

use crate::ingest::validate::Rule;
use crate::ingest::validate::en16931::rules;

/// The rules of one VAT category in one rule set.
pub(crate) struct Family {
    /// The category code (`K` for intra-community, `L`/`M` for IGIC/IPSI).
    pub code: &'static str,
    pub one: &'static Rule,
    pub eight: &'static Rule,
    pub ini: &'static Rule,
    pub rev: &'static Rule,
}

rules! {
    FREXT_S_01 = "BR-FREXT-S-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category S if and only if it has a VAT breakdown of category S";
    FREXT_Z_01 = "BR-FREXT-Z-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category Z if and only if it has a VAT breakdown of category Z";
    FREXT_E_01 = "BR-FREXT-E-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category E if and only if it has a VAT breakdown of category E";
    FREXT_AE_01 = "BR-FREXT-AE-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category AE if and only if it has a VAT breakdown of category AE";
    FREXT_IC_01 = "BR-FREXT-IC-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category K if and only if it has a VAT breakdown of category K";
    FREXT_G_01 = "BR-FREXT-G-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category G if and only if it has a VAT breakdown of category G";
    FREXT_O_01 = "BR-FREXT-O-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category O if and only if it has a VAT breakdown of category O";
    FREXT_AF_01 = "BR-FREXT-AF-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category L if and only if it has a VAT breakdown of category L";
    FREXT_AG_01 = "BR-FREXT-AG-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category M if and only if it has a VAT breakdown of category M";
    FREXT_S_08 = "BR-FREXT-S-08", Fatal, ["BT-116"], "The S taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FREXT_S_08INI = "BR-FREXT-S-08ini", Warning, ["BT-116"], "The S taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FREXT_S_08REV = "BR-FREXT-S-08rev", Warning, ["BT-116"], "The S taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FREXT_Z_08 = "BR-FREXT-Z-08", Fatal, ["BT-116"], "The Z taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FREXT_Z_08INI = "BR-FREXT-Z-08ini", Warning, ["BT-116"], "The Z taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FREXT_Z_08REV = "BR-FREXT-Z-08rev", Warning, ["BT-116"], "The Z taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FREXT_E_08 = "BR-FREXT-E-08", Fatal, ["BT-116"], "The E taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FREXT_E_08INI = "BR-FREXT-E-08ini", Warning, ["BT-116"], "The E taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FREXT_E_08REV = "BR-FREXT-E-08rev", Warning, ["BT-116"], "The E taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FREXT_AE_08 = "BR-FREXT-AE-08", Fatal, ["BT-116"], "The AE taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FREXT_AE_08INI = "BR-FREXT-AE-08ini", Warning, ["BT-116"], "The AE taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FREXT_AE_08REV = "BR-FREXT-AE-08rev", Warning, ["BT-116"], "The AE taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FREXT_IC_08 = "BR-FREXT-IC-08", Fatal, ["BT-116"], "The K taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FREXT_IC_08INI = "BR-FREXT-IC-08ini", Warning, ["BT-116"], "The K taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FREXT_IC_08REV = "BR-FREXT-IC-08rev", Warning, ["BT-116"], "The K taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FREXT_G_08 = "BR-FREXT-G-08", Fatal, ["BT-116"], "The G taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FREXT_G_08INI = "BR-FREXT-G-08ini", Warning, ["BT-116"], "The G taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FREXT_G_08REV = "BR-FREXT-G-08rev", Warning, ["BT-116"], "The G taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FREXT_O_08 = "BR-FREXT-O-08", Fatal, ["BT-116"], "The O taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FREXT_O_08INI = "BR-FREXT-O-08ini", Warning, ["BT-116"], "The O taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FREXT_O_08REV = "BR-FREXT-O-08rev", Warning, ["BT-116"], "The O taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FREXT_AF_08 = "BR-FREXT-AF-08", Fatal, ["BT-116"], "The L taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FREXT_AF_08INI = "BR-FREXT-AF-08ini", Warning, ["BT-116"], "The L taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FREXT_AF_08REV = "BR-FREXT-AF-08rev", Warning, ["BT-116"], "The L taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FREXT_AG_08 = "BR-FREXT-AG-08", Fatal, ["BT-116"], "The M taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FREXT_AG_08INI = "BR-FREXT-AG-08ini", Warning, ["BT-116"], "The M taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FREXT_AG_08REV = "BR-FREXT-AG-08rev", Warning, ["BT-116"], "The M taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FREXT_S_09 = "BR-FREXT-S-09", Fatal, ["BT-117"], "The S VAT amount is the taxable amount times the rate, within 0.01 per item";
    FXEXT_S_08 = "BR-FXEXT-S-08", Fatal, ["BT-116"], "The S taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FXEXT_S_08INI = "BR-FXEXT-S-08ini", Warning, ["BT-116"], "The S taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FXEXT_S_08REV = "BR-FXEXT-S-08rev", Warning, ["BT-116"], "The S taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FXEXT_Z_08 = "BR-FXEXT-Z-08", Fatal, ["BT-116"], "The Z taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FXEXT_Z_08INI = "BR-FXEXT-Z-08ini", Warning, ["BT-116"], "The Z taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FXEXT_Z_08REV = "BR-FXEXT-Z-08rev", Warning, ["BT-116"], "The Z taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FXEXT_E_08 = "BR-FXEXT-E-08", Fatal, ["BT-116"], "The E taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FXEXT_E_08INI = "BR-FXEXT-E-08ini", Warning, ["BT-116"], "The E taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FXEXT_E_08REV = "BR-FXEXT-E-08rev", Warning, ["BT-116"], "The E taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FXEXT_AE_08 = "BR-FXEXT-AE-08", Fatal, ["BT-116"], "The AE taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FXEXT_AE_08INI = "BR-FXEXT-AE-08ini", Warning, ["BT-116"], "The AE taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FXEXT_AE_08REV = "BR-FXEXT-AE-08rev", Warning, ["BT-116"], "The AE taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FXEXT_IC_08 = "BR-FXEXT-IC-08", Fatal, ["BT-116"], "The K taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FXEXT_IC_08INI = "BR-FXEXT-IC-08ini", Warning, ["BT-116"], "The K taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FXEXT_IC_08REV = "BR-FXEXT-IC-08rev", Warning, ["BT-116"], "The K taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FXEXT_G_08 = "BR-FXEXT-G-08", Fatal, ["BT-116"], "The G taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FXEXT_G_08INI = "BR-FXEXT-G-08ini", Warning, ["BT-116"], "The G taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FXEXT_G_08REV = "BR-FXEXT-G-08rev", Warning, ["BT-116"], "The G taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FXEXT_O_08 = "BR-FXEXT-O-08", Fatal, ["BT-116"], "The O taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FXEXT_O_08INI = "BR-FXEXT-O-08ini", Warning, ["BT-116"], "The O taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FXEXT_O_08REV = "BR-FXEXT-O-08rev", Warning, ["BT-116"], "The O taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FXEXT_AF_08 = "BR-FXEXT-AF-08", Fatal, ["BT-116"], "The L taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FXEXT_AF_08INI = "BR-FXEXT-AF-08ini", Warning, ["BT-116"], "The L taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FXEXT_AF_08REV = "BR-FXEXT-AF-08rev", Warning, ["BT-116"], "The L taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FXEXT_AG_08 = "BR-FXEXT-AG-08", Fatal, ["BT-116"], "The M taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
    FXEXT_AG_08INI = "BR-FXEXT-AG-08ini", Warning, ["BT-116"], "The M taxable amount is the sum of its items of the same rate, within 0.01 per item";
    FXEXT_AG_08REV = "BR-FXEXT-AG-08rev", Warning, ["BT-116"], "The M taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
    FXEXT_S_09 = "BR-FXEXT-S-09", Fatal, ["BT-117"], "The S VAT amount is the taxable amount times the rate, within 0.01 per item";
}

pub(crate) static UBL_FAMILIES: [Family; 9] = [
    Family {
        code: "S",
        one: &FREXT_S_01,
        eight: &FREXT_S_08,
        ini: &FREXT_S_08INI,
        rev: &FREXT_S_08REV,
    },
    Family {
        code: "Z",
        one: &FREXT_Z_01,
        eight: &FREXT_Z_08,
        ini: &FREXT_Z_08INI,
        rev: &FREXT_Z_08REV,
    },
    Family {
        code: "E",
        one: &FREXT_E_01,
        eight: &FREXT_E_08,
        ini: &FREXT_E_08INI,
        rev: &FREXT_E_08REV,
    },
    Family {
        code: "AE",
        one: &FREXT_AE_01,
        eight: &FREXT_AE_08,
        ini: &FREXT_AE_08INI,
        rev: &FREXT_AE_08REV,
    },
    Family {
        code: "K",
        one: &FREXT_IC_01,
        eight: &FREXT_IC_08,
        ini: &FREXT_IC_08INI,
        rev: &FREXT_IC_08REV,
    },
    Family {
        code: "G",
        one: &FREXT_G_01,
        eight: &FREXT_G_08,
        ini: &FREXT_G_08INI,
        rev: &FREXT_G_08REV,
    },
    Family {
        code: "O",
        one: &FREXT_O_01,
        eight: &FREXT_O_08,
        ini: &FREXT_O_08INI,
        rev: &FREXT_O_08REV,
    },
    Family {
        code: "L",
        one: &FREXT_AF_01,
        eight: &FREXT_AF_08,
        ini: &FREXT_AF_08INI,
        rev: &FREXT_AF_08REV,
    },
    Family {
        code: "M",
        one: &FREXT_AG_01,
        eight: &FREXT_AG_08,
        ini: &FREXT_AG_08INI,
        rev: &FREXT_AG_08REV,
    },
];
pub(crate) static CII_FAMILIES: [Family; 9] = [
    Family {
        code: "S",
        one: &FREXT_S_01,
        eight: &FXEXT_S_08,
        ini: &FXEXT_S_08INI,
        rev: &FXEXT_S_08REV,
    },
    Family {
        code: "Z",
        one: &FREXT_Z_01,
        eight: &FXEXT_Z_08,
        ini: &FXEXT_Z_08INI,
        rev: &FXEXT_Z_08REV,
    },
    Family {
        code: "E",
        one: &FREXT_E_01,
        eight: &FXEXT_E_08,
        ini: &FXEXT_E_08INI,
        rev: &FXEXT_E_08REV,
    },
    Family {
        code: "AE",
        one: &FREXT_AE_01,
        eight: &FXEXT_AE_08,
        ini: &FXEXT_AE_08INI,
        rev: &FXEXT_AE_08REV,
    },
    Family {
        code: "K",
        one: &FREXT_IC_01,
        eight: &FXEXT_IC_08,
        ini: &FXEXT_IC_08INI,
        rev: &FXEXT_IC_08REV,
    },
    Family {
        code: "G",
        one: &FREXT_G_01,
        eight: &FXEXT_G_08,
        ini: &FXEXT_G_08INI,
        rev: &FXEXT_G_08REV,
    },
    Family {
        code: "O",
        one: &FREXT_O_01,
        eight: &FXEXT_O_08,
        ini: &FXEXT_O_08INI,
        rev: &FXEXT_O_08REV,
    },
    Family {
        code: "L",
        one: &FREXT_AF_01,
        eight: &FXEXT_AF_08,
        ini: &FXEXT_AF_08INI,
        rev: &FXEXT_AF_08REV,
    },
    Family {
        code: "M",
        one: &FREXT_AG_01,
        eight: &FXEXT_AG_08,
        ini: &FXEXT_AG_08INI,
        rev: &FXEXT_AG_08REV,
    },
];

/// The Factur-X EXTENDED copies (`BR-FXEXT-x-01`, `-08b`, `S-09b`).
pub(crate) mod fx {
    use super::Family;
    use crate::ingest::validate::en16931::rules;

    rules! {
        FX_S_01 = "BR-FXEXT-S-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category S if and only if it has a VAT breakdown of category S";
        FX_Z_01 = "BR-FXEXT-Z-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category Z if and only if it has a VAT breakdown of category Z";
        FX_E_01 = "BR-FXEXT-E-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category E if and only if it has a VAT breakdown of category E";
        FX_AE_01 = "BR-FXEXT-AE-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category AE if and only if it has a VAT breakdown of category AE";
        FX_IC_01 = "BR-FXEXT-IC-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category K if and only if it has a VAT breakdown of category K";
        FX_G_01 = "BR-FXEXT-G-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category G if and only if it has a VAT breakdown of category G";
        FX_O_01 = "BR-FXEXT-O-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category O if and only if it has a VAT breakdown of category O";
        FX_AF_01 = "BR-FXEXT-AF-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category L if and only if it has a VAT breakdown of category L";
        FX_AG_01 = "BR-FXEXT-AG-01", Fatal, ["BG-23", "BT-118"], "An invoice uses VAT category M if and only if it has a VAT breakdown of category M";
        FX_S_08 = "BR-FXEXT-S08b", Fatal, ["BT-116"], "The S taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
        FX_S_08INI = "BR-FXEXT-S-08ini", Warning, ["BT-116"], "The S taxable amount is the sum of its items of the same rate, within 0.01 per item";
        FX_S_08REV = "BR-FXEXT-S-08rev", Warning, ["BT-116"], "The S taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
        FX_Z_08 = "BR-FXEXT-Z-08b", Fatal, ["BT-116"], "The Z taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
        FX_Z_08INI = "BR-FXEXT-Z-08ini", Warning, ["BT-116"], "The Z taxable amount is the sum of its items of the same rate, within 0.01 per item";
        FX_Z_08REV = "BR-FXEXT-Z-08rev", Warning, ["BT-116"], "The Z taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
        FX_E_08 = "BR-FXEXT-E-08b", Fatal, ["BT-116"], "The E taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
        FX_E_08INI = "BR-FXEXT-E-08ini", Warning, ["BT-116"], "The E taxable amount is the sum of its items of the same rate, within 0.01 per item";
        FX_E_08REV = "BR-FXEXT-E-08rev", Warning, ["BT-116"], "The E taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
        FX_AE_08 = "BR-FXEXT-AE-08b", Fatal, ["BT-116"], "The AE taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
        FX_AE_08INI = "BR-FXEXT-AE-08ini", Warning, ["BT-116"], "The AE taxable amount is the sum of its items of the same rate, within 0.01 per item";
        FX_AE_08REV = "BR-FXEXT-AE-08rev", Warning, ["BT-116"], "The AE taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
        FX_IC_08 = "BR-FXEXT-IC-08b", Fatal, ["BT-116"], "The K taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
        FX_IC_08INI = "BR-FXEXT-IC-08ini", Warning, ["BT-116"], "The K taxable amount is the sum of its items of the same rate, within 0.01 per item";
        FX_IC_08REV = "BR-FXEXT-IC-08rev", Warning, ["BT-116"], "The K taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
        FX_G_08 = "BR-FXEXT-G-08b", Fatal, ["BT-116"], "The G taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
        FX_G_08INI = "BR-FXEXT-G-08ini", Warning, ["BT-116"], "The G taxable amount is the sum of its items of the same rate, within 0.01 per item";
        FX_G_08REV = "BR-FXEXT-G-08rev", Warning, ["BT-116"], "The G taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
        FX_O_08 = "BR-FXEXT-O-08b", Fatal, ["BT-116"], "The O taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
        FX_O_08INI = "BR-FXEXT-O-08ini", Warning, ["BT-116"], "The O taxable amount is the sum of its items of the same rate, within 0.01 per item";
        FX_O_08REV = "BR-FXEXT-O-08rev", Warning, ["BT-116"], "The O taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
        FX_AF_08 = "BR-FXEXT-AF-08b", Fatal, ["BT-116"], "The L taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
        FX_AF_08INI = "BR-FXEXT-AF-08ini", Warning, ["BT-116"], "The L taxable amount is the sum of its items of the same rate, within 0.01 per item";
        FX_AF_08REV = "BR-FXEXT-AF-08rev", Warning, ["BT-116"], "The L taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
        FX_AG_08 = "BR-FXEXT-AG-08b", Fatal, ["BT-116"], "The M taxable amount is the sum of its items, with or without matching exemption reasons, within 0.01 per item";
        FX_AG_08INI = "BR-FXEXT-AG-08ini", Warning, ["BT-116"], "The M taxable amount is the sum of its items of the same rate, within 0.01 per item";
        FX_AG_08REV = "BR-FXEXT-AG-08rev", Warning, ["BT-116"], "The M taxable amount is the sum of its items of the same rate and exemption reasons, within 0.01 per item";
        FX_S_09 = "BR-FXEXT-S-09b", Fatal, ["BT-117"], "The S VAT amount is the taxable amount times the rate, within 0.01 per item";
    }
    pub(crate) static FX_FAMILIES: [Family; 9] = [
        Family {
            code: "S",
            one: &FX_S_01,
            eight: &FX_S_08,
            ini: &FX_S_08INI,
            rev: &FX_S_08REV,
        },
        Family {
            code: "Z",
            one: &FX_Z_01,
            eight: &FX_Z_08,
            ini: &FX_Z_08INI,
            rev: &FX_Z_08REV,
        },
        Family {
            code: "E",
            one: &FX_E_01,
            eight: &FX_E_08,
            ini: &FX_E_08INI,
            rev: &FX_E_08REV,
        },
        Family {
            code: "AE",
            one: &FX_AE_01,
            eight: &FX_AE_08,
            ini: &FX_AE_08INI,
            rev: &FX_AE_08REV,
        },
        Family {
            code: "K",
            one: &FX_IC_01,
            eight: &FX_IC_08,
            ini: &FX_IC_08INI,
            rev: &FX_IC_08REV,
        },
        Family {
            code: "G",
            one: &FX_G_01,
            eight: &FX_G_08,
            ini: &FX_G_08INI,
            rev: &FX_G_08REV,
        },
        Family {
            code: "O",
            one: &FX_O_01,
            eight: &FX_O_08,
            ini: &FX_O_08INI,
            rev: &FX_O_08REV,
        },
        Family {
            code: "L",
            one: &FX_AF_01,
            eight: &FX_AF_08,
            ini: &FX_AF_08INI,
            rev: &FX_AF_08REV,
        },
        Family {
            code: "M",
            one: &FX_AG_01,
            eight: &FX_AG_08,
            ini: &FX_AG_08INI,
            rev: &FX_AG_08REV,
        },
    ];
}

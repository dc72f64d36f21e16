#!/usr/bin/env python3
"""Generates the Factur-X structural-check tables from the profiles catalogue.

Reads Appendix B (one line per parent path: cardinalities, elements and attributes
not used, required attributes, code-list checks) and Appendix C (the code lists of
each profile's codedb) of `rules-catalogue-profiles.md`, and writes
`structure_table.rs` next to this folder's parent. The script fails on any token or
list description it does not understand, so no check can be silently dropped.

Rerun after a catalogue update, from the repository root:

    python3 src/ingest/validate/facturx/gen/structure_table.py \
        /work/shared/reference/rules-catalogue-profiles.md
    cargo fmt
"""

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

ANCHORS = {
    "$DOC": ["rsm:CrossIndustryInvoice", "rsm:ExchangedDocument"],
    "$CTX": ["rsm:CrossIndustryInvoice", "rsm:ExchangedDocumentContext"],
    "$TX": ["rsm:CrossIndustryInvoice", "rsm:SupplyChainTradeTransaction"],
}
ANCHORS["$AGR"] = ANCHORS["$TX"] + ["ApplicableHeaderTradeAgreement"]
ANCHORS["$DLV"] = ANCHORS["$TX"] + ["ApplicableHeaderTradeDelivery"]
ANCHORS["$STL"] = ANCHORS["$TX"] + ["ApplicableHeaderTradeSettlement"]
ANCHORS["$LINE"] = ANCHORS["$TX"] + ["IncludedSupplyChainTradeLineItem"]

ABS = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement/"
PREDICATES = {
    '[ChargeIndicator/Indicator="false"]': "IndicatorFalse",
    '[ChargeIndicator/Indicator="true"]': "IndicatorTrue",
    '[ not(ChargeIndicator/Indicator="false") and not(ChargeIndicator/Indicator="true")]': "IndicatorNeither",
    '[ID/@schemeID="VA"]': "SchemeVa",
    '[ID/@schemeID="FC"]': "SchemeFc",
    '[ not(ID/@schemeID="VA") and not(ID/@schemeID="FC")]': "SchemeNeither",
    '[TypeCode="916"]': "Type916",
    '[TypeCode="50"]': "Type50",
    '[TypeCode="130"]': "Type130",
    '[ not(TypeCode="916") and not(TypeCode="50") and not(TypeCode="130")]': "TypeNeither",
    "[@currencyID=../../InvoiceCurrencyCode]": "CurrencyInvoice",
    "[@currencyID=../../TaxCurrencyCode]": "CurrencyTax",
    "[ not(@currencyID=../../InvoiceCurrencyCode) and not(@currencyID=../../TaxCurrencyCode)]": "CurrencyNeither",
    f"[@currencyID={ABS}InvoiceCurrencyCode]": "HeaderCurrencyInvoice",
    f"[@currencyID={ABS}TaxCurrencyCode]": "HeaderCurrencyTax",
    f"[ not(@currencyID={ABS}InvoiceCurrencyCode) and not(@currencyID={ABS}TaxCurrencyCode)]": "HeaderCurrencyNeither",
    "[not (@listID)]": "NoListId",
    '[@listID="5153"]': "ListId5153",
    '[ not(not (@listID)) and not(@listID="5153")]': "ListIdOther",
    '[ not(@listID="5153") and not(not (@listID))]': "ListIdOther",
}

PROFILES = [("B.1", "C.1", "BASIC_WL"), ("B.2", "C.2", "EN16931"), ("B.3", "C.3", "EXTENDED")]


def split_top(text, seps):
    """Splits on any of `seps` outside brackets."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if depth == 0 and ch in seps:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [p.strip() for p in out if p.strip()]


def step(token):
    """`Name[pred]` (optionally `udt:Name`) -> Rust `Step` literal."""
    m = re.fullmatch(r"(?:(rsm|ram|udt|qdt):)?([A-Za-z]+)(\[.*\])?", token)
    if not m:
        sys.exit(f"cannot read step {token!r}")
    ns, local, pred = m.group(1) or "ram", m.group(2), m.group(3)
    if pred is not None and pred not in PREDICATES:
        sys.exit(f"unknown predicate {pred!r}")
    pred_rs = f"Some(Pred::{PREDICATES[pred]})" if pred else "None"
    return f'Step {{ ns: Ns::{ns.capitalize()}, local: "{local}", pred: {pred_rs} }}'


def path_steps(path):
    parts = split_top(path, "/")
    if parts[0] not in ANCHORS:
        sys.exit(f"unknown anchor in {path!r}")
    return [step(p) for p in ANCHORS[parts[0]] + parts[1:]]


def leaf(text):
    """`Child[pred] ✗ | ✗@a | @a req | ∈clN | @a∈clN | @a req∈clN …` -> Rust `Leaf`."""
    m = re.match(r"((?:(?:udt|qdt):)?[A-Za-z]+(?:\[[^\]]*\])?)\s*(.*)$", text)
    if not m:
        sys.exit(f"cannot read leaf {text!r}")
    child, rest = m.group(1), m.group(2)
    not_used, unused_attrs, required, value_list, attr_lists = False, [], [], "None", []
    tokens = re.findall(r"✗@\w+|✗|@\w+ req∈cl\d+|@\w+ req|@\w+∈cl\d+|∈cl\d+", rest)
    if "".join(tokens).replace(" ", "") != rest.replace(" ", ""):
        sys.exit(f"unread part in leaf {text!r}: {tokens}")
    for t in tokens:
        if t == "✗":
            not_used = True
        elif t.startswith("✗@"):
            unused_attrs.append(t[2:])
        elif t.startswith("∈cl"):
            value_list = f"Some({t[3:]})"
        else:
            m2 = re.fullmatch(r"@(\w+)( req)?(?:∈cl(\d+))?", t)
            if m2.group(2):
                required.append(m2.group(1))
            if m2.group(3):
                attr_lists.append((m2.group(1), m2.group(3)))
    attrs = lambda xs: "&[" + ", ".join(f'"{x}"' for x in xs) + "]"
    lists = "&[" + ", ".join(f'("{a}", {n})' for a, n in attr_lists) + "]"
    return (
        f"Leaf {{ child: {step(child)}, not_used: {str(not_used).lower()}, "
        f"unused_attrs: {attrs(unused_attrs)}, required_attrs: {attrs(required)}, "
        f"value_list: {value_list}, attr_lists: {lists} }}"
    )


def card(text):
    m = re.fullmatch(r"(.+?)(=|≤|≥)(\d+)", text)
    if not m:
        sys.exit(f"cannot read cardinality {text!r}")
    op = {"=": "Exactly", "≤": "AtMost", "≥": "AtLeast"}[m.group(2)]
    return f"Card {{ child: {step(m.group(1))}, op: Op::{op}, n: {m.group(3)} }}"


ICD_WITHOUT = re.compile(r"without ((?:\d{4}, )*\d{4})$")


def code_list(desc):
    """An Appendix C description -> Rust `List` expression."""
    d = desc.strip()
    if d.startswith("{"):
        values = [v.strip() for v in d.strip("{}").split(",")]
        return "List::Values(&[" + ", ".join(f'"{v}"' for v in values) + "])"
    without = re.search(r"without ([0-9A-Z, ]+?)(?:;|$)", d)
    plus = re.search(r"plus ([A-Z, ]+)$", d)
    rm = [v.strip() for v in without.group(1).split(",")] if without else []
    add = [v.strip() for v in plus.group(1).split(",")] if plus else []
    if d.startswith("ICD + BY, SE"):
        base, add = "ICD", ["BY", "SE"]
    elif d.startswith("UNCL 5153 without VAT"):
        extra = ', "VAT"' if "plus VAT" in d else ""
        return f"List::TaxCodes{'WithVat' if extra else ''}"
    elif d.startswith("UNTDID 2005 subset {5, 29, 72}"):
        return 'List::Values(&["5", "29", "72"])'
    elif d.startswith("INCOTERMS"):
        return "List::Incoterms"
    elif d.startswith("integers 1..119"):
        return "List::Range(1, 119)"
    elif d.startswith("line sub-type"):
        return 'List::Values(&["DETAIL", "GROUP", "INFORMATION"])'
    else:
        bases = [
            ("UNTDID 1001", "DOCUMENT_TYPES_CII"), ("UNTDID 4451", "TEXT_SUBJECTS_CII"),
            ("ISO 6523 ICD", "ICD"), ("ISO 3166-1", "COUNTRIES_UBL"), ("EAS", "EAS"),
            ("ISO 4217", "CURRENCIES"), ("UNTDID 4461", "PAYMENT_MEANS"),
            ("UNCL 5305", "VAT_CATEGORIES"), ("VATEX", "VATEX"), ("UNTDID 5189", "ALLOWANCE_REASONS"),
            ("UNTDID 7161", "CHARGE_REASONS"), ("UNTDID 7143", "ITEM_CLASSIFICATIONS"),
            ("UN/ECE Rec 20/21", "UNITS"), ("UNTDID 1153", "REFERENCE_QUALIFIERS"),
            ("ISO 639-2", "LANGUAGES"),
        ]
        base = next((b for p, b in bases if d.startswith(p)), None)
        if base is None:
            sys.exit(f"unknown code list {d!r}")
        if base == "REFERENCE_QUALIFIERS" and "CONTRAT" in d:
            add = ["CONTRAT", "MARCHE"]
        if base == "VAT_CATEGORIES" and d.endswith("without B"):
            rm = ["B"]
    q = lambda xs: "&[" + ", ".join(f'"{x}"' for x in xs) + "]"
    return f"List::Modified {{ base: &codelists::{base}, without: {q(rm)}, plus: {q(add)} }}"


def section(text, start, end):
    i = text.index(start)
    j = text.index(end, i + 1) if end else len(text)
    return text[i:j]


def main():
    text = Path(sys.argv[1]).read_text(encoding="utf-8")
    appendix_b = section(text, "## Appendix B.", "## Appendix C.")
    appendix_c = section(text, "## Appendix C.", "## Appendix D.")
    out = [
        "//! Generated by `gen/structure_table.py` from Appendix B and C of",
        "//! `rules-catalogue-profiles.md`: the Factur-X structural checks of each profile,",
        "//! one context per absolute element path, and each profile's code lists. Do not",
        "//! edit by hand; rerun the script.",
        "",
        "use super::structure::{Card, Context, Leaf, List, Ns, Op, Pred, Step};",
        "use crate::ingest::validate::codelists;",
        "",
    ]
    for b_sec, c_sec, name in PROFILES:
        heads = [h for h in ["### B.1", "### B.2", "### B.3"]]
        idx = heads.index("### " + b_sec)
        body = section(appendix_b, heads[idx], heads[idx + 1] if idx + 1 < len(heads) else None)
        contexts = []
        for line in body.splitlines():
            m = re.match(r"- `([^`]+)`: (.*)$", line)
            if not m:
                continue
            path, rest = m.group(1), m.group(2)
            own, _, leaves = rest.partition("·")
            cards = [card(c) for c in split_top(own, ",")]
            leafs = [leaf(l) for l in split_top(leaves, ";")]
            steps = path_steps(path)
            contexts.append(
                "    Context {\n        path: &[" + ", ".join(steps) + "],\n"
                "        cards: &[" + ", ".join(cards) + "],\n"
                "        leaves: &[" + ", ".join(leafs) + "],\n    },"
            )
        out.append(f"/// The {name} structural contexts ({len(contexts)}).")
        out.append(f"pub(super) static {name}: &[Context] = &[")
        out.extend(contexts)
        out.append("];")
        out.append("")
        c_body = section(appendix_c, "### " + c_sec, "### C." + str(int(c_sec[-1]) + 1) if c_sec != "C.3" else None)
        lists = []
        for line in c_body.splitlines():
            m = re.match(r"\| (\d+) \| \d+ \| (.+?) \| `", line)
            if m:
                lists.append((int(m.group(1)), code_list(m.group(2))))
        if [n for n, _ in lists] != list(range(1, len(lists) + 1)):
            sys.exit(f"{c_sec}: code lists not numbered 1..n")
        out.append(f"/// The {name} code lists, `cl` 1 to {len(lists)} (index 0 is cl 1).")
        out.append(f"pub(super) static {name}_LISTS: &[List] = &[")
        out.extend(f"    {expr}," for _, expr in lists)
        out.append("];")
        out.append("")
    (HERE.parent / "structure_table.rs").write_text("\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    main()

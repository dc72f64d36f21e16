#!/usr/bin/env python3
"""Generates the data tables of the EN 16931 syntax-binding rules from the catalogue.

Reads §2.6 (UBL-SR, UBL-DT, UBL-CR) and §2.7 (CII-SR, CII-DT) of
`rules-catalogue.md` and writes `ubl/syntax_table.rs` and `cii/syntax_table.rs`
next to this folder. Only rules of the simple shapes go to the tables (an element
or attribute that must be absent, at most once, exactly once, or present); every
other rule id must be listed in HAND below and is written by hand in
`{ubl,cii}/syntax.rs`. The script fails when a catalogue entry is neither simple
nor listed, so no rule can be silently dropped.

Rerun after a catalogue update, from the repository root:

    python3 src/ingest/validate/en16931/gen/syntax_table.py \
        /work/shared/reference/rules-catalogue.md
    cargo fmt
"""

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Rules written by hand in {ubl,cii}/syntax.rs: predicates, value tests, counts other
# than the four table kinds, or contexts the table language does not express.
HAND = {
    # UBL-SR with predicates, value comparisons or "at most two".
    "UBL-SR-04", "UBL-SR-12", "UBL-SR-13", "UBL-SR-18", "UBL-SR-19", "UBL-SR-20",
    "UBL-SR-21", "UBL-SR-29", "UBL-SR-30", "UBL-SR-31", "UBL-SR-42", "UBL-SR-43",
    "UBL-SR-44", "UBL-SR-47", "UBL-SR-53",
    # UBL-DT: decimals, binary objects, attributes anywhere in the document.
    "UBL-DT-01", "UBL-DT-06", "UBL-DT-07", "UBL-DT-08", "UBL-DT-09", "UBL-DT-10",
    "UBL-DT-11", "UBL-DT-12", "UBL-DT-13", "UBL-DT-14", "UBL-DT-15", "UBL-DT-16",
    "UBL-DT-17", "UBL-DT-18", "UBL-DT-19", "UBL-DT-20", "UBL-DT-21", "UBL-DT-22",
    "UBL-DT-23", "UBL-DT-24", "UBL-DT-25", "UBL-DT-26", "UBL-DT-27", "UBL-DT-28",
    # UBL-CR with conditions, and the attribute-anywhere one.
    "UBL-CR-002", "UBL-CR-412", "UBL-CR-663", "UBL-CR-665", "UBL-CR-666", "UBL-CR-673",
    # CII-SR with conditions.
    "CII-SR-046", "CII-SR-090", "CII-SR-119", "CII-SR-449", "CII-SR-450", "CII-SR-451",
    "CII-SR-457", "CII-SR-458", "CII-SR-462", "CII-SR-465", "CII-SR-466", "CII-SR-467",
    "CII-SR-468", "CII-SR-470", "CII-SR-474", "CII-SR-475", "CII-SR-476",
    # CII-DT with exceptions, value tests, or never evaluated (shadowed).
    "CII-DT-010", "CII-DT-011", "CII-DT-012", "CII-DT-015", "CII-DT-018", "CII-DT-021",
    "CII-DT-022", "CII-DT-024", "CII-DT-027", "CII-DT-033", "CII-DT-037", "CII-DT-041",
    "CII-DT-052", "CII-DT-054", "CII-DT-058", "CII-DT-097", "CII-DT-098",
}

# Entries whose catalogue wording is prose around a simple shape.
OVERRIDES = {
    "CII-SR-454": ("ExactlyOne", "ram:ApplicableTradeTax"),
    "CII-SR-455": ("AtMostOne", "ram:SellerTradeParty/ram:DefinedTradeContact"),
    "CII-SR-456": ("AtMostOne", "ram:BuyerTradeParty/ram:DefinedTradeContact"),
}

# Catalogue contexts written as XPath predicates, in the table's pattern language
# (`ns:*Suffix` = any local name ending with Suffix, `*:` = any namespace,
# `except` = first-match shadowing by an earlier rule of the same pattern).
CII_IDS = ("$CTX/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID | $DOC/ram:ID"
           " | $LINE/ram:AssociatedDocumentLineDocument/ram:LineID"
           " | $LINE/ram:SpecifiedTradeProduct/ram:SellerAssignedID")
CII_CONTEXTS = {
    "//*[ends-with(name(), 'DocumentContextParameter')]": "//*:*DocumentContextParameter",
    "//ram:*[ends-with(name(), 'ID')]": "//ram:*ID except (" + CII_IDS + ")",
    "//ram:*[ends-with(name(), 'ReferencedDocument')]": "//ram:*ReferencedDocument",
    "//ram:*[ends-with(name(), 'Amount') and not (self::ram:TaxTotalAmount)]":
        "//ram:*Amount except (//ram:TaxTotalAmount)",
    "//ram:*[ends-with(name(), 'Quantity')]": "//ram:*Quantity",
    "//ram:*[ends-with(name(), 'TradeTax')]": "//ram:*TradeTax",
}

LINE = "(cac:InvoiceLine|cac:CreditNoteLine)"
SIMPLE = re.compile(r"^(?:(at most one|exactly one) )?`(∃ )?([^`\[\] ]+)`$")


def section(text, start, end):
    a = text.index(start)
    return text[a:text.index(end, a)]


def rows(block):
    for line in block.splitlines():
        if line.startswith("| ") and not line.startswith("| Id") and not line.startswith("| Context") \
                and not line.startswith("| Path prefix"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            yield [c.replace("\\|", "|") for c in cells]


def kind_of(quant, exists):
    if exists:
        return "Required"
    return {None: "Absent", "at most one": "AtMostOne", "exactly one": "ExactlyOne"}[quant]


def ubl(text):
    out, seen = [], set()
    for rid, flag, cond, ctx in rows(section(text, "#### 2.6.1", "#### 2.6.2")):
        seen.add(rid)
        m = SIMPLE.match(cond)
        ctx = ctx.strip("`")
        if rid in HAND:
            continue
        if not m or not m.group(1) and not m.group(2) or "[" in ctx:
            sys.exit(f"{rid}: not simple and not in HAND: {cond!r} at {ctx!r}")
        out.append((rid, flag, kind_of(m.group(1), m.group(2)), ctx, m.group(3)))
    for prefix, entries in rows(section(text, "#### 2.6.2", "### 2.7")):
        p = prefix.strip()
        if p in ("(root)", "(special)"):
            base = ""
        elif p == "`/`":
            base = "//"
        elif p.startswith("(L)"):
            rest = p[3:].strip()
            base = LINE + "/" + (rest + "/" if rest else "")
        else:
            base = p.strip("`") + "/"
        for entry in entries.split("; "):
            m = re.match(r"^(UBL-CR-\d+) (.*)$", entry.strip())
            rid, body = m.group(1), m.group(2).replace("**(fatal)**", "").strip()
            seen.add(rid)
            if rid in HAND:
                continue
            e = re.match(r"^`([^`]+)`$", body)
            if not e or p == "(special)":
                sys.exit(f"{rid}: not simple and not in HAND: {body!r}")
            out.append((rid, "W", "Absent", "$ROOT", base + e.group(1)))
    return out, seen


def cii(text):
    out, seen = [], set()
    for ctx, flag, entries in rows(section(text, "### 2.7", "### 2.8")):
        ctx = ctx.split(" — ")[0].strip().strip("`")
        ctx = CII_CONTEXTS.get(ctx, ctx)
        for entry in entries.split("; "):
            m = re.match(r"^(CII-(?:SR|DT)-\d+) (.*?)( \(F\))?$", entry.strip())
            rid, body, fatal = m.group(1), m.group(2), m.group(3)
            seen.add(rid)
            if rid in HAND:
                continue
            sev = "F" if flag == "F" or (flag == "mixed" and fatal) else "W"
            if rid in OVERRIDES:
                kind, path = OVERRIDES[rid]
            else:
                s = SIMPLE.match(body)
                if not s or "ends-with" in ctx or "[" in ctx:
                    sys.exit(f"{rid}: not simple and not in HAND: {body!r} at {ctx!r}")
                kind, path = kind_of(s.group(1), s.group(2)), s.group(3)
            out.append((rid, sev, kind, ctx, path))
    return out, seen


def write(path, title, rows_, family):
    lines = [
        f"//! {title}: the rules that are only a path and a cardinality, as data.",
        "//!",
        "//! GENERATED by `../gen/syntax_table.py` from the rules catalogue (§2.6/§2.7);",
        "//! do not edit by hand, rerun the script (its docstring says how). One line per",
        "//! rule: static name = id, severity, kind, context pattern, path from the context.",
        "//! The pattern language is described in `../table/mod.rs`.",
        "",
        "crate::ingest::validate::en16931::table::structure_rules! {",
    ]
    for rid, flag, kind, ctx, p in rows_:
        sev = "Fatal" if flag == "F" else "Warning"
        name = rid.replace("-", "_")
        lines.append(f'    {name} = "{rid}", {sev}, {kind}, "{ctx}", "{p}";')
    lines.append("}")
    path.write_text("\n".join(lines) + "\n")
    print(f"{path}: {len(rows_)} {family} rules", file=sys.stderr)


def main():
    text = Path(sys.argv[1] if len(sys.argv) > 1 else
                "/work/shared/reference/rules-catalogue.md").read_text()
    u, useen = ubl(text)
    c, cseen = cii(text)
    for name, seen in (("UBL", useen), ("CII", cseen)):
        missing = {h for h in HAND if h.startswith(name)} - seen
        if missing:
            sys.exit(f"HAND lists ids absent from the catalogue: {sorted(missing)}")
        print(f"{name}: {len(seen)} ids in the catalogue", file=sys.stderr)
    write(HERE.parent / "ubl" / "syntax_table.rs", "UBL-SR and UBL-CR (UBL)", u, "UBL")
    write(HERE.parent / "cii" / "syntax_table.rs", "CII-SR and CII-DT (CII)", c, "CII")


if __name__ == "__main__":
    main()

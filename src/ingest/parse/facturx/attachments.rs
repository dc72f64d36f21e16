//! The file specifications a PDF attaches at document level: the catalog's
//! `/Names /EmbeddedFiles` name tree and its `/AF` (associated files) array.
//!
//! The name tree comes from the file, so the walk is bounded: a depth, a node count
//! and a set of visited objects, because a crafted tree can nest deeply, fan out
//! widely or point back at itself.

use std::collections::HashSet;

use lopdf::{Dictionary, Document, Object, ObjectId, Stream, decode_text_string};

/// The names Factur-X, ZUGFeRD 2.x and XRechnung give the invoice XML, in order of
/// preference; compared without regard to case.
const INVOICE_NAMES: [&str; 3] = ["factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml"];

/// Deepest name-tree node accepted (the root is depth 0). Real trees have one or two
/// levels; the bound only stops a crafted chain of `/Kids`.
pub(super) const MAX_DEPTH: usize = 32;
/// Most name-tree nodes visited, so a wide tree cannot make the walk expensive.
const MAX_NODES: usize = 10_000;
/// Most files listed: an invoice has a handful of attachments.
const MAX_ATTACHMENTS: usize = 10_000;

/// One attached file specification.
#[derive(Debug)]
pub(super) struct Attachment<'d> {
    /// The object holding the specification, when it is indirect (used to list an
    /// attachment found both in the name tree and in `/AF` once).
    id: Option<ObjectId>,
    spec: &'d Dictionary,
    /// `/UF` then `/F`, decoded as PDF text strings, where present.
    names: Vec<String>,
    /// The name-tree key, shown only when the specification names no file.
    key: Option<String>,
}

impl<'d> Attachment<'d> {
    pub(super) fn is_invoice(&self) -> bool {
        self.names.iter().any(|name| is_invoice_name(name))
    }

    /// Position of the best accepted name in [`INVOICE_NAMES`]; lower is preferred.
    pub(super) fn rank(&self) -> usize {
        self.names
            .iter()
            .filter_map(|name| {
                INVOICE_NAMES
                    .iter()
                    .position(|known| name.eq_ignore_ascii_case(known))
            })
            .min()
            .unwrap_or(INVOICE_NAMES.len())
    }

    pub(super) fn display_name(&self) -> String {
        let name = self
            .names
            .first()
            .or(self.key.as_ref())
            .map_or("(unnamed)", String::as_str);
        format!("{name:?}")
    }

    /// The embedded file stream: `/EF /F`, else `/EF /UF`.
    pub(super) fn embedded_stream(&self, doc: &'d Document) -> Option<&'d Stream> {
        let ef = self.spec.get(b"EF").ok()?;
        let ef = deref(doc, ef)?.1.as_dict().ok()?;
        [b"F".as_slice(), b"UF"].into_iter().find_map(|key| {
            let (_, object) = deref(doc, ef.get(key).ok()?)?;
            object.as_stream().ok()
        })
    }
}

/// Whether `name` is one of the accepted invoice attachment names.
pub(super) fn is_invoice_name(name: &str) -> bool {
    INVOICE_NAMES
        .iter()
        .any(|known| name.eq_ignore_ascii_case(known))
}

/// Every file specification of the name tree, then those of `/AF` not already seen.
///
/// Errors (cycles, bounds) describe a structure that cannot be trusted, so the caller
/// reports the PDF as unreadable rather than as lacking an XML.
pub(super) fn collect(doc: &Document) -> Result<Vec<Attachment<'_>>, String> {
    let catalog = doc
        .catalog()
        .map_err(|err| format!("no document catalog: {err}"))?;
    let mut found = Vec::new();

    let embedded_files = catalog
        .get(b"Names")
        .ok()
        .and_then(|names| deref(doc, names))
        .and_then(|(_, names)| names.as_dict().ok())
        .and_then(|names| names.get(b"EmbeddedFiles").ok());
    if let Some(root) = embedded_files {
        walk_name_tree(doc, root, &mut found)?;
    }

    let associated = catalog
        .get(b"AF")
        .ok()
        .and_then(|af| deref(doc, af))
        .and_then(|(_, af)| af.as_array().ok());
    // The invoice's specification is normally in both places; list it once.
    let mut seen: HashSet<ObjectId> = found.iter().filter_map(|a| a.id).collect();
    for spec in associated.into_iter().flatten() {
        let Some(attachment) = attachment(doc, spec, None) else {
            continue;
        };
        if attachment.id.is_some_and(|id| !seen.insert(id)) {
            continue;
        }
        if found.len() >= MAX_ATTACHMENTS {
            return Err(format!(
                "the PDF attaches more than {MAX_ATTACHMENTS} files"
            ));
        }
        found.push(attachment);
    }
    Ok(found)
}

/// Walks a name tree depth-first in key order: leaves hold `/Names [key value ...]`,
/// intermediate nodes hold `/Kids [node ...]`.
fn walk_name_tree<'d>(
    doc: &'d Document,
    root: &'d Object,
    found: &mut Vec<Attachment<'d>>,
) -> Result<(), String> {
    let mut visited: HashSet<ObjectId> = HashSet::new();
    let mut nodes = 0usize;
    // A stack of (node, depth); kids are pushed in reverse so they pop in order.
    let mut stack = vec![(root, 0usize)];

    while let Some((node, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(format!(
                "the embedded-files name tree is deeper than {MAX_DEPTH} levels"
            ));
        }
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(format!(
                "the embedded-files name tree has more than {MAX_NODES} nodes"
            ));
        }
        let Some((id, node)) = deref(doc, node) else {
            continue;
        };
        if let Some(id) = id
            && !visited.insert(id)
        {
            return Err(format!(
                "the embedded-files name tree reaches object {} {} twice (a cycle)",
                id.0, id.1
            ));
        }
        let Ok(node) = node.as_dict() else {
            continue;
        };

        if let Some(pairs) = node
            .get(b"Names")
            .ok()
            .and_then(|names| deref(doc, names))
            .and_then(|(_, names)| names.as_array().ok())
        {
            for pair in pairs.chunks(2) {
                let [key, spec] = pair else { continue };
                let key = deref(doc, key).and_then(|(_, key)| text(key));
                if let Some(attachment) = attachment(doc, spec, key) {
                    if found.len() >= MAX_ATTACHMENTS {
                        return Err(format!(
                            "the embedded-files name tree lists more than {MAX_ATTACHMENTS} files"
                        ));
                    }
                    found.push(attachment);
                }
            }
        }
        if let Some(kids) = node
            .get(b"Kids")
            .ok()
            .and_then(|kids| deref(doc, kids))
            .and_then(|(_, kids)| kids.as_array().ok())
        {
            stack.extend(kids.iter().rev().map(|kid| (kid, depth + 1)));
        }
    }
    Ok(())
}

/// A file specification, if `spec` is a dictionary (a bare string names an external
/// file, which embeds nothing).
fn attachment<'d>(
    doc: &'d Document,
    spec: &'d Object,
    key: Option<String>,
) -> Option<Attachment<'d>> {
    let (id, spec) = deref(doc, spec)?;
    let spec = spec.as_dict().ok()?;
    let names = [b"UF".as_slice(), b"F"]
        .into_iter()
        .filter_map(|field| {
            let (_, value) = deref(doc, spec.get(field).ok()?)?;
            text(value)
        })
        .collect();
    Some(Attachment {
        id,
        spec,
        names,
        key,
    })
}

/// A PDF text string: UTF-16BE or UTF-8 with a byte-order mark, PDFDocEncoding
/// otherwise.
fn text(object: &Object) -> Option<String> {
    decode_text_string(object).ok()
}

/// Follows references; `None` for a dangling one or a reference chain that lopdf
/// refuses as too long.
fn deref<'d>(doc: &'d Document, object: &'d Object) -> Option<(Option<ObjectId>, &'d Object)> {
    doc.dereference(object).ok()
}

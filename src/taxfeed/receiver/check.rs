//! The receiver's checks of one flow, as the PPF's exchange system makes them
//! (specs-externes §3.4.2-3.4.4): the envelope's name, the archive (readable, within
//! the size and count limits, plain files with well-formed names), and each file
//! against its official XSD. Each failure is an `IRR_*` reason; any reason makes the
//! flow unreceivable (501).

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use flate2::read::GzDecoder;

use crate::taxfeed::ack::Reason;
use crate::taxfeed::flow::{FlowName, InterfaceCode, MAX_FILE_BYTES, MAX_FLOW_BYTES};

/// The official schemas, found under the reference directory (`../shared/reference`).
#[derive(Clone, Debug)]
pub struct Schemas {
    pub reference: PathBuf,
}

/// Which schema a file is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Xsd {
    F1BaseUblInvoice,
    F1BaseUblCreditNote,
    F1FullUblInvoice,
    F1FullUblCreditNote,
    F1BaseCii,
    F1FullCii,
    Cdar,
    F10,
}

impl Schemas {
    fn path(&self, xsd: Xsd) -> PathBuf {
        let f1 = self.reference.join("dgfip/xsd-f1");
        match xsd {
            Xsd::F1BaseUblInvoice => f1.join("F1_BASE_UBL_2.1/F1BASE_UBL-invoice-2.1.xsd"),
            Xsd::F1BaseUblCreditNote => f1.join("F1_BASE_UBL_2.1/F1BASE_UBL-CreditNote-2.1.xsd"),
            Xsd::F1FullUblInvoice => f1.join("F1_FULL_UBL_2.1/F1FULL_UBL_invoice-2.1.xsd"),
            Xsd::F1FullUblCreditNote => f1.join("F1_FULL_UBL_2.1/F1FULL_UBL_CreditNote-2.1.xsd"),
            Xsd::F1BaseCii => f1.join(
                "F1_BASE_CII_D22B/uncefact/data/standard/F1BASE_CrossIndustryInvoice_100pD22B.xsd",
            ),
            Xsd::F1FullCii => f1.join(
                "F1_FULL_CII_D22B/uncefact/data/standard/F1FULL_CrossIndustryInvoice_100pD22B.xsd",
            ),
            Xsd::Cdar => self
                .reference
                .join("xsd/cdar-d22b/CrossDomainAcknowledgementAndResponse_100pD22B.xsd"),
            Xsd::F10 => self.reference.join("dgfip/xsd-f10/ereporting.xsd"),
        }
    }

    /// The schemas exist and `xmllint` runs: the receiver refuses to start otherwise,
    /// rather than accept flows it did not check.
    pub fn verify(&self) -> Result<(), String> {
        for xsd in [Xsd::F1BaseUblInvoice, Xsd::F1FullCii, Xsd::Cdar, Xsd::F10] {
            let path = self.path(xsd);
            if !path.is_file() {
                return Err(format!("schema {} not found", path.display()));
            }
        }
        let runs = Command::new("xmllint")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !runs {
            return Err("xmllint does not run (apt-get install libxml2-utils)".into());
        }
        Ok(())
    }
}

fn reason(code: &str, file: Option<&str>, detail: impl Into<String>) -> Reason {
    Reason {
        code: code.into(),
        file: file.map(str::to_string),
        detail: Some(detail.into()),
    }
}

/// Reads the envelope name (`<name>.tar.gz`).
pub fn flow_name(file_name: &str) -> Result<FlowName, Reason> {
    let Some(stem) = file_name.strip_suffix(".tar.gz") else {
        return Err(reason(
            "IRR_TYPE",
            None,
            format!("{file_name} is not a .tar.gz"),
        ));
    };
    let interface = stem.split('_').next().unwrap_or("");
    if InterfaceCode::parse(interface).is_none() {
        return Err(reason(
            "IRR_CODE_INTER",
            None,
            format!("unknown interface code {interface:?}"),
        ));
    }
    FlowName::parse(stem)
        .ok_or_else(|| reason("IRR_FORM", None, format!("{stem} is not a valid flow name")))
}

/// Unpacks the archive within the limits; the files in archive order.
pub fn unpack(
    interface: InterfaceCode,
    archive: &[u8],
) -> Result<Vec<(String, Vec<u8>)>, Vec<Reason>> {
    if archive.len() as u64 > MAX_FLOW_BYTES {
        return Err(vec![reason("IRR_TAILLE", None, "flow over 1 GB")]);
    }
    let mut tar = tar::Archive::new(GzDecoder::new(archive));
    let entries = tar
        .entries()
        .map_err(|e| vec![reason("IRR_EXTRAC", None, e.to_string())])?;
    let mut files = Vec::new();
    let mut names = HashSet::new();
    let mut reasons = Vec::new();
    let mut total = 0u64;
    for entry in entries {
        let mut entry = entry.map_err(|e| vec![reason("IRR_EXTRAC", None, e.to_string())])?;
        let name = entry
            .path()
            .ok()
            .and_then(|p| p.to_str().map(str::to_string))
            .unwrap_or_default();
        if !entry.header().entry_type().is_file() {
            reasons.push(reason("IRR_TYPE_F", Some(&name), "not a plain file"));
            continue;
        }
        if name.is_empty() || name.contains('/') || name.contains('\\') || name.starts_with('.') {
            reasons.push(reason("IRR_NOM_F", Some(&name), "not a plain file name"));
            continue;
        }
        let mut content = Vec::new();
        (&mut entry)
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut content)
            .map_err(|e| vec![reason("IRR_EXTRAC", Some(&name), e.to_string())])?;
        total += content.len() as u64;
        if content.len() as u64 > MAX_FILE_BYTES {
            reasons.push(reason("IRR_TAILLE_F", Some(&name), "file over 100 MB"));
            continue;
        }
        if total > MAX_FLOW_BYTES {
            return Err(vec![reason("IRR_TAILLE", None, "flow content over 1 GB")]);
        }
        if !names.insert(name.clone()) {
            reasons.push(reason("IRR_NOM_F", Some(&name), "two files with this name"));
            continue;
        }
        files.push((name, content));
    }
    if files.is_empty() && reasons.is_empty() {
        return Err(vec![reason("IRR_VIDE", None, "the archive holds no file")]);
    }
    if files.len() > interface.max_objects() {
        reasons.push(reason(
            "IRR_TAILLE",
            None,
            format!(
                "{} files, over the {} of interface {}",
                files.len(),
                interface.max_objects(),
                interface.code()
            ),
        ));
    }
    for (name, content) in &files {
        if content.is_empty() {
            reasons.push(reason("IRR_VIDE_F", Some(name), "empty file"));
        }
        if !name.ends_with(".xml") {
            reasons.push(reason("IRR_TYPE_F", Some(name), "not an .xml file"));
        }
        let f1 = matches!(interface, InterfaceCode::F1Ubl | InterfaceCode::F1Cii);
        if f1 && !(name.starts_with("Base_") || name.starts_with("Full_")) {
            reasons.push(reason(
                "IRR_NOM_F",
                Some(name),
                "an F1 file is named Base_… or Full_… (S1.06)",
            ));
        }
    }
    if reasons.is_empty() {
        Ok(files)
    } else {
        Err(reasons)
    }
}

/// The root element's local name, read from the first start tag.
fn root_name(content: &[u8]) -> Option<String> {
    let mut rest = content;
    loop {
        let at = rest.iter().position(|&b| b == b'<')?;
        rest = &rest[at + 1..];
        if matches!(rest.first(), Some(b'?' | b'!')) {
            continue;
        }
        let end = rest
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')?;
        let qname = std::str::from_utf8(&rest[..end]).ok()?;
        return Some(qname.rsplit(':').next().unwrap_or(qname).to_string());
    }
}

fn xsd_for(interface: InterfaceCode, name: &str, content: &[u8]) -> Xsd {
    let base = name.starts_with("Base_");
    let credit_note = root_name(content).as_deref() == Some("CreditNote");
    match interface {
        InterfaceCode::F1Ubl => match (base, credit_note) {
            (true, false) => Xsd::F1BaseUblInvoice,
            (true, true) => Xsd::F1BaseUblCreditNote,
            (false, false) => Xsd::F1FullUblInvoice,
            (false, true) => Xsd::F1FullUblCreditNote,
        },
        InterfaceCode::F1Cii if base => Xsd::F1BaseCii,
        InterfaceCode::F1Cii => Xsd::F1FullCii,
        InterfaceCode::F6Invoice | InterfaceCode::F6MandatoryStatus => Xsd::Cdar,
        InterfaceCode::F10 => Xsd::F10,
    }
}

/// Validates every file against its XSD with `xmllint` (one run per schema, in a
/// scratch directory); an `IRR_SYNTAX` reason per file that does not validate.
pub fn validate(
    schemas: &Schemas,
    interface: InterfaceCode,
    files: &[(String, Vec<u8>)],
    scratch: &Path,
) -> Result<Vec<Reason>, String> {
    std::fs::create_dir_all(scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let mut groups: std::collections::BTreeMap<Xsd, Vec<(&str, PathBuf)>> = Default::default();
    for (name, content) in files {
        let path = scratch.join(name);
        std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
        groups
            .entry(xsd_for(interface, name, content))
            .or_default()
            .push((name, path));
    }
    let mut reasons = Vec::new();
    for (xsd, group) in groups {
        for chunk in group.chunks(200) {
            let out = Command::new("xmllint")
                .arg("--noout")
                .arg("--nonet")
                .arg("--schema")
                .arg(schemas.path(xsd))
                .args(chunk.iter().map(|(_, p)| p))
                .output()
                .map_err(|e| format!("xmllint: {e}"))?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            for (name, path) in chunk {
                let shown = path.display().to_string();
                if !stderr.contains(&format!("{shown} validates")) {
                    let first = stderr
                        .lines()
                        .find(|l| l.starts_with(&shown) && !l.ends_with("fails to validate"))
                        .unwrap_or("does not validate")
                        .to_string();
                    reasons.push(reason("IRR_SYNTAX", Some(name), first));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(scratch);
    Ok(reasons)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_names() {
        assert_eq!(
            flow_name("FFE0111A_FAC001_FAC0010111000000000000001.tar.gz")
                .map(|n| n.sequence)
                .ok(),
            Some(1)
        );
        let code = |n: &str| flow_name(n).err().map(|r| r.code);
        assert_eq!(
            code("FFE0111A_FAC001_FAC0010111000000000000001.zip").as_deref(),
            Some("IRR_TYPE")
        );
        assert_eq!(
            code("FFE9999A_FAC001_FAC0010111000000000000001.tar.gz").as_deref(),
            Some("IRR_CODE_INTER")
        );
        assert_eq!(
            code("FFE0111A_FAC001_XXX0010111000000000000001.tar.gz").as_deref(),
            Some("IRR_FORM")
        );
    }

    #[test]
    fn root_names() {
        assert_eq!(
            root_name(b"<?xml version=\"1.0\"?>\n<!-- c --><ubl:CreditNote xmlns:ubl=\"x\">")
                .as_deref(),
            Some("CreditNote")
        );
        assert_eq!(root_name(b"<Invoice>").as_deref(), Some("Invoice"));
    }

    #[test]
    fn unreadable_or_empty_archives_are_unreceivable() {
        let codes = |r: Result<Vec<(String, Vec<u8>)>, Vec<Reason>>| {
            r.err()
                .map(|rs| rs.into_iter().map(|r| r.code).collect::<Vec<_>>())
        };
        assert_eq!(
            codes(unpack(InterfaceCode::F10, b"not gzip")),
            Some(vec!["IRR_EXTRAC".to_string()])
        );
        let mut empty = tar::Builder::new(Vec::new());
        empty.finish().expect("tar");
        let tar_bytes = empty.into_inner().expect("tar");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar_bytes).expect("gz");
        let archive = gz.finish().expect("gz");
        assert_eq!(
            codes(unpack(InterfaceCode::F10, &archive)),
            Some(vec!["IRR_VIDE".to_string()])
        );
    }
}

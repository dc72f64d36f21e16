//! The tamper-evident chain of an invoice's statuses: what each record's hash covers.
//!
//! A record's hash is SHA-256 over the previous record's hash (64 zeros for the first),
//! the record's own fields and the hash of the invoice's original document. Changing
//! any stored field, removing or reordering a record, or swapping the document breaks
//! the link of that record or of the next one, which `facteur audit verify` reports.
//! Fields are length-prefixed so that no two different records hash the same text.

use sha2::{Digest, Sha256};

/// The previous hash of an invoice's first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of one status record that the chain covers.
#[derive(Clone, Copy, Debug)]
pub struct Link<'a> {
    pub invoice_id: &'a str,
    /// Position in the invoice's history, from 1.
    pub seq: i64,
    pub status: u16,
    pub reasons: &'a [String],
    pub comment: Option<&'a str>,
    /// The matricule of the platform that set it (or on whose behalf facteur did).
    pub set_by: u16,
    pub recorded_at: &'a str,
    pub document_sha256: &'a str,
    pub prev_hash: &'a str,
}

impl Link<'_> {
    /// The record's hash, lower-case hex.
    pub fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        let mut field = |value: &str| {
            hasher.update(value.len().to_string().as_bytes());
            hasher.update(b":");
            hasher.update(value.as_bytes());
            hasher.update(b"\n");
        };
        field("facteur-status-v1");
        field(self.prev_hash);
        field(self.invoice_id);
        field(&self.seq.to_string());
        field(&self.status.to_string());
        field(&self.reasons.len().to_string());
        for reason in self.reasons {
            field(reason);
        }
        match self.comment {
            Some(comment) => {
                field("1");
                field(comment);
            }
            None => field("0"),
        }
        field(&self.set_by.to_string());
        field(self.recorded_at);
        field(self.document_sha256);
        hex(&hasher.finalize())
    }
}

/// Lower-case hex SHA-256 of bytes: the content address of a document.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link<'a>(reasons: &'a [String], comment: Option<&'a str>) -> Link<'a> {
        Link {
            invoice_id: "inv",
            seq: 1,
            status: 200,
            reasons,
            comment,
            set_by: 1,
            recorded_at: "2026-11-28T00:00:00Z",
            document_sha256: "ab",
            prev_hash: GENESIS,
        }
    }

    #[test]
    fn every_field_is_covered_and_fields_do_not_run_together() {
        let base = link(&[], None).hash();
        assert_eq!(base.len(), 64);
        assert_eq!(base, link(&[], None).hash());
        let two = ["A".to_string(), "B".to_string()];
        let one = ["AB".to_string()];
        assert_ne!(link(&two, None).hash(), link(&one, None).hash());
        assert_ne!(link(&[], Some("")).hash(), base);
        let mut other = link(&[], None);
        other.document_sha256 = "ac";
        assert_ne!(other.hash(), base);
        other = link(&[], None);
        other.prev_hash = "1";
        assert_ne!(other.hash(), base);
        other = link(&[], None);
        other.seq = 2;
        assert_ne!(other.hash(), base);
        other = link(&[], None);
        other.set_by = 2;
        assert_ne!(other.hash(), base);
    }

    #[test]
    fn sha256_of_bytes() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

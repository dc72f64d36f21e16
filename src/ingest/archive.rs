//! Batch archives read safely: a zip of up to 100 000 documents, refused with an
//! error naming the problem when it could hurt the reader. Pure (bytes in, documents
//! out) and bounded in memory: the central directory is checked as a whole before
//! anything is inflated, then one document at a time is inflated through a reader
//! capped at the entry limit, so no header is trusted with the memory.
//!
//! Refused: more entries than allowed; an entry whose declared or ACTUAL size exceeds
//! the entry limit; declared or actual sizes adding up past the total limit; an
//! expansion ratio past the bound (for the entry, and for the archive as a whole);
//! entries whose data overlap (the overlapping-entries zip bomb); absolute names,
//! `..` escapes, NUL bytes, symbolic links; duplicate names; encrypted entries;
//! compression methods other than stored and deflate; nested archives (a zip, gzip,
//! 7z, rar, bzip2 or xz inside).

use std::collections::HashSet;
use std::io::{Read, Seek};

use zip::ZipArchive;
use zip::result::ZipError;

/// The bounds an archive must stay within.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Entries in the central directory, directories included.
    pub max_entries: usize,
    /// Uncompressed bytes of one document.
    pub max_entry_bytes: u64,
    /// Uncompressed bytes of all documents together.
    pub max_total_bytes: u64,
    /// Uncompressed / compressed, for an entry or the whole archive, once the
    /// uncompressed side passes [`RATIO_FLOOR`]: invoices compress about 10 to 30
    /// times, zip bombs a thousand times or more.
    pub max_ratio: u64,
}

/// Below this many uncompressed bytes a high ratio cannot hurt, so it is not checked
/// (a small, repetitive XML legitimately compresses a hundredfold).
pub const RATIO_FLOOR: u64 = 1 << 20;

impl Default for ArchiveLimits {
    fn default() -> ArchiveLimits {
        ArchiveLimits {
            max_entries: 100_000,
            max_entry_bytes: 20 << 20,
            max_total_bytes: 4 << 30,
            max_ratio: 200,
        }
    }
}

/// Why an archive (or one of its entries) is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArchiveError {
    #[error("not a readable zip archive: {0}")]
    NotAZip(String),
    #[error("the archive has {count} entries, more than the {max} allowed")]
    TooManyEntries { count: usize, max: usize },
    #[error("the archive holds no document")]
    Empty,
    #[error("entry {name:?} is {size} bytes uncompressed ({how}), more than the {max} allowed")]
    EntryTooLarge {
        name: String,
        size: u64,
        how: SizeSource,
        max: u64,
    },
    #[error("the documents add up to more than {max} bytes uncompressed ({how})")]
    TotalTooLarge { max: u64, how: SizeSource },
    #[error("entry {name:?} expands {ratio} times, more than the {max} allowed (zip bomb?)")]
    EntryRatio { name: String, ratio: u64, max: u64 },
    #[error(
        "the archive expands {ratio} times as a whole, more than the {max} allowed (zip bomb?)"
    )]
    ArchiveRatio { ratio: u64, max: u64 },
    #[error("entry {name:?} overlaps the data of another entry (overlapping-entries zip bomb)")]
    Overlapping { name: String },
    #[error("entry {name:?} has an unsafe name (absolute, `..`, NUL or a symbolic link)")]
    UnsafeName { name: String },
    #[error("entry name {name:?} appears more than once")]
    Duplicate { name: String },
    #[error("entry {name:?} is encrypted")]
    Encrypted { name: String },
    #[error("entry {name:?} uses compression {method}; only stored and deflate are accepted")]
    Compression { name: String, method: String },
    #[error("entry {name:?} is itself an archive ({kind}); nested archives are refused")]
    Nested { name: String, kind: &'static str },
    #[error("entry {name:?} cannot be read: {reason}")]
    Corrupt { name: String, reason: String },
}

/// Whether a size was read from the headers or counted while inflating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeSource {
    Declared,
    Actual,
}

impl std::fmt::Display for SizeSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SizeSource::Declared => "declared",
            SizeSource::Actual => "actual",
        })
    }
}

/// One document of an archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// Its name in the archive (checked safe), e.g. `2026/11/F-0001.xml`.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// An archive whose directory passed every check; documents are read one by one.
pub struct Archive<R> {
    zip: ZipArchive<R>,
    /// Zip indices of the documents (directories skipped), in archive order.
    documents: Vec<usize>,
    limits: ArchiveLimits,
    /// Bytes actually inflated so far: the total limit holds even against lying headers.
    inflated: u64,
}

/// Entry names in errors are cut, so a hostile name cannot flood a log line.
fn shown(name: &str) -> String {
    const MAX: usize = 200;
    match name.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &name[..cut]),
        None => name.to_string(),
    }
}

/// The size of a local file header before its name and extra field.
const LOCAL_HEADER: u64 = 30;

impl<R: Read + Seek> Archive<R> {
    /// Reads and checks the central directory; inflates nothing.
    pub fn open(reader: R, limits: ArchiveLimits) -> Result<Archive<R>, ArchiveError> {
        let zip = ZipArchive::new(reader).map_err(|e| ArchiveError::NotAZip(e.to_string()))?;
        if zip.len() > limits.max_entries {
            return Err(ArchiveError::TooManyEntries {
                count: zip.len(),
                max: limits.max_entries,
            });
        }
        let mut documents = Vec::with_capacity(zip.len());
        let mut names = HashSet::with_capacity(zip.len());
        // (start, lower bound of the end) of each entry's local record.
        let mut extents = Vec::with_capacity(zip.len());
        let mut declared_total: u64 = 0;
        let mut compressed_total: u64 = 0;
        for index in 0..zip.len() {
            let entry = zip
                .by_index_data(index)
                .map_err(|e| ArchiveError::NotAZip(e.to_string()))?;
            let name = entry
                .name()
                .map_err(|e| ArchiveError::NotAZip(e.to_string()))?
                .into_owned();
            if !is_safe_name(&name) || entry.enclosed_name().is_none() || entry.is_symlink() {
                return Err(ArchiveError::UnsafeName { name: shown(&name) });
            }
            if !names.insert(name.clone()) {
                return Err(ArchiveError::Duplicate { name: shown(&name) });
            }
            if entry.encrypted() {
                return Err(ArchiveError::Encrypted { name: shown(&name) });
            }
            extents.push((
                entry.header_start(),
                entry.header_start() + LOCAL_HEADER + name.len() as u64 + entry.compressed_size(),
                index,
            ));
            if entry.is_dir() {
                continue;
            }
            let method = entry.compression();
            if !matches!(
                method,
                zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated
            ) {
                return Err(ArchiveError::Compression {
                    name: shown(&name),
                    method: format!("{method:?}"),
                });
            }
            let size = entry.size();
            if size > limits.max_entry_bytes {
                return Err(ArchiveError::EntryTooLarge {
                    name: shown(&name),
                    size,
                    how: SizeSource::Declared,
                    max: limits.max_entry_bytes,
                });
            }
            check_ratio(&name, size, entry.compressed_size(), limits.max_ratio)?;
            declared_total = declared_total.saturating_add(size);
            compressed_total = compressed_total.saturating_add(entry.compressed_size());
            if declared_total > limits.max_total_bytes {
                return Err(ArchiveError::TotalTooLarge {
                    max: limits.max_total_bytes,
                    how: SizeSource::Declared,
                });
            }
            documents.push(index);
        }
        // The crate keys entries by name, so a repeated name never reaches the loop.
        if zip.has_duplicate_names() {
            return Err(ArchiveError::Duplicate {
                name: "(a repeated name in the central directory)".into(),
            });
        }
        if declared_total > RATIO_FLOOR
            && declared_total / compressed_total.max(1) > limits.max_ratio
        {
            return Err(ArchiveError::ArchiveRatio {
                ratio: declared_total / compressed_total.max(1),
                max: limits.max_ratio,
            });
        }
        // Entries sharing compressed data multiply a small upload into a huge output;
        // honest archives lay entries one after the other.
        extents.sort_unstable();
        for pair in extents.windows(2) {
            let (_, end, _) = pair[0];
            let (next_start, _, next_index) = pair[1];
            if next_start < end {
                let name = zip
                    .name_for_index(next_index)
                    .and_then(Result::ok)
                    .map(|n| shown(&n))
                    .unwrap_or_default();
                return Err(ArchiveError::Overlapping { name });
            }
        }
        if documents.is_empty() {
            return Err(ArchiveError::Empty);
        }
        Ok(Archive {
            zip,
            documents,
            limits,
            inflated: 0,
        })
    }

    /// How many documents the archive holds (directories not counted).
    pub fn len(&self) -> usize {
        self.documents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }

    /// The name of document `n`, without inflating it.
    pub fn name(&self, n: usize) -> Option<String> {
        let index = *self.documents.get(n)?;
        self.zip
            .name_for_index(index)?
            .ok()
            .map(|name| name.into_owned())
    }

    /// Inflates document `n` (0-based, archive order), counting its bytes rather than
    /// trusting its header, and refusing it if it is itself an archive.
    pub fn document(&mut self, n: usize) -> Result<Document, ArchiveError> {
        let index = *self.documents.get(n).ok_or_else(|| ArchiveError::Corrupt {
            name: format!("#{n}"),
            reason: format!("the archive has {} documents", self.documents.len()),
        })?;
        let limits = self.limits;
        let mut entry = self
            .zip
            .by_index(index)
            .map_err(|e| ArchiveError::Corrupt {
                name: format!("#{n}"),
                reason: e.to_string(),
            })?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let compressed = entry.compressed_size();
        let declared = entry.size();
        // One byte past the limit is enough to know it is too large.
        let mut bytes = Vec::with_capacity(declared.min(limits.max_entry_bytes) as usize);
        let read = (&mut entry)
            .take(limits.max_entry_bytes + 1)
            .read_to_end(&mut bytes);
        if let Err(e) = read {
            // The crate stops an entry that inflates past its declared size: a lie.
            let reason = match e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<ZipError>())
            {
                Some(zip_error) => zip_error.to_string(),
                None => e.to_string(),
            };
            return Err(ArchiveError::Corrupt {
                name: shown(&name),
                reason,
            });
        }
        let actual = bytes.len() as u64;
        if actual > limits.max_entry_bytes {
            return Err(ArchiveError::EntryTooLarge {
                name: shown(&name),
                size: actual,
                how: SizeSource::Actual,
                max: limits.max_entry_bytes,
            });
        }
        if actual != declared {
            return Err(ArchiveError::Corrupt {
                name: shown(&name),
                reason: format!("declares {declared} bytes but holds {actual}"),
            });
        }
        check_ratio(&name, actual, compressed, limits.max_ratio)?;
        self.inflated += actual;
        if self.inflated > limits.max_total_bytes {
            return Err(ArchiveError::TotalTooLarge {
                max: limits.max_total_bytes,
                how: SizeSource::Actual,
            });
        }
        if let Some(kind) = archive_kind(&bytes) {
            return Err(ArchiveError::Nested {
                name: shown(&name),
                kind,
            });
        }
        Ok(Document { name, bytes })
    }
}

/// A relative name without `..`, NUL, backslash or drive letter. The crate's
/// `enclosed_name` is checked as well, but it tolerates a leading `/` and inner `..`.
fn is_safe_name(name: &str) -> bool {
    let drive = name.as_bytes().get(1) == Some(&b':');
    !name.is_empty()
        && !name.starts_with('/')
        && !drive
        && !name.contains(['\\', '\0'])
        && name.split('/').all(|part| part != "..")
}

fn check_ratio(name: &str, size: u64, compressed: u64, max: u64) -> Result<(), ArchiveError> {
    let ratio = size / compressed.max(1);
    if size > RATIO_FLOOR && ratio > max {
        return Err(ArchiveError::EntryRatio {
            name: shown(name),
            ratio,
            max,
        });
    }
    Ok(())
}

/// Packs `files` (name, bytes) into a zip, stored without compression: how a
/// multipart upload of several documents becomes one batch archive, read back through
/// the same checks as an uploaded zip.
pub fn pack(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, ArchiveError> {
    use std::io::Write as _;
    let failed = |name: &str, e: &dyn std::fmt::Display| ArchiveError::Corrupt {
        name: shown(name),
        reason: e.to_string(),
    };
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(
            files
                .iter()
                .any(|(_, b)| b.len() as u64 >= u64::from(u32::MAX)),
        );
    for (name, bytes) in files {
        writer
            .start_file(name.as_str(), options)
            .map_err(|e| failed(name, &e))?;
        writer.write_all(bytes).map_err(|e| failed(name, &e))?;
    }
    let cursor = writer.finish().map_err(|e| failed("(archive)", &e))?;
    Ok(cursor.into_inner())
}

/// The archive format `bytes` start with, if any (magic numbers).
fn archive_kind(bytes: &[u8]) -> Option<&'static str> {
    const MAGICS: &[(&[u8], &str)] = &[
        (b"PK\x03\x04", "zip"),
        (b"PK\x05\x06", "zip"),
        (b"PK\x07\x08", "zip"),
        (b"\x1f\x8b", "gzip"),
        (b"7z\xbc\xaf\x27\x1c", "7z"),
        (b"Rar!\x1a\x07", "rar"),
        (b"BZh", "bzip2"),
        (b"\xfd7zXZ\x00", "xz"),
    ];
    MAGICS
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|&(_, kind)| kind)
}

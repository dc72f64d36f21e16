//! The resume journal of `facteur send`: one JSON line per step, written next to the
//! report and flushed to disk before and after each upload. A batch is named by the
//! sha256 of its zip (the packing is deterministic, so a re-run packs the same bytes):
//! `uploading` is written before the upload, `uploaded` with the hub's batch id after
//! its 202. On a re-run, an `uploaded` batch is polled, never sent again; a batch left
//! at `uploading` (the crash fell inside the upload) is sent again, and the hub's
//! recognition of documents by sha256 keeps its invoices from being stored twice.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "lowercase")]
enum Entry {
    Uploading { sha256: String, documents: usize },
    Uploaded { sha256: String, batch_id: String },
}

pub struct Journal {
    path: PathBuf,
    file: File,
    /// Batch id by zip sha256, for the batches the hub acknowledged.
    uploaded: HashMap<String, String>,
}

impl Journal {
    /// Opens (or creates) the journal at `path` and reads what an earlier run did.
    pub fn open(path: &Path) -> anyhow::Result<Journal> {
        let mut uploaded = HashMap::new();
        if path.exists() {
            let reader = BufReader::new(
                File::open(path).with_context(|| format!("cannot read {}", path.display()))?,
            );
            for (n, line) in reader.lines().enumerate() {
                let line = line.with_context(|| format!("cannot read {}", path.display()))?;
                if line.trim().is_empty() {
                    continue;
                }
                // A line cut by a crash can only be the last one; anything else is
                // a journal facteur did not write, and guessing could send twice.
                match serde_json::from_str::<Entry>(&line) {
                    Ok(Entry::Uploaded { sha256, batch_id }) => {
                        uploaded.insert(sha256, batch_id);
                    }
                    Ok(Entry::Uploading { .. }) => {}
                    Err(e) if !line.ends_with('}') => {
                        tracing::warn!(line = n + 1, error = %e, "journal: ignoring a cut last line");
                    }
                    Err(e) => anyhow::bail!(
                        "{} line {}: not a send journal entry: {e}",
                        path.display(),
                        n + 1
                    ),
                }
            }
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        // After a cut last line, start the next entry on a line of its own.
        let cut = std::fs::read(path)
            .map(|bytes| bytes.last().is_some_and(|&b| b != b'\n'))
            .unwrap_or(false);
        if cut {
            file.write_all(b"\n")
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(Journal {
            path: path.to_path_buf(),
            file,
            uploaded,
        })
    }

    /// The hub's batch id if this zip was uploaded by an earlier run.
    pub fn uploaded(&self, sha256: &str) -> Option<&str> {
        self.uploaded.get(sha256).map(String::as_str)
    }

    pub fn uploading(&mut self, sha256: &str, documents: usize) -> anyhow::Result<()> {
        self.append(&Entry::Uploading {
            sha256: sha256.to_string(),
            documents,
        })
    }

    pub fn record_uploaded(&mut self, sha256: &str, batch_id: &str) -> anyhow::Result<()> {
        self.append(&Entry::Uploaded {
            sha256: sha256.to_string(),
            batch_id: batch_id.to_string(),
        })?;
        self.uploaded
            .insert(sha256.to_string(), batch_id.to_string());
        Ok(())
    }

    /// One line, then fsync: the journal must be on disk before the next step.
    fn append(&mut self, entry: &Entry) -> anyhow::Result<()> {
        let mut line = serde_json::to_string(entry)?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("facteur-journal-{name}-{}", std::process::id()))
    }

    #[test]
    fn a_reopened_journal_knows_the_uploaded_batches_only() {
        let path = scratch("reopen");
        let _ = std::fs::remove_file(&path);
        let mut journal = Journal::open(&path).unwrap();
        journal.uploading("aa", 3).unwrap();
        journal.record_uploaded("aa", "b1").unwrap();
        journal.uploading("bb", 3).unwrap();
        drop(journal);
        let journal = Journal::open(&path).unwrap();
        assert_eq!(journal.uploaded("aa"), Some("b1"));
        assert_eq!(
            journal.uploaded("bb"),
            None,
            "an upload without its 202 is sent again"
        );
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_cut_last_line_is_tolerated_but_a_foreign_line_is_refused() {
        let path = scratch("cut");
        std::fs::write(
            &path,
            "{\"step\":\"uploaded\",\"sha256\":\"aa\",\"batch_id\":\"b1\"}\n{\"step\":\"upl",
        )
        .unwrap();
        let mut journal = Journal::open(&path).unwrap();
        assert_eq!(journal.uploaded("aa"), Some("b1"));
        // The next entry is not glued to the cut line.
        journal.record_uploaded("cc", "b2").unwrap();
        drop(journal);
        let journal = Journal::open(&path).unwrap();
        assert_eq!(journal.uploaded("cc"), Some("b2"));
        drop(journal);
        std::fs::write(&path, "{\"hello\":1}\n").unwrap();
        let err = Journal::open(&path).err().unwrap().to_string();
        assert!(err.contains("line 1: not a send journal entry"), "{err}");
        std::fs::remove_file(&path).unwrap();
    }
}

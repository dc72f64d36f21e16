-- Batches: an uploaded archive of documents, processed in the background through the
-- hub's submit, once per document. Lease times are Unix milliseconds.

CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    sender_platform INTEGER NOT NULL,
    -- The zip as uploaded (multipart uploads are packed into one); NULL once every
    -- document has its result, so finished batches do not keep their bytes twice.
    archive BYTEA,
    documents INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    -- The worker holding the batch: a random token and the time its claim lapses.
    lease TEXT,
    leased_until BIGINT
);
CREATE INDEX batches_unfinished ON batches (created_at) WHERE finished_at IS NULL;

-- One row per processed document: written once (the primary key), in the same
-- transaction that renews the worker's lease.
CREATE TABLE batch_results (
    batch_id TEXT NOT NULL REFERENCES batches (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    -- accepted (200), rejected (213) or refused (the archive entry was unreadable).
    outcome TEXT NOT NULL,
    invoice_id TEXT,
    status INTEGER,
    -- JSON array of the reform's reason codes.
    reasons TEXT NOT NULL,
    error TEXT,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (batch_id, position)
);

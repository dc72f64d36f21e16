-- The hub: received documents (content-addressed), invoices, their status chain, the
-- transactional outbox that feeds both the AMQP relay and the embedded inbox.
-- Timestamps are RFC 3339 UTC text; lease and retry times are Unix milliseconds.

-- Original bytes, once per content: an invoice, a CDAR status message.
CREATE TABLE documents (
    sha256 TEXT PRIMARY KEY,
    content BLOB NOT NULL,
    size INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

-- One row per received document, accepted (200) or rejected (213).
CREATE TABLE invoices (
    id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL REFERENCES documents (sha256),
    syntax TEXT NOT NULL,
    invoice_number TEXT,
    issue_date TEXT,
    seller_siren TEXT,
    buyer_siren TEXT,
    recipient_address TEXT,
    sender_platform INTEGER NOT NULL,
    recipient_platform INTEGER,
    status INTEGER NOT NULL,
    -- The 213 findings as JSON: [{"rule", "reason", "message"}].
    failures TEXT NOT NULL,
    received_at TEXT NOT NULL,
    idempotency_key TEXT,
    -- number / year / seller SIREN, set for accepted invoices only: the duplicate guard.
    uniqueness_key TEXT
);
-- The same bytes from the same sender are one submission.
CREATE UNIQUE INDEX invoices_sender_document ON invoices (sender_platform, sha256);
CREATE UNIQUE INDEX invoices_idempotency ON invoices (sender_platform, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX invoices_uniqueness ON invoices (uniqueness_key)
    WHERE uniqueness_key IS NOT NULL;

-- Append-only: each record's hash covers the previous record of the invoice, its own
-- fields and the document's hash (lifecycle::chain).
CREATE TABLE invoice_statuses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id TEXT NOT NULL REFERENCES invoices (id),
    seq INTEGER NOT NULL,
    status INTEGER NOT NULL,
    reasons TEXT NOT NULL,
    comment TEXT,
    set_by INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (invoice_id, seq)
);

-- What must reach a platform: an accepted invoice or a status. The body is the
-- document `sha256` names. Delivered by the relay (AMQP) or the embedded inbox.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    invoice_id TEXT NOT NULL REFERENCES invoices (id),
    platform INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    headers TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES documents (sha256),
    not_before INTEGER NOT NULL,
    leased_until INTEGER,
    lease TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    deliveries INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    published_at TEXT
);
CREATE INDEX outbox_pending ON outbox (platform, id) WHERE published_at IS NULL;
CREATE INDEX outbox_lease ON outbox (lease);

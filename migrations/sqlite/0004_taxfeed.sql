-- The tax feed's durable queue: every object owed to the tax administration (F1, F6,
-- F10) and every flow that carries them, kept until acknowledged (and after, as the
-- record of what was declared). Instants are unix seconds.

CREATE TABLE taxfeed_flows (
    flow_id TEXT PRIMARY KEY,            -- 25 characters, the idempotency key of every attempt
    interface TEXT NOT NULL,             -- FFE0111A, FFE0112A, FFE0614A, FFE1025A
    sequence INTEGER NOT NULL,
    file_name TEXT NOT NULL UNIQUE,
    archive BLOB NOT NULL,               -- the exact bytes sent on every attempt
    size INTEGER NOT NULL,
    object_count INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('ready', 'acknowledged', 'rejected')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_by TEXT,                     -- the pusher holding the lease
    claimed_until INTEGER,
    last_error TEXT,
    ack_status INTEGER,                  -- 500 receivable, 501 unreceivable
    ack_reasons TEXT,
    ack_document TEXT,                   -- the acknowledgement as received
    created_at INTEGER NOT NULL,
    acknowledged_at INTEGER
);

CREATE INDEX taxfeed_flows_due ON taxfeed_flows (state, next_attempt_at);

CREATE TABLE taxfeed_objects (
    object_id TEXT PRIMARY KEY,          -- taxfeed::ObjectId, stable per business object
    kind TEXT NOT NULL CHECK (kind IN ('F1', 'F6', 'F10')),
    interface TEXT NOT NULL,
    source TEXT NOT NULL,                -- the invoice or submission it comes from
    file_name TEXT NOT NULL,
    body BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    due_at INTEGER,
    enqueued_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'packed', 'acknowledged', 'rejected')),
    flow_id TEXT REFERENCES taxfeed_flows (flow_id),
    ack_status INTEGER,                  -- 250/251, 300/301, 601, or the flow's 500/501
    ack_reason TEXT,
    acknowledged_at INTEGER
);

CREATE INDEX taxfeed_objects_pending ON taxfeed_objects (state, interface, enqueued_at);
CREATE INDEX taxfeed_objects_flow ON taxfeed_objects (flow_id);

-- One row per interface: the next flow sequence (the 15 digits of the flow id).
CREATE TABLE taxfeed_sequences (
    interface TEXT PRIMARY KEY,
    next_sequence INTEGER NOT NULL
);

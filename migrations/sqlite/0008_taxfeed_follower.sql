-- The tax feed follows the hub: a durable cursor over the status records (every
-- accepted invoice has its 200, every rejected one its 213), the e-reporting records
-- (F10 data) waiting for their period to close, the periods already transmitted, the
-- declarants' VAT regimes, and what could not be extracted (kept, never dropped).
-- Instants are unix seconds; dates are YYYY-MM-DD.

-- One row per follower. On SQLite a status id is taken inside the single writer's
-- transaction, so ids become visible in order and the cursor is the last id followed
-- (txid stays 0; it is PostgreSQL's transaction id of that record).
CREATE TABLE taxfeed_cursors (
    name TEXT PRIMARY KEY,
    txid INTEGER NOT NULL,
    status_id INTEGER NOT NULL,
    lease TEXT,                          -- the instance holding the follower
    leased_until INTEGER,
    followed INTEGER NOT NULL DEFAULT 0  -- status records followed so far
);
INSERT INTO taxfeed_cursors (name, txid, status_id) VALUES ('hub', 0, 0);

-- The declarants known to the feed: their VAT regime sets their reporting periods.
CREATE TABLE taxfeed_declarants (
    siren TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    regime TEXT NOT NULL CHECK (regime IN ('NormalMonthly', 'NormalQuarterly', 'Simplified', 'Franchise')),
    vat_option_code TEXT,
    updated_at INTEGER NOT NULL
);

-- One e-reporting record: a 10.1 invoice (from the hub), a B2C transaction, an
-- invoice payment (10.2) or a B2C payment (10.4), filed under its declarant, role,
-- kind and period. A period's transmission is rebuilt from all its rows; the rows
-- it carried are marked with its sequence, so a row still unmarked is data the PPF has
-- not seen (a flag rather than an id watermark: on PostgreSQL ids commit out of order).
CREATE TABLE taxfeed_ereporting_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_key TEXT NOT NULL UNIQUE,     -- the same record twice is stored once
    declarant_siren TEXT NOT NULL,
    declarant_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('SE', 'BY')),
    regime TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('transactions', 'payments')),
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    record_type TEXT NOT NULL CHECK (record_type IN ('invoice', 'b2c_transaction', 'invoice_payment', 'b2c_payment')),
    body TEXT NOT NULL,                  -- JSON; for 'invoice', the hub invoice and its document
    source TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    transmitted_sequence INTEGER        -- NULL until a transmission carries it
);
CREATE INDEX taxfeed_ereporting_period ON taxfeed_ereporting_records
    (declarant_siren, role, kind, period_start, id);
CREATE INDEX taxfeed_ereporting_untransmitted ON taxfeed_ereporting_records (period_end)
    WHERE transmitted_sequence IS NULL;

-- The last transmission of each period (its sequence: 1 initial, then corrective).
CREATE TABLE taxfeed_ereporting_periods (
    declarant_siren TEXT NOT NULL,
    role TEXT NOT NULL,
    kind TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    records INTEGER NOT NULL,
    object_id TEXT NOT NULL,
    transmitted_at INTEGER NOT NULL,
    PRIMARY KEY (declarant_siren, role, kind, period_start)
);

-- A status record the follower could not turn into what it owes (an F1 that cannot
-- be extracted, a 210 without a reason): kept for the operator, with the reason.
CREATE TABLE taxfeed_follow_problems (
    status_id INTEGER NOT NULL,
    invoice_id TEXT NOT NULL,
    status INTEGER NOT NULL,
    problem TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (status_id, problem)
);

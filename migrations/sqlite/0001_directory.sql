-- The directory (annuaire): platforms, legal units, establishments, routing codes and
-- directory lines. Dates are days since 1970-01-01 (INTEGER), timestamps RFC 3339 UTC.
-- Lines are never deleted: a change inserts a new version and sets superseded_by.

CREATE TABLE platforms (
    matricule INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'PDP',
    inactive_from INTEGER,
    created_at TEXT NOT NULL
);

CREATE TABLE platform_credentials (
    token_hash TEXT PRIMARY KEY,
    matricule INTEGER NOT NULL REFERENCES platforms (matricule),
    created_at TEXT NOT NULL
);

CREATE TABLE legal_units (
    id INTEGER PRIMARY KEY,
    siren TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    entity_type TEXT NOT NULL DEFAULT 'Privée assujettie',
    state TEXT NOT NULL DEFAULT 'A',
    created_at TEXT NOT NULL
);

CREATE TABLE establishments (
    id INTEGER PRIMARY KEY,
    siret TEXT NOT NULL,
    siren TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'S',
    state TEXT NOT NULL DEFAULT 'A',
    created_at TEXT NOT NULL
);

CREATE TABLE routing_codes (
    id INTEGER PRIMARY KEY,
    siret TEXT NOT NULL,
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    code_type TEXT NOT NULL DEFAULT '0224',
    state TEXT NOT NULL DEFAULT 'A',
    nature TEXT NOT NULL DEFAULT 'Privé',
    legal_commitment BOOLEAN NOT NULL DEFAULT FALSE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (siret, code)
);

CREATE TABLE lines (
    id INTEGER PRIMARY KEY,
    addressing_id TEXT NOT NULL,
    siren TEXT NOT NULL,
    siret TEXT,
    routing_code TEXT,
    suffix TEXT,
    matricule INTEGER NOT NULL,
    start_day INTEGER NOT NULL,
    end_day INTEGER,
    effective_end INTEGER,
    nature TEXT NOT NULL,
    masked BOOLEAN NOT NULL DEFAULT FALSE,
    superseded_by INTEGER,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Secondary indexes are separate statements (not column constraints) so that a bulk
-- load into an empty directory can drop them and build them once at the end
-- (storage::bulk); storage recreates any that are missing when it connects.
CREATE UNIQUE INDEX legal_units_siren ON legal_units (siren);
CREATE UNIQUE INDEX establishments_siret ON establishments (siret);

-- The natural key of a current definition: what makes a re-import idempotent.
CREATE UNIQUE INDEX lines_current_definition ON lines (addressing_id, start_day)
    WHERE superseded_by IS NULL AND nature = 'D';
-- Every version of an addressing identifier; also serves SIREN searches by prefix.
CREATE INDEX lines_addressing ON lines (addressing_id);

INSERT INTO platforms (matricule, name, kind, inactive_from, created_at) VALUES
    (9997, 'Chorus Pro (émission)', 'PPF', NULL, '2026-01-01T00:00:00Z'),
    (9998, 'Portail public de facturation', 'PPF', NULL, '2026-01-01T00:00:00Z'),
    (9999, 'Chorus Pro (réception)', 'PPF', NULL, '2026-01-01T00:00:00Z');

-- Accounts (issue #8): users, structures and services linked to the directory, grants,
-- access requests and their decisions, sessions, technical accounts, password-reset
-- tokens, sign-in lock-out, and the append-only audit trail.
-- Instants are Unix seconds (INTEGER). Tokens are stored only as SHA-256 hex digests,
-- passwords only as Argon2id PHC strings.

CREATE TABLE acc_users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    -- The lower-cased email: what makes an email unique whatever its case.
    email_key TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    admin BOOLEAN NOT NULL DEFAULT FALSE,
    disabled_at INTEGER,
    created_at INTEGER NOT NULL
);

-- Lock-out state per lower-cased email, whether or not an account exists for it, so
-- that an unknown email locks exactly like a known one and the answers cannot tell
-- them apart. A successful sign-in deletes the row.
CREATE TABLE acc_sign_in (
    email_key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    locked_until INTEGER
);

CREATE TABLE acc_structures (
    id INTEGER PRIMARY KEY,
    siren TEXT NOT NULL UNIQUE,
    siret TEXT,
    name TEXT NOT NULL,
    -- Never NULL: a structure always has one; a disabled manager counts as gone.
    principal_manager INTEGER NOT NULL REFERENCES acc_users (id),
    created_at INTEGER NOT NULL
);

CREATE TABLE acc_services (
    id INTEGER PRIMARY KEY,
    structure_id INTEGER NOT NULL REFERENCES acc_structures (id),
    routing_code TEXT,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (structure_id, routing_code)
);

-- One row per right; a NULL service is a grant on the whole structure.
CREATE TABLE acc_grants (
    user_id INTEGER NOT NULL REFERENCES acc_users (id),
    structure_id INTEGER NOT NULL REFERENCES acc_structures (id),
    service_id INTEGER REFERENCES acc_services (id),
    right_name TEXT NOT NULL,
    granted_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX acc_grants_unique ON acc_grants (user_id, structure_id, COALESCE(service_id, 0), right_name);

CREATE TABLE acc_requests (
    id INTEGER PRIMARY KEY,
    requester INTEGER NOT NULL REFERENCES acc_users (id),
    kind TEXT NOT NULL,
    structure_id INTEGER NOT NULL REFERENCES acc_structures (id),
    service_id INTEGER REFERENCES acc_services (id),
    -- Comma-separated right names (extra_rights only).
    rights TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL,
    state TEXT NOT NULL,
    decided_by INTEGER REFERENCES acc_users (id),
    decided_at INTEGER,
    reason TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX acc_requests_pending ON acc_requests (structure_id, state);
CREATE INDEX acc_requests_requester ON acc_requests (requester);

CREATE TABLE acc_sessions (
    token_digest TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES acc_users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE acc_technical_accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    token_digest TEXT NOT NULL UNIQUE,
    structure_id INTEGER REFERENCES acc_structures (id),
    matricule INTEGER,
    created_by INTEGER NOT NULL REFERENCES acc_users (id),
    created_at INTEGER NOT NULL,
    rotated_at INTEGER,
    revoked_at INTEGER,
    CHECK ((structure_id IS NULL) <> (matricule IS NULL))
);

CREATE TABLE acc_reset_tokens (
    token_digest TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES acc_users (id),
    expires_at INTEGER NOT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE
);

-- Append-only: storage has no UPDATE or DELETE on it.
CREATE TABLE acc_audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor INTEGER NOT NULL,
    action TEXT NOT NULL,
    structure_id INTEGER,
    subject TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX acc_audit_structure ON acc_audit (structure_id, id);

-- Foundation: units, residents and their sign-in, staff, sessions, audit, messages, affairs.
-- Portable between SQLite and PostgreSQL: TEXT ids, BIGINT unix-second timestamps and flags,
-- no autoincrement, no engine-specific types. Never edit once released: add a new migration.

CREATE TABLE units (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,            -- office | canteen | organisation | bureau
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE residents (
    id TEXT PRIMARY KEY,
    phone TEXT NOT NULL UNIQUE,
    real_name TEXT,
    id_number TEXT UNIQUE,         -- one number binds one account (NULLs do not collide)
    created_at BIGINT NOT NULL,
    bound_at BIGINT
);

CREATE TABLE otp_challenges (
    id TEXT PRIMARY KEY,
    phone TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    used BIGINT NOT NULL DEFAULT 0,
    client TEXT NOT NULL
);
CREATE INDEX otp_challenges_phone ON otp_challenges (phone, sent_at);

-- Events counted by the brute-force limits (per number, per address, per username).
CREATE TABLE rate_events (
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX rate_events_lookup ON rate_events (scope, subject, at);

CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id TEXT NOT NULL REFERENCES units (id),
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

-- Only the SHA-256 of a session token is stored: a copy of the table opens no session.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,            -- resident | staff
    subject_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_subject ON sessions (kind, subject_id);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    seq BIGINT NOT NULL,           -- orders entries within one second
    staff_id TEXT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    client TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at, seq);

CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    resident_id TEXT NOT NULL REFERENCES residents (id),
    topic TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX messages_resident ON messages (resident_id, created_at);

-- 我的办件: one row per item a service tracks for a resident; services upsert their rows.
CREATE TABLE affairs (
    id TEXT PRIMARY KEY,
    resident_id TEXT NOT NULL REFERENCES residents (id),
    service TEXT NOT NULL,
    reference TEXT NOT NULL,
    status TEXT NOT NULL,
    link TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX affairs_resident ON affairs (resident_id, updated_at);

-- 时间银行 (time bank): volunteer organisations, activities with shifts, attendance, service
-- needs, and the append-only double-entry ledger of minutes and points. Entries and
-- transactions are never updated or deleted: `db::connect` adds the triggers that refuse it on
-- each engine (trigger syntax differs, migrations stay portable).

-- A volunteer organisation's facts beside its unit.
CREATE TABLE tb_orgs (
    unit_id TEXT PRIMARY KEY REFERENCES units (id),
    district TEXT NOT NULL,
    join_code TEXT NOT NULL              -- shown on the organisation's posters (not a secret)
);

-- A resident's membership of an organisation as a volunteer (the admin approves).
CREATE TABLE tb_members (
    org_id TEXT NOT NULL REFERENCES tb_orgs (unit_id),
    resident_id TEXT NOT NULL REFERENCES residents (id),
    status TEXT NOT NULL,                -- pending | approved | declined
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    PRIMARY KEY (org_id, resident_id)
);

CREATE TABLE tb_activities (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES tb_orgs (unit_id),
    title TEXT NOT NULL,
    place TEXT NOT NULL,
    day TEXT NOT NULL,                   -- YYYY-MM-DD, Asia/Shanghai
    created_at BIGINT NOT NULL
);
CREATE INDEX tb_activities_org_day ON tb_activities (org_id, day);

-- A shift of an activity: its places, taken with a guarded update, and the sign-in code the
-- organiser shows on the day.
CREATE TABLE tb_shifts (
    id TEXT PRIMARY KEY,
    activity_id TEXT NOT NULL REFERENCES tb_activities (id),
    starts_minute BIGINT NOT NULL CHECK (starts_minute >= 0 AND starts_minute < 1440),
    ends_minute BIGINT NOT NULL CHECK (ends_minute > starts_minute AND ends_minute <= 1440),
    places BIGINT NOT NULL CHECK (places > 0),
    taken BIGINT NOT NULL DEFAULT 0,
    sign_code TEXT NOT NULL,
    CHECK (taken >= 0 AND taken <= places)
);

-- A volunteer on a shift: taken, signed in, signed out (minutes proposed), then verified
-- (banked by transaction `tx_id`) or rejected by the organisation.
CREATE TABLE tb_attendance (
    id TEXT PRIMARY KEY,
    shift_id TEXT NOT NULL REFERENCES tb_shifts (id),
    volunteer_id TEXT NOT NULL REFERENCES residents (id),
    status TEXT NOT NULL,                -- taken | signed_in | signed_out | verified | rejected | withdrawn
    signed_in_at BIGINT,
    signed_out_at BIGINT,
    minutes BIGINT NOT NULL DEFAULT 0 CHECK (minutes >= 0),
    tx_id TEXT,                          -- the minutes banked
    points_tx_id TEXT,                   -- the points earned
    decided_by TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (shift_id, volunteer_id)
);

-- An elder's need (e.g. 陪同就医 2 hours), paid in hours held from the payer when posted and
-- paid to the volunteer when the elder (or the payer) confirms it was done.
CREATE TABLE tb_needs (
    id TEXT PRIMARY KEY,
    elder_id TEXT NOT NULL REFERENCES residents (id),
    payer_id TEXT NOT NULL REFERENCES residents (id),
    org_id TEXT NOT NULL REFERENCES tb_orgs (unit_id),
    kind TEXT NOT NULL,
    day TEXT NOT NULL,
    minutes BIGINT NOT NULL CHECK (minutes > 0),
    note TEXT NOT NULL,
    status TEXT NOT NULL,                -- open | taken | done | cancelled
    volunteer_id TEXT REFERENCES residents (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tb_needs_org_status ON tb_needs (org_id, status);

-- An account of minutes or points. `balance` is the sum of its entries (kept by the guarded
-- update that writes each entry); only issuers may run below zero.
CREATE TABLE tb_accounts (
    id TEXT PRIMARY KEY,                 -- '<kind>:<owner>'
    kind TEXT NOT NULL,                  -- resident | fund | issuer | hold | points | points_issuer
    owner TEXT NOT NULL,
    balance BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 0,
    served_minutes BIGINT NOT NULL DEFAULT 0 CHECK (served_minutes >= 0),
    UNIQUE (kind, owner),
    CHECK (kind IN ('issuer', 'points_issuer') OR balance >= 0)
);

-- A ledger transaction: why the money moved, who moved it, and which transaction it reverses
-- (at most one reversal each).
CREATE TABLE tb_transactions (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                  -- verified | need_held | need_paid | need_refunded | gift | donation | fund_grant | redemption | reversal
    reason TEXT NOT NULL,
    reverses TEXT UNIQUE REFERENCES tb_transactions (id),
    actor TEXT NOT NULL,                 -- resident id or 'staff:<id>'
    org_id TEXT,                         -- the organisation whose staff may reverse it
    created_at BIGINT NOT NULL,
    seq BIGINT NOT NULL
);

-- A leg of a transaction; the legs of one transaction sum to zero. `version` numbers an
-- account's entries 1, 2, 3 … (one per balance change).
CREATE TABLE tb_entries (
    tx_id TEXT NOT NULL REFERENCES tb_transactions (id),
    account_id TEXT NOT NULL REFERENCES tb_accounts (id),
    amount BIGINT NOT NULL CHECK (amount <> 0),
    balance_after BIGINT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (tx_id, account_id),
    UNIQUE (account_id, version)
);

-- 公益积分 catalogue: items with a price in points and a stock that never goes below zero.
CREATE TABLE tb_catalogue (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES tb_orgs (unit_id),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    points BIGINT NOT NULL CHECK (points > 0),
    stock BIGINT NOT NULL CHECK (stock >= 0)
);

-- 志愿服务记录证明: a record issued to a volunteer, checked by its code at a public page.
CREATE TABLE tb_records (
    code TEXT PRIMARY KEY,
    resident_id TEXT NOT NULL REFERENCES residents (id),
    name_masked TEXT NOT NULL,
    orgs_zh TEXT NOT NULL,
    orgs_en TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    issued_at BIGINT NOT NULL
);

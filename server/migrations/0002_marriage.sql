-- Marriage registration appointments (结婚登记预约): offices, slots, bookings, and the generic
-- idempotency table every command form uses. Portable SQL (SQLite and PostgreSQL).

-- A registry office is a unit of kind 'office' with its booking settings.
CREATE TABLE registry_offices (
    unit_id TEXT PRIMARY KEY REFERENCES units (id),
    address_zh TEXT NOT NULL,
    address_en TEXT NOT NULL,
    phone TEXT NOT NULL,
    window_first_day BIGINT NOT NULL DEFAULT 1,
    window_last_day BIGINT NOT NULL DEFAULT 30,
    hold_hours BIGINT NOT NULL DEFAULT 24,
    cutoff_hours BIGINT NOT NULL DEFAULT 24
);

-- Opening hours per ISO weekday (1 = Monday … 7 = Sunday); a weekday without a row is closed
-- unless it is an adjusted working day, which takes the hours of `adjusted_weekday` (default Monday).
CREATE TABLE office_hours (
    office_id TEXT NOT NULL REFERENCES registry_offices (unit_id),
    weekday BIGINT NOT NULL,
    opens TEXT NOT NULL,           -- HH:MM, Asia/Shanghai
    closes TEXT NOT NULL,
    PRIMARY KEY (office_id, weekday)
);

-- Days an office is closed beyond the public calendar (training, renovation, …).
CREATE TABLE office_closures (
    office_id TEXT NOT NULL REFERENCES registry_offices (unit_id),
    day TEXT NOT NULL,             -- YYYY-MM-DD
    reason TEXT NOT NULL,
    PRIMARY KEY (office_id, day)
);

-- A bookable slot. `booked` only ever moves in guarded single statements:
-- `UPDATE … SET booked = booked + 1 WHERE id = ? AND booked < capacity`.
CREATE TABLE marriage_slots (
    id TEXT PRIMARY KEY,
    office_id TEXT NOT NULL REFERENCES registry_offices (unit_id),
    day TEXT NOT NULL,             -- YYYY-MM-DD
    starts TEXT NOT NULL,          -- HH:MM
    ends TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    booked BIGINT NOT NULL DEFAULT 0,
    ceremony_capacity BIGINT NOT NULL DEFAULT 0,
    ceremony_booked BIGINT NOT NULL DEFAULT 0,
    release_at BIGINT,             -- peak days: places open at this instant (unix seconds)
    UNIQUE (office_id, day, starts),
    CHECK (booked >= 0 AND booked <= capacity),
    CHECK (ceremony_booked >= 0 AND ceremony_booked <= ceremony_capacity)
);
CREATE INDEX marriage_slots_day ON marriage_slots (office_id, day);

CREATE TABLE marriage_bookings (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,      -- the booking number on the voucher
    office_id TEXT NOT NULL REFERENCES registry_offices (unit_id),
    slot_id TEXT NOT NULL REFERENCES marriage_slots (id),
    applicant_id TEXT NOT NULL REFERENCES residents (id),
    applicant_id_number TEXT NOT NULL,
    partner_name TEXT NOT NULL,
    partner_id_number TEXT NOT NULL,
    partner_phone TEXT NOT NULL,
    partner_id TEXT REFERENCES residents (id),
    ceremony BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,                -- pending_partner | confirmed | checked_in | registered | cancelled | lapsed | no_show
    hold_expires_at BIGINT NOT NULL,
    voucher_token TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX marriage_bookings_applicant ON marriage_bookings (applicant_id);
CREATE INDEX marriage_bookings_status ON marriage_bookings (status, hold_expires_at);

-- One active marriage booking per person, as applicant or partner: a row per party while the
-- booking is active, removed when it ends. The primary key is the rule.
CREATE TABLE marriage_active_parties (
    id_number TEXT PRIMARY KEY,
    booking_id TEXT NOT NULL REFERENCES marriage_bookings (id)
);

-- Every command form carries an idempotency key; a repeat replays the stored outcome.
CREATE TABLE idempotency (
    owner TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    outcome TEXT,                  -- JSON of the result once the command committed
    created_at BIGINT NOT NULL,
    PRIMARY KEY (owner, idem_key)
);

-- One appointment machinery for every counter of a registry office (issue 4): marriage
-- slots and bookings become `slots` (with the counter that publishes them) and `appointments`
-- (with their purpose, and the divorce case a certificate or counselling visit belongs to).
-- Rebuilt rather than altered: the slot key must include the counter, and SQLite cannot drop
-- a table constraint. Children are copied and dropped before their parents, so foreign keys
-- hold at every statement (portable SQL; no PRAGMA).

CREATE TABLE slots (
    id TEXT PRIMARY KEY,
    office_id TEXT NOT NULL REFERENCES registry_offices (unit_id),
    counter TEXT NOT NULL,         -- marriage | divorce | counselling
    day TEXT NOT NULL,             -- YYYY-MM-DD
    starts TEXT NOT NULL,          -- HH:MM
    ends TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    booked BIGINT NOT NULL DEFAULT 0,
    ceremony_capacity BIGINT NOT NULL DEFAULT 0,
    ceremony_booked BIGINT NOT NULL DEFAULT 0,
    release_at BIGINT,
    UNIQUE (office_id, counter, day, starts),
    CHECK (booked >= 0 AND booked <= capacity),
    CHECK (ceremony_booked >= 0 AND ceremony_booked <= ceremony_capacity)
);
INSERT INTO slots (id, office_id, counter, day, starts, ends, capacity, booked, ceremony_capacity, ceremony_booked, release_at)
    SELECT id, office_id, 'marriage', day, starts, ends, capacity, booked, ceremony_capacity, ceremony_booked, release_at
    FROM marriage_slots;

CREATE TABLE appointments (
    id TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,               -- marriage | divorce_application | divorce_certificate | counselling
    case_id TEXT REFERENCES divorce_cases (id),
    reference TEXT NOT NULL UNIQUE,
    office_id TEXT NOT NULL REFERENCES registry_offices (unit_id),
    slot_id TEXT NOT NULL REFERENCES slots (id),
    applicant_id TEXT NOT NULL REFERENCES residents (id),
    applicant_id_number TEXT NOT NULL,
    partner_name TEXT NOT NULL,
    partner_id_number TEXT NOT NULL,
    partner_phone TEXT NOT NULL,
    partner_id TEXT REFERENCES residents (id),
    ceremony BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    hold_expires_at BIGINT NOT NULL,
    voucher_token TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    checked_in_at BIGINT,
    remind_at BIGINT,
    reminded_at BIGINT
);
INSERT INTO appointments (id, purpose, case_id, reference, office_id, slot_id, applicant_id, applicant_id_number,
    partner_name, partner_id_number, partner_phone, partner_id, ceremony, status, hold_expires_at, voucher_token,
    created_at, updated_at, confirmed_at, checked_in_at, remind_at, reminded_at)
    SELECT id, 'marriage', NULL, reference, office_id, slot_id, applicant_id, applicant_id_number,
    partner_name, partner_id_number, partner_phone, partner_id, ceremony, status, hold_expires_at, voucher_token,
    created_at, updated_at, confirmed_at, checked_in_at, remind_at, reminded_at
    FROM marriage_bookings;

-- One active appointment per person and counter; the primary key decides races.
CREATE TABLE appointment_parties (
    id_number TEXT NOT NULL,
    counter TEXT NOT NULL,
    booking_id TEXT NOT NULL REFERENCES appointments (id),
    PRIMARY KEY (id_number, counter)
);
INSERT INTO appointment_parties (id_number, counter, booking_id)
    SELECT id_number, 'marriage', booking_id FROM marriage_active_parties;

DROP TABLE marriage_active_parties;
DROP TABLE marriage_bookings;
DROP TABLE marriage_slots;

CREATE INDEX slots_day ON slots (office_id, counter, day);
CREATE INDEX appointments_applicant ON appointments (applicant_id);
CREATE INDEX appointments_status ON appointments (status, hold_expires_at);
CREATE INDEX appointments_partner_phone ON appointments (partner_phone, status);
CREATE INDEX appointments_partner ON appointments (partner_id);
CREATE INDEX appointments_slot ON appointments (slot_id, status);
CREATE INDEX appointments_remind ON appointments (status, remind_at);
CREATE INDEX appointments_case ON appointments (case_id);

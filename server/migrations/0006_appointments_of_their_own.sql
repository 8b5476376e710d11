-- Appointments of their own (issue 9): the appointments table no longer names a divorce case;
-- the divorce service links its cases to their appointments in its own table. A partner
-- without a smartphone can be confirmed by the clerk at the counter (`at_counter`).
-- Rebuilt rather than altered (SQLite cannot drop a column that carries a foreign key);
-- children are copied before their parents are dropped, so foreign keys hold at every
-- statement. Portable SQL (SQLite and PostgreSQL).

CREATE TABLE appointments_v2 (
    id TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
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
    at_counter BIGINT NOT NULL DEFAULT 0,
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
INSERT INTO appointments_v2 (id, purpose, reference, office_id, slot_id, applicant_id, applicant_id_number,
    partner_name, partner_id_number, partner_phone, partner_id, ceremony, at_counter, status, hold_expires_at,
    voucher_token, created_at, updated_at, confirmed_at, checked_in_at, remind_at, reminded_at)
    SELECT id, purpose, reference, office_id, slot_id, applicant_id, applicant_id_number,
    partner_name, partner_id_number, partner_phone, partner_id, ceremony, 0, status, hold_expires_at,
    voucher_token, created_at, updated_at, confirmed_at, checked_in_at, remind_at, reminded_at
    FROM appointments;

CREATE TABLE appointment_parties_v2 (
    id_number TEXT NOT NULL,
    counter TEXT NOT NULL,
    booking_id TEXT NOT NULL REFERENCES appointments_v2 (id),
    PRIMARY KEY (id_number, counter)
);
INSERT INTO appointment_parties_v2 (id_number, counter, booking_id)
    SELECT id_number, counter, booking_id FROM appointment_parties;

-- The divorce service's link from a case to its certificate and counselling appointments.
CREATE TABLE divorce_case_appointments (
    appointment_id TEXT PRIMARY KEY REFERENCES appointments_v2 (id),
    case_id TEXT NOT NULL REFERENCES divorce_cases (id)
);
INSERT INTO divorce_case_appointments (appointment_id, case_id)
    SELECT id, case_id FROM appointments WHERE case_id IS NOT NULL;

DROP TABLE appointment_parties;
DROP TABLE appointments;
ALTER TABLE appointments_v2 RENAME TO appointments;
ALTER TABLE appointment_parties_v2 RENAME TO appointment_parties;

CREATE INDEX appointments_applicant ON appointments (applicant_id);
CREATE INDEX appointments_status ON appointments (status, hold_expires_at);
CREATE INDEX appointments_partner_phone ON appointments (partner_phone, status);
CREATE INDEX appointments_partner ON appointments (partner_id);
CREATE INDEX appointments_slot ON appointments (slot_id, status);
CREATE INDEX appointments_remind ON appointments (status, remind_at);
CREATE INDEX divorce_case_appointments_case ON divorce_case_appointments (case_id);

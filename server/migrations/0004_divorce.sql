-- Divorce cases after the office received the joint application (离婚冷静期): the two edges of
-- the periods as instants, each reminder's instant and when it went out (once), and one open
-- case per person. Dates come from app::divorce::model::schedule.

CREATE TABLE divorce_cases (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    office_id TEXT NOT NULL REFERENCES registry_offices (unit_id),
    party_a TEXT NOT NULL REFERENCES residents (id),
    party_b TEXT NOT NULL REFERENCES residents (id),
    status TEXT NOT NULL,               -- open | withdrawn | deemed_withdrawn | divorced
    received_on TEXT NOT NULL,          -- YYYY-MM-DD
    cooling_ends_at BIGINT NOT NULL,
    window_ends_at BIGINT NOT NULL,
    withdrawn_by TEXT,
    reminder_1_at BIGINT NOT NULL,
    reminder_1_sent BIGINT,
    reminder_2_at BIGINT NOT NULL,
    reminder_2_sent BIGINT,
    reminder_3_at BIGINT NOT NULL,
    reminder_3_sent BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX divorce_cases_a ON divorce_cases (party_a);
CREATE INDEX divorce_cases_b ON divorce_cases (party_b);
CREATE INDEX divorce_cases_due ON divorce_cases (status, window_ends_at);

-- One open case per person: a row per party while the case is open. The primary key decides.
CREATE TABLE divorce_open_parties (
    resident_id TEXT PRIMARY KEY REFERENCES residents (id),
    case_id TEXT NOT NULL REFERENCES divorce_cases (id)
);

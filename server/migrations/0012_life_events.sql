-- One resident across every service (issue 15): life events the services follow, family links
-- made by a registered marriage, the resident's language, and 我的办件 with a next step.

-- A life event several services follow (a death accepted by 民政): recorded once per source
-- in the transaction that accepts it, then followed by the due-work sweep step by step.
CREATE TABLE life_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                 -- death
    source TEXT NOT NULL UNIQUE,        -- what recorded it (after_death:<case id>): once per source
    subject_id_number TEXT NOT NULL,    -- whose event it is
    subject_id TEXT REFERENCES residents (id), -- their account here, if they had one
    occurred_on TEXT NOT NULL,          -- YYYY-MM-DD, Asia/Shanghai
    heir_id TEXT REFERENCES residents (id), -- who receives what can be passed on (time-bank hours); NULL: the fund
    link TEXT NOT NULL,                 -- the page the family follows it on
    status TEXT NOT NULL,               -- pending | done
    created_at BIGINT NOT NULL,
    done_at BIGINT
);
CREATE INDEX life_events_status ON life_events (status);

-- Who is told when an event has been followed, and who may still read what stays readable
-- (the deceased's time-bank record): the family named when it was recorded.
CREATE TABLE life_event_family (
    event_id TEXT NOT NULL REFERENCES life_events (id),
    resident_id TEXT NOT NULL REFERENCES residents (id),
    PRIMARY KEY (event_id, resident_id)
);
CREATE INDEX life_event_family_resident ON life_event_family (resident_id);

-- Each service's part in an event: the row is claimed in the transaction that does the part,
-- so a step is done once, and a crash before its commit leaves it to the next sweep.
CREATE TABLE life_event_steps (
    event_id TEXT NOT NULL REFERENCES life_events (id),
    step TEXT NOT NULL,                 -- <service>.<part>, e.g. meals.orders
    rank BIGINT NOT NULL,               -- the order the family reads them in
    done_at BIGINT NOT NULL,
    params TEXT NOT NULL,               -- JSON: what the service's words are filled with
    notify TEXT NOT NULL,               -- JSON list: residents the part concerned (told once, at the end)
    PRIMARY KEY (event_id, step)
);

-- Family members two residents may use for proxy grants without typing each other's numbers:
-- spouses from a marriage registered at the counter. Ended (not deleted) by a divorce.
CREATE TABLE family_links (
    id TEXT PRIMARY KEY,
    a_id_number TEXT NOT NULL,
    b_id_number TEXT NOT NULL,
    a_name TEXT NOT NULL,
    b_name TEXT NOT NULL,
    relation TEXT NOT NULL,             -- spouse
    source TEXT NOT NULL UNIQUE,        -- marriage:<appointment id>
    created_at BIGINT NOT NULL,
    ended_at BIGINT,
    ended_by TEXT,                      -- divorce:<case id> | death:<event id>
    CHECK (a_id_number <> b_id_number)
);
CREATE INDEX family_links_a ON family_links (a_id_number);
CREATE INDEX family_links_b ON family_links (b_id_number);

-- A resident's language (zh-CN | en), kept from their last sign-in or switch: SMS follow it.
ALTER TABLE residents ADD COLUMN locale TEXT;
-- Set when a death is followed: the account signs in no more.
ALTER TABLE residents ADD COLUMN died_on TEXT;

-- 我的办件: when the next step is due (an appointment's start, a hold's end, a task's limit).
ALTER TABLE affairs ADD COLUMN next_at BIGINT;

-- Notices to a staff unit (a canteen told that an elder's orders were cancelled).
CREATE TABLE unit_notices (
    id TEXT PRIMARY KEY,
    unit_id TEXT NOT NULL REFERENCES units (id),
    topic TEXT NOT NULL,
    params TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX unit_notices_unit ON unit_notices (unit_id, created_at);

-- Why a grant ended when no one ended it by hand: death:<event id> | divorce:<case id>.
ALTER TABLE proxy_grants ADD COLUMN ended_by TEXT;

-- Who receives the deceased's banked time-bank hours, as the applicant chose (NULL: the
-- mutual-aid fund).
ALTER TABLE after_death_bundles ADD COLUMN heir_id TEXT REFERENCES residents (id);

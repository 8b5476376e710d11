-- Cases with a task list (办件 with 事项), generic: a bundle of items routed to departments,
-- each a task with its own status, time limit and history; documents kept in the file store
-- (only their keys here); subsidy payments with four-eyes approval. The first user is the
-- after-death one-thing (身后事一件事), whose own facts live in after_death_bundles.

-- Which department a unit of kind `department` is (公安, 人社, …). The 民政 items go to the
-- bureau's funeral reviewers, so the bureau has no row here.
CREATE TABLE department_units (
    unit_id TEXT PRIMARY KEY REFERENCES units (id),
    department TEXT NOT NULL
);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,                 -- after_death
    district TEXT NOT NULL,
    policy_version TEXT NOT NULL,       -- the policy file's version the items were decided by
    holder_id TEXT NOT NULL REFERENCES residents (id),
    status TEXT NOT NULL,               -- open | closed
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Who may read and act on a case: the holder, and co-applicants the holder accepted.
CREATE TABLE case_applicants (
    case_id TEXT NOT NULL REFERENCES cases (id),
    resident_id TEXT NOT NULL REFERENCES residents (id),
    relationship TEXT NOT NULL,
    status TEXT NOT NULL,               -- holder | co_applicant | requested
    created_at BIGINT NOT NULL,
    PRIMARY KEY (case_id, resident_id)
);
CREATE INDEX case_applicants_resident ON case_applicants (resident_id);

CREATE TABLE case_tasks (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    item_key TEXT NOT NULL,
    department TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    status TEXT NOT NULL,               -- app::after_death::policy::TaskStatus
    pays BIGINT NOT NULL,               -- 1: a subsidy the reviewer approves and pays
    limit_kind TEXT NOT NULL,           -- working_days | hours
    limit_value BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    paused_at BIGINT,                   -- set while the task waits on the family
    cap_fen BIGINT,                     -- what the policy allows
    approved_fen BIGINT,
    reason TEXT,                        -- why it was returned or rejected
    updated_at BIGINT NOT NULL,
    UNIQUE (case_id, item_key),
    CHECK (approved_fen IS NULL OR (approved_fen > 0 AND approved_fen <= cap_fen))
);
CREATE INDEX case_tasks_queue ON case_tasks (department, status, due_at);

-- Every transition of a task, in order: who, when, from what to what, and why.
CREATE TABLE case_task_events (
    id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES case_tasks (id),
    at BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    actor TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX case_task_events_task ON case_task_events (task_id, at, seq);

-- Documents: the bytes are in the file store under file_key.
CREATE TABLE case_documents (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    task_id TEXT NOT NULL REFERENCES case_tasks (id),
    need_key TEXT NOT NULL,
    kind TEXT NOT NULL,                 -- jpeg | png | pdf
    size BIGINT NOT NULL,
    file_key TEXT NOT NULL UNIQUE,
    uploaded_by TEXT NOT NULL REFERENCES residents (id),
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX case_documents_task ON case_documents (task_id);

-- A subsidy payment: one per task (the primary key pays it once), four-eyes above the
-- policy's threshold, paid to the account the applicant gave.
CREATE TABLE case_payments (
    task_id TEXT PRIMARY KEY REFERENCES case_tasks (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    fen BIGINT NOT NULL CHECK (fen > 0),
    status TEXT NOT NULL,               -- awaiting_second | authorised | paid
    account_name TEXT NOT NULL,
    bank_card TEXT NOT NULL,
    first_by TEXT NOT NULL,
    first_at BIGINT NOT NULL,
    second_by TEXT,
    second_at BIGINT,
    paid_by TEXT,
    paid_at BIGINT,
    paid_on TEXT,                       -- YYYY-MM-DD, Shanghai: the day's batch
    CHECK (second_by IS NULL OR second_by <> first_by)
);
CREATE INDEX case_payments_day ON case_payments (paid_on);

-- The after-death bundle's own facts.
CREATE TABLE after_death_bundles (
    case_id TEXT PRIMARY KEY REFERENCES cases (id),
    deceased_name TEXT NOT NULL,
    deceased_id_number TEXT NOT NULL,
    died_on TEXT NOT NULL,
    certificate_no TEXT NOT NULL,
    answers TEXT NOT NULL,              -- the questionnaire, JSON
    account_name TEXT,
    bank_card TEXT
);
CREATE INDEX after_death_bundles_deceased ON after_death_bundles (deceased_id_number);

-- One open bundle per deceased person: the primary key decides between relatives applying at
-- the same moment.
CREATE TABLE after_death_open (
    deceased_id_number TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id)
);

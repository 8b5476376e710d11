-- 老人身份 (the statuses a community worker confirms: 低保, 特困, 失能, 独居) with their history;
-- and the service period of a volunteer record (志愿服务记录证明, at the end of this file).
-- `elder_statuses` (0009) held one row per live status and nothing wrote it; a status that ends
-- is now kept with its end, so it moves to a table of records: live while `ended_at` is NULL,
-- at most one live record per elder and status (the partial unique index). The vocabulary is
-- `app::elders::model::ElderStatus`; the time bank's old key `disabled` is 失能 `shineng`.

CREATE TABLE elder_status_records (
    id TEXT PRIMARY KEY,
    resident_id TEXT NOT NULL REFERENCES residents (id),
    status TEXT NOT NULL,
    note TEXT NOT NULL,
    confirmed_by TEXT NOT NULL,          -- staff id
    confirmed_at BIGINT NOT NULL,
    ended_by TEXT,                       -- staff id
    ended_at BIGINT,
    end_note TEXT,
    CHECK ((ended_at IS NULL AND ended_by IS NULL) OR (ended_at IS NOT NULL AND ended_by IS NOT NULL))
);
CREATE UNIQUE INDEX elder_status_live ON elder_status_records (resident_id, status)
    WHERE ended_at IS NULL;

INSERT INTO elder_status_records (id, resident_id, status, note, confirmed_by, confirmed_at)
    SELECT 'migrated-' || resident_id || '-' || status, resident_id,
           CASE status WHEN 'disabled' THEN 'shineng' ELSE status END,
           '', confirmed_by, confirmed_at
    FROM elder_statuses;
DROP TABLE elder_statuses;

-- An ID-card check: a worker found the elder and the number typed from the card matched.
-- Confirming or ending a status refers to a check of the same worker that has not expired.
CREATE TABLE elder_checks (
    id TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff (id),
    elder_id TEXT NOT NULL REFERENCES residents (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- 志愿服务记录证明: the period of the verified service a record covers (first and last day),
-- fixed when it is issued like its hours, so the document downloaded later says the same.
ALTER TABLE tb_records ADD COLUMN period_from TEXT;
ALTER TABLE tb_records ADD COLUMN period_to TEXT;

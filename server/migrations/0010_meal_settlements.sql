-- 月度结算: a canteen's month approved by the civil-affairs office. The key allows one per
-- canteen and month; the orders it counted carry its month (`meal_orders.settled_month`), and no
-- order of a settled month can be served or marked any more.
CREATE TABLE meal_settlements (
    canteen_id TEXT NOT NULL REFERENCES canteens (unit_id),
    month TEXT NOT NULL,                -- YYYY-MM
    meals BIGINT NOT NULL,
    subsidy_fen BIGINT NOT NULL,
    paid_fen BIGINT NOT NULL,
    rows TEXT NOT NULL,                 -- the tier rows (JSON), as approved
    approved_by TEXT NOT NULL,
    approved_at BIGINT NOT NULL,
    PRIMARY KEY (canteen_id, month)
);

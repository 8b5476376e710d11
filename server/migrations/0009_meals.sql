-- 老年助餐 (elder meals) and the family proxy grants (代办) it is the first user of.

-- Who may act for whom: an elder's grant to a family member, with its scopes and last day.
-- Requested by the family member (or recorded at a counter), confirmed by the elder; ended by
-- either side at any time. One live grant per pair.
CREATE TABLE proxy_grants (
    id TEXT PRIMARY KEY,
    elder_id TEXT NOT NULL REFERENCES residents (id),
    proxy_id TEXT NOT NULL REFERENCES residents (id),
    relation TEXT NOT NULL,             -- child | spouse | grandchild | sibling | other
    scopes TEXT NOT NULL,               -- comma list of scopes: meals, records
    ends_on TEXT NOT NULL,              -- the last day it holds (YYYY-MM-DD, Asia/Shanghai)
    status TEXT NOT NULL,               -- requested | active | revoked | declined
    recorded_by TEXT,                   -- the staff member who recorded it at a counter
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    ended_at BIGINT,
    CHECK (elder_id <> proxy_id)
);
CREATE UNIQUE INDEX proxy_grants_live ON proxy_grants (elder_id, proxy_id)
    WHERE status IN ('requested', 'active');
CREATE INDEX proxy_grants_proxy ON proxy_grants (proxy_id);

-- A canteen's facts beside its unit: where it is, when it opens, how it serves.
CREATE TABLE canteens (
    unit_id TEXT PRIMARY KEY REFERENCES units (id),
    district TEXT NOT NULL,
    address_zh TEXT NOT NULL,
    address_en TEXT NOT NULL,
    lat_e6 BIGINT NOT NULL,             -- degrees × 10^6
    lng_e6 BIGINT NOT NULL,
    opens TEXT NOT NULL,                -- working_days | every_day
    dine_in BIGINT NOT NULL,            -- 0 | 1
    pickup BIGINT NOT NULL,
    delivery BIGINT NOT NULL,
    delivery_fee_fen BIGINT NOT NULL CHECK (delivery_fee_fen >= 0),
    delivery_areas TEXT NOT NULL        -- the areas delivered to, in route order, '|' between
);

-- Per canteen and meal: places per day and the order cut-off.
CREATE TABLE canteen_meals (
    canteen_id TEXT NOT NULL REFERENCES canteens (unit_id),
    meal TEXT NOT NULL,                 -- breakfast | lunch | dinner
    capacity BIGINT NOT NULL CHECK (capacity > 0),
    cutoff_days_before BIGINT NOT NULL CHECK (cutoff_days_before >= 0),
    cutoff_minute BIGINT NOT NULL CHECK (cutoff_minute >= 0 AND cutoff_minute < 1440),
    serve_from_minute BIGINT NOT NULL,
    serve_until_minute BIGINT NOT NULL,
    PRIMARY KEY (canteen_id, meal)
);

-- A day's meal at a canteen: its places, taken with a guarded update.
CREATE TABLE meal_sittings (
    canteen_id TEXT NOT NULL REFERENCES canteens (unit_id),
    day TEXT NOT NULL,
    meal TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    taken BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (canteen_id, day, meal),
    CHECK (taken >= 0 AND taken <= capacity)
);

-- The menu: per day and meal, set meals or dishes, each with its portions.
CREATE TABLE menu_items (
    id TEXT PRIMARY KEY,
    canteen_id TEXT NOT NULL REFERENCES canteens (unit_id),
    day TEXT NOT NULL,
    meal TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    price_fen BIGINT NOT NULL CHECK (price_fen > 0),
    portions BIGINT NOT NULL CHECK (portions >= 0),
    taken BIGINT NOT NULL DEFAULT 0,
    labels TEXT NOT NULL,               -- comma list: low_salt, low_sugar, soft
    allergens TEXT NOT NULL,            -- comma list, free words
    created_at BIGINT NOT NULL,
    CHECK (taken >= 0 AND taken <= portions)
);
CREATE INDEX menu_items_day ON menu_items (canteen_id, day, meal);

CREATE TABLE meal_orders (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    elder_id TEXT NOT NULL REFERENCES residents (id),
    placed_by TEXT NOT NULL REFERENCES residents (id),  -- the elder, or the proxy who ordered
    canteen_id TEXT NOT NULL REFERENCES canteens (unit_id),
    day TEXT NOT NULL,
    meal TEXT NOT NULL,
    mode TEXT NOT NULL,                 -- dine_in | pickup | delivery
    delivery_area TEXT,
    delivery_address TEXT,
    status TEXT NOT NULL,               -- placed | cancelled | served | no_show
    food_fen BIGINT NOT NULL,
    subsidy_fen BIGINT NOT NULL CHECK (subsidy_fen >= 0 AND subsidy_fen <= food_fen + delivery_fen),
    delivery_fen BIGINT NOT NULL,
    pay_fen BIGINT NOT NULL CHECK (pay_fen = food_fen + delivery_fen - subsidy_fen),
    tier TEXT,
    lines TEXT NOT NULL,                -- the quote's reason lines (JSON), as shown when ordered
    policy_version TEXT NOT NULL,
    pickup_code TEXT NOT NULL,          -- four digits, drawn per order (so per day)
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    closed_by TEXT,                     -- the staff member who marked it served / not collected
    closed_at BIGINT,
    cancelled_by TEXT,
    settled_month TEXT,                 -- set when its month's settlement is approved
    rating BIGINT CHECK (rating IS NULL OR (rating >= 1 AND rating <= 5)),
    feedback TEXT
);
CREATE INDEX meal_orders_elder ON meal_orders (elder_id, day);
CREATE INDEX meal_orders_canteen ON meal_orders (canteen_id, day, meal);

CREATE TABLE meal_order_items (
    order_id TEXT NOT NULL REFERENCES meal_orders (id),
    item_id TEXT NOT NULL REFERENCES menu_items (id),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    price_fen BIGINT NOT NULL,
    PRIMARY KEY (order_id, item_id)
);

-- One subsidised meal per elder, day and meal (the key); the day's and the week's counts are
-- taken under the elder's lock (rate_locks), so an elder and a proxy ordering at once count
-- one after the other. A cancelled order's row is deleted.
CREATE TABLE meal_subsidy_uses (
    elder_id TEXT NOT NULL REFERENCES residents (id),
    day TEXT NOT NULL,
    meal TEXT NOT NULL,
    week TEXT NOT NULL,                 -- ISO week, 2026-W49
    order_id TEXT NOT NULL REFERENCES meal_orders (id),
    PRIMARY KEY (elder_id, day, meal)
);
CREATE INDEX meal_subsidy_uses_week ON meal_subsidy_uses (elder_id, week);

-- Statuses that raise an elder's tier (低保, 特困, 失能), confirmed by staff.
CREATE TABLE elder_statuses (
    resident_id TEXT NOT NULL REFERENCES residents (id),
    status TEXT NOT NULL,
    confirmed_by TEXT NOT NULL,
    confirmed_at BIGINT NOT NULL,
    PRIMARY KEY (resident_id, status)
);

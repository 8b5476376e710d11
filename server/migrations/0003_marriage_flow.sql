-- Marriage appointments, the rest of the flow: the partner's confirmation, the reminder sent
-- once, the clerk's check-in, and the lookups the partner's invitations and the day list need.

ALTER TABLE marriage_bookings ADD COLUMN confirmed_at BIGINT;
ALTER TABLE marriage_bookings ADD COLUMN checked_in_at BIGINT;
-- When the day-before reminder is due, and when it went out (set once, by the guarded update
-- that sends it, so a restart or a second worker never sends it twice).
ALTER TABLE marriage_bookings ADD COLUMN remind_at BIGINT;
ALTER TABLE marriage_bookings ADD COLUMN reminded_at BIGINT;

CREATE INDEX marriage_bookings_partner_phone ON marriage_bookings (partner_phone, status);
CREATE INDEX marriage_bookings_partner ON marriage_bookings (partner_id);
CREATE INDEX marriage_bookings_slot ON marriage_bookings (slot_id, status);
CREATE INDEX marriage_bookings_remind ON marriage_bookings (status, remind_at);

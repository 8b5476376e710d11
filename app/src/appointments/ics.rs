//! Calendar files (RFC 5545): an appointment's voucher, and any list of events a service
//! wants in the resident's calendar (a divorce case's two edges). Written on the server.

use super::model::{slot_start, BookingView, OfficeView};

/// A calendar file (RFC 5545) for the appointment, with the booking number and the office;
/// no ID numbers. Times are written in UTC so every calendar reads them the same way.
pub fn ics(
    booking: &BookingView,
    office: &OfficeView,
    summary: &str,
    locale: crate::i18n::Locale,
    now: i64,
) -> String {
    let (name, address) = match locale {
        crate::i18n::Locale::ZhCn => (&office.name_zh, &office.address_zh),
        crate::i18n::Locale::En => (&office.name_en, &office.address_en),
    };
    ics_calendar(
        &[IcsEvent {
            uid: format!("{}@mz.appointment", booking.id),
            starts: slot_start(booking.day, &booking.starts),
            ends: slot_start(booking.day, &booking.ends),
            summary: format!("{summary} {}", booking.reference),
            location: format!("{name} {address}"),
            description: format!("{} {}", booking.reference, office.phone),
        }],
        now,
    )
}

/// One event of a calendar file.
pub struct IcsEvent {
    pub uid: String,
    pub starts: chrono::DateTime<chrono::Utc>,
    pub ends: chrono::DateTime<chrono::Utc>,
    pub summary: String,
    pub location: String,
    pub description: String,
}

/// A calendar file (RFC 5545) of `events`, with a reminder the day before each. Written by the
/// `icalendar` crate, which folds long lines (§3.1) and escapes text (§3.3.11). Times are in UTC
/// (form #2, unambiguous without a VTIMEZONE, which the crate cannot write); the calendar names
/// Asia/Shanghai as its zone (`X-WR-TIMEZONE`) so clients show the office's local time.
/// `DTSTAMP` comes from the injected clock, never the wall clock.
pub fn ics_calendar(events: &[IcsEvent], now: i64) -> String {
    use icalendar::{Alarm, Calendar, Component, Event, EventLike};
    let stamp = chrono::DateTime::from_timestamp(now, 0).unwrap_or_default();
    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"));
    cal.append_property(("PRODID", "-//mz//appointments//ZH"));
    cal.append_property(("CALSCALE", "GREGORIAN"));
    cal.append_property(("METHOD", "PUBLISH"));
    cal.timezone("Asia/Shanghai");
    for e in events {
        let reminder = Alarm::display(&e.summary, -chrono::Duration::days(1))
            .uid(&format!("{}-reminder", e.uid))
            .timestamp(stamp)
            .done();
        let mut event = Event::new();
        event
            .uid(&e.uid)
            .timestamp(stamp)
            .starts(e.starts)
            .ends(e.ends)
            .summary(&e.summary)
            .description(&e.description)
            .alarm(reminder);
        if !e.location.is_empty() {
            event.location(&e.location);
        }
        cal.push(event.done());
    }
    cal.done().to_string()
}

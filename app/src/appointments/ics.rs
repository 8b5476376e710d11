//! Calendar files (RFC 5545): an appointment's voucher, and any list of events a service
//! wants in the resident's calendar (a divorce case's two edges). Written on the server.

use super::model::{slot_start, BookingView, OfficeView};

/// A calendar file (RFC 5545) for the appointment, with the booking number and the office;
/// no ID numbers. Times are written in UTC so every calendar reads them the same way.
pub fn ics(booking: &BookingView, office: &OfficeView, summary: &str, now: i64) -> String {
    ics_calendar(
        &[IcsEvent {
            uid: format!("{}@mz.appointment", booking.id),
            starts: slot_start(booking.day, &booking.starts),
            ends: slot_start(booking.day, &booking.ends),
            summary: format!("{summary} {}", booking.reference),
            location: format!("{} {}", office.name_zh, office.address_zh),
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

/// A calendar file (RFC 5545) of `events`, times in UTC.
pub fn ics_calendar(events: &[IcsEvent], now: i64) -> String {
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let stamp = chrono::DateTime::from_timestamp(now, 0).unwrap_or_default();
    // RFC 5545 §3.3.11: backslash, semicolon and comma are escaped in text values.
    let esc = |s: &str| {
        s.replace('\\', "\\\\")
            .replace(';', "\\;")
            .replace(',', "\\,")
            .replace('\n', "\\n")
    };
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//mz//appointments//ZH".to_owned(),
        "METHOD:PUBLISH".to_owned(),
    ];
    for e in events {
        lines.extend([
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}", e.uid),
            format!("DTSTAMP:{}", fmt(stamp)),
            format!("DTSTART:{}", fmt(e.starts)),
            format!("DTEND:{}", fmt(e.ends)),
            format!("SUMMARY:{}", esc(&e.summary)),
        ]);
        if !e.location.is_empty() {
            lines.push(format!("LOCATION:{}", esc(&e.location)));
        }
        lines.extend([
            format!("DESCRIPTION:{}", esc(&e.description)),
            "END:VEVENT".to_owned(),
        ]);
    }
    lines.push("END:VCALENDAR".to_owned());
    lines.join("\r\n") + "\r\n"
}


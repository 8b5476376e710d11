//! Wire types of a life event's progress, and the life events' catalogue entry.

use serde::{Deserialize, Serialize};

/// One service's part in following an event, in the reader's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpLine {
    /// `<service>.<part>`, and the values the service's words are filled with.
    pub step: String,
    pub params: std::collections::BTreeMap<String, String>,
    /// The words, filled in by the server in the reader's language ([`FollowUps::worded`]).
    pub text: String,
    /// When it was done (unix seconds).
    pub done_at: i64,
}

/// How far the services have followed an event (e.g. a death 民政 accepted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUps {
    /// When the event was recorded (unix seconds).
    pub recorded_at: i64,
    /// When every service had done its part; `None` while some are still at it.
    pub done_at: Option<i64>,
    /// Whether the person had used the platform (nothing else to follow otherwise).
    pub had_account: bool,
    pub lines: Vec<FollowUpLine>,
}

impl FollowUps {
    /// The same, each line in `locale`'s words (by the service that did it).
    #[cfg(feature = "ssr")]
    pub fn worded(mut self, locale: crate::i18n::Locale) -> Self {
        for l in &mut self.lines {
            l.text = crate::catalogue::life_step(&l.step, &l.params, locale).unwrap_or_default();
        }
        self.lines.retain(|l| !l.text.is_empty());
        self
    }
}

/// Life events show only their one message (no tile, no affairs of their own).
#[cfg(feature = "ssr")]
pub const SERVICE: crate::catalogue::ServiceEntry = crate::catalogue::ServiceEntry {
    key: "life",
    affair_title: |t| t.life().title,
    notice: |topic, params, locale| {
        let x = locale.texts().life();
        let (title, body) = match topic {
            "life_death_followed" => (x.msg_death_followed_title, x.msg_death_followed_body),
            _ => return None,
        };
        let link = params
            .get("link")
            .filter(|l| !l.is_empty())
            .cloned()
            .unwrap_or_else(|| "/affairs".to_owned());
        Some(crate::catalogue::NoticeText {
            title: title.to_owned(),
            body: body.to_owned(),
            link: Some(link),
        })
    },
    ..crate::catalogue::ServiceEntry::BASE
};

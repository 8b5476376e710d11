//! 短信验证码 — the one-time sign-in code: how long it lives, how often it may be tried and re-sent.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The limits of a one-time code. The defaults are what the foundation issue asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtpPolicy {
    /// A code is good for this long after it was sent.
    pub lifetime: Duration,
    /// Wrong tries allowed before the code is burnt.
    pub max_attempts: u32,
    /// A new code may be asked for only after this long.
    pub resend_after: Duration,
}

impl Default for OtpPolicy {
    fn default() -> Self {
        Self {
            lifetime: Duration::minutes(5),
            max_attempts: 5,
            resend_after: Duration::seconds(60),
        }
    }
}

/// The state of the latest code sent to a number, as stored by the back end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtpChallenge {
    pub sent_at: DateTime<Utc>,
    /// Tries made so far (right or wrong).
    pub attempts: u32,
    /// Set once the code has signed someone in: a code works once.
    pub used: bool,
}

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum OtpError {
    #[error("the code has expired")]
    Expired,
    #[error("too many wrong codes")]
    TooManyAttempts,
    #[error("wrong code, {remaining} tries left")]
    Wrong { remaining: u32 },
    #[error("wait {seconds} s before asking for a new code")]
    ResendTooSoon { seconds: u32 },
}

impl OtpPolicy {
    /// Decides one try. `matches` is whether the typed code equals the stored one; the caller
    /// records the try (attempts + 1) whatever the answer, so a refused try still counts.
    pub fn check(
        &self,
        challenge: &OtpChallenge,
        now: DateTime<Utc>,
        matches: bool,
    ) -> Result<(), OtpError> {
        if challenge.used || now >= challenge.sent_at + self.lifetime {
            return Err(OtpError::Expired);
        }
        if challenge.attempts >= self.max_attempts {
            return Err(OtpError::TooManyAttempts);
        }
        if matches {
            Ok(())
        } else {
            let remaining = self.max_attempts - challenge.attempts - 1;
            if remaining == 0 {
                Err(OtpError::TooManyAttempts)
            } else {
                Err(OtpError::Wrong { remaining })
            }
        }
    }

    /// Whether a new code may be sent now, given when the last one was sent.
    pub fn may_resend(
        &self,
        last_sent: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), OtpError> {
        match last_sent {
            Some(at) if now < at + self.resend_after => {
                let wait = (at + self.resend_after - now).num_seconds().max(1);
                Err(OtpError::ResendTooSoon {
                    seconds: wait as u32,
                })
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn fresh() -> OtpChallenge {
        OtpChallenge {
            sent_at: t0(),
            attempts: 0,
            used: false,
        }
    }

    #[test]
    fn a_code_works_until_just_before_five_minutes_and_not_after() {
        let p = OtpPolicy::default();
        assert_eq!(
            p.check(&fresh(), t0() + Duration::seconds(299), true),
            Ok(())
        );
        assert_eq!(
            p.check(&fresh(), t0() + Duration::seconds(300), true),
            Err(OtpError::Expired)
        );
    }

    #[test]
    fn the_fifth_wrong_try_burns_the_code_and_the_sixth_is_refused_even_if_right() {
        let p = OtpPolicy::default();
        let mut c = fresh();
        let now = t0() + Duration::seconds(10);
        let mut answers = vec![];
        for _ in 0..5 {
            answers.push(p.check(&c, now, false));
            c.attempts += 1;
        }
        assert_eq!(
            answers,
            vec![
                Err(OtpError::Wrong { remaining: 4 }),
                Err(OtpError::Wrong { remaining: 3 }),
                Err(OtpError::Wrong { remaining: 2 }),
                Err(OtpError::Wrong { remaining: 1 }),
                Err(OtpError::TooManyAttempts),
            ]
        );
        assert_eq!(p.check(&c, now, true), Err(OtpError::TooManyAttempts));
    }

    #[test]
    fn a_used_code_does_not_work_twice() {
        let p = OtpPolicy::default();
        let c = OtpChallenge {
            used: true,
            ..fresh()
        };
        assert_eq!(p.check(&c, t0(), true), Err(OtpError::Expired));
    }

    #[test]
    fn a_new_code_can_be_sent_after_sixty_seconds() {
        let p = OtpPolicy::default();
        assert_eq!(p.may_resend(None, t0()), Ok(()));
        assert_eq!(
            p.may_resend(Some(t0()), t0() + Duration::seconds(15)),
            Err(OtpError::ResendTooSoon { seconds: 45 })
        );
        assert_eq!(
            p.may_resend(Some(t0()), t0() + Duration::seconds(60)),
            Ok(())
        );
    }
}

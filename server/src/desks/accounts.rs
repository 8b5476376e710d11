//! `AccountDesk` in SQL: one-time codes, sessions, real-name binding, messages, affairs.

use super::{
    count_events, db, insert_message, lock_subject, new_id, new_token, record_event,
    sessions::ResidentRow, token_hash,
};
use crate::{
    db::{unique_violation_on, Db},
    registry::{Registry, Setup},
    sms::SmsGateway,
};
use app::{
    account::{
        desk::{AccountDesk, NewSession},
        model::{
            Affair, HomeSummary, Message, PendingCode, RealName, ResidentView,
            TOPIC_REAL_NAME_BOUND, TOPIC_WELCOME,
        },
    },
    desk::{DeskError, DeskResult},
    error::{AppError, Code},
    proxy::model::Scope,
    rules::{
        clock::Clock,
        id_number::IdNumber,
        otp::{OtpChallenge, OtpError, OtpPolicy},
        phone::{mask_phone, Phone},
    },
    web::{Resident, Sessions},
};
use chrono::{DateTime, Utc};
use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::sync::Arc;

/// Limits against brute force and SMS bombing.
#[derive(Debug, Clone, Copy)]
pub struct SignInLimits {
    pub codes_per_number_per_hour: u32,
    pub codes_per_address_per_hour: u32,
    pub checks_per_address_per_hour: u32,
}

/// Installs the accounts desk and the sign-in layer's session lookups.
pub fn install(reg: &mut Registry, setup: &Setup) {
    let config = &setup.config;
    let accounts = SqlAccounts {
        db: setup.db.clone(),
        clock: setup.clock.clone(),
        sms: setup.sms.clone(),
        policy: OtpPolicy::default(),
        limits: SignInLimits {
            codes_per_number_per_hour: config.otp_per_number_per_hour,
            codes_per_address_per_hour: config.otp_per_address_per_hour,
            checks_per_address_per_hour: config.verify_per_address_per_hour,
        },
        session_seconds: 7 * 24 * 3600,
        otp_secret: config
            .otp_secret
            .as_ref()
            .map(|s| s.expose().to_owned())
            .unwrap_or_else(new_token),
    };
    let desk: Arc<dyn AccountDesk> = Arc::new(accounts);
    reg.provide(desk);
    let sessions: Arc<dyn Sessions> = super::sessions::sessions(setup);
    reg.provide(sessions);
    super::life::register_step(reg, Arc::new(CloseOnDeath));
}

/// 身后事, last: the deceased's account is closed (marked with the day of death, its sessions
/// ended), so no one signs in as them; what the family may still read stays readable to them.
struct CloseOnDeath;

#[async_trait::async_trait]
impl super::life::LifeStep for CloseOnDeath {
    fn key(&self) -> &'static str {
        "account.closed"
    }

    fn rank(&self) -> u16 {
        90
    }

    fn follows(&self, kind: super::life::LifeKind) -> bool {
        kind == super::life::LifeKind::Death
    }

    async fn run(
        &self,
        conn: &mut sqlx::AnyConnection,
        event: &super::life::LifeEvent,
        _now: chrono::DateTime<chrono::Utc>,
    ) -> DeskResult<super::life::StepDone> {
        let subject = event.subject_id.as_deref().unwrap_or_default();
        sqlx::query("UPDATE residents SET died_on = $1 WHERE id = $2 AND died_on IS NULL")
            .bind(super::day_str(event.occurred_on))
            .bind(subject)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        sqlx::query("DELETE FROM sessions WHERE kind = 'resident' AND subject_id = $1")
            .bind(subject)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        Ok(super::life::StepDone::default())
    }
}

pub struct SqlAccounts {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub sms: Arc<dyn SmsGateway>,
    pub policy: OtpPolicy,
    pub limits: SignInLimits,
    pub session_seconds: i64,
    /// Mixed into stored code hashes so a copy of the table does not give the codes away.
    pub otp_secret: String,
}

fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn from_ts(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap_or_default()
}

fn rate_limited(field: &str, minutes: u32) -> DeskError {
    AppError::invalid(field, Code::RateLimited { minutes }).into()
}

impl SqlAccounts {
    fn code_hash(&self, challenge_id: &str, code: &str) -> String {
        hex::encode(Sha256::digest(
            format!("{}:{challenge_id}:{code}", self.otp_secret).as_bytes(),
        ))
    }

    /// Issues a code for `phone`; `field` is where a refusal is shown.
    async fn issue_code(&self, phone: &Phone, client: &str, field: &str) -> DeskResult<String> {
        let now = self.clock.now();
        let hour_ago = ts(now) - 3600;
        let mut tx = self.db.begin_write().await.map_err(db)?;
        // Lock the address and the number first (always in this order), so concurrent requests
        // about them count one after another on either engine.
        lock_subject(&mut tx, "code_addr", client).await?;
        lock_subject(&mut tx, "code_phone", phone.as_str()).await?;
        record_event(&mut tx, "code_addr", client, ts(now)).await?;
        if count_events(&mut tx, "code_addr", client, hour_ago).await?
            > i64::from(self.limits.codes_per_address_per_hour)
        {
            tx.commit().await.map_err(db)?;
            return Err(rate_limited(field, 60));
        }
        let last: Option<i64> =
            sqlx::query_scalar("SELECT MAX(sent_at) FROM otp_challenges WHERE phone = $1")
                .bind(phone.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        if let Err(e) = self.policy.may_resend(last.map(from_ts), now) {
            tx.commit().await.map_err(db)?;
            return Err(AppError::invalid(field, Code::Otp(e)).into());
        }
        if count_events(&mut tx, "code_phone", phone.as_str(), hour_ago).await?
            >= i64::from(self.limits.codes_per_number_per_hour)
        {
            tx.commit().await.map_err(db)?;
            return Err(rate_limited(field, 60));
        }
        record_event(&mut tx, "code_phone", phone.as_str(), ts(now)).await?;
        // A new code replaces every older one for the number.
        sqlx::query("UPDATE otp_challenges SET used = 1 WHERE phone = $1 AND used = 0")
            .bind(phone.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let id = new_id();
        let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
        sqlx::query("INSERT INTO otp_challenges (id, phone, code_hash, sent_at, attempts, used, client) VALUES ($1, $2, $3, $4, 0, 0, $5)")
            .bind(&id)
            .bind(phone.as_str())
            .bind(self.code_hash(&id, &code))
            .bind(ts(now))
            .bind(client)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        self.sms
            .send_code(phone, &code)
            .await
            .map_err(|e| DeskError::internal(e.to_string()))?;
        Ok(id)
    }
}

#[async_trait::async_trait]
impl AccountDesk for SqlAccounts {
    #[tracing::instrument(name = "Request sign-in code", skip_all)]
    async fn request_code(&self, phone: &Phone, client: &str) -> DeskResult<String> {
        self.issue_code(phone, client, "phone").await
    }

    #[tracing::instrument(name = "Resend sign-in code", skip_all)]
    async fn resend_code(&self, challenge_id: &str, client: &str) -> DeskResult<String> {
        let phone: Option<String> =
            sqlx::query_scalar("SELECT phone FROM otp_challenges WHERE id = $1")
                .bind(challenge_id)
                .fetch_optional(self.db.pool())
                .await
                .map_err(db)?;
        let phone = phone.ok_or_else(|| AppError::invalid("code", Code::OtpMissing))?;
        let phone =
            Phone::parse(&phone).map_err(|_| AppError::invalid("code", Code::OtpMissing))?;
        self.issue_code(&phone, client, "code").await
    }

    async fn pending_sign_in(&self, challenge_id: &str) -> DeskResult<Option<PendingCode>> {
        let row = sqlx::query("SELECT phone, used FROM otp_challenges WHERE id = $1")
            .bind(challenge_id)
            .fetch_optional(self.db.pool())
            .await
            .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let phone: String = row.try_get("phone").map_err(db)?;
        let used: i64 = row.try_get("used").map_err(db)?;
        if used != 0 {
            return Ok(None);
        }
        Ok(Some(PendingCode {
            phone_masked: mask_phone(&phone),
            dev_code: self.sms.last_code(&phone),
        }))
    }

    #[tracing::instrument(name = "Verify sign-in code", skip_all)]
    async fn verify_code(
        &self,
        challenge_id: &str,
        code: &str,
        client: &str,
        locale: app::i18n::Locale,
    ) -> DeskResult<NewSession> {
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        lock_subject(&mut tx, "check_addr", client).await?;
        record_event(&mut tx, "check_addr", client, ts(now)).await?;
        if count_events(&mut tx, "check_addr", client, ts(now) - 3600).await?
            > i64::from(self.limits.checks_per_address_per_hour)
        {
            tx.commit().await.map_err(db)?;
            return Err(rate_limited("code", 60));
        }
        // Count the try before judging it, in one guarded statement: two concurrent tries can
        // never both be the fifth.
        let row = sqlx::query(
            "UPDATE otp_challenges SET attempts = attempts + 1 WHERE id = $1 AND used = 0 \
             RETURNING phone, code_hash, sent_at, attempts",
        )
        .bind(challenge_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(row) = row else {
            tx.commit().await.map_err(db)?;
            return Err(AppError::invalid("code", Code::Otp(OtpError::Expired)).into());
        };
        let phone: String = row.try_get("phone").map_err(db)?;
        let stored: String = row.try_get("code_hash").map_err(db)?;
        let attempts: i64 = row.try_get("attempts").map_err(db)?;
        let challenge = OtpChallenge {
            sent_at: from_ts(row.try_get("sent_at").map_err(db)?),
            attempts: (attempts - 1).max(0) as u32,
            used: false,
        };
        let matches = constant_time_eq(
            self.code_hash(challenge_id, code).as_bytes(),
            stored.as_bytes(),
        );
        if let Err(e) = self.policy.check(&challenge, now, matches) {
            tx.commit().await.map_err(db)?;
            return Err(AppError::invalid("code", Code::Otp(e)).into());
        }
        let burnt = sqlx::query("UPDATE otp_challenges SET used = 1 WHERE id = $1 AND used = 0")
            .bind(challenge_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if burnt.rows_affected() != 1 {
            return Err(AppError::invalid("code", Code::Otp(OtpError::Expired)).into());
        }
        let created = sqlx::query("INSERT INTO residents (id, phone, created_at) VALUES ($1, $2, $3) ON CONFLICT (phone) DO NOTHING")
            .bind(new_id())
            .bind(&phone)
            .bind(ts(now))
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected()
            == 1;
        let row: ResidentRow = sqlx::query_as(
            "SELECT id, phone, real_name, id_number FROM residents WHERE phone = $1",
        )
        .bind(&phone)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let resident = ResidentView::from(row);
        // A deceased's account signs in no more (the code is spent all the same).
        let died: Option<String> =
            sqlx::query_scalar("SELECT died_on FROM residents WHERE id = $1")
                .bind(&resident.id)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        if died.is_some() {
            tx.commit().await.map_err(db)?;
            return Err(AppError::invalid("code", Code::AccountClosed).into());
        }
        sqlx::query("UPDATE residents SET locale = $1 WHERE id = $2")
            .bind(locale.tag())
            .bind(&resident.id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if created {
            insert_message(&mut tx, &resident.id, TOPIC_WELCOME, &[], ts(now)).await?;
        }
        let token = new_token();
        sqlx::query("INSERT INTO sessions (token_hash, kind, subject_id, created_at, expires_at) VALUES ($1, 'resident', $2, $3, $4)")
            .bind(token_hash(&token))
            .bind(&resident.id)
            .bind(ts(now))
            .bind(ts(now) + self.session_seconds)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(NewSession { token, resident })
    }

    async fn set_locale(&self, who: &Resident, locale: app::i18n::Locale) -> DeskResult<()> {
        sqlx::query("UPDATE residents SET locale = $1 WHERE id = $2")
            .bind(locale.tag())
            .bind(who.id())
            .execute(self.db.pool())
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn sign_out(&self, token: &str) -> DeskResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1 AND kind = 'resident'")
            .bind(token_hash(token))
            .execute(self.db.pool())
            .await
            .map_err(db)?;
        Ok(())
    }

    #[tracing::instrument(name = "Bind real name", skip_all)]
    async fn bind_real_name(
        &self,
        who: &Resident,
        name: &RealName,
        id_number: &IdNumber,
    ) -> DeskResult<ResidentView> {
        let resident_id = who.id();
        let now = ts(self.clock.now());
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let updated = sqlx::query(
            "UPDATE residents SET real_name = $1, id_number = $2, bound_at = $3 WHERE id = $4 AND id_number IS NULL",
        )
        .bind(name.as_str())
        .bind(id_number.as_str())
        .bind(now)
        .bind(resident_id)
        .execute(&mut *tx)
        .await;
        let updated = match updated {
            Ok(r) => r.rows_affected(),
            Err(e) if unique_violation_on(&e, "id_number") => {
                return Err(AppError::invalid("id_number", Code::IdNumberTaken).into())
            }
            Err(e) => return Err(db(e)),
        };
        if updated == 0 {
            return Err(AppError::invalid("id_number", Code::AlreadyBound).into());
        }
        insert_message(&mut tx, resident_id, TOPIC_REAL_NAME_BOUND, &[], now).await?;
        let row: ResidentRow =
            sqlx::query_as("SELECT id, phone, real_name, id_number FROM residents WHERE id = $1")
                .bind(resident_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        let view = ResidentView::from(row);
        tx.commit().await.map_err(db)?;
        Ok(view)
    }

    async fn home(&self, who: &Resident) -> DeskResult<HomeSummary> {
        let mut affairs = self.affairs_of(who.id(), None).await?;
        // An elder's items, for a family member with a live grant to see their records.
        let today = self.clock.today();
        for (elder, name, _) in
            super::proxy::elders_of(self.db.pool(), who.id(), Scope::Records, today).await?
        {
            for a in self.affairs_of(&elder, Some(&name)).await? {
                if !affairs
                    .iter()
                    .any(|m| m.service == a.service && m.reference == a.reference)
                {
                    affairs.push(a);
                }
            }
        }
        // What comes next first (soonest first), then the rest (latest first).
        affairs.sort_by(|a, b| match (a.next_at, b.next_at) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => b.updated_at.cmp(&a.updated_at),
        });
        let unread_topics: Vec<String> = sqlx::query_scalar(
            "SELECT topic FROM messages WHERE resident_id = $1 AND read_at IS NULL ORDER BY created_at DESC LIMIT 1000",
        )
        .bind(who.id())
        .fetch_all(self.db.pool())
        .await
        .map_err(db)?;
        Ok(HomeSummary {
            affairs,
            unread_messages: unread_topics.len() as u32,
            unread_topics,
        })
    }

    async fn messages(&self, who: &Resident) -> DeskResult<Vec<Message>> {
        let resident_id = who.id();
        let rows = sqlx::query(
            "SELECT id, topic, params, created_at, read_at FROM messages WHERE resident_id = $1 ORDER BY created_at DESC, id LIMIT 100",
        )
        .bind(resident_id)
        .fetch_all(self.db.pool())
        .await
        .map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let topic: String = r.try_get("topic").map_err(db)?;
            let read_at: Option<i64> = r.try_get("read_at").map_err(db)?;
            let params: String = r.try_get("params").map_err(db)?;
            out.push(Message {
                params: serde_json::from_str(&params).unwrap_or_default(),
                id: r.try_get("id").map_err(db)?,
                at: from_ts(r.try_get("created_at").map_err(db)?),
                topic,
                read: read_at.is_some(),
            });
        }
        Ok(out)
    }

    async fn mark_messages_read(&self, who: &Resident) -> DeskResult<()> {
        let resident_id = who.id();
        sqlx::query("UPDATE messages SET read_at = $1 WHERE resident_id = $2 AND read_at IS NULL")
            .bind(ts(self.clock.now()))
            .bind(resident_id)
            .execute(self.db.pool())
            .await
            .map_err(db)?;
        Ok(())
    }
}

impl SqlAccounts {
    /// A resident's 我的办件 rows (`for_elder`: the elder's masked name, when a family member
    /// reads them through a grant).
    async fn affairs_of(&self, resident: &str, for_elder: Option<&str>) -> DeskResult<Vec<Affair>> {
        let rows = sqlx::query(
            "SELECT id, service, reference, status, link, updated_at, next_at FROM affairs WHERE resident_id = $1 ORDER BY updated_at DESC LIMIT 200",
        )
        .bind(resident)
        .fetch_all(self.db.pool())
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Affair {
                    id: r.try_get("id")?,
                    service: r.try_get("service")?,
                    reference: r.try_get("reference")?,
                    status: r.try_get("status")?,
                    link: r.try_get("link")?,
                    updated_at: from_ts(r.try_get("updated_at")?),
                    next_at: r.try_get("next_at")?,
                    for_elder: for_elder.map(str::to_owned),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(db)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

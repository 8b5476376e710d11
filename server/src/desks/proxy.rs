//! 代办 in SQL: proxy grants between an elder and a family member, and the one check every
//! service runs before acting for an elder ([`acting_for`]). The partial unique index
//! `proxy_grants_live` allows one live grant per pair; a grant's status changes only by a
//! guarded `UPDATE … WHERE status = <expected>`, under the grant's lock (`rate_locks`), so an
//! order racing a revocation sees the grant either before or after it, never half.

use super::{audit, db, insert_message, lock_subject, new_id};
use crate::{
    db::Db,
    registry::{Registry, Setup},
};
use app::{
    desk::{refused, DeskResult},
    proxy::{
        desk::{GrantRequest, ProxyDesk},
        model::{
            permits, FamilyMember, FamilyWay, GrantStatus, GrantView, Grants, Refusal, Relation,
            Scope,
        },
    },
    rules::{clock::Clock, id_number::IdNumber, name::mask_name, phone::mask_phone, phone::Phone},
    web::{Resident, Staff},
};
use chrono::NaiveDate;
use sqlx::{AnyConnection, Row};
use std::sync::Arc;

pub fn install(reg: &mut Registry, setup: &Setup) {
    let desk: Arc<dyn ProxyDesk> = Arc::new(SqlProxy {
        db: setup.db.clone(),
        clock: setup.clock.clone(),
    });
    reg.provide(desk);
    super::life::register_step(reg, Arc::new(GrantsEndOnDeath));
}

/// Two people whose family link a service records (a marriage registered at the counter).
pub struct Person<'a> {
    pub id_number: &'a str,
    pub name: &'a str,
}

/// Records that `a` and `b` are family (`relation`), once per `source`, and tells those of
/// them who use the platform. In the transaction of the registration that makes them family.
pub async fn link_family(
    conn: &mut AnyConnection,
    source: &str,
    relation: Relation,
    a: Person<'_>,
    b: Person<'_>,
    now: i64,
) -> DeskResult<()> {
    let inserted = sqlx::query(
        "INSERT INTO family_links (id, a_id_number, b_id_number, a_name, b_name, relation, source, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (source) DO NOTHING",
    )
    .bind(new_id())
    .bind(a.id_number)
    .bind(b.id_number)
    .bind(a.name)
    .bind(b.name)
    .bind(relation.as_str())
    .bind(source)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db)?
    .rows_affected();
    if inserted == 1 {
        for r in residents_of(conn, &[a.id_number, b.id_number]).await? {
            insert_message(conn, &r, "proxy_family_linked", &[], now).await?;
        }
    }
    Ok(())
}

/// A resident's bound ID number.
async fn id_number_of(conn: &mut AnyConnection, resident: &str) -> DeskResult<Option<String>> {
    let n: Option<Option<String>> =
        sqlx::query_scalar("SELECT id_number FROM residents WHERE id = $1")
            .bind(resident)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
    Ok(n.flatten())
}

/// The accounts of these ID numbers (those who have one).
async fn residents_of(conn: &mut AnyConnection, id_numbers: &[&str]) -> DeskResult<Vec<String>> {
    let mut out = vec![];
    for n in id_numbers {
        let id: Option<String> =
            sqlx::query_scalar("SELECT id FROM residents WHERE id_number = $1")
                .bind(n)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db)?;
        out.extend(id);
    }
    Ok(out)
}

/// Ends every grant between two residents (either way) and their family link, marked
/// `ended_by` (`divorce:<case>`), and tells both once. In the transaction of the change that
/// ends them; the grants' locks are taken, so an order racing it sees it before or after.
pub async fn end_between(
    conn: &mut AnyConnection,
    a: &str,
    b: &str,
    ended_by: &str,
    now: i64,
) -> DeskResult<u32> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM proxy_grants WHERE ((elder_id = $1 AND proxy_id = $2) OR (elder_id = $2 AND proxy_id = $1)) \
         AND status IN ('requested', 'active') ORDER BY id",
    )
    .bind(a)
    .bind(b)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let mut ended = 0;
    for id in &ids {
        ended += end_grant(conn, id, ended_by, now).await?;
    }
    let numbers: Vec<Option<String>> =
        sqlx::query_scalar("SELECT id_number FROM residents WHERE id IN ($1, $2) ORDER BY id")
            .bind(a)
            .bind(b)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
    let links = if let [Some(x), Some(y)] = numbers.as_slice() {
        sqlx::query(
            "UPDATE family_links SET ended_at = $1, ended_by = $2 WHERE ended_at IS NULL \
             AND ((a_id_number = $3 AND b_id_number = $4) OR (a_id_number = $4 AND b_id_number = $3))",
        )
        .bind(now)
        .bind(ended_by)
        .bind(x)
        .bind(y)
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected()
    } else {
        0
    };
    if ended > 0 || links > 0 {
        for r in [a, b] {
            insert_message(conn, r, "proxy_family_ended", &[], now).await?;
        }
    }
    Ok(ended)
}

/// Ends one live grant (under its lock); 1 if this call ended it.
async fn end_grant(
    conn: &mut AnyConnection,
    id: &str,
    ended_by: &str,
    now: i64,
) -> DeskResult<u32> {
    lock_subject(conn, LOCK, id).await?;
    let n = sqlx::query(
        "UPDATE proxy_grants SET status = 'revoked', ended_at = $1, ended_by = $2 WHERE id = $3 AND status IN ('requested', 'active')",
    )
    .bind(now)
    .bind(ended_by)
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(db)?
    .rows_affected();
    Ok(n as u32)
}

/// 身后事: every grant to or from the deceased ends, and every family link of theirs; the
/// other sides are told with the rest of the family.
struct GrantsEndOnDeath;

#[async_trait::async_trait]
impl super::life::LifeStep for GrantsEndOnDeath {
    fn key(&self) -> &'static str {
        "proxy.grants"
    }

    fn rank(&self) -> u16 {
        20
    }

    fn follows(&self, kind: super::life::LifeKind) -> bool {
        kind == super::life::LifeKind::Death
    }

    async fn run(
        &self,
        conn: &mut AnyConnection,
        event: &super::life::LifeEvent,
        now: chrono::DateTime<chrono::Utc>,
    ) -> DeskResult<super::life::StepDone> {
        let subject = event.subject_id.as_deref().unwrap_or_default();
        let rows = sqlx::query(
            "SELECT id, elder_id, proxy_id FROM proxy_grants WHERE (elder_id = $1 OR proxy_id = $1) \
             AND status IN ('requested', 'active') ORDER BY id",
        )
        .bind(subject)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mark = event.mark();
        let mut done = super::life::StepDone::default();
        let mut ended = 0;
        for r in rows {
            let (id, elder, proxy): (String, String, String) = (r.get(0), r.get(1), r.get(2));
            if end_grant(conn, &id, &mark, now.timestamp()).await? == 1 {
                ended += 1;
                let other = if elder == subject { proxy } else { elder };
                if !done.notify.contains(&other) {
                    done.notify.push(other);
                }
            }
        }
        sqlx::query(
            "UPDATE family_links SET ended_at = $1, ended_by = $2 WHERE ended_at IS NULL AND (a_id_number = $3 OR b_id_number = $3)",
        )
        .bind(now.timestamp())
        .bind(&mark)
        .bind(&event.subject_id_number)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        Ok(done.with("grants", ended))
    }
}

struct SqlProxy {
    db: Db,
    clock: Arc<dyn Clock>,
}

/// The lock scope of a grant (see [`lock_subject`]).
const LOCK: &str = "proxy_grant";

/// Whether `actor` may do `scope` for `elder` today: `Ok(None)` when they are the elder,
/// `Ok(Some(grant_id))` under a live grant (locked until the transaction ends, so a
/// revocation waits for this action or this action sees the revocation), else `NoGrant`.
pub async fn acting_for(
    conn: &mut AnyConnection,
    actor: &str,
    elder: &str,
    scope: Scope,
    today: NaiveDate,
    field: &str,
) -> DeskResult<Option<String>> {
    if actor == elder {
        return Ok(None);
    }
    let id: Option<String> = sqlx::query_scalar(
        "SELECT id FROM proxy_grants WHERE elder_id = $1 AND proxy_id = $2 AND status = 'active'",
    )
    .bind(elder)
    .bind(actor)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    let Some(id) = id else {
        return Err(refused(field, Refusal::NoGrant));
    };
    lock_subject(conn, LOCK, &id).await?;
    let row = sqlx::query("SELECT status, scopes, ends_on FROM proxy_grants WHERE id = $1")
        .bind(&id)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    let status = GrantStatus::parse(&row.get::<String, _>(0)).unwrap_or(GrantStatus::Revoked);
    let scopes = Scope::list(&row.get::<String, _>(1));
    let ends_on = super::day_of(&row.get::<String, _>(2))?;
    if permits(status, &scopes, ends_on, scope, today) {
        Ok(Some(id))
    } else {
        Err(refused(field, Refusal::NoGrant))
    }
}

/// The elders `proxy` may act for in `scope` today: (elder id, masked name).
pub async fn elders_of(
    pool: &sqlx::AnyPool,
    proxy: &str,
    scope: Scope,
    today: NaiveDate,
) -> DeskResult<Vec<(String, String, Relation)>> {
    let rows = sqlx::query(
        "SELECT g.elder_id, r.real_name, g.scopes, g.ends_on, g.relation FROM proxy_grants g \
         JOIN residents r ON r.id = g.elder_id WHERE g.proxy_id = $1 AND g.status = 'active' ORDER BY g.created_at",
    )
    .bind(proxy)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    let mut out = vec![];
    for row in rows {
        let ends_on = super::day_of(&row.get::<String, _>(3))?;
        let scopes = Scope::list(&row.get::<String, _>(2));
        if permits(GrantStatus::Active, &scopes, ends_on, scope, today) {
            out.push((
                row.get(0),
                mask_name(&row.get::<Option<String>, _>(1).unwrap_or_default()),
                Relation::parse(&row.get::<String, _>(4)).unwrap_or(Relation::Other),
            ));
        }
    }
    Ok(out)
}

/// The resident with this phone and real name, real-name bound: their id.
async fn bound_resident(
    conn: &mut AnyConnection,
    phone: &Phone,
    name: &str,
) -> DeskResult<Option<(String, String)>> {
    let row = sqlx::query(
        "SELECT id, id_number FROM residents WHERE phone = $1 AND real_name = $2 AND id_number IS NOT NULL",
    )
    .bind(phone.as_str())
    .bind(name)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

/// What a grant allows, however it was asked.
#[derive(Clone, Copy)]
struct Terms<'a> {
    relation: Relation,
    scopes: &'a [Scope],
    ends_on: NaiveDate,
    /// The form field a refusal belongs to.
    field: &'a str,
}

impl<'a> From<&'a GrantRequest> for Terms<'a> {
    fn from(r: &'a GrantRequest) -> Self {
        Self {
            relation: r.relation,
            scopes: &r.scopes,
            ends_on: r.ends_on,
            field: "elder_phone",
        }
    }
}

fn scopes_str(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

impl SqlProxy {
    /// `who`'s live family links, with the other side.
    async fn family(&self, who: &Resident) -> DeskResult<Vec<FamilyMember>> {
        let mut conn = self.db.pool().acquire().await.map_err(db)?;
        let Some(mine) = id_number_of(&mut conn, who.id()).await? else {
            return Ok(vec![]);
        };
        let rows = sqlx::query(
            "SELECT l.id, l.relation, l.created_at, \
                    CASE WHEN l.a_id_number = $1 THEN l.b_name ELSE l.a_name END AS other_name, \
                    r.id AS other_id \
             FROM family_links l LEFT JOIN residents r ON r.id_number = (CASE WHEN l.a_id_number = $1 THEN l.b_id_number ELSE l.a_id_number END) \
             WHERE (l.a_id_number = $1 OR l.b_id_number = $1) AND l.ended_at IS NULL ORDER BY l.created_at",
        )
        .bind(mine.as_str())
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| FamilyMember {
                link_id: r.get("id"),
                relation: Relation::parse(&r.get::<String, _>("relation"))
                    .unwrap_or(Relation::Other),
                name_masked: mask_name(&r.get::<String, _>("other_name")),
                since: app::rules::clock::shanghai_date(
                    chrono::DateTime::from_timestamp(r.get::<i64, _>("created_at"), 0)
                        .unwrap_or_default(),
                ),
                has_account: r.get::<Option<String>, _>("other_id").is_some(),
            })
            .collect())
    }

    /// Inserts a grant between two residents; a live one between them already is refused.
    #[allow(clippy::too_many_arguments)]
    async fn insert(
        &self,
        conn: &mut AnyConnection,
        elder: &str,
        proxy: &str,
        req: Terms<'_>,
        status: GrantStatus,
        recorded_by: Option<&str>,
        now: i64,
    ) -> DeskResult<String> {
        let id = new_id();
        let inserted = sqlx::query(
            "INSERT INTO proxy_grants (id, elder_id, proxy_id, relation, scopes, ends_on, status, recorded_by, created_at, confirmed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
        )
        .bind(&id)
        .bind(elder)
        .bind(proxy)
        .bind(req.relation.as_str())
        .bind(scopes_str(req.scopes))
        .bind(super::day_str(req.ends_on))
        .bind(status.as_str())
        .bind(recorded_by)
        .bind(now)
        .bind((status == GrantStatus::Active).then_some(now))
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected();
        if inserted != 1 {
            return Err(refused(req.field, Refusal::AlreadyGranted));
        }
        Ok(id)
    }

    fn view(row: &sqlx::any::AnyRow, today: NaiveDate) -> DeskResult<GrantView> {
        let status =
            GrantStatus::parse(&row.get::<String, _>("status")).unwrap_or(GrantStatus::Revoked);
        let scopes = Scope::list(&row.get::<String, _>("scopes"));
        let ends_on = super::day_of(&row.get::<String, _>("ends_on"))?;
        Ok(GrantView {
            id: row.get("id"),
            other_name: mask_name(
                &row.get::<Option<String>, _>("other_name")
                    .unwrap_or_default(),
            ),
            other_phone: mask_phone(&row.get::<String, _>("other_phone")),
            other_id: row.get("other_id"),
            relation: Relation::parse(&row.get::<String, _>("relation")).unwrap_or(Relation::Other),
            live: permits(
                status,
                &scopes,
                ends_on,
                scopes.first().copied().unwrap_or(Scope::Meals),
                today,
            ),
            scopes,
            ends_on,
            status,
            at_counter: row.get::<Option<String>, _>("recorded_by").is_some(),
        })
    }
}

#[async_trait::async_trait]
impl ProxyDesk for SqlProxy {
    async fn request(&self, who: &Resident, req: &GrantRequest) -> DeskResult<String> {
        if !who.is_real_name_bound() {
            return Err(refused("elder_phone", Refusal::RealNameRequired));
        }
        let now = self.clock.now().timestamp();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let Some((elder, _)) = bound_resident(&mut tx, &req.elder_phone, &req.elder_name).await?
        else {
            return Err(refused("elder_phone", Refusal::NoSuchElder));
        };
        if elder == who.id() {
            return Err(refused("elder_phone", Refusal::OwnAccount));
        }
        let id = self
            .insert(
                &mut tx,
                &elder,
                who.id(),
                req.into(),
                GrantStatus::Requested,
                None,
                now,
            )
            .await?;
        let name = mask_name(who.view().real_name.as_deref().unwrap_or_default());
        insert_message(&mut tx, &elder, "proxy_requested", &[("name", &name)], now).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn answer(&self, elder: &Resident, grant_id: &str, yes: bool) -> DeskResult<()> {
        let now = self.clock.now().timestamp();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        lock_subject(&mut tx, LOCK, grant_id).await?;
        let (to, sql) = if yes {
            (GrantStatus::Active, "UPDATE proxy_grants SET status = 'active', confirmed_at = $1 WHERE id = $2 AND elder_id = $3 AND status = 'requested'")
        } else {
            (GrantStatus::Declined, "UPDATE proxy_grants SET status = 'declined', ended_at = $1 WHERE id = $2 AND elder_id = $3 AND status = 'requested'")
        };
        let changed = sqlx::query(sql)
            .bind(now)
            .bind(grant_id)
            .bind(elder.id())
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if changed != 1 {
            return Err(refused("grant", Refusal::NotPending));
        }
        let proxy: String = sqlx::query_scalar("SELECT proxy_id FROM proxy_grants WHERE id = $1")
            .bind(grant_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let topic = if to == GrantStatus::Active {
            "proxy_confirmed"
        } else {
            "proxy_declined"
        };
        let name = mask_name(elder.view().real_name.as_deref().unwrap_or_default());
        insert_message(&mut tx, &proxy, topic, &[("name", &name)], now).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn revoke(&self, who: &Resident, grant_id: &str) -> DeskResult<()> {
        let now = self.clock.now().timestamp();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        lock_subject(&mut tx, LOCK, grant_id).await?;
        let row = sqlx::query("SELECT elder_id, proxy_id FROM proxy_grants WHERE id = $1")
            .bind(grant_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        let Some(row) = row else {
            return Err(refused("grant", Refusal::NotPending));
        };
        let (elder, proxy): (String, String) = (row.get(0), row.get(1));
        if who.id() != elder && who.id() != proxy {
            return Err(refused("grant", Refusal::NotPending));
        }
        let changed = sqlx::query(
            "UPDATE proxy_grants SET status = 'revoked', ended_at = $1 WHERE id = $2 AND status IN ('requested', 'active')",
        )
        .bind(now)
        .bind(grant_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            return Err(refused("grant", Refusal::NotPending));
        }
        let other = if who.id() == elder { &proxy } else { &elder };
        let name = mask_name(who.view().real_name.as_deref().unwrap_or_default());
        insert_message(&mut tx, other, "proxy_revoked", &[("name", &name)], now).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn grants(&self, who: &Resident) -> DeskResult<Grants> {
        let today = self.clock.today();
        let select = |side: &str, other: &str| {
            format!(
                "SELECT g.id, g.relation, g.scopes, g.ends_on, g.status, g.recorded_by, r.real_name AS other_name, r.phone AS other_phone, r.id AS other_id \
                 FROM proxy_grants g JOIN residents r ON r.id = g.{other} WHERE g.{side} = $1 AND g.status IN ('requested', 'active') ORDER BY g.created_at DESC"
            )
        };
        let mut out = Grants::default();
        for (side, other, list) in [
            ("elder_id", "proxy_id", &mut out.given),
            ("proxy_id", "elder_id", &mut out.held),
        ] {
            let rows = sqlx::query(&select(side, other))
                .bind(who.id())
                .fetch_all(self.db.pool())
                .await
                .map_err(db)?;
            for row in &rows {
                list.push(Self::view(row, today)?);
            }
        }
        out.family = self.family(who).await?;
        Ok(out)
    }

    async fn family_grant(
        &self,
        who: &Resident,
        link_id: &str,
        way: FamilyWay,
        scopes: &[Scope],
        ends_on: NaiveDate,
    ) -> DeskResult<String> {
        let now = self.clock.now().timestamp();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let Some(mine) = id_number_of(&mut tx, who.id()).await? else {
            return Err(refused("link", Refusal::RealNameRequired));
        };
        let row = sqlx::query(
            "SELECT a_id_number, b_id_number, relation FROM family_links WHERE id = $1 AND ended_at IS NULL \
             AND (a_id_number = $2 OR b_id_number = $2)",
        )
        .bind(link_id)
        .bind(mine.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| refused("link", Refusal::NotFamily))?;
        let (a, b): (String, String) = (row.get(0), row.get(1));
        let other_number = if a == mine.as_str() { b } else { a };
        let other: Option<String> =
            sqlx::query_scalar("SELECT id FROM residents WHERE id_number = $1 AND died_on IS NULL")
                .bind(&other_number)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let other = other.ok_or_else(|| refused("link", Refusal::FamilyNoAccount))?;
        let req = Terms {
            relation: Relation::parse(&row.get::<String, _>(2)).unwrap_or(Relation::Other),
            scopes,
            ends_on,
            field: "link",
        };
        let name = mask_name(who.view().real_name.as_deref().unwrap_or_default());
        let id = match way {
            FamilyWay::Give => {
                let id = self
                    .insert(
                        &mut tx,
                        who.id(),
                        &other,
                        req,
                        GrantStatus::Active,
                        None,
                        now,
                    )
                    .await?;
                insert_message(&mut tx, &other, "proxy_granted", &[("name", &name)], now).await?;
                id
            }
            FamilyWay::Ask => {
                let id = self
                    .insert(
                        &mut tx,
                        &other,
                        who.id(),
                        req,
                        GrantStatus::Requested,
                        None,
                        now,
                    )
                    .await?;
                insert_message(&mut tx, &other, "proxy_requested", &[("name", &name)], now).await?;
                id
            }
        };
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn record(
        &self,
        staff: &Staff,
        req: &GrantRequest,
        id_checked: &IdNumber,
        proxy_phone: &Phone,
    ) -> DeskResult<String> {
        if !app::proxy::model::may_record(staff.role()) {
            return Err(app::error::AppError::Forbidden.into());
        }
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let Some((elder, id_number)) =
            bound_resident(&mut tx, &req.elder_phone, &req.elder_name).await?
        else {
            return Err(refused("elder_phone", Refusal::NoSuchElder));
        };
        if id_number != id_checked.as_str() {
            // A card that does not match is audited too (who tried which elder), then refused.
            audit(&mut tx, now, staff.into(), "proxy.card_mismatch", &elder).await?;
            tx.commit().await.map_err(db)?;
            return Err(refused("elder_id_number", Refusal::IdMismatch));
        }
        let proxy: Option<String> = sqlx::query_scalar(
            "SELECT id FROM residents WHERE phone = $1 AND id_number IS NOT NULL",
        )
        .bind(proxy_phone.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(proxy) = proxy else {
            return Err(refused("proxy_phone", Refusal::RealNameRequired));
        };
        if proxy == elder {
            return Err(refused("proxy_phone", Refusal::OwnAccount));
        }
        let id = self
            .insert(
                &mut tx,
                &elder,
                &proxy,
                req.into(),
                GrantStatus::Active,
                Some(staff.id()),
                now.timestamp(),
            )
            .await?;
        audit(&mut tx, now, staff.into(), "proxy.record", &id).await?;
        for to in [&elder, &proxy] {
            insert_message(&mut tx, to, "proxy_recorded", &[], now.timestamp()).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(id)
    }
}

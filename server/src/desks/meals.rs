//! 老年助餐 in SQL. An order takes each dish's portion and the meal's place with a guarded
//! `UPDATE … WHERE taken < portions` (never oversold, on either engine), counts the elder's
//! subsidised meals under the elder's lock (an elder and a proxy ordering at once count one
//! after the other; `meal_subsidy_uses` keys one subsidy per day and meal), and charges the
//! price `policy::quote` gives. Acting for an elder needs a live proxy grant, checked in the
//! same transaction (`proxy::acting_for`). Canteen staff see and mark only their canteen's
//! orders; each order closes once (`UPDATE … WHERE status = 'placed'`), audited.

use super::{
    audit, day_of, day_str, db, idempotency, insert_message, lock_subject, new_id,
    proxy::{acting_for, elders_of},
    reference, upsert_affair, AffairItem,
};
use crate::{
    calendar_files::{attachment, failed, staff, XLSX},
    db::Db,
    registry::{Registry, Setup},
};
use app::{
    desk::{refused, DeskError, DeskResult},
    identity::Role,
    meals::{
        desk::MealDesk,
        model::{
            CanteenCard, CanteenDay, ElderChoice, Label, MealLists, MealsHome, MenuItemView,
            MenuView, NewItem, OrderForm, OrderItem, OrderStatus, OrderView, Outcome, Ratings,
            Refusal, SettlementView, StaffOrder, Usual,
        },
        policy::{quote, week_of, Cutoff, Elder, Line, Meal, Mode, Policies, Policy, Usage},
        settlement::{parse_month, settle, Served, Settlement},
    },
    proxy::model::{Relation, Scope},
    rules::{
        calendar::WorkCalendar, clock::Clock, id_number::IdNumber, money::Fen, name::mask_name,
    },
    web::{ClientAddr, Resident, Sessions, Staff},
};
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
    routing::get,
    Extension,
};
use axum_extra::extract::CookieJar;
use chrono::NaiveDate;
use http::StatusCode;
use rand::Rng;
use sqlx::{AnyConnection, Row};
use std::sync::Arc;

pub fn install(reg: &mut Registry, setup: &Setup) {
    let desk: Arc<dyn MealDesk> = Arc::new(SqlMeals::new(setup));
    reg.provide(desk.clone());
    super::life::register_step(
        reg,
        Arc::new(OrdersEndOnDeath {
            clock: setup.clock.clone(),
        }),
    );
    reg.route(
        axum::Router::new()
            .route(
                "/staff/meals/settlement/{canteen}/{file}",
                get(settlement_file),
            )
            .with_state(Routes {
                desk,
                sessions: super::sessions::sessions(setup),
            }),
    );
}

#[derive(Clone)]
struct Routes {
    desk: Arc<dyn MealDesk>,
    sessions: Arc<dyn Sessions>,
}

/// `GET /staff/meals/settlement/{canteen}/{YYYY-MM}.csv` (or `.xlsx`): a canteen's month by
/// tier, for the office (any canteen) or the canteen's operator (its own), audited.
async fn settlement_file(
    State(r): State<Routes>,
    Path((canteen, file)): Path<(String, String)>,
    jar: CookieJar,
    client: Option<Extension<ClientAddr>>,
) -> Response {
    let staff = match staff(&*r.sessions, &jar, client.as_deref()).await {
        Ok(s) => s,
        Err(res) => return res,
    };
    let (month, ext) = file.rsplit_once('.').unwrap_or((&file, ""));
    if !matches!(ext, "csv" | "xlsx") || parse_month(month).is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let views = match r.desk.settlements(&staff, month).await {
        Ok(v) => v,
        Err(e) => return failed(e),
    };
    let Some(v) = views.into_iter().find(|v| v.canteen_id == canteen) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let built = if ext == "csv" {
        settlement_csv(&v)
            .map(|b| (b, "text/csv; charset=utf-8"))
            .map_err(|e| e.to_string())
    } else {
        settlement_xlsx(&v)
            .map(|b| (b, XLSX))
            .map_err(|e| e.to_string())
    };
    match built {
        Ok((bytes, mime)) => attachment(
            bytes,
            mime,
            &format!("meals-{}-{}.{ext}", v.canteen_id, v.month),
        ),
        Err(e) => failed(internal(e)),
    }
}

const SETTLEMENT_HEADER: [&str; 7] = [
    "月份",
    "助餐点",
    "补贴档次",
    "助餐次数",
    "应付补贴（元）",
    "应付补贴（分）",
    "老人自付（分）",
];

fn yuan(f: Fen) -> String {
    let a = f.0.unsigned_abs();
    format!(
        "{}{}.{:02}",
        if f.0 < 0 { "-" } else { "" },
        a / 100,
        a % 100
    )
}

/// The month as CSV (UTF-8 with a byte-order mark): a line per tier and a total equal to their sum.
fn settlement_csv(v: &SettlementView) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(SETTLEMENT_HEADER)?;
        let s = &v.settlement;
        for r in &s.rows {
            let tier = if r.tier.is_empty() {
                "无补贴"
            } else {
                r.tier.as_str()
            };
            w.write_record([
                &v.month,
                &v.canteen_zh,
                tier,
                &r.meals.to_string(),
                &yuan(r.subsidy),
                &r.subsidy.0.to_string(),
                &r.paid.0.to_string(),
            ])?;
        }
        w.write_record([
            &v.month,
            &v.canteen_zh,
            "合计",
            &s.meals.to_string(),
            &yuan(s.subsidy),
            &s.subsidy.0.to_string(),
            &s.paid.0.to_string(),
        ])?;
        w.flush()?;
    }
    Ok(out)
}

/// The month as an XLSX workbook, the same lines and total as the CSV.
fn settlement_xlsx(v: &SettlementView) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(&v.month)?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    for (c, h) in SETTLEMENT_HEADER.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let s = &v.settlement;
    let mut row = 1u32;
    let mut line = |row: u32,
                    tier: &str,
                    meals: u32,
                    subsidy: Fen,
                    paid: Fen|
     -> Result<(), rust_xlsxwriter::XlsxError> {
        sheet.write_string(row, 0, &v.month)?;
        sheet.write_string(row, 1, &v.canteen_zh)?;
        sheet.write_string(row, 2, tier)?;
        sheet.write_number(row, 3, f64::from(meals))?;
        // Exact: every fen amount below 2^53 is exactly a double divided by 100 for display.
        sheet.write_number_with_format(row, 4, subsidy.0 as f64 / 100.0, &money)?;
        sheet.write_number(row, 5, subsidy.0 as f64)?;
        sheet.write_number(row, 6, paid.0 as f64)?;
        Ok(())
    };
    for r in &s.rows {
        line(
            row,
            if r.tier.is_empty() {
                "无补贴"
            } else {
                &r.tier
            },
            r.meals,
            r.subsidy,
            r.paid,
        )?;
        row += 1;
    }
    line(row, "合计", s.meals, s.subsidy, s.paid)?;
    book.save_to_buffer()
}

/// The meals desk over a setup (the tests and the demo loader build one too).
pub struct SqlMeals {
    db: Db,
    clock: Arc<dyn Clock>,
    calendar: Arc<WorkCalendar>,
    policies: Arc<Policies>,
}

/// A canteen as the desk needs it.
struct Canteen {
    card: CanteenCard,
    every_day: bool,
    lat: i64,
    lng: i64,
}

/// A canteen meal's places and cut-off.
struct MealSetup {
    capacity: i64,
    cutoff: Cutoff,
}

fn internal(e: impl std::fmt::Display) -> DeskError {
    DeskError::internal(e.to_string())
}

/// Metres between two points given in degrees × 10^6 (haversine; good to a few metres in a city).
fn distance_m(a: (i64, i64), b: (i64, i64)) -> u32 {
    let rad = |v: i64| (v as f64 / 1e6).to_radians();
    let (la1, lo1, la2, lo2) = (rad(a.0), rad(a.1), rad(b.0), rad(b.1));
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    (2.0 * 6_371_000.0 * h.sqrt().min(1.0).asin()) as u32
}

const CANTEEN_COLUMNS: &str = "c.unit_id, u.name_zh, u.name_en, c.address_zh, c.address_en, c.district, c.lat_e6, c.lng_e6, c.opens, c.dine_in, c.pickup, c.delivery, c.delivery_fee_fen, c.delivery_areas";

fn canteen_of(row: &sqlx::any::AnyRow) -> Canteen {
    let mut modes = vec![];
    for (col, mode) in [
        ("dine_in", Mode::DineIn),
        ("pickup", Mode::Pickup),
        ("delivery", Mode::Delivery),
    ] {
        if row.get::<i64, _>(col) != 0 {
            modes.push(mode);
        }
    }
    let areas: String = row.get("delivery_areas");
    Canteen {
        card: CanteenCard {
            id: row.get("unit_id"),
            name_zh: row.get("name_zh"),
            name_en: row.get("name_en"),
            address_zh: row.get("address_zh"),
            address_en: row.get("address_en"),
            district: row.get("district"),
            modes,
            delivery_fee: Fen(row.get("delivery_fee_fen")),
            delivery_areas: areas
                .split('|')
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect(),
            distance_m: None,
        },
        every_day: row.get::<String, _>("opens") == "every_day",
        lat: row.get("lat_e6"),
        lng: row.get("lng_e6"),
    }
}

fn item_of(row: &sqlx::any::AnyRow) -> MenuItemView {
    MenuItemView {
        id: row.get("id"),
        name_zh: row.get("name_zh"),
        name_en: row.get("name_en"),
        price: Fen(row.get("price_fen")),
        left: row.get::<i64, _>("portions") - row.get::<i64, _>("taken"),
        labels: Label::list(&row.get::<String, _>("labels")),
        allergens: row.get("allergens"),
    }
}

impl SqlMeals {
    pub fn new(setup: &Setup) -> Self {
        Self {
            db: setup.db.clone(),
            clock: setup.clock.clone(),
            calendar: setup.calendar.clone(),
            policies: Arc::new(Policies::shipped()),
        }
    }

    fn policy(&self, district: &str) -> DeskResult<&Policy> {
        self.policies
            .district(district)
            .ok_or_else(|| internal(format!("no meal policy for district {district}")))
    }

    async fn canteen(&self, conn: &mut AnyConnection, id: &str) -> DeskResult<Option<Canteen>> {
        let row = sqlx::query(&format!(
            "SELECT {CANTEEN_COLUMNS} FROM canteens c JOIN units u ON u.id = c.unit_id WHERE c.unit_id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        Ok(row.as_ref().map(canteen_of))
    }

    async fn meal_setup(
        &self,
        conn: &mut AnyConnection,
        canteen: &str,
        meal: Meal,
    ) -> DeskResult<Option<MealSetup>> {
        let row = sqlx::query(
            "SELECT capacity, cutoff_days_before, cutoff_minute FROM canteen_meals WHERE canteen_id = $1 AND meal = $2",
        )
        .bind(canteen)
        .bind(meal.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        Ok(row.map(|r| MealSetup {
            capacity: r.get(0),
            cutoff: Cutoff {
                days_before: r.get::<i64, _>(1).clamp(0, 30) as u32,
                at_minute: r.get::<i64, _>(2).clamp(0, 1439) as u32,
            },
        }))
    }

    fn serves(&self, canteen: &Canteen, day: NaiveDate) -> bool {
        canteen.every_day || self.calendar.is_working_day(day)
    }

    /// The elder's age on `day` and confirmed statuses; `None` if not real-name bound.
    async fn elder(
        &self,
        conn: &mut AnyConnection,
        elder_id: &str,
        day: NaiveDate,
    ) -> DeskResult<Option<(Elder, String)>> {
        let row = sqlx::query("SELECT id_number, real_name FROM residents WHERE id = $1")
            .bind(elder_id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let (Some(number), name) = (
            row.get::<Option<String>, _>(0),
            row.get::<Option<String>, _>(1),
        ) else {
            return Ok(None);
        };
        let id = IdNumber::parse(&number, day).map_err(|e| internal(format!("{e:?}")))?;
        let statuses = super::elders::live_statuses(conn, elder_id).await?;
        Ok(Some((
            Elder {
                age: id.age_on(day),
                statuses,
            },
            name.unwrap_or_default(),
        )))
    }

    async fn usage(
        &self,
        conn: &mut AnyConnection,
        elder_id: &str,
        day: NaiveDate,
        meal: Meal,
    ) -> DeskResult<Usage> {
        let row = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM meal_subsidy_uses WHERE elder_id = $1 AND day = $2 AND meal = $3), \
               (SELECT COUNT(*) FROM meal_subsidy_uses WHERE elder_id = $1 AND day = $2), \
               (SELECT COUNT(*) FROM meal_subsidy_uses WHERE elder_id = $1 AND week = $4)",
        )
        .bind(elder_id)
        .bind(day_str(day))
        .bind(meal.as_str())
        .bind(week_of(day))
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
        Ok(Usage {
            this_meal: row.get::<i64, _>(0) > 0,
            today: row.get::<i64, _>(1) as u32,
            this_week: row.get::<i64, _>(2) as u32,
        })
    }

    async fn menu_items(
        &self,
        conn: &mut AnyConnection,
        canteen: &str,
        day: NaiveDate,
        meal: Meal,
    ) -> DeskResult<Vec<MenuItemView>> {
        let rows = sqlx::query(
            "SELECT id, name_zh, name_en, price_fen, portions, taken, labels, allergens FROM menu_items \
             WHERE canteen_id = $1 AND day = $2 AND meal = $3 ORDER BY created_at, id",
        )
        .bind(canteen)
        .bind(day_str(day))
        .bind(meal.as_str())
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        Ok(rows.iter().map(item_of).collect())
    }

    /// Whom `who` may order for today: themselves (if bound) and the elders who granted them.
    async fn choices(&self, who: &Resident) -> DeskResult<Vec<ElderChoice>> {
        let mut out = vec![];
        if who.is_real_name_bound() {
            out.push(ElderChoice {
                id: who.id().to_owned(),
                name_masked: mask_name(who.view().real_name.as_deref().unwrap_or_default()),
                is_self: true,
            });
        }
        for (id, name, _) in
            elders_of(self.db.pool(), who.id(), Scope::Meals, self.clock.today()).await?
        {
            out.push(ElderChoice {
                id,
                name_masked: name,
                is_self: false,
            });
        }
        Ok(out)
    }

    /// Whether `who` may see `elder`'s orders: the elder, or a live grant (meals or records).
    async fn may_see(&self, who: &str, elder: &str) -> DeskResult<bool> {
        if who == elder {
            return Ok(true);
        }
        let today = self.clock.today();
        for scope in [Scope::Meals, Scope::Records] {
            if elders_of(self.db.pool(), who, scope, today)
                .await?
                .iter()
                .any(|(id, _, _)| id == elder)
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn load_order(
        &self,
        conn: &mut AnyConnection,
        viewer: &str,
        id: &str,
    ) -> DeskResult<OrderView> {
        let row = sqlx::query(
            "SELECT o.id, o.reference, o.elder_id, o.placed_by, o.canteen_id, o.day, o.meal, o.mode, o.delivery_area, o.status, \
                    o.food_fen, o.subsidy_fen, o.delivery_fen, o.pay_fen, o.lines, o.pickup_code, o.rating, \
                    e.real_name AS elder_name, p.real_name AS placer_name, u.name_zh, u.name_en \
             FROM meal_orders o JOIN residents e ON e.id = o.elder_id JOIN residents p ON p.id = o.placed_by \
             JOIN units u ON u.id = o.canteen_id WHERE o.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or_else(|| refused("order", Refusal::NoSuchOrder))?;
        let elder_id: String = row.get("elder_id");
        let placed_by: String = row.get("placed_by");
        let day = day_of(&row.get::<String, _>("day"))?;
        let meal = Meal::parse(&row.get::<String, _>("meal")).ok_or_else(|| internal("meal"))?;
        let status = OrderStatus::parse(&row.get::<String, _>("status"))
            .ok_or_else(|| internal("status"))?;
        let canteen_id: String = row.get("canteen_id");
        let cutoff = self
            .meal_setup(conn, &canteen_id, meal)
            .await?
            .and_then(|m| m.cutoff.instant(day))
            .map_or(0, |t| t.timestamp());
        let relation = if placed_by != elder_id {
            let rel: Option<String> = sqlx::query_scalar(
                "SELECT relation FROM proxy_grants WHERE elder_id = $1 AND proxy_id = $2 ORDER BY created_at DESC LIMIT 1",
            )
            .bind(&elder_id)
            .bind(&placed_by)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
            Some((
                mask_name(
                    &row.get::<Option<String>, _>("placer_name")
                        .unwrap_or_default(),
                ),
                rel.and_then(|r| Relation::parse(&r))
                    .unwrap_or(Relation::Other),
            ))
        } else {
            None
        };
        let items = sqlx::query(
            "SELECT item_id, name_zh, name_en, price_fen FROM meal_order_items WHERE order_id = $1 ORDER BY name_zh",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(|r| OrderItem {
            item_id: r.get(0),
            name_zh: r.get(1),
            name_en: r.get(2),
            price: Fen(r.get(3)),
        })
        .collect();
        let lines: Vec<Line> =
            serde_json::from_str(&row.get::<String, _>("lines")).unwrap_or_default();
        let now = self.clock.now().timestamp();
        Ok(OrderView {
            id: row.get("id"),
            reference: row.get("reference"),
            elder_masked: mask_name(
                &row.get::<Option<String>, _>("elder_name")
                    .unwrap_or_default(),
            ),
            for_elder: viewer != elder_id,
            elder_id,
            placed_by: relation,
            canteen_id,
            canteen_zh: row.get("name_zh"),
            canteen_en: row.get("name_en"),
            day,
            meal,
            mode: Mode::parse(&row.get::<String, _>("mode")).unwrap_or(Mode::DineIn),
            area: row.get("delivery_area"),
            status,
            items,
            food: Fen(row.get("food_fen")),
            subsidy: Fen(row.get("subsidy_fen")),
            delivery: Fen(row.get("delivery_fen")),
            pay: Fen(row.get("pay_fen")),
            lines,
            pickup_code: row.get("pickup_code"),
            qr: String::new(),
            cutoff_at: cutoff,
            can_cancel: status == OrderStatus::Placed && now < cutoff,
            rating: row
                .get::<Option<i64>, _>("rating")
                .map(|r| r.clamp(1, 5) as u8),
        })
    }

    /// Writes the order into the 我的办件 of its elder (and of the proxy who placed it); a
    /// placed order's next step is its meal, from the time the canteen starts serving it.
    async fn affairs(
        &self,
        conn: &mut AnyConnection,
        order_id: &str,
        reference: &str,
        status: OrderStatus,
        residents: &[&str],
        now: i64,
    ) -> DeskResult<()> {
        let link = format!("/meals/order/{order_id}");
        let next_at = if status == OrderStatus::Placed {
            meal_starts_at(conn, order_id).await?
        } else {
            None
        };
        for r in residents {
            upsert_affair(
                conn,
                r,
                &AffairItem {
                    service: "meals",
                    record_id: order_id,
                    reference,
                    status: status.as_str(),
                    link: &link,
                    next_at,
                },
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// The order of `staff`'s canteen, or `NoSuchOrder`.
    async fn staff_order(
        &self,
        conn: &mut AnyConnection,
        staff: &Staff,
        id: &str,
    ) -> DeskResult<(String, String, NaiveDate)> {
        let row = sqlx::query(
            "SELECT status, elder_id, day FROM meal_orders WHERE id = $1 AND canteen_id = $2",
        )
        .bind(id)
        .bind(staff.unit_id())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or_else(|| refused("order", Refusal::NoSuchOrder))?;
        Ok((row.get(0), row.get(1), day_of(&row.get::<String, _>(2))?))
    }
}

#[async_trait::async_trait]
impl MealDesk for SqlMeals {
    async fn home(&self, who: &Resident) -> DeskResult<MealsHome> {
        let choices = self.choices(who).await?;
        let today = self.clock.today();
        let now = self.clock.now();
        let mut conn = self.db.pool().acquire().await.map_err(db)?;
        let mut orders = vec![];
        let mut usual = vec![];
        for c in &choices {
            let ids: Vec<String> = sqlx::query_scalar(
                "SELECT id FROM meal_orders WHERE elder_id = $1 AND day >= $2 ORDER BY day, meal LIMIT 20",
            )
            .bind(&c.id)
            .bind(day_str(today - chrono::Days::new(7)))
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
            for id in ids {
                orders.push(self.load_order(&mut conn, who.id(), &id).await?);
            }
            // 再来一单: the last order that was not cancelled, for the next day it can be ordered.
            let last = sqlx::query(
                "SELECT o.id, o.canteen_id, o.meal, o.mode FROM meal_orders o WHERE o.elder_id = $1 AND o.status <> 'cancelled' \
                 ORDER BY o.created_at DESC LIMIT 1",
            )
            .bind(&c.id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
            let Some(last) = last else { continue };
            let (last_id, canteen_id): (String, String) = (last.get(0), last.get(1));
            let Some(meal) = Meal::parse(&last.get::<String, _>(2)) else {
                continue;
            };
            let Some(canteen) = self.canteen(&mut conn, &canteen_id).await? else {
                continue;
            };
            let Some(setup) = self.meal_setup(&mut conn, &canteen_id, meal).await? else {
                continue;
            };
            let names: Vec<String> =
                sqlx::query_scalar("SELECT name_zh FROM meal_order_items WHERE order_id = $1")
                    .bind(&last_id)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(db)?;
            for ahead in 1..=7u64 {
                let day = today + chrono::Days::new(ahead);
                if !self.serves(&canteen, day) || !setup.cutoff.is_open(day, now) {
                    continue;
                }
                let ordered: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM meal_orders WHERE elder_id = $1 AND day = $2 AND meal = $3 AND status <> 'cancelled'",
                )
                .bind(&c.id)
                .bind(day_str(day))
                .bind(meal.as_str())
                .fetch_one(&mut *conn)
                .await
                .map_err(db)?;
                if ordered > 0 {
                    continue;
                }
                let menu = self.menu_items(&mut conn, &canteen_id, day, meal).await?;
                let items: Vec<String> = menu
                    .iter()
                    .filter(|i| names.contains(&i.name_zh) && i.left > 0)
                    .map(|i| i.id.clone())
                    .collect();
                if menu.is_empty() {
                    continue;
                }
                usual.push(Usual {
                    elder: c.clone(),
                    canteen_id: canteen_id.clone(),
                    canteen_zh: canteen.card.name_zh.clone(),
                    canteen_en: canteen.card.name_en.clone(),
                    day,
                    meal,
                    mode: Mode::parse(&last.get::<String, _>(3)).unwrap_or(Mode::DineIn),
                    items,
                });
                break;
            }
        }
        Ok(MealsHome {
            today,
            choices,
            orders,
            usual,
        })
    }

    async fn canteens(&self, near: Option<(i64, i64)>) -> DeskResult<Vec<CanteenCard>> {
        let rows = sqlx::query(&format!(
            "SELECT {CANTEEN_COLUMNS} FROM canteens c JOIN units u ON u.id = c.unit_id ORDER BY c.district, u.name_zh"
        ))
        .fetch_all(self.db.pool())
        .await
        .map_err(db)?;
        let mut out: Vec<CanteenCard> = rows
            .iter()
            .map(|r| {
                let c = canteen_of(r);
                let mut card = c.card;
                card.distance_m = near.map(|p| distance_m(p, (c.lat, c.lng)));
                card
            })
            .collect();
        if near.is_some() {
            out.sort_by_key(|c| c.distance_m);
        }
        Ok(out)
    }

    async fn menu(
        &self,
        who: &Resident,
        elder_id: &str,
        canteen_id: &str,
        day: NaiveDate,
        meal: Meal,
        selected: &[String],
        mode: Option<Mode>,
    ) -> DeskResult<MenuView> {
        let choices = self.choices(who).await?;
        let Some(elder_choice) = choices.into_iter().find(|c| c.id == elder_id) else {
            return Err(if elder_id == who.id() {
                refused("elder", Refusal::RealNameRequired)
            } else {
                refused("elder", app::proxy::model::Refusal::NoGrant)
            });
        };
        let mut conn = self.db.pool().acquire().await.map_err(db)?;
        let canteen = self
            .canteen(&mut conn, canteen_id)
            .await?
            .ok_or_else(|| refused("canteen", Refusal::NoSuchCanteen))?;
        let setup = self.meal_setup(&mut conn, canteen_id, meal).await?;
        let items = self.menu_items(&mut conn, canteen_id, day, meal).await?;
        let taken: Option<i64> = sqlx::query_scalar(
            "SELECT taken FROM meal_sittings WHERE canteen_id = $1 AND day = $2 AND meal = $3",
        )
        .bind(canteen_id)
        .bind(day_str(day))
        .bind(meal.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        let now = self.clock.now();
        let cutoff_at = setup
            .as_ref()
            .and_then(|s| s.cutoff.instant(day))
            .map_or(0, |t| t.timestamp());
        let open = setup.as_ref().is_some_and(|s| s.cutoff.is_open(day, now))
            && self.serves(&canteen, day)
            && !items.is_empty();
        let mut selected: Vec<String> = selected
            .iter()
            .filter(|s| items.iter().any(|i| &i.id == *s && i.left > 0))
            .cloned()
            .collect();
        // Nothing chosen yet: the first dish with portions left, so the price shown is a real
        // one and an elder can order with one tap.
        if selected.is_empty() {
            selected.extend(items.iter().find(|i| i.left > 0).map(|i| i.id.clone()));
        }
        let mode = mode
            .filter(|m| canteen.card.modes.contains(m))
            .or_else(|| canteen.card.modes.first().copied())
            .unwrap_or(Mode::DineIn);
        let policy = self.policy(&canteen.card.district)?;
        let (elder, _) = self
            .elder(&mut conn, elder_id, day)
            .await?
            .ok_or_else(|| refused("elder", Refusal::RealNameRequired))?;
        let usage = self.usage(&mut conn, elder_id, day, meal).await?;
        Ok(MenuView {
            places_left: setup
                .as_ref()
                .map_or(0, |s| s.capacity - taken.unwrap_or(0)),
            canteen: canteen.card,
            day,
            meal,
            elder: elder_choice,
            items,
            cutoff_at,
            open,
            selected,
            mode,
            key: String::new(),
            policy: policy.clone(),
            facts: elder,
            usage,
        })
    }

    async fn order(&self, who: &Resident, form: &OrderForm, key: &str) -> DeskResult<String> {
        let owner = format!("meals:{}", who.id());
        if let Some(order_id) = idempotency::seen(self.db.pool(), &owner, key).await? {
            return Ok(order_id);
        }
        let now = self.clock.now();
        let today = self.clock.today();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        if let idempotency::Claim::Seen(outcome) =
            idempotency::claim(&mut tx, &owner, key, now.timestamp()).await?
        {
            return outcome.ok_or_else(|| app::error::AppError::BadRequest.into());
        }
        let grant = acting_for(
            &mut tx,
            who.id(),
            &form.elder_id,
            Scope::Meals,
            today,
            "elder",
        )
        .await?;
        let canteen = self
            .canteen(&mut tx, &form.canteen_id)
            .await?
            .ok_or_else(|| refused("canteen", Refusal::NoSuchCanteen))?;
        if !canteen.card.modes.contains(&form.mode) {
            return Err(refused("mode", Refusal::ModeUnavailable));
        }
        let (area, address) = if form.mode == Mode::Delivery {
            let area = form
                .area
                .clone()
                .filter(|a| canteen.card.delivery_areas.contains(a))
                .ok_or_else(|| refused("area", Refusal::AreaRequired))?;
            let address = form
                .address
                .clone()
                .ok_or_else(|| refused("address", Refusal::AddressRequired))?;
            (Some(area), Some(address))
        } else {
            (None, None)
        };
        let setup = self
            .meal_setup(&mut tx, &form.canteen_id, form.meal)
            .await?
            .filter(|_| self.serves(&canteen, form.day))
            .ok_or_else(|| refused("meal", Refusal::NotServed))?;
        if !setup.cutoff.is_open(form.day, now) {
            return Err(refused("meal", Refusal::CutOff));
        }
        // One elder's orders count one after another, whoever places them.
        lock_subject(&mut tx, "meal_elder", &form.elder_id).await?;
        let day = day_str(form.day);
        let existing: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM meal_orders WHERE elder_id = $1 AND day = $2 AND meal = $3 AND status <> 'cancelled'",
        )
        .bind(&form.elder_id)
        .bind(&day)
        .bind(form.meal.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        if existing > 0 {
            return Err(refused("meal", Refusal::AlreadyOrdered));
        }
        let mut items = vec![];
        for item_id in &form.items {
            if items.iter().any(|i: &MenuItemView| &i.id == item_id) {
                continue;
            }
            let row = sqlx::query(
                "SELECT id, name_zh, name_en, price_fen, portions, taken, labels, allergens FROM menu_items \
                 WHERE id = $1 AND canteen_id = $2 AND day = $3 AND meal = $4",
            )
            .bind(item_id)
            .bind(&form.canteen_id)
            .bind(&day)
            .bind(form.meal.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or_else(|| refused("items", Refusal::ItemUnknown))?;
            items.push(item_of(&row));
        }
        // The guards: a portion of each dish, and a place at the meal.
        for item in &items {
            let took = sqlx::query(
                "UPDATE menu_items SET taken = taken + 1 WHERE id = $1 AND taken < portions",
            )
            .bind(&item.id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
            if took != 1 {
                return Err(refused("items", Refusal::SoldOut));
            }
        }
        sqlx::query(
            "INSERT INTO meal_sittings (canteen_id, day, meal, capacity, taken) VALUES ($1, $2, $3, $4, 0) \
             ON CONFLICT (canteen_id, day, meal) DO NOTHING",
        )
        .bind(&form.canteen_id)
        .bind(&day)
        .bind(form.meal.as_str())
        .bind(setup.capacity)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let seated = sqlx::query(
            "UPDATE meal_sittings SET taken = taken + 1 WHERE canteen_id = $1 AND day = $2 AND meal = $3 AND taken < capacity",
        )
        .bind(&form.canteen_id)
        .bind(&day)
        .bind(form.meal.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if seated != 1 {
            return Err(refused("meal", Refusal::Full));
        }
        let policy = self.policy(&canteen.card.district)?;
        let (elder, _) = self
            .elder(&mut tx, &form.elder_id, form.day)
            .await?
            .ok_or_else(|| refused("elder", Refusal::RealNameRequired))?;
        let usage = self
            .usage(&mut tx, &form.elder_id, form.day, form.meal)
            .await?;
        let food = items
            .iter()
            .fold(Fen::ZERO, |a, i| Fen(a.0.saturating_add(i.price.0)));
        let fee = if form.mode == Mode::Delivery {
            canteen.card.delivery_fee
        } else {
            Fen::ZERO
        };
        let q = quote(policy, &elder, food, fee, usage);
        let order_id = new_id();
        let lines = serde_json::to_string(&q.lines).map_err(internal)?;
        let mut draws = reference::draws("ZC", today);
        let reference = loop {
            let candidate = draws.next_or_fail()?;
            let code = format!("{:04}", rand::thread_rng().gen_range(0..10_000));
            let clash: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM meal_orders WHERE canteen_id = $1 AND day = $2 AND pickup_code = $3 AND status <> 'cancelled'",
            )
            .bind(&form.canteen_id)
            .bind(&day)
            .bind(&code)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            if clash > 0 {
                continue;
            }
            let inserted = sqlx::query(
                "INSERT INTO meal_orders (id, reference, elder_id, placed_by, canteen_id, day, meal, mode, delivery_area, delivery_address, status, \
                   food_fen, subsidy_fen, delivery_fen, pay_fen, tier, lines, policy_version, pickup_code, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'placed', $11, $12, $13, $14, $15, $16, $17, $18, $19, $19) \
                 ON CONFLICT (reference) DO NOTHING",
            )
            .bind(&order_id)
            .bind(&candidate)
            .bind(&form.elder_id)
            .bind(who.id())
            .bind(&form.canteen_id)
            .bind(&day)
            .bind(form.meal.as_str())
            .bind(form.mode.as_str())
            .bind(&area)
            .bind(&address)
            .bind(q.food.0)
            .bind(q.subsidy.0)
            .bind(q.delivery.0)
            .bind(q.pay.0)
            .bind(&q.tier)
            .bind(&lines)
            .bind(&policy.version)
            .bind(&code)
            .bind(now.timestamp())
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
            if inserted == 1 {
                break candidate;
            }
        };
        for item in &items {
            sqlx::query("INSERT INTO meal_order_items (order_id, item_id, name_zh, name_en, price_fen) VALUES ($1, $2, $3, $4, $5)")
                .bind(&order_id)
                .bind(&item.id)
                .bind(&item.name_zh)
                .bind(&item.name_en)
                .bind(item.price.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        if q.subsidy.is_positive() {
            sqlx::query("INSERT INTO meal_subsidy_uses (elder_id, day, meal, week, order_id) VALUES ($1, $2, $3, $4, $5)")
                .bind(&form.elder_id)
                .bind(&day)
                .bind(form.meal.as_str())
                .bind(week_of(form.day))
                .bind(&order_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        let mut residents = vec![form.elder_id.as_str()];
        if grant.is_some() {
            residents.push(who.id());
            let name = mask_name(who.view().real_name.as_deref().unwrap_or_default());
            insert_message(
                &mut tx,
                &form.elder_id,
                "meals_ordered_for_you",
                &[("order", &order_id), ("name", &name)],
                now.timestamp(),
            )
            .await?;
        }
        self.affairs(
            &mut tx,
            &order_id,
            &reference,
            OrderStatus::Placed,
            &residents,
            now.timestamp(),
        )
        .await?;
        idempotency::record(&mut tx, &owner, key, &order_id).await?;
        tx.commit().await.map_err(db)?;
        Ok(order_id)
    }

    async fn order_view(&self, who: &Resident, order_id: &str) -> DeskResult<OrderView> {
        let mut conn = self.db.pool().acquire().await.map_err(db)?;
        let view = self.load_order(&mut conn, who.id(), order_id).await?;
        let placed_by_viewer: bool = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM meal_orders WHERE id = $1 AND placed_by = $2",
        )
        .bind(order_id)
        .bind(who.id())
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?
            > 0;
        if !placed_by_viewer && !self.may_see(who.id(), &view.elder_id).await? {
            return Err(refused("order", Refusal::NoSuchOrder));
        }
        Ok(view)
    }

    async fn cancel(&self, who: &Resident, order_id: &str) -> DeskResult<()> {
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let row = sqlx::query("SELECT elder_id, placed_by, canteen_id, day, meal, reference FROM meal_orders WHERE id = $1")
            .bind(order_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or_else(|| refused("order", Refusal::NoSuchOrder))?;
        let (elder, placed_by, canteen, day, meal, reference): (
            String,
            String,
            String,
            String,
            String,
            String,
        ) = (
            row.get(0),
            row.get(1),
            row.get(2),
            row.get(3),
            row.get(4),
            row.get(5),
        );
        if who.id() != elder {
            acting_for(
                &mut tx,
                who.id(),
                &elder,
                Scope::Meals,
                self.clock.today(),
                "order",
            )
            .await
            .map_err(|_| refused("order", Refusal::NoSuchOrder))?;
        }
        let meal = Meal::parse(&meal).ok_or_else(|| internal("meal"))?;
        let day_ = day_of(&day)?;
        let open = self
            .meal_setup(&mut tx, &canteen, meal)
            .await?
            .is_some_and(|s| s.cutoff.is_open(day_, now));
        if !open {
            return Err(refused("order", Refusal::CutOff));
        }
        let changed = sqlx::query(
            "UPDATE meal_orders SET status = 'cancelled', cancelled_by = $1, updated_at = $2 WHERE id = $3 AND status = 'placed'",
        )
        .bind(who.id())
        .bind(now.timestamp())
        .bind(order_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            return Err(refused("order", Refusal::AlreadyClosed));
        }
        release(&mut tx, order_id, &canteen, &day, meal.as_str()).await?;
        let mut residents = vec![elder.as_str()];
        if placed_by != elder {
            residents.push(placed_by.as_str());
        }
        self.affairs(
            &mut tx,
            order_id,
            &reference,
            OrderStatus::Cancelled,
            &residents,
            now.timestamp(),
        )
        .await?;
        for r in &residents {
            if *r != who.id() {
                insert_message(
                    &mut tx,
                    r,
                    "meals_cancelled",
                    &[("order", order_id)],
                    now.timestamp(),
                )
                .await?;
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn rate(&self, who: &Resident, order_id: &str, stars: u8, note: &str) -> DeskResult<()> {
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let changed = sqlx::query(
            "UPDATE meal_orders SET rating = $1, feedback = $2 WHERE id = $3 AND status = 'served' AND rating IS NULL \
             AND (elder_id = $4 OR placed_by = $4)",
        )
        .bind(i64::from(stars.clamp(1, 5)))
        .bind(note)
        .bind(order_id)
        .bind(who.id())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            return Err(refused("stars", Refusal::RatingInvalid));
        }
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn canteen_day(
        &self,
        staff: &Staff,
        day: NaiveDate,
        name: Option<&str>,
    ) -> DeskResult<CanteenDay> {
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let canteen = self
            .canteen(&mut tx, staff.unit_id())
            .await?
            .ok_or_else(|| refused("day", Refusal::NoSuchCanteen))?;
        let by_name = if name.is_some() { ":by_name" } else { "" };
        audit(
            &mut tx,
            now,
            staff.into(),
            "meals.day",
            &format!("{}:{}{by_name}", staff.unit_id(), day_str(day)),
        )
        .await?;
        let mut meals = vec![];
        for meal in Meal::ALL {
            if self
                .meal_setup(&mut tx, staff.unit_id(), meal)
                .await?
                .is_none()
            {
                continue;
            }
            let menu = self.menu_items(&mut tx, staff.unit_id(), day, meal).await?;
            let rows = sqlx::query(
                "SELECT o.id, o.reference, r.real_name, r.phone, o.mode, o.delivery_area, o.delivery_address, o.pay_fen, o.status, o.pickup_code \
                 FROM meal_orders o JOIN residents r ON r.id = o.elder_id \
                 WHERE o.canteen_id = $1 AND o.day = $2 AND o.meal = $3 AND o.status <> 'cancelled' \
                 AND ($4 = '' OR r.real_name = $4) ORDER BY o.created_at, o.id",
            )
            .bind(staff.unit_id())
            .bind(day_str(day))
            .bind(meal.as_str())
            .bind(name.unwrap_or_default())
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            let mut production: Vec<(String, i64)> = vec![];
            let mut labels: Vec<(Label, i64)> = vec![];
            let mut counter = vec![];
            let mut delivery: Vec<(String, Vec<StaffOrder>)> = canteen
                .card
                .delivery_areas
                .iter()
                .map(|a| (a.clone(), vec![]))
                .collect();
            for row in &rows {
                let id: String = row.get(0);
                let names: Vec<(String, String)> = sqlx::query(
                    "SELECT oi.name_zh, m.labels FROM meal_order_items oi JOIN menu_items m ON m.id = oi.item_id WHERE oi.order_id = $1 ORDER BY oi.name_zh",
                )
                .bind(&id)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
                for (name, l) in &names {
                    match production.iter_mut().find(|(n, _)| n == name) {
                        Some((_, c)) => *c += 1,
                        None => production.push((name.clone(), 1)),
                    }
                    for label in Label::list(l) {
                        match labels.iter_mut().find(|(x, _)| *x == label) {
                            Some((_, c)) => *c += 1,
                            None => labels.push((label, 1)),
                        }
                    }
                }
                let phone: String = row.get(3);
                let order = StaffOrder {
                    id,
                    reference: row.get(1),
                    elder_masked: mask_name(&row.get::<Option<String>, _>(2).unwrap_or_default()),
                    phone_last4: phone
                        .chars()
                        .rev()
                        .take(4)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect(),
                    mode: Mode::parse(&row.get::<String, _>(4)).unwrap_or(Mode::DineIn),
                    area: row.get(5),
                    address: row.get(6),
                    items: names.into_iter().map(|(n, _)| n).collect(),
                    pay: Fen(row.get(7)),
                    status: OrderStatus::parse(&row.get::<String, _>(8))
                        .unwrap_or(OrderStatus::Placed),
                    pickup_code: row.get(9),
                };
                if order.mode == Mode::Delivery {
                    let area = order.area.clone().unwrap_or_default();
                    match delivery.iter_mut().find(|(a, _)| *a == area) {
                        Some((_, list)) => list.push(order),
                        None => delivery.push((area, vec![order])),
                    }
                } else {
                    counter.push(order);
                }
            }
            labels.sort();
            delivery.retain(|(_, l)| !l.is_empty());
            meals.push(MealLists {
                meal,
                production,
                labels,
                counter,
                delivery,
                menu,
            });
        }
        tx.commit().await.map_err(db)?;
        Ok(CanteenDay {
            canteen_zh: canteen.card.name_zh,
            canteen_en: canteen.card.name_en,
            day,
            meals,
            name: name.map(str::to_owned),
        })
    }

    async fn add_item(&self, staff: &Staff, item: &NewItem) -> DeskResult<String> {
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        if self
            .meal_setup(&mut tx, staff.unit_id(), item.meal)
            .await?
            .is_none()
        {
            return Err(refused("meal", Refusal::NotServed));
        }
        let id = new_id();
        let labels: Vec<&str> = item.labels.iter().map(|l| l.as_str()).collect();
        sqlx::query(
            "INSERT INTO menu_items (id, canteen_id, day, meal, name_zh, name_en, price_fen, portions, taken, labels, allergens, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11)",
        )
        .bind(&id)
        .bind(staff.unit_id())
        .bind(day_str(item.day))
        .bind(item.meal.as_str())
        .bind(&item.name_zh)
        .bind(&item.name_en)
        .bind(item.price.0)
        .bind(item.portions)
        .bind(labels.join(","))
        .bind(&item.allergens)
        .bind(now.timestamp())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit(&mut tx, now, staff.into(), "meals.menu_add", &id).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn close(&self, staff: &Staff, order_id: &str, outcome: Outcome) -> DeskResult<()> {
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let (_, elder, day) = self.staff_order(&mut tx, staff, order_id).await?;
        if day > self.clock.today() {
            return Err(refused("order", Refusal::DayInvalid));
        }
        let settled: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM meal_settlements WHERE canteen_id = $1 AND month = $2",
        )
        .bind(staff.unit_id())
        .bind(&day_str(day)[..7])
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        if settled > 0 {
            return Err(refused("order", Refusal::AlreadySettled));
        }
        let to = match outcome {
            Outcome::Served => OrderStatus::Served,
            Outcome::NoShow => OrderStatus::NoShow,
        };
        let changed = sqlx::query(
            "UPDATE meal_orders SET status = $1, closed_by = $2, closed_at = $3, updated_at = $3 \
             WHERE id = $4 AND canteen_id = $5 AND status = 'placed'",
        )
        .bind(to.as_str())
        .bind(staff.id())
        .bind(now.timestamp())
        .bind(order_id)
        .bind(staff.unit_id())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            return Err(refused("order", Refusal::AlreadyClosed));
        }
        audit(
            &mut tx,
            now,
            staff.into(),
            &format!("meals.{}", to.as_str()),
            order_id,
        )
        .await?;
        let (placed_by, reference): (String, String) = {
            let r = sqlx::query("SELECT placed_by, reference FROM meal_orders WHERE id = $1")
                .bind(order_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
            (r.get(0), r.get(1))
        };
        let mut residents = vec![elder.as_str()];
        if placed_by != elder {
            residents.push(placed_by.as_str());
        }
        self.affairs(
            &mut tx,
            order_id,
            &reference,
            to,
            &residents,
            now.timestamp(),
        )
        .await?;
        if to == OrderStatus::NoShow {
            for r in &residents {
                insert_message(
                    &mut tx,
                    r,
                    "meals_no_show",
                    &[("order", order_id)],
                    now.timestamp(),
                )
                .await?;
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn settlements(&self, staff: &Staff, month: &str) -> DeskResult<Vec<SettlementView>> {
        let (y, m) = parse_month(month).ok_or_else(|| refused("month", Refusal::MonthInvalid))?;
        let month = format!("{y:04}-{m:02}");
        let now = self.clock.now();
        let today = day_str(self.clock.today());
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let canteens: Vec<(String, String, String)> = match staff.role() {
            Role::FinanceOfficer => sqlx::query(
                "SELECT c.unit_id, u.name_zh, u.name_en FROM canteens c JOIN units u ON u.id = c.unit_id ORDER BY u.name_zh",
            )
            .fetch_all(&mut *tx)
            .await,
            Role::CanteenOperator => sqlx::query(
                "SELECT c.unit_id, u.name_zh, u.name_en FROM canteens c JOIN units u ON u.id = c.unit_id WHERE c.unit_id = $1",
            )
            .bind(staff.unit_id())
            .fetch_all(&mut *tx)
            .await,
            _ => return Err(DeskError::from(app::error::AppError::Forbidden)),
        }
        .map_err(db)?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
        let mut out = vec![];
        for (id, zh, en) in canteens {
            let approved = sqlx::query(
                "SELECT s.rows, s.meals, s.subsidy_fen, s.paid_fen, COALESCE(st.display_name, s.approved_by), s.approved_at                  FROM meal_settlements s LEFT JOIN staff st ON st.id = s.approved_by WHERE s.canteen_id = $1 AND s.month = $2",
            )
            .bind(&id)
            .bind(&month)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
            let (settlement, approved) = match approved {
                // As approved: the figures the office signed, whatever happens later.
                Some(r) => (
                    Settlement {
                        rows: serde_json::from_str(&r.get::<String, _>(0)).map_err(internal)?,
                        meals: r.get::<i64, _>(1) as u32,
                        subsidy: Fen(r.get(2)),
                        paid: Fen(r.get(3)),
                    },
                    Some((r.get::<String, _>(4), r.get::<i64, _>(5))),
                ),
                None => (settle(&served_in(&mut tx, &id, &month).await?), None),
            };
            let rated = sqlx::query(
                "SELECT rating, COALESCE(feedback, ''), day FROM meal_orders WHERE canteen_id = $1 AND day >= $2 AND day <= $3 \
                 AND rating IS NOT NULL ORDER BY day DESC, id",
            )
            .bind(&id)
            .bind(format!("{month}-01"))
            .bind(format!("{month}-31"))
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            let stars: Vec<i64> = rated
                .iter()
                .map(|r| r.get::<i64, _>(0).clamp(1, 5))
                .collect();
            let ratings = Ratings {
                count: stars.len() as u32,
                average_tenths: if stars.is_empty() {
                    0
                } else {
                    (stars.iter().sum::<i64>() * 10 / stars.len() as i64) as u32
                },
                notes: rated
                    .iter()
                    .filter(|r| !r.get::<String, _>(1).is_empty())
                    .take(20)
                    .map(|r| {
                        Ok((
                            r.get::<i64, _>(0).clamp(1, 5) as u8,
                            r.get(1),
                            day_of(&r.get::<String, _>(2))?,
                        ))
                    })
                    .collect::<DeskResult<_>>()?,
            };
            out.push(SettlementView {
                ratings,
                canteen_id: id,
                canteen_zh: zh,
                canteen_en: en,
                closed: today.as_str() >= format!("{month}-32").as_str(),
                month: month.clone(),
                settlement,
                approved,
            });
        }
        audit(&mut tx, now, staff.into(), "meals.settlement_read", &month).await?;
        tx.commit().await.map_err(db)?;
        Ok(out)
    }

    async fn approve_settlement(
        &self,
        staff: &Staff,
        canteen_id: &str,
        month: &str,
    ) -> DeskResult<()> {
        if staff.role() != Role::FinanceOfficer {
            return Err(DeskError::from(app::error::AppError::Forbidden));
        }
        let (y, m) = parse_month(month).ok_or_else(|| refused("month", Refusal::MonthInvalid))?;
        let month = format!("{y:04}-{m:02}");
        // Only an ended month: today must be in a later one.
        if day_str(self.clock.today()) < format!("{month}-32") {
            return Err(refused("month", Refusal::MonthInvalid));
        }
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let s = settle(&served_in(&mut tx, canteen_id, &month).await?);
        let inserted = sqlx::query(
            "INSERT INTO meal_settlements (canteen_id, month, meals, subsidy_fen, paid_fen, rows, approved_by, approved_at)              SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM canteens WHERE unit_id = $1)              ON CONFLICT (canteen_id, month) DO NOTHING",
        )
        .bind(canteen_id)
        .bind(&month)
        .bind(i64::from(s.meals))
        .bind(s.subsidy.0)
        .bind(s.paid.0)
        .bind(serde_json::to_string(&s.rows).map_err(internal)?)
        .bind(staff.id())
        .bind(now.timestamp())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if inserted != 1 {
            return Err(refused("month", Refusal::AlreadySettled));
        }
        sqlx::query(
            "UPDATE meal_orders SET settled_month = $1 WHERE canteen_id = $2 AND day >= $3 AND day <= $4 AND status = 'served'",
        )
        .bind(&month)
        .bind(canteen_id)
        .bind(format!("{month}-01"))
        .bind(format!("{month}-31"))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit(
            &mut tx,
            now,
            staff.into(),
            "meals.settlement_approve",
            &format!("{canteen_id}:{month}"),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn find_code(&self, staff: &Staff, day: NaiveDate, code: &str) -> DeskResult<String> {
        let id: Option<String> = sqlx::query_scalar(
            "SELECT id FROM meal_orders WHERE canteen_id = $1 AND day = $2 AND pickup_code = $3 AND status = 'placed' ORDER BY meal LIMIT 1",
        )
        .bind(staff.unit_id())
        .bind(day_str(day))
        .bind(code)
        .fetch_optional(self.db.pool())
        .await
        .map_err(db)?;
        id.ok_or_else(|| refused("code", Refusal::NoSuchCode))
    }
}

/// The served orders of a canteen's month, as the settlement counts them.
/// Gives a cancelled order's portions, its place and its subsidy back. Call only from the
/// transaction whose guarded update cancelled it (`… WHERE status = 'placed'`).
async fn release(
    conn: &mut AnyConnection,
    order_id: &str,
    canteen: &str,
    day: &str,
    meal: &str,
) -> DeskResult<()> {
    sqlx::query(
        "UPDATE menu_items SET taken = taken - 1 WHERE taken > 0 AND id IN (SELECT item_id FROM meal_order_items WHERE order_id = $1)",
    )
    .bind(order_id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    sqlx::query("UPDATE meal_sittings SET taken = taken - 1 WHERE canteen_id = $1 AND day = $2 AND meal = $3 AND taken > 0")
        .bind(canteen)
        .bind(day)
        .bind(meal)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    sqlx::query("DELETE FROM meal_subsidy_uses WHERE order_id = $1")
        .bind(order_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// When an order's meal starts being served (its day at the canteen's serving time, Shanghai).
async fn meal_starts_at(conn: &mut AnyConnection, order_id: &str) -> DeskResult<Option<i64>> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT o.day, m.serve_from_minute FROM meal_orders o \
         JOIN canteen_meals m ON m.canteen_id = o.canteen_id AND m.meal = o.meal WHERE o.id = $1",
    )
    .bind(order_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    let Some((day, minute)) = row else {
        return Ok(None);
    };
    Ok(Some(
        app::appointments::model::slot_start(day_of(&day)?, "00:00").timestamp() + minute * 60,
    ))
}

/// 身后事: a deceased elder's meals from today on are cancelled (whoever ordered them), their
/// portions and places returned, and each canteen told on its workbench; the family members who
/// ordered them are told with the rest of the family.
struct OrdersEndOnDeath {
    clock: Arc<dyn Clock>,
}

#[async_trait::async_trait]
impl super::life::LifeStep for OrdersEndOnDeath {
    fn key(&self) -> &'static str {
        "meals.orders"
    }

    fn rank(&self) -> u16 {
        10
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
        let elder = event.subject_id.as_deref().unwrap_or_default();
        let today = day_str(self.clock.today());
        let rows = sqlx::query(
            "SELECT id, reference, placed_by, canteen_id, day, meal FROM meal_orders \
             WHERE elder_id = $1 AND status = 'placed' AND day >= $2 ORDER BY day, meal",
        )
        .bind(elder)
        .bind(&today)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mark = event.mark();
        let mut done = super::life::StepDone::default();
        let mut cancelled = 0;
        for r in rows {
            let (id, reference, placed_by, canteen, day, meal): (
                String,
                String,
                String,
                String,
                String,
                String,
            ) = (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5));
            let changed = sqlx::query(
                "UPDATE meal_orders SET status = 'cancelled', cancelled_by = $1, updated_at = $2 WHERE id = $3 AND status = 'placed'",
            )
            .bind(&mark)
            .bind(now.timestamp())
            .bind(&id)
            .execute(&mut *conn)
            .await
            .map_err(db)?
            .rows_affected();
            if changed != 1 {
                continue;
            }
            release(conn, &id, &canteen, &day, &meal).await?;
            for r in [elder, placed_by.as_str()] {
                upsert_affair(
                    conn,
                    r,
                    &AffairItem {
                        service: "meals",
                        record_id: &id,
                        reference: &reference,
                        status: OrderStatus::Cancelled.as_str(),
                        link: &format!("/meals/order/{id}"),
                        next_at: None,
                    },
                    now.timestamp(),
                )
                .await?;
            }
            super::insert_unit_notice(
                conn,
                &canteen,
                "meals_cancelled_deceased",
                &[("order", &reference), ("day", &day), ("meal", &meal)],
                now.timestamp(),
            )
            .await?;
            if placed_by != elder && !done.notify.contains(&placed_by) {
                done.notify.push(placed_by);
            }
            cancelled += 1;
        }
        Ok(done.with("orders", cancelled))
    }
}

async fn served_in(
    conn: &mut AnyConnection,
    canteen: &str,
    month: &str,
) -> DeskResult<Vec<Served>> {
    let rows = sqlx::query(
        "SELECT tier, subsidy_fen, pay_fen FROM meal_orders WHERE canteen_id = $1 AND day >= $2 AND day <= $3 AND status = 'served'",
    )
    .bind(canteen)
    .bind(format!("{month}-01"))
    .bind(format!("{month}-31"))
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    Ok(rows
        .iter()
        .map(|r| Served {
            tier: r.get(0),
            subsidy: Fen(r.get(1)),
            paid: Fen(r.get(2)),
        })
        .collect())
}

/// Demo data: the demo canteen's facts (in 海曙, dine-in, pick-up and delivery to three areas),
/// its lunch (cut-off 09:30 the same day) and dinner (cut-off 15:00), and a menu of three set
/// meals for each of the next 14 days. Loading twice changes nothing.
pub async fn load_demo(setup: &Setup, canteen: &str) -> anyhow::Result<()> {
    let db = &setup.db;
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO canteens (unit_id, district, address_zh, address_en, lat_e6, lng_e6, opens, dine_in, pickup, delivery, delivery_fee_fen, delivery_areas) \
         VALUES ($1, 'haishu', '海曙区西门街道望春路88号', '88 Wangchun Road, Ximen Street, Haishu', 29873000, 121538000, 'every_day', 1, 1, 1, 300, '望春社区|西门社区|孝闻社区') \
         ON CONFLICT (unit_id) DO NOTHING",
    )
    .bind(canteen)
    .execute(&mut *tx)
    .await?;
    for (meal, capacity, days_before, minute, from, until) in [
        ("lunch", 120_i64, 0_i64, 9 * 60 + 30, 11 * 60, 13 * 60),
        ("dinner", 60, 0, 15 * 60, 17 * 60, 18 * 60 + 30),
    ] {
        sqlx::query(
            "INSERT INTO canteen_meals (canteen_id, meal, capacity, cutoff_days_before, cutoff_minute, serve_from_minute, serve_until_minute) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (canteen_id, meal) DO NOTHING",
        )
        .bind(canteen)
        .bind(meal)
        .bind(capacity)
        .bind(days_before)
        .bind(minute)
        .bind(from)
        .bind(until)
        .execute(&mut *tx)
        .await?;
    }
    let today = setup.clock.today();
    let now = setup.clock.now().timestamp();
    for ahead in 0..14u64 {
        let day = day_str(today + chrono::Days::new(ahead));
        let has: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM menu_items WHERE canteen_id = $1 AND day = $2",
        )
        .bind(canteen)
        .bind(&day)
        .fetch_one(&mut *tx)
        .await?;
        if has > 0 {
            continue;
        }
        for (i, (meal, zh, en, price, portions, labels, allergens)) in [
            (
                "lunch",
                "A套餐 清蒸鱼 青菜 米饭",
                "Set A: steamed fish, greens, rice",
                1500_i64,
                60_i64,
                "low_salt,soft",
                "鱼",
            ),
            (
                "lunch",
                "B套餐 番茄炖牛腩 豆腐 米饭",
                "Set B: beef brisket with tomato, tofu, rice",
                1800,
                40,
                "soft",
                "大豆",
            ),
            (
                "lunch",
                "C套餐 素什锦 杂粮饭",
                "Set C: mixed vegetables, multigrain rice",
                1200,
                30,
                "low_salt,low_sugar",
                "",
            ),
            (
                "dinner",
                "晚餐套餐 小米粥 蒸蛋 时蔬",
                "Dinner set: millet porridge, steamed egg, greens",
                1000,
                40,
                "low_sugar,soft",
                "蛋",
            ),
        ]
        .into_iter()
        .enumerate()
        {
            sqlx::query(
                "INSERT INTO menu_items (id, canteen_id, day, meal, name_zh, name_en, price_fen, portions, taken, labels, allergens, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11)",
            )
            .bind(new_id())
            .bind(canteen)
            .bind(&day)
            .bind(meal)
            .bind(zh)
            .bind(en)
            .bind(price)
            .bind(portions)
            .bind(labels)
            .bind(allergens)
            .bind(now + i as i64)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

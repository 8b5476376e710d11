//! Server functions of elder meals: who is asking → parse into domain types → one desk call.

use super::model::{CanteenCard, CanteenDay, MealsHome, MenuView, OrderView, SettlementView};
use crate::error::AppResult;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::{
        desk::MealDesk,
        model::{Label, NewItem, OrderForm, Outcome, Refusal, MAX_ITEMS},
        policy::{Meal, Mode},
    },
    crate::{
        account::model::RealName,
        desk::{desk, platform},
        error::{AppError, Code},
        identity::Role,
        rules::{
            dates::{parse_day, DayRange},
            money::parse_yuan,
        },
        web::{self, checked_key},
    },
    chrono::NaiveDate,
};

/// The days a meal can be ordered for, or a menu kept: today to 60 days ahead.
#[cfg(feature = "ssr")]
const ORDER_DAYS: DayRange = DayRange { back: 0, ahead: 60 };

#[cfg(feature = "ssr")]
fn order_day(s: &str, field: &str) -> AppResult<NaiveDate> {
    let today = platform()?.clock.today();
    parse_day(s, today, ORDER_DAYS).ok_or_else(|| AppError::invalid(field, Refusal::DayInvalid))
}

#[cfg(feature = "ssr")]
fn meal_of(s: &str) -> AppResult<Meal> {
    Meal::parse(s).ok_or_else(|| AppError::invalid("meal", Code::Required))
}

/// A short id from a form (ids are hex); anything else is a bad request.
#[cfg(feature = "ssr")]
fn id(s: &str) -> AppResult<String> {
    let s = s.trim();
    if s.is_empty() || s.len() > 64 || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(AppError::BadRequest);
    }
    Ok(s.to_owned())
}

/// The meals home of the signed-in resident.
#[server(prefix = "/api", endpoint = "meals/home")]
pub async fn home() -> AppResult<MealsHome> {
    let me = web::require_resident().await?;
    Ok(desk::<dyn MealDesk>()?.home(&me).await?)
}

/// Canteens, nearest first when the phone shared where it is.
#[server(prefix = "/api", endpoint = "meals/canteens")]
pub async fn canteens(lat: Option<String>, lng: Option<String>) -> AppResult<Vec<CanteenCard>> {
    let coord = |s: &Option<String>, max: f64| {
        s.as_deref()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && v.abs() <= max)
            .map(|v| (v * 1e6).round() as i64)
    };
    let near = coord(&lat, 90.0).zip(coord(&lng, 180.0));
    Ok(desk::<dyn MealDesk>()?.canteens(near).await?)
}

/// A day's meal at a canteen, priced for the elder and the selection.
#[server(prefix = "/api", endpoint = "meals/menu")]
pub async fn menu(
    elder: String,
    canteen: String,
    day: String,
    meal: String,
    items: String,
    mode: String,
) -> AppResult<MenuView> {
    let me = web::require_resident().await?;
    let elder = if elder.is_empty() {
        me.id().to_owned()
    } else {
        id(&elder)?
    };
    let selected: Vec<String> = items
        .split(',')
        .filter(|s| !s.is_empty())
        .take(MAX_ITEMS)
        .map(id)
        .collect::<AppResult<_>>()?;
    let mut view = desk::<dyn MealDesk>()?
        .menu(
            &me,
            &elder,
            &id(&canteen)?,
            order_day(&day, "day")?,
            meal_of(&meal)?,
            &selected,
            Mode::parse(&mode),
        )
        .await?;
    view.key = web::new_idempotency_key()?;
    Ok(view)
}

/// 下单. The dishes come as `items[0]`, `items[1]`, … (checkboxes).
#[server(prefix = "/api", endpoint = "meals/order")]
#[allow(clippy::too_many_arguments)]
pub async fn place_order(
    elder: String,
    canteen: String,
    day: String,
    meal: String,
    items: Option<Vec<String>>,
    mode: String,
    area: Option<String>,
    address: Option<String>,
    idem_key: String,
) -> AppResult<()> {
    let address_typed = address.clone().unwrap_or_default();
    web::keeping_typed("meals_order", &[("address", &address_typed)], async {
        let me = web::require_resident().await?;
        let key = checked_key(&idem_key)?;
        let items = items.unwrap_or_default();
        if items.is_empty() {
            return Err(AppError::invalid("items", Refusal::ItemsRequired));
        }
        if items.len() > MAX_ITEMS {
            return Err(AppError::invalid("items", Refusal::TooManyItems));
        }
        let mode = Mode::parse(&mode)
            .ok_or_else(|| AppError::invalid("mode", Refusal::ModeUnavailable))?;
        let clean = |s: Option<String>, max: usize| {
            s.map(|v| v.trim().chars().take(max).collect::<String>())
                .filter(|v| !v.is_empty())
        };
        let form = OrderForm {
            elder_id: if elder.is_empty() {
                me.id().to_owned()
            } else {
                id(&elder)?
            },
            canteen_id: id(&canteen)?,
            day: order_day(&day, "day")?,
            meal: meal_of(&meal)?,
            items: items.iter().map(|s| id(s)).collect::<AppResult<_>>()?,
            mode,
            area: clean(area, 40),
            address: clean(address, 100),
        };
        let order_id = desk::<dyn MealDesk>()?.order(&me, &form, &key).await?;
        leptos_axum::redirect(&format!("/meals/order/{order_id}?new=1"));
        Ok(())
    })
    .await
}

/// One order (its elder and those acting for them).
#[server(prefix = "/api", endpoint = "meals/order-view")]
pub async fn get_order(order: String) -> AppResult<OrderView> {
    let me = web::require_resident().await?;
    let mut view = desk::<dyn MealDesk>()?
        .order_view(&me, &id(&order)?)
        .await?;
    view.qr = crate::appointments::model::qr_svg(&format!(
        "MZ-MEAL:{}:{}",
        view.reference, view.pickup_code
    ))
    .unwrap_or_default();
    Ok(view)
}

/// 取消订餐.
#[server(prefix = "/api", endpoint = "meals/cancel")]
pub async fn cancel_order(order: String) -> AppResult<()> {
    let me = web::require_resident().await?;
    desk::<dyn MealDesk>()?.cancel(&me, &id(&order)?).await?;
    Ok(())
}

/// 评价 after the meal.
#[server(prefix = "/api", endpoint = "meals/rate")]
pub async fn rate_order(order: String, stars: String, note: Option<String>) -> AppResult<()> {
    let me = web::require_resident().await?;
    let stars: u8 = stars
        .trim()
        .parse()
        .ok()
        .filter(|s| (1..=5).contains(s))
        .ok_or_else(|| AppError::invalid("stars", Refusal::RatingInvalid))?;
    let note = note.unwrap_or_default();
    if note.chars().count() > 200 {
        return Err(AppError::invalid("note", Refusal::RatingInvalid));
    }
    desk::<dyn MealDesk>()?
        .rate(&me, &id(&order)?, stars, note.trim())
        .await?;
    Ok(())
}

/// 按姓名查找: the operator types an elder's real name; the page then lists that elder's
/// orders of the day (the name is kept for the page after a plain post, never in the address).
#[server(prefix = "/api", endpoint = "meals/find")]
pub async fn find_by_name(name: String) -> AppResult<String> {
    web::require_staff()
        .await?
        .with_role(Role::CanteenOperator)?;
    let name = RealName::parse(&name)
        .map_err(|c| AppError::invalid("name", c))?
        .as_str()
        .to_owned();
    web::keep_typed("meals_find", &[("name", &name)]);
    Ok(name)
}

/// The canteen operator's day; with `name`, the orders of elders of that real name only.
#[server(prefix = "/api", endpoint = "meals/canteen-day")]
pub async fn canteen_lists(day: String, name: Option<String>) -> AppResult<CanteenDay> {
    let staff = web::require_staff()
        .await?
        .with_role(Role::CanteenOperator)?;
    let today = platform()?.clock.today();
    let d = if day.is_empty() {
        today
    } else {
        parse_day(&day, today, DayRange::CLERK_DAY)
            .ok_or_else(|| AppError::invalid("day", Refusal::DayInvalid))?
    };
    let name = name.filter(|n| !n.trim().is_empty());
    let name = match name {
        Some(n) => Some(
            RealName::parse(&n)
                .map_err(|c| AppError::invalid("name", c))?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    Ok(desk::<dyn MealDesk>()?
        .canteen_day(&staff, d, name.as_deref())
        .await?)
}

/// Adds a dish or set meal to a day's menu.
#[server(prefix = "/api", endpoint = "meals/add-item")]
#[allow(clippy::too_many_arguments)]
pub async fn add_item(
    day: String,
    meal: String,
    name_zh: String,
    name_en: String,
    price: String,
    portions: String,
    labels: Option<Vec<String>>,
    allergens: Option<String>,
) -> AppResult<()> {
    let allergens = allergens.unwrap_or_default();
    web::keeping_typed(
        "meals_item",
        &[
            ("name_zh", &name_zh),
            ("name_en", &name_en),
            ("price", &price),
            ("portions", &portions),
            ("allergens", &allergens),
        ],
        async {
            let staff = web::require_staff()
                .await?
                .with_role(Role::CanteenOperator)?;
            let name = |s: &str, field: &str| {
                let s = s.trim();
                if s.is_empty() || s.chars().count() > 40 {
                    Err(AppError::invalid(field, Refusal::NameRequired))
                } else {
                    Ok(s.to_owned())
                }
            };
            let price = parse_yuan(&price)
                .ok()
                .filter(|p| p.is_positive() && p.0 <= 100_000)
                .ok_or_else(|| AppError::invalid("price", Refusal::PriceInvalid))?;
            let portions: i64 = portions
                .trim()
                .parse()
                .ok()
                .filter(|p| (0..=10_000).contains(p))
                .ok_or_else(|| AppError::invalid("portions", Refusal::PortionsInvalid))?;
            let item = NewItem {
                day: order_day(&day, "day")?,
                meal: meal_of(&meal)?,
                name_zh: name(&name_zh, "name_zh")?,
                name_en: if name_en.trim().is_empty() {
                    name(&name_zh, "name_zh")?
                } else {
                    name(&name_en, "name_en")?
                },
                price,
                portions,
                labels: labels
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|l| Label::parse(l))
                    .collect(),
                allergens: allergens.trim().chars().take(60).collect(),
            };
            desk::<dyn MealDesk>()?.add_item(&staff, &item).await?;
            Ok(())
        },
    )
    .await
}

/// 已取餐 / 未取餐: marks an order once.
#[server(prefix = "/api", endpoint = "meals/close")]
pub async fn close_order(order: String, outcome: String) -> AppResult<()> {
    let staff = web::require_staff()
        .await?
        .with_role(Role::CanteenOperator)?;
    let outcome = match outcome.as_str() {
        "served" => Outcome::Served,
        "no_show" => Outcome::NoShow,
        _ => return Err(AppError::BadRequest),
    };
    desk::<dyn MealDesk>()?
        .close(&staff, &id(&order)?, outcome)
        .await?;
    Ok(())
}

/// Finds today's order by its pick-up code and marks it served.
#[server(prefix = "/api", endpoint = "meals/serve-code")]
pub async fn serve_code(code: String) -> AppResult<()> {
    web::keeping_typed("meals_code", &[("code", &code)], async {
        let staff = web::require_staff()
            .await?
            .with_role(Role::CanteenOperator)?;
        let code = code.trim();
        if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AppError::invalid("code", Refusal::NoSuchCode));
        }
        let today = platform()?.clock.today();
        let desk = desk::<dyn MealDesk>()?;
        let order = desk.find_code(&staff, today, code).await?;
        desk.close(&staff, &order, Outcome::Served).await?;
        Ok(())
    })
    .await
}

/// The month's settlement of every canteen (the finance office) or one's own (its operator);
/// without a month, the last one that ended.
#[server(prefix = "/api", endpoint = "meals/settlements")]
pub async fn settlements(month: String) -> AppResult<Vec<SettlementView>> {
    use chrono::Datelike;
    let staff = web::require_staff().await?;
    let month = if month.trim().is_empty() {
        let today = platform()?.clock.today();
        let last = today
            .with_day(1)
            .and_then(|d| d.pred_opt())
            .unwrap_or(today);
        format!("{:04}-{:02}", last.year(), last.month())
    } else {
        month
    };
    Ok(desk::<dyn MealDesk>()?.settlements(&staff, &month).await?)
}

/// 审核结算: the finance office approves a canteen's ended month.
#[server(prefix = "/api", endpoint = "meals/approve-settlement")]
pub async fn approve_settlement(canteen: String, month: String) -> AppResult<()> {
    let staff = web::require_staff()
        .await?
        .with_role(Role::FinanceOfficer)?;
    desk::<dyn MealDesk>()?
        .approve_settlement(&staff, &id(&canteen)?, &month)
        .await?;
    Ok(())
}

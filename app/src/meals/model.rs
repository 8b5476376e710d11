//! What travels between the meal pages and the server: canteens, the menu with its price
//! quote, orders as the elder, the proxy and the canteen see them; this service's refusals and
//! its catalogue entry.

use super::policy::{Line, Meal, Mode, Quote};
use crate::{i18n::Texts, rules::money::Fen};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// 饮食标签 — what a dish suits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// 低盐
    LowSalt,
    /// 低糖
    LowSugar,
    /// 软烂 — easy to chew.
    Soft,
}

impl Label {
    pub const ALL: [Label; 3] = [Label::LowSalt, Label::LowSugar, Label::Soft];

    pub fn as_str(self) -> &'static str {
        match self {
            Label::LowSalt => "low_salt",
            Label::LowSugar => "low_sugar",
            Label::Soft => "soft",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Labels from their stored comma list.
    pub fn list(s: &str) -> Vec<Label> {
        s.split(',')
            .filter_map(|w| Label::parse(w.trim()))
            .collect()
    }

    pub fn text(self, t: &'static Texts) -> &'static str {
        let x = t.meals();
        match self {
            Label::LowSalt => x.label_low_salt,
            Label::LowSugar => x.label_low_sugar,
            Label::Soft => x.label_soft,
        }
    }
}

pub fn meal_name(m: Meal, t: &'static Texts) -> &'static str {
    let x = t.meals();
    match m {
        Meal::Breakfast => x.breakfast,
        Meal::Lunch => x.lunch,
        Meal::Dinner => x.dinner,
    }
}

pub fn mode_name(m: Mode, t: &'static Texts) -> &'static str {
    let x = t.meals();
    match m {
        Mode::DineIn => x.mode_dine_in,
        Mode::Pickup => x.mode_pickup,
        Mode::Delivery => x.mode_delivery,
    }
}

/// One reason line of a price, in words.
pub fn line_text(l: &Line, t: &'static Texts, zh: bool) -> String {
    let x = t.meals();
    let y = |f: Fen| f.plain();
    match l {
        Line::Age { min_age, per_meal } => x.line_age(&y(*per_meal), &min_age.to_string()),
        Line::Status {
            name_zh,
            name_en,
            per_meal,
        } => x.line_status(&y(*per_meal), if zh { name_zh } else { name_en }),
        Line::UnderAge { min_age } => x.line_under_age(&min_age.to_string()),
        Line::ThisMealUsed => x.line_this_meal_used.to_owned(),
        Line::DayCapReached { used } => x.line_day_cap(&used.to_string()),
        Line::WeekCapReached { used } => x.line_week_cap(&used.to_string()),
        Line::WeekLeft { used, left } => x.line_week_left(&left.to_string(), &used.to_string()),
        Line::CappedAtPrice { subsidy } => x.line_capped(&y(*subsidy)),
        Line::DeliveryFee { fee } => x.line_delivery_fee(&y(*fee)),
    }
}

/// A canteen as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanteenCard {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub address_zh: String,
    pub address_en: String,
    pub district: String,
    pub modes: Vec<Mode>,
    pub delivery_fee: Fen,
    pub delivery_areas: Vec<String>,
    /// Metres from the phone, when it shared its location.
    pub distance_m: Option<u32>,
}

/// Someone the signed-in resident may order for: themselves, or an elder who granted them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElderChoice {
    pub id: String,
    pub name_masked: String,
    pub is_self: bool,
}

/// A dish or set meal on a day's menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuItemView {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub price: Fen,
    pub left: i64,
    pub labels: Vec<Label>,
    pub allergens: String,
}

/// A day's meal at a canteen, for ordering: the menu, whether it is still open, and the
/// price of the selection for this elder (the same function the desk charges with).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuView {
    pub canteen: CanteenCard,
    pub day: NaiveDate,
    pub meal: Meal,
    pub elder: ElderChoice,
    pub items: Vec<MenuItemView>,
    /// Unix seconds at which ordering and cancelling close.
    pub cutoff_at: i64,
    pub open: bool,
    pub places_left: i64,
    pub selected: Vec<String>,
    pub mode: Mode,
    /// A fresh idempotency key for the order form.
    #[serde(default)]
    pub key: String,
    /// What the price depends on, so the page prices the selection with the same
    /// [`super::policy::quote`] the desk charges with, in the browser as the boxes are ticked.
    pub policy: super::policy::Policy,
    pub facts: super::policy::Elder,
    pub usage: super::policy::Usage,
}

impl MenuView {
    /// The price of `selected` dishes in `mode`.
    pub fn quote(&self, selected: &[String], mode: Mode) -> Quote {
        let food = self
            .items
            .iter()
            .filter(|i| selected.contains(&i.id))
            .fold(Fen::ZERO, |a, i| Fen(a.0.saturating_add(i.price.0)));
        let fee = if mode == Mode::Delivery {
            self.canteen.delivery_fee
        } else {
            Fen::ZERO
        };
        super::policy::quote(&self.policy, &self.facts, food, fee, self.usage)
    }
}

/// An order form, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderForm {
    pub elder_id: String,
    pub canteen_id: String,
    pub day: NaiveDate,
    pub meal: Meal,
    pub items: Vec<String>,
    pub mode: Mode,
    pub area: Option<String>,
    pub address: Option<String>,
}

/// The most dishes in one order (a set meal and a couple of sides).
pub const MAX_ITEMS: usize = 4;

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Placed,
    Cancelled,
    Served,
    NoShow,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Served => "served",
            OrderStatus::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Placed, Self::Cancelled, Self::Served, Self::NoShow]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    /// In words, from the elder's side.
    pub fn text(self, t: &'static Texts) -> &'static str {
        let x = t.meals();
        match self {
            OrderStatus::Placed => x.status_placed,
            OrderStatus::Cancelled => x.status_cancelled,
            OrderStatus::Served => x.status_served,
            OrderStatus::NoShow => x.status_no_show,
        }
    }
}

/// A dish on an order, as priced when ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderItem {
    pub item_id: String,
    pub name_zh: String,
    pub name_en: String,
    pub price: Fen,
}

/// An order as the elder or their proxy sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: String,
    pub reference: String,
    pub elder_id: String,
    pub elder_masked: String,
    /// Who ordered it, when not the elder: their masked name and relation to the elder.
    pub placed_by: Option<(String, crate::proxy::model::Relation)>,
    /// The viewer acts for this elder (the order is not their own).
    pub for_elder: bool,
    pub canteen_id: String,
    pub canteen_zh: String,
    pub canteen_en: String,
    pub day: NaiveDate,
    pub meal: Meal,
    pub mode: Mode,
    pub area: Option<String>,
    pub status: OrderStatus,
    pub items: Vec<OrderItem>,
    pub food: Fen,
    pub subsidy: Fen,
    pub delivery: Fen,
    pub pay: Fen,
    pub lines: Vec<Line>,
    pub pickup_code: String,
    /// The pick-up QR (SVG, made on the server), for the counter's scanner.
    #[serde(default)]
    pub qr: String,
    pub cutoff_at: i64,
    pub can_cancel: bool,
    pub rating: Option<u8>,
}

/// The meals home: whom one may order for, the next orders, and the usual meal to order again
/// in one tap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MealsHome {
    /// The server's today (Asia/Shanghai).
    pub today: NaiveDate,
    pub choices: Vec<ElderChoice>,
    pub orders: Vec<OrderView>,
    pub usual: Vec<Usual>,
}

/// 再来一单: the last order of an elder, for the next day it can be ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usual {
    pub elder: ElderChoice,
    pub canteen_id: String,
    pub canteen_zh: String,
    pub canteen_en: String,
    pub day: NaiveDate,
    pub meal: Meal,
    pub mode: Mode,
    pub items: Vec<String>,
}

/// An order on the canteen's lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffOrder {
    pub id: String,
    pub reference: String,
    /// The masked name, and the phone's last four digits, to find the elder by.
    pub elder_masked: String,
    pub phone_last4: String,
    pub mode: Mode,
    pub area: Option<String>,
    pub address: Option<String>,
    pub items: Vec<String>,
    pub pay: Fen,
    pub status: OrderStatus,
    pub pickup_code: String,
}

/// One meal's lists at a canteen: what to cook (per dish and per diet label), and who comes
/// or where to deliver (delivery grouped by area in route order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MealLists {
    pub meal: Meal,
    pub production: Vec<(String, i64)>,
    pub labels: Vec<(Label, i64)>,
    pub counter: Vec<StaffOrder>,
    pub delivery: Vec<(String, Vec<StaffOrder>)>,
    pub menu: Vec<MenuItemView>,
}

/// A canteen's day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanteenDay {
    pub canteen_zh: String,
    pub canteen_en: String,
    pub day: NaiveDate,
    pub meals: Vec<MealLists>,
    /// The real name the lists are narrowed to (按姓名查找), if any.
    pub name: Option<String>,
}

/// A canteen's month for the civil-affairs office: the served meals by tier, the subsidy
/// owed, and whether it was approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementView {
    pub canteen_id: String,
    pub canteen_zh: String,
    pub canteen_en: String,
    pub month: String,
    pub settlement: super::settlement::Settlement,
    /// Who approved it, and when (unix seconds).
    pub approved: Option<(String, i64)>,
    /// The month has ended, so it can be approved.
    pub closed: bool,
    /// 评价: how the elders rated the month's meals.
    pub ratings: Ratings,
}

/// A month's ratings (seed 004: 消费后评价): how many, their average, the latest notes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratings {
    pub count: u32,
    /// The average in tenths of a star (45 is 4.5).
    pub average_tenths: u32,
    /// The latest notes: stars, the note, the meal's day.
    pub notes: Vec<(u8, String, NaiveDate)>,
}

/// A menu item the operator adds, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem {
    pub day: NaiveDate,
    pub meal: Meal,
    pub name_zh: String,
    pub name_en: String,
    pub price: Fen,
    pub portions: i64,
    pub labels: Vec<Label>,
    pub allergens: String,
}

/// How the canteen closes an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 已取餐 / 已送达
    Served,
    /// 未取餐
    NoShow,
}

/// Refusals of this service (`{"meals": …}` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// Ordering needs a bound real name (the age comes from the ID number).
    RealNameRequired,
    NoSuchCanteen,
    /// The canteen does not serve this meal on this day (closed, or no menu yet).
    NotServed,
    /// Ordering (or cancelling) closed at the cut-off.
    CutOff,
    /// A dish has no portions left.
    SoldOut,
    /// The meal has no places left.
    Full,
    /// Choose at least one dish.
    ItemsRequired,
    /// At most four dishes.
    TooManyItems,
    /// A dish is not on this day's menu.
    ItemUnknown,
    /// The canteen does not offer this way of getting the meal.
    ModeUnavailable,
    /// Delivery needs an area the canteen delivers to, and an address.
    AreaRequired,
    AddressRequired,
    /// The elder already has an order for this meal.
    AlreadyOrdered,
    /// No such order for you.
    NoSuchOrder,
    /// The order is no longer waiting (served, not collected or cancelled).
    AlreadyClosed,
    /// A price in yuan above zero, at most 1,000元.
    PriceInvalid,
    /// Portions: a whole number from 0 to 10,000.
    PortionsInvalid,
    NameRequired,
    /// A day from today on, within 60 days.
    DayInvalid,
    /// A rating from 1 to 5, after the meal was served; a note of at most 200 characters.
    RatingInvalid,
    /// No order has this pick-up code today.
    NoSuchCode,
    /// The month is settled: its orders no longer change.
    AlreadySettled,
    /// A month is `YYYY-MM`, and only an ended month can be approved.
    MonthInvalid,
}

impl crate::error::Refusal for Refusal {
    const SERVICE: &'static str = "meals";

    fn message(&self, t: &'static Texts) -> String {
        let x = t.meals();
        match self {
            Self::RealNameRequired => x.err_real_name,
            Self::NoSuchCanteen => x.err_no_such_canteen,
            Self::NotServed => x.err_not_served,
            Self::CutOff => x.err_cut_off,
            Self::SoldOut => x.err_sold_out,
            Self::Full => x.err_full,
            Self::ItemsRequired => x.err_items_required,
            Self::TooManyItems => x.err_too_many_items,
            Self::ItemUnknown => x.err_item_unknown,
            Self::ModeUnavailable => x.err_mode,
            Self::AreaRequired => x.err_area,
            Self::AddressRequired => x.err_address,
            Self::AlreadyOrdered => x.err_already_ordered,
            Self::NoSuchOrder => x.err_no_such_order,
            Self::AlreadyClosed => x.err_already_closed,
            Self::PriceInvalid => x.err_price,
            Self::PortionsInvalid => x.err_portions,
            Self::NameRequired => x.err_name,
            Self::DayInvalid => x.err_day,
            Self::RatingInvalid => x.err_rating,
            Self::NoSuchCode => x.err_no_such_code,
            Self::AlreadySettled => x.err_already_settled,
            Self::MonthInvalid => x.err_month,
        }
        .into()
    }
}

/// How the shared pages show this service.
#[cfg(feature = "ssr")]
pub const SERVICE: crate::catalogue::ServiceEntry = crate::catalogue::ServiceEntry {
    key: "meals",
    tile: Some(crate::catalogue::Tile {
        href: "/meals",
        name: |t| t.meals().title,
        body: |t| t.meals().tile_body,
    }),
    affair_title: |t| t.meals().title,
    affair_status: |status, t| OrderStatus::parse(status).map(|s| s.text(t).to_owned()),
    affair_next: |status, t| match OrderStatus::parse(status)? {
        OrderStatus::Placed => Some(t.meals().next_placed),
        OrderStatus::Served => Some(t.meals().next_served),
        _ => None,
    },
    notice: |topic, params, locale| {
        let x = locale.texts().meals();
        let link = params.get("order").map(|o| format!("/meals/order/{o}"));
        let (title, body) = match topic {
            "meals_ordered_for_you" => (x.msg_ordered_title, x.msg_ordered_body),
            "meals_cancelled" => (x.msg_cancelled_title, x.msg_cancelled_body),
            "meals_no_show" => (x.msg_no_show_title, x.msg_no_show_body),
            // To the canteen's workbench: an order it need not cook any more.
            "meals_cancelled_deceased" => {
                let get = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
                let day = chrono::NaiveDate::parse_from_str(get("day"), "%Y-%m-%d")
                    .map(|d| crate::ui::format::day(d, locale))
                    .unwrap_or_default();
                let meal = crate::meals::policy::Meal::parse(get("meal"))
                    .map(|m| meal_name(m, locale.texts()))
                    .unwrap_or_default();
                return Some(crate::catalogue::NoticeText {
                    title: x.msg_deceased_title.to_owned(),
                    body: x.msg_deceased_body(&day, meal, get("order")),
                    link: Some("/staff/meals".to_owned()),
                });
            }
            _ => return None,
        };
        Some(crate::catalogue::NoticeText {
            title: title.to_owned(),
            body: body.to_owned(),
            link,
        })
    },
    desks: &[
        crate::catalogue::StaffDesk {
            role: crate::identity::Role::CanteenOperator,
            href: "/staff/meals",
            name: |t| t.meals().desk_canteen,
            body: |t| t.meals().desk_canteen_body,
        },
        crate::catalogue::StaffDesk {
            role: crate::identity::Role::FinanceOfficer,
            href: "/staff/meals/settlement",
            name: |t| t.meals().desk_settlement,
            body: |t| t.meals().desk_settlement_body,
        },
    ],
    life_step: |step, params, locale| {
        let x = locale.texts().meals();
        (step == "meals.orders").then(|| match params.get("orders").map(String::as_str) {
            None | Some("0") => x.life_orders_none.to_owned(),
            Some(n) => x.life_orders(n),
        })
    },
};

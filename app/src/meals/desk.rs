//! (ssr) The meals desk: what this service's server functions need from the back end. Every
//! method takes a principal only the sign-in layer makes; acting for an elder is checked
//! against a live proxy grant inside the same transaction, and canteen staff see only their
//! canteen (audited).

use super::{
    model::{
        CanteenCard, CanteenDay, MealsHome, MenuView, NewItem, OrderForm, OrderView, Outcome,
        SettlementView,
    },
    policy::{Meal, Mode},
};
use crate::{
    desk::DeskResult,
    web::{Resident, Staff},
};
use chrono::NaiveDate;

#[async_trait::async_trait]
pub trait MealDesk: Send + Sync {
    /// Whom `who` may order for, their next orders, and their usual meals.
    async fn home(&self, who: &Resident) -> DeskResult<MealsHome>;
    /// Canteens: nearest first when `near` (lat, lng in degrees × 10^6) is given, else by
    /// district and name.
    async fn canteens(&self, near: Option<(i64, i64)>) -> DeskResult<Vec<CanteenCard>>;
    /// A day's meal for ordering, priced for `elder_id` (`who`, or an elder who granted them)
    /// with `selected` dishes and `mode`.
    #[allow(clippy::too_many_arguments)]
    async fn menu(
        &self,
        who: &Resident,
        elder_id: &str,
        canteen_id: &str,
        day: NaiveDate,
        meal: Meal,
        selected: &[String],
        mode: Option<Mode>,
    ) -> DeskResult<MenuView>;
    /// 下单: portions and places taken with guarded updates, the subsidy under the caps, the
    /// price as quoted. `key` makes a repeated submission answer the same order.
    async fn order(&self, who: &Resident, form: &OrderForm, key: &str) -> DeskResult<String>;
    /// The orders `who` placed or may see (their own, and those of elders who granted them).
    async fn order_view(&self, who: &Resident, order_id: &str) -> DeskResult<OrderView>;
    /// 取消: until the cut-off; the portions and the subsidy come back.
    async fn cancel(&self, who: &Resident, order_id: &str) -> DeskResult<()>;
    /// 评价: after the meal was served.
    async fn rate(&self, who: &Resident, order_id: &str, stars: u8, note: &str) -> DeskResult<()>;

    /// The canteen's day: what to cook, who comes, where to deliver (audited read); with
    /// `name`, only the orders of elders of that real name (the operator finds them by name).
    async fn canteen_day(
        &self,
        staff: &Staff,
        day: NaiveDate,
        name: Option<&str>,
    ) -> DeskResult<CanteenDay>;
    /// Adds a dish or set meal to the canteen's menu.
    async fn add_item(&self, staff: &Staff, item: &NewItem) -> DeskResult<String>;
    /// Marks an order served or not collected, once (a second tap changes nothing).
    async fn close(&self, staff: &Staff, order_id: &str, outcome: Outcome) -> DeskResult<()>;
    /// Every canteen's month (the finance office), or the staff member's own canteen's
    /// (its operator), audited.
    async fn settlements(&self, staff: &Staff, month: &str) -> DeskResult<Vec<SettlementView>>;
    /// 审核结算: the finance office approves an ended month of a canteen, once; its served
    /// orders are marked with the month and nothing of that month changes after.
    async fn approve_settlement(
        &self,
        staff: &Staff,
        canteen_id: &str,
        month: &str,
    ) -> DeskResult<()>;
    /// The order of today with this pick-up code at the staff member's canteen.
    async fn find_code(&self, staff: &Staff, day: NaiveDate, code: &str) -> DeskResult<String>;
}

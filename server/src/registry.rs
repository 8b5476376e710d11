//! What a service hands the server when it is installed (`crate::services`): the desks its
//! server functions take from context, its due work and start work, and its plain routes
//! (calendar files). The registry knows no service; a service's own extension points (the
//! appointment machinery's purposes) travel through [`Registry::extend`].

use crate::{
    config::Config,
    db::Db,
    jobs::{DueWork, StartWork},
    sms::SmsGateway,
};
use app::{
    appointments::peak::PeakDays,
    rules::{calendar::WorkCalendar, clock::Clock},
};
use std::{
    any::{Any, TypeId},
    collections::HashMap,
    sync::Arc,
};

/// What every service is built from.
#[derive(Clone)]
pub struct Setup {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub sms: Arc<dyn SmsGateway>,
    /// The working-day calendar offices open by and legal periods are counted with.
    pub calendar: Arc<WorkCalendar>,
    pub peak_days: Arc<PeakDays>,
    pub config: Arc<Config>,
}

type Provide = Arc<dyn Fn() + Send + Sync>;

/// Everything the services registered.
#[derive(Default, Clone)]
pub struct Registry {
    provides: Vec<Provide>,
    /// The same values by type (benchmarks and tests reach a desk without a request).
    provided: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    pub due_work: Vec<Arc<dyn DueWork>>,
    pub start_work: Vec<Arc<dyn StartWork>>,
    pub routes: Vec<axum::Router>,
    extensions: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
}

impl Registry {
    /// Puts `value` (a desk: `Arc<dyn …Desk>`) into every request's context.
    pub fn provide<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        self.provided
            .insert(TypeId::of::<T>(), Arc::new(value.clone()));
        self.provides.push(Arc::new(move || {
            leptos::prelude::provide_context(value.clone())
        }));
    }

    /// What was provided as `T` (e.g. `Arc<dyn AppointmentDesk>`), outside a request.
    pub fn get<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.provided
            .get(&TypeId::of::<T>())
            .and_then(|v| v.downcast_ref::<T>())
            .cloned()
    }

    /// Provides everything registered (called once per request).
    pub fn provide_all(&self) {
        for p in &self.provides {
            p();
        }
    }

    pub fn due(&mut self, work: Arc<dyn DueWork>) {
        self.due_work.push(work);
    }

    pub fn on_start(&mut self, work: Arc<dyn StartWork>) {
        self.start_work.push(work);
    }

    pub fn route(&mut self, routes: axum::Router) {
        self.routes.push(routes);
    }

    /// Adds `item` to the list of `T`s another service collects (e.g. appointment purposes).
    pub fn extend<T: Clone + Send + Sync + 'static>(&mut self, item: T) {
        let list = self
            .extensions
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(Vec::<T>::new()));
        let mut items: Vec<T> = list.downcast_ref::<Vec<T>>().cloned().unwrap_or_default();
        items.push(item);
        *list = Arc::new(items);
    }

    /// Every `T` the services added so far.
    pub fn extensions<T: Clone + Send + Sync + 'static>(&self) -> Vec<T> {
        self.extensions
            .get(&TypeId::of::<T>())
            .and_then(|l| l.downcast_ref::<Vec<T>>())
            .cloned()
            .unwrap_or_default()
    }
}

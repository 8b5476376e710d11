//! The one place the server lists its services: each installs its desks, due work, start work
//! and plain routes into the registry. A new service adds one line here (and one to
//! `app/src/services.rs` for its pages and texts). Order matters once: a service that lends
//! its machinery to others (appointments) is installed after those that register with it.

use crate::{
    desks,
    registry::{Registry, Setup},
};

/// Installs every service.
pub fn install_all(setup: &Setup) -> Registry {
    app::services::init();
    let mut reg = Registry::default();
    desks::accounts::install(&mut reg, setup);
    desks::staff::install(&mut reg, setup);
    desks::marriage::install(&mut reg, setup);
    desks::divorce::install(&mut reg, setup);
    desks::after_death::install(&mut reg, setup);
    desks::proxy::install(&mut reg, setup);
    desks::elders::install(&mut reg, setup);
    desks::meals::install(&mut reg, setup);
    desks::timebank::install(&mut reg, setup);
    // It takes the purposes the services above registered.
    desks::appointments::install(&mut reg, setup);
    // Last: it takes the life-event steps every service above registered.
    desks::life::install(&mut reg, setup);
    reg
}

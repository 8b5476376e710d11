//! 人生事件 — one life event followed by every service (issue 15): how the family reads its
//! progress, and its one message. The server records events and runs each service's part
//! (`server::desks::life`); each service says in its own words what its part did
//! (`catalogue::ServiceEntry::life_step`), so this module knows no service.

pub mod model;

//! Pure rules shared by the browser (instant feedback) and the server (the decision that counts).
//! Nothing in here does I/O or reads a clock: "now" and "today" are always arguments.

pub mod bank_card;
pub mod calendar;
pub mod clock;
pub mod dates;
pub mod id_number;
pub mod legal_period;
pub mod money;
pub mod name;
pub mod otp;
pub mod phone;

//! The SMS gateway: the one true outside edge, behind a trait.
//!
//! The development gateway writes each message to the log (with the number masked) and keeps
//! the last code per number so the development sign-in page, and tests, can read it.

use app::rules::phone::Phone;
use std::{collections::HashMap, sync::Mutex};

#[async_trait::async_trait]
pub trait SmsGateway: Send + Sync {
    /// Sends a sign-in code.
    async fn send_code(&self, phone: &Phone, code: &str) -> anyhow::Result<()>;
    /// Sends a short notice (an invitation, a reminder). It carries no ID number and no name.
    async fn send_notice(&self, phone: &str, text: &str) -> anyhow::Result<()>;
    /// The last code sent to `phone`, where the gateway can tell (development only).
    fn last_code(&self, _phone: &str) -> Option<String> {
        None
    }
}

/// Logs instead of sending.
#[derive(Default)]
pub struct DevSms {
    outbox: Mutex<HashMap<String, String>>,
    notices: Mutex<Vec<(String, String)>>,
}

impl DevSms {
    /// The notices sent to `phone`, oldest first (development and tests).
    pub fn notices_to(&self, phone: &str) -> Vec<String> {
        self.notices
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(p, _)| p == phone)
            .map(|(_, t)| t.clone())
            .collect()
    }
}

#[async_trait::async_trait]
impl SmsGateway for DevSms {
    async fn send_code(&self, phone: &Phone, code: &str) -> anyhow::Result<()> {
        tracing::info!(phone = %phone, code, "dev SMS: sign-in code");
        self.outbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(phone.as_str().to_owned(), code.to_owned());
        Ok(())
    }

    async fn send_notice(&self, phone: &str, text: &str) -> anyhow::Result<()> {
        let masked = Phone::parse(phone)
            .map(|p| p.to_string())
            .unwrap_or_default();
        tracing::info!(phone = %masked, text, "dev SMS: notice");
        self.notices
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((phone.to_owned(), text.to_owned()));
        Ok(())
    }

    fn last_code(&self, phone: &str) -> Option<String> {
        self.outbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(phone)
            .cloned()
    }
}

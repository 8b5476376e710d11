//! One typed configuration, from flags or environment variables (the README lists them all).

use clap::{Parser, Subcommand};
use std::{fmt, net::SocketAddr};

#[derive(Debug, Parser)]
#[command(name = "server", about = "民政一件事 — One-Thing Civil Affairs")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app (the default).
    Serve,
    /// Manage administrators.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminAction {
    /// Create an administrator (the first one, or another).
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "系统管理员")]
        display_name: String,
        /// The password; read from ADMIN_PASSWORD so it stays out of the shell history.
        #[arg(long, env = "ADMIN_PASSWORD", hide_env_values = true)]
        password: Secret,
    },
}

/// Whether the server runs for people trying it out or for real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AppEnv {
    /// Shows the one-time code on the sign-in page. Never in production.
    Development,
    Production,
}

/// A secret from the environment: `Debug` and `Display` never print it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

#[derive(Clone, clap::Args)]
pub struct Config {
    /// Database URL: `sqlite://data/mz.db` (the file and folder are created) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/mz.db",
        global = true
    )]
    pub database_url: String,
    /// Address to listen on.
    #[arg(
        long,
        env = "BIND_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub bind_addr: SocketAddr,
    /// Folder with the built site (`/pkg`, icons, manifest), as cargo-leptos writes it.
    #[arg(
        long,
        env = "LEPTOS_SITE_ROOT",
        default_value = "target/site",
        global = true
    )]
    pub site_root: String,
    /// `development` or `production`.
    #[arg(
        long,
        env = "APP_ENV",
        value_enum,
        default_value = "production",
        global = true
    )]
    pub app_env: AppEnv,
    /// Load the demo office, canteen, organisation and staff accounts at start.
    #[arg(long, env = "DEMO_DATA", default_value_t = false, global = true)]
    pub demo_data: bool,
    /// Mark cookies `Secure` (set when served over https).
    #[arg(long, env = "SECURE_COOKIES", default_value_t = false, global = true)]
    pub secure_cookies: bool,
    /// Take the caller's address from `X-Forwarded-For` (only behind a proxy you run).
    #[arg(long, env = "TRUST_PROXY", default_value_t = false, global = true)]
    pub trust_proxy: bool,
    /// Secret mixed into stored one-time-code hashes; random at each start if unset
    /// (set it when several instances share a database).
    #[arg(long, env = "OTP_SECRET", hide_env_values = true, global = true)]
    pub otp_secret: Option<Secret>,
    /// Codes one address may ask for per hour.
    #[arg(
        long,
        env = "OTP_PER_ADDRESS_PER_HOUR",
        default_value_t = 20,
        global = true
    )]
    pub otp_per_address_per_hour: u32,
    /// Codes one number may receive per hour.
    #[arg(
        long,
        env = "OTP_PER_NUMBER_PER_HOUR",
        default_value_t = 5,
        global = true
    )]
    pub otp_per_number_per_hour: u32,
    /// Code checks one address may make per hour.
    #[arg(
        long,
        env = "VERIFY_PER_ADDRESS_PER_HOUR",
        default_value_t = 60,
        global = true
    )]
    pub verify_per_address_per_hour: u32,
    /// Start the clock at this instant (RFC 3339) and let it run: for demos and end-to-end tests.
    #[arg(long, env = "CLOCK_START", global = true)]
    pub clock_start: Option<String>,
    /// Development only, with CLOCK_START: `POST /dev/clock` (form `at`, RFC 3339) sets the
    /// clock, so end-to-end tests can reach the day of an appointment they just booked.
    #[arg(long, env = "CLOCK_CONTROL", default_value_t = false, global = true)]
    pub clock_control: bool,
    /// Folder for uploaded documents (the file store), created at start.
    #[arg(long, env = "FILES_DIR", default_value = "data/files", global = true)]
    pub files_dir: String,
    /// Largest uploaded document, in bytes (an upload's request may be this plus its form).
    #[arg(long, env = "UPLOAD_MAX_BYTES", default_value_t = 8 * 1024 * 1024, global = true)]
    pub upload_max_bytes: usize,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 64 * 1024, global = true)]
    pub max_body_bytes: usize,
    /// Longest a request may take, in seconds, from its arrival to the head of the answer
    /// (reading its body included); then it is answered 503 (408 while its body is still on
    /// the way), never left hanging.
    #[arg(
        long,
        env = "REQUEST_TIMEOUT_SECS",
        default_value_t = 30,
        global = true
    )]
    pub request_timeout_secs: u64,
}

impl Config {
    pub fn dev_mode(&self) -> bool {
        self.app_env == AppEnv::Development
    }
}

/// The same as printed at start: secrets and database passwords masked.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Printed at start. Secrets and database passwords are masked.
impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "  DATABASE_URL            {}",
            mask_url(&self.database_url)
        )?;
        writeln!(f, "  BIND_ADDR               {}", self.bind_addr)?;
        writeln!(f, "  LEPTOS_SITE_ROOT        {}", self.site_root)?;
        writeln!(f, "  APP_ENV                 {:?}", self.app_env)?;
        writeln!(f, "  DEMO_DATA               {}", self.demo_data)?;
        writeln!(f, "  SECURE_COOKIES          {}", self.secure_cookies)?;
        writeln!(f, "  TRUST_PROXY             {}", self.trust_proxy)?;
        writeln!(
            f,
            "  OTP_SECRET              {}",
            if self.otp_secret.is_some() {
                "********"
            } else {
                "(random per start)"
            }
        )?;
        writeln!(
            f,
            "  OTP_PER_ADDRESS_PER_HOUR {}",
            self.otp_per_address_per_hour
        )?;
        writeln!(
            f,
            "  OTP_PER_NUMBER_PER_HOUR {}",
            self.otp_per_number_per_hour
        )?;
        writeln!(
            f,
            "  VERIFY_PER_ADDRESS_PER_HOUR {}",
            self.verify_per_address_per_hour
        )?;
        writeln!(
            f,
            "  CLOCK_START             {}",
            self.clock_start.as_deref().unwrap_or("(system clock)")
        )?;
        writeln!(f, "  CLOCK_CONTROL           {}", self.clock_control)?;
        writeln!(f, "  FILES_DIR               {}", self.files_dir)?;
        writeln!(f, "  UPLOAD_MAX_BYTES        {}", self.upload_max_bytes)?;
        writeln!(f, "  MAX_BODY_BYTES          {}", self.max_body_bytes)?;
        write!(f, "  REQUEST_TIMEOUT_SECS    {}", self.request_timeout_secs)
    }
}

/// Hides the password of a `scheme://user:password@host/db` URL.
pub fn mask_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:********{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_masked() {
        assert_eq!(
            mask_url("postgres://mz:s3cret@db:5432/mz"),
            "postgres://mz:********@db:5432/mz"
        );
        assert_eq!(mask_url("sqlite://data/mz.db"), "sqlite://data/mz.db");
    }

    #[test]
    fn the_printed_configuration_holds_no_secret() {
        let cli = Cli::parse_from([
            "server",
            "--otp-secret",
            "hunter2",
            "--database-url",
            "postgres://a:b@c/d",
        ]);
        for shown in [cli.config.to_string(), format!("{cli:?}")] {
            assert!(
                !shown.contains("hunter2") && !shown.contains(":b@"),
                "{shown}"
            );
        }
    }
}

//! The SQL implementations of the desks, one file per service, and what they share.

pub mod accounts;
pub mod divorce;
pub mod marriage;
pub mod staff;

use app::desk::DeskError;
use rand::Rng;
use sha2::{Digest, Sha256};

/// A random 128-bit identifier, hex-encoded.
pub fn new_id() -> String {
    hex::encode(rand::thread_rng().gen::<[u8; 16]>())
}

/// A random 256-bit session token for a cookie.
pub fn new_token() -> String {
    hex::encode(rand::thread_rng().gen::<[u8; 32]>())
}

/// What is stored of a token: its SHA-256.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Every database failure is internal: logged, never shown.
pub fn db(e: sqlx::Error) -> DeskError {
    DeskError::internal(e)
}

/// Counts events of `scope` for `subject` since `since` (the brute-force limits).
pub async fn count_events(
    conn: &mut sqlx::AnyConnection,
    scope: &str,
    subject: &str,
    since: i64,
) -> Result<i64, DeskError> {
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM rate_events WHERE scope = $1 AND subject = $2 AND at >= $3",
    )
    .bind(scope)
    .bind(subject)
    .bind(since)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)
}

/// Records one event for the brute-force limits, and drops events older than a day.
pub async fn record_event(
    conn: &mut sqlx::AnyConnection,
    scope: &str,
    subject: &str,
    at: i64,
) -> Result<(), DeskError> {
    sqlx::query("INSERT INTO rate_events (scope, subject, at) VALUES ($1, $2, $3)")
        .bind(scope)
        .bind(subject)
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    sqlx::query("DELETE FROM rate_events WHERE scope = $1 AND subject = $2 AND at < $3")
        .bind(scope)
        .bind(subject)
        .bind(at - 86_400)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// Writes one audit entry; call it inside the transaction of the action it records.
pub async fn audit(
    conn: &mut sqlx::AnyConnection,
    at: i64,
    staff_id: Option<&str>,
    actor: &str,
    action: &str,
    target: &str,
    client: &str,
) -> Result<(), DeskError> {
    let seq = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or_default();
    sqlx::query(
        "INSERT INTO audit_log (id, at, seq, staff_id, actor, action, target, client) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(at)
    .bind(seq)
    .bind(staff_id)
    .bind(actor)
    .bind(action)
    .bind(target)
    .bind(client)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

//! The database: SQLite by default (a file under `./data/`, WAL, busy timeout), PostgreSQL when
//! `DATABASE_URL` says so. One SQL implementation serves both through sqlx's `Any` driver.
//!
//! Every command that writes opens its transaction with [`Db::begin_write`]. On SQLite that
//! takes the database's one write lock at the first statement (`BEGIN IMMEDIATE`), so a
//! transaction that reads first and writes later can never find that another writer committed
//! in between (SQLite would refuse it: "database is locked"); and inside one server the writers
//! queue on a fair lock, woken in order, instead of sleep-polling SQLite's busy handler. SQLite
//! has one writer at a time whatever the pool, so the writers have a connection of their own:
//! a write transaction never waits in the readers' queue for a connection (in a burst, behind
//! hundreds of reads) while it holds the writer turn. A refusal that can be decided by reading is
//! decided before, without the lock. On PostgreSQL writers do not queue: the guarded statements
//! and unique keys decide every race.

use anyhow::Context;
use sqlx::{any::AnyPoolOptions, AnyConnection, AnyPool, Executor, Transaction};
use std::{
    ops::{Deref, DerefMut},
    sync::Arc,
    time::Duration,
};

/// Which engine a database runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The pool, and (on SQLite) the queue of this server's writers and their connection.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    engine: Engine,
    writers: Option<Writers>,
}

/// SQLite's writers: their turn, taken in order, and the one connection a turn writes on.
#[derive(Clone)]
struct Writers {
    turn: Arc<tokio::sync::Mutex<()>>,
    conn: AnyPool,
}

impl Db {
    /// The pool, for reads (and for statements that are a whole command on their own).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// A write transaction (see the module's doc).
    pub async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        match &self.writers {
            Some(w) => {
                let turn = w.turn.clone().lock_owned().await;
                let tx = w.conn.begin_with("BEGIN IMMEDIATE").await?;
                Ok(WriteTx {
                    tx,
                    _turn: Some(turn),
                })
            }
            None => Ok(WriteTx {
                tx: self.pool.begin().await?,
                _turn: None,
            }),
        }
    }

    /// Closes the pools (tests that stop one server while another goes on).
    pub async fn close(&self) {
        if let Some(w) = &self.writers {
            w.conn.close().await;
        }
        self.pool.close().await;
    }
}

/// A write transaction; it holds this server's writer turn (SQLite) until it ends. It reads as
/// the connection it runs on, so `&mut *tx` is an executor.
pub struct WriteTx {
    tx: Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

pub fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// Opens the pool (creating the SQLite file and its folder on first start) and migrates.
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    sqlx::any::install_default_drivers();
    let sqlite = is_sqlite(url);
    let url = if sqlite {
        prepare_sqlite(url)?
    } else {
        url.to_owned()
    };
    let pool = open_pool(&url, sqlite, if sqlite { 8 } else { 16 }).await?;
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .context("Failed to apply migrations")?;
    append_only(&pool, sqlite)
        .await
        .context("Failed to make the ledger append-only")?;
    let writers = if sqlite {
        Some(Writers {
            turn: Arc::new(tokio::sync::Mutex::new(())),
            conn: open_pool(&url, true, 1).await?,
        })
    } else {
        None
    };
    Ok(Db {
        pool,
        engine: if sqlite {
            Engine::Sqlite
        } else {
            Engine::Postgres
        },
        writers,
    })
}

/// A pool of at most `size` connections, each set up for the engine.
async fn open_pool(url: &str, sqlite: bool, size: u32) -> anyhow::Result<AnyPool> {
    AnyPoolOptions::new()
        .max_connections(size)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if sqlite {
                    // WAL lets readers go on while one writer writes; the busy timeout makes a
                    // writer of another process wait for the lock instead of failing at once.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await
        .with_context(|| {
            format!(
                "Failed to open the database at {}",
                crate::config::mask_url(url)
            )
        })
}

/// The tables no one may change or delete a row of (the time bank's ledger).
const APPEND_ONLY: [&str; 2] = ["tb_transactions", "tb_entries"];

/// Triggers that refuse `UPDATE` and `DELETE` on [`APPEND_ONLY`] tables, so a correction is
/// always a new reversing entry. Added here, not in a migration: the trigger syntax differs
/// between the engines. On PostgreSQL two servers starting at once take turns on an advisory
/// lock (`CREATE OR REPLACE` of one function at once would fail).
async fn append_only(pool: &AnyPool, sqlite: bool) -> Result<(), sqlx::Error> {
    if sqlite {
        for table in APPEND_ONLY {
            for op in ["UPDATE", "DELETE"] {
                sqlx::query(&format!(
                    "CREATE TRIGGER IF NOT EXISTS {table}_no_{op} BEFORE {op} ON {table} \
                     BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                ))
                .execute(pool)
                .await?;
            }
        }
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(7400101)")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "CREATE OR REPLACE FUNCTION mz_append_only() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$",
    )
    .execute(&mut *tx)
    .await?;
    for table in APPEND_ONLY {
        sqlx::query(&format!(
            "CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION mz_append_only()"
        ))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Makes sure the folder of a SQLite file exists and that the file is created if missing.
fn prepare_sqlite(url: &str) -> anyhow::Result<String> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = rest.split('?').next().unwrap_or(rest);
    if path != ":memory:" && !path.is_empty() {
        if let Some(dir) = std::path::Path::new(path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("Failed to create {}", dir.display()))?;
            }
        }
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// Whether a database error is a unique-constraint violation on `column`. SQLite names the
/// columns in the message (`UNIQUE constraint failed: appointment_parties.id_number, …`);
/// PostgreSQL names the constraint (`residents_id_number_key`, but `appointment_parties_pkey`
/// for a primary key) and lists the columns in the detail (`Key (id_number, counter)=(…) already
/// exists.`), so on PostgreSQL the detail's columns decide, the constraint name as a fallback.
pub fn unique_violation_on(err: &sqlx::Error, column: &str) -> bool {
    let sqlx::Error::Database(e) = err else {
        return false;
    };
    if !e.is_unique_violation() {
        return false;
    }
    if let Some(pg) = e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return pg
            .detail()
            .and_then(key_columns)
            .is_some_and(|cols| cols.contains(&column))
            || pg.constraint().is_some_and(|c| c.contains(column));
    }
    e.message().contains(column) || e.constraint().is_some_and(|c| c.contains(column))
}

/// The columns of a PostgreSQL unique-violation detail, `Key (a, b)=(1, 2) already exists.`
/// (localised servers translate the words around the parentheses, not the columns).
fn key_columns(detail: &str) -> Option<Vec<&str>> {
    let open = detail.find('(')?;
    let close = open + detail[open..].find(")=")?;
    Some(
        detail[open + 1..close]
            .split(',')
            .map(|c| c.trim().trim_matches('"'))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::key_columns;

    #[test]
    fn the_columns_of_a_postgres_unique_violation() {
        assert_eq!(
            key_columns("Key (id_number, counter)=(330203199001010011, marriage) already exists."),
            Some(vec!["id_number", "counter"])
        );
        assert_eq!(
            key_columns("Key (resident_id)=(ab12) already exists."),
            Some(vec!["resident_id"])
        );
        assert_eq!(
            key_columns("键值\"(username)=(clerk)\" 已经存在"),
            Some(vec!["username"])
        );
        assert_eq!(key_columns("no key here"), None);
    }
}

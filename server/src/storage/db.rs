//! The executor every storage closure runs on: one SQL text for both
//! backends, written with SQLite's `?N` placeholders (translated to `$N` for
//! PostgreSQL), arguments as [`Arg`], rows as owned [`Value`]s.
//!
//! Arguments adapt to the type PostgreSQL inferred for each placeholder
//! (an [`Arg::Int`] binds as `int2`, `int4`, `int8`, `bool` or `float8`),
//! so `?3 = 0` and `LIMIT ?4` need no casts; rows read the same way from
//! both, so the row mappers are written once.

use std::collections::HashMap;

use postgres::types::{IsNull, ToSql, Type};
use rusqlite::types::{ToSqlOutput, ValueRef};

use crate::{Error, Result};

/// A bound argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// SQL NULL.
    Null,
    /// An integer (also booleans as 0/1 on SQLite).
    Int(i64),
    /// A float.
    Real(f64),
    /// Text.
    Text(String),
    /// A boolean (SQLite stores 0/1).
    Bool(bool),
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Arg {
                Arg::Int(v as i64)
            }
        }
    )*};
}
from_int!(i64, i32, u32, u16, u64, usize);

impl From<bool> for Arg {
    fn from(v: bool) -> Arg {
        Arg::Bool(v)
    }
}
impl From<f64> for Arg {
    fn from(v: f64) -> Arg {
        Arg::Real(v)
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(v)
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(v.clone())
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(v.to_string())
    }
}
impl<T: Into<Arg>> From<Option<T>> for Arg {
    fn from(v: Option<T>) -> Arg {
        v.map_or(Arg::Null, Into::into)
    }
}
impl<T: Clone + Into<Arg>> From<&Option<T>> for Arg {
    fn from(v: &Option<T>) -> Arg {
        v.clone().map_or(Arg::Null, Into::into)
    }
}

/// `args![a, b, c]`: a slice of [`Arg`]s (each value is cloned, so the
/// closure keeps its values for building the result).
#[macro_export]
macro_rules! args {
    () => { &[] as &[$crate::storage::Arg] };
    ($($a:expr),+ $(,)?) => {
        &[$($crate::storage::Arg::from(::std::clone::Clone::clone(&$a))),+] as &[$crate::storage::Arg]
    };
}

impl rusqlite::ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Arg::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Arg::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Arg::Real(f) => ToSqlOutput::Borrowed(ValueRef::Real(*f)),
            Arg::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Arg::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(*b as i64)),
        })
    }
}

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl ToSql for Arg {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, BoxError> {
        let int = match self {
            Arg::Null => return Ok(IsNull::Yes),
            Arg::Int(i) => Some(*i),
            Arg::Bool(b) => Some(*b as i64),
            _ => None,
        };
        match (self, ty) {
            (_, &Type::INT8) if int.is_some() => int.unwrap().to_sql(ty, out),
            (_, &Type::INT4) if int.is_some() => i32::try_from(int.unwrap())?.to_sql(ty, out),
            (_, &Type::INT2) if int.is_some() => i16::try_from(int.unwrap())?.to_sql(ty, out),
            (_, &Type::BOOL) if int.is_some() => (int.unwrap() != 0).to_sql(ty, out),
            (_, &Type::FLOAT8) if int.is_some() => (int.unwrap() as f64).to_sql(ty, out),
            (Arg::Real(f), &Type::FLOAT8) => f.to_sql(ty, out),
            (Arg::Real(f), &Type::FLOAT4) => (*f as f32).to_sql(ty, out),
            (Arg::Text(s), &Type::JSONB) => {
                out.extend_from_slice(&[1]);
                out.extend_from_slice(s.as_bytes());
                Ok(IsNull::No)
            }
            (Arg::Text(s), &Type::JSON) => {
                out.extend_from_slice(s.as_bytes());
                Ok(IsNull::No)
            }
            (Arg::Text(s), _) => s.as_str().to_sql(ty, out),
            _ => Err(format!("cannot bind {self:?} as PostgreSQL type {ty}").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// A column value read from either backend.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// NULL.
    Null,
    /// Integers and booleans.
    Int(i64),
    /// Floats.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

/// Converts a column value into a Rust value.
pub trait FromValue: Sized {
    /// `None` when the value has another type.
    fn from_value(v: &Value) -> Option<Self>;
}

macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: &Value) -> Option<$t> {
                match v {
                    Value::Int(i) => <$t>::try_from(*i).ok(),
                    _ => None,
                }
            }
        }
    )*};
}
int_from_value!(i64, i32, u32, u16, u64);

impl FromValue for bool {
    fn from_value(v: &Value) -> Option<bool> {
        i64::from_value(v).map(|i| i != 0)
    }
}
impl FromValue for f64 {
    fn from_value(v: &Value) -> Option<f64> {
        match v {
            Value::Real(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}
impl FromValue for String {
    fn from_value(v: &Value) -> Option<String> {
        match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Option<Option<T>> {
        match v {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// One result row.
#[derive(Debug, Clone)]
pub struct Row(Vec<Value>);

impl Row {
    /// Column `i` as `T`; an error names the column when the type differs.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T> {
        let v = self.0.get(i).unwrap_or(&Value::Null);
        T::from_value(v).ok_or_else(|| {
            Error::Internal(format!(
                "column {i}: unexpected value {v:?} for {}",
                std::any::type_name::<T>()
            ))
        })
    }
}

/// A PostgreSQL connection with its prepared statements.
pub struct PgConn {
    pub(super) client: postgres::Client,
    stmts: HashMap<String, postgres::Statement>,
    /// Taken from the idle list and not used yet in this call: if its first
    /// statement finds it dead (the server restarted meanwhile), nothing of
    /// the call has run, so it reconnects and runs that statement again.
    pub(super) reused: bool,
    config: postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
}

impl PgConn {
    pub(super) fn new(
        client: postgres::Client,
        config: postgres::Config,
        tls: tokio_postgres_rustls::MakeRustlsConnect,
    ) -> PgConn {
        PgConn {
            client,
            stmts: HashMap::new(),
            reused: false,
            config,
            tls,
        }
    }

    fn statement(
        &mut self,
        sql: &str,
    ) -> std::result::Result<postgres::Statement, postgres::Error> {
        if let Some(s) = self.stmts.get(sql) {
            return Ok(s.clone());
        }
        let st = self.client.prepare(&pg_sql(sql))?;
        self.stmts.insert(sql.to_string(), st.clone());
        Ok(st)
    }

    /// Runs `op`; see [`PgConn::reused`] for the one retry.
    fn run<T>(
        &mut self,
        op: impl Fn(&mut PgConn) -> std::result::Result<T, postgres::Error>,
    ) -> Result<T> {
        let first = std::mem::take(&mut self.reused);
        match op(self) {
            Err(e) if first && super::pg::is_connection_error(&e) => {
                tracing::info!(error = %e, "a pooled PostgreSQL connection was dead; reconnecting");
                self.client = self
                    .config
                    .connect(self.tls.clone())
                    .map_err(super::pg::connect_error)?;
                self.stmts.clear();
                op(self).map_err(super::pg::error)
            }
            r => r.map_err(super::pg::error),
        }
    }
}

/// `?N` → `$N` outside quoted strings and identifiers.
pub fn pg_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    for ch in sql.chars() {
        match (quote, ch) {
            (None, '\'' | '"') => quote = Some(ch),
            (Some(q), c) if c == q => quote = None,
            (None, '?') => {
                out.push('$');
                continue;
            }
            _ => {}
        }
        out.push(ch);
    }
    out
}

fn pg_value(row: &postgres::Row, i: usize) -> Result<Value> {
    let ty = row.columns()[i].type_();
    let e = super::pg::error;
    Ok(match *ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i).map_err(e)?.map(Value::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)
            .map_err(e)?
            .map(|v| Value::Int(v.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)
            .map_err(e)?
            .map(|v| Value::Int(v.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)
            .map_err(e)?
            .map(|v| Value::Int(v.into())),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(i)
            .map_err(e)?
            .map(Value::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(i)
            .map_err(e)?
            .map(|v| Value::Real(v.into())),
        Type::BYTEA => row
            .try_get::<_, Option<Vec<u8>>>(i)
            .map_err(e)?
            .map(Value::Blob),
        _ => row
            .try_get::<_, Option<String>>(i)
            .map_err(e)?
            .map(Value::Text),
    }
    .unwrap_or(Value::Null))
}

fn lite_value(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// A connection of either backend, as the storage closures see it.
pub enum Db<'a> {
    /// The embedded SQLite file.
    Lite(&'a rusqlite::Connection),
    /// A pooled PostgreSQL connection.
    Pg(&'a mut PgConn),
}

impl Db<'_> {
    /// True on PostgreSQL (for the few statements whose SQL differs).
    pub fn is_pg(&self) -> bool {
        matches!(self, Db::Pg(_))
    }

    /// Runs a statement; the number of rows it changed.
    pub fn execute(&mut self, sql: &str, args: &[Arg]) -> Result<usize> {
        match self {
            Db::Lite(c) => Ok(c
                .prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(args))?),
            Db::Pg(c) => {
                let n = c.run(|c| {
                    let st = c.statement(sql)?;
                    c.client.execute(&st, &pg_args(args))
                })?;
                Ok(n as usize)
            }
        }
    }

    /// All rows of a query.
    pub fn query(&mut self, sql: &str, args: &[Arg]) -> Result<Vec<Row>> {
        match self {
            Db::Lite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let n = st.column_count();
                let rows = st
                    .query_map(rusqlite::params_from_iter(args), |r| {
                        (0..n)
                            .map(|i| r.get_ref(i).map(lite_value))
                            .collect::<rusqlite::Result<Vec<_>>>()
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(rows.into_iter().map(Row).collect())
            }
            Db::Pg(c) => {
                let rows = c.run(|c| {
                    let st = c.statement(sql)?;
                    c.client.query(&st, &pg_args(args))
                })?;
                rows.iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| pg_value(r, i))
                            .collect::<Result<Vec<_>>>()
                    })
                    .map(|r| r.map(Row))
                    .collect()
            }
        }
    }

    /// The first row of a query, if any.
    pub fn query_opt(&mut self, sql: &str, args: &[Arg]) -> Result<Option<Row>> {
        Ok(self.query(sql, args)?.into_iter().next())
    }

    /// The first row of a query that always returns one.
    pub fn query_one(&mut self, sql: &str, args: &[Arg]) -> Result<Row> {
        self.query_opt(sql, args)?
            .ok_or_else(|| Error::Internal(format!("no row from {sql}")))
    }

    /// Runs several statements with no arguments.
    pub fn batch(&mut self, sql: &str) -> Result<()> {
        match self {
            Db::Lite(c) => Ok(c.execute_batch(sql)?),
            Db::Pg(c) => c.run(|c| c.client.batch_execute(sql)),
        }
    }

    /// Runs `f` in a transaction: committed when it returns `Ok`, rolled
    /// back otherwise. On SQLite it is `BEGIN IMMEDIATE`: a transaction that
    /// reads then writes takes the write lock first, so a second process on
    /// the file waits in the busy timeout instead of failing at the upgrade.
    pub fn transaction<T>(&mut self, f: impl FnOnce(&mut Db<'_>) -> Result<T>) -> Result<T> {
        self.batch(if self.is_pg() {
            "BEGIN"
        } else {
            "BEGIN IMMEDIATE"
        })?;
        match f(self) {
            Ok(v) => match self.batch("COMMIT") {
                Ok(()) => Ok(v),
                Err(e) => {
                    let _ = self.batch("ROLLBACK");
                    Err(e)
                }
            },
            Err(e) => {
                let _ = self.batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

fn pg_args(args: &[Arg]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter().map(|a| a as &(dyn ToSql + Sync)).collect()
}

#[cfg(test)]
mod tests {
    use super::pg_sql;

    #[test]
    fn placeholders_are_translated_outside_quotes() {
        assert_eq!(
            pg_sql("SELECT '?1', \"a?\" FROM t WHERE a = ?1 AND b = ?12"),
            "SELECT '?1', \"a?\" FROM t WHERE a = $1 AND b = $12"
        );
    }
}

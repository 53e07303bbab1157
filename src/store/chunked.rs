//! The one way the store writes many rows: multi-row INSERTs of as many rows as the
//! engine's bind-parameter limit allows (at most [`INSERT_CHUNK`]), each with the same
//! ON CONFLICT clause, or none.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, Iterable};

use super::INSERT_CHUNK;

// The most bind parameters one statement may carry: SQLite's default limit since 3.32,
// and PostgreSQL's (its protocol counts them in 16 bits).
const SQLITE_MAX_PARAMETERS: usize = 32_766;
const POSTGRES_MAX_PARAMETERS: usize = 65_535;

/// Inserts the rows in order, chunk by chunk. With `on_conflict` (`DO UPDATE SET ...`,
/// `DO NOTHING`), a row whose key is taken does what it says; without, it fails the
/// statement.
pub(super) async fn insert_chunked<A, C>(db: &C, rows: Vec<A>, on_conflict: Option<OnConflict>) -> Result<(), DbErr>
where
    A: ActiveModelTrait,
    C: ConnectionTrait,
{
    let columns = <A::Entity as EntityTrait>::Column::iter().count();
    let per_statement = rows_per_insert(db.get_database_backend(), columns);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut insert = A::Entity::insert_many(rows.by_ref().take(per_statement));
        if let Some(on_conflict) = &on_conflict {
            insert = insert.on_conflict(on_conflict.clone());
        }
        insert.exec_without_returning(db).await?;
    }
    Ok(())
}

/// Rows of this many columns that one INSERT binds at most.
fn rows_per_insert(backend: DatabaseBackend, columns: usize) -> usize {
    let parameters = match backend {
        DatabaseBackend::Postgres => POSTGRES_MAX_PARAMETERS,
        _ => SQLITE_MAX_PARAMETERS,
    };
    (parameters / columns.max(1)).clamp(1, INSERT_CHUNK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::entity::conversation;

    #[test]
    fn the_widest_table_still_takes_a_full_chunk() {
        let columns = conversation::Column::iter().count();
        for backend in [DatabaseBackend::Sqlite, DatabaseBackend::Postgres] {
            assert_eq!(rows_per_insert(backend, columns), INSERT_CHUNK);
        }
    }

    #[test]
    fn wide_rows_stay_under_each_engines_limit() {
        assert_eq!(rows_per_insert(DatabaseBackend::Sqlite, 100), 327);
        assert_eq!(rows_per_insert(DatabaseBackend::Postgres, 100), 500);
        assert_eq!(rows_per_insert(DatabaseBackend::Postgres, 200), 327);
        assert_eq!(rows_per_insert(DatabaseBackend::Sqlite, 40_000), 1);
    }
}

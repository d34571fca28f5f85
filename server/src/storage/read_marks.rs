//! The `read_marks` table: how far each side of a chat has read, so that
//! "Read" survives a reload of the desk or of the visitor's page.

use crate::args;
use owidget_protocol::Author;

use super::Store;
use crate::Result;

impl Store {
    /// Raises the read mark of `reader` (visitor or operator) in a session
    /// to `seq` (never lowers it).
    pub async fn mark_read(&self, session: &str, reader: Author, seq: u64) -> Result<()> {
        let session = session.to_string();
        let column = if reader == Author::Visitor {
            "visitor_seq"
        } else {
            "operator_seq"
        };
        self.call(move |c| {
            c.execute(
                &format!(
                    "INSERT INTO read_marks (session, {column}) VALUES (?1, ?2) \
                     ON CONFLICT (session) DO UPDATE SET {column} = CASE WHEN excluded.{column} > read_marks.{column} \
                     THEN excluded.{column} ELSE read_marks.{column} END"
                ),
                args![session, seq as i64],
            )?;
            Ok(())
        })
        .await
    }

    /// The read marks of a session: (visitor has read up to, operator has
    /// read up to); 0 when nothing was read.
    pub async fn read_marks(&self, session: &str) -> Result<(u64, u64)> {
        let session = session.to_string();
        self.call(move |c| {
            let marks = c.query_opt(
                "SELECT visitor_seq, operator_seq FROM read_marks WHERE session = ?1",
                args![session],
            )?;
            match marks {
                Some(r) => Ok((r.get::<i64>(0)? as u64, r.get::<i64>(1)? as u64)),
                None => Ok((0, 0)),
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use owidget_protocol::Author;

    use crate::storage::{NewSession, Store};

    #[tokio::test]
    async fn read_marks_only_go_up() {
        let store = Store::in_memory().unwrap();
        store
            .insert_session(NewSession::for_test("s"))
            .await
            .unwrap();
        assert_eq!(store.read_marks("s").await.unwrap(), (0, 0));
        store.mark_read("s", Author::Visitor, 4).await.unwrap();
        store.mark_read("s", Author::Visitor, 2).await.unwrap();
        store.mark_read("s", Author::Operator, 3).await.unwrap();
        assert_eq!(store.read_marks("s").await.unwrap(), (4, 3));
    }
}

//! Offline messages, callback requests, transcript requests.

use super::{Db, Row};
use crate::args;
use owidget_protocol::desk::{CallbackRequest, CallbackStatus, OfflineMessage};

use super::Store;
use crate::ids::now_ms;
use crate::Result;

/// An offline message to store.
#[derive(Debug, Clone)]
pub struct NewOffline {
    /// Company GUID.
    pub company: String,
    /// Preset name.
    pub preset: String,
    /// Reply address (validated).
    pub email: String,
    /// Text.
    pub text: String,
    /// Widget language.
    pub language: String,
    /// Page URL.
    pub page_url: String,
}

/// A callback request to store.
#[derive(Debug, Clone)]
pub struct NewCallback {
    /// Company GUID.
    pub company: String,
    /// Preset name.
    pub preset: String,
    /// Visitor name.
    pub name: String,
    /// Validated phone number.
    pub phone: String,
    /// Widget language.
    pub language: String,
    /// Page URL.
    pub page_url: String,
}

fn callback(r: &Row) -> Result<CallbackRequest> {
    Ok(CallbackRequest {
        id: r.get(0)?,
        preset: r.get(1)?,
        name: r.get(2)?,
        phone: r.get(3)?,
        language: r.get(4)?,
        page_url: r.get(5)?,
        status: status(&r.get::<String>(6)?),
        created_at: r.get(7)?,
        done_at: r.get(8)?,
        done_by: r.get(9)?,
    })
}

fn status(s: &str) -> CallbackStatus {
    if s == "done" {
        CallbackStatus::Done
    } else {
        CallbackStatus::Open
    }
}

fn offline(r: &Row) -> Result<OfflineMessage> {
    Ok(OfflineMessage {
        id: r.get(0)?,
        preset: r.get(1)?,
        email: r.get(2)?,
        text: r.get(3)?,
        language: r.get(4)?,
        page_url: r.get(5)?,
        created_at: r.get(6)?,
        status: status(&r.get::<String>(7)?),
        done_at: r.get(8)?,
        done_by: r.get(9)?,
    })
}

/// A kind of contact a desk lists, reads by id and marks done: an offline
/// message or a callback request.
pub(crate) trait Contact: Sized + Send + 'static {
    /// What one is called in messages.
    const NAME: &'static str;
    /// Its table.
    const TABLE: Contacts<Self>;
}

impl Contact for OfflineMessage {
    const NAME: &'static str = "offline message";
    const TABLE: Contacts<Self> = Contacts {
        table: "offline_messages",
        columns:
            "id, preset, email, text, language, page_url, created_at, status, done_at, done_by",
        map: offline,
    };
}

impl Contact for CallbackRequest {
    const NAME: &'static str = "callback request";
    const TABLE: Contacts<Self> = Contacts {
        table: "callback_requests",
        columns:
            "id, preset, name, phone, language, page_url, status, created_at, done_at, done_by",
        map: callback,
    };
}

/// One of the contact tables: its name, columns and row mapper.
pub(crate) struct Contacts<T> {
    table: &'static str,
    columns: &'static str,
    map: fn(&Row) -> Result<T>,
}

impl<T> Contacts<T> {
    /// The company's rows of `presets` (a JSON array), newest first.
    fn list(
        &self,
        c: &mut Db<'_>,
        company: String,
        presets: String,
        open_only: bool,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<T>> {
        let sql = format!(
            "SELECT {} FROM {} WHERE company = ?1 AND preset IN ({}) \
             AND (?3 = 0 OR status = 'open') ORDER BY id DESC LIMIT ?4 OFFSET ?5",
            self.columns,
            self.table,
            json_list(c, 2)
        );
        c.query(&sql, args![company, presets, open_only, limit, offset])?
            .iter()
            .map(self.map)
            .collect()
    }

    /// One row of the company by id.
    fn by_id(&self, c: &mut Db<'_>, company: String, id: i64) -> Result<Option<T>> {
        let sql = format!(
            "SELECT {} FROM {} WHERE id = ?1 AND company = ?2",
            self.columns, self.table
        );
        c.query_opt(&sql, args![id, company])?
            .map(|r| (self.map)(&r))
            .transpose()
    }

    /// Marks an open row done by `by`; the row as it is now (`None` when
    /// the company has no such row).
    fn done(&self, c: &mut Db<'_>, company: String, id: i64, by: String) -> Result<Option<T>> {
        let sql = format!(
            "UPDATE {} SET status = 'done', done_at = ?3, done_by = ?4 \
             WHERE id = ?1 AND company = ?2 AND status = 'open'",
            self.table
        );
        c.execute(&sql, args![id, company, now_ms(), by])?;
        self.by_id(c, company, id)
    }
}

/// The values of the JSON array of strings in argument `?n`, as a subquery.
fn json_list(c: &Db<'_>, n: usize) -> String {
    if c.is_pg() {
        format!("SELECT jsonb_array_elements_text(CAST(?{n} AS TEXT)::jsonb)")
    } else {
        format!("SELECT value FROM json_each(?{n})")
    }
}

/// `strings` as a JSON array (serializing strings cannot fail).
fn json_strings(strings: &[String]) -> String {
    serde_json::to_string(strings).unwrap_or_else(|_| "[]".into())
}

impl Store {
    /// Stores an offline message.
    pub async fn insert_offline(&self, m: NewOffline) -> Result<OfflineMessage> {
        self.call(move |c| {
            let at = now_ms();
            let id = c
                .query_one(
                    "INSERT INTO offline_messages (company, preset, email, text, language, page_url, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                    args![m.company, m.preset, m.email, m.text, m.language, m.page_url, at],
                )?
                .get(0)?;
            Ok(OfflineMessage {
                id,
                preset: m.preset,
                email: m.email,
                text: m.text,
                language: m.language,
                page_url: m.page_url,
                created_at: at,
                status: CallbackStatus::Open,
                done_at: None,
                done_by: None,
            })
        })
        .await
    }

    /// Contacts of a kind of a company's `presets`, newest first;
    /// `open_only` hides done ones.
    pub(crate) async fn contacts<T: Contact>(
        &self,
        company: &str,
        presets: &[String],
        open_only: bool,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<T>> {
        let (company, presets) = (company.to_string(), json_strings(presets));
        self.call(move |c| T::TABLE.list(c, company, presets, open_only, limit, offset))
            .await
    }

    /// Marks a contact of the company done by `by`; `None` when it does
    /// not exist.
    pub(crate) async fn contact_done<T: Contact>(
        &self,
        company: &str,
        id: i64,
        by: &str,
    ) -> Result<Option<T>> {
        let (company, by) = (company.to_string(), by.to_string());
        self.call(move |c| T::TABLE.done(c, company, id, by)).await
    }

    /// One contact of the company by id (another instance stored it).
    pub(crate) async fn contact<T: Contact>(&self, company: &str, id: i64) -> Result<Option<T>> {
        let company = company.to_string();
        self.call(move |c| T::TABLE.by_id(c, company, id)).await
    }

    /// Offline messages of a company's `presets`, newest first;
    /// `open_only` hides done ones.
    pub async fn offline_messages(
        &self,
        company: &str,
        presets: &[String],
        open_only: bool,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<OfflineMessage>> {
        self.contacts(company, presets, open_only, limit, offset)
            .await
    }

    /// Marks an offline message of the company done (answered); `None`
    /// when it does not exist.
    pub async fn offline_done(
        &self,
        company: &str,
        id: i64,
        by: &str,
    ) -> Result<Option<OfflineMessage>> {
        self.contact_done(company, id, by).await
    }

    /// Stores a callback request (status `open`).
    pub async fn insert_callback(&self, m: NewCallback) -> Result<CallbackRequest> {
        self.call(move |c| {
            let at = now_ms();
            let id = c
                .query_one(
                    "INSERT INTO callback_requests (company, preset, name, phone, language, page_url, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                    args![m.company, m.preset, m.name, m.phone, m.language, m.page_url, at],
                )?
                .get(0)?;
            Ok(CallbackRequest {
                id,
                preset: m.preset,
                name: m.name,
                phone: m.phone,
                language: m.language,
                page_url: m.page_url,
                status: CallbackStatus::Open,
                created_at: at,
                done_at: None,
                done_by: None,
            })
        })
        .await
    }

    /// Callback requests of a company's `presets`, newest first;
    /// `open_only` hides done ones.
    pub async fn callbacks(
        &self,
        company: &str,
        presets: &[String],
        open_only: bool,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<CallbackRequest>> {
        self.contacts(company, presets, open_only, limit, offset)
            .await
    }

    /// Marks a callback request of the company done; `None` when it does not exist.
    pub async fn callback_done(
        &self,
        company: &str,
        id: i64,
        by: &str,
    ) -> Result<Option<CallbackRequest>> {
        self.contact_done(company, id, by).await
    }

    /// Stores a transcript request for a session (sent by a mailer later).
    pub async fn insert_transcript(&self, session: &str, email: &str) -> Result<()> {
        let (session, email) = (session.to_string(), email.to_string());
        self.call(move |c| {
            c.execute(
                "INSERT INTO transcript_requests (session, email, created_at) VALUES (?1, ?2, ?3)",
                args![session, email, now_ms()],
            )?;
            Ok(())
        })
        .await
    }
}

/// A transcript e-mail still to send.
#[derive(Debug, Clone)]
pub struct PendingTranscript {
    /// Request id.
    pub id: i64,
    /// Session.
    pub session: String,
    /// Company GUID of the session.
    pub company: String,
    /// Recipient.
    pub email: String,
}

impl Store {
    /// Transcript requests neither sent nor failed, oldest first. On
    /// PostgreSQL they are claimed for this instance for a minute (skipping
    /// those another instance claimed), so that each is mailed once.
    pub async fn pending_transcripts(&self, limit: u32) -> Result<Vec<PendingTranscript>> {
        let owner = self.instance_id().to_string();
        self.call(move |c| {
            let rows = if c.is_pg() {
                let now = now_ms();
                c.query(
                    "WITH claimed AS (UPDATE transcript_requests SET claimed_by = ?2, claimed_until = ?3 \
                     WHERE id IN (SELECT id FROM transcript_requests WHERE sent_at IS NULL AND failed_at IS NULL \
                     AND (claimed_until IS NULL OR claimed_until < ?4 OR claimed_by = ?2) \
                     ORDER BY id LIMIT ?1 FOR UPDATE SKIP LOCKED) RETURNING id, session, email) \
                     SELECT t.id, t.session, s.company, t.email FROM claimed t \
                     JOIN sessions s ON s.id = t.session ORDER BY t.id",
                    args![limit, owner, now + 60_000, now],
                )?
            } else {
                c.query(
                    "SELECT t.id, t.session, s.company, t.email FROM transcript_requests t \
                     JOIN sessions s ON s.id = t.session \
                     WHERE t.sent_at IS NULL AND t.failed_at IS NULL ORDER BY t.id LIMIT ?1",
                    args![limit],
                )?
            };
            rows.iter()
                .map(|r| {
                    Ok(PendingTranscript {
                        id: r.get(0)?,
                        session: r.get(1)?,
                        company: r.get(2)?,
                        email: r.get(3)?,
                    })
                })
                .collect()
        })
        .await
    }

    /// The transcript was sent (`Ok`) or refused for good (`Err(reason)`).
    pub async fn transcript_done(
        &self,
        id: i64,
        result: std::result::Result<(), String>,
    ) -> Result<()> {
        self.call(move |c| {
            match result {
                Ok(()) => c.execute(
                    "UPDATE transcript_requests SET sent_at = ?2 WHERE id = ?1",
                    args![id, now_ms()],
                )?,
                Err(e) => c.execute(
                    "UPDATE transcript_requests SET failed_at = ?2, error = ?3 WHERE id = ?1",
                    args![id, now_ms(), e],
                )?,
            };
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What another instance reads after a `contact` event: the row as
    /// stored, and nothing of another company.
    #[tokio::test]
    async fn contacts_are_read_back_by_id_within_their_company() {
        let store = Store::in_memory().unwrap();
        let m = store
            .insert_offline(NewOffline {
                company: "c1".into(),
                preset: "default".into(),
                email: "a@example.cz".into(),
                text: "hi".into(),
                language: "en".into(),
                page_url: "http://localhost/".into(),
            })
            .await
            .unwrap();
        assert_eq!(
            store.contact::<OfflineMessage>("c1", m.id).await.unwrap(),
            Some(m.clone())
        );
        assert_eq!(
            store.contact::<OfflineMessage>("c2", m.id).await.unwrap(),
            None
        );
        assert_eq!(
            store
                .contact::<OfflineMessage>("c1", m.id + 1)
                .await
                .unwrap(),
            None
        );
        let r = store
            .insert_callback(NewCallback {
                company: "c1".into(),
                preset: "default".into(),
                name: "Jan".into(),
                phone: "+420 777 666 555".into(),
                language: "cs".into(),
                page_url: "http://localhost/".into(),
            })
            .await
            .unwrap();
        assert_eq!(
            store.contact::<CallbackRequest>("c1", r.id).await.unwrap(),
            Some(r.clone())
        );
        assert_eq!(
            store.contact::<CallbackRequest>("c2", r.id).await.unwrap(),
            None
        );
    }
}

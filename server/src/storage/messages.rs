//! The `messages` table: gapless `seq` per session, idempotent `client_id`.

use super::Row;
use crate::args;
use owidget_protocol::plugins::{Card, Carousel};
use owidget_protocol::{Author, BotContent, WireMessage};

use super::sessions::{author_str, parse_author};
use super::Store;
use crate::ids::now_ms;
use crate::Result;

/// A message to append.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Session id.
    pub session: String,
    /// Author.
    pub author: Author,
    /// Author's display name.
    pub name: Option<String>,
    /// Plain text.
    pub text: String,
    /// Idempotency key of the sender.
    pub client_id: Option<String>,
    /// A card shown with the message (a shared product).
    pub card: Option<Box<Card>>,
    /// A carousel of cards shown with the message.
    pub carousel: Option<Box<Carousel>>,
    /// A bot message's Markdown flag, quick replies, file.
    pub bot: Option<Box<BotContent>>,
}

/// Result of an append.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The stored message (the earlier one for a repeated `client_id`).
    pub message: WireMessage,
    /// True when `client_id` was already stored: nothing new was written.
    pub duplicate: bool,
}

fn wire(r: &Row) -> Result<WireMessage> {
    Ok(WireMessage {
        seq: r.get::<i64>(0)? as u64,
        author: parse_author(&r.get::<String>(1)?),
        name: r.get(2)?,
        text: r.get(3)?,
        at: r.get(4)?,
        client_id: r.get(5)?,
        bot: r
            .get::<Option<String>>(8)?
            .and_then(|c| serde_json::from_str(&c).ok()),
        // A card that no longer parses (written by a newer version) leaves
        // the plain-text fallback.
        card: r
            .get::<Option<String>>(6)?
            .and_then(|c| serde_json::from_str(&c).ok()),
        carousel: r
            .get::<Option<String>>(7)?
            .and_then(|c| serde_json::from_str(&c).ok()),
    })
}

impl Store {
    /// Stores a message with the next `seq` of its session, then runs
    /// `deliver` while still holding the database: deliveries therefore
    /// happen in `seq` order, which lets receivers drop anything at or below
    /// the last `seq` they saw. A repeated `client_id` stores nothing and
    /// returns the first copy (`deliver` is not run).
    pub async fn append<F>(&self, m: NewMessage, deliver: F) -> Result<Appended>
    where
        F: FnOnce(&WireMessage) + Send + 'static,
    {
        let key = m.session.clone();
        self.call_in(Some(key), move |c| {
            let card = m
                .card
                .as_ref()
                .map(|c| serde_json::to_string(c).expect("a card serializes"));
            let carousel = m
                .carousel
                .as_ref()
                .map(|c| serde_json::to_string(c).expect("a carousel serializes"));
            let bot = m
                .bot
                .as_ref()
                .map(|b| serde_json::to_string(b).expect("bot content serializes"));
            let stored = c.transaction(|tx| {
                if tx.is_pg() {
                    // Other instances append to this session too: the row
                    // lock orders them, so MAX(seq) + 1 is unique and the
                    // client_id check below sees their commits.
                    tx.query_opt("SELECT 1 FROM sessions WHERE id = ?1 FOR UPDATE", args![m.session])?;
                }
                if let Some(id) = &m.client_id {
                    let old = tx.query_opt(
                        "SELECT seq, author, name, text, at, client_id, card_json, carousel_json, bot_json FROM messages \
                         WHERE session = ?1 AND client_id = ?2",
                        args![m.session, id],
                    )?;
                    if let Some(r) = old {
                        return Ok(Err(wire(&r)?));
                    }
                }
                let seq: i64 = tx
                    .query_one(
                        "SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE session = ?1",
                        args![m.session],
                    )?
                    .get(0)?;
                let at = now_ms();
                tx.execute(
                    "INSERT INTO messages (session, seq, author, name, text, at, client_id, card_json, \
                     carousel_json, bot_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    args![
                        m.session,
                        seq,
                        author_str(m.author),
                        m.name,
                        m.text,
                        at,
                        m.client_id,
                        card,
                        carousel,
                        bot
                    ],
                )?;
                Ok(Ok((seq, at)))
            })?;
            let (seq, at) = match stored {
                Ok(v) => v,
                Err(message) => {
                    return Ok(Appended {
                        message,
                        duplicate: true,
                    })
                }
            };
            let message = WireMessage {
                seq: seq as u64,
                author: m.author,
                name: m.name,
                text: m.text,
                at,
                client_id: m.client_id,
                bot: m.bot,
                card: m.card,
                carousel: m.carousel,
            };
            deliver(&message);
            Ok(Appended {
                message,
                duplicate: false,
            })
        })
        .await
    }

    /// Messages of a session with `seq > after`, in order.
    pub async fn messages_after(&self, session: &str, after: u64) -> Result<Vec<WireMessage>> {
        let session = session.to_string();
        self.call(move |c| {
            c.query(
                "SELECT seq, author, name, text, at, client_id, card_json, carousel_json, bot_json FROM messages \
                 WHERE session = ?1 AND seq > ?2 ORDER BY seq",
                args![session, after as i64],
            )?
            .iter()
            .map(wire)
            .collect()
        })
        .await
    }

    /// At most `limit` messages with `seq > after`: the first ones
    /// (`latest == false`, paging forward) or the last ones (`latest`, a
    /// resume that shows the recent conversation), in `seq` order.
    pub async fn messages_page(
        &self,
        session: &str,
        after: u64,
        limit: u32,
        latest: bool,
    ) -> Result<Vec<WireMessage>> {
        let session = session.to_string();
        self.call(move |c| {
            let sql = if latest {
                "SELECT * FROM (SELECT seq, author, name, text, at, client_id, card_json, carousel_json, bot_json FROM messages \
                 WHERE session = ?1 AND seq > ?2 ORDER BY seq DESC LIMIT ?3) AS page ORDER BY seq"
            } else {
                "SELECT seq, author, name, text, at, client_id, card_json, carousel_json, bot_json FROM messages \
                 WHERE session = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
            };
            c.query(sql, args![session, after as i64, limit])?
                .iter()
                .map(wire)
                .collect()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::NewSession;

    #[tokio::test]
    async fn seq_is_gapless_and_client_id_idempotent() {
        let store = Store::in_memory().unwrap();
        store
            .insert_session(NewSession::for_test("s"))
            .await
            .unwrap();
        let msg = |cid: Option<&str>, text: &str| NewMessage {
            session: "s".into(),
            author: Author::Visitor,
            name: None,
            text: text.into(),
            client_id: cid.map(str::to_string),
            card: None,
            bot: None,
            carousel: None,
        };
        let (tx, rx) = std::sync::mpsc::channel();
        for (cid, text) in [
            (Some("a"), "one"),
            (None, "two"),
            (Some("a"), "again"),
            (Some("b"), "three"),
        ] {
            let tx = tx.clone();
            store
                .append(msg(cid, text), move |m| tx.send(m.seq).unwrap())
                .await
                .unwrap();
        }
        drop(tx);
        assert_eq!(
            rx.iter().collect::<Vec<_>>(),
            vec![1, 2, 3],
            "duplicate not delivered"
        );
        let all = store.messages_after("s", 0).await.unwrap();
        let texts: Vec<_> = all.iter().map(|m| (m.seq, m.text.as_str())).collect();
        assert_eq!(texts, vec![(1, "one"), (2, "two"), (3, "three")]);
        let again = store.append(msg(Some("a"), "x"), |_| {}).await.unwrap();
        assert!(again.duplicate);
        assert_eq!(again.message.seq, 1);
        assert_eq!(store.messages_after("s", 2).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_page_of_messages_carries_their_cards_and_carousels() {
        use owidget_protocol::plugins::{CardAction, CardKind};
        let store = Store::in_memory().unwrap();
        store
            .insert_session(NewSession::for_test("s"))
            .await
            .unwrap();
        let card = Card {
            kind: CardKind::Product,
            title: "Shoe".into(),
            image_url: Some("https://shop.example/shoe.png".into()),
            url: Some("https://shop.example/shoe".into()),
            available: Some(true),
            price: Some("99 €".into()),
            ..Default::default()
        };
        let content = Card {
            kind: CardKind::Content,
            text: Some("Your order ships today".into()),
            image_alt: Some("A parcel".into()),
            actions: vec![CardAction {
                title: "Track".into(),
                url: "https://shop.example/track/1".into(),
            }],
            ..Default::default()
        };
        let carousel = Carousel {
            title: Some("Orders".into()),
            cards: vec![content.clone(), card.clone()],
        };
        let message = |text: &str, card: Option<Card>, carousel: Option<Carousel>| NewMessage {
            session: "s".into(),
            author: Author::Operator,
            name: Some("Op".into()),
            text: text.into(),
            client_id: None,
            card: card.map(Box::new),
            carousel: carousel.map(Box::new),
            bot: None,
        };
        for m in [
            message("Shoe", Some(card.clone()), None),
            message("Your order ships today", Some(content.clone()), None),
            message("Orders", None, Some(carousel.clone())),
        ] {
            store.append(m, |_| {}).await.unwrap();
        }
        for latest in [false, true] {
            let page = store.messages_page("s", 0, 10, latest).await.unwrap();
            assert_eq!(page.len(), 3);
            assert_eq!(page[0].card.as_deref(), Some(&card), "latest = {latest}");
            assert_eq!(page[1].card.as_deref(), Some(&content));
            assert_eq!(page[2].card, None);
            assert_eq!(page[2].carousel.as_deref(), Some(&carousel));
        }
        assert_eq!(
            store.messages_after("s", 2).await.unwrap()[0]
                .carousel
                .as_deref(),
            Some(&carousel)
        );
    }

    #[tokio::test]
    async fn a_card_stored_before_content_cards_still_parses() {
        let store = Store::in_memory().unwrap();
        store
            .insert_session(NewSession::for_test("s"))
            .await
            .unwrap();
        store
            .call(|c| {
                c.execute(
                    "INSERT INTO messages (session, seq, author, name, text, at, card_json) \
                     VALUES ('s', 1, 'operator', 'Op', 'Shoe', 1, ?1)",
                    args![r#"{"kind":"product","title":"Shoe","url":"https://shop.example/shoe"}"#],
                )?;
                Ok(())
            })
            .await
            .unwrap();
        let m = &store.messages_after("s", 0).await.unwrap()[0];
        let card = m.card.as_deref().expect("the old card");
        assert_eq!((card.title.as_str(), card.text.as_deref()), ("Shoe", None));
        assert!(card.actions.is_empty());
        assert_eq!(m.carousel, None);
    }
}

use owidget_protocol::{ErrorCode, WireMessage};

use super::*;

fn msg(seq: u64, author: Author, text: &str, client_id: Option<&str>) -> ServerMessage {
    ServerMessage::Message {
        message: WireMessage {
            seq,
            author,
            name: (author == Author::Operator).then(|| "Op".to_string()),
            text: text.into(),
            at: 1_000 * seq as i64,
            client_id: client_id.map(Into::into),
            card: None,
        },
    }
}

fn created() -> ServerMessage {
    ServerMessage::SessionCreated {
        session_id: "s".into(),
        token: "t".into(),
        queue_position: 2,
        visitor_id: "v".repeat(64),
    }
}

#[test]
fn full_conversation() {
    let mut chat = Chat::default();
    chat.start(Some("Hello".into()));
    assert_eq!(chat.phase, Phase::Starting);
    assert_eq!(chat.mark(&chat.items[0]), Mark::Sending);
    assert_eq!(chat.apply(created()), Change::Created);
    assert_eq!((chat.phase, chat.queue), (Phase::Waiting, Some(2)));
    // The first message comes back with the server's client id.
    assert_eq!(
        chat.apply(msg(1, Author::Visitor, "Hello", Some("start-s"))),
        Change::Message
    );
    assert_eq!(chat.items.len(), 1);
    assert_eq!(chat.mark(&chat.items[0]), Mark::Delivered);
    chat.apply(ServerMessage::Queue { position: 1 });
    assert_eq!(chat.queue, Some(1));
    assert_eq!(
        chat.apply(ServerMessage::SessionStarted {
            operator_name: "Demo Operator".into()
        }),
        Change::Started
    );
    assert_eq!(chat.operator.as_deref(), Some("Demo Operator"));
    chat.apply(ServerMessage::Typing { typing: true });
    assert!(chat.typing);
    chat.apply(msg(2, Author::Operator, "Hi", None));
    assert!(!chat.typing, "a message ends the typing");
    assert_eq!(chat.last_incoming(), 2);
    chat.send("c1".into(), "How much?".into());
    assert_eq!(chat.unsent().collect::<Vec<_>>(), [("c1", "How much?")]);
    // Ack and push may come in either order; no duplicate either way.
    chat.apply(ServerMessage::Ack {
        client_id: "c1".into(),
        seq: 3,
        at: 3_000,
    });
    chat.apply(msg(3, Author::Visitor, "How much?", Some("c1")));
    assert_eq!(chat.items.len(), 3);
    assert_eq!(chat.unsent().count(), 0);
    assert_eq!(chat.mark(&chat.items[2]), Mark::Delivered);
    chat.apply(ServerMessage::Read { seq: 3 });
    assert_eq!(chat.mark(&chat.items[2]), Mark::Read);
    assert!(chat.is_open());
    assert_eq!(
        chat.apply(ServerMessage::SessionEnded {
            by: Author::Operator
        }),
        Change::Ended
    );
    assert!(!chat.is_open());
    assert_eq!(chat.last_seq, 3);
}

#[test]
fn push_before_ack_and_repeats_after_resume() {
    let mut chat = Chat::default();
    chat.start(None);
    chat.apply(created());
    chat.send("c1".into(), "a".into());
    chat.apply(msg(1, Author::Visitor, "a", Some("c1")));
    chat.apply(ServerMessage::Ack {
        client_id: "c1".into(),
        seq: 1,
        at: 1,
    });
    chat.apply(msg(2, Author::Operator, "b", None));
    // A resume replays from some seq: nothing is shown twice.
    chat.apply(msg(1, Author::Visitor, "a", Some("c1")));
    chat.apply(msg(2, Author::Operator, "b", None));
    assert_eq!(chat.items.len(), 2);
}

#[test]
fn late_older_messages_are_ordered_and_unsent_stay_last() {
    let mut chat = Chat::default();
    chat.start(None);
    chat.apply(created());
    chat.apply(msg(2, Author::Operator, "two", None));
    chat.send("c9".into(), "mine".into());
    chat.apply(msg(1, Author::Operator, "one", None));
    let texts: Vec<_> = chat.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(texts, ["one", "two", "mine"]);
}

#[test]
fn resume_states() {
    let mut chat = Chat {
        phase: Phase::Resuming,
        session: Some(("s".into(), "t".into())),
        ..Chat::default()
    };
    let change = chat.apply(ServerMessage::Resumed {
        session_id: "s".into(),
        state: SessionState::Active,
        operator_name: Some("Op".into()),
        queue_position: None,
    });
    assert_eq!(change, Change::Resumed(SessionState::Active));
    assert_eq!(chat.phase, Phase::Active);
    assert_eq!(chat.operator.as_deref(), Some("Op"));
    let change = chat.apply(ServerMessage::Error {
        code: ErrorCode::BadSession,
        message: "unknown session".into(),
    });
    assert_eq!(change, Change::Failed("unknown session".into()));
    assert_eq!(chat.phase, Phase::Idle);
    assert!(chat.session.is_none());
}

#[test]
fn a_refused_start_returns_to_idle() {
    let mut chat = Chat::default();
    chat.start(Some("x".into()));
    chat.apply(ServerMessage::Error {
        code: ErrorCode::Unavailable,
        message: "nobody".into(),
    });
    assert_eq!(chat.phase, Phase::Idle);
    assert!(chat.items.is_empty());
}

#[test]
fn emails() {
    assert!(is_email("jana@example.cz"));
    assert!(is_email("a.b+c@mail.example.com"));
    for bad in [
        "", "a", "a@", "@b.cz", "a@b", "a@b.", "a b@c.cz", "a@b@c.cz", "a@.cz",
    ] {
        assert!(!is_email(bad), "{bad}");
    }
}

#[test]
fn placeholders() {
    assert_eq!(fill("Your place: {n}", "n", "3"), "Your place: 3");
    assert_eq!(fill("{name} joined", "name", "Op"), "Op joined");
    assert_eq!(fill("no placeholder", "n", "3"), "no placeholder");
    assert_eq!(fill("{n}{n} {x} {", "n", "1"), "11 {x} {");
}

#[test]
fn a_shared_product_keeps_its_card() {
    use owidget_protocol::plugins::{Card, CardKind};
    let mut chat = Chat::default();
    let ServerMessage::Message { mut message } = msg(3, Author::Operator, "Shoe", None) else {
        unreachable!()
    };
    message.card = Some(Box::new(Card {
        kind: CardKind::Product,
        title: "Shoe".into(),
        image_url: Some("javascript:alert(1)".into()),
        url: Some("https://shop.example/shoe".into()),
        available: None,
        price: Some("10 €".into()),
        offer_price: None,
    }));
    chat.apply(ServerMessage::Message { message });
    chat.apply(msg(4, Author::Operator, "plain", None));
    let card = chat.items[0].card.as_ref().expect("the card");
    assert_eq!(card.title, "Shoe");
    assert_eq!(card.image_url, None, "only http(s) images");
    assert_eq!(card.url.as_deref(), Some("https://shop.example/shoe"));
    assert_eq!(chat.items[1].card, None);
}

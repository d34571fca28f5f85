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
            bot: None,
            card: None,
            carousel: None,
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

/// `(seq, text)` of the conversation in order.
fn order(chat: &Chat) -> Vec<(Option<u64>, &str)> {
    chat.items
        .iter()
        .map(|i| (i.seq, i.text.as_str()))
        .collect()
}

fn ack(client_id: &str, seq: u64) -> ServerMessage {
    ServerMessage::Ack {
        client_id: client_id.into(),
        seq,
        at: 1_000 * seq as i64,
    }
}

// Issue 14 item 1: on a slow network the operator's answer is stored (seq
// 2) before the visitor's message that was on its way (seq 3).
#[test]
fn an_answer_stored_before_a_pending_message_goes_before_it_keys_stay() {
    let mut chat = Chat::default();
    chat.start(Some("Hello".into()));
    chat.apply(created());
    chat.apply(msg(1, Author::Visitor, "Hello", Some("start-s")));
    chat.send("c1".into(), "Is it in stock?".into());
    let pending_key = chat.items[1].key;
    chat.apply(msg(2, Author::Operator, "Hi!", None));
    assert_eq!(
        order(&chat),
        [
            (Some(1), "Hello"),
            (Some(2), "Hi!"),
            (None, "Is it in stock?")
        ]
    );
    // Ack and push, in either order: the pending message keeps its key.
    chat.apply(ack("c1", 3));
    chat.apply(msg(3, Author::Visitor, "Is it in stock?", Some("c1")));
    assert_eq!(
        order(&chat),
        [
            (Some(1), "Hello"),
            (Some(2), "Hi!"),
            (Some(3), "Is it in stock?")
        ]
    );
    assert_eq!(chat.items[2].key, pending_key);
    let mut keys: Vec<u32> = chat.items.iter().map(|i| i.key).collect();
    keys.dedup();
    assert_eq!(keys.len(), 3, "one key per message");
    assert_eq!(chat.last_seq, 3);
}

// An ack that overtakes the push of an earlier stored message must not let
// a resume skip that message.
#[test]
fn last_seq_never_skips_a_message_not_received() {
    let mut chat = Chat::default();
    chat.start(None);
    chat.apply(created());
    chat.apply(msg(1, Author::Operator, "one", None));
    chat.send("c1".into(), "mine".into());
    chat.send("c2".into(), "mine too".into());
    // Stored as 3 and 4 after the operator's 2, which is still on its way.
    chat.apply(ack("c2", 4));
    chat.apply(ack("c1", 3));
    assert_eq!(chat.last_seq, 1, "2 is missing: a resume must ask after 1");
    assert_eq!(
        order(&chat),
        [(Some(1), "one"), (Some(3), "mine"), (Some(4), "mine too")]
    );
    chat.apply(msg(2, Author::Operator, "two", None));
    assert_eq!(chat.last_seq, 4);
    assert_eq!(
        order(&chat),
        [
            (Some(1), "one"),
            (Some(2), "two"),
            (Some(3), "mine"),
            (Some(4), "mine too")
        ]
    );
}

// Pending messages stay in the order typed, after every stored one, in any
// interleaving of pushes and acks.
#[test]
fn every_interleaving_gives_seq_order_then_pending_in_typed_order() {
    // Events: operator messages o1, o2 and acks of visitor v1, v2, in every
    // order; the visitor typed v1, v2 first. Seqs as the server gave them.
    fn permutations(left: Vec<usize>) -> Vec<Vec<usize>> {
        if left.is_empty() {
            return vec![vec![]];
        }
        let mut out = Vec::new();
        for (n, &first) in left.iter().enumerate() {
            let mut rest = left.clone();
            rest.remove(n);
            for mut p in permutations(rest) {
                p.insert(0, first);
                out.push(p);
            }
        }
        out
    }
    let orders = permutations(vec![0, 1, 2, 3]);
    assert_eq!(orders.len(), 24);
    for o in orders {
        let mut chat = Chat::default();
        chat.start(None);
        chat.apply(created());
        chat.send("v1".into(), "v1".into());
        chat.send("v2".into(), "v2".into());
        // Server order: o1 = 1, v1 = 2, o2 = 3, v2 = 4.
        for &i in &o {
            let m = match i {
                0 => msg(1, Author::Operator, "o1", None),
                1 => msg(3, Author::Operator, "o2", None),
                2 => ack("v1", 2),
                _ => ack("v2", 4),
            };
            chat.apply(m);
            let seqs: Vec<u64> = chat.items.iter().filter_map(|i| i.seq).collect();
            assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{o:?}: {seqs:?}");
            let stored = chat.items.iter().take_while(|i| i.seq.is_some()).count();
            assert!(chat.items[stored..].iter().all(|i| i.seq.is_none()));
            let pending: Vec<&str> = chat.items[stored..]
                .iter()
                .map(|i| i.text.as_str())
                .collect();
            assert!(
                pending == ["v1", "v2"]
                    || pending == ["v1"]
                    || pending == ["v2"]
                    || pending.is_empty()
            );
        }
        let texts: Vec<&str> = chat.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts, ["o1", "v1", "o2", "v2"], "{o:?}");
        assert_eq!(chat.last_seq, 4);
    }
}

// Issue 14 item 3: a refused message leaves the conversation (it is not
// stored) and its text goes back to the visitor; nothing else changes.
#[test]
fn a_refused_message_leaves_the_conversation_with_its_text() {
    let mut chat = Chat::default();
    chat.start(None);
    chat.apply(created());
    chat.send("c1".into(), "fine".into());
    chat.send("c2".into(), "way too long".into());
    let change = chat.apply(ServerMessage::Error {
        code: ErrorCode::TooLong,
        message: "text is longer than 2000 characters".into(),
        client_id: Some("c2".into()),
    });
    assert_eq!(
        change,
        Change::Refused(ErrorCode::TooLong, "way too long".into())
    );
    assert_eq!(order(&chat), [(None, "fine")]);
    assert_eq!(chat.phase, Phase::Waiting);
    // A refusal of a message already gone (a repeated frame) changes nothing.
    let change = chat.apply(ServerMessage::Error {
        code: ErrorCode::RateLimited,
        message: "slow down".into(),
        client_id: Some("c2".into()),
    });
    assert_eq!(change, Change::Failed(ErrorCode::RateLimited));
    assert_eq!(chat.unsent().count(), 1);
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
        read_seq: Some(5),
    });
    assert_eq!(chat.read_seq, 5, "the stored read mark");
    assert_eq!(change, Change::Resumed(SessionState::Active));
    assert_eq!(chat.phase, Phase::Active);
    assert_eq!(chat.operator.as_deref(), Some("Op"));
    let change = chat.apply(ServerMessage::Error {
        code: ErrorCode::BadSession,
        message: "unknown session".into(),
        client_id: None,
    });
    assert_eq!(change, Change::Failed(ErrorCode::BadSession));
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
        client_id: None,
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
        ..Default::default()
    }));
    chat.apply(ServerMessage::Message { message });
    chat.apply(msg(4, Author::Operator, "plain", None));
    let Some(crate::card::Attachment::Card(card)) = chat.items[0].card.as_ref() else {
        panic!("the card")
    };
    assert_eq!(card.title.as_deref(), Some("Shoe"));
    assert_eq!(card.image_url, None, "only http(s) images");
    assert_eq!(card.url.as_deref(), Some("https://shop.example/shoe"));
    assert_eq!(chat.items[1].card, None);
}

#[test]
fn a_pushed_carousel_is_kept_for_the_view() {
    use owidget_protocol::plugins::{Card, CardKind, Carousel};
    let mut chat = Chat::default();
    let ServerMessage::Message { mut message } = msg(3, Author::Operator, "Orders", None) else {
        unreachable!()
    };
    let card = |text: &str| Card {
        kind: CardKind::Content,
        text: Some(text.into()),
        ..Default::default()
    };
    message.carousel = Some(Box::new(Carousel {
        title: Some("Orders".into()),
        cards: vec![card("one"), card("two")],
    }));
    chat.apply(ServerMessage::Message { message });
    let Some(crate::card::Attachment::Carousel { title, cards }) = chat.items[0].card.as_ref()
    else {
        panic!("the carousel")
    };
    assert_eq!(title.as_deref(), Some("Orders"));
    assert_eq!(cards.len(), 2);
    assert_eq!(chat.items[0].text, "Orders", "the fallback text stays");
}

/// Issue 10 item 9: the widget cuts `location.href` to the published
/// `pageUrlMaxChars`, counted in characters as the server counts.
#[test]
fn page_urls_are_trimmed_in_characters() {
    assert_eq!(trim_chars("abc".into(), 5), "abc");
    assert_eq!(trim_chars("abcdef".into(), 3), "abc");
    assert_eq!(trim_chars("ééé".into(), 2), "éé");
    assert_eq!(trim_chars("😀😀".into(), 1), "😀");
}

/// Issue 10 item 9: custom data sent with a start fits every published
/// limit, entries kept in call order.
#[test]
fn custom_data_fits_the_published_limits() {
    let lim = owidget_protocol::WidgetLimits::default();
    let data: Vec<(String, String)> = (0..5).map(|i| (format!("k{i}"), "v".repeat(999))).collect();
    let (kept, dropped) = fit_custom_data(&data, &lim);
    let keys: Vec<&str> = kept.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["k0", "k1", "k2"]);
    assert_eq!(dropped, 2);
    let total: usize = kept
        .iter()
        .map(|(k, v)| k.chars().count() + v.chars().count())
        .sum();
    assert!(total <= lim.custom_data_total_max_chars);
    let many: Vec<(String, String)> = (0..60).map(|i| (format!("k{i}"), "v".into())).collect();
    assert_eq!(
        fit_custom_data(&many, &lim).0.len(),
        lim.custom_data_max_keys
    );
    let long_key = vec![("k".repeat(101), "v".to_string())];
    assert_eq!(fit_custom_data(&long_key, &lim), (vec![], 1));
}

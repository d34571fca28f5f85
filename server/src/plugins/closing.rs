//! Conversation closing form plugin (reference §3.3): the connector's form,
//! answers checked by the server (the desk checks too, but is not trusted)
//! and stored with the session.
//!
//! Rules: a field with `idParent` is shown, and its `isRequired` enforced,
//! only while its parent is active (CHECKBOX `"true"`, SELECT any option,
//! other types non-empty; a hidden parent is not active); answers of
//! hidden fields are dropped; at most 1024 characters an answer; INTEGER
//! `-?\d+`; DECIMAL `-?\d+([.,]\d+)?`; CHECKBOX `"true"`/`"false"` (a
//! required one must be checked, as in HTML); SELECT one of its options'
//! values; no unknown ids.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use owidget_protocol::plugins::{
    ClosingForm, ClosingFormAnswers, FormField, FormFieldType, PluginKind,
};
use owidget_protocol::SessionState;
use serde::Deserialize;

use super::schemas::Schema;
use super::{connector, locale, operator_id, visible_chat, Call};
use crate::error::JsonBody;
use crate::operators::auth::CurrentOperator;
use crate::{AppState, Error, Result};

/// Longest answer, in characters (iAdvize saves up to 1024 a field).
pub const MAX_ANSWER_CHARS: usize = 1024;

/// Routes under `/api/operator`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/chats/{id}/closing-form", get(form).put(save))
}

#[derive(Debug, Deserialize)]
struct LocaleQuery {
    locale: Option<String>,
}

fn is_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_decimal(s: &str) -> bool {
    match s.find(['.', ',']) {
        Some(i) => {
            is_integer(&s[..i]) && {
                let frac = &s[i + 1..];
                !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit())
            }
        }
        None => is_integer(s),
    }
}

fn label(f: &FormField) -> String {
    let l = f.label.split_whitespace().collect::<Vec<_>>().join(" ");
    if l.is_empty() {
        f.id.clone()
    } else {
        l
    }
}

/// Whether field `i` is shown given `answers` (parents followed up to the
/// form's length, so a cycle counts as hidden).
fn shown(fields: &[FormField], i: usize, answers: &BTreeMap<String, String>) -> bool {
    let mut f = &fields[i];
    for _ in 0..=fields.len() {
        let Some(parent) = &f.id_parent else {
            return true;
        };
        let Some(p) = fields.iter().find(|p| &p.id == parent) else {
            // A parent the form does not have cannot be activated.
            return false;
        };
        let value = answers.get(&p.id).map(|v| v.trim()).unwrap_or("");
        let active = match p.field_type {
            FormFieldType::Checkbox => value == "true",
            _ => !value.is_empty(),
        };
        if !active {
            return false;
        }
        f = p;
    }
    false
}

/// Checks `answers` against `fields`; returns what to store (shown fields
/// with an answer), or the first offending field and why.
pub fn check_answers(
    fields: &[FormField],
    answers: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    let bad = |f: &FormField, why: &str| Error::BadField {
        field: f.id.clone(),
        message: format!("{}: {why}", label(f)),
    };
    if let Some(unknown) = answers.keys().find(|k| !fields.iter().any(|f| &f.id == *k)) {
        return Err(Error::BadField {
            field: unknown.clone(),
            message: format!("{unknown}: no such field in the form"),
        });
    }
    let mut kept = BTreeMap::new();
    for (i, f) in fields.iter().enumerate() {
        if !shown(fields, i, answers) {
            continue;
        }
        let raw = answers.get(&f.id).map(String::as_str).unwrap_or("");
        if raw.chars().count() > MAX_ANSWER_CHARS {
            return Err(bad(f, &format!("at most {MAX_ANSWER_CHARS} characters")));
        }
        let value = match f.field_type {
            FormFieldType::Text | FormFieldType::Textarea => raw,
            _ => raw.trim(),
        };
        let empty = match f.field_type {
            FormFieldType::Checkbox => value != "true",
            _ => value.trim().is_empty(),
        };
        if f.is_required && empty {
            return Err(bad(
                f,
                if f.field_type == FormFieldType::Checkbox {
                    "must be checked"
                } else {
                    "required"
                },
            ));
        }
        if value.trim().is_empty() {
            continue;
        }
        match f.field_type {
            FormFieldType::Checkbox if value != "true" && value != "false" => {
                return Err(bad(f, "must be true or false"))
            }
            FormFieldType::Integer if !is_integer(value) => {
                return Err(bad(f, "must be a whole number"))
            }
            FormFieldType::Decimal if !is_decimal(value) => return Err(bad(f, "must be a number")),
            FormFieldType::Select if !f.options.iter().flatten().any(|o| o.value == value) => {
                return Err(bad(f, "must be one of the options"))
            }
            _ => {}
        }
        kept.insert(f.id.clone(), value.to_string());
    }
    Ok(kept)
}

async fn fetch(state: &AppState, who: &CurrentOperator, locale: String) -> Result<Vec<FormField>> {
    let c = connector(state, who, "closing form", |c| c.closing_form_url.is_some())?;
    let call = Call {
        plugin: PluginKind::ClosingForm,
        url: c.config.closing_form_url.as_deref().expect("filtered"),
        params: vec![
            (
                "idConnectorVersion",
                Some(c.config.id_connector_version.clone()),
            ),
            ("idWebsite", Some(c.config.id_website.clone())),
            ("operatorLocale", Some(locale)),
            ("idOperator", Some(operator_id(state, who))),
        ],
        post: false,
        schema: Some(Schema::ClosingFormField),
        quiet_when_ok: false,
    };
    state
        .plugins
        .call(who.op.company, call)
        .await
        .map_err(|e| Error::BadGateway(format!("the closing form is unavailable: {e}")))
}

async fn form(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<String>,
    Query(q): Query<LocaleQuery>,
) -> Result<Json<ClosingForm>> {
    let locale = locale(q.locale)?;
    visible_chat(&state, &who, &id).await?;
    let fields = fetch(&state, &who, locale).await?;
    let company = &state.config.companies[who.op.company].id;
    let answers = state
        .hub
        .store()
        .plugin_fields(company, &id)
        .await?
        .and_then(|(answers, _)| answers);
    Ok(Json(ClosingForm { fields, answers }))
}

async fn save(
    State(state): State<AppState>,
    who: CurrentOperator,
    Path(id): Path<String>,
    Query(q): Query<LocaleQuery>,
    JsonBody(body): JsonBody<ClosingFormAnswers>,
) -> Result<Json<ClosingFormAnswers>> {
    let locale = locale(q.locale)?;
    let chat = visible_chat(&state, &who, &id).await?;
    let me = operator_id(&state, &who);
    let mine = chat.operator.as_deref().is_none_or(|o| o == me);
    if chat.state == SessionState::Waiting || !mine {
        return Err(Error::Forbidden(
            "only the chat's operator fills its closing form".into(),
        ));
    }
    let fields = fetch(&state, &who, locale).await?;
    let answers = check_answers(&fields, &body.answers)?;
    let company = &state.config.companies[who.op.company].id;
    let event = crate::webhooks::closing_form(&state.config, who.op.company, &id, &me, &answers);
    state
        .hub
        .store()
        .set_closing_form(company, &id, &answers, event.clone())
        .await?;
    state.hub.webhooks().wake(event.as_slice());
    state
        .hub
        .set_live_closing_form(who.op.company, &id, answers.clone());
    Ok(Json(ClosingFormAnswers { answers }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form() -> Vec<FormField> {
        serde_json::from_value(json!([
            {"id": "ticket", "label": "Create a\nticket", "fieldType": "CHECKBOX", "isRequired": false},
            {"id": "priority", "idParent": "ticket", "label": "Priority", "fieldType": "SELECT",
             "isRequired": true, "options": [{"label": "High", "value": "high"}, {"label": "Low", "value": 2}]},
            {"id": "why", "idParent": "priority", "label": "Why", "fieldType": "TEXT", "isRequired": true},
            {"id": "n", "label": "Items", "fieldType": "INTEGER", "isRequired": false},
            {"id": "amount", "label": "Amount", "fieldType": "DECIMAL", "isRequired": false},
            {"id": "notes", "label": "Notes", "fieldType": "TEXTAREA", "isRequired": true}
        ]))
        .unwrap()
    }

    fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn field_of(r: Result<BTreeMap<String, String>>) -> (String, String) {
        match r {
            Err(Error::BadField { field, message }) => (field, message),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn children_count_only_while_the_parent_is_active() {
        let f = form();
        // Unchecked parent: the required child is hidden and its answer dropped.
        let kept = check_answers(
            &f,
            &answers(&[("ticket", "false"), ("priority", "x"), ("notes", "ok")]),
        )
        .unwrap();
        assert_eq!(kept, answers(&[("ticket", "false"), ("notes", "ok")]));
        // Checked parent: the child is required, then its own child too.
        let (field, msg) = field_of(check_answers(
            &f,
            &answers(&[("ticket", "true"), ("notes", "ok")]),
        ));
        assert_eq!(
            (field.as_str(), msg.as_str()),
            ("priority", "Priority: required")
        );
        let (field, _) = field_of(check_answers(
            &f,
            &answers(&[("ticket", "true"), ("priority", "2"), ("notes", "ok")]),
        ));
        assert_eq!(field, "why");
        check_answers(
            &f,
            &answers(&[
                ("ticket", "true"),
                ("priority", "2"),
                ("why", "late"),
                ("notes", "ok"),
            ]),
        )
        .unwrap();
    }

    #[test]
    fn types_lengths_and_unknown_ids() {
        let f = form();
        let base = [("notes", "ok")];
        let with = |k: &str, v: &str| {
            let mut a = answers(&base);
            a.insert(k.into(), v.into());
            check_answers(&f, &a)
        };
        assert_eq!(
            field_of(with("n", "1.5")).1,
            "Items: must be a whole number"
        );
        with("n", "-12").unwrap();
        with("amount", "3,50").unwrap();
        with("amount", "-3.5").unwrap();
        assert_eq!(field_of(with("amount", "3.")).0, "amount");
        assert_eq!(field_of(with("amount", "1e5")).0, "amount");
        assert_eq!(
            field_of(with("ticket", "yes")).1,
            "Create a ticket: must be true or false"
        );
        assert_eq!(field_of(with("bogus", "1")).0, "bogus");
        assert_eq!(
            field_of(with("notes", &"é".repeat(1025))).1,
            "Notes: at most 1024 characters"
        );
        with("notes", &"é".repeat(1024)).unwrap();
        assert_eq!(field_of(with("notes", "  ")).1, "Notes: required");
        assert_eq!(
            field_of(check_answers(
                &f,
                &answers(&[("ticket", "true"), ("priority", "mid"), ("notes", "x")])
            ))
            .1,
            "Priority: must be one of the options"
        );
    }

    #[test]
    fn a_cycle_of_parents_hides_its_fields() {
        let f: Vec<FormField> = serde_json::from_value(json!([
            {"id": "a", "idParent": "b", "label": "A", "fieldType": "TEXT", "isRequired": true},
            {"id": "b", "idParent": "a", "label": "B", "fieldType": "TEXT", "isRequired": true}
        ]))
        .unwrap();
        assert!(check_answers(&f, &BTreeMap::new()).unwrap().is_empty());
    }
}

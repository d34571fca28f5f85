//! `POST /graphql`: the two fields of iAdvize's GraphQL API a bot app
//! needs (contract §4.7), parsed with `graphql-parser` and executed here
//! against a fixed schema:
//!
//! ```graphql
//! type Query    { routingRule(id: UUID!): RoutingRule }
//! type Mutation { chatbotMessageSend(input: ChatbotMessageSendInput!): ChatbotMessageSendPayload }
//! type RoutingRule { id: UUID!  availability: RoutingRuleAvailability! }
//! type RoutingRuleAvailability { chat: ChannelAvailability! }
//! type ChannelAvailability { isAvailable: Boolean! }
//! type ChatbotMessageSendPayload { userErrors: [UserError!]! }
//! type UserError { field: [String!]  message: String! }
//! ```
//!
//! Variables, default values, aliases, fragments (named and inline) and
//! `__typename` work; subscriptions, unknown fields or arguments and
//! malformed documents are answered with a GraphQL `errors` array and no
//! `data` (nothing is executed). Problems of the request's meaning (unknown
//! conversation, a conversation the bot no longer drives, a text over 450
//! characters…) are the mutation's `userErrors`.

use std::collections::BTreeMap;

use graphql_parser::query::{
    Definition, Document, Field, OperationDefinition, Selection, SelectionSet, Value as GValue,
    VariableDefinition,
};
use serde_json::{json, Map, Value};

/// A GraphQL error object.
pub fn error(message: impl Into<String>, at: Option<graphql_parser::Pos>) -> Value {
    let mut e = json!({ "message": message.into() });
    if let Some(p) = at {
        e["locations"] = json!([{ "line": p.line, "column": p.column }]);
    }
    e
}

/// A parsed request, ready to run (owning all it needs): the chosen
/// operation's root fields with their arguments resolved to JSON.
#[derive(Debug)]
pub struct Plan {
    /// A mutation (root fields run one after the other).
    pub mutation: bool,
    /// Root fields.
    pub fields: Vec<RootField>,
}

/// One root field.
#[derive(Debug)]
pub struct RootField {
    /// Response key (alias or name).
    pub key: String,
    /// Field name.
    pub name: String,
    /// Arguments, variables substituted.
    pub args: Map<String, Value>,
    /// What is selected of its value.
    pub selection: Vec<Sel>,
}

/// A selected field, fragments expanded: (response key, field name, its
/// own selection).
#[derive(Debug, Clone)]
pub struct Sel {
    key: String,
    name: String,
    selection: Vec<Sel>,
}

fn owned<'a>(doc: &'a Document<'a, &'a str>, set: &'a SelectionSet<'a, &'a str>) -> Vec<Sel> {
    let mut ignore = Vec::new();
    collect(doc, set, &mut ignore)
        .into_iter()
        .map(|f| Sel {
            key: f.alias.unwrap_or(f.name).to_string(),
            name: f.name.to_string(),
            selection: owned(doc, &f.selection_set),
        })
        .collect()
}

/// The shape of each output type: field → leaf (`Value::Null`), object
/// type (its name as a string) or list of an object type (`[name]`).
fn type_fields(name: &str) -> Option<Vec<(&'static str, Value)>> {
    let leaf = Value::Null;
    let obj = |t: &str| Value::String(t.into());
    Some(match name {
        "Query" => vec![("routingRule", obj("RoutingRule"))],
        "Mutation" => vec![("chatbotMessageSend", obj("ChatbotMessageSendPayload"))],
        "RoutingRule" => vec![
            ("id", leaf.clone()),
            ("availability", obj("RoutingRuleAvailability")),
        ],
        "RoutingRuleAvailability" => vec![("chat", obj("ChannelAvailability"))],
        "ChannelAvailability" => vec![("isAvailable", leaf)],
        "ChatbotMessageSendPayload" => vec![("userErrors", json!(["UserError"]))],
        "UserError" => vec![("field", leaf.clone()), ("message", leaf)],
        _ => return None,
    })
}

/// Arguments of the root fields: (name, required).
fn root_args(field: &str) -> &'static [(&'static str, bool)] {
    match field {
        "routingRule" => &[("id", true)],
        "chatbotMessageSend" => &[("input", true)],
        _ => &[],
    }
}

/// Parses the document and picks the operation (`operationName`, or the
/// only one), checks every selection against the schema and resolves the
/// root fields' arguments. `Err` holds the GraphQL errors.
pub fn plan<'a>(
    doc: &'a Document<'a, &'a str>,
    operation_name: Option<&str>,
    variables: &Map<String, Value>,
) -> Result<Plan, Vec<Value>> {
    let ops: Vec<&OperationDefinition<&str>> = doc
        .definitions
        .iter()
        .filter_map(|d| match d {
            Definition::Operation(o) => Some(o),
            Definition::Fragment(_) => None,
        })
        .collect();
    let name_of = |o: &OperationDefinition<'a, &'a str>| match o {
        OperationDefinition::Query(q) => q.name,
        OperationDefinition::Mutation(m) => m.name,
        OperationDefinition::Subscription(s) => s.name,
        OperationDefinition::SelectionSet(_) => None,
    };
    let op = match operation_name {
        Some(n) => ops
            .iter()
            .find(|o| name_of(o) == Some(n))
            .copied()
            .ok_or_else(|| {
                vec![error(
                    format!("no operation named {n:?} in the document"),
                    None,
                )]
            })?,
        None if ops.len() == 1 => ops[0],
        None if ops.is_empty() => return Err(vec![error("the document has no operation", None)]),
        None => {
            return Err(vec![error(
                "the document has several operations: give operationName",
                None,
            )])
        }
    };
    let (mutation, defs, set): (bool, &[VariableDefinition<&str>], &SelectionSet<&str>) = match op {
        OperationDefinition::Query(q) => (false, &q.variable_definitions, &q.selection_set),
        OperationDefinition::Mutation(m) => (true, &m.variable_definitions, &m.selection_set),
        OperationDefinition::SelectionSet(s) => (false, &[], s),
        OperationDefinition::Subscription(s) => {
            return Err(vec![error(
                "subscriptions are not supported",
                Some(s.position),
            )])
        }
    };
    let mut vars = Map::new();
    for d in defs {
        let v = match variables.get(d.name) {
            Some(v) => v.clone(),
            None => match &d.default_value {
                Some(dv) => {
                    to_json(dv, &Map::new()).map_err(|e| vec![error(e, Some(d.position))])?
                }
                None => Value::Null,
            },
        };
        vars.insert(d.name.to_string(), v);
    }
    let mut errors = Vec::new();
    let root = if mutation { "Mutation" } else { "Query" };
    let mut fields = Vec::new();
    for f in collect(doc, set, &mut errors) {
        check_directives(f, &mut errors);
        let key = f.alias.unwrap_or(f.name).to_string();
        if f.name == "__typename" {
            fields.push(RootField {
                key,
                name: f.name.to_string(),
                args: Map::new(),
                selection: Vec::new(),
            });
            continue;
        }
        let Some(ty) = type_fields(root)
            .expect("root types exist")
            .into_iter()
            .find(|(n, _)| *n == f.name)
            .map(|(_, t)| t)
        else {
            errors.push(error(
                format!("Cannot query field \"{}\" on type \"{root}\"", f.name),
                Some(f.position),
            ));
            continue;
        };
        let mut args = Map::new();
        let known = root_args(f.name);
        for (name, v) in &f.arguments {
            if !known.iter().any(|(k, _)| k == name) {
                errors.push(error(
                    format!("Unknown argument \"{name}\" on field \"{root}.{}\"", f.name),
                    Some(f.position),
                ));
                continue;
            }
            match to_json(v, &vars) {
                Ok(j) => {
                    args.insert(name.to_string(), j);
                }
                Err(e) => errors.push(error(e, Some(f.position))),
            }
        }
        for (k, required) in known {
            if *required && args.get(*k).is_none_or(Value::is_null) {
                errors.push(error(
                    format!("Field \"{}\" argument \"{k}\" is required", f.name),
                    Some(f.position),
                ));
            }
        }
        check_selection(doc, f, &ty, &mut errors);
        fields.push(RootField {
            key,
            name: f.name.to_string(),
            args,
            selection: owned(doc, &f.selection_set),
        });
    }
    if errors.is_empty() {
        Ok(Plan { mutation, fields })
    } else {
        Err(errors)
    }
}

fn check_directives<'a>(f: &Field<'a, &'a str>, errors: &mut Vec<Value>) {
    for d in &f.directives {
        errors.push(error(
            format!("directive @{} is not supported", d.name),
            Some(d.position),
        ));
    }
}

/// The fields of a selection set, fragments expanded (type conditions are
/// not checked: every selection here has one possible type).
fn collect<'a>(
    doc: &'a Document<'a, &'a str>,
    set: &'a SelectionSet<'a, &'a str>,
    errors: &mut Vec<Value>,
) -> Vec<&'a Field<'a, &'a str>> {
    let mut out = Vec::new();
    collect_into(doc, set, errors, &mut out, 0);
    out
}

fn collect_into<'a>(
    doc: &'a Document<'a, &'a str>,
    set: &'a SelectionSet<'a, &'a str>,
    errors: &mut Vec<Value>,
    out: &mut Vec<&'a Field<'a, &'a str>>,
    depth: usize,
) {
    if depth > 16 {
        errors.push(error(
            "fragments nest too deep (a cycle?)",
            Some(set.span.0),
        ));
        return;
    }
    for s in &set.items {
        match s {
            Selection::Field(f) => out.push(f),
            Selection::InlineFragment(i) => {
                collect_into(doc, &i.selection_set, errors, out, depth + 1)
            }
            Selection::FragmentSpread(fs) => {
                let found = doc.definitions.iter().find_map(|d| match d {
                    Definition::Fragment(f) if f.name == fs.fragment_name => Some(f),
                    _ => None,
                });
                match found {
                    Some(f) => collect_into(doc, &f.selection_set, errors, out, depth + 1),
                    None => errors.push(error(
                        format!("Unknown fragment \"{}\"", fs.fragment_name),
                        Some(fs.position),
                    )),
                }
            }
        }
    }
}

/// Checks a field's sub-selection against its type `ty` (leaf, object
/// type name, or `[name]`).
fn check_selection<'a>(
    doc: &'a Document<'a, &'a str>,
    f: &'a Field<'a, &'a str>,
    ty: &Value,
    errors: &mut Vec<Value>,
) {
    let type_name = match ty {
        Value::String(t) => Some(t.as_str()),
        Value::Array(a) => a.first().and_then(Value::as_str),
        _ => None,
    };
    let Some(type_name) = type_name else {
        if !f.selection_set.items.is_empty() {
            errors.push(error(
                format!("Field \"{}\" is a scalar and takes no selection", f.name),
                Some(f.position),
            ));
        }
        return;
    };
    let subs = collect(doc, &f.selection_set, errors);
    if subs.is_empty() {
        errors.push(error(
            format!(
                "Field \"{}\" of type \"{type_name}\" must have a selection of subfields",
                f.name
            ),
            Some(f.position),
        ));
        return;
    }
    let known = type_fields(type_name).expect("known type");
    for s in subs {
        check_directives(s, errors);
        if let Some((name, _)) = s.arguments.first() {
            errors.push(error(
                format!(
                    "Unknown argument \"{name}\" on field \"{type_name}.{}\"",
                    s.name
                ),
                Some(s.position),
            ));
        }
        if s.name == "__typename" {
            continue;
        }
        match known.iter().find(|(n, _)| *n == s.name) {
            Some((_, t)) => check_selection(doc, s, t, errors),
            None => errors.push(error(
                format!("Cannot query field \"{}\" on type \"{type_name}\"", s.name),
                Some(s.position),
            )),
        }
    }
}

/// An argument value as JSON, variables substituted.
fn to_json<'a>(v: &GValue<'a, &'a str>, vars: &Map<String, Value>) -> Result<Value, String> {
    Ok(match v {
        GValue::Variable(n) => vars
            .get(*n)
            .cloned()
            .ok_or_else(|| format!("Variable \"${n}\" is not defined by the operation"))?,
        GValue::Int(i) => json!(i.as_i64()),
        GValue::Float(f) => json!(f),
        GValue::String(s) => json!(s),
        GValue::Boolean(b) => json!(b),
        GValue::Null => Value::Null,
        GValue::Enum(e) => json!(e),
        GValue::List(l) => Value::Array(
            l.iter()
                .map(|x| to_json(x, vars))
                .collect::<Result<_, _>>()?,
        ),
        GValue::Object(o) => {
            let m: BTreeMap<String, Value> = o
                .iter()
                .map(|(k, x)| Ok((k.to_string(), to_json(x, vars)?)))
                .collect::<Result<_, String>>()?;
            Value::Object(m.into_iter().collect())
        }
    })
}

impl RootField {
    /// Its value projected on its selection. `full` is the whole value
    /// (each object with its `__typename`).
    pub fn project(&self, full: &Value) -> Value {
        project(&self.selection, full)
    }
}

fn project(selection: &[Sel], full: &Value) -> Value {
    match full {
        Value::Object(o) => {
            let mut out = Map::new();
            for s in selection {
                let v = o.get(&s.name).cloned().unwrap_or(Value::Null);
                out.insert(s.key.clone(), project(&s.selection, &v));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| project(selection, x)).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (response key, arguments) of each root field.
    type Fields = Vec<(String, Map<String, Value>)>;

    fn run(q: &str, vars: Value) -> Result<Fields, Vec<Value>> {
        let doc = graphql_parser::parse_query::<&str>(q).map_err(|e| vec![json!(e.to_string())])?;
        let vars = vars.as_object().cloned().unwrap_or_default();
        let p = plan(&doc, None, &vars)?;
        Ok(p.fields
            .iter()
            .map(|f| (f.key.clone(), f.args.clone()))
            .collect())
    }

    #[test]
    fn variables_aliases_and_fragments() {
        let got = run(
            "mutation M($c: UUID!, $b: Int!, $a: ChatbotActionOrMessageInput!) {
               sent: chatbotMessageSend(input: {conversationId: $c, chatbotId: $b, actionOrMessage: $a}) {
                 ...E __typename } }
             fragment E on ChatbotMessageSendPayload { userErrors { field message } }",
            json!({"c": "x", "b": 900, "a": {"chatbotAction": {"closeMessage": {}}}}),
        )
        .unwrap();
        assert_eq!(got[0].0, "sent");
        assert_eq!(got[0].1["input"]["chatbotId"], 900);
        assert_eq!(
            got[0].1["input"]["actionOrMessage"]["chatbotAction"],
            json!({"closeMessage": {}})
        );
    }

    #[test]
    fn unknown_fields_and_arguments_are_errors() {
        let e = run(
            "{ routingRule(id: \"r\") { availability { chat { isAvailable colour } } } }",
            json!({}),
        )
        .unwrap_err();
        assert!(
            e[0]["message"]
                .as_str()
                .unwrap()
                .contains("\"colour\" on type \"ChannelAvailability\""),
            "{e:?}"
        );
        let e = run(
            "mutation { chatbotMessageSend { userErrors { message } } }",
            json!({}),
        )
        .unwrap_err();
        assert!(e[0]["message"]
            .as_str()
            .unwrap()
            .contains("argument \"input\" is required"));
        let e = run("{ dance }", json!({})).unwrap_err();
        assert!(e[0]["message"]
            .as_str()
            .unwrap()
            .contains("\"dance\" on type \"Query\""));
        let e = run("{ routingRule(id: \"r\") }", json!({})).unwrap_err();
        assert!(e[0]["message"]
            .as_str()
            .unwrap()
            .contains("must have a selection"));
        let e = run("subscription { x }", json!({})).unwrap_err();
        assert!(e[0]["message"].as_str().unwrap().contains("subscriptions"));
    }
}

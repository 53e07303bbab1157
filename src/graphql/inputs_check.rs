//! What a request's parsed document and variables say about its inputs, checked before
//! it runs: the operation it names exists, its required variables are given, no string
//! holds a NUL character; and async-graphql's complaints about a variable's value are
//! told apart from complaints about the document, so they answer `BAD_USER_INPUT` with
//! `field` `variables.NAME` as the contract asks.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;

use async_graphql::parser::types::{ExecutableDocument, OperationDefinition, Selection, SelectionSet};
use async_graphql::{Name, Pos, Positioned, ServerError, Variables};
use async_graphql_value::{ConstValue, Value};

use crate::error::{code, AppError};

/// Where the chosen operation declares its variables and which arguments use them.
#[derive(Debug, Default)]
pub struct VariableSites {
    /// The position of each variable's declaration.
    declared: HashMap<Pos, Name>,
    /// The position of each argument whose value uses variables, and of each field
    /// with such arguments, with those variables.
    used: HashMap<Pos, Vec<Name>>,
}

/// Checks the request against its document; the sites serve [`VariableSites::recode`]
/// once it has run.
pub fn check(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Result<VariableSites, AppError> {
    let operation = chosen_operation(doc, operation_name)?;
    let mut sites = VariableSites::default();
    for definition in &operation.variable_definitions {
        let name = &definition.node.name.node;
        sites.declared.insert(definition.node.name.pos, name.clone());
        let given = variables.get(name).filter(|v| **v != ConstValue::Null);
        if given.is_none() && !definition.node.var_type.node.nullable && definition.node.default_value.is_none() {
            return Err(bad_input(
                format!("variables.{name}"),
                format!("the variable ${name} of type {} must be given a value", definition.node.var_type.node),
            ));
        }
    }
    for (name, value) in variables.iter() {
        if let Some(path) = nul_in_const(value, format!("variables.{name}")) {
            return Err(bad_input(path, "strings must not contain the NUL character".to_owned()));
        }
    }
    let mut walk = Walk { doc, sites: &mut sites, seen: HashSet::new(), nul: None };
    walk.selections(&operation.selection_set);
    if let Some(path) = walk.nul {
        return Err(bad_input(path, "strings must not contain the NUL character".to_owned()));
    }
    Ok(sites)
}

impl VariableSites {
    /// Gives async-graphql's errors about a variable's value (located at its declaration,
    /// or at an argument or field using it) the contract's code and field; errors resolvers
    /// gave a code keep theirs. What is left without a code is async-graphql's complaint
    /// about a value written in the document (some are found only as the field runs):
    /// `GRAPHQL_VALIDATION_FAILED`, as validation says of the others.
    pub fn recode(&self, errors: &mut [ServerError]) {
        for error in errors {
            let coded = error.extensions.as_ref().and_then(|x| x.get("code")).cloned();
            if coded.as_ref().is_some_and(|c| *c != ConstValue::from(code::GRAPHQL_VALIDATION_FAILED)) {
                continue;
            }
            let variable = match error.locations.first().map(|pos| (self.declared.get(pos), self.used.get(pos))) {
                Some((Some(name), _)) => name,
                Some((None, Some(names))) => {
                    // `Invalid value for argument "filter.search", …` names the path inside
                    // the argument; the variable used there, else the argument's first.
                    names.iter().find(|n| error.message.contains(&format!("${n}"))).unwrap_or(&names[0])
                }
                _ => {
                    if coded.is_none() {
                        error
                            .extensions
                            .get_or_insert_with(Default::default)
                            .set("code", code::GRAPHQL_VALIDATION_FAILED);
                    }
                    continue;
                }
            };
            let extensions = error.extensions.get_or_insert_with(Default::default);
            extensions.set("code", code::BAD_USER_INPUT);
            extensions.set("field", format!("variables.{variable}"));
        }
    }
}

fn chosen_operation<'d>(
    doc: &'d ExecutableDocument,
    operation_name: Option<&str>,
) -> Result<&'d OperationDefinition, AppError> {
    let mut operations = doc.operations.iter();
    let found = match operation_name {
        Some(wanted) => operations.find(|(name, _)| name.is_some_and(|n| n.as_str() == wanted)),
        None => match (operations.next(), operations.next()) {
            (Some(only), None) => Some(only),
            (Some(_), Some(_)) => {
                return Err(bad_input(
                    "operationName".to_owned(),
                    "the document has several operations: name the one to run in `operationName`".to_owned(),
                ))
            }
            _ => None,
        },
    };
    found.map(|(_, op)| &op.node).ok_or_else(|| {
        let shown = operation_name.map(|n| crate::domain::abbreviate(n, 64)).unwrap_or_default();
        bad_input("operationName".to_owned(), format!("the document has no operation named \"{shown}\""))
    })
}

fn bad_input(field: String, message: String) -> AppError {
    AppError::BadUserInput { field, message }
}

/// Walks the operation's selections (each fragment once) for the arguments' variables
/// and for NUL characters in string literals.
struct Walk<'d, 's> {
    doc: &'d ExecutableDocument,
    sites: &'s mut VariableSites,
    seen: HashSet<&'d Name>,
    nul: Option<String>,
}

impl<'d> Walk<'d, '_> {
    fn selections(&mut self, set: &'d Positioned<SelectionSet>) {
        for item in &set.node.items {
            match &item.node {
                Selection::Field(field) => {
                    let mut of_field = Vec::new();
                    for (name, value) in &field.node.arguments {
                        let mut names = Vec::new();
                        variables_of(&value.node, &mut names);
                        if !names.is_empty() {
                            of_field.extend(names.iter().cloned());
                            self.sites.used.insert(name.pos, names);
                        }
                        if self.nul.is_none() {
                            let literal = value.node.clone().into_const_with(|_| Ok::<_, Infallible>(ConstValue::Null));
                            self.nul = literal.ok().and_then(|v| nul_in_const(&v, name.node.to_string()));
                        }
                    }
                    if !of_field.is_empty() {
                        self.sites.used.entry(item.pos).or_default().extend(of_field);
                    }
                    self.selections(&field.node.selection_set);
                }
                Selection::InlineFragment(inline) => self.selections(&inline.node.selection_set),
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    if let Some((key, fragment)) = self.doc.fragments.get_key_value(name) {
                        if self.seen.insert(key) {
                            self.selections(&fragment.node.selection_set);
                        }
                    }
                }
            }
        }
    }
}

fn variables_of(value: &Value, out: &mut Vec<Name>) {
    match value {
        Value::Variable(name) => out.push(name.clone()),
        Value::List(items) => items.iter().for_each(|v| variables_of(v, out)),
        Value::Object(fields) => fields.values().for_each(|v| variables_of(v, out)),
        _ => {}
    }
}

/// The path of the first string holding a NUL in a value (a variable's, or a literal's
/// with its variables as null).
fn nul_in_const(value: &ConstValue, path: String) -> Option<String> {
    match value {
        ConstValue::String(s) if s.contains('\0') => Some(path),
        ConstValue::List(items) => items.iter().enumerate().find_map(|(i, v)| nul_in_const(v, format!("{path}[{i}]"))),
        ConstValue::Object(fields) => fields.iter().find_map(|(k, v)| nul_in_const(v, format!("{path}.{k}"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(query: &str, operation: Option<&str>, variables: serde_json::Value) -> Result<VariableSites, AppError> {
        let doc = async_graphql::parser::parse_query(query).unwrap();
        check(&doc, operation, &Variables::from_json(variables))
    }

    fn field_of(result: Result<VariableSites, AppError>) -> String {
        match result {
            Err(AppError::BadUserInput { field, .. }) => field,
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

    #[test]
    fn the_named_operation_must_exist_and_be_unambiguous() {
        assert!(run("query A { a }", Some("A"), json!({})).is_ok());
        assert!(run("{ a }", None, json!({})).is_ok());
        assert_eq!(field_of(run("query A { a }", Some("B"), json!({}))), "operationName");
        assert_eq!(field_of(run("query A { a } query B { a }", None, json!({}))), "operationName");
        assert!(run("query A { a } query B { a }", Some("B"), json!({})).is_ok());
    }

    #[test]
    fn required_variables_must_be_given() {
        let query = "query Q($id: ID!, $n: Int, $d: Int! = 3) { a(id: $id, n: $n, d: $d) }";
        assert!(run(query, None, json!({"id": "x"})).is_ok());
        assert_eq!(field_of(run(query, None, json!({}))), "variables.id");
        assert_eq!(field_of(run(query, None, json!({"id": null}))), "variables.id");
    }

    #[test]
    fn nul_characters_are_refused_with_their_path() {
        assert_eq!(field_of(run(r#"{ a(id: "x\u0000") }"#, None, json!({}))), "id");
        assert_eq!(field_of(run(r#"{ a(input: {tags: ["ok", "b\u0000"]}) }"#, None, json!({}))), "input.tags[1]");
        let query = "query Q($f: F) { a(filter: $f) }";
        assert_eq!(field_of(run(query, None, json!({"f": {"search": "a\u{0}"}}))), "variables.f.search");
        assert!(run(query, None, json!({"f": {"search": "fine"}})).is_ok());
    }

    #[test]
    fn errors_at_a_variable_become_bad_user_input_on_it() {
        let query = "query Q($n: Int) {\n  a(limit: $n, other: 1)\n}";
        let sites = run(query, None, json!({})).unwrap();
        let mut errors = vec![
            ServerError::new("Expected input type \"Int\", found \"x\".", Some(Pos { line: 2, column: 3 })),
            ServerError::new("Invalid value for argument \"limit\"", Some(Pos { line: 2, column: 5 })),
            ServerError::new("Invalid value for argument \"other\"", Some(Pos { line: 2, column: 16 })),
        ];
        sites.recode(&mut errors);
        let field = |e: &ServerError| e.extensions.as_ref().and_then(|x| x.get("field")).cloned();
        assert_eq!(field(&errors[0]), Some(ConstValue::from("variables.n")));
        assert_eq!(field(&errors[1]), Some(ConstValue::from("variables.n")));
        assert_eq!(field(&errors[2]), None);
        let code = |e: &ServerError| e.extensions.as_ref().and_then(|x| x.get("code")).cloned();
        assert_eq!(
            code(&errors[2]),
            Some(ConstValue::from("GRAPHQL_VALIDATION_FAILED")),
            "no error is left without a code"
        );
    }
}

//! The search index: the folded words of each conversation's text, and of each
//! customer's name and email plus the suffixes of its phone digits, one row per term.

use std::collections::BTreeSet;

use sea_orm::{
    sea_query::OnConflict, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use super::entity::{conversation_term, customer_term};
use super::INSERT_CHUNK;
use crate::domain::{fold, phone_suffixes, words, Customer, WorkspaceId};
use crate::error::AppError;

/// The distinct words of some texts.
pub fn words_of<'a>(texts: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    texts
        .into_iter()
        .flat_map(|text| words(&fold(text)).collect::<Vec<_>>())
        .collect()
}

/// A customer's terms: words of its name and email, suffixes of its phone digits.
fn customer_terms(customer: &Customer) -> BTreeSet<(&'static str, String)> {
    let text = [Some(customer.name.as_str()), customer.email.as_deref()];
    let mut terms: BTreeSet<_> = words_of(text.into_iter().flatten())
        .into_iter()
        .map(|w| (customer_term::WORD, w))
        .collect();
    if let Some(phone) = &customer.phone {
        terms.extend(
            phone_suffixes(phone)
                .into_iter()
                .map(|s| (customer_term::PHONE, s)),
        );
    }
    terms
}

/// Replaces the terms of these conversations.
pub async fn replace_conversation_terms<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    conversations: &[(String, BTreeSet<String>)],
) -> Result<(), AppError> {
    use conversation_term::Column as T;
    for chunk in conversations.chunks(INSERT_CHUNK) {
        conversation_term::Entity::delete_many()
            .filter(T::WorkspaceId.eq(workspace.as_str()))
            .filter(T::ConversationId.is_in(chunk.iter().map(|(id, _)| id.as_str())))
            .exec(db)
            .await?;
    }
    let rows = conversations
        .iter()
        .flat_map(|(id, terms)| terms.iter().map(move |term| (id, term)));
    insert_conversation_terms(db, workspace, rows).await
}

/// Adds terms to conversations, keeping those they already have.
pub async fn insert_conversation_terms<'a, C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    rows: impl Iterator<Item = (&'a String, &'a String)>,
) -> Result<(), AppError> {
    use conversation_term::Column as T;
    let models: Vec<_> = rows
        .map(|(id, term)| conversation_term::ActiveModel {
            workspace_id: Set(workspace.as_str().to_owned()),
            conversation_id: Set(id.clone()),
            term: Set(term.clone()),
        })
        .collect();
    for chunk in models.chunks(INSERT_CHUNK) {
        conversation_term::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([T::WorkspaceId, T::ConversationId, T::Term])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Replaces the terms of these customers.
pub async fn replace_customer_terms<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    customers: &[&Customer],
) -> Result<(), AppError> {
    use customer_term::Column as T;
    for chunk in customers.chunks(INSERT_CHUNK) {
        customer_term::Entity::delete_many()
            .filter(T::WorkspaceId.eq(workspace.as_str()))
            .filter(T::CustomerId.is_in(chunk.iter().map(|c| c.id.as_str())))
            .exec(db)
            .await?;
    }
    let models: Vec<_> = customers
        .iter()
        .flat_map(|c| {
            customer_terms(c)
                .into_iter()
                .map(|(kind, term)| customer_term::ActiveModel {
                    workspace_id: Set(workspace.as_str().to_owned()),
                    customer_id: Set(c.id.clone()),
                    kind: Set(kind.to_owned()),
                    term: Set(term),
                })
        })
        .collect();
    for chunk in models.chunks(INSERT_CHUNK) {
        customer_term::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_terms_cover_name_email_and_phone() {
        let customer = Customer {
            id: "c".into(),
            name: "José Müller".into(),
            phone: Some("+1 (310) 555-1234".into()),
            email: Some("jose.m@example.com".into()),
            servicetitan_id: Some("999".into()),
        };
        let terms = customer_terms(&customer);
        for word in ["jose", "muller", "m", "example", "com"] {
            assert!(
                terms.contains(&(customer_term::WORD, word.to_owned())),
                "{word}"
            );
        }
        assert!(terms.contains(&(customer_term::PHONE, "5551234".to_owned())));
        assert!(
            !terms.iter().any(|(_, t)| t == "999"),
            "the ServiceTitan id is not searchable"
        );
    }
}

//! Global object identification (Relay): the `Node` interface, `node` and `nodes`.
//! Lookups go through the request's loaders, so `nodes` costs one query per type asked
//! however many ids it names, and every lookup is scoped to the caller's workspace.

use async_graphql::{Context, Interface, Object, Result, ID};

use super::conversation::{Conversation, Customer, Note, User};
use super::loaders::{loader_error, Children};
use super::ContextExt;
use crate::domain::{NodeId, NodeKind, RuleError};
use crate::error::{AppError, GqlResultExt};

/// An object with a global id: `node` and `nodes` find it again by its `nodeId`.
#[derive(Interface)]
#[graphql(field(name = "node_id", ty = "ID", desc = "The global id (Relay's): opaque and stable."))]
pub enum Node {
    Conversation(Conversation),
    Customer(Customer),
    User(User),
    Note(Note),
}

/// Most ids one `nodes` call may name.
pub const MAX_NODES: usize = 100;

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this `nodeId`; null when the workspace has none (an unknown id,
    /// or another workspace's).
    async fn node(&self, ctx: &Context<'_>, node_id: ID) -> Result<Option<Node>> {
        let wanted = NodeId::parse(&node_id).map_err(|e| AppError::bad_input("nodeId", e)).gql()?;
        Ok(load(ctx, &[wanted]).await?.pop().flatten())
    }

    /// The objects with these `nodeId`s (at most 100), in the order asked; null for
    /// each the workspace does not have.
    #[graphql(complexity = "nodes_complexity(node_ids.len(), child_complexity)")]
    async fn nodes(&self, ctx: &Context<'_>, node_ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
        if node_ids.len() > MAX_NODES {
            let rule = RuleError::new(format!("at most {MAX_NODES} ids a call, got {}", node_ids.len()));
            return Err(AppError::bad_input("nodeIds", rule)).gql();
        }
        let wanted = node_ids
            .iter()
            .enumerate()
            .map(|(i, raw)| NodeId::parse(raw).map_err(|e| AppError::bad_input(format!("nodeIds[{i}]"), e)))
            .collect::<Result<Vec<_>, _>>()
            .gql()?;
        load(ctx, &wanted).await
    }
}

/// Each id counts its fields once, as a page counts its rows (more than the limit are
/// refused before anything runs).
fn nodes_complexity(ids: usize, child_complexity: usize) -> usize {
    ids.min(MAX_NODES).saturating_mul(child_complexity).saturating_add(1)
}

/// The objects `wanted` names, in its order: one batch per type, and for the
/// conversations, one per loader their selected fields read.
async fn load(ctx: &Context<'_>, wanted: &[NodeId]) -> Result<Vec<Option<Node>>> {
    let loaders = ctx.loaders();
    let ids = |kind: NodeKind| wanted.iter().filter(move |w| w.kind == kind).map(|w| w.id.clone());
    let (conversations, customers, users, notes) = futures::try_join!(
        loaders.conversations.load_many(ids(NodeKind::Conversation)),
        loaders.customers.load_many(ids(NodeKind::Customer)),
        loaders.users.load_many(ids(NodeKind::User)),
        loaders.notes_by_id.load_many(ids(NodeKind::Note)),
    )
    .map_err(loader_error)?;
    loaders.preload(conversations.values(), Children::selected(&ctx.look_ahead())).await.map_err(loader_error)?;
    Ok(wanted
        .iter()
        .map(|w| match w.kind {
            NodeKind::Conversation => conversations.get(&w.id).cloned().map(|c| Node::Conversation(Conversation(c))),
            NodeKind::Customer => customers.get(&w.id).cloned().map(|c| Node::Customer(Customer(c))),
            NodeKind::User => users.get(&w.id).cloned().map(|u| Node::User(User(u))),
            NodeKind::Note => notes.get(&w.id).cloned().map(|n| Node::Note(Note(n))),
        })
        .collect())
}

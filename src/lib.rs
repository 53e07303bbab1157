//! inbox-gateway: the GraphQL gateway over a unified inbox for home-services businesses.

pub mod domain;
pub mod error;
pub mod store;
pub mod demo;

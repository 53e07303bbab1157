//! inbox-gateway: the GraphQL gateway over a unified inbox for home-services businesses.

pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod generate;
pub mod graphql;
pub mod http;
pub mod import;
pub mod startup;
pub mod store;
pub mod telemetry;

//! inbox-gateway: the GraphQL gateway over a unified inbox for home-services businesses.

pub mod cli;
pub mod commands;
pub mod config;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod inbox;
pub mod live;
pub mod rest;
pub mod seed;
pub mod startup;
pub mod store;
pub mod telemetry;

//! Integration tests: the real server on a random port, spoken to over HTTP.
//! SQLite by default; with `TEST_DATABASE_URL=postgres://…` every test gets a fresh
//! PostgreSQL database instead. `TEST_LOG=1` shows the server's logs.

mod helpers;

mod assign;
mod auth;
mod bad_input;
mod cli;
mod clients;
mod concurrency;
mod counts;
mod cursor;
mod deadline;
mod example;
mod fair_share;
mod faults;
mod fuzz;
mod generate;
mod hardening;
mod hostile;
mod http;
mod import;
mod import_activity;
mod introspection;
mod limits;
mod list;
mod live;
mod live_hardening;
mod live_match;
mod live_processes;
mod load;
mod model;
mod notes;
mod openapi;
mod paging;
mod payloads;
mod relay;
mod rest;
mod rest_parity;
mod schema;
mod search;
mod search_isolation;
mod serve;
mod statements;
mod status;
mod tags;

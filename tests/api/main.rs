//! Integration tests: the real server on a random port, spoken to over HTTP.
//! SQLite by default; with `TEST_DATABASE_URL=postgres://…` every test gets a fresh
//! PostgreSQL database instead. `TEST_LOG=1` shows the server's logs.

mod helpers;

mod example;
mod schema;
mod statements;

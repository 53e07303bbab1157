//! `schema.graphql` at the project's root is the SDL the server serves.

#[test]
fn schema_graphql_is_up_to_date() {
    let served = inbox_gateway::graphql::sdl();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    if std::env::var("UPDATE_SCHEMA").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &served).expect("write schema.graphql");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == served,
        "schema.graphql differs from the SDL the server serves.\n\
         Regenerate it with `UPDATE_SCHEMA=1 cargo test --test api schema` \
         (or `cargo run -- schema > schema.graphql`) and review the diff."
    );
}

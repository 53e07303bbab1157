//! The OpenAPI 3.1 document of the REST API, generated from the handlers and shapes
//! themselves (each router line adds its endpoint; the shapes they name come along);
//! `openapi.json` at the project's root is this document, kept in sync by a test.

use std::sync::OnceLock;

use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::api;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "inbox-gateway REST API",
        description = "The unified inbox of a home-services business, in the shape of the seed's REST \
                       documentation: the same service, rules, limits and tenancy as the GraphQL API at /graphql.",
        license(name = "MIT OR Apache-2.0"),
    ),
    modifiers(&Credentials),
    tags((name = "conversations", description = "The workspace's conversations and the actions on them")),
)]
pub struct ApiDoc;

/// `Authorization: Bearer <api key>` and `X-Workspace-ID: <workspace id>`, both on every
/// request but this document's.
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key of the workspace"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "workspace",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Workspace-ID",
                "The workspace's id; it must be the key's",
            ))),
        );
    }
}

/// The document as JSON, pretty-printed, with a final newline.
pub fn document() -> String {
    let mut json = api().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}

/// `GET /v1/openapi.json`: the document, built once.
pub async fn serve() -> impl IntoResponse {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let body = DOCUMENT.get_or_init(document).clone();
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body)
}

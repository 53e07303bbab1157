//! The list's query parameters (contract section 8): read by hand from the query string,
//! so that lists come comma-separated or repeated, an unknown or repeated parameter is
//! refused by name, and every error names the parameter.

use utoipa::IntoParams;

use crate::domain::{
    Channel, ConversationSort, ConversationStatus, FilterField, FilterInput, Limit, Offset, Priority, RuleError,
    StatusFilter, TagMatch,
};
use crate::error::AppError;
use crate::inbox::ListQuery;

/// The parameters of `GET /v1/inbox/conversations`; they combine with AND.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the parameters; `parse` reads them
pub struct ListParams {
    /// `all` (the default) matches every status.
    #[param(inline, value_type = Option<StatusParam>)]
    status: Option<String>,
    /// Any of these channels, comma-separated or repeated; none means every channel.
    #[param(value_type = Option<Vec<crate::rest::dto::ChannelValue>>, style = Form, explode = false)]
    channel: Option<String>,
    /// Conversations assigned to this user.
    assignee_id: Option<String>,
    /// Conversations of this customer.
    customer_id: Option<String>,
    /// `created_at >=`: an ISO 8601 date-time, or a date meaning 00:00:00Z of that day.
    #[param(pattern = r"^\d{4}-\d{2}-\d{2}([Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?$")]
    date_from: Option<String>,
    /// `created_at <=`: an ISO 8601 date-time, or a date meaning the end of that day (UTC).
    #[param(pattern = r"^\d{4}-\d{2}-\d{2}([Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?$")]
    date_to: Option<String>,
    /// Words (each a prefix of a word of the conversation's text, customer name or email),
    /// or 4 or more digits of the customer's phone number. At most 200 characters.
    #[param(max_length = 200)]
    search: Option<String>,
    /// Tags, comma-separated or repeated, normalised as the tag actions do.
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
    tags: Option<String>,
    /// `any` (the default): at least one of the tags; `all`: every one.
    #[param(inline, value_type = Option<TagMatchParam>)]
    tag_match: Option<String>,
    /// Only this priority.
    #[param(value_type = Option<crate::rest::dto::PriorityValue>)]
    priority: Option<String>,
    /// Page size.
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: Option<i64>,
    /// Matches to skip.
    #[param(minimum = 0, maximum = 2_147_483_647, default = 0)]
    offset: Option<i64>,
    /// The order; ties are broken by id.
    #[param(inline, value_type = Option<SortParam>)]
    sort: Option<String>,
    /// A `next_cursor`, with the same filter and sort and offset 0: the page that follows.
    after: Option<String>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
#[schema(as = StatusFilter)]
enum StatusParam {
    #[schema(rename = "open")]
    Open,
    #[schema(rename = "pending")]
    Pending,
    #[schema(rename = "resolved")]
    Resolved,
    #[schema(rename = "all")]
    All,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
#[schema(as = TagMatch)]
enum TagMatchParam {
    #[schema(rename = "any")]
    Any,
    #[schema(rename = "all")]
    All,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
#[schema(as = ConversationSort)]
enum SortParam {
    #[schema(rename = "last_activity_desc")]
    LastActivityDesc,
    #[schema(rename = "last_activity_asc")]
    LastActivityAsc,
    #[schema(rename = "created_desc")]
    CreatedDesc,
    #[schema(rename = "created_asc")]
    CreatedAsc,
    #[schema(rename = "priority_desc")]
    PriorityDesc,
}

/// The parameters as sent: each once at most, lists gathered from every occurrence.
#[derive(Default)]
struct Raw {
    status: Option<String>,
    channel: Vec<String>,
    assignee_id: Option<String>,
    customer_id: Option<String>,
    date_from: Option<String>,
    date_to: Option<String>,
    search: Option<String>,
    tags: Vec<String>,
    tag_match: Option<String>,
    priority: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
    sort: Option<String>,
    after: Option<String>,
}

fn bad(field: &str, message: impl Into<String>) -> AppError {
    AppError::bad_input(field, RuleError::new(message))
}

/// Splits a comma-separated value into its non-empty items.
fn items(value: &str) -> impl Iterator<Item = String> + '_ {
    value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

impl Raw {
    fn read(query: &str) -> Result<Self, AppError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query).map_err(|_| bad("query", "the query string is not form-encoded"))?;
        let mut raw = Self::default();
        for (name, value) in pairs {
            if name.contains('\0') || value.contains('\0') {
                let shown = crate::domain::abbreviate(&name, 64);
                return Err(bad(&shown, format!("{shown} must not contain the NUL character")));
            }
            let once = |slot: &mut Option<String>| {
                if slot.is_some() {
                    return Err(bad(&name, format!("{name} may be given once")));
                }
                *slot = Some(value.clone());
                Ok(())
            };
            match name.as_str() {
                "status" => once(&mut raw.status)?,
                "channel" => raw.channel.extend(items(&value)),
                "assignee_id" => once(&mut raw.assignee_id)?,
                "customer_id" => once(&mut raw.customer_id)?,
                "date_from" => once(&mut raw.date_from)?,
                "date_to" => once(&mut raw.date_to)?,
                "search" => once(&mut raw.search)?,
                "tags" => raw.tags.extend(items(&value)),
                "tag_match" => once(&mut raw.tag_match)?,
                "priority" => once(&mut raw.priority)?,
                "limit" => once(&mut raw.limit)?,
                "offset" => once(&mut raw.offset)?,
                "sort" => once(&mut raw.sort)?,
                "after" => once(&mut raw.after)?,
                _ => {
                    let shown = crate::domain::abbreviate(&name, 64);
                    return Err(bad(&shown, format!("unknown parameter {shown:?}")));
                }
            }
        }
        Ok(raw)
    }
}

/// A lower-case value of a closed set, or `BAD_USER_INPUT` naming the parameter.
pub(super) fn one_of<T: Copy>(field: &str, value: &str, values: &[(&str, T)]) -> Result<T, AppError> {
    values.iter().find(|(name, _)| *name == value).map(|(_, v)| *v).ok_or_else(|| {
        let allowed: Vec<&str> = values.iter().map(|(name, _)| *name).collect();
        let shown = crate::domain::abbreviate(value, 64);
        bad(field, format!("{field} must be one of {}, got {shown:?}", allowed.join(", ")))
    })
}

/// An integer parameter within `range`.
fn integer(field: &str, value: &str, range: std::ops::RangeInclusive<i64>) -> Result<i32, AppError> {
    let n: i64 = value.trim().parse().map_err(|_| {
        bad(field, format!("{field} must be an integer, got {:?}", crate::domain::abbreviate(value, 64)))
    })?;
    if !range.contains(&n) {
        return Err(bad(field, format!("{field} must be between {} and {}, got {n}", range.start(), range.end())));
    }
    i32::try_from(n).map_err(|_| bad(field, format!("{field} is out of range")))
}

/// A conversation's statuses, as an action's body names them.
pub(super) const CONVERSATION_STATUSES: &[(&str, ConversationStatus)] = &[
    ("open", ConversationStatus::Open),
    ("pending", ConversationStatus::Pending),
    ("resolved", ConversationStatus::Resolved),
];
const STATUSES: &[(&str, StatusFilter)] = &[
    ("open", StatusFilter::Only(ConversationStatus::Open)),
    ("pending", StatusFilter::Only(ConversationStatus::Pending)),
    ("resolved", StatusFilter::Only(ConversationStatus::Resolved)),
    ("all", StatusFilter::All),
];
const CHANNELS: &[(&str, Channel)] =
    &[("voice", Channel::Voice), ("sms", Channel::Sms), ("email", Channel::Email), ("live_chat", Channel::LiveChat)];
const PRIORITIES: &[(&str, Priority)] =
    &[("urgent", Priority::Urgent), ("high", Priority::High), ("normal", Priority::Normal), ("low", Priority::Low)];
const TAG_MATCHES: &[(&str, TagMatch)] = &[("any", TagMatch::Any), ("all", TagMatch::All)];
const SORTS: &[(&str, ConversationSort)] = &[
    ("last_activity_desc", ConversationSort::LastActivityDesc),
    ("last_activity_asc", ConversationSort::LastActivityAsc),
    ("created_desc", ConversationSort::CreatedDesc),
    ("created_asc", ConversationSort::CreatedAsc),
    ("priority_desc", ConversationSort::PriorityDesc),
];

/// The list's query string as the inbox's query, with its total.
pub fn parse(query: &str) -> Result<ListQuery, AppError> {
    let raw = Raw::read(query)?;
    let channels =
        raw.channel.iter().map(|c| one_of("channel", c, CHANNELS)).collect::<Result<Vec<Channel>, AppError>>()?;
    let input = FilterInput {
        status: raw.status.as_deref().map_or(Ok(StatusFilter::All), |s| one_of("status", s, STATUSES))?,
        channels,
        assignee_id: raw.assignee_id,
        customer_id: raw.customer_id,
        date_from: raw.date_from.as_deref(),
        date_to: raw.date_to.as_deref(),
        search: raw.search.as_deref(),
        tags: &raw.tags,
        tag_match: raw.tag_match.as_deref().map_or(Ok(TagMatch::Any), |s| one_of("tag_match", s, TAG_MATCHES))?,
        priority: raw.priority.as_deref().map(|s| one_of("priority", s, PRIORITIES)).transpose()?,
    };
    let filter = input.parse().map_err(|(field, err)| AppError::bad_input(field_name(field), err))?;
    let limit = raw.limit.as_deref().map_or(Ok(Limit::DEFAULT), |v| integer("limit", v, 1..=Limit::MAX))?;
    let offset = raw.offset.as_deref().map_or(Ok(0), |v| integer("offset", v, 0..=i64::from(i32::MAX)))?;
    Ok(ListQuery {
        filter,
        sort: raw.sort.as_deref().map_or(Ok(ConversationSort::LastActivityDesc), |s| one_of("sort", s, SORTS))?,
        limit: Limit::parse(limit).map_err(|e| AppError::bad_input("limit", e))?,
        offset: Offset::parse(offset).map_err(|e| AppError::bad_input("offset", e))?,
        after: raw.after,
        with_total: true,
    })
}

/// A filter field's parameter name.
fn field_name(field: FilterField) -> &'static str {
    match field {
        FilterField::Channels => "channel",
        FilterField::DateFrom => "date_from",
        FilterField::DateTo => "date_to",
        FilterField::Search => "search",
        FilterField::Tags => "tags",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(query: &str) -> String {
        parse(query).unwrap_err().field().unwrap_or_default().to_owned()
    }

    #[test]
    fn reads_the_documented_example() {
        let query = parse("status=open&channel=voice,sms&limit=10").unwrap();
        assert_eq!(query.filter.status, StatusFilter::Only(ConversationStatus::Open));
        assert_eq!(query.filter.channels, [Channel::Voice, Channel::Sms]);
        assert_eq!(query.limit.get(), 10);
        assert!(query.with_total);
    }

    #[test]
    fn lists_come_comma_separated_or_repeated() {
        let a = parse("channel=voice&channel=sms&tags=vip,emergency&tags=hvac").unwrap();
        assert_eq!(a.filter.channels, [Channel::Voice, Channel::Sms]);
        assert_eq!(a.filter.tags.len(), 3);
    }

    #[test]
    fn every_error_names_its_parameter() {
        assert_eq!(field_of("colour=red"), "colour");
        assert_eq!(field_of("date_from="), "date_from");
        assert_eq!(field_of("assignee_id=a%00b"), "assignee_id");
        assert_eq!(field_of("status=OPEN"), "status");
        assert_eq!(field_of("status=open&status=pending"), "status");
        assert_eq!(field_of("channel=fax"), "channel");
        assert_eq!(field_of("limit=0"), "limit");
        assert_eq!(field_of("limit=ten"), "limit");
        assert_eq!(field_of("offset=-1"), "offset");
        assert_eq!(field_of("offset=99999999999"), "offset");
        assert_eq!(field_of("date_from=2024-02-01&date_to=2024-01-01"), "date_from");
        assert_eq!(field_of("date_to=soon"), "date_to");
        assert_eq!(field_of("tags=-bad"), "tags");
        assert_eq!(field_of("sort=newest"), "sort");
        assert_eq!(field_of("tag_match=some"), "tag_match");
        assert_eq!(field_of("priority=URGENT"), "priority");
        assert_eq!(field_of(&format!("search={}", "x".repeat(201))), "search");
    }
}

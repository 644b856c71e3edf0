//! Calendar feeds (issue 6 §5): a technician's or a department's scheduled PMs as an
//! iCalendar (RFC 5545) feed behind a secret, revocable URL `/calendar/{secret}.ics`.
//!
//! Who may create a feed: anyone who does the work (technician, engineer, manager) for their
//! own PMs; managers and administrators (`ManageCalendarFeeds`) for anyone and for departments.
//! The secret is 256 random bits, shown once and stored only as SHA-256 (like API tokens); the
//! secret itself is the credential of the feed URL, because calendar clients cannot log in.
//! A feed shows equipment and dates only: never the problem text of a work order.

use crate::auth::token_hash;
use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use base64::Engine;
use htm_domain::ical::{CalendarEvent, write_calendar};
use htm_domain::user::Role;
use htm_store::{CalendarFeed, FeedScope, ScheduledPm};
use jiff::{Timestamp, ToSpan};
use rand::RngCore;
use serde::Serialize;

/// Days before today a feed still shows open (late) PMs.
pub const FEED_PAST_DAYS: i64 = 90;
/// Days after today a feed looks ahead.
pub const FEED_FUTURE_DAYS: i64 = 400;
/// The most events in one feed.
pub const FEED_MAX_EVENTS: u32 = 2000;

/// A feed just created: the only time its secret URL is shown.
#[derive(Debug, Clone, Serialize)]
pub struct NewFeed {
    pub feed: CalendarFeed,
    /// The secret path, `/calendar/{secret}.ics` (prefix it with the server's address).
    pub path: String,
    /// The absolute URL, when the server knows its public address.
    pub url: Option<String>,
}

fn new_secret() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Whether the role keeps a PM calendar of its own work: the matrix's `OwnCalendarFeed`.
fn may_have_own_feed(role: Role) -> bool {
    crate::permissions::allowed(role, Action::OwnCalendarFeed)
}

/// The calendar entry of one PM (no patient data: equipment, place and dates only).
pub fn pm_event(pm: &ScheduledPm, base_url: Option<&str>) -> CalendarEvent {
    let what = match &pm.procedure_code {
        Some(code) => code.clone(),
        None => format!("{} {}", pm.manufacturer, pm.model_number),
    };
    let mut description = vec![
        format!("Work order {}", pm.number),
        format!("Asset {} ({} {})", pm.asset_tag, pm.manufacturer, pm.model_number),
        format!("Status {}, priority {}", pm.status.replace('_', " "), pm.priority),
    ];
    if let Some(w) = pm.window_end {
        description.push(format!("On time until {w}"));
    }
    if let Some(a) = &pm.assigned_to_name {
        description.push(format!("Assigned to {a}"));
    }
    CalendarEvent {
        uid: format!("openhtm-wo-{}@openhtm", pm.work_order_id.0),
        date: pm.due_date,
        summary: format!("PM {}: {what}", pm.asset_tag),
        location: Some(match &pm.location {
            Some(l) => format!("{} — {l}", pm.department),
            None => pm.department.clone(),
        }),
        description: Some(description.join("\n")),
        url: base_url.map(|b| format!("{}/work-orders/{}", b.trim_end_matches('/'), pm.work_order_id.0)),
    }
}

impl Services {
    /// Creates a feed; returns its secret path once.
    pub async fn create_calendar_feed(&self, p: &Principal, scope: FeedScope) -> ServiceResult<NewFeed> {
        match scope {
            FeedScope::Technician(u) if u == p.user.id && may_have_own_feed(p.user.role) => {}
            _ => p.require(Action::ManageCalendarFeeds)?,
        }
        if let FeedScope::Technician(u) = scope {
            let user = self.store.get_user(u).await.map_err(|_| ServiceError::invalid("id", "no such user"))?;
            if !user.role.does_work() || user.role == Role::Vendor {
                return Err(ServiceError::invalid("id", "only technicians, engineers and managers have PM calendars"));
            }
        }
        let secret = new_secret();
        let feed = self
            .store
            .insert_calendar_feed(&self.ctx(p, Some("calendar feed created".into())), scope, &token_hash(&secret))
            .await?;
        let path = format!("/calendar/{secret}.ics");
        let url = self.settings.public_url.as_deref().map(|b| format!("{}{path}", b.trim_end_matches('/')));
        Ok(NewFeed { feed, path, url })
    }

    /// Feeds the principal may manage: every feed for managers, else their own.
    pub async fn list_calendar_feeds(&self, p: &Principal) -> ServiceResult<Vec<CalendarFeed>> {
        if p.can(Action::ManageCalendarFeeds) {
            Ok(self.store.list_calendar_feeds(None).await?)
        } else if may_have_own_feed(p.user.role) {
            Ok(self.store.list_calendar_feeds(Some(p.user.id)).await?)
        } else {
            Err(ServiceError::Forbidden(format!("a {} has no PM calendar", p.user.role.label().to_lowercase())))
        }
    }

    /// Revokes a feed: its URL answers 404 from now on.
    pub async fn revoke_calendar_feed(&self, p: &Principal, id: i64) -> ServiceResult<CalendarFeed> {
        let feed = self.store.get_calendar_feed(id).await?;
        let own = feed.scope == FeedScope::Technician(p.user.id);
        if !own && !p.can(Action::ManageCalendarFeeds) {
            // Not revealing that someone else's feed exists.
            return Err(ServiceError::NotFound(format!("calendar feed {id} not found")));
        }
        Ok(self.store.revoke_calendar_feed(&self.ctx(p, Some("calendar feed revoked".into())), id).await?)
    }

    /// The iCalendar text of the feed whose secret is `secret` (`None`: unknown or revoked).
    /// `base_url` makes the events' work-order links absolute.
    pub async fn calendar_ics(&self, secret: &str, base_url: Option<&str>) -> ServiceResult<Option<String>> {
        if secret.is_empty() || secret.len() > 100 {
            return Ok(None);
        }
        let Some(feed) = self.store.calendar_feed_by_secret(&token_hash(secret)).await? else { return Ok(None) };
        let now: Timestamp = self.now();
        let today = now.to_zoned(jiff::tz::TimeZone::system()).date();
        let from = today.checked_sub(FEED_PAST_DAYS.days()).unwrap_or(today);
        let to = today.checked_add(FEED_FUTURE_DAYS.days()).unwrap_or(today);
        let pms = self.store.scheduled_pms(feed.scope, from, to, FEED_MAX_EVENTS).await?;
        let base = self.settings.public_url.as_deref().or(base_url);
        let events: Vec<CalendarEvent> = pms.iter().map(|pm| pm_event(pm, base)).collect();
        let name = match feed.scope {
            FeedScope::Technician(_) => format!("OpenHTM PMs — {}", feed.label),
            FeedScope::Department(_) => format!("OpenHTM PMs — {} (department)", feed.label),
        };
        Ok(Some(write_calendar(&name, now, &events)))
    }
}

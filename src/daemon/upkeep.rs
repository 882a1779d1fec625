//! Requests at the edge: works out one request (who gets it, what it says,
//! the form attached) from the database and the rules in `upkeep`, builds
//! its letters, and, on the daemon's schedule, queues the yearly checks
//! that are due (`Desk::upkeep`) and the reminders of open requests. Used
//! by the desk for delivery reports and the strategist's `SKICKA BLANKETT`,
//! and by `blankett request`. It never sends: `Desk::drain` does.

use super::desk::{Desk, Setup};
use super::{Clock, DeskError};
use crate::blank;
use crate::compose::{self, About, Letter};
use crate::decide::AnswerKind;
use crate::form::Key;
use crate::mailbox::Mailbox;
use crate::outgoing::{self, File, Origin, Outgoing, Thread};
use crate::roster::Fields;
use crate::sender::Sender;
use crate::store::requests::{Request, RequestWrite};
use crate::store::{Queued, Store};
use crate::upkeep::{self, Purpose};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use tracing::{debug, info, warn};

/// What asking an organisation comes to.
#[derive(Debug, Clone)]
pub enum Planned {
    /// A request with its letters, ready to be written.
    Request(RequestWrite),
    /// An open request of the same purpose already waits for an answer.
    AlreadyAsked(Request),
    /// Nobody to write to: no registered address that works, no `contact`.
    NoAddress,
}

/// The seat an address holds on a registration: `representative` or
/// `substitute`, and the person's name.
fn seat(fields: &Fields, address: &str) -> (&'static str, Option<String>) {
    let holds = |k: Key| {
        fields
            .get(&k)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case(address))
    };
    if holds(Key::RepresentativeEmail) {
        (
            "representative",
            fields.get(&Key::RepresentativeName).cloned(),
        )
    } else {
        ("substitute", fields.get(&Key::SubstituteName).cloned())
    }
}

/// The date part of a stored time.
fn date(stored: &str) -> String {
    stored.chars().take(10).collect()
}

impl Setup {
    /// Works out a request to one organisation (by its registration key or
    /// list id). `about`: for `Address`, the address that bounced and the
    /// server's words; `also_dead`: other addresses the same report showed
    /// dead, not marked yet, which get no letter either.
    pub fn plan_request(
        &self,
        store: &Store,
        purpose: Purpose,
        organisation_key: &str,
        about: Option<(&str, &str)>,
        also_dead: &[String],
    ) -> Result<Planned, DeskError> {
        if let Some(open) = store.open_request(organisation_key, purpose)? {
            return Ok(Planned::AlreadyAsked(open));
        }
        let registration = store.registration(organisation_key)?;
        let listed = self.reader.organisations.get(organisation_key);
        let name = listed.map(|o| o.name.clone()).unwrap_or_else(|| {
            registration
                .as_ref()
                .map_or_else(|| organisation_key.to_string(), |r| r.organisation.clone())
        });
        let mut dead: BTreeSet<String> = store.undeliverable()?.into_keys().collect();
        if let Some((address, _)) = about {
            dead.insert(address.to_lowercase());
        }
        dead.extend(also_dead.iter().map(|a| a.to_lowercase()));
        let current = registration.as_ref().map(|r| &r.fields);
        let recipients = upkeep::recipients(
            purpose,
            current,
            listed.and_then(|o| o.contact.as_deref()),
            &dead,
        );
        if recipients.is_empty() {
            return Ok(Planned::NoAddress);
        }
        let mut fields = current.cloned().unwrap_or_default();
        if let Some((address, _)) = about {
            // The address that bounced is what the answer must give.
            fields.retain(|k, v| !(k.is_address() && v.trim().eq_ignore_ascii_case(address)));
        }
        // The organisation by the list's name, however it was written.
        fields.insert(Key::Organisation, name.clone());
        let reference = compose::reference(&outgoing::new_message_id(&self.message_id_domain));
        let since = registration
            .as_ref()
            .map(|r| date(r.confirmed_at.as_deref().unwrap_or(&r.registered_at)));
        let request = RequestWrite {
            organisation_key: organisation_key.to_string(),
            organisation: name,
            purpose,
            about: about.map(|(a, _)| a.to_lowercase()),
            fields,
            recipients,
            reference,
            letters: Vec::new(),
        };
        let letters = self.letters(
            &request,
            about.map(|(_, reason)| reason).unwrap_or_default(),
            current,
            since.as_deref(),
            0,
        )?;
        Ok(Planned::Request(RequestWrite { letters, ..request }))
    }

    /// A request's letters, one per recipient: the Swedish letter and, except
    /// for the yearly check, the form as a .docx filled with what is known.
    fn letters(
        &self,
        request: &RequestWrite,
        reason: &str,
        current: Option<&Fields>,
        since: Option<&str>,
        reminder: u32,
    ) -> Result<Vec<Queued>, DeskError> {
        let about = request.about.as_deref().map(|address| {
            let (role, name) = current.map_or(("substitute", None), |f| seat(f, address));
            (address, role, name)
        });
        let letter = Letter {
            purpose: request.purpose,
            organisation: &request.organisation,
            fields: &request.fields,
            about: about.as_ref().map(|(address, role, name)| About {
                address,
                reason,
                role,
                name: name.as_deref(),
            }),
            recipients: &request.recipients,
            reference: &request.reference,
            reminder,
            since,
        };
        let vars = compose::letter_variables(&letter);
        let rendered = self.templates.render(AnswerKind::Request, &vars)?;
        let form =
            if request.purpose == Purpose::Confirm {
                None
            } else {
                let heading = self.templates.render_file("form_heading.txt", &vars)?;
                let mut lines = heading.lines().map(str::trim).filter(|l| !l.is_empty());
                let heading = blank::Heading {
                    title: lines.next().unwrap_or_default(),
                    instructions: lines.next().unwrap_or_default(),
                };
                Some(blank::docx(&heading, &request.fields).map_err(|e| {
                    DeskError::Message(format!("cannot build the form to attach: {e}"))
                })?)
            };
        let files: Vec<File<'_>> = form
            .as_deref()
            .map(|bytes| File {
                name: "Blankett.docx",
                content_type: blank::DOCX_TYPE,
                bytes,
            })
            .into_iter()
            .collect();
        request
            .recipients
            .iter()
            .map(|to| {
                let message_id = outgoing::new_message_id(&self.message_id_domain);
                let bytes = outgoing::build_with(
                    &Outgoing {
                        from: &self.from,
                        to,
                        rendered: &rendered,
                        message_id: &message_id,
                        thread: &Thread::default(),
                        marker: &self.marker,
                        original: None,
                    },
                    Origin::Generated,
                    &files,
                )?;
                Ok(Queued {
                    kind: AnswerKind::Request.template().to_string(),
                    recipient: to.clone(),
                    message_id,
                    bytes,
                })
            })
            .collect()
    }
}

impl<M: Mailbox, S: Sender, C: Clock> Desk<M, S, C> {
    /// Queues what keeping the roster true needs now: the yearly checks
    /// that are due (at most `[upkeep] per_day` a day) and the reminders of
    /// open requests. Returns how many letters' requests were queued. A
    /// request that cannot be written (a broken template) is logged and
    /// skipped; a database error ends the round and is the caller's.
    pub fn upkeep(&mut self) -> Result<usize, DeskError> {
        if !self.setup.send {
            return Ok(0);
        }
        let now = self.clock.now();
        Ok(self.confirmations(now)? + self.remind_requests(now)?)
    }

    fn confirmations(&mut self, now: DateTime<Utc>) -> Result<usize, DeskError> {
        let Some(period) = self.setup.upkeep.confirm_after else {
            return Ok(0);
        };
        let standings: Vec<upkeep::Standing> = self
            .store
            .confirm_standings()?
            .into_iter()
            .filter_map(|s| {
                let last = s.confirmed_at.as_deref().unwrap_or(&s.registered_at);
                let last = DateTime::parse_from_rfc3339(last).ok()?.with_timezone(&Utc);
                Some(upkeep::Standing {
                    organisation_key: s.organisation_key,
                    last_confirmed: last,
                    asked: s.asked,
                })
            })
            .collect();
        let day_ago = (now - chrono::Duration::days(1)).to_rfc3339();
        let sent = self.store.confirm_requests_since(&day_ago)?;
        let room = upkeep::room(self.setup.upkeep.per_day, sent);
        let mut queued = 0;
        for key in upkeep::due_for_confirmation(&standings, period, now) {
            if queued >= room {
                break;
            }
            match self
                .setup
                .plan_request(&self.store, Purpose::Confirm, &key, None, &[])
            {
                Ok(Planned::Request(request)) => {
                    if self
                        .store
                        .queue_request(&request, &now.to_rfc3339())?
                        .is_some()
                    {
                        info!(organisation = %key, letters = request.letters.len(), "yearly check queued");
                        queued += 1;
                    }
                }
                Ok(Planned::AlreadyAsked(_)) => {}
                Ok(Planned::NoAddress) => {
                    debug!(organisation = %key, "yearly check due, but no address to send it to");
                }
                Err(DeskError::Store(e)) => return Err(DeskError::Store(e)),
                Err(e) => {
                    warn!(organisation = %key, error = %e, "cannot write the yearly check: skipped")
                }
            }
        }
        Ok(queued)
    }

    /// Reminds open requests `reminder_days` after they went out, as
    /// pending forms are reminded.
    fn remind_requests(&mut self, now: DateTime<Utc>) -> Result<usize, DeskError> {
        let mut queued = 0;
        let dead: BTreeSet<String> = self.store.undeliverable()?.into_keys().collect();
        for request in self.store.open_requests()? {
            let Some(days) = self.setup.reminder_days.get(request.reminders as usize) else {
                continue;
            };
            let Ok(created) = DateTime::parse_from_rfc3339(&request.created_at) else {
                warn!(
                    request = request.id,
                    "a request's date cannot be read: no reminder"
                );
                continue;
            };
            if now - created.with_timezone(&Utc) < chrono::Duration::days(i64::from(*days)) {
                continue;
            }
            let registration = self.store.registration(&request.organisation_key)?;
            let current = registration.as_ref().map(|r| &r.fields);
            let since = registration
                .as_ref()
                .map(|r| date(r.confirmed_at.as_deref().unwrap_or(&r.registered_at)));
            let write = RequestWrite {
                organisation_key: request.organisation_key.clone(),
                organisation: request.organisation.clone(),
                purpose: request.purpose,
                about: request.about.clone(),
                fields: request.fields.clone(),
                recipients: request
                    .recipients
                    .iter()
                    .filter(|r| !dead.contains(*r))
                    .cloned()
                    .collect(),
                reference: request.reference.clone(),
                letters: Vec::new(),
            };
            if write.recipients.is_empty() {
                // Every address it went to is dead now: nothing to remind.
                continue;
            }
            let letters = match self.setup.letters(
                &write,
                "",
                current,
                since.as_deref(),
                request.reminders + 1,
            ) {
                Ok(letters) => letters,
                Err(e) => {
                    warn!(request = request.id, error = %e, "cannot write a request's reminder: skipped");
                    continue;
                }
            };
            if self.store.queue_request_reminder(
                request.id,
                request.reminders,
                &letters,
                &now.to_rfc3339(),
            )? {
                info!(
                    request = request.id,
                    reminder = request.reminders + 1,
                    "request reminder queued"
                );
                queued += 1;
            }
        }
        Ok(queued)
    }
}

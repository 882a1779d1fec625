//! The roster's rules: merging a follow-up into a pending submission,
//! comparing a complete form with the organisation's current registration,
//! deciding whether it may change the roster by itself, and who must be told.
//! Pure: values in, a `Plan` out; the store applies it.

use crate::form::Key;
use crate::organisations::Organisation;
use std::collections::BTreeMap;

/// A record's values by key.
pub type Fields = BTreeMap<Key, String>;

/// Why a complete form does not go onto the roster by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// The organisation matches no known one.
    UnknownOrganisation,
    /// The organisation lists its mail domains and the sender uses another.
    ForeignDomain,
    /// The organisation has every form looked at (`policy = "review"`).
    PolicyReview,
}

/// A person to tell about a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Newly named as representative or substitute.
    Registered { to: String, role: Role },
    /// No longer representative or substitute.
    Replaced { to: String, role: Role },
}

/// Which seat a person holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Representative,
    Substitute,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Representative => "representative",
            Role::Substitute => "substitute",
        }
    }
}

/// What to do with a complete form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Register it; `changes` lists (key, before, after) and is empty for
    /// an organisation's first registration.
    Register {
        first: bool,
        changes: Vec<(Key, Option<String>, String)>,
        notices: Vec<Notice>,
    },
    /// The same registration again.
    NoChange,
    /// A person decides.
    Hold(Hold),
}

/// Which notices to send, from configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticeSettings {
    pub tell_registered: bool,
    pub tell_replaced: bool,
}

impl Default for NoticeSettings {
    fn default() -> Self {
        NoticeSettings {
            tell_registered: true,
            tell_replaced: true,
        }
    }
}

/// A follow-up's values fill in (and correct) the pending ones.
pub fn merge(pending: &Fields, follow_up: &Fields) -> Fields {
    let mut merged = pending.clone();
    for (k, v) in follow_up {
        merged.insert(*k, v.clone());
    }
    merged
}

/// Whether the sender's domain may speak for the organisation: any domain
/// when it lists none, else one of its domains or a subdomain of one.
pub fn domain_allowed(org: &Organisation, sender_domain: Option<&str>) -> bool {
    if org.domains.is_empty() {
        return true;
    }
    let Some(domain) = sender_domain.map(str::to_lowercase) else {
        return false;
    };
    org.domains.iter().any(|d| {
        let d = d.to_lowercase();
        domain == d || domain.ends_with(&format!(".{d}"))
    })
}

/// How far a form is trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// Mail from anyone: the organisation must be known and the domain its own.
    Sender,
    /// The strategist's own mail: any domain, but a known organisation.
    Strategist,
    /// A person accepted it in review: registered as it stands.
    Accepted,
}

/// Decides what a complete form does to the roster.
pub fn plan(
    fields: &Fields,
    org: Option<&Organisation>,
    sender: Option<&str>,
    trust: Trust,
    current: Option<&Fields>,
    settings: NoticeSettings,
) -> Plan {
    if trust != Trust::Accepted {
        let Some(org) = org else {
            return Plan::Hold(Hold::UnknownOrganisation);
        };
        let domain = sender.and_then(|s| s.rsplit_once('@')).map(|(_, d)| d);
        if trust == Trust::Sender && !domain_allowed(org, domain) {
            return Plan::Hold(Hold::ForeignDomain);
        }
        if trust == Trust::Sender && org.policy == crate::organisations::Policy::Review {
            return Plan::Hold(Hold::PolicyReview);
        }
    }
    let Some(current) = current else {
        let notices = people(fields)
            .into_iter()
            .filter(|(_, email)| settings.tell_registered && Some(email.as_str()) != sender)
            .map(|(role, email)| Notice::Registered { to: email, role })
            .collect();
        return Plan::Register {
            first: true,
            changes: Vec::new(),
            notices,
        };
    };
    let changes: Vec<(Key, Option<String>, String)> = fields
        .iter()
        .filter(|(k, v)| current.get(k) != Some(*v))
        .map(|(k, v)| (*k, current.get(k).cloned(), v.clone()))
        .collect();
    if changes.iter().all(|(k, _, _)| *k == Key::SignedDate) {
        return Plan::NoChange;
    }
    let before = people(current);
    let after = people(fields);
    let mut notices = Vec::new();
    if settings.tell_registered {
        for (role, email) in &after {
            let had_seat = before.iter().any(|(r, e)| r == role && e == email);
            if !had_seat && Some(email.as_str()) != sender {
                notices.push(Notice::Registered {
                    to: email.clone(),
                    role: *role,
                });
            }
        }
    }
    if settings.tell_replaced {
        for (role, email) in &before {
            if !after.iter().any(|(_, e)| e == email) {
                notices.push(Notice::Replaced {
                    to: email.clone(),
                    role: *role,
                });
            }
        }
    }
    Plan::Register {
        first: false,
        changes,
        notices,
    }
}

/// The representative's and the substitute's addresses, lower-cased.
fn people(fields: &Fields) -> Vec<(Role, String)> {
    [
        (Role::Representative, Key::RepresentativeEmail),
        (Role::Substitute, Key::SubstituteEmail),
    ]
    .into_iter()
    .filter_map(|(role, key)| fields.get(&key).map(|e| (role, e.to_lowercase())))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::organisations::Organisations;

    fn fields(pairs: &[(Key, &str)]) -> Fields {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    fn anna_erik() -> Fields {
        fields(&[
            (Key::Organisation, "Falu kommun"),
            (Key::RepresentativeName, "Anna Berg"),
            (Key::RepresentativeEmail, "anna@falun.se"),
            (Key::SubstituteName, "Erik Lind"),
            (Key::SubstituteEmail, "erik@falun.se"),
            (Key::SignedDate, "2026-11-01"),
        ])
    }

    /// One case of the replace rules: the current registration, the new
    /// form, the sender, and the expected plan.
    struct Case {
        name: &'static str,
        current: Option<Fields>,
        new: Fields,
        sender: &'static str,
        want: Plan,
    }

    #[test]
    fn replace_rules() {
        let orgs = Organisations::builtin();
        let falun = orgs.get("falu-kommun").cloned();
        let mut karin = anna_erik();
        karin.insert(Key::SubstituteName, "Karin Nyström".into());
        karin.insert(Key::SubstituteEmail, "karin@falun.se".into());
        let mut redated = anna_erik();
        redated.insert(Key::SignedDate, "2026-12-01".into());
        let mut swapped = anna_erik();
        swapped.insert(Key::RepresentativeEmail, "erik@falun.se".into());
        swapped.insert(Key::SubstituteEmail, "anna@falun.se".into());
        let cases = vec![
            Case {
                name: "first registration tells both people but not the sender",
                current: None,
                new: anna_erik(),
                sender: "anna@falun.se",
                want: Plan::Register {
                    first: true,
                    changes: vec![],
                    notices: vec![Notice::Registered {
                        to: "erik@falun.se".into(),
                        role: Role::Substitute,
                    }],
                },
            },
            Case {
                name: "the same form again is no change, even with a new date",
                current: Some(anna_erik()),
                new: redated,
                sender: "anna@falun.se",
                want: Plan::NoChange,
            },
            Case {
                name: "a new substitute: the new one registered, the old one replaced",
                current: Some(anna_erik()),
                new: karin.clone(),
                sender: "anna@falun.se",
                want: Plan::Register {
                    first: false,
                    changes: vec![
                        (
                            Key::SubstituteName,
                            Some("Erik Lind".into()),
                            "Karin Nyström".into(),
                        ),
                        (
                            Key::SubstituteEmail,
                            Some("erik@falun.se".into()),
                            "karin@falun.se".into(),
                        ),
                    ],
                    notices: vec![
                        Notice::Registered {
                            to: "karin@falun.se".into(),
                            role: Role::Substitute,
                        },
                        Notice::Replaced {
                            to: "erik@falun.se".into(),
                            role: Role::Substitute,
                        },
                    ],
                },
            },
            Case {
                name: "swapped seats: both told of their new seat, nobody replaced",
                current: Some(anna_erik()),
                new: swapped,
                sender: "someone@falun.se",
                want: Plan::Register {
                    first: false,
                    changes: vec![
                        (
                            Key::RepresentativeEmail,
                            Some("anna@falun.se".into()),
                            "erik@falun.se".into(),
                        ),
                        (
                            Key::SubstituteEmail,
                            Some("erik@falun.se".into()),
                            "anna@falun.se".into(),
                        ),
                    ],
                    notices: vec![
                        Notice::Registered {
                            to: "erik@falun.se".into(),
                            role: Role::Representative,
                        },
                        Notice::Registered {
                            to: "anna@falun.se".into(),
                            role: Role::Substitute,
                        },
                    ],
                },
            },
            Case {
                name: "another organisation's domain goes to a person",
                current: Some(anna_erik()),
                new: karin,
                sender: "x@mora.se",
                want: Plan::Hold(Hold::ForeignDomain),
            },
        ];
        for case in cases {
            let got = plan(
                &case.new,
                falun.as_ref(),
                Some(case.sender),
                Trust::Sender,
                case.current.as_ref(),
                NoticeSettings::default(),
            );
            assert_eq!(got, case.want, "{}", case.name);
        }
        let unknown = plan(
            &anna_erik(),
            None,
            Some("a@x.se"),
            Trust::Sender,
            None,
            NoticeSettings::default(),
        );
        assert_eq!(unknown, Plan::Hold(Hold::UnknownOrganisation));
        let trusted = plan(
            &anna_erik(),
            falun.as_ref(),
            Some("strateg@lst.se"),
            Trust::Strategist,
            None,
            NoticeSettings::default(),
        );
        assert!(matches!(trusted, Plan::Register { first: true, .. }));
        let accepted = plan(
            &anna_erik(),
            None,
            Some("strateg@lst.se"),
            Trust::Accepted,
            None,
            NoticeSettings::default(),
        );
        assert!(matches!(accepted, Plan::Register { first: true, .. }));
    }

    #[test]
    fn a_follow_up_fills_in_and_corrects() {
        let pending = fields(&[
            (Key::Organisation, "Mora kommun"),
            (Key::RepresentativeName, "Anna"),
        ]);
        let reply = fields(&[
            (Key::SubstituteName, "Karin Nyström"),
            (Key::RepresentativeName, "Anna Berg"),
        ]);
        let merged = merge(&pending, &reply);
        assert_eq!(merged[&Key::Organisation], "Mora kommun");
        assert_eq!(merged[&Key::RepresentativeName], "Anna Berg");
        assert_eq!(merged[&Key::SubstituteName], "Karin Nyström");
    }

    #[test]
    fn domains() {
        let orgs = Organisations::builtin();
        let falun = orgs.get("falu-kommun").expect("falun");
        assert!(domain_allowed(falun, Some("falun.se")));
        assert!(domain_allowed(falun, Some("IFO.falun.se")));
        assert!(!domain_allowed(falun, Some("evil-falun.se")));
        assert!(!domain_allowed(falun, None));
    }
}

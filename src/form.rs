//! The form as data: the record's keys, the labels people write for them, and
//! which keys are required. Nothing here reads mail or decides a status.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One key of the record, in the order the printed form asks for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Key {
    Organisation,
    RepresentativeName,
    RepresentativeEmail,
    SubstituteName,
    SubstituteEmail,
    InternalChannels,
    ManagerName,
    ManagerTitle,
    ManagerContact,
    SignedDate,
}

impl Key {
    /// Every key, in form order.
    pub const ALL: [Key; 10] = [
        Key::Organisation,
        Key::RepresentativeName,
        Key::RepresentativeEmail,
        Key::SubstituteName,
        Key::SubstituteEmail,
        Key::InternalChannels,
        Key::ManagerName,
        Key::ManagerTitle,
        Key::ManagerContact,
        Key::SignedDate,
    ];

    /// The key's name in the record and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Key::Organisation => "organisation",
            Key::RepresentativeName => "representative_name",
            Key::RepresentativeEmail => "representative_email",
            Key::SubstituteName => "substitute_name",
            Key::SubstituteEmail => "substitute_email",
            Key::InternalChannels => "internal_channels",
            Key::ManagerName => "manager_name",
            Key::ManagerTitle => "manager_title",
            Key::ManagerContact => "manager_contact",
            Key::SignedDate => "signed_date",
        }
    }

    /// The label the printed form uses for this key, as people see it in notices.
    pub fn form_label(self) -> &'static str {
        match self {
            Key::Organisation => "Organisation",
            Key::RepresentativeName => "Representant",
            Key::RepresentativeEmail => "Mejladress (representant)",
            Key::SubstituteName => "Ersättare",
            Key::SubstituteEmail => "Mejladress (ersättare)",
            Key::InternalChannels => "Interna kontaktvägar",
            Key::ManagerName => "Namn (ansvarig chef)",
            Key::ManagerTitle => "Titel",
            Key::ManagerContact => "Mejl/telefon",
            Key::SignedDate => "Datum",
        }
    }

    /// The label to write when asked for this value alone, as blankett's
    /// notices suggest; each one reads back as this key.
    pub fn reply_label(self) -> &'static str {
        match self {
            Key::Organisation => "Organisation",
            Key::RepresentativeName => "Representant",
            Key::RepresentativeEmail => "Representantens mejladress",
            Key::SubstituteName => "Ersättare",
            Key::SubstituteEmail => "Ersättarens mejladress",
            Key::InternalChannels => "Interna kontaktvägar",
            Key::ManagerName => "Namn på ansvarig chef",
            Key::ManagerTitle => "Titel",
            Key::ManagerContact => "Mejl/telefon",
            Key::SignedDate => "Datum",
        }
    }

    /// Whether the value must be a single e-mail address.
    pub fn is_address(self) -> bool {
        matches!(self, Key::RepresentativeEmail | Key::SubstituteEmail)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Key {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Key::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown form key `{s}`"))
    }
}

/// What a recognised label stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelKind {
    /// A label that belongs to one key.
    Field(Key),
    /// An address label (`Mejladress`, `E-post`, ...): whose address it is
    /// follows from its place in the form.
    Address,
    /// The heading of the manager block (`Underskrift av ansvarig chef/er ...`).
    ManagerHeading,
    /// A bare `Namn`: the manager's name, unless it follows a `Representant`
    /// or `Ersättare` heading that had no name of its own.
    Name,
}

/// The labels people write, as patterns. Each pattern is matched at the start
/// of a line, case-insensitively, with `å`/`ä`/`ö` also matching `a`/`o`;
/// a space matches any run of white space. Longer patterns come first so that
/// `Mejl/telefon` wins over `Mejl`.
pub const LABELS: &[(LabelKind, &[&str])] = &[
    (
        LabelKind::Field(Key::RepresentativeEmail),
        &[
            "representantens mejladress",
            "representantens e-postadress",
            "representantens e-post",
            "representantens epost",
            "representantens mejl",
            "representantens mail",
            "representative's e-mail",
            "representative e-mail",
        ],
    ),
    (
        LabelKind::Field(Key::SubstituteEmail),
        &[
            "ersättarens mejladress",
            "ersättarens e-postadress",
            "ersättarens e-post",
            "ersättarens epost",
            "ersättarens mejl",
            "ersättarens mail",
            "substitute's e-mail",
            "substitute e-mail",
        ],
    ),
    (
        LabelKind::Field(Key::ManagerContact),
        &[
            "mejl/telefon",
            "mejl/telefonnummer",
            "mejl/tel",
            "mejladress/telefon",
            "e-post/telefon",
            "e-post/tel",
            "epost/telefon",
            "epost/tel",
            "e-mail/telefon",
            "e-mail/phone",
            "email/phone",
            "mail/telefon",
            "mail/tel",
            "telefon/mejl",
            "telefon/e-post",
            "kontaktuppgifter",
            "contact details",
        ],
    ),
    (
        LabelKind::Field(Key::InternalChannels),
        &[
            "interna kontaktvägar[^:\\t]*",
            "interna kanaler[^:\\t]*",
            "internal channels[^:\\t]*",
            "internal contact channels[^:\\t]*",
            "kontaktvägar",
        ],
    ),
    (
        LabelKind::ManagerHeading,
        &["underskrift[^:\\t]*", "signature of[^:\\t]*", "signature"],
    ),
    (
        LabelKind::Field(Key::ManagerName),
        &[
            "namn på ansvarig chef",
            "namn ansvarig chef",
            "ansvarig chefs namn",
            "ansvarig chef",
            "chefens namn",
            "manager's name",
            "manager name",
            "manager",
        ],
    ),
    (LabelKind::Name, &["namn", "name"]),
    (
        LabelKind::Field(Key::Organisation),
        &[
            "organisationens namn",
            "organisation/myndighet",
            "organisation/förvaltning",
            "organisation",
            "organization",
            "myndighet",
        ],
    ),
    (
        LabelKind::Field(Key::RepresentativeName),
        &[
            "ordinarie representant",
            "representantens namn",
            "representant",
            "ordinarie",
            "representative",
        ],
    ),
    (
        LabelKind::Field(Key::SubstituteName),
        &[
            "ersättarens namn",
            "ersättare",
            "suppleant",
            "substitute",
            "deputy",
        ],
    ),
    (
        LabelKind::Address,
        &[
            "mejladress",
            "mailadress",
            "e-postadress",
            "epostadress",
            "e-mailadress",
            "e-mail address",
            "email address",
            "e-post",
            "epost",
            "e-mail",
            "email",
            "mejl",
            "mail",
        ],
    ),
    (
        LabelKind::Field(Key::ManagerTitle),
        &["befattning", "titel", "title"],
    ),
    (
        LabelKind::Field(Key::SignedDate),
        &["datum för underskrift", "datum", "date"],
    ),
];

/// Text that a template leaves in a blank and that means "nothing written".
pub const PLACEHOLDERS: &[&str] = &[
    "klicka eller tryck här för att ange text",
    "klicka här för att ange text",
    "klicka eller tryck för att ange ett datum",
    "klicka här för att ange datum",
    "click or tap here to enter text",
    "click here to enter text",
    "click or tap to enter a date",
];

/// The keys required by default: all of them.
pub fn default_required() -> Vec<Key> {
    Key::ALL.to_vec()
}

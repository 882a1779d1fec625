//! Reads raw field values out of zoned lines: which label each value belongs
//! to, values on the label's line or the next one, the two address lines told
//! apart by order, multi-line channels, and where the form ends. It validates
//! nothing: values come out as written.

use super::labels::label;
use super::lines::{Line, Zone};
use crate::form::{Key, LabelKind};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// What one text yielded: raw values by key, and which keys had a label.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawForm {
    pub values: BTreeMap<Key, String>,
    pub labelled: BTreeSet<Key>,
}

impl RawForm {
    /// A form has at least two different labels, at least one value the
    /// sender wrote, and a label that names the representative, the
    /// substitute or the channels (or five labels in all): a lone `E-post:` in
    /// a signature, or `Namn`/`Organisation`/`E-post` in an event sign-up, is
    /// not a form.
    pub fn is_form(&self) -> bool {
        let names_people = [
            Key::RepresentativeName,
            Key::SubstituteName,
            Key::InternalChannels,
        ]
        .iter()
        .any(|k| self.labelled.contains(k));
        self.labelled.len() >= 2
            && !self.values.is_empty()
            && (names_people || self.labelled.len() >= 5)
    }
}

/// Which lines a pass may read values from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// The sender's own text; `>`-quoted labels still give structure so that a
    /// value typed under a quoted label counts.
    Own,
    /// Text under a reply header without `>`: Outlook users answer inline there.
    UnderReply,
    /// The forwarder's own text, when the forwarded part held no form.
    Forwarder,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Start,
    Representative,
    Substitute,
    Channels,
    Manager,
}

/// Values may stand at most this many blank lines below an empty label.
const MAX_GAP: usize = 3;

static SIGN_OFF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^(?:
            (?:med\s+)?(?:vänlig|vänliga|bästa|varma|många)\s+hälsning(?:ar)?
          | hälsningar | hälsning | mvh | vh | mvh\s.* | hälsningar\s.* | vänligen
          | tack(?:\s+på\s+förhand|\s+så\s+mycket|\s+för\s+hjälpen)? | tack!.*
          | (?:best|kind|warm)\s+regards | regards | best | cheers | sincerely | thanks
          | skickat\s+från\s.* | sent\s+from\s.* | hämta\s+outlook.* | get\s+outlook.*
          | /\s*\p{L}[\p{L}\s.-]{0,30}
          | --
        )[\s,.!]*$",
    )
    .expect("sign-off pattern")
});

static DOTTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\s.…_\-]*$").expect("dotted pattern"));

/// Reads one pass over the lines.
pub fn extract(lines: &[Line], pass: Pass) -> RawForm {
    let mut st = State::default();
    for line in lines {
        let usable = match (pass, line.zone) {
            (_, Zone::Header) => {
                st.boundary(line.block);
                continue;
            }
            (Pass::Own, Zone::Own) => Use::Values,
            (Pass::Own, Zone::Quoted) => Use::Structure,
            (Pass::UnderReply, Zone::UnderReply) => Use::Values,
            (Pass::Forwarder, Zone::Forwarder) => Use::Values,
            _ => Use::Skip,
        };
        if usable == Use::Skip {
            continue;
        }
        if line.block != st.block {
            st.boundary(line.block);
        }
        st.line(&line.text, usable == Use::Values);
    }
    st.finish();
    st.form
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    Values,
    Structure,
    Skip,
}

#[derive(Debug)]
struct State {
    form: RawForm,
    section: Section,
    addresses_seen: usize,
    pending: Option<(Key, usize)>,
    channels: Option<Vec<String>>,
    ended: bool,
    block: u16,
    labels_in_block: usize,
}

impl Default for State {
    fn default() -> Self {
        State {
            form: RawForm::default(),
            section: Section::Start,
            addresses_seen: 0,
            pending: None,
            channels: None,
            ended: false,
            block: 0,
            labels_in_block: 0,
        }
    }
}

impl State {
    /// A new quote or forward begins: a sign-off above no longer ends the form.
    fn boundary(&mut self, block: u16) {
        self.finish_channels();
        self.pending = None;
        self.ended = false;
        self.block = block;
        self.labels_in_block = 0;
    }

    fn line(&mut self, text: &str, counts: bool) {
        // Two label/value pairs in one table row ("Representant: A<TAB>Mejladress: a@x"):
        // each cell that starts with a label is a line of its own.
        if let Some((first, rest)) = split_cells(text) {
            self.line(first, counts);
            self.line(rest, counts);
            return;
        }
        if text.is_empty() {
            if let Some((key, gap)) = self.pending {
                self.pending = (gap < MAX_GAP).then_some((key, gap + 1));
            }
            return;
        }
        if let Some(found) = label(text) {
            if self.ended {
                return;
            }
            self.finish_channels();
            self.labelled(found.kind, found.qualifier, found.rest, counts);
            return;
        }
        if self.labels_in_block > 0 && is_sign_off(text) {
            self.finish_channels();
            self.pending = None;
            self.ended = true;
            return;
        }
        if self.ended {
            return;
        }
        if let Some(channels) = self.channels.as_mut() {
            if counts && !is_blank(text) {
                channels.push(text.to_string());
            }
            return;
        }
        if let Some((key, _)) = self.pending {
            if is_blank(text) {
                return;
            }
            if counts {
                self.set(key, text);
            }
            // A quoted line under a quoted label is the original's own value.
            self.pending = None;
        }
    }

    fn labelled(&mut self, kind: LabelKind, qualifier: &str, rest: &str, counts: bool) {
        let key = match kind {
            LabelKind::ManagerHeading => {
                self.section = Section::Manager;
                self.pending = None;
                return;
            }
            LabelKind::Field(key) => key,
            LabelKind::Address => {
                let owners = [
                    Key::RepresentativeEmail,
                    Key::SubstituteEmail,
                    Key::ManagerContact,
                ];
                whose(qualifier, owners).unwrap_or_else(|| self.address_key())
            }
            LabelKind::Name => {
                let owners = [
                    Key::RepresentativeName,
                    Key::SubstituteName,
                    Key::ManagerName,
                ];
                whose(qualifier, owners).unwrap_or_else(|| self.name_key())
            }
        };
        if kind == LabelKind::Address {
            self.addresses_seen += 1;
        }
        self.section = match key {
            Key::Organisation => self.section,
            Key::RepresentativeName | Key::RepresentativeEmail => Section::Representative,
            Key::SubstituteName | Key::SubstituteEmail => Section::Substitute,
            Key::InternalChannels => Section::Channels,
            Key::ManagerName | Key::ManagerTitle | Key::ManagerContact | Key::SignedDate => {
                Section::Manager
            }
        };
        self.form.labelled.insert(key);
        self.labels_in_block += 1;
        let value = rest.trim();
        self.pending = None;
        if key == Key::InternalChannels {
            let mut first = Vec::new();
            if counts && !is_blank(value) {
                first.push(value.to_string());
            }
            self.channels = Some(first);
            return;
        }
        if is_blank(value) {
            self.pending = Some((key, 0));
        } else if counts {
            self.set(key, value);
        }
    }

    /// Whose address an address label introduces: the section decides, and
    /// without one the order does (first the representative's, then the
    /// substitute's).
    fn address_key(&self) -> Key {
        match self.section {
            Section::Manager => Key::ManagerContact,
            Section::Substitute => Key::SubstituteEmail,
            Section::Representative if !self.form.labelled.contains(&Key::RepresentativeEmail) => {
                Key::RepresentativeEmail
            }
            Section::Representative => Key::SubstituteEmail,
            _ if self.addresses_seen == 0 => Key::RepresentativeEmail,
            _ => Key::SubstituteEmail,
        }
    }

    /// A bare `Namn` under a `Representant` or `Ersättare` heading that had
    /// no name of its own is that person's; anywhere else the manager's.
    fn name_key(&self) -> Key {
        match self.section {
            Section::Representative if !self.form.values.contains_key(&Key::RepresentativeName) => {
                Key::RepresentativeName
            }
            Section::Substitute if !self.form.values.contains_key(&Key::SubstituteName) => {
                Key::SubstituteName
            }
            _ => Key::ManagerName,
        }
    }

    fn set(&mut self, key: Key, value: &str) {
        self.form
            .values
            .entry(key)
            .or_insert_with(|| value.to_string());
    }

    fn finish_channels(&mut self) {
        if let Some(lines) = self.channels.take() {
            if !lines.is_empty() {
                self.set(Key::InternalChannels, &lines.join("\n"));
            }
        }
    }

    fn finish(&mut self) {
        self.finish_channels();
    }
}

/// Whose value a qualified label introduces (`Mejladress till ersättaren`):
/// the representative's, the substitute's or the manager's, if the words say.
fn whose(qualifier: &str, owners: [Key; 3]) -> Option<Key> {
    let q = qualifier.to_lowercase();
    if q.is_empty() {
        None
    } else if ["ersätt", "ersatt", "suppl", "substitut", "deputy"]
        .iter()
        .any(|w| q.contains(w))
    {
        Some(owners[1])
    } else if ["represent", "ordinarie"].iter().any(|w| q.contains(w)) {
        Some(owners[0])
    } else if ["chef", "manager"].iter().any(|w| q.contains(w)) {
        Some(owners[2])
    } else {
        None
    }
}

/// Splits a line at the first tab after which a label begins, when the line
/// itself starts with a label.
fn split_cells(text: &str) -> Option<(&str, &str)> {
    if !text.contains('\t') {
        return None;
    }
    label(text)?;
    let mut offset = 0;
    for (i, _) in text.match_indices('\t') {
        if i < offset {
            continue;
        }
        let rest = text[i + 1..].trim_start();
        if !rest.is_empty() && label(rest).is_some() && !text[..i].trim().is_empty() {
            let first = text[..i].trim_end();
            // The first cell must hold more than its label, or the tab is the separator.
            if label(first).is_some_and(|l| !l.rest.trim().is_empty()) {
                return Some((first, rest));
            }
        }
        offset = i + 1;
    }
    None
}

/// A line that is only a dotted or underscored blank.
pub fn is_blank(text: &str) -> bool {
    DOTTED.is_match(text)
}

/// A greeting or signature line that ends the form.
pub fn is_sign_off(text: &str) -> bool {
    text.len() < 60 && SIGN_OFF.is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::lines::lines;

    fn read(text: &str) -> BTreeMap<&'static str, String> {
        extract(&lines(text, false), Pass::Own)
            .values
            .into_iter()
            .map(|(k, v)| (k.as_str(), v))
            .collect()
    }

    #[test]
    fn addresses_by_order_and_section() {
        let got = read("Representant: A\nMejladress: a@x.se\nErsättare: B\nMejladress: b@x.se\n");
        assert_eq!(got["representative_email"], "a@x.se");
        assert_eq!(got["substitute_email"], "b@x.se");
        let got = read("Representant: A\nMejladress: a@x.se\nMejladress: b@x.se\n");
        assert_eq!(got["substitute_email"], "b@x.se");
    }

    #[test]
    fn qualified_labels_say_whose_value_it_is() {
        let got = read("Representant: A\nErsättare: B\nMejladress representant: a@x.se\nMejladress till ersättaren: b@x.se\nNamn på chef: C\n");
        assert_eq!(got["representative_email"], "a@x.se");
        assert_eq!(got["substitute_email"], "b@x.se");
        assert_eq!(got["manager_name"], "C");
    }

    #[test]
    fn an_event_sign_up_is_not_a_form() {
        let form = extract(
            &lines(
                "Namn: Anna\nOrganisation: Mora kommun\nE-post: a@mora.se\n",
                false,
            ),
            Pass::Own,
        );
        assert!(!form.is_form());
        let form = extract(
            &lines("Ersättare: Karin\nMejladress: k@mora.se\n", false),
            Pass::Own,
        );
        assert!(form.is_form());
    }

    #[test]
    fn values_on_the_next_line_and_channels() {
        let got = read("Ersättare:\n\nMats\n\nInterna kontaktvägar:\n- APT\n\n• Intranät\nUnderskrift\nKalle\nNamn: Karin\n");
        assert_eq!(got["substitute_name"], "Mats");
        assert_eq!(got["internal_channels"], "- APT\n• Intranät");
        assert_eq!(got["manager_name"], "Karin");
    }

    #[test]
    fn two_pairs_in_one_table_row() {
        let got = read("Representant: Anna Berg\tMejladress: anna@x.se\nErsättare\tErik\n");
        assert_eq!(got["representative_name"], "Anna Berg");
        assert_eq!(got["representative_email"], "anna@x.se");
        assert_eq!(got["substitute_name"], "Erik");
    }

    #[test]
    fn a_sign_off_ends_the_form() {
        let got =
            read("Representant: A\nMejladress: a@x.se\n\nMed vänlig hälsning\nA\nE-post: a@x.se\n");
        assert!(!got.contains_key("substitute_email"));
    }

    #[test]
    fn typed_under_a_quoted_label_counts_but_quoted_values_do_not() {
        let got = read(
            "Hej\n> Organisation:.....\nFalu kommun\n> Representant: Gammal\n> Ersättare:\nNy\n",
        );
        assert_eq!(got["organisation"], "Falu kommun");
        assert!(!got.contains_key("representative_name"));
        assert_eq!(got["substitute_name"], "Ny");
    }
}

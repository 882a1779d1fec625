//! Fillable PDFs: reads the AcroForm text fields and ties each value to a record
//! key by the field's name (`Mejladress_1`, `txtOrg`, `Epost2`, ...), or, when
//! the name says nothing (`Text1`), by the label printed next to the widget. It
//! places no page text itself (`pdf` does) and validates nothing.

use super::pdf::{lines, Page, Run};
use super::Extracted;
use crate::form::Key;
use crate::limits::Limits;
use crate::parse::read_text;
use crate::report::Method;
use lopdf::{decode_text_string, Dictionary, Document, Object, ObjectId};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Fields read from one form, at most.
const MAX_FIELDS: usize = 1000;
/// Nominal font size of a value placed into the page's text.
const VALUE_SIZE: f32 = 10.0;

/// One filled-in text field.
#[derive(Debug, Clone)]
struct Field {
    name: String,
    value: String,
    rect: Option<[f32; 4]>,
    page: Option<usize>,
}

/// The form's values, or `None` when the PDF has no filled-in text field.
pub fn read(
    doc: &Document,
    page_ids: &[ObjectId],
    pages: &[Page],
    limits: &Limits,
) -> Option<Extracted> {
    let acro = doc.catalog().ok()?.get(b"AcroForm").ok()?;
    let acro = doc.dereference(acro).ok()?.1.as_dict().ok()?;
    let roots = acro.get(b"Fields").and_then(Object::as_array).ok()?;
    let widget_page: HashMap<ObjectId, usize> = page_ids
        .iter()
        .enumerate()
        .flat_map(|(i, id)| {
            let annots = doc
                .get_dictionary(*id)
                .ok()
                .and_then(|p| p.get(b"Annots").ok())
                .and_then(|a| doc.dereference(a).ok())
                .and_then(|(_, a)| a.as_array().ok().cloned())
                .unwrap_or_default();
            annots
                .into_iter()
                .filter_map(move |a| a.as_reference().ok().map(|r| (r, i)))
        })
        .collect();
    let mut fields = Vec::new();
    let mut walk = Walk {
        doc,
        widget_page: &widget_page,
        seen: HashSet::new(),
        out: &mut fields,
    };
    walk.fields(roots, "", None, None, 0);
    if fields.is_empty() {
        return None;
    }
    let by_name = read_text(&named_text(&fields), false, limits);
    let by_place = read_text(&placed_text(&fields, pages), false, limits);
    let form = if by_place.values.len() > by_name.values.len() {
        by_place
    } else {
        by_name
    };
    Some(Extracted::Fields {
        form,
        method: Method::PdfForm,
        confidence: BTreeMap::new(),
    })
}

struct Walk<'a> {
    doc: &'a Document,
    widget_page: &'a HashMap<ObjectId, usize>,
    seen: HashSet<ObjectId>,
    out: &'a mut Vec<Field>,
}

impl<'a> Walk<'a> {
    fn fields(
        &mut self,
        kids: &'a [Object],
        parent: &str,
        value: Option<&'a Object>,
        kind: Option<&'a [u8]>,
        depth: usize,
    ) {
        for kid in kids {
            let Ok(id) = kid.as_reference() else { continue };
            if depth > 16 || self.seen.len() >= MAX_FIELDS || !self.seen.insert(id) {
                continue;
            }
            let Ok(dict) = self.doc.get_dictionary(id) else {
                continue;
            };
            let part = dict.get(b"T").ok().and_then(|t| decode_text_string(t).ok());
            let name = match (&part, parent.is_empty()) {
                (Some(p), true) => p.clone(),
                (Some(p), false) => format!("{parent}.{p}"),
                (None, _) => parent.to_string(),
            };
            let value = dict.get(b"V").ok().or(value);
            let kind = dict.get(b"FT").and_then(Object::as_name).ok().or(kind);
            let children = dict.get(b"Kids").and_then(Object::as_array).ok();
            let child_fields = children.is_some_and(|c| {
                c.iter().any(|k| {
                    k.as_reference()
                        .and_then(|r| self.doc.get_dictionary(r))
                        .is_ok_and(|d| d.has(b"T"))
                })
            });
            if let (Some(children), true) = (children, child_fields) {
                self.fields(children, &name, value, kind, depth + 1);
                continue;
            }
            if !matches!(kind, Some(b"Tx") | Some(b"Ch")) {
                continue;
            }
            let widget = children
                .and_then(|c| c.first())
                .and_then(|k| k.as_reference().ok())
                .unwrap_or(id);
            let widget_dict = self.doc.get_dictionary(widget).unwrap_or(dict);
            let text = value.map(|v| self.text(v)).unwrap_or_default();
            if text.trim().is_empty() {
                continue;
            }
            self.out.push(Field {
                name,
                value: text,
                rect: rect(widget_dict),
                page: self.widget_page.get(&widget).copied(),
            });
        }
    }

    fn text(&self, value: &Object) -> String {
        let value = self.doc.dereference(value).map_or(value, |(_, v)| v);
        let text = match value {
            Object::Array(items) => items
                .iter()
                .filter_map(|i| decode_text_string(i).ok())
                .collect::<Vec<_>>()
                .join("\n"),
            other => decode_text_string(other).unwrap_or_default(),
        };
        text.replace("\r\n", "\n").replace('\r', "\n")
    }
}

fn rect(dict: &Dictionary) -> Option<[f32; 4]> {
    let r: Vec<f32> = dict
        .get(b"Rect")
        .and_then(Object::as_array)
        .ok()?
        .iter()
        .filter_map(|o| o.as_float().ok())
        .collect();
    (r.len() == 4).then(|| {
        [
            r[0].min(r[2]),
            r[1].min(r[3]),
            r[0].max(r[2]),
            r[1].max(r[3]),
        ]
    })
}

/// What a field's name says it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guess {
    Key(Key),
    /// An address whose owner the name does not tell: decided by order.
    Address,
}

/// Splits a field name into lower-case ASCII words: `txtOrg` gives `txt org`,
/// `Mejladress_1` gives `mejladress 1`, `Ersättare` gives `ersattare`.
fn words(name: &str) -> Vec<String> {
    let last = name.rsplit('.').next().unwrap_or(name);
    let mut out: Vec<String> = Vec::new();
    let mut prev: Option<char> = None;
    for c in last.chars() {
        let c = match c {
            'å' | 'ä' | 'Å' | 'Ä' | 'à' | 'á' => 'a',
            'ö' | 'Ö' | 'ø' | 'ó' => 'o',
            'é' | 'É' | 'è' => 'e',
            'ü' | 'Ü' => 'u',
            other => other,
        };
        if !c.is_ascii_alphanumeric() {
            prev = None;
            continue;
        }
        let split = match prev {
            None => true,
            Some(p) => {
                (p.is_ascii_lowercase() && c.is_ascii_uppercase())
                    || (p.is_ascii_digit() != c.is_ascii_digit())
            }
        };
        match out.last_mut() {
            Some(word) if !split => word.push(c.to_ascii_lowercase()),
            _ => out.push(c.to_ascii_lowercase().to_string()),
        }
        prev = Some(c);
    }
    out
}

/// The key a field name points to, if it says.
fn guess(name: &str) -> Option<Guess> {
    let words = words(name);
    let joined: String = words.concat();
    let has = |s: &str| joined.contains(s);
    let word = |s: &str| words.iter().any(|w| w == s);
    let sub = has("ersatt") || has("suppl") || has("substit") || has("deputy") || word("ers");
    let rep = has("represent") || has("ordinarie") || word("rep") || word("ord");
    let boss = has("chef") || has("manager") || has("ansvarig") || has("underskr");
    let address = ["mejl", "mail", "epost", "adress", "address"]
        .iter()
        .any(|s| has(s));
    let phone = has("tel") || has("phone") || has("kontaktuppg") || has("contact");
    let key = if has("kontaktvag") || has("kanal") || has("channel") || has("intern") {
        Key::InternalChannels
    } else if has("datum") || has("date") {
        Key::SignedDate
    } else if has("titel") || has("title") || has("befattning") {
        Key::ManagerTitle
    } else if phone || (address && boss) {
        Key::ManagerContact
    } else if address {
        return Some(if sub || word("2") {
            Guess::Key(Key::SubstituteEmail)
        } else if rep || word("1") {
            Guess::Key(Key::RepresentativeEmail)
        } else {
            Guess::Address
        });
    } else if sub {
        Key::SubstituteName
    } else if rep {
        Key::RepresentativeName
    } else if has("organi") || word("org") || has("myndighet") || has("forvaltning") {
        Key::Organisation
    } else if has("namn") || has("name") || boss {
        Key::ManagerName
    } else {
        return None;
    };
    Some(Guess::Key(key))
}

/// `Label: value` lines for the fields whose names say which key they hold.
fn named_text(fields: &[Field]) -> String {
    let mut values: BTreeMap<Key, &str> = BTreeMap::new();
    for f in fields {
        let key = match guess(&f.name) {
            Some(Guess::Key(k)) => k,
            Some(Guess::Address) if !values.contains_key(&Key::RepresentativeEmail) => {
                Key::RepresentativeEmail
            }
            Some(Guess::Address) => Key::SubstituteEmail,
            None => continue,
        };
        values.entry(key).or_insert(f.value.trim());
    }
    let mut out = String::new();
    for (key, value) in values {
        if key == Key::InternalChannels {
            out.push_str(&format!("{}:\n{value}\n", key.reply_label()));
        } else {
            out.push_str(&format!(
                "{}: {}\n",
                key.reply_label(),
                value.replace('\n', " ")
            ));
        }
    }
    out
}

/// The page text with each value written into its widget, as if printed.
fn placed_text(fields: &[Field], pages: &[Page]) -> String {
    let mut out = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let mut runs = page.runs.clone();
        for f in fields.iter().filter(|f| f.page == Some(i)) {
            let Some([x1, y1, _, y2]) = f.rect else {
                continue;
            };
            let lines: Vec<&str> = f.value.lines().filter(|l| !l.trim().is_empty()).collect();
            let single = lines.len() == 1 && y2 - y1 < 2.5 * VALUE_SIZE;
            for (n, line) in lines.iter().enumerate() {
                let y = if single {
                    y1 + (y2 - y1 - VALUE_SIZE) / 2.0 + 0.2 * VALUE_SIZE
                } else {
                    y2 - 1.2 * VALUE_SIZE * (n as f32 + 1.0)
                };
                let x = x1 + 2.0;
                runs.push(Run {
                    x,
                    y,
                    end: x + 0.5 * VALUE_SIZE * line.chars().count() as f32,
                    size: VALUE_SIZE,
                    text: line.trim().to_string(),
                });
            }
        }
        out.push(lines(&runs));
    }
    out.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_to_keys() {
        let k = |k| Some(Guess::Key(k));
        let cases = [
            ("Organisation", k(Key::Organisation)),
            ("txtOrg", k(Key::Organisation)),
            ("Representant", k(Key::RepresentativeName)),
            ("Rep_namn", k(Key::RepresentativeName)),
            ("Mejladress_1", k(Key::RepresentativeEmail)),
            ("Epost1", k(Key::RepresentativeEmail)),
            ("email_rep", k(Key::RepresentativeEmail)),
            ("Ersättare", k(Key::SubstituteName)),
            ("Ersattare", k(Key::SubstituteName)),
            ("Mejladress_2", k(Key::SubstituteEmail)),
            ("ersattare_epost", k(Key::SubstituteEmail)),
            ("Interna_kontaktvagar", k(Key::InternalChannels)),
            ("Namn", k(Key::ManagerName)),
            ("ChefNamn", k(Key::ManagerName)),
            ("Titel", k(Key::ManagerTitle)),
            ("Mejl_telefon", k(Key::ManagerContact)),
            ("form1[0].Datum[0]", k(Key::SignedDate)),
            ("E-post", Some(Guess::Address)),
            ("Text1", None),
            ("Text10", None),
        ];
        for (name, want) in cases {
            assert_eq!(guess(name), want, "{name}");
        }
    }

    #[test]
    fn addresses_without_an_owner_go_by_order() {
        let f = |name: &str, value: &str| Field {
            name: name.into(),
            value: value.into(),
            rect: None,
            page: None,
        };
        let text = named_text(&[f("E-post", "a@x.se"), f("Epost", "b@x.se")]);
        assert!(
            text.contains("Representantens mejladress: a@x.se"),
            "{text}"
        );
        assert!(text.contains("Ersättarens mejladress: b@x.se"), "{text}");
    }
}

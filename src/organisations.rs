//! The known organisations and how a written name or a sender's domain is
//! matched to one of them. A name is matched through its aliases, case,
//! punctuation, genitive -s and small misspellings, and never to a wrong
//! organisation: when in doubt, no id. Reads no files; `load` lives at the edge.

use crate::error::ConfigError;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};

/// The list that ships with the binary.
pub const BUILTIN: &str = include_str!("../config/organisations.toml");

/// One member organisation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub domains: Vec<String>,
    /// `auto` (default): a trusted form changes the roster by itself;
    /// `review`: a person looks at every form of this organisation first.
    #[serde(default)]
    pub policy: Policy,
    /// Where to send a request for a form when nobody is registered (the
    /// organisation's registry, say): `contact = "registrator@mora.se"`.
    #[serde(default)]
    pub contact: Option<String>,
}

/// Whether forms of an organisation change the roster by themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    #[default]
    Auto,
    Review,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    organisation: Vec<Organisation>,
}

/// The organisations with their lookup tables.
#[derive(Debug, Clone)]
pub struct Organisations {
    list: Vec<Organisation>,
    /// Normalised name or alias to the indexes of organisations using it.
    names: HashMap<String, BTreeSet<usize>>,
}

impl Organisations {
    /// Parses an organisation list (`[[organisation]]` tables).
    pub fn parse(toml_text: &str) -> Result<Self, ConfigError> {
        let file: File = toml::from_str(toml_text).map_err(|e| ConfigError::Toml {
            what: "organisation list",
            message: e.to_string(),
        })?;
        let mut seen = BTreeSet::new();
        for org in &file.organisation {
            if org.id.trim().is_empty() || org.name.trim().is_empty() {
                return Err(ConfigError::Invalid(format!(
                    "an organisation has an empty id or name (id `{}`): give each one both",
                    org.id
                )));
            }
            if !seen.insert(org.id.clone()) {
                return Err(ConfigError::Invalid(format!(
                    "organisation id `{}` appears twice: ids must be unique",
                    org.id
                )));
            }
        }
        Ok(Self::new(file.organisation))
    }

    /// The list that ships with the binary.
    pub fn builtin() -> Self {
        Self::parse(BUILTIN).expect("the built-in organisation list is valid")
    }

    fn new(list: Vec<Organisation>) -> Self {
        let mut names: HashMap<String, BTreeSet<usize>> = HashMap::new();
        for (i, org) in list.iter().enumerate() {
            let id_words = org.id.replace('-', " ");
            for written in std::iter::once(&org.name)
                .chain(&org.aliases)
                .chain(std::iter::once(&id_words))
            {
                let key = normalise(written);
                if !key.is_empty() {
                    names.entry(key).or_default().insert(i);
                }
            }
        }
        Organisations { list, names }
    }

    /// Every organisation, in list order.
    pub fn all(&self) -> &[Organisation] {
        &self.list
    }

    /// The organisation with this id.
    pub fn get(&self, id: &str) -> Option<&Organisation> {
        self.list.iter().find(|o| o.id == id)
    }

    /// The id a written name stands for, or `None` when it matches none or
    /// could match more than one.
    pub fn match_name(&self, written: &str) -> Option<&str> {
        let i = self.match_index(written)?;
        Some(self.list[i].id.as_str())
    }

    /// The organisation that alone uses this sender domain (or a parent of it).
    pub fn by_domain(&self, domain: &str) -> Option<&str> {
        let domain = domain.trim().trim_end_matches('.').to_lowercase();
        let found: BTreeSet<usize> = self
            .list
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                o.domains.iter().any(|d| {
                    let d = d.to_lowercase();
                    domain == d || domain.ends_with(&format!(".{d}"))
                })
            })
            .map(|(i, _)| i)
            .collect();
        single(&found).map(|i| self.list[i].id.as_str())
    }

    fn match_index(&self, written: &str) -> Option<usize> {
        let key = normalise(written);
        if key.is_empty() {
            return None;
        }
        if let Some(ids) = self.names.get(&key) {
            return single(ids);
        }
        // "Falu kommun, socialförvaltningen": the head names the organisation.
        let head = written
            .split([',', ';', '(', '/', '–', '—', '|'])
            .next()
            .unwrap_or(written);
        let head = normalise(head.split(" - ").next().unwrap_or(head));
        if head != key && !head.is_empty() {
            if let Some(ids) = self.names.get(&head) {
                return single(ids);
            }
        }
        // "Polisen LPO Falun", "Region Dalarna Hälso- och sjukvård": a known
        // name followed by a unit. A lone place name is not enough
        // ("Falun ..." may be any organisation in Falun).
        let tokens: Vec<&str> = key.split(' ').collect();
        for n in (1..tokens.len()).rev() {
            let prefix = tokens[..n].join(" ");
            if let Some(ids) = self.names.get(&prefix) {
                let i = single(ids)?;
                if n >= 2 || !self.list[i].id.ends_with("-kommun") {
                    return Some(i);
                }
                break;
            }
        }
        self.fuzzy(&key)
            .or_else(|| if head != key { self.fuzzy(&head) } else { None })
    }

    /// Small misspellings: the same number of words, each short word exact,
    /// each long word at most one edit away, at most two edits in all; the
    /// closest organisation must be the only one that close.
    fn fuzzy(&self, key: &str) -> Option<usize> {
        let words: Vec<&str> = key.split(' ').collect();
        let mut best: Option<(usize, BTreeSet<usize>)> = None;
        for (name, ids) in &self.names {
            let Some(d) = distance(&words, name) else {
                continue;
            };
            match &mut best {
                Some((bd, set)) if d == *bd => set.extend(ids),
                Some((bd, _)) if d > *bd => {}
                _ => best = Some((d, ids.clone())),
            }
        }
        let (_, ids) = best?;
        single(&ids)
    }
}

fn distance(words: &[&str], name: &str) -> Option<usize> {
    let other: Vec<&str> = name.split(' ').collect();
    if other.len() != words.len() {
        return None;
    }
    let mut total = 0;
    for (a, b) in words.iter().zip(&other) {
        if a == b {
            continue;
        }
        if a.chars().count() < 5 || b.chars().count() < 5 {
            return None;
        }
        let d = strsim::damerau_levenshtein(a, b);
        if d > 1 {
            return None;
        }
        total += d;
    }
    (total <= 2).then_some(total)
}

fn single(ids: &BTreeSet<usize>) -> Option<usize> {
    if ids.len() == 1 {
        ids.iter().next().copied()
    } else {
        None
    }
}

/// Folds a name for comparison: lower case, å/ä/ö and accents to ASCII,
/// punctuation to spaces, and a genitive -s dropped from longer words.
pub fn normalise(name: &str) -> String {
    let folded: String = name
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'å' | 'ä' | 'á' | 'à' | 'â' => 'a',
            'ö' | 'ø' | 'ó' | 'ô' => 'o',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ü' | 'ú' => 'u',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .collect();
    folded
        .split_whitespace()
        .map(|w| {
            if w.chars().count() >= 4 && w.ends_with('s') && !w.ends_with("ss") {
                &w[..w.len() - 1]
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_matched_safely() {
        let orgs = Organisations::builtin();
        for (written, want) in [
            ("Falu kommun", Some("falu-kommun")),
            ("Falun kommun", Some("falu-kommun")),
            ("Falu Kommun, socialförvaltningen", Some("falu-kommun")),
            ("Kommunen i Falun", Some("falu-kommun")),
            ("FALU KOMMUNS", Some("falu-kommun")),
            ("Falu kommun.", Some("falu-kommun")),
            ("Ludvika komun", Some("ludvika-kommun")),
            ("Hedmora kommun", Some("hedemora-kommun")),
            ("Polisen region Bergslagen", Some("polismyndigheten")),
            ("Polisen LPO Falun", Some("polismyndigheten")),
            ("Barnhus Dalarna", Some("barnahus-dalarna")),
            ("HDa", Some("hogskolan-dalarna")),
            ("Kriminalvården Frivården Falun", Some("kriminalvarden")),
            ("Kvinnojouren, Falun", Some("kvinnojouren-falun")),
            ("Föreningen Trygga Hem Dalarna", None),
            ("Tjejjouren i Falun", None),
            ("Falun Tjejjour", None),
            ("Nora kommun", None),
            ("Dalarna", None),
            ("", None),
        ] {
            assert_eq!(orgs.match_name(written), want, "{written}");
        }
    }

    #[test]
    fn domains_infer_only_one_organisation() {
        let orgs = Organisations::builtin();
        assert_eq!(orgs.by_domain("falun.se"), Some("falu-kommun"));
        assert_eq!(orgs.by_domain("IFO.Falun.se"), Some("falu-kommun"));
        assert_eq!(orgs.by_domain("regiondalarna.se"), None);
        assert_eq!(orgs.by_domain("example.se"), None);
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let text = "[[organisation]]\nid = \"a\"\nname = \"A\"\n[[organisation]]\nid = \"a\"\nname = \"B\"\n";
        assert!(Organisations::parse(text).is_err());
    }
}

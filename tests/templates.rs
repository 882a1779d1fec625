//! What people read, checked for every template and every decision kind
//! with sample data: no internal words (sources, methods, codes, key
//! names), no empty table rows, no line said twice in a row, no "(tomt) →"
//! in a first registration, and the organisation by the list's name (the
//! written one only as "skrivet som …").

use blankett::compose::{variables, Extra, Templates};
use blankett::decide::{AnswerKind, ReviewReason};
use blankett::form::Key;
use blankett::mime::Mail;
use blankett::organisations::Organisations;
use blankett::report::{Method, Report, Status};
use std::collections::BTreeMap;

/// Internal words that must never reach a reader.
const INTERNAL: &[&str] = &[
    "attachment:",
    "pdf-text",
    "pdf-form",
    "unknown_organisation",
    "foreign_domain",
    "low_ocr_confidence",
    "processing_failed",
    "policy_review",
    "unauthenticated",
    "representative_",
    "substitute_",
    "manager_",
    "internal_channels",
    "signed_date",
    "Some(",
    "None",
    "null",
    "undefined",
];

fn fields() -> BTreeMap<Key, String> {
    BTreeMap::from([
        (Key::Organisation, "Barnhus Dalarna".to_string()),
        (Key::RepresentativeName, "Emma Sandberg".to_string()),
        (
            Key::RepresentativeEmail,
            "emma.sandberg@regiondalarna.test".to_string(),
        ),
        (Key::SubstituteName, "Oskar Wallin".to_string()),
        (
            Key::SubstituteEmail,
            "oskar.wallin@regiondalarna.test".to_string(),
        ),
        (
            Key::InternalChannels,
            "Ledningsgruppen\nIntranätet Insidan".to_string(),
        ),
        (Key::ManagerName, "Karin Ek".to_string()),
        (Key::ManagerTitle, "Verksamhetschef".to_string()),
        (
            Key::ManagerContact,
            "karin.ek@regiondalarna.test".to_string(),
        ),
        (Key::SignedDate, "2026-11-30".to_string()),
    ])
}

fn report(source: &str, method: Method, status: Status) -> Report {
    let mut r = Report::without_fields(status, source, None);
    r.fields = fields();
    r.method = Some(method);
    r.organisation_id = Some("barnahus-dalarna".into());
    if status == Status::Incomplete {
        r.fields.remove(&Key::SubstituteEmail);
        r.missing = vec![Key::SubstituteEmail];
    }
    r
}

/// The plain text of an HTML part: tags dropped, entities of the common kind read.
fn html_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&quot;", "\"")
        .replace("&amp;", "&")
        .replace("&#x2f;", "/")
}

fn check(what: &str, subject: &str, text: &str, html: &str, first: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let shown = html_text(html);
    for (part, body) in [
        ("subject", subject),
        ("text", text),
        ("html", shown.as_str()),
    ] {
        for word in INTERNAL {
            if body.contains(word) {
                problems.push(format!("{what} {part}: internal word {word:?}"));
            }
        }
        if body.split_whitespace().any(|w| w == "body") {
            problems.push(format!("{what} {part}: the word \"body\""));
        }
        if body.contains("Barnhus Dalarna") && !body.contains("skrivet som") {
            problems.push(format!(
                "{what} {part}: the written name without \"skrivet som\""
            ));
        }
        if first && (body.contains("(tomt) →") || body.contains("(tomt) ->")) {
            problems.push(format!(
                "{what} {part}: \"(tomt) →\" in a first registration"
            ));
        }
    }
    let compact: String = html.split_whitespace().collect();
    for empty in ["<tr></tr>", "<td></td><td></td>", "<li></li>", "<p></p>"] {
        if compact.contains(empty) {
            problems.push(format!("{what} html: empty {empty}"));
        }
    }
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    for pair in lines.windows(2) {
        if pair[0] == pair[1] {
            problems.push(format!("{what} text: {:?} twice in a row", pair[0]));
        }
    }
    problems
}

#[test]
fn every_answer_reads_as_plain_swedish() {
    let t = Templates::builtin();
    let orgs = Organisations::builtin();
    let mail = Mail {
        subject: "SV: Blankett länsgrupp".into(),
        from_address: Some("emma.sandberg@regiondalarna.test".into()),
        ..Mail::default()
    };
    let registered = fields();
    let first: Vec<(Key, Option<String>, Option<String>)> = fields()
        .into_iter()
        .map(|(k, v)| (k, None, Some(v)))
        .collect();
    let change = vec![
        (
            Key::SubstituteName,
            Some("Oskar Wallin".to_string()),
            Some("Lena Berg".to_string()),
        ),
        (
            Key::InternalChannels,
            Some("Ledningsgruppen".to_string()),
            Some("Ledningsgruppen\nIntranätet".to_string()),
        ),
    ];
    let sources = [
        ("body", Method::Text),
        ("attachment:Blankett.docx", Method::Docx),
        ("attachment:Skanning.pdf", Method::PdfText),
        ("attachment:IMG_0412.jpeg", Method::Ocr),
    ];
    let reasons = [
        None,
        Some(ReviewReason::Unreadable),
        Some(ReviewReason::UnknownOrganisation),
        Some(ReviewReason::ForeignDomain),
        Some(ReviewReason::Unauthenticated),
        Some(ReviewReason::PolicyReview),
        Some(ReviewReason::LowOcrConfidence),
        Some(ReviewReason::ProcessingFailed),
    ];
    let kinds = [
        AnswerKind::Confirmation,
        AnswerKind::Incomplete,
        AnswerKind::Receipt,
        AnswerKind::ReviewNotice,
        AnswerKind::RateLimited,
        AnswerKind::NoChange,
        AnswerKind::PersonRegistered,
        AnswerKind::PersonReplaced,
        AnswerKind::ChangeNotice,
        AnswerKind::ReviewDone,
        AnswerKind::Refused,
        AnswerKind::Reminder,
    ];
    let mut problems = Vec::new();
    let mut rendered = 0;
    for kind in kinds {
        for (source, method) in sources {
            for reason in reasons {
                for (changes, current, is_first) in
                    [(&first, None, true), (&change, Some(&registered), false)]
                {
                    let status = if kind == AnswerKind::Incomplete || kind == AnswerKind::Reminder {
                        Status::Incomplete
                    } else {
                        Status::Complete
                    };
                    let extra = Extra {
                        role: Some("substitute"),
                        changes,
                        resolution: Some("accepted"),
                        current,
                    };
                    let vars = variables(
                        &mail,
                        &report(source, method, status),
                        &orgs,
                        "BL-ABC234",
                        reason,
                        5,
                        &extra,
                    );
                    let r = t.render(kind, &vars).expect("renders");
                    let what = format!("{kind:?} ({source}, {reason:?}, first {is_first})");
                    problems.extend(check(&what, &r.subject, &r.text, &r.html, is_first));
                    rendered += 1;
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(rendered > 700);
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_checks_catch_what_they_look_for() {
    // The checks themselves: each fault is found.
    let found = check(
        "x",
        "Blanketten: body",
        "Ändrad registrering\nErsättare: (tomt) → Oskar\nBarnhus Dalarna\nA\nA",
        "<table><tr></tr></table><p>attachment:x.docx</p>",
        true,
    );
    for needle in [
        "the word \"body\"",
        "(tomt)",
        "written name",
        "twice in a row",
        "empty <tr></tr>",
        "attachment:",
    ] {
        assert!(
            found.iter().any(|p| p.contains(needle)),
            "{needle} not found in {found:#?}"
        );
    }
}

#[test]
fn the_report_of_refused_attempts_reads_as_plain_swedish() {
    let t = Templates::builtin();
    let attempt = |n: u32| {
        minijinja::context! {
            at => format!("2026-12-03 10.0{n}"),
            actor => "mallory@evil.example",
            what => "skrev GODKÄNN eller AVVISA utan att svara på granskningsmejlet, med din adress som svarsadress",
        }
    };
    for (count, since, unlisted) in [(1, None, 0), (60, Some("2026-12-02 09.00"), 10)] {
        let attempts: Vec<minijinja::Value> = (0..count.min(50)).map(attempt).collect();
        let vars = minijinja::context! {
            count => count,
            since => since,
            unlisted => unlisted,
            attempts => attempts,
            reference => "",
        };
        let r = t.render(AnswerKind::Impersonation, &vars).expect("renders");
        assert!(
            r.subject.starts_with(&format!("{count} försök")),
            "{}",
            r.subject
        );
        let problems = check("impersonation", &r.subject, &r.text, &r.html, false);
        assert!(problems.is_empty(), "{problems:#?}");
        assert!(r.text.contains("mallory@evil.example"));
        if unlisted > 0 {
            assert!(r.text.contains("De senaste 50"), "{}", r.text);
        }
    }
}

/// Prints what was rendered when `BLANKETT_SHOW_TEMPLATES` is set, for a
/// person to read the Swedish.
fn show(what: &str, r: &blankett::compose::Rendered) {
    if std::env::var_os("BLANKETT_SHOW_TEMPLATES").is_some() {
        println!("===== {what}\nÄmne: {}\n\n{}", r.subject, r.text);
    }
}

#[test]
fn every_request_letter_reads_as_plain_swedish() {
    use blankett::compose::{letter_variables, About, Letter};
    use blankett::upkeep::Purpose;
    let t = Templates::builtin();
    // As a request holds them: the organisation by the list's name.
    let mut full = fields();
    full.insert(Key::Organisation, "Falu kommun".to_string());
    let only_name: BTreeMap<Key, String> = [(Key::Organisation, "Falu kommun".to_string())].into();
    let mut problems = Vec::new();
    for purpose in [Purpose::Form, Purpose::Address, Purpose::Confirm] {
        for (reminder, recipients) in [
            (0, vec!["anna.berg@falun.test".to_string()]),
            (
                1,
                vec![
                    "anna.berg@falun.test".to_string(),
                    "karin.ek@falun.test".to_string(),
                ],
            ),
        ] {
            for (role, name) in [("substitute", Some("Erik Lind")), ("representative", None)] {
                for values in [&full, &only_name] {
                    let letter = Letter {
                        purpose,
                        organisation: "Falu kommun",
                        fields: values,
                        about: (purpose == Purpose::Address).then_some(About {
                            address: "erik.lind@falun.test",
                            reason: "550 5.1.1 User unknown",
                            role,
                            name,
                        }),
                        recipients: &recipients,
                        reference: "BL-ABC234",
                        reminder,
                        since: Some("2025-11-30"),
                    };
                    let vars = letter_variables(&letter);
                    let r = t.render(AnswerKind::Request, &vars).expect("renders");
                    let what = format!("request {} reminder {reminder} {role}", purpose.as_str());
                    show(&what, &r);
                    problems.extend(check(&what, &r.subject, &r.text, &r.html, false));
                    assert!(r.subject.ends_with("[BL-ABC234]"), "{}", r.subject);
                    assert_eq!(
                        reminder > 0,
                        r.subject.starts_with("Påminnelse: "),
                        "{}",
                        r.subject
                    );
                    if recipients.len() > 1 {
                        assert!(
                            r.text
                                .contains("anna.berg@falun.test och karin.ek@falun.test"),
                            "{}",
                            r.text
                        );
                    }
                    match purpose {
                        Purpose::Confirm => assert!(r.text.contains("STÄMMER")),
                        Purpose::Address => {
                            let label = if role == "representative" {
                                "Representantens mejladress: ..."
                            } else {
                                "Ersättarens mejladress: ..."
                            };
                            assert!(r.text.contains(label), "{}", r.text);
                        }
                        Purpose::Form => {
                            for key in Key::ALL {
                                assert!(
                                    r.text.contains(&format!("{}:", key.reply_label())),
                                    "{}",
                                    r.text
                                );
                            }
                        }
                    }
                    let heading = t.render_file("form_heading.txt", &vars).expect("renders");
                    assert_eq!(
                        heading.lines().filter(|l| !l.trim().is_empty()).count(),
                        2,
                        "{heading}"
                    );
                }
            }
        }
    }
    let dead = |asked: Vec<&'static str>, before: Option<&'static str>| {
        minijinja::context! {
            address => "erik.lind@falun.test",
            reason => "550 5.1.1 User unknown",
            organisation => "Falu kommun",
            role => "substitute",
            name => "Erik Lind",
            asked => asked,
            asked_before => before,
        }
    };
    for told in [
        vec![dead(
            vec!["anna.berg@falun.test", "karin.ek@falun.test"],
            None,
        )],
        vec![dead(vec![], Some("2026-12-01")), dead(vec![], None)],
    ] {
        let vars = minijinja::context! { dead => told };
        let r = t.render(AnswerKind::Undeliverable, &vars).expect("renders");
        show("undeliverable", &r);
        problems.extend(check("undeliverable", &r.subject, &r.text, &r.html, false));
    }
    let sent = minijinja::context! { organisation => "Mora kommun", recipients => vec!["registrator@mora.test"] };
    let skipped =
        minijinja::context! { organisation => "Falu kommun", why => "asked", date => "2026-12-01" };
    let none = minijinja::context! { organisation => "Orsa kommun", why => "no_address" };
    for (sent, skipped, unknown, nothing) in [
        (vec![sent], vec![skipped, none], vec!["Hogwarts"], false),
        (vec![], vec![], vec![], true),
    ] {
        let vars = minijinja::context! {
            subject => "SKICKA BLANKETT: Mora kommun",
            sent => sent,
            skipped => skipped,
            unknown => unknown,
            nothing => nothing,
        };
        let r = t.render(AnswerKind::RequestsSent, &vars).expect("renders");
        show("requests_sent", &r);
        problems.extend(check("requests_sent", &r.subject, &r.text, &r.html, false));
    }
    let vars = minijinja::context! { organisation => "Falu kommun", reference => "BL-ABC234", subject => "Stämmer uppgifterna?" };
    let r = t.render(AnswerKind::Confirmed, &vars).expect("renders");
    show("confirmed", &r);
    problems.extend(check("confirmed", &r.subject, &r.text, &r.html, false));
    assert!(problems.is_empty(), "{problems:#?}");
}

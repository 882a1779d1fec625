//! The result of reading one message: the JSON that `blankett parse` prints
//! and that the daemon decides on. Plain data.

use crate::form::Key;
use serde::Serialize;
use std::collections::BTreeMap;

/// What kind of message it is, as the contract names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Complete,
    Incomplete,
    Unreadable,
    Automated,
    NotAForm,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Complete => "complete",
            Status::Incomplete => "incomplete",
            Status::Unreadable => "unreadable",
            Status::Automated => "automated",
            Status::NotAForm => "not_a_form",
        }
    }
}

/// How the fields were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    #[serde(rename = "text")]
    Text,
    #[serde(rename = "html")]
    Html,
    #[serde(rename = "doc")]
    Doc,
    #[serde(rename = "docx")]
    Docx,
    #[serde(rename = "odt")]
    Odt,
    #[serde(rename = "pdf-text")]
    PdfText,
    #[serde(rename = "pdf-form")]
    PdfForm,
    #[serde(rename = "rtf")]
    Rtf,
    #[serde(rename = "ocr")]
    Ocr,
}

/// A value that was written but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvalidField {
    pub field: Key,
    pub reason: String,
    /// The value as written, so a person can see what was wrong.
    pub value: String,
    /// A stable code for templates (`not_a_date`, `no_top_level_domain`, ...).
    pub code: &'static str,
}

/// The contract's `parse` output, plus informational keys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub status: Status,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<Method>,
    pub fields: BTreeMap<Key, String>,
    pub organisation_id: Option<String>,
    pub missing: Vec<Key>,
    pub invalid: Vec<InvalidField>,
    /// Why the status is `automated` or `unreadable`, for logs and people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// OCR's mean word confidence (0-100) per field, for scans.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ocr_confidence: BTreeMap<Key, f32>,
    /// The message's other forms, for other organisations, in message
    /// order (form-contract rule 13); empty when there is one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub more_forms: Vec<Report>,
}

impl Report {
    /// A report without fields: automated, not a form, or unreadable.
    pub fn without_fields(status: Status, source: &str, reason: Option<String>) -> Self {
        Report {
            status,
            source: source.to_string(),
            method: None,
            fields: BTreeMap::new(),
            organisation_id: None,
            missing: Vec::new(),
            invalid: Vec::new(),
            reason,
            ocr_confidence: BTreeMap::new(),
            more_forms: Vec::new(),
        }
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

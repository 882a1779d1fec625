//! blankett reads the county group's representative forms out of e-mail.
//!
//! Code map, in reading order:
//! - [`form`]: the record's keys and the labels people write for them (data).
//! - [`mime`]: message bytes to headers, bodies and attachments.
//! - [`classify`]: automated mail, by its headers.
//! - [`text`]: zoned lines, labels and raw values of a text.
//! - [`attach`]: attachments (HTML, Word, LibreOffice, PDF, scans) to text.
//! - [`values`] and [`dates`]: cleaning and validating values.
//! - [`organisations`]: the member organisations and name matching.
//! - [`parse`]: one message to one [`report::Report`].
//! - [`export`]: the roster as a table, CSV, JSON, an .xlsx workbook and lists.
//! - [`digest`]: the scheduled roster digest by mail, and when it is due.
//! - [`bounce`], [`upkeep`], [`blank`]: delivery reports, the rules of
//!   keeping the roster true (requests, the yearly check, `SKICKA
//!   BLANKETT`, `STÄMMER`), and the form as a .docx to send.
//! - [`decide`], [`roster`], [`compose`], [`authresults`], [`operations`]:
//!   whom to answer, what a form does to the roster, the Swedish mail, who
//!   sent it, and the rules for running unattended.
//!
//! Everything above is the pure core: no I/O, no clock, no environment.
//!
//! The edges, behind small traits: [`store`] (SQLite), [`mailbox`] (IMAP or
//! a folder), [`sender`] (SMTP or a folder), [`daemon`] (the desk that
//! sequences one message's effects, and the event loop), [`oauth2`],
//! [`secrets`], [`doctor`], [`outgoing`] (an answer's bytes), and the OCR
//! programs in [`attach`].

pub mod attach;
pub mod authresults;
pub mod blank;
pub mod bounce;
pub mod classify;
pub mod compose;
pub mod config;
pub mod daemon;
pub mod dates;
pub mod decide;
pub mod digest;
pub mod doctor;
pub mod error;
pub mod export;
pub mod form;
pub mod guard;
pub mod identity;
pub mod limits;
pub mod mailbox;
pub mod mime;
pub mod oauth2;
pub mod operations;
pub mod organisations;
pub mod outgoing;
pub mod parse;
pub mod report;
pub mod roster;
pub mod secrets;
pub mod sender;
pub mod store;
pub mod text;
pub mod upkeep;
pub mod values;

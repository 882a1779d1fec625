//! Reading a form out of plain text: zoned lines, labels, raw values.
//! Knows nothing of MIME, attachments or validation.

pub mod extract;
pub mod labels;
pub mod lines;

pub use extract::{extract, Pass, RawForm};
pub use lines::{lines, Line, Zone};

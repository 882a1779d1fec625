//! Fuzzes HTML-to-text and the text reader behind it.
#![no_main]

use blankett::limits::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    let text = blankett::attach::html::to_text(&html);
    let _ = blankett::parse::read_text(&text, false, &Limits::default());
});

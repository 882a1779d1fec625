//! Fuzzes the PDF reader (text, AcroForm fields) on arbitrary bytes, without OCR.
#![no_main]

use blankett::limits::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = blankett::attach::pdf::read(data, &Limits::default(), None);
});

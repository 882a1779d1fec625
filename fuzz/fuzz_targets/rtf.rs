//! Fuzzes the .rtf reader directly on arbitrary bytes.
#![no_main]

use blankett::limits::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = blankett::attach::rtf::read(data, &Limits::default());
});

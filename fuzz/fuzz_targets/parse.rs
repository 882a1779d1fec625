//! Fuzzes `parse` on whole messages: never a panic, always a report or a clean error.
#![no_main]

use blankett::form::default_required;
use blankett::limits::Limits;
use blankett::organisations::Organisations;
use blankett::parse::{parse, Context};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static ORGS: OnceLock<Organisations> = OnceLock::new();
    let organisations = ORGS.get_or_init(Organisations::builtin);
    let required = default_required();
    let limits = Limits::default();
    let ctx = Context {
        organisations,
        required: &required,
        limits: &limits,
        ocr: None,
    };
    let _ = parse(data, &ctx);
});

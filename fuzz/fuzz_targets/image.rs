//! Fuzzes the image judge (pixel size from the header, EXIF orientation)
//! on arbitrary bytes.
#![no_main]

use blankett::limits::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = blankett::attach::image::judge(data, false, &Limits::default());
    let _ = blankett::attach::image::exif_orientation(data);
});

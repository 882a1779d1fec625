//! What people read, in a real browser: `blankett demo --html DIR` writes
//! every answer's HTML part and the digest; headless Chromium (Debian's
//! `chromium`, installed by scripts/setup.sh) opens each at a phone's 400 px
//! and a desktop's 1000 px, and nothing may be wider than the window
//! (`document.documentElement.scrollWidth`): long addresses wrap and tables
//! fit or stack.

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Some(dir) = std::env::var_os("PATH")
            .and_then(|p| std::env::split_paths(&p).find(|d| d.join(name).is_file()))
        {
            return dir.join(name);
        }
    }
    panic!("chromium is not installed: run scripts/setup.sh (it installs Debian's chromium for this test)");
}

/// The demo's pages, written by the binary.
fn pages(dir: &Path) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_blankett"))
        .args(["demo", "--dir"])
        .arg(dir.join("demo"))
        .arg("--html")
        .arg(dir.join("html"))
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut pages: Vec<String> = std::fs::read_dir(dir.join("html"))
        .expect("the pages")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".html"))
        .collect();
    pages.sort();
    pages
}

/// Each page's scrollWidth in a frame `width` pixels wide: one browser run
/// loads them one after another into an iframe and reports.
fn widths(dir: &Path, pages: &[String], width: u32) -> Vec<(String, u64)> {
    let list = serde_json::to_string(pages).expect("json");
    let harness = format!(
        "<!DOCTYPE html><html><body style=\"margin:0\"><iframe id=\"f\" style=\"width:{width}px;height:900px;border:0\"></iframe>\
         <pre id=\"out\"></pre><script>\
         const pages={list};const res={{}};let i=0;const f=document.getElementById('f');\
         function next(){{if(i>=pages.length){{document.getElementById('out').textContent='RESULT'+JSON.stringify(res)+'END';return;}}f.src=pages[i];}}\
         f.onload=()=>{{try{{res[pages[i]]=f.contentDocument.documentElement.scrollWidth;}}catch(e){{res[pages[i]]=-1;}}i++;next();}};\
         next();</script></body></html>"
    );
    let path = dir.join("html").join(format!("_harness{width}.html"));
    std::fs::write(&path, harness).expect("harness");
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--allow-file-access-from-files",
            "--virtual-time-budget=30000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", path.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    let json = dom
        .split("RESULT{")
        .nth(1)
        .and_then(|r| r.split("}END").next())
        .map(|inner| format!("{{{inner}}}"))
        .unwrap_or_else(|| {
            panic!(
                "chromium reported nothing: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let measured: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&json).expect("measurements");
    pages
        .iter()
        .map(|p| {
            let w = measured
                .get(p)
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(-1);
            (p.clone(), u64::try_from(w).unwrap_or(u64::MAX))
        })
        .collect()
}

#[test]
fn nothing_is_wider_than_a_phone_or_a_desktop() {
    let dir = std::env::temp_dir().join(format!("blankett-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let pages = pages(&dir);
    assert!(
        pages.len() > 10 && pages.iter().any(|p| p == "digest.html"),
        "{pages:?}"
    );
    let mut too_wide = Vec::new();
    for width in [400, 1000] {
        for (page, measured) in widths(&dir, &pages, width) {
            if measured > u64::from(width) {
                too_wide.push(format!("{page} at {width} px is {measured} px wide"));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(too_wide.is_empty(), "{}", too_wide.join("\n"));
}

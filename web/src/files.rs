//! The browser's file and clipboard plumbing: download text as a file, read a chosen file,
//! copy text, the page as one file. Nothing here knows about Raft.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, FileReader, HtmlAnchorElement, HtmlInputElement, Response, Url,
};

/// The single file that `scripts/single-file.mjs` writes beside `index.html`.
pub const ONE_FILE: &str = "raftkv-playground.html";

/// Where the single file's loader (`scripts/single-file.mjs`) keeps the page's own source,
/// read before anything renders: the one copy of the page a page opened from disk can save.
const KEPT_SOURCE: &str = "__raftkvSource";

/// The id of the script a saved single file starts its run with.
const START_SCRIPT: &str = "<script id=\"raftkv-run\">";

/// Offers `text` for download as `name`.
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    Url::revoke_object_url(&url)
}

/// Reads the file chosen in `input` as text and hands it to `done` (once loaded).
pub fn read_chosen(input: &HtmlInputElement, done: impl FnOnce(Result<String, String>) + 'static) {
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return;
    };
    let Ok(reader) = FileReader::new() else {
        return done(Err("this browser cannot read files".into()));
    };
    let r = reader.clone();
    let onload = Closure::once(move || {
        let text = r.result().ok().and_then(|v| v.as_string());
        done(text.ok_or_else(|| "the file is not text".to_string()));
    });
    reader.set_onload(Some(onload.as_ref().unchecked_ref()));
    // The reader holds the closure until it fires; one per chosen file.
    onload.forget();
    if reader.read_as_text(&file).is_err() {
        web_sys::console::warn_1(&"the file could not be read".into());
    }
}

/// Puts `text` on the clipboard, where the browser allows it.
pub fn copy(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// Opens `url` in a new tab.
pub fn open(url: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.open_with_url_and_target(url, "_blank");
    }
}

/// The page's address without query or fragment, for links and embed snippets.
pub fn page_address() -> String {
    web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
        })
        .unwrap_or_default()
}

/// The playground as one self-contained HTML file (wasm, JS and CSS inlined) that opens the
/// run `link` (a permalink's `run=` value) unless its own address asks for another. Opened
/// from that file, the page has its source at hand (its loader keeps it); served, it fetches
/// the file built beside it.
pub async fn one_file(link: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let kept = js_sys::Reflect::get(&window, &KEPT_SOURCE.into()).ok().and_then(|v| v.as_string());
    let source = match kept {
        Some(source) => source,
        None => {
            let failed = |_| format!("{ONE_FILE} could not be fetched from beside this page");
            let response: Response = JsFuture::from(window.fetch_with_str(ONE_FILE))
                .await
                .map_err(failed)?
                .unchecked_into();
            if !response.ok() {
                return Err(format!(
                    "{ONE_FILE} is not beside this page (HTTP {})",
                    response.status()
                ));
            }
            let text = response.text().map_err(failed)?;
            JsFuture::from(text).await.map_err(failed)?.as_string().ok_or("the file is not text")?
        }
    };
    with_start(&source, link)
}

/// `source` with its start script (if any) replaced by one that opens `link`. A link is a
/// version, a dot and URL-safe base64, so it cannot end the script early.
fn with_start(source: &str, link: &str) -> Result<String, String> {
    if !link.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_=.".contains(&b)) {
        return Err("the run's link is not a version and URL-safe base64".into());
    }
    let mut html = source.to_string();
    if let Some(at) = html.find(START_SCRIPT) {
        let end =
            html[at..].find("</script>").ok_or("a broken start script")? + at + "</script>".len();
        html.replace_range(at..end, "");
    }
    let head = html.find("<head>").ok_or("the page has no <head>")? + "<head>".len();
    // Before the module loads: the page reads its address when it starts.
    let start = format!(
        "{START_SCRIPT}if (!location.hash) try {{ history.replaceState(null, \"\", \"#run={link}\"); }} \
         catch (e) {{ location.hash = \"run={link}\"; }}</script>"
    );
    html.insert_str(head, &start);
    Ok(html)
}

#[cfg(test)]
mod tests {
    use super::with_start;

    #[test]
    fn a_saved_file_starts_the_run_once_and_rejects_a_link_that_could_break_out() {
        let page = "<!DOCTYPE html>\n<html><head><title>t</title></head><body></body></html>";
        let once = with_start(page, "1.abc-_=").unwrap();
        assert!(once.starts_with("<!DOCTYPE html>\n<html><head><script id=\"raftkv-run\">"));
        assert!(once.contains("#run=1.abc-_="));
        // Saved again from the saved file: one start script, the new run's.
        let twice = with_start(&once, "xyz").unwrap();
        assert_eq!(twice.matches("raftkv-run").count(), 1);
        assert!(twice.contains("#run=xyz") && !twice.contains("abc"));
        assert!(with_start(page, "a\"</script>").is_err());
        assert!(with_start("<html></html>", "abc").is_err());
    }
}

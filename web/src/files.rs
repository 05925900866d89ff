//! The browser's file and clipboard plumbing: download text as a file, read a chosen file,
//! copy text. Nothing here knows about Raft.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, FileReader, HtmlAnchorElement, HtmlInputElement, Url};

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

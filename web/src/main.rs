//! The playground page's entry point: reads what the URL asks for (`?lesson=ID`, `?embed`,
//! `?describe`, `?lazy=0`, `#run=…`) and mounts [`web::App`] on `<body>`.

fn main() {
    let location = web_sys::window().map(|w| w.location());
    let part = |f: fn(&web_sys::Location) -> Result<String, wasm_bindgen::JsValue>| {
        location.as_ref().and_then(|l| f(l).ok()).unwrap_or_default()
    };
    let asked = web::start::from_url(&part(|l| l.search()), &part(|l| l.hash()));
    let web::start::Asked { start, embed, describe, lazy } = asked;
    let props = web::AppProps { autoplay: true, start, embed, describe, lazy };
    yew::Renderer::<web::App>::with_props(props).render();
}

//! The playground page's entry point: mounts [`web::App`] on `<body>`.

fn main() {
    yew::Renderer::<web::App>::new().render();
}

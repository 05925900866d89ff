//! The page's clock: a requestAnimationFrame loop that runs only while it is kept, and DOM
//! event listeners that are removed when dropped.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

type FrameClosure = Closure<dyn FnMut(f64)>;

/// An animation-frame loop: calls back with the real milliseconds since the previous frame,
/// once per frame, until dropped. Nothing runs between frames.
pub struct FrameLoop {
    state: Rc<RefCell<LoopState>>,
}

struct LoopState {
    handle: Option<i32>,
    closure: Option<FrameClosure>,
}

impl FrameLoop {
    /// Starts calling `on_frame(elapsed_ms)` every animation frame (the first call gets 0).
    pub fn start(mut on_frame: impl FnMut(f64) + 'static) -> FrameLoop {
        let state = Rc::new(RefCell::new(LoopState { handle: None, closure: None }));
        let weak = Rc::downgrade(&state);
        let mut last: Option<f64> = None;
        let closure = Closure::<dyn FnMut(f64)>::new(move |timestamp: f64| {
            let elapsed = last.map_or(0.0, |l| timestamp - l);
            last = Some(timestamp);
            on_frame(elapsed);
            // Schedule the next frame unless the loop was dropped meanwhile.
            if let Some(state) = weak.upgrade() {
                let mut s = state.borrow_mut();
                if let Some(c) = &s.closure {
                    s.handle = request_frame(c);
                }
            }
        });
        {
            let mut s = state.borrow_mut();
            s.handle = request_frame(&closure);
            s.closure = Some(closure);
        }
        FrameLoop { state }
    }
}

impl Drop for FrameLoop {
    fn drop(&mut self) {
        let mut s = self.state.borrow_mut();
        if let (Some(h), Some(w)) = (s.handle.take(), web_sys::window()) {
            let _ = w.cancel_animation_frame(h);
        }
        // This drop may come from inside the closure (a frame that pauses the page): free it
        // only after the current call has returned.
        if let Some(closure) = s.closure.take() {
            yew::platform::spawn_local(async move { drop(closure) });
        }
    }
}

fn request_frame(closure: &FrameClosure) -> Option<i32> {
    web_sys::window()?.request_animation_frame(closure.as_ref().unchecked_ref()).ok()
}

/// A DOM event listener, removed when dropped.
pub struct Listener {
    target: web_sys::EventTarget,
    event: &'static str,
    closure: Closure<dyn FnMut(web_sys::Event)>,
}

impl Listener {
    /// Listens for `event` on `target`.
    pub fn new(
        target: &web_sys::EventTarget,
        event: &'static str,
        handler: impl FnMut(web_sys::Event) + 'static,
    ) -> Listener {
        let closure = Closure::<dyn FnMut(web_sys::Event)>::new(handler);
        let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        Listener { target: target.clone(), event, closure }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.event, self.closure.as_ref().unchecked_ref());
    }
}

/// Real time in milliseconds: the frame budget's clock.
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Whether the page is hidden (another tab, minimised).
pub fn page_hidden() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}

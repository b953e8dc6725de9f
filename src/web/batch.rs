//! What the workers say, dispatched in batches: the frequent updates
//! (progress, each layer or member read, problems) are held and dispatched
//! together at most once every [`FRAME_MS`], so that an archive of tens of
//! thousands of members renders once a frame, not once a member; and when
//! a dispatch (its reduce and render) takes longer, [`BUSY_SHARE`] times
//! as long, so that rendering a large image as its layers are read never
//! takes the main thread, or a core the workers need, whole. Any other
//! action goes at once, with whatever is held before it, in the order the
//! workers said them.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::Callback;

use crate::page::Action;
use crate::web::profile::now;

/// The shortest time between two dispatches of held updates (ms): a frame.
pub const FRAME_MS: f64 = 16.0;

/// Held updates wait this many times as long as their last dispatch took:
/// dispatching them keeps the main thread busy a fifth of the time at most.
pub const BUSY_SHARE: f64 = 4.0;

#[derive(Default)]
struct Held {
    actions: Vec<Action>,
    /// When held actions were last dispatched (ms).
    last: f64,
    /// How long that dispatch took (ms).
    took: f64,
    /// A timer will dispatch what is held.
    due: bool,
}

/// Dispatches the workers' actions, holding the frequent ones. Cheap to
/// clone (a handle).
#[derive(Clone)]
pub struct Batch {
    dispatch: Callback<Action>,
    held: Rc<RefCell<Held>>,
}

impl Batch {
    pub fn new(dispatch: Callback<Action>) -> Batch {
        Batch {
            dispatch,
            held: Rc::default(),
        }
    }

    /// Dispatches `action`, now or within [`FRAME_MS`] when it is frequent.
    pub fn emit(&self, action: Action) {
        if !action.is_frequent() {
            self.held.borrow_mut().actions.push(action);
            return self.flush();
        }
        let wait = {
            let mut h = self.held.borrow_mut();
            h.actions.push(action);
            if h.due {
                return;
            }
            FRAME_MS.max(BUSY_SHARE * h.took) - (now() - h.last)
        };
        if wait <= 0.0 {
            return self.flush();
        }
        self.held.borrow_mut().due = true;
        let this = self.clone();
        let fire = Closure::once_into_js(move || {
            this.held.borrow_mut().due = false;
            this.flush();
        });
        let set = web_sys::window().map(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(
                fire.unchecked_ref(),
                wait.ceil() as i32,
            )
        });
        if !matches!(set, Some(Ok(_))) {
            self.held.borrow_mut().due = false;
            self.flush();
        }
    }

    /// Forgets what is held (the workers that said it are ended).
    pub fn clear(&self) {
        self.held.borrow_mut().actions.clear();
    }

    /// The dispatch itself, for actions that are never held.
    pub fn direct(&self) -> &Callback<Action> {
        &self.dispatch
    }

    /// Dispatches what is held, now.
    pub fn flush(&self) {
        let mut actions = std::mem::take(&mut self.held.borrow_mut().actions);
        let start = now();
        match actions.len() {
            0 => return,
            1 => self.dispatch.emit(actions.remove(0)),
            _ => self.dispatch.emit(Action::Batch(actions)),
        }
        // Yew renders in a task queued by the dispatch; this one, queued
        // after it, sees the render done
        let held = self.held.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let end = now();
            let mut h = held.borrow_mut();
            h.last = end;
            h.took = end - start;
        });
    }
}

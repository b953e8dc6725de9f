//! wasm-bindgen tests in a browser page: components render a plain model.
//! Run with `cargo test --target wasm32-unknown-unknown --test wasm_dom`.

#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use layercake::message::Update;
use layercake::web::components::{
    cake::Cake, config::ConfigView, header::Header, history::History, verify::Verify,
};
use layercake::web::state::{Action, State};
use layercake::{dissect, Event, Options};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The state after the worker's replies for the sample image.
fn sample_state() -> State {
    let mut replies = Vec::new();
    let bytes = layercake::sample::build();
    dissect(
        std::io::Cursor::new(bytes),
        &Options::default(),
        &mut |e: Event<'_>| {
            replies.push(Update::from_event(&e));
        },
    )
    .unwrap();
    let mut s = Rc::new(State::default());
    s = yew::Reducible::reduce(
        s,
        Action::Open {
            name: "sample.tar".into(),
            size: None,
            src: None,
            now: 0.0,
        },
    );
    for r in replies {
        s = yew::Reducible::reduce(s, Action::Update(r, 0.0));
    }
    (*s).clone()
}

#[derive(Properties, PartialEq)]
struct HostProps {
    state: State,
}

/// The views of one image, given their props from a reducer, as the root
/// gives them.
#[function_component(Host)]
fn host(p: &HostProps) -> Html {
    let initial = p.state.clone();
    let state = use_reducer(move || initial);
    let act = {
        let d = state.dispatcher();
        Callback::from(move |a| d.dispatch(a))
    };
    let image = state.current().cloned().expect("an image");
    html! {
        <>
            <Header images={state.images.clone()} current={state.image}
                file_name={state.file_name.clone().unwrap_or_default()} src={state.src.clone()}
                loading={false} report={state.report.clone()}
                on_image={act.reform(Action::SelectImage)} on_open={Callback::noop()} />
            <Cake image={image.clone()} blobs={state.blobs.clone()} selected={state.layer}
                on_layer={act.reform(Action::BrowseLayer)} />
            <History image={image.clone()} on_layer={act.reform(Action::BrowseLayer)} />
            <ConfigView image={image.clone()} />
            <Verify image={image} recorded={state.report.as_ref().and_then(|r| r.recorded.clone())} />
        </>
    }
}

async fn tick() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20);
    });
    let _ = JsFuture::from(p).await;
}

fn text(root: &web_sys::Element, sel: &str) -> Vec<String> {
    let list = root.query_selector_all(sel).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.text_content().unwrap_or_default())
        .collect()
}

#[wasm_bindgen_test]
async fn components_render_the_sample_model() {
    let state = sample_state();
    let report = state.report.clone().expect("finished");
    let img = &report.images[0];
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<Host>::with_root_and_props(root.clone(), HostProps { state }).render();
    tick().await;

    assert_eq!(text(&root, "#image-tags"), vec!["layercake/sample:latest"]);
    assert_eq!(
        text(&root, "#config-digest"),
        vec![img.config_digest.as_ref().unwrap().to_string()]
    );
    assert_eq!(text(&root, "#layer-count"), vec!["4"]);
    // one band per layer, base at the bottom (last drawn), labelled with its command
    let bands = root.query_selector_all("g.band").unwrap();
    assert_eq!(bands.length(), 4);
    let first = bands
        .item(0)
        .unwrap()
        .dyn_into::<web_sys::Element>()
        .unwrap();
    let last = bands
        .item(3)
        .unwrap()
        .dyn_into::<web_sys::Element>()
        .unwrap();
    assert_eq!(first.get_attribute("data-layer").as_deref(), Some("3"));
    assert_eq!(last.get_attribute("data-layer").as_deref(), Some("0"));
    assert!(text(&root, "g.band text.cmd").contains(&"ADD file:base.tar in /".to_string()));
    // empty history steps become markers
    assert!(root.query_selector_all("g.marker").unwrap().length() >= 2);
    // the history table: every step, in order, with its full command
    let commands = text(&root, "table.history td.command code");
    let want: Vec<String> = img
        .history
        .iter()
        .map(|h| h.created_by.clone().unwrap_or_default())
        .collect();
    assert_eq!(commands, want);
    // config: entrypoint and cmd as one shell line, env as a table
    assert_eq!(
        text(&root, "#run-line"),
        vec!["/bin/sh -c 'python3 /app/server.py'"]
    );
    assert_eq!(
        root.query_selector_all("table.env tbody tr")
            .unwrap()
            .length(),
        3
    );
    // verification: a docker-archive names no blob digests, so each
    // layer's diff_id is what is verified
    let checks = text(&root, "table.checks tbody tr");
    assert_eq!(checks.len(), 2 + 2 * 4);
    let diff_ids: Vec<&String> = checks.iter().filter(|c| c.contains("diff_id")).collect();
    assert_eq!(diff_ids.len(), 4);
    assert!(
        diff_ids.iter().all(|c| c.contains("✓ verified")),
        "{checks:?}"
    );
}

#[wasm_bindgen_test]
async fn clicking_a_band_selects_its_layer() {
    let state = sample_state();
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<Host>::with_root_and_props(root.clone(), HostProps { state }).render();
    tick().await;
    let band = root
        .query_selector("g.band[data-layer='2']")
        .unwrap()
        .unwrap();
    let ev = web_sys::MouseEvent::new("click").unwrap();
    band.dispatch_event(&ev).unwrap();
    tick().await;
    let selected = root.query_selector("g.band.selected").unwrap().unwrap();
    assert_eq!(selected.get_attribute("data-layer").as_deref(), Some("2"));
}

#[wasm_bindgen_test]
async fn history_turns_into_a_dockerfile_and_back() {
    let state = sample_state();
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<Host>::with_root_and_props(root.clone(), HostProps { state }).render();
    tick().await;
    let toggle = root.query_selector("#dockerfile-toggle").unwrap().unwrap();
    toggle
        .dispatch_event(&web_sys::MouseEvent::new("click").unwrap())
        .unwrap();
    tick().await;
    let text = text(&root, "#dockerfile").concat();
    assert!(
        text.contains("\nFROM scratch\n# layer 0 (sha256:"),
        "{text}"
    );
    assert!(text.contains(": ADD file:base.tar in /\nENV GREETING=hello, layer cake PORT=8080\nRUN cp build-cache.tar /tmp/"), "{text}");
    assert!(root.query_selector("table.history").unwrap().is_none());
    let toggle = root.query_selector("#dockerfile-toggle").unwrap().unwrap();
    toggle
        .dispatch_event(&web_sys::MouseEvent::new("click").unwrap())
        .unwrap();
    tick().await;
    assert!(root.query_selector("table.history").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn a_report_is_marked_as_recorded() {
    let mut state = sample_state();
    let mut report = (*state.report.clone().unwrap()).clone();
    report.recorded = Some(layercake::Recorded {
        by: "layercake 0.1.0".into(),
        at: "2026-12-03T14:00:00Z".into(),
        files: 2,
    });
    state.report = Some(std::rc::Rc::new(report));
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<Host>::with_root_and_props(root.clone(), HostProps { state }).render();
    tick().await;
    assert_eq!(
        text(&root, "#recorded-by"),
        vec!["as recorded on 2026-12-03T14:00:00Z by layercake 0.1.0 (2 files' contents held)"]
    );
    let recorded = text(&root, "#recorded").concat();
    assert!(recorded.starts_with("As recorded on 2026-12-03T14:00:00Z by layercake 0.1.0: these checks were made when the report was written, not now."), "{recorded}");
    assert!(root.query_selector("#save-report").unwrap().is_some());
}

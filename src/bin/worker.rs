//! The dissecting Web Worker (built by Trunk as `data-type="worker"`).

fn main() {
    #[cfg(target_arch = "wasm32")]
    layercake::web::worker::start();
}

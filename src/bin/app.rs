//! The Layer Cake page (built by Trunk).

fn main() {
    #[cfg(target_arch = "wasm32")]
    layercake::web::app::start();
}

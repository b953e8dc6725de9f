// Starts a reading worker. The page compiles worker_bg.wasm once and sends
// each worker the compiled WebAssembly.Module as its first message
// ({layercakeModule}), so no worker fetches or compiles the wasm again; a
// worker sent none (the page could not compile it) fetches it itself. The
// wasm starts loading at once, on the promise of the module.
importScripts('./worker.js');
const handed = new Promise((resolve) => {
  self.onmessage = (e) => {
    self.onmessage = null;
    const m = e.data && e.data.layercakeModule;
    resolve(m instanceof WebAssembly.Module ? m : fetch('./worker_bg.wasm'));
  };
});
wasm_bindgen({ module_or_path: handed });

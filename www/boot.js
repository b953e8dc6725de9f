// Starts the page's WebAssembly. Trunk would inject this as an inline
// script; as a file (see pattern_script in Trunk.toml) the page's
// Content-Security-Policy needs no 'unsafe-inline' and no hash. The glue
// and wasm file names come in this script's own query string.
const here = new URL(import.meta.url);
const file = (key) => {
  const name = here.searchParams.get(key) || '';
  if (!/^[\w.-]+$/.test(name)) throw new Error(`boot.js: bad ${key} file name`);
  return new URL(name, here).href;
};
const { default: init } = await import(file('js'));
const wasm = await init({ module_or_path: file('wasm') });
dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));

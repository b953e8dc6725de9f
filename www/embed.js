/*
 * Layer Cake embed: turns every
 *   <div class="layercake" data-src="images/lab-guide.tar" data-view="cake"></div>
 * into an iframe of the Layer Cake page showing that image, sized to its
 * content. Optional attributes: data-view (cake|history|config|manifest|
 * files|verify), data-layer, data-path, data-image, data-tag, data-platform,
 * data-theme (light|dark), data-height (initial height in px).
 * Include it with <script src="embed.js"></script> from the directory the
 * Layer Cake page is served from. No other dependency.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  var base = new URL('.', script ? script.src : document.baseURI);

  function embed(div) {
    if (div.getAttribute('data-layercake-embedded')) return;
    div.setAttribute('data-layercake-embedded', '1');
    var params = new URLSearchParams();
    params.set('embed', '1');
    var src = div.getAttribute('data-src');
    if (src) params.set('src', new URL(src, document.baseURI).href);
    ['view', 'layer', 'path', 'image', 'tag', 'platform', 'theme'].forEach(function (k) {
      var v = div.getAttribute('data-' + k);
      if (v) params.set(k, v);
    });
    var iframe = document.createElement('iframe');
    iframe.src = new URL('index.html?' + params.toString(), base).href;
    iframe.title = div.getAttribute('title') || ('Layer Cake: ' + (src || 'image'));
    iframe.loading = 'lazy';
    iframe.style.width = '100%';
    iframe.style.border = '0';
    iframe.style.display = 'block';
    iframe.style.height = (parseInt(div.getAttribute('data-height'), 10) || 360) + 'px';
    iframe.className = 'layercake-frame';
    div.appendChild(iframe);
  }

  // Size every Layer Cake iframe on the page from its reports, the ones
  // made here and plain <iframe>s written by hand alike.
  window.addEventListener('message', function (e) {
    var d = e.data;
    if (!d || d.type !== 'layercake:resize' || typeof d.height !== 'number') return;
    var all = document.getElementsByTagName('iframe');
    for (var i = 0; i < all.length; i++) {
      if (all[i].contentWindow === e.source) all[i].style.height = Math.ceil(d.height) + 'px';
    }
  });

  function run() {
    var divs = document.querySelectorAll('div.layercake');
    for (var i = 0; i < divs.length; i++) embed(divs[i]);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run);
  else run();
})();

/*
 * Layer Cake embed: turns every
 *   <div class="layercake" data-src="images/lab-guide.tar" data-view="cake"></div>
 * into an iframe of the Layer Cake page showing that image, sized to its
 * content. Optional attributes: data-view (cake|history|config|manifest|
 * files|verify|packages), data-layer, data-path, data-image, data-tag,
 * data-platform, data-theme (light|dark), data-height (initial height in
 * px), and data-against: a second archive to compare data-src with (then
 * data-view is one of the comparison's views: cake|changes|config|history|
 * packages).
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
    // the page then posts its messages to this origin only
    params.set('parent', window.location.origin);
    var src = div.getAttribute('data-src');
    if (src) params.set('src', new URL(src, document.baseURI).href);
    var against = div.getAttribute('data-against');
    if (src && against) params.set('against', new URL(against, document.baseURI).href);
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

  // Size the Layer Cake iframes on the page from their reports: those made
  // here and plain <iframe>s written by hand alike, as long as they show
  // the page next to this script (its index.html). A message counts only
  // when it comes from that page's origin and from one of those frames.
  function ours(frame) {
    var src = frame.getAttribute('src');
    if (!src) return false;
    var u;
    try {
      u = new URL(src, document.baseURI);
    } catch (err) {
      return false;
    }
    var page = u.origin + u.pathname;
    return page === base.href || page === base.href + 'index.html';
  }
  window.addEventListener('message', function (e) {
    if (e.origin !== base.origin) return;
    var d = e.data;
    if (!d || d.type !== 'layercake:resize' || typeof d.height !== 'number' || !isFinite(d.height)) return;
    var all = document.getElementsByTagName('iframe');
    for (var i = 0; i < all.length; i++) {
      if (all[i].contentWindow === e.source && ours(all[i])) {
        all[i].style.height = Math.max(0, Math.ceil(d.height)) + 'px';
      }
    }
  });

  function run() {
    var divs = document.querySelectorAll('div.layercake');
    for (var i = 0; i < divs.length; i++) embed(divs[i]);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run);
  else run();
})();

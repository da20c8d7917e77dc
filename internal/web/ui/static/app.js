// cityline UI behaviour that the server cannot express in HTML. The page's Content-Security-Policy
// forbids inline scripts and handlers, so everything lives here.
(function () {
  'use strict';

  // Forms with data-confirm ask before they are sent (resetting a password cannot be undone).
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      e.preventDefault();
    }
  });

  // Tree nodes: the first click loads the children with htmx; later clicks fold and unfold them.
  document.addEventListener('click', function (e) {
    var btn = e.target.closest && e.target.closest('.tree-toggle[data-loaded]');
    if (!btn) return;
    var kids = document.getElementById(btn.getAttribute('aria-controls'));
    if (!kids) return;
    var open = btn.getAttribute('aria-expanded') === 'true';
    btn.setAttribute('aria-expanded', open ? 'false' : 'true');
    kids.hidden = open;
  });

  document.addEventListener('htmx:afterSwap', function (e) {
    var kids = e.detail.target;
    if (!kids.classList.contains('tree-kids')) return;
    kids.hidden = false;
    var btn = document.querySelector('.tree-toggle[aria-controls="' + kids.id + '"]');
    if (btn) {
      btn.setAttribute('aria-expanded', 'true');
      btn.dataset.loaded = 'true';
    }
  });
})();

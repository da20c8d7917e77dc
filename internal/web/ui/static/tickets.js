// The work-order screens' behaviour in the browser: the keyboard of the call desk (Ctrl+Enter sends,
// a stray Enter does not), the category picker's keys, files uploaded while the reply is typed, and
// the queue row that belongs to the panel beside it. The page's Content-Security-Policy forbids inline
// scripts, so all of it lives here; the server checks everything again.
(function () {
  'use strict';

  // Forms marked data-submit-keys, and the forms of an order's panel, are sent with Ctrl+Enter (⌘+Enter
  // on a Mac). On the call desk a plain Enter in a one-line field does not send the form: the agent is
  // typing while talking, and half an order must not go out by accident.
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Enter' || !e.target.closest) return;
    var form = e.target.closest('form');
    if (!form) return;
    var keyed = form.hasAttribute('data-submit-keys') || form.closest('.tk-panel');
    if (!keyed) return;
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      form.requestSubmit();
      return;
    }
    if (form.hasAttribute('data-submit-keys') && e.target.tagName === 'INPUT' && e.target.type !== 'submit') {
      e.preventDefault();
      if (e.target.id === 'f-category_q') pickFirstCategory();
    }
  });

  // Browsers send a form when Enter is pressed (keypress) in a one-line field: not on the call desk.
  document.addEventListener('keypress', function (e) {
    if (e.key !== 'Enter' || e.ctrlKey || e.metaKey || !e.target.closest) return;
    var form = e.target.closest('form[data-submit-keys]');
    if (form && e.target.tagName === 'INPUT' && e.target.type !== 'submit') e.preventDefault();
  });

  // The category search: Enter takes the first match and goes on to the title; the down arrow walks
  // into the list, where the arrow keys move between the matches as radio buttons do.
  function pickFirstCategory() {
    var first = document.querySelector('#tk-cat-results input[name="category"]');
    if (!first) return;
    first.checked = true;
    markChosen();
    var title = document.getElementById('f-title');
    if (title) title.focus();
  }

  document.addEventListener('keydown', function (e) {
    if (e.target.id !== 'f-category_q' || e.key !== 'ArrowDown') return;
    var pick = document.querySelector('#tk-cat-results input:checked') ||
      document.querySelector('#tk-cat-results input[name="category"]');
    if (pick) {
      e.preventDefault();
      pick.focus();
    }
  });

  function markChosen() {
    document.querySelectorAll('#tk-cat-results .tk-cat').forEach(function (label) {
      label.classList.toggle('chosen', label.querySelector('input').checked);
    });
  }

  document.addEventListener('change', function (e) {
    if (e.target.name === 'category') markChosen();
    if (e.target.id === 'f-anonymous') anonymous(e.target.checked);
    if (e.target.matches && e.target.matches('input[type="file"][data-upload]')) upload(e.target);
  });

  // An anonymous caller leaves no name or ID number: the fields are switched off (the server drops
  // them anyway). The number stays, for the caller's history.
  function anonymous(on) {
    ['f-caller_name', 'f-caller_id_number'].forEach(function (id) {
      var input = document.getElementById(id);
      if (input) input.disabled = on;
    });
  }
  var anon = document.getElementById('f-anonymous');
  if (anon) anonymous(anon.checked);

  // Files chosen for a reply are uploaded at once through the attachments API, with the session's
  // CSRF header; the form then carries only their ids.
  function csrfHeaders() {
    try {
      return JSON.parse(document.body.getAttribute('hx-headers') || '{}');
    } catch (err) {
      return {};
    }
  }

  function upload(input) {
    var field = input.closest('.field');
    var list = field.querySelector('[data-uploads]');
    var problem = field.querySelector('[data-upload-error]');
    problem.hidden = true;
    Array.prototype.forEach.call(input.files, function (file) {
      var item = document.createElement('li');
      item.className = 'tk-uploading';
      item.textContent = file.name;
      list.appendChild(item);
      var body = new FormData();
      body.append('file', file);
      fetch(input.dataset.upload, { method: 'POST', body: body, headers: csrfHeaders(), credentials: 'same-origin' })
        .then(function (res) {
          return res.json().then(function (json) { return { ok: res.ok, json: json }; });
        })
        .then(function (r) {
          if (!r.ok) throw new Error(r.json.error || 'upload failed');
          var id = document.createElement('input');
          id.type = 'hidden';
          id.name = 'attachments';
          id.value = r.json.id;
          item.className = '';
          item.dataset.id = r.json.id;
          item.appendChild(id);
          var remove = document.createElement('button');
          remove.type = 'button';
          remove.className = 'btn-quiet';
          remove.textContent = input.dataset.remove;
          remove.addEventListener('click', function () { item.remove(); });
          item.appendChild(remove);
        })
        .catch(function () {
          item.remove();
          problem.textContent = input.dataset.failed.replace('%s', file.name);
          problem.hidden = false;
        });
    });
    input.value = '';
  }

  // A queue marks the row whose order the panel shows, and the panel puts the cursor where the work
  // is: on the first field with an error, or on the notice of what was done.
  function markRow() {
    var panel = document.querySelector('#tk-panel .tk-panel');
    var number = panel ? panel.dataset.number : '';
    document.querySelectorAll('#tk-rows tr[data-number]').forEach(function (row) {
      row.classList.toggle('tk-selected', row.dataset.number === number);
    });
  }

  document.addEventListener('htmx:afterSettle', function (e) {
    markRow();
    var target = e.detail.target;
    if (target && target.id === 'tk-panel') {
      var bad = target.querySelector('.has-error input, .has-error textarea, .has-error select');
      if (bad) bad.focus();
    }
  });
})();

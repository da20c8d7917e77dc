// The citizen portal's behaviour on the phone: the location from GPS, a preview and a size check of
// the photo, the contact fields switched off for anonymous reports, and one submission per tap.
// Everything works without it too; the server checks everything again.
(function () {
  'use strict';

  // The shared top bar's brand leads staff to their desk; on the portal it leads back to the portal.
  var brand = document.querySelector('.topbar .brand');
  if (brand && document.querySelector('.portal')) brand.setAttribute('href', '/portal');

  var loc = document.getElementById('pt-location');
  if (loc) {
    var lat = document.getElementById('f-lat');
    var lng = document.getElementById('f-lng');
    var status = document.getElementById('pt-gps-status');
    var gps = document.getElementById('pt-gps');
    var clear = document.getElementById('pt-gps-clear');
    var say = function (text, ok) {
      status.textContent = text;
      status.classList.toggle('pt-ok', !!ok);
    };
    gps.addEventListener('click', function () {
      if (!navigator.geolocation) {
        say(loc.dataset.unsupported);
        return;
      }
      gps.setAttribute('aria-busy', 'true');
      say(loc.dataset.locating);
      navigator.geolocation.getCurrentPosition(function (pos) {
        gps.removeAttribute('aria-busy');
        lat.value = pos.coords.latitude.toFixed(6);
        lng.value = pos.coords.longitude.toFixed(6);
        clear.hidden = false;
        say(loc.dataset.done.replace('%s', String(Math.round(pos.coords.accuracy || 0))), true);
      }, function () {
        gps.removeAttribute('aria-busy');
        say(loc.dataset.failed);
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
    clear.addEventListener('click', function () {
      lat.value = '';
      lng.value = '';
      clear.hidden = true;
      say(loc.dataset.hint);
    });
  }

  var anonymous = document.getElementById('f-anonymous');
  var contact = document.getElementById('pt-contact');
  if (anonymous && contact) {
    var sync = function () {
      contact.querySelectorAll('input').forEach(function (input) { input.disabled = anonymous.checked; });
      if (anonymous.checked) contact.dataset.off = ''; else delete contact.dataset.off;
    };
    anonymous.addEventListener('change', sync);
    sync();
  }

  var photo = document.getElementById('f-photo');
  if (photo) {
    var preview = document.getElementById('pt-photo-preview');
    var error = document.getElementById('pt-photo-error');
    photo.addEventListener('change', function () {
      var file = photo.files && photo.files[0];
      error.hidden = true;
      preview.hidden = true;
      if (!file) return;
      if (file.size > Number(photo.dataset.max) * 1024 * 1024) {
        photo.value = '';
        error.textContent = photo.dataset.tooLarge;
        error.hidden = false;
        return;
      }
      if (file.type.indexOf('image/') === 0) {
        if (preview.src) URL.revokeObjectURL(preview.src);
        preview.src = URL.createObjectURL(file);
        preview.hidden = false;
      }
    });
  }

  var form = document.getElementById('pt-submit-form');
  if (form) {
    form.addEventListener('submit', function (e) {
      var button = document.getElementById('pt-submit');
      if (button.disabled) {
        e.preventDefault();
        return;
      }
      button.dataset.label = button.textContent;
      button.disabled = true;
      button.textContent = form.dataset.sending;
    });
    // Coming back to the page from the browser's history must not leave the button dead.
    window.addEventListener('pageshow', function () {
      var button = document.getElementById('pt-submit');
      if (button.disabled && button.dataset.label) {
        button.disabled = false;
        button.textContent = button.dataset.label;
      }
    });
  }
})();

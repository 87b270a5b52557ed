// Search for an abusedefs site: filters the prebuilt index (search-index.js, loaded as a
// script so that it also works when pages are opened from disk) as the reader types.
// Results are links to the current entry pages. Without JavaScript the box stays hidden
// and every page is still reachable from the navigation.
(function () {
  'use strict';
  var box = document.getElementById('search');
  var index = window.ABUSEDEFS_SEARCH;
  if (!box || !index) return;
  var root = box.getAttribute('data-root') || '';
  var input = document.getElementById('search-input');
  var list = document.getElementById('search-results');
  var status = document.getElementById('search-status');
  box.hidden = false;
  box.querySelector('form').addEventListener('submit', function (e) {
    e.preventDefault();
    var first = list.querySelector('a');
    if (first) window.location.href = first.href;
  });

  function fold(s) {
    return (s || '').toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[-\u2010-\u2015]/g, ' ');
  }
  var prepared = index.map(function (e) {
    return { e: e, title: fold(e.t), names: fold((e.a || []).join(' | ')), text: fold(e.s) };
  });

  function score(p, words) {
    var total = 0;
    for (var i = 0; i < words.length; i++) {
      var w = words[i];
      if (p.title.indexOf(w) === 0) total += 10;
      else if (p.title.indexOf(w) >= 0) total += 6;
      else if (p.names.indexOf(w) >= 0) total += 4;
      else if (p.text.indexOf(w) >= 0) total += 1;
      else return 0;
    }
    return total;
  }

  function render() {
    var words = fold(input.value).split(/\s+/).filter(Boolean);
    list.textContent = '';
    if (!words.length) { status.textContent = ''; return; }
    var hits = prepared
      .map(function (p) { return { p: p, s: score(p, words) }; })
      .filter(function (h) { return h.s > 0; })
      .sort(function (a, b) { return b.s - a.s || a.p.title.localeCompare(b.p.title); })
      .slice(0, 10);
    hits.forEach(function (h) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = root + h.p.e.u;
      a.textContent = h.p.e.t;
      var kind = document.createElement('span');
      kind.className = 'search-kind';
      kind.textContent = ' (' + h.p.e.k + ')';
      li.appendChild(a);
      li.appendChild(kind);
      list.appendChild(li);
    });
    status.textContent = hits.length ? hits.length + (hits.length === 1 ? ' result' : ' results') : 'No results';
  }

  input.addEventListener('input', render);
  input.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowDown') {
      var first = list.querySelector('a');
      if (first) { e.preventDefault(); first.focus(); }
    } else if (e.key === 'Escape') {
      input.value = '';
      render();
    }
  });
  list.addEventListener('keydown', function (e) {
    var links = Array.prototype.slice.call(list.querySelectorAll('a'));
    var i = links.indexOf(document.activeElement);
    if (e.key === 'ArrowDown' && i < links.length - 1) { e.preventDefault(); links[i + 1].focus(); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); (i > 0 ? links[i - 1] : input).focus(); }
    else if (e.key === 'Escape') { input.focus(); }
  });
})();

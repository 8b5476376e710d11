/*
 * 朗读 — read aloud, elder mode only (the server links this file only then).
 *
 * Reads the page's main text (<main id="main">; only its [data-speak] parts where a page marks
 * some, e.g. the menu) through the browser's speech synthesis, in the page's language
 * (<html lang>). The control is made here, in the header, and only where the browser can
 * speak: without JavaScript or without speechSynthesis there is nothing to tap in vain.
 * Plain script, no WASM: the main module has no room for it. Its words come from the server,
 * as data attributes of its own <script> tag, in the page's language.
 *
 * The control sits at the end of the header's switches, after the nodes the app hydrates, so
 * hydration never meets it. Client-side navigation replaces <main>: reading stops there.
 */
(function () {
  'use strict';
  var me = document.currentScript;
  var synth = window.speechSynthesis;
  if (!me || !synth || typeof window.SpeechSynthesisUtterance !== 'function') return;
  var words = me.dataset;

  /** The page's language as a voice language, and its sentence ends. */
  var zh = (document.documentElement.lang || 'zh-CN').toLowerCase().indexOf('zh') === 0;
  var lang = zh ? 'zh-CN' : 'en-US';

  /** Short pieces: some engines stop a long utterance part-way, and pausing between lines reads better. */
  function pieces(text) {
    var out = [];
    text.split(/\n+/).forEach(function (line) {
      line = line.replace(/\s+/g, ' ').trim();
      while (line.length > 160) {
        var cut = -1;
        var re = /[。！？；.!?;]/g;
        var m;
        while ((m = re.exec(line)) && m.index < 160) cut = m.index + 1;
        if (cut <= 0) cut = 160;
        out.push(line.slice(0, cut));
        line = line.slice(cut).trim();
      }
      if (line) out.push(line);
    });
    return out;
  }

  function mainText(main) {
    var marked = main.querySelectorAll('[data-speak]');
    if (marked.length === 0) return main.innerText;
    return Array.prototype.map.call(marked, function (n) { return n.innerText; }).join('\n');
  }

  function voice() {
    var prefix = zh ? 'zh' : 'en';
    var all = synth.getVoices() || [];
    for (var i = 0; i < all.length; i++) {
      if ((all[i].lang || '').toLowerCase().replace('_', '-') === lang.toLowerCase()) return all[i];
    }
    for (var j = 0; j < all.length; j++) {
      if ((all[j].lang || '').toLowerCase().indexOf(prefix) === 0) return all[j];
    }
    return null;
  }

  function button(label) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'mz-switch';
    b.textContent = label;
    return b;
  }

  var group = document.createElement('div');
  group.className = 'mz-read';
  group.setAttribute('role', 'group');
  group.setAttribute('aria-label', words.group || '');
  var read = button(words.read);
  var pause = button(words.pause);
  var stop = button(words.stop);
  group.appendChild(read);
  group.appendChild(pause);
  group.appendChild(stop);

  /** 'idle', 'speaking' or 'paused'; `reading` is the <main> being read. */
  var state = 'idle';
  var reading = null;

  function show(next) {
    var hadFocus = group.contains(document.activeElement);
    state = next;
    // Pause and stop get a row of their own: four buttons of elder size do not fit one.
    if (group.parentNode) group.parentNode.classList.toggle('mz-header__switches--reading', next !== 'idle');
    read.hidden = next !== 'idle';
    pause.hidden = next === 'idle';
    stop.hidden = next === 'idle';
    pause.textContent = next === 'paused' ? words.resume : words.pause;
    if (hadFocus) (next === 'idle' ? read : pause).focus();
  }

  function finish() {
    reading = null;
    synth.cancel();
    show('idle');
  }

  read.addEventListener('click', function () {
    var main = document.getElementById('main');
    if (!main) return;
    var list = pieces(mainText(main));
    if (list.length === 0) return;
    synth.cancel();
    reading = main;
    var v = voice();
    list.forEach(function (text, i) {
      var u = new SpeechSynthesisUtterance(text);
      u.lang = lang;
      if (v) u.voice = v;
      u.onstart = function () {
        // The page changed under us (client-side navigation): stop reading the old one.
        if (reading !== main || document.getElementById('main') !== main) finish();
      };
      if (i === list.length - 1) {
        u.onend = function () { if (reading === main) finish(); };
      }
      u.onerror = function () { if (reading === main) finish(); };
      synth.speak(u);
    });
    show('speaking');
  });

  pause.addEventListener('click', function () {
    if (state === 'speaking') {
      synth.pause();
      show('paused');
    } else if (state === 'paused') {
      synth.resume();
      show('speaking');
    }
  });

  stop.addEventListener('click', finish);
  window.addEventListener('pagehide', function () { synth.cancel(); });

  function mount() {
    var place = document.querySelector('.mz-header__switches');
    if (!place) return;
    show('idle');
    place.appendChild(group);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', mount);
  } else {
    mount();
  }
})();

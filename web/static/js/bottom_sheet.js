// bottom_sheet.js: on a phone (at most 700 px wide) the map page's side panel is a bottom sheet over the map, in
// one of three states kept in its data-sheet attribute: "folded" (the handle and the title), "half" (half the
// screen) and "full" (the whole map area). Its handle is a button: a tap, a click, Enter or Space steps through
// the states, the arrow keys move one state up or down, and a drag (finger, pen or mouse: pointer events) moves
// the sheet, which then settles on the nearest state. window.fbSheet lets the map open the sheet and know its
// height; wider screens keep the panel beside the map and ignore all of this.
(function () {
  "use strict";
  var panel = document.querySelector(".side-panel[data-sheet]");
  if (!panel) { return; }
  var STATES = ["folded", "half", "full"];
  var phone = window.matchMedia("(max-width: 700px)");
  var handle = panel.querySelector(".side-panel-handle");
  var label = handle.querySelector(".sheet-state");
  var layout = panel.parentElement;
  var drag = null;
  var draggedAt = -1;

  function rem() { return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16; }

  // heightOf is the sheet's height in a state, in CSS pixels.
  function heightOf(state) {
    var room = layout.clientHeight;
    if (state === "full") { return room; }
    if (state === "half") { return Math.min(Math.round(window.innerHeight / 2), room); }
    return Math.min(Math.round(5 * rem()), room); // the handle and one line of title, as in app.css
  }

  // set puts the sheet in a state and returns its height (0 when the screen is wide and there is no sheet).
  function set(state) {
    panel.dataset.sheet = state;
    handle.setAttribute("aria-expanded", String(state !== "folded"));
    if (label) { label.textContent = { folded: fbT("js.sheet_folded"), half: fbT("js.sheet_half"), full: fbT("js.sheet_full") }[state] || state; }
    if (!phone.matches) {
      panel.style.height = "";
      return 0;
    }
    var h = heightOf(state);
    panel.style.height = h + "px";
    if (state === "folded") { panel.scrollTop = 0; }
    return h;
  }

  function step(by) {
    var i = STATES.indexOf(panel.dataset.sheet);
    set(STATES[Math.max(0, Math.min(STATES.length - 1, i + by))]);
  }

  // reveal scrolls the sheet so that el starts just under the handle (the handle stays at the top).
  function reveal(el) {
    if (!phone.matches || !el || panel.dataset.sheet === "folded") { return; }
    var top = el.getBoundingClientRect().top - panel.getBoundingClientRect().top;
    panel.scrollTop += top - handle.offsetHeight - 4;
  }

  handle.addEventListener("click", function () {
    if (performance.now() - draggedAt < 400) { return; } // the click that ends a mouse drag
    var i = STATES.indexOf(panel.dataset.sheet);
    set(STATES[(i + 1) % STATES.length]);
  });

  handle.addEventListener("keydown", function (e) {
    if (e.key === "ArrowUp") { step(1); e.preventDefault(); }
    if (e.key === "ArrowDown") { step(-1); e.preventDefault(); }
  });

  handle.addEventListener("pointerdown", function (e) {
    if (!phone.matches || !e.isPrimary || (e.pointerType === "mouse" && e.button !== 0)) { return; }
    drag = { id: e.pointerId, y: e.clientY, h: panel.getBoundingClientRect().height, moved: false };
    handle.setPointerCapture(e.pointerId);
  });

  handle.addEventListener("pointermove", function (e) {
    if (!drag || e.pointerId !== drag.id) { return; }
    var dy = drag.y - e.clientY;
    if (!drag.moved && Math.abs(dy) < 8) { return; } // a tap that wobbles is still a tap
    drag.moved = true;
    panel.classList.add("is-dragging");
    panel.style.height = Math.max(heightOf("folded"), Math.min(heightOf("full"), drag.h + dy)) + "px";
  });

  function endDrag(e) {
    if (!drag || e.pointerId !== drag.id) { return; }
    var moved = drag.moved;
    drag = null;
    panel.classList.remove("is-dragging");
    if (!moved) { return; } // a tap: the click that follows steps the state
    draggedAt = performance.now();
    var h = panel.getBoundingClientRect().height;
    var best = STATES.reduce(function (a, b) {
      return Math.abs(heightOf(b) - h) < Math.abs(heightOf(a) - h) ? b : a;
    });
    set(best);
  }
  handle.addEventListener("pointerup", endDrag);
  handle.addEventListener("pointercancel", endDrag);

  // Focus moving into a folded sheet (Tab from the map) opens it, so that the focused control is in sight.
  panel.addEventListener("focusin", function (e) {
    if (phone.matches && e.target !== handle && panel.dataset.sheet === "folded") { set("half"); }
  });

  // A rotated phone or a resized window: the same state, at the new size (or no sheet at all when wide).
  window.addEventListener("resize", function () { set(panel.dataset.sheet); });

  set(panel.dataset.sheet || "folded");

  window.fbSheet = {
    // active is true when the panel is a bottom sheet (a narrow screen).
    active: function () { return phone.matches; },
    state: function () { return panel.dataset.sheet; },
    set: set,
    // height is the sheet's height in its current state.
    height: function () { return phone.matches ? heightOf(panel.dataset.sheet) : 0; },
    reveal: reveal
  };
})();

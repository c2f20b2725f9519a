// i18n: the words scripts show, in the page's language. The page carries them as JSON (#fb-i18n, the
// catalogue's js.* messages); fbT(id, values) returns one with its {{.Name}} placeholders filled, the id itself
// when it is missing (so a gap shows instead of a blank).
(function () {
  "use strict";
  var words = null;
  window.fbT = function (id, values) {
    if (!words) {
      var el = document.getElementById("fb-i18n");
      try { words = el ? JSON.parse(el.textContent) : {}; } catch (e) { words = {}; }
    }
    var s = Object.prototype.hasOwnProperty.call(words, id) ? words[id] : id;
    return s.replace(/\{\{\s*\.(\w+)\s*\}\}/g, function (m, k) {
      return values && values[k] !== undefined ? String(values[k]) : m;
    });
  };
})();

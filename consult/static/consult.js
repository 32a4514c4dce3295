// Progressive enhancement of the version page: open a paragraph's thread in place.
// Without JavaScript the same link leads to the paragraph's own page, which has it all.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-thread]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
      return;
    }
    var box = document.getElementById(link.getAttribute("aria-controls"));
    if (!box) {
      return;
    }
    event.preventDefault();
    if (!box.hidden) {
      box.hidden = true;
      link.setAttribute("aria-expanded", "false");
      return;
    }
    var request = new XMLHttpRequest();
    request.open("GET", link.getAttribute("data-thread"));
    request.onload = function () {
      if (request.status !== 200) {
        window.location.href = link.href;  // fall back to the paragraph's page
        return;
      }
      box.innerHTML = request.responseText;  // our own server-rendered, escaped HTML
      box.hidden = false;
      link.setAttribute("aria-expanded", "true");
    };
    request.onerror = function () { window.location.href = link.href; };
    request.send();
  });
})();

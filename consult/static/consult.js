// Progressive enhancement of the version page: open a paragraph's thread in place.
// Without JavaScript the same link leads to the paragraph's own page, which has it all.
(function () {
  "use strict";

  // The confirmation or refusal the server marked `autofocus` inside `root`, else the
  // element the address points at (#s42): focused, so the reader lands where they acted.
  function focusArrival(root) {
    var target = root.querySelector("[autofocus]");
    if (!target && window.location.hash.length > 1) {
      target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
      if (target && !root.contains(target)) {
        target = null;
      }
    }
    if (!target) {
      return;
    }
    if (!target.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
    target.scrollIntoView({block: "center"});
  }

  function openThread(link, box, arriving) {
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
      if (arriving) {
        focusArrival(box);
      }
    };
    request.onerror = function () { window.location.href = link.href; };
    request.send();
  }

  // Only with this script does a thread link open something in place: only then say so.
  var toggles = document.querySelectorAll("a[data-thread]");
  for (var t = 0; t < toggles.length; t++) {
    toggles[t].setAttribute("aria-expanded", "false");
  }

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
    openThread(link, box, false);
  });

  // Back on the version page after posting, supporting or moderating from a thread opened
  // there (?thread=OP3#s42): open that thread again and land on the submission.
  var wanted = null;
  try {
    wanted = new URLSearchParams(window.location.search).get("thread");
  } catch (e) {
    wanted = null;
  }
  if (wanted) {
    var box = document.getElementById("thread-" + wanted);
    var links = document.querySelectorAll("a[data-thread]");
    for (var i = 0; box && i < links.length; i++) {
      if (links[i].getAttribute("aria-controls") === box.id) {
        openThread(links[i], box, true);
        break;
      }
    }
  }
})();

// Live progress without a library: an element with data-poll="URL" is replaced by that
// URL's HTML every 5 seconds while the page stays open (stops once the answer has no
// data-poll in it, i.e. the announcement is done or cancelled).
(function () {
  function poll(box) {
    var url = box.getAttribute("data-poll");
    if (!url) { return; }
    setTimeout(function () {
      fetch(url, { credentials: "same-origin" }).then(function (answer) {
        if (!answer.ok) { return null; }
        return answer.text();
      }).then(function (html) {
        if (html === null) { return; }
        box.innerHTML = html;
        if (html.indexOf("自动刷新") < 0) { box.removeAttribute("data-poll"); }
        poll(box);
      });
    }, 5000);
  }
  document.querySelectorAll("[data-poll]").forEach(poll);
})();

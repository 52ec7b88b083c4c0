// The patient's form page works without this script: a signature is then the typed
// name. With it, a signature can also be drawn (finger, pen or mouse) into a 600 x 200
// box whose strokes go, as an SVG path, into the field's hidden `<key>.drawing` input;
// and what the patient types is kept as they go, so a closed tab loses nothing.
(function () {
  "use strict";
  var W = 600, H = 200;

  function pad(box) {
    var hidden = box.querySelector("input[type=hidden]");
    var canvas = document.createElement("canvas");
    canvas.width = W;
    canvas.height = H;
    canvas.className = "signature__pad";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", "Drawing area for your signature (optional: your typed name signs too)");
    var clear = document.createElement("button");
    clear.type = "button";
    clear.className = "button button--small";
    clear.textContent = "Clear the drawing";
    var hint = document.createElement("p");
    hint.className = "field__hint";
    hint.textContent = "You can also draw your signature here with your finger or mouse.";
    box.insertBefore(hint, hidden);
    box.insertBefore(canvas, hidden);
    box.insertBefore(clear, hidden);
    var ctx = canvas.getContext("2d");
    ctx.lineWidth = 2.5;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    var path = hidden.value || "";

    function redraw() {
      ctx.clearRect(0, 0, W, H);
      ctx.beginPath();
      var parts = path.match(/[ML][^ML]*/g) || [];
      parts.forEach(function (part) {
        var xy = part.slice(1).trim().split(/[ ,]+/).map(Number);
        if (part[0] === "M") ctx.moveTo(xy[0], xy[1]);
        else ctx.lineTo(xy[0], xy[1]);
      });
      ctx.stroke();
    }

    function point(event) {
      var r = canvas.getBoundingClientRect();
      var x = Math.round(((event.clientX - r.left) / r.width) * W);
      var y = Math.round(((event.clientY - r.top) / r.height) * H);
      return Math.max(0, Math.min(W, x)) + " " + Math.max(0, Math.min(H, y));
    }

    var drawing = false;
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      path += "M" + point(event);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      path += "L" + point(event);
      redraw();
    });
    function end() {
      if (!drawing) return;
      drawing = false;
      hidden.value = path.length <= 60000 ? path : "";
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    clear.addEventListener("click", function () {
      path = "";
      hidden.value = "";
      redraw();
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    });
    redraw();
  }

  function keep(form) {
    var timer = null;
    function save() {
      timer = null;
      var data = new URLSearchParams(new FormData(form));
      data.set("intent", "keep");
      fetch(form.action, {
        method: "POST",
        body: data,
        headers: { "x-form-autosave": "1" },
        keepalive: true,
      }).catch(function () {});
    }
    function soon() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(save, 1500);
    }
    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
    form.addEventListener("submit", function () {
      if (timer) clearTimeout(timer);
    });
  }

  document.querySelectorAll("[data-signature]").forEach(pad);
  document.querySelectorAll("form[data-keep]").forEach(keep);
})();

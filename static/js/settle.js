// Settle transactions: marking a row (space on its checkbox) fills its amount to settle and the
// cash discount to take, as the server computes them (settle/fill/); unmarking empties them.
// A changed settlement date fills again the marked rows whose amounts were filled, not typed.
// Filled values are written as if typed, so the live totals refresh.
(function () {
  "use strict";
  var form = document.getElementById("settle-form");
  if (!form) {
    return;
  }
  var problem = document.getElementById("fill-problem");

  function field(kind, id) {
    return form.elements[kind + "_" + id];
  }

  function set(input, value) {
    if (!input || value === null || value === undefined) {
      return;
    }
    input.value = value;
    input.dataset.filled = value;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function untouched(input) {
    return !input || input.value === "" || input.value === input.dataset.filled;
  }

  function fill(ids) {
    if (!ids.length) {
      return;
    }
    var data = new FormData(form);
    ids.forEach(function (id) {
      data.append("fill", id);
    });
    fetch(form.dataset.fillUrl, {
      method: "POST",
      body: data,
      headers: { "X-CSRFToken": data.get("csrfmiddlewaretoken") },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (answer) {
        if (!answer.ok) {
          problem.textContent = (answer.body.fields && answer.body.fields.date) || "";
          return;
        }
        problem.textContent = "";
        Object.keys(answer.body.lines).forEach(function (id) {
          var mark = field("mark", id);
          if (!mark || !mark.checked) {
            return; // unmarked while the answer travelled
          }
          var line = answer.body.lines[id];
          set(field("amount", id), line.amount);
          set(field("discount", id), line.cash_discount);
        });
      });
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.type === "checkbox" && target.name.indexOf("mark_") === 0) {
      var id = target.name.slice(5);
      var amount = field("amount", id);
      var discount = field("discount", id);
      if (target.checked) {
        // An amount typed before marking is the clerk's: keep it.
        if (untouched(amount) && untouched(discount)) {
          if (amount) amount.value = "";
          if (discount) discount.value = "";
          fill([id]);
        }
      } else {
        [amount, discount].forEach(function (input) {
          if (input && input.value !== "") {
            input.value = "";
            delete input.dataset.filled;
            input.dispatchEvent(new Event("change", { bubbles: true }));
          }
        });
      }
    } else if (target.name === "date") {
      var ids = [];
      Array.prototype.forEach.call(form.querySelectorAll("input[name^='mark_']"), function (mark) {
        var id = mark.name.slice(5);
        if (mark.checked && untouched(field("amount", id)) && untouched(field("discount", id))) {
          ids.push(id);
        }
      });
      fill(ids);
    }
  });
})();

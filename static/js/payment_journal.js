// The payment journal page: Enter moves to the next field instead of submitting, Alt+N adds a
// line with the previous line's date and method, the running count and totals per currency
// follow what is typed (read and written in the page's language, as the server reads and writes
// amounts), and the field last edited is sent with the form so that the page comes
// back with the focus on it.
(function () {
  "use strict";
  const form = document.getElementById("journal-form");
  if (!form) return;
  const body = document.querySelector("#journal-lines tbody");
  const template = document.getElementById("journal-line-template");
  const total = form.querySelector("input[name='lines-TOTAL_FORMS']");
  const focusField = document.getElementById("journal-focus");
  const minorUnits = JSON.parse(document.getElementById("journal-minor-units").textContent);

  function rows() {
    return Array.from(body.querySelectorAll("tr.line"));
  }

  function field(row, name) {
    return row.querySelector("[name$='-" + name + "']");
  }

  function entryFields() {
    // The fields Enter and Tab stop at, in order: not the method nor the currency.
    return Array.from(
      form.querySelectorAll("#journal-description, #journal-lines tbody input, #journal-lines tbody select")
    ).filter((el) => el.type !== "hidden" && el.tabIndex !== -1);
  }

  function addLine() {
    const index = parseInt(total.value, 10);
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const all = rows();
    const row = all[all.length - 1];
    row.querySelector(".line-number").textContent = String(all.length);
    const previous = all[all.length - 2];
    field(row, "date").value = previous ? field(previous, "date").value : new Date().toISOString().slice(0, 10);
    field(row, "method").value = previous ? field(previous, "method").value : "electronic";
    field(row, "customer").focus();
    update();
    return row;
  }

  function isBlank(row) {
    return ["customer", "amount", "currency", "reference", "settle"].every(
      (name) => !field(row, name) || !field(row, name).value.trim()
    );
  }

  function currencyOf(row) {
    const typed = field(row, "currency").value.trim().toUpperCase();
    if (typed) return typed;
    const select = field(row, "customer");
    const option = select.options[select.selectedIndex];
    return option ? option.dataset.currency || "" : "";
  }

  // Numbers as the page writes them (the form's data attributes, from the active language):
  // "1 234,56" in French and Norwegian (a no-break space), "1,234.56" in English.
  const decimalSeparator = form.dataset.decimalSeparator || ".";
  const thousandSeparator = form.dataset.thousandSeparator || ",";
  // Spaces that group thousands besides the language's own separator, as the server reads them.
  const groupSpaces = " \u00a0\u202f";

  // A typed amount split into its digits before and after the decimal separator, by the rule
  // the server reads it with (core.money.amount_parse_localized), or null; no sign: a journal
  // takes none.
  function amountParts(text) {
    let value = text.trim();
    if (decimalSeparator !== "." && value.includes(".")) {
      // A point where the comma is the separator: one alone is a decimal point, several (or
      // before the comma) group thousands, one after the comma is refused.
      const comma = value.indexOf(decimalSeparator);
      if (comma === -1 && value.split(".").length === 2) {
        value = value.replace(".", decimalSeparator);
      } else if (comma !== -1 && value.lastIndexOf(".") > comma) {
        return null;
      } else {
        value = value.split(".").join(" ");
      }
    }
    const at = value.indexOf(decimalSeparator);
    let whole = at === -1 ? value : value.slice(0, at);
    const fraction = at === -1 ? "" : value.slice(at + 1);
    if (!/^[0-9]*$/.test(fraction)) return null;
    const groups = groupSpaces + thousandSeparator;
    if (Array.from(whole).some((c) => groups.includes(c))) {
      // Grouped: one to three digits, then groups of three ("1 234", never "12 34").
      const pieces = Array.from(whole, (c) => (groups.includes(c) ? " " : c)).join("").split(" ");
      if (pieces[0].length < 1 || pieces[0].length > 3) return null;
      if (pieces.slice(1).some((p) => p.length !== 3)) return null;
      whole = pieces.join("");
    }
    if (!/^[0-9]*$/.test(whole) || !(whole || fraction)) return null;
    return { whole: whole || "0", fraction: fraction };
  }

  // Amounts are summed as integers of minor units: no binary fractions in a total.
  function toMinor(text, digits) {
    const parts = amountParts(text);
    if (!parts || parts.whole.length > 16) return null;
    // Zeros past the currency's decimals change nothing (100.0000 is 100.00).
    const fraction = parts.fraction.replace(/0+$/, "");
    if (fraction.length > digits) return null;
    return BigInt(parts.whole + fraction.padEnd(digits, "0"));
  }

  // A total as the server's `amount` filter writes it: thousands grouped, the page's separators.
  function format(minor, digits) {
    const text = minor.toString().padStart(digits + 1, "0");
    const whole = digits ? text.slice(0, -digits) : text;
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, thousandSeparator);
    return digits ? grouped + decimalSeparator + text.slice(-digits) : grouped;
  }

  function update() {
    const sums = new Map();
    let count = 0;
    rows().forEach((row) => {
      if (isBlank(row)) return;
      count += 1;
      const currency = currencyOf(row);
      if (!currency) return;
      const digits = currency in minorUnits ? minorUnits[currency] : 2;
      const minor = toMinor(field(row, "amount").value, digits);
      if (minor === null) return;
      const sum = sums.get(currency) || { minor: 0n, count: 0, digits: digits };
      sum.minor += minor;
      sum.count += 1;
      sums.set(currency, sum);
    });
    document.getElementById("journal-count").textContent = String(count);
    const totals = document.getElementById("journal-totals");
    totals.textContent = "";
    const currencies = Array.from(sums.keys()).sort();
    // The page says it in its own language.
    if (!currencies.length) totals.textContent = totals.dataset.empty || "no amounts yet";
    currencies.forEach((currency, i) => {
      const sum = sums.get(currency);
      const span = document.createElement("span");
      span.className = "total";
      span.dataset.currency = currency;
      span.textContent = format(sum.minor, sum.digits) + " " + currency + " (" + sum.count + ")";
      totals.appendChild(span);
      if (i < currencies.length - 1) totals.appendChild(document.createTextNode(", "));
    });
  }

  form.addEventListener("keydown", (event) => {
    const target = event.target;
    const inLine = target.closest && target.closest("#journal-lines tbody tr.line");
    if (event.altKey && event.code === "KeyN") {
      event.preventDefault();
      addLine();
      return;
    }
    if (event.ctrlKey && event.code === "KeyS") {
      event.preventDefault();
      document.getElementById("journal-save").click();
      return;
    }
    if (event.altKey && inLine && (event.code === "KeyM" || event.code === "KeyU")) {
      event.preventDefault();
      field(inLine, event.code === "KeyM" ? "method" : "currency").focus();
      return;
    }
    if (event.key !== "Enter" || event.altKey || event.ctrlKey || event.metaKey) return;
    if (!(target instanceof HTMLInputElement || target instanceof HTMLSelectElement)) return;
    event.preventDefault();
    const stops = entryFields();
    let at = stops.indexOf(target);
    if (at === -1 && inLine) {
      // From the method or the currency: on to the reference of the same line.
      at = stops.indexOf(field(inLine, "amount"));
    }
    const next = stops[at + 1];
    if (next) {
      next.focus();
    } else {
      addLine();
    }
  });

  form.addEventListener("focusin", (event) => {
    if (event.target.name && event.target.name.startsWith("lines-")) {
      focusField.value = event.target.name;
    }
  });
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
  const autofocus = form.querySelector("[autofocus]");
  if (autofocus) autofocus.focus();
})();

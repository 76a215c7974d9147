// The intake's service picker, from the keyboard: ↓ from the search box into the results, ↑↓ between
// them, Esc back to the box. Enter in the box submits the form, which takes the first match.
document.addEventListener("keydown", (event) => {
  const input = event.target.closest("[data-picker-input]");
  const option = event.target.closest(".service-option");
  if (!input && !option) return;
  const options = Array.from(document.querySelectorAll("#service-results .service-option"));
  if (!options.length) return;
  const at = option ? options.indexOf(option) : -1;
  let next = null;
  if (event.key === "ArrowDown") next = options[Math.min(at + 1, options.length - 1)];
  else if (event.key === "ArrowUp") next = at <= 0 ? document.querySelector("[data-picker-input]") : options[at - 1];
  else if (event.key === "Escape" && option) next = document.querySelector("[data-picker-input]");
  if (next) {
    event.preventDefault();
    next.focus();
  }
});

// Access keys (Alt+<letter>) everywhere the browser does not handle them itself: Chrome and Edge
// already have (and then mark the keydown as handled); Firefox wants Alt+Shift, and synthetic key
// presses carry no text. Matched by the physical key, so a Mac's Option+A works as well.
document.addEventListener("keydown", (event) => {
  if (!event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
  if (!event.code.startsWith("Key")) return;
  const key = event.code.slice(3).toLowerCase();
  const target = Array.from(document.querySelectorAll(`[accesskey="${key}"]`)).find(
    (element) => !element.disabled && element.checkVisibility(),
  );
  if (!target) return;
  event.preventDefault();
  if (target.matches("input:not([type=submit]):not([type=checkbox]), select, textarea")) target.focus();
  else target.click();
});

// A form sent back with errors: start at the first field to correct.
document.addEventListener("DOMContentLoaded", () => {
  const invalid = document.querySelector("form [aria-invalid='true']");
  if (invalid) invalid.focus();
});
